"""Layers of the NumPy engine: Linear, Dropout, BatchNorm1d, LayerNorm, Flatten, Sequential.

Every layer follows the contract in ``module.py``: ``forward`` keeps what ``backward``
needs; ``backward(grad_out)`` returns dL/dx and adds into each ``param.grad``.
"""

from __future__ import annotations

import math

import numpy as np

from nnlib import _checks
from nnlib.scratch import init as initializers
from nnlib.scratch.module import Module, NotForwardedError, Parameter, ShapeError, check_array


# -- helpers shared by all layers (activations and losses import them too) -------------
def layer_name(layer) -> str:
    """``Linear(784, 256)``-style name for error messages."""
    return f"{type(layer).__name__}({layer.extra_repr()})"


def require_forward(saved, layer):
    """Return what ``forward`` saved, or explain that ``forward`` must come first."""
    if saved is None:
        raise NotForwardedError(
            f"{layer_name(layer)}.backward() was called before forward(): "
            "call forward(x) (or layer(x)) first, then backward(grad_out)")
    return saved


def check_grad_out(grad_out, shape, layer) -> np.ndarray:
    """``grad_out`` must be a real array with the shape of the layer's last output."""
    grad_out = _checks.check_array(grad_out, "grad_out", where=f"{layer_name(layer)}.backward",
                                   finite=False)
    if grad_out.shape != tuple(shape):
        raise ShapeError(f"{layer_name(layer)}.backward: expected grad_out of shape "
                         f"{tuple(shape)} (the shape of the output), got {grad_out.shape}")
    return grad_out


def _at_least_2d(x, name: str, layer) -> np.ndarray:
    try:
        if hasattr(x, "detach") and hasattr(x, "cpu"):  # a torch tensor (may require grad)
            x = x.detach().cpu().numpy()
        x = np.asarray(x)
    except (ValueError, TypeError) as exc:  # a ragged nested list
        raise TypeError(f"{layer_name(layer)}: {name} must be a numeric array, got "
                        f"{_checks.describe(x)} that NumPy cannot turn into one ({exc})") from None
    if x.ndim < 2:
        hint = " (a single example? use x[None, :] to add a batch axis)" if x.ndim == 1 else ""
        raise ShapeError(f"{layer_name(layer)}: expected {name} of shape (N, ...) with a "
                         f"batch axis first, got shape {x.shape}{hint}")
    return x


# -- Linear -------------------------------------------------------------------------------
_INITS = ("kaiming_uniform", "kaiming_normal", "xavier_uniform", "xavier_normal", "zeros")


class Linear(Module):
    """Y = X @ W + b with ``W: (in_features, out_features)``, ``b: (out_features,)``.

    ``X`` may be ``(N, in_features)`` or ``(N, ..., in_features)``; the input is cast to
    the weight's dtype (float32 by default, like PyTorch).

    ``init``: ``"kaiming_uniform"`` (default) is PyTorch's ``nn.Linear`` default, i.e.
    Kaiming-uniform with ``a = sqrt(5)``, which is U(-1/sqrt(in), 1/sqrt(in)), and the bias
    from the same range. ``"kaiming_normal"`` is He init for ReLU (gain sqrt 2),
    ``"xavier_uniform"`` / ``"xavier_normal"`` are Glorot's (gain 1); these three and
    ``"zeros"`` start the bias at 0.

    PyTorch stores the weight transposed, ``(out, in)``: use ``Linear.from_torch(layer)``
    and ``linear.to_torch()`` to move weights across (they transpose for you).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, *,
                 init: str = "kaiming_uniform", rng=None, dtype=np.float32):
        where = "Linear"
        self.in_features = _checks.check_int(in_features, "in_features", minimum=1, where=where)
        self.out_features = _checks.check_int(out_features, "out_features", minimum=1,
                                              where=where)
        bias = _checks.check_bool(bias, "bias", where=where)
        _checks.check_choice(init, "init", _INITS, where=where)
        dtype = _checks.check_float_dtype(dtype, where=where)
        rng = initializers.as_rng(rng)
        shape = (self.in_features, self.out_features)
        bound = 1 / math.sqrt(self.in_features)
        if init == "kaiming_uniform":
            weight = initializers.kaiming_uniform(shape, a=math.sqrt(5), rng=rng, dtype=dtype)
        elif init == "kaiming_normal":
            weight = initializers.kaiming_normal(shape, nonlinearity="relu", rng=rng,
                                                 dtype=dtype)
        elif init == "xavier_uniform":
            weight = initializers.xavier_uniform(shape, rng=rng, dtype=dtype)
        elif init == "xavier_normal":
            weight = initializers.xavier_normal(shape, rng=rng, dtype=dtype)
        else:
            weight = np.zeros(shape, dtype=dtype)
        self.weight = Parameter(weight, "weight")
        self.bias = None
        if bias:
            b = (rng.uniform(-bound, bound, size=self.out_features) if init == "kaiming_uniform"
                 else np.zeros(self.out_features))
            self.bias = Parameter(b.astype(dtype), "bias")
        self._x = None

    def forward(self, x):
        x = _at_least_2d(x, "input", self)
        x = check_array(x, last_dim=self.in_features, layer=layer_name(self))
        # a copy: the caller may change its array before backward (the weight gradient needs x)
        x = x.astype(self.weight.data.dtype, copy=True)
        self._x = x
        y = x @ self.weight.data
        if self.bias is not None:
            y += self.bias.data
        return y

    def backward(self, grad_out):
        x = require_forward(self._x, self)
        g = check_grad_out(grad_out, x.shape[:-1] + (self.out_features,), self)
        x2 = x.reshape(-1, self.in_features)  # (N, ..., d) -> (N*..., d); a view, no copy
        g2 = g.reshape(-1, self.out_features)
        self.weight.grad += x2.T @ g2
        if self.bias is not None:
            self.bias.grad += g2.sum(axis=0)
        return g @ self.weight.data.T

    def extra_repr(self) -> str:
        return (f"{self.in_features}, {self.out_features}"
                + ("" if self.bias is not None else ", bias=False"))

    # -- weights to and from PyTorch (which stores W as (out, in)) ---------------------
    @classmethod
    def from_torch(cls, layer, dtype=None) -> Linear:
        """A copy of a ``torch.nn.Linear``; dtype defaults to the torch layer's."""
        weight = layer.weight.detach().cpu().numpy()
        dtype = weight.dtype if dtype is None else dtype
        out = cls(layer.in_features, layer.out_features, bias=layer.bias is not None,
                  init="zeros", dtype=dtype)
        out.weight.data[...] = weight.T
        if layer.bias is not None:
            out.bias.data[...] = layer.bias.detach().cpu().numpy()
        return out

    def to_torch(self):
        """A ``torch.nn.Linear`` with the same weights (transposed) and dtype."""
        import torch

        dtype = torch.float64 if self.weight.dtype == np.float64 else torch.float32
        layer = torch.nn.Linear(self.in_features, self.out_features,
                                bias=self.bias is not None, dtype=dtype)
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(np.ascontiguousarray(self.weight.data.T)))
            if self.bias is not None:
                layer.bias.copy_(torch.from_numpy(self.bias.data))
        return layer


# -- Dropout ------------------------------------------------------------------------------
class Dropout(Module):
    """Inverted dropout: in training, zero each entry with probability ``p`` and scale the
    survivors by 1/(1-p) so the expected output equals the input; in eval mode, identity.

    After a training-mode forward, ``self.mask`` holds the array the input was multiplied by
    (0 or 1/(1-p)). Masks come from ``rng`` (default: nnlib's shared generator).
    """

    def __init__(self, p: float = 0.5, *, rng=None):
        self.p = _checks.check_float(p, "p", minimum=0, maximum=1, max_open=True,
                                     where="Dropout", hint="p is the probability of dropping "
                                     "a unit (p=1 would drop everything)")
        self.rng = None if rng is None else initializers.as_rng(rng)  # None: shared, at call
        self.mask = None
        self._shape = None

    def forward(self, x):
        x = check_array(x, layer=layer_name(self))
        self._shape = x.shape
        if not self.training or self.p == 0:
            self.mask = None
            return x
        # p may have been set by hand after __init__ (layer.p = 0.2, as in PyTorch)
        _checks.check_float(self.p, "p", minimum=0, maximum=1, max_open=True,
                            where=f"{layer_name(self)}.forward",
                            hint="the probability of zeroing a unit, e.g. layer.p = 0.2")
        # NumPy draws float32/float64 only: float16 input gets a float32 draw
        draw_dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.float64
        uniform = initializers.as_rng(self.rng).random(x.shape, dtype=draw_dtype)
        self.mask = (uniform >= self.p).astype(x.dtype) / x.dtype.type(1 - self.p)
        return x * self.mask

    def backward(self, grad_out):
        shape = require_forward(self._shape, self)
        grad_out = check_grad_out(grad_out, shape, self)
        return grad_out if self.mask is None else grad_out * self.mask

    def extra_repr(self) -> str:
        return f"p={self.p}"


# -- normalisation ----------------------------------------------------------------------
def _normalize_backward(grad_xhat, xhat, inv_std, axis):
    """dL/dx for xhat = (x - mean) * inv_std with mean/var taken over ``axis``.

    From the chain rule through mean and variance:
    dx = inv_std * (g - mean(g) - xhat * mean(g * xhat)).
    """
    mean_g = grad_xhat.mean(axis=axis, keepdims=True)
    mean_gx = (grad_xhat * xhat).mean(axis=axis, keepdims=True)
    return inv_std * (grad_xhat - mean_g - xhat * mean_gx)


class BatchNorm1d(Module):
    """Normalise each feature over the batch: y = (x - mean) / sqrt(var + eps) * weight + bias.

    Input ``(N, num_features)``. Training uses the batch's mean and (biased) variance and
    updates ``running_mean`` / ``running_var`` (with the unbiased variance, as PyTorch does):
    ``running = (1 - momentum) * running + momentum * batch_stat``. Eval uses the running
    statistics. ``state_dict()`` holds the running statistics too, as in PyTorch.
    """

    buffer_names = ("running_mean", "running_var")

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, *,
                 dtype=np.float32):
        where = "BatchNorm1d"
        self.num_features = _checks.check_int(num_features, "num_features", minimum=1,
                                              where=where)
        momentum = _checks.check_float(
            momentum, "momentum", minimum=0, maximum=1, where=where,
            hint="PyTorch's momentum=None (a cumulative average) is not supported here"
            if momentum is None else "")
        eps = _checks.check_float(eps, "eps", minimum=0, min_open=True, where=where)
        dtype = _checks.check_float_dtype(dtype, where=where)
        self.eps, self.momentum = eps, momentum
        self.weight = Parameter(np.ones(num_features, dtype=dtype), "weight")
        self.bias = Parameter(np.zeros(num_features, dtype=dtype), "bias")
        self.running_mean = np.zeros(num_features, dtype=dtype)
        self.running_var = np.ones(num_features, dtype=dtype)
        self._cache = None

    def forward(self, x):
        x = check_array(x, ndim=2, last_dim=self.num_features, layer=layer_name(self))
        x = x.astype(self.weight.data.dtype, copy=False)
        if self.training:
            n = x.shape[0]
            if n < 2:
                raise ValueError(f"{layer_name(self)}: training needs more than 1 example per "
                                 f"batch to estimate a variance, got input of shape {x.shape}"
                                 "; use a larger batch or call .eval()")
            mean = x.mean(axis=0)
            var = x.var(axis=0)
            # momentum may have been set by hand after __init__ (bn.momentum = 0.01, as in torch)
            m = _checks.check_float(self.momentum, "momentum", minimum=0, maximum=1,
                                    where=f"{layer_name(self)}.forward")
            # in place, so state_dict copies and load_state_dict targets stay the same arrays
            self.running_mean[...] = (1 - m) * self.running_mean + m * mean
            self.running_var[...] = (1 - m) * self.running_var + m * var * (n / (n - 1))
        else:
            mean, var = self.running_mean, self.running_var
        inv_std = 1 / np.sqrt(var + self.eps)
        xhat = (x - mean) * inv_std
        self._cache = (xhat, inv_std, self.training)
        return xhat * self.weight.data + self.bias.data

    def backward(self, grad_out):
        xhat, inv_std, batch_stats = require_forward(self._cache, self)
        grad_out = check_grad_out(grad_out, xhat.shape, self)
        self.weight.grad += (grad_out * xhat).sum(axis=0)
        self.bias.grad += grad_out.sum(axis=0)
        grad_xhat = grad_out * self.weight.data
        if not batch_stats:  # eval: mean and var are constants
            return grad_xhat * inv_std
        return _normalize_backward(grad_xhat, xhat, inv_std, axis=0)

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class LayerNorm(Module):
    """Normalise each example over its last axis: y = (x - mean) / sqrt(var + eps) * w + b.

    Input ``(..., normalized_shape)``; same in training and eval (no running statistics).
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, *, dtype=np.float32):
        if isinstance(normalized_shape, (tuple, list)):
            if len(normalized_shape) != 1:
                raise ValueError("LayerNorm: only normalisation over the last axis is "
                                 f"supported; got normalized_shape={normalized_shape}")
            normalized_shape = normalized_shape[0]
        self.normalized_shape = _checks.check_int(normalized_shape, "normalized_shape",
                                                  minimum=1, where="LayerNorm")
        self.eps = _checks.check_float(eps, "eps", minimum=0, min_open=True, where="LayerNorm")
        dtype = _checks.check_float_dtype(dtype, where="LayerNorm")
        self.weight = Parameter(np.ones(self.normalized_shape, dtype=dtype), "weight")
        self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dtype), "bias")
        self._cache = None

    def forward(self, x):
        x = check_array(x, last_dim=self.normalized_shape, layer=layer_name(self))
        x = x.astype(self.weight.data.dtype, copy=False)
        mean = x.mean(axis=-1, keepdims=True)
        inv_std = 1 / np.sqrt(x.var(axis=-1, keepdims=True) + self.eps)
        xhat = (x - mean) * inv_std
        self._cache = (xhat, inv_std)
        return xhat * self.weight.data + self.bias.data

    def backward(self, grad_out):
        xhat, inv_std = require_forward(self._cache, self)
        grad_out = check_grad_out(grad_out, xhat.shape, self)
        batch_axes = tuple(range(xhat.ndim - 1))
        self.weight.grad += (grad_out * xhat).sum(axis=batch_axes)
        self.bias.grad += grad_out.sum(axis=batch_axes)
        return _normalize_backward(grad_out * self.weight.data, xhat, inv_std, axis=-1)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}"


# -- shape and composition -----------------------------------------------------------------
class Flatten(Module):
    """(N, d1, d2, ...) -> (N, d1 * d2 * ...), e.g. images to vectors for a Linear layer."""

    def __init__(self):
        self._shape = None

    def forward(self, x):
        x = check_array(_at_least_2d(x, "input", self), layer=layer_name(self))
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad_out):
        shape = require_forward(self._shape, self)
        grad_out = check_grad_out(grad_out, (shape[0], math.prod(shape[1:])), self)
        return grad_out.reshape(shape)


class Sequential(Module):
    """Layers applied in order; ``backward`` runs them in reverse.

    ``seq[i]`` is the i-th layer (``seq[1:3]`` a new Sequential sharing those layers),
    ``len(seq)``, ``for layer in seq`` and ``seq.append(layer)`` work like a list.
    Parameter names are ``"0.weight"``, ``"0.bias"``, ... as in PyTorch.
    """

    def __init__(self, *layers: Module):
        self.layers: list[Module] = []
        for layer in layers:
            self.append(layer)

    def append(self, layer: Module) -> Sequential:
        if not isinstance(layer, Module):
            raise TypeError(f"Sequential takes layers (Module instances); got "
                            f"{type(layer).__name__} at position {len(self.layers)}"
                            + (" (did you forget to call the class, e.g. ReLU()?)"
                               if isinstance(layer, type) else ""))
        self.layers.append(layer)
        return self

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def backward(self, grad_out):
        for layer in reversed(self.layers):
            grad_out = layer.backward(grad_out)
        return grad_out

    def _named_children(self):
        for i, layer in enumerate(self.layers):
            yield str(i), layer

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)
