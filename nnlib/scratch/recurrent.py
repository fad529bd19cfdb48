"""Recurrent layers in NumPy: RNN, LSTM and GRU, with backpropagation through time (BPTT).

All three read a batch-first sequence ``x: (N, T, input_size)`` one step at a time and
carry a hidden state ``h: (N, hidden_size)`` from step to step:

* ``RNN``:  h_t = tanh(x_t @ W_x + h_{t-1} @ W_h + b)
* ``LSTM``: four gates (input i, forget f, candidate g, output o, PyTorch's order) and a cell
  state c_t = f * c_{t-1} + i * g that carries memory along an additive path; h_t = o * tanh(c_t)
* ``GRU``:  reset r and update z gates; h_t = (1 - z) * n + z * h_{t-1} (PyTorch's equations)

``forward(x, state)`` returns ``(output, final_state)`` like ``torch.nn.RNN`` with
``batch_first=True``: ``output: (N, T, H)`` holds every h_t. One difference: our state is
``(N, H)`` (one layer, one direction), PyTorch's is ``(1, N, H)``.

``backward(grad_output, grad_final_state=None)`` walks the steps in reverse (BPTT), adds the
parameter gradients, returns dL/dx ``(N, T, input_size)``, and keeps
``grad_state0`` (dL/d initial state) and ``grad_hidden`` (dL/dh_t for every t, ``(N, T, H)``:
the quantity that vanishes or explodes).

Weights are stored nnlib-style, ``(d_in, gates * H)``, so ``x_t @ W_x`` works; PyTorch stores
``weight_ih_l0`` as ``(gates * H, d_in)``. ``from_torch`` / ``to_torch`` transpose for you and
handle PyTorch's two biases (``b_ih + b_hh``; the GRU keeps both, because ``b_hn`` sits inside
the reset gate's product).
"""

from __future__ import annotations

import math

import numpy as np

from nnlib import _checks
from nnlib.scratch import functional as F
from nnlib.scratch import init as initializers
from nnlib.scratch.layers import check_grad_out, layer_name, require_forward
from nnlib.scratch.module import Module, Parameter, ShapeError, check_array

__all__ = ["RNN", "LSTM", "GRU", "rnn_step", "lstm_step", "gru_step", "with_spectral_radius",
           "spectral_radius", "hidden_gradient_norms"]


# -- one step of each cell, as plain functions (the notebook builds them inline too) --------
def _step_arrays(where: str, gates: int, x_t, h_prev, W_x, W_h, biases: dict,
                 c_prev=None, cell: bool = False):
    """The arrays of one cell step, checked: x_t (N, d), h_prev (N, H), W_x (d, gates*H),
    W_h (H, gates*H), each bias (gates*H,); c_prev (N, H) for the LSTM. NaN/inf pass (plain
    math: they propagate, as in PyTorch)."""
    def arr(value, name, ndim):
        if isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{where}: {name} must be an array, got {value!r} (a bool)")
        return _checks.check_array(value, name, where=where, ndim=ndim, finite=False)

    x_t, h_prev = arr(x_t, "x_t", 2), arr(h_prev, "h_prev", 2)
    out = {"c_prev": arr(c_prev, "c_prev", 2)} if cell else {}
    W_x, W_h = arr(W_x, "W_x", 2), arr(W_h, "W_h", 2)
    for name, value in biases.items():
        out[name] = arr(value, name, 1)
    (n, d), H = x_t.shape, h_prev.shape[1]
    want = {"h_prev": (n, H), "W_x": (d, gates * H), "W_h": (H, gates * H)}
    got = {"h_prev": h_prev.shape, "W_x": W_x.shape, "W_h": W_h.shape}
    if cell:
        want["c_prev"], got["c_prev"] = (n, H), out["c_prev"].shape
    for name in biases:
        want[name], got[name] = (gates * H,), out[name].shape
    for name, shape in want.items():
        if got[name] != shape:
            raise ShapeError(f"{where}: expected {name} of shape {shape} for x_t {x_t.shape} "
                             f"and h_prev {h_prev.shape} ({gates} gate(s) of H={H}), got "
                             f"shape {got[name]}")
    return x_t, h_prev, W_x, W_h, out


def rnn_step(x_t, h_prev, W_x, W_h, b, nonlinearity: str = "tanh"):
    """h_t = tanh(x_t @ W_x + h_prev @ W_h + b). x_t: (N, d), h_prev: (N, H) -> (N, H).

    ``nonlinearity``: "tanh" or "relu". NaN in the arrays propagates (as in PyTorch).
    """
    _checks.check_choice(nonlinearity, "nonlinearity", ("tanh", "relu"), where="rnn_step")
    x_t, h_prev, W_x, W_h, rest = _step_arrays("rnn_step", 1, x_t, h_prev, W_x, W_h, {"b": b})
    return _rnn_step(x_t, h_prev, W_x, W_h, rest["b"], nonlinearity)


def _rnn_step(x_t, h_prev, W_x, W_h, b, nonlinearity: str = "tanh"):
    z = x_t @ W_x + h_prev @ W_h + b
    return np.tanh(z) if nonlinearity == "tanh" else np.maximum(z, 0.0)


def lstm_step(x_t, h_prev, c_prev, W_x, W_h, b):
    """One LSTM step, gate order (i, f, g, o) as in PyTorch. Returns ``(h, c, gates)``.

    x_t: (N, d), h_prev and c_prev: (N, H), W_x: (d, 4H), W_h: (H, 4H), b: (4H,).
    ``gates`` is the tuple (i, f, g, o), each (N, H). NaN propagates (as in PyTorch).
    """
    x_t, h_prev, W_x, W_h, rest = _step_arrays("lstm_step", 4, x_t, h_prev, W_x, W_h,
                                               {"b": b}, c_prev=c_prev, cell=True)
    return _lstm_step(x_t, h_prev, rest["c_prev"], W_x, W_h, rest["b"])


def _lstm_step(x_t, h_prev, c_prev, W_x, W_h, b):
    z = x_t @ W_x + h_prev @ W_h + b              # (N, 4H): all four gates in one product
    zi, zf, zg, zo = np.split(z, 4, axis=1)       # each (N, H)
    i, f, o = F.sigmoid(zi), F.sigmoid(zf), F.sigmoid(zo)
    g = np.tanh(zg)
    c = f * c_prev + i * g                        # forget some old memory, write some new
    h = o * np.tanh(c)                            # expose part of the memory
    return h, c, (i, f, g, o)


def gru_step(x_t, h_prev, W_x, W_h, b_x, b_h):
    """One GRU step with PyTorch's equations, gate order (r, z, n). Returns ``(h, gates)``.

    x_t: (N, d), h_prev: (N, H), W_x: (d, 3H), W_h: (H, 3H), b_x and b_h: (3H,).
    NaN propagates (as in PyTorch).
    """
    x_t, h_prev, W_x, W_h, rest = _step_arrays("gru_step", 3, x_t, h_prev, W_x, W_h,
                                               {"b_x": b_x, "b_h": b_h})
    return _gru_step(x_t, h_prev, W_x, W_h, rest["b_x"], rest["b_h"])


def _gru_step(x_t, h_prev, W_x, W_h, b_x, b_h):
    ax = x_t @ W_x + b_x                          # (N, 3H) input part
    ah = h_prev @ W_h + b_h                       # (N, 3H) recurrent part
    ax_r, ax_z, ax_n = np.split(ax, 3, axis=1)
    ah_r, ah_z, ah_n = np.split(ah, 3, axis=1)
    r = F.sigmoid(ax_r + ah_r)                    # reset: how much of h_prev feeds n
    z = F.sigmoid(ax_z + ah_z)                    # update: keep h_prev (z=1) or take n (z=0)
    n = np.tanh(ax_n + r * ah_n)                  # candidate state
    h = (1.0 - z) * n + z * h_prev
    return h, (r, z, n, ah_n)


# -- the shared sequence machinery -----------------------------------------------------------
class _Recurrent(Module):
    """Loops a cell over time. Subclasses define ``_step`` and ``_step_backward``.

    The state is a tuple of (N, H) arrays: ``(h,)`` or ``(h, c)``.
    """

    gates = 1
    state_names: tuple[str, ...] = ("h",)

    def __init__(self, input_size: int, hidden_size: int, *, rng=None, dtype=np.float32):
        where = type(self).__name__
        self.input_size = _checks.check_int(input_size, "input_size", minimum=1, where=where)
        self.hidden_size = _checks.check_int(hidden_size, "hidden_size", minimum=1, where=where)
        dtype = _checks.check_float_dtype(dtype, where=where)
        rng = initializers.as_rng(rng)
        # PyTorch's default for every recurrent weight and bias: U(-1/sqrt(H), 1/sqrt(H))
        k = 1.0 / math.sqrt(self.hidden_size)
        width = self.gates * self.hidden_size

        def uniform(*shape):
            return rng.uniform(-k, k, size=shape).astype(dtype)

        self.weight_x = Parameter(uniform(self.input_size, width), "weight_x")
        self.weight_h = Parameter(uniform(self.hidden_size, width), "weight_h")
        self._init_biases(uniform)
        self._cache = None
        self.grad_state0 = None
        self.grad_hidden = None

    def _init_biases(self, uniform) -> None:
        self.bias = Parameter(uniform(self.gates * self.hidden_size), "bias")

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}"

    def __call__(self, x, state=None):
        return self.forward(x, state)

    # -- checks ------------------------------------------------------------------------
    def _check_input(self, x) -> np.ndarray:
        where = layer_name(self)
        x = check_array(x, "input", layer=where)
        if x.ndim != 3:
            hint = (" (one sequence? use x[None] to add a batch axis)" if x.ndim == 2 else
                    " (N sequences of T steps with input_size features each)")
            raise ShapeError(f"{where}: expected input of shape (N, T, {self.input_size}) "
                             f"(batch first), got shape {x.shape}{hint}")
        x = check_array(x, "input", last_dim=self.input_size, layer=where)
        if x.shape[1] == 0:
            raise ShapeError(f"{where}: the sequence is empty (T = 0), got shape {x.shape}")
        # a copy: the backward pass needs x as it was, even if the caller changes its array
        return x.astype(self.weight_x.dtype, copy=True)

    def _check_state(self, state, n: int) -> tuple[np.ndarray, ...]:
        dtype = self.weight_x.dtype
        k = len(self.state_names)
        if state is None:
            return tuple(np.zeros((n, self.hidden_size), dtype=dtype) for _ in range(k))
        if k == 1 and not isinstance(state, tuple):
            state = (state,)
        if not isinstance(state, tuple) or len(state) != k:
            raise TypeError(f"{layer_name(self)}: state must be a tuple "
                            f"({', '.join(self.state_names)}) of arrays (N, H), got "
                            f"{_checks.describe(state)}")
        out = []
        for name, s in zip(self.state_names, state):
            s = check_array(s, f"{name}0", layer=layer_name(self))
            if s.ndim == 3 and s.shape[0] == 1:
                raise ShapeError(f"{layer_name(self)}: got {name}0 of shape {s.shape}, PyTorch's "
                                 f"(1, N, H) layout; nnlib uses (N, H): pass {name}0[0]")
            if s.shape != (n, self.hidden_size):
                raise ShapeError(f"{layer_name(self)}: expected {name}0 of shape "
                                 f"({n}, {self.hidden_size}) (N, hidden_size), got {s.shape}")
            out.append(check_array(s, f"{name}0", layer=layer_name(self)).astype(dtype))
        return tuple(out)

    # -- forward and backward through time ---------------------------------------------------
    def forward(self, x, state=None):
        """x: (N, T, input_size), state: (N, H) arrays or None (zeros).

        Returns ``output (N, T, H)`` and the final state (``h_T`` or ``(h_T, c_T)``).
        """
        x = self._check_input(x)
        n, steps, _ = x.shape
        state = self._check_state(state, n)
        outputs = np.empty((n, steps, self.hidden_size), dtype=x.dtype)
        caches = []
        for t in range(steps):
            new_state, cache = self._step(x[:, t], state)
            caches.append(cache)
            state = new_state
            outputs[:, t] = state[0]
        self._cache = (x, caches)
        final = state if len(state) > 1 else state[0]
        return outputs, final

    def backward(self, grad_output, grad_final_state=None):
        """dL/d output (N, T, H) [+ dL/d final state] -> dL/dx (N, T, input_size).

        Adds dL/dparameters into ``.grad``; keeps dL/d(initial state) in ``grad_state0`` and
        dL/dh_t for every step in ``grad_hidden`` (N, T, H).
        """
        x, caches = require_forward(self._cache, self)
        n, steps, _ = x.shape
        grad_output = check_grad_out(grad_output, (n, steps, self.hidden_size), self)
        k = len(self.state_names)
        if grad_final_state is None:
            d_state = [np.zeros((n, self.hidden_size), dtype=x.dtype) for _ in range(k)]
        else:
            if k == 1 and not isinstance(grad_final_state, tuple):
                grad_final_state = (grad_final_state,)
            if not isinstance(grad_final_state, tuple) or len(grad_final_state) != k:
                raise TypeError(f"{layer_name(self)}.backward: grad_final_state must be a tuple "
                                f"(grad_{', grad_'.join(self.state_names)}) of arrays "
                                f"({n}, {self.hidden_size}) or None, got "
                                f"{_checks.describe(grad_final_state)}")
            d_state = [np.array(check_grad_out(g, (n, self.hidden_size), self), dtype=x.dtype)
                       for g in grad_final_state]
        grad_x = np.empty_like(x)
        self.grad_hidden = np.empty((n, steps, self.hidden_size), dtype=x.dtype)
        for t in reversed(range(steps)):
            d_state[0] = d_state[0] + grad_output[:, t]   # h_t feeds the output AND step t+1
            self.grad_hidden[:, t] = d_state[0]
            grad_x[:, t], d_state = self._step_backward(x[:, t], d_state, caches[t])
        self.grad_state0 = tuple(d_state) if k > 1 else d_state[0]
        return grad_x

    def _step(self, x_t, state):
        raise NotImplementedError

    def _step_backward(self, x_t, d_state, cache):
        raise NotImplementedError

    def _accumulate(self, x_t, h_prev, dz_x, dz_h=None) -> np.ndarray:
        """Add the weight gradients of ``x_t @ W_x + h_prev @ W_h`` and return dL/dx_t."""
        dz_h = dz_x if dz_h is None else dz_h
        self.weight_x.grad += x_t.T @ dz_x
        self.weight_h.grad += h_prev.T @ dz_h
        return dz_x @ self.weight_x.data.T

    # -- weights to and from PyTorch ---------------------------------------------------------
    _torch_class = ""

    @classmethod
    def from_torch(cls, module, dtype=None):
        """A copy of a one-layer, one-direction ``torch.nn.RNN/LSTM/GRU`` (``batch_first``)."""
        if type(module).__name__ != cls._torch_class:
            raise TypeError(f"{cls.__name__}.from_torch needs a torch.nn.{cls._torch_class}, "
                            f"got {type(module).__name__}")
        if module.num_layers != 1 or module.bidirectional or not module.bias:
            raise ValueError(f"{cls.__name__}.from_torch supports one layer, one direction, "
                             "with biases")
        if not module.batch_first:
            raise ValueError("build the torch module with batch_first=True, as nnlib is "
                             "batch first")
        arrays = {name: p.detach().cpu().numpy() for name, p in module.named_parameters()}
        dtype = arrays["weight_ih_l0"].dtype if dtype is None else dtype
        out = cls(module.input_size, module.hidden_size, dtype=dtype, **cls._torch_kwargs(module))
        out.weight_x.data[...] = arrays["weight_ih_l0"].T
        out.weight_h.data[...] = arrays["weight_hh_l0"].T
        out._load_torch_biases(arrays["bias_ih_l0"], arrays["bias_hh_l0"])
        return out

    @classmethod
    def _torch_kwargs(cls, module) -> dict:
        return {}

    def _load_torch_biases(self, b_ih, b_hh) -> None:
        self.bias.data[...] = b_ih + b_hh   # only the sum matters

    def _torch_biases(self):
        return self.bias.data, np.zeros_like(self.bias.data)

    def to_torch(self):
        """A ``torch.nn`` module (``batch_first=True``) with the same weights and dtype."""
        import torch

        dtype = torch.float64 if self.weight_x.dtype == np.float64 else torch.float32
        cls = getattr(torch.nn, self._torch_class)
        module = cls(self.input_size, self.hidden_size, batch_first=True, dtype=dtype,
                     **self._to_torch_kwargs())
        b_ih, b_hh = self._torch_biases()
        arrays = {"weight_ih_l0": self.weight_x.data.T, "weight_hh_l0": self.weight_h.data.T,
                  "bias_ih_l0": b_ih, "bias_hh_l0": b_hh}
        with torch.no_grad():
            for name, p in module.named_parameters():
                p.copy_(torch.from_numpy(np.ascontiguousarray(arrays[name])))
        return module

    def _to_torch_kwargs(self) -> dict:
        return {}


class RNN(_Recurrent):
    """Elman RNN: h_t = tanh(x_t @ W_x + h_{t-1} @ W_h + b) (or ReLU), batch first.

    weight_x: (input_size, H), weight_h: (H, H), bias: (H,). Equals ``torch.nn.RNN`` with
    ``batch_first=True`` and ``bias = b_ih + b_hh``.
    """

    _torch_class = "RNN"

    def __init__(self, input_size: int, hidden_size: int, *, nonlinearity: str = "tanh",
                 rng=None, dtype=np.float32):
        self.nonlinearity = _checks.check_choice(nonlinearity, "nonlinearity", ("tanh", "relu"),
                                                 where="RNN")
        super().__init__(input_size, hidden_size, rng=rng, dtype=dtype)

    def extra_repr(self) -> str:
        extra = "" if self.nonlinearity == "tanh" else ", nonlinearity='relu'"
        return super().extra_repr() + extra

    def _step(self, x_t, state):
        (h_prev,) = state
        h = _rnn_step(x_t, h_prev, self.weight_x.data, self.weight_h.data, self.bias.data,
                     self.nonlinearity)
        return (h,), (h_prev, h)

    def _step_backward(self, x_t, d_state, cache):
        h_prev, h = cache
        (dh,) = d_state
        dz = dh * (1.0 - h * h) if self.nonlinearity == "tanh" else dh * (h > 0)   # (N, H)
        self.bias.grad += dz.sum(axis=0)
        dx_t = self._accumulate(x_t, h_prev, dz)
        return dx_t, [dz @ self.weight_h.data.T]   # dL/dh_{t-1} through W_h

    @classmethod
    def _torch_kwargs(cls, module) -> dict:
        return {"nonlinearity": module.nonlinearity}

    def _to_torch_kwargs(self) -> dict:
        return {"nonlinearity": self.nonlinearity}


class LSTM(_Recurrent):
    """Long short-term memory, gate order (i, f, g, o) as in ``torch.nn.LSTM``, batch first.

    weight_x: (input_size, 4H), weight_h: (H, 4H), bias: (4H,). The state is ``(h, c)``.
    """

    gates = 4
    state_names = ("h", "c")
    _torch_class = "LSTM"

    def _step(self, x_t, state):
        h_prev, c_prev = state
        h, c, gates = _lstm_step(x_t, h_prev, c_prev, self.weight_x.data, self.weight_h.data,
                                self.bias.data)
        return (h, c), (h_prev, c_prev, c, gates)

    def _step_backward(self, x_t, d_state, cache):
        h_prev, c_prev, c, (i, f, g, o) = cache
        dh, dc = d_state
        tanh_c = np.tanh(c)
        do = dh * tanh_c
        dc = dc + dh * o * (1.0 - tanh_c**2)          # c_t reaches L directly and through h_t
        di, dg, df = dc * g, dc * i, dc * c_prev
        dz = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g * g),
                             do * o * (1 - o)], axis=1)   # (N, 4H), same order as the gates
        self.bias.grad += dz.sum(axis=0)
        dx_t = self._accumulate(x_t, h_prev, dz)
        return dx_t, [dz @ self.weight_h.data.T, dc * f]  # the cell path: just a product by f


class GRU(_Recurrent):
    """Gated recurrent unit with ``torch.nn.GRU``'s equations, gate order (r, z, n):

        r = σ(x W_xr + b_xr + h W_hr + b_hr),   z = σ(x W_xz + b_xz + h W_hz + b_hz)
        n = tanh(x W_xn + b_xn + r * (h W_hn + b_hn)),   h' = (1 - z) * n + z * h

    weight_x: (input_size, 3H), weight_h: (H, 3H), bias_x and bias_h: (3H,) (both are needed:
    ``b_hn`` is multiplied by r).
    """

    gates = 3
    _torch_class = "GRU"

    def _init_biases(self, uniform) -> None:
        self.bias_x = Parameter(uniform(self.gates * self.hidden_size), "bias_x")
        self.bias_h = Parameter(uniform(self.gates * self.hidden_size), "bias_h")

    def _load_torch_biases(self, b_ih, b_hh) -> None:
        self.bias_x.data[...] = b_ih
        self.bias_h.data[...] = b_hh

    def _torch_biases(self):
        return self.bias_x.data, self.bias_h.data

    def _step(self, x_t, state):
        (h_prev,) = state
        h, gates = _gru_step(x_t, h_prev, self.weight_x.data, self.weight_h.data,
                            self.bias_x.data, self.bias_h.data)
        return (h,), (h_prev, gates)

    def _step_backward(self, x_t, d_state, cache):
        h_prev, (r, z, n, ah_n) = cache
        (dh,) = d_state
        dn = dh * (1.0 - z)
        dz = dh * (h_prev - n)
        dan = dn * (1.0 - n * n)                      # through n's tanh
        dr = dan * ah_n
        dar, daz = dr * r * (1 - r), dz * z * (1 - z)
        dz_x = np.concatenate([dar, daz, dan], axis=1)       # (N, 3H) input pre-activations
        dz_h = np.concatenate([dar, daz, dan * r], axis=1)   # recurrent ones: n's part times r
        self.bias_x.grad += dz_x.sum(axis=0)
        self.bias_h.grad += dz_h.sum(axis=0)
        dx_t = self._accumulate(x_t, h_prev, dz_x, dz_h)
        return dx_t, [dh * z + dz_h @ self.weight_h.data.T]


# -- vanishing and exploding gradients --------------------------------------------------------
def spectral_radius(W) -> float:
    """max |eigenvalue| of a square matrix: how much repeated products by W grow or shrink."""
    return _spectral_radius(W, "spectral_radius")


def _spectral_radius(W, where: str) -> float:
    if isinstance(W, (bool, np.bool_)):
        raise TypeError(f"{where}: W must be a square matrix of numbers, got {W!r} (a bool)")
    W = _checks.check_array(W, "W", where=where).astype(np.float64)
    if W.ndim != 2 or W.shape[0] != W.shape[1] or W.size == 0:
        raise ShapeError(f"{where}: W must be a square matrix (n, n) with n >= 1, got shape "
                         f"{W.shape}")
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def with_spectral_radius(W, radius: float) -> np.ndarray:
    """``W`` rescaled so that its spectral radius equals ``radius``."""
    where = "with_spectral_radius"
    radius = _checks.check_float(radius, "radius", minimum=0, where=where)
    current = _spectral_radius(W, where)
    if current == 0:
        raise ValueError(f"{where}: W has spectral radius 0 (all eigenvalues are zero): "
                         "cannot rescale it; pass a matrix with a nonzero eigenvalue")
    W = np.asarray(W)
    dtype = W.dtype if W.dtype.kind == "f" else np.float64
    with np.errstate(over="ignore"):
        out = (W * (radius / current)).astype(dtype)
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{where}: radius={radius!r} makes W's entries overflow {dtype}; "
                         "use a radius near 1")
    return out


def hidden_gradient_norms(radius: float, seq_len: int, *, hidden_size: int = 32,
                          nonlinearity: str = "tanh", batch_size: int = 16,
                          input_scale: float = 1.0, seed: int = 0) -> np.ndarray:
    """‖dL/dh_t‖ for t = 1..T in a random RNN whose W_h has the given spectral radius.

    The loss reads only the last hidden state (L = sum(h_T * G) / N with a fixed random G), so
    dL/dh_t measures how much step t can still influence the loss T - t steps later.
    Returns a (seq_len,) float64 array: the norm over (batch, hidden) of dL/dh_t, divided by
    the norm at the last step (so the last entry is 1). Entries may be 0 or inf when the
    gradient underflows or overflows float64.
    """
    where = "hidden_gradient_norms"
    radius = _checks.check_float(radius, "radius", minimum=0, min_open=True, where=where)
    seq_len = _checks.check_int(seq_len, "seq_len", minimum=1, where=where)
    hidden_size = _checks.check_int(hidden_size, "hidden_size", minimum=1, where=where)
    batch_size = _checks.check_int(batch_size, "batch_size", minimum=1, where=where)
    input_scale = _checks.check_float(input_scale, "input_scale", where=where)
    rng = np.random.default_rng(_checks.check_seed(seed, optional=False, where=where))
    rnn = RNN(1, hidden_size, nonlinearity=nonlinearity, rng=rng, dtype=np.float64)
    W = rng.standard_normal((hidden_size, hidden_size)) / math.sqrt(hidden_size)
    rnn.weight_h.data[...] = with_spectral_radius(W, radius)
    x = input_scale * rng.standard_normal((batch_size, seq_len, 1))
    G = rng.standard_normal((batch_size, hidden_size)) / batch_size
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        output, _ = rnn(x)
        grad = np.zeros_like(output)
        grad[:, -1] = G
        rnn.backward(grad)
        norms = np.sqrt(np.sum(rnn.grad_hidden**2, axis=(0, 2)))
        return norms / norms[-1]
