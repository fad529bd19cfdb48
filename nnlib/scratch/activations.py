"""Activation layers: thin Module wrappers around the functions in ``functional.py``.

Each keeps its input from ``forward`` and applies the chain rule in ``backward``:
``grad_x = grad_out * f'(x)`` (element-wise), or a vector-Jacobian product for softmax.
"""

from __future__ import annotations

import numpy as np

from nnlib import _checks
from nnlib.errors import ShapeError
from nnlib.scratch import functional as F
from nnlib.scratch.layers import check_grad_out, layer_name, require_forward
from nnlib.scratch.module import Module, check_array


class _Elementwise(Module):
    """y = f(x) applied entry by entry; subclasses define ``_f`` and ``_f_grad``."""

    def __init__(self):
        self._x = None

    def _f(self, x):
        raise NotImplementedError

    def _f_grad(self, x):
        raise NotImplementedError

    def forward(self, x):
        # a copy: the backward pass needs x as it was, even if the caller changes its array
        x = np.array(check_array(x, layer=layer_name(self)), copy=True)
        self._x = x
        return self._f(x)

    def backward(self, grad_out):
        x = require_forward(self._x, self)
        return check_grad_out(grad_out, x.shape, self) * self._f_grad(x)


class Step(_Elementwise):
    """Heaviside step (1 if x > 0 else 0). Its gradient is 0 everywhere: nothing to learn."""

    def _f(self, x):
        return F.step(x)

    def _f_grad(self, x):
        return F.step_grad(x)


class Sigmoid(_Elementwise):
    def _f(self, x):
        return F.sigmoid(x)

    def _f_grad(self, x):
        return F.sigmoid_grad(x)


class Tanh(_Elementwise):
    def _f(self, x):
        return F.tanh(x)

    def _f_grad(self, x):
        return F.tanh_grad(x)


class ReLU(_Elementwise):
    def _f(self, x):
        return F.relu(x)

    def _f_grad(self, x):
        return F.relu_grad(x)


class LeakyReLU(_Elementwise):
    """x for x > 0, ``negative_slope * x`` otherwise. Any finite slope is accepted (PyTorch
    takes negative slopes too); NaN and infinity are refused."""

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = _checks.check_float(negative_slope, "negative_slope",
                                                  where="LeakyReLU")

    def _f(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def _f_grad(self, x):
        return F.leaky_relu_grad(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(_Elementwise):
    """x for x > 0, ``alpha * (exp(x) - 1)`` otherwise; any finite ``alpha`` (as PyTorch)."""

    def __init__(self, alpha: float = 1.0):
        super().__init__()
        self.alpha = _checks.check_float(alpha, "alpha", where="ELU")

    def _f(self, x):
        return F.elu(x, self.alpha)

    def _f_grad(self, x):
        return F.elu_grad(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class GELU(_Elementwise):
    """x * Phi(x); ``approximate="tanh"`` for the tanh formula (as in PyTorch and GPT-2)."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        # fail now, not at the first forward
        self.approximate = _checks.check_choice(approximate, "approximate", ("none", "tanh"),
                                                where="GELU")

    def _f(self, x):
        return F.gelu(x, self.approximate)

    def _f_grad(self, x):
        return F.gelu_grad(x, self.approximate)

    def extra_repr(self) -> str:
        return "" if self.approximate == "none" else f"approximate={self.approximate!r}"


def _check_dim(dim, x, layer) -> int:
    """``dim`` as a non-negative axis of ``x``, or a ShapeError naming both."""
    if x.ndim == 0:
        raise ShapeError(f"{layer_name(layer)}: got a single number (shape ()), which has no "
                         f"axis dim={dim} to normalise over: pass an array, e.g. a row of scores")
    if not -x.ndim <= dim < x.ndim:
        raise ShapeError(f"{layer_name(layer)}: dim={dim} is out of range for an input of "
                         f"shape {x.shape} (valid: {-x.ndim} to {x.ndim - 1}); -1 is the last "
                         "axis")
    return dim % x.ndim


class Softmax(Module):
    """Probabilities along ``dim`` (default: the last), as ``torch.nn.Softmax(dim)``. For
    training a classifier prefer ``CrossEntropyLoss`` on the logits: it fuses softmax and log
    and is more stable. An empty input gives an empty output (as in PyTorch)."""

    def __init__(self, dim: int = -1):
        self.dim = _checks.check_int(dim, "dim", where="Softmax")
        self._out = None

    def forward(self, x):
        x = check_array(x, layer=layer_name(self))
        self._out = F.softmax(x, axis=_check_dim(self.dim, x, self))
        return self._out.copy()  # the caller may change its copy; backward needs ours

    def backward(self, grad_out):
        probs = require_forward(self._out, self)
        grad_out = check_grad_out(grad_out, probs.shape, self)
        return F._softmax_vjp(grad_out, probs, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log(softmax(x)) along ``dim``, computed as x - logsumexp(x) (finite everywhere), as
    ``torch.nn.LogSoftmax(dim)``."""

    def __init__(self, dim: int = -1):
        self.dim = _checks.check_int(dim, "dim", where="LogSoftmax")
        self._out = None

    def forward(self, x):
        x = check_array(x, layer=layer_name(self))
        self._out = F.log_softmax(x, axis=_check_dim(self.dim, x, self))
        return self._out.copy()

    def backward(self, grad_out):
        log_probs = require_forward(self._out, self)
        grad_out = check_grad_out(grad_out, log_probs.shape, self)
        return F._log_softmax_vjp(grad_out, log_probs, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
