"""Activation functions and their derivatives, as plain NumPy functions.

Two kinds of derivative live here:

* element-wise activations have ``f_grad(x)``: the derivative ``f'(x)`` evaluated at the
  **pre-activation input** ``x`` (not at the output ``f(x)``), same shape as ``x``.
  The chain rule is then ``grad_x = grad_out * f_grad(x)``.
* ``softmax`` and ``log_softmax`` mix a whole row, so their derivative is a Jacobian matrix;
  ``softmax_backward`` / ``log_softmax_backward`` apply it to ``grad_out`` directly
  (a vector-Jacobian product) without ever building the matrix.

All functions keep the dtype of a floating input (float32 stays float32) and are
numerically stable: no overflow, no NaN, no warning even at ``x = +-1000``.

What they accept (as ``torch.sigmoid`` and friends): ``x`` may be an array, a nested list or
a single Python/NumPy number (``sigmoid(0.5)`` gives a 0-d array); integer arrays become
float64. NaN and infinity in ``x`` are data, not mistakes: they propagate as in PyTorch
(``relu(nan)`` is NaN); the layers in ``activations.py`` are the ones that refuse them.
Refused with ``TypeError``: a bool (``True`` is not a number here), ``None``, strings,
complex and object arrays. Hyperparameters (``negative_slope``, ``alpha``) must be finite.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.polynomial import chebyshev

from nnlib import _checks
from nnlib.errors import ShapeError


def _as_float(x, name: str = "x", where: str = "") -> np.ndarray:
    """``x`` as a real floating array (ints and bool arrays -> float64; a bool scalar,
    complex, strings refused). NaN and infinity pass: these are plain math functions (the
    layers check for them)."""
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{where + ': ' if where else ''}{name} must be a number or an array "
                        f"of numbers, got {x!r} (a bool); pass 1.0 or 0.0 if you meant a "
                        "number")
    return _checks.check_array(x, name, where=where, finite=False)


def _axis(x: np.ndarray, axis, where: str) -> int:
    axis = _checks.check_int(axis, "axis", where=where)
    if x.ndim == 0 or not -x.ndim <= axis < x.ndim:
        raise ShapeError(f"{where}: axis={axis} is out of range for an input x of shape "
                         f"{x.shape}; -1 is the last axis"
                         + (" (a single number has no axis: pass an array)"
                            if x.ndim == 0 else ""))
    return axis


# -- step ------------------------------------------------------------------------------
def step(x):
    """Heaviside step: 1 where ``x > 0``, else 0 (the perceptron's activation); NaN stays
    NaN (as ``torch.heaviside``)."""
    x = _as_float(x, where="step")
    return np.heaviside(x, 0).astype(x.dtype, copy=False)


def step_grad(x):
    """0 everywhere (undefined at 0): why a perceptron cannot learn by gradient descent."""
    return np.zeros_like(_as_float(x, where="step_grad"))


# -- sigmoid and tanh --------------------------------------------------------------------
def sigmoid(x):
    """1 / (1 + exp(-x)), computed from exp(-|x|) so that exp never overflows."""
    x = _as_float(x, where="sigmoid")
    with np.errstate(under="ignore"):  # exp(-1000) = 0 is the right answer
        z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1, z) / (1 + z)


def sigmoid_grad(x):
    """d sigmoid / dx at the input ``x``: s * (1 - s)."""
    s = sigmoid(_as_float(x, where="sigmoid_grad"))
    return s * (1 - s)


def tanh(x):
    return np.tanh(_as_float(x, where="tanh"))


def tanh_grad(x):
    """d tanh / dx at the input ``x``: 1 - tanh(x)^2."""
    t = np.tanh(_as_float(x, where="tanh_grad"))
    return 1 - t * t


# -- the ReLU family ---------------------------------------------------------------------
def relu(x):
    return np.maximum(_as_float(x, where="relu"), 0)


def relu_grad(x):
    """1 where ``x > 0``, else 0 (PyTorch also uses 0 at the kink x = 0)."""
    x = _as_float(x, where="relu_grad")
    return (x > 0).astype(x.dtype)


def leaky_relu(x, negative_slope: float = 0.01):
    negative_slope = _checks.check_float(negative_slope, "negative_slope", where="leaky_relu")
    x = _as_float(x, where="leaky_relu")
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_grad(x, negative_slope: float = 0.01):
    negative_slope = _checks.check_float(negative_slope, "negative_slope",
                                         where="leaky_relu_grad")
    x = _as_float(x, where="leaky_relu_grad")
    return np.where(x > 0, 1, negative_slope).astype(x.dtype)


def elu(x, alpha: float = 1.0):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    alpha = _checks.check_float(alpha, "alpha", where="elu")
    x = _as_float(x, where="elu")
    with np.errstate(under="ignore"):
        # min(x, 0): exp of the large positive x we are about to discard would overflow
        return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def elu_grad(x, alpha: float = 1.0):
    alpha = _checks.check_float(alpha, "alpha", where="elu_grad")
    x = _as_float(x, where="elu_grad")
    with np.errstate(under="ignore"):
        return np.where(x > 0, 1, alpha * np.exp(np.minimum(x, 0))).astype(x.dtype)


# -- erf, for GELU -----------------------------------------------------------------------
# GELU needs the normal CDF, i.e. erf, and NumPy has no erf (SciPy is not a dependency).
# Python's math.erf is accurate but scalar: through np.frompyfunc it takes ~2.8 ms for a
# (128, 256) array. A textbook rational approximation (Abramowitz-Stegun 7.1.26) is fast but
# only good to 1.5e-7. So, once at import, we fit Chebyshev polynomials to math.erf and
# math.erfc and evaluate those vectorised: ~1.6 ms, within ~1e-14 of math.erf everywhere.
#   |x| < 1:  erf(x)   = x * P(x^2)                 (exact at 0, relative accuracy near 0)
#   |x| >= 1: erfc(|x|) = exp(-x^2) * Q(1/|x|) / |x|  (Q is smooth and tends to 1/sqrt(pi);
#             this keeps relative accuracy in the tail, where 1 - erf(x) rounds to 0)
_ERFC_ZERO_FROM = 26.0  # erfc(26) ~ 1e-296; beyond it erfc is 0 in float64 (near underflow)


def _chebyshev_fit(f, lo: float, hi: float, degree: int):
    return chebyshev.Chebyshev.interpolate(np.vectorize(f, otypes=[float]), degree,
                                           domain=[lo, hi])


_ERF_NEAR_0 = _chebyshev_fit(
    lambda u: math.erf(math.sqrt(u)) / math.sqrt(u) if u > 0 else 2 / math.sqrt(math.pi),
    0.0, 1.0, 18)
_ERFC_TAIL = _chebyshev_fit(
    lambda v: math.erfc(1 / v) * math.exp(1 / v**2) / v, 1 / _ERFC_ZERO_FROM, 1.0, 32)


def _erfc_positive(a):
    """erfc(a) for a >= 1 (float64)."""
    a = np.minimum(a, _ERFC_ZERO_FROM)
    # written so that NaN takes the formula branch and comes out NaN (not erfc(nan) = 0)
    return np.where(a >= _ERFC_ZERO_FROM, 0.0, np.exp(-a * a) * _ERFC_TAIL(1 / a) / a)


def erf(x):
    """The error function, vectorised (float64 accuracy ~1e-14)."""
    x = _as_float(x, where="erf")
    x64 = x.astype(np.float64)
    a = np.abs(x64)
    out = np.empty_like(x64)
    near = a < 1
    out[near] = x64[near] * _ERF_NEAR_0(x64[near] ** 2)
    far = ~near
    out[far] = np.copysign(1 - _erfc_positive(a[far]), x64[far])
    return out.astype(x.dtype, copy=False)


def erfc(x):
    """1 - erf(x), accurate relative to its (tiny) value for large positive x."""
    x = _as_float(x, where="erfc")
    x64 = x.astype(np.float64)
    a = np.abs(x64)
    out = np.empty_like(x64)
    near = a < 1
    out[near] = 1 - x64[near] * _ERF_NEAR_0(x64[near] ** 2)
    far = ~near
    tail = _erfc_positive(a[far])
    out[far] = np.where(x64[far] > 0, tail, 2 - tail)
    return out.astype(x.dtype, copy=False)


# -- GELU --------------------------------------------------------------------------------
_SQRT_2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_TANH_SCALE = math.sqrt(2 / math.pi)  # constants of the tanh approximation (Hendrycks &
_TANH_CUBIC = 0.044715                # Gimpel 2016), the same as PyTorch's approximate="tanh"


def _check_approximate(approximate: str) -> None:
    _checks.check_choice(approximate, "approximate", ("none", "tanh"), where="gelu")


def _normal_cdf(x):
    """Phi(x) = P(Z <= x) for a standard normal Z, as 0.5 * erfc(-x / sqrt 2)."""
    return 0.5 * erfc(-x / _SQRT_2)


def _normal_pdf(x):
    with np.errstate(under="ignore", over="ignore"):  # x*x may overflow: exp(-inf) = 0
        return _INV_SQRT_2PI * np.exp(-0.5 * x * x)


def _tanh_inner(x):
    # Clip: for |x| > 20 tanh(...) is exactly +-1 anyway, and x**3 could overflow.
    xc = np.clip(x, -20, 20)
    return xc, np.tanh(_TANH_SCALE * (xc + _TANH_CUBIC * xc**3))


def gelu(x, approximate: str = "none"):
    """x * Phi(x) (exact, via erf, PyTorch's default) or its tanh approximation."""
    _check_approximate(approximate)
    x = _as_float(x, where="gelu")
    with np.errstate(invalid="ignore"):  # gelu(-inf) = -inf * 0: NaN, as in PyTorch
        if approximate == "tanh":
            return 0.5 * x * (1 + _tanh_inner(x)[1])
        return x * _normal_cdf(x)


def gelu_grad(x, approximate: str = "none"):
    """d gelu / dx at the input ``x``: Phi(x) + x * phi(x) for the exact form."""
    _check_approximate(approximate)
    x = _as_float(x, where="gelu_grad")
    if approximate == "tanh":
        xc, t = _tanh_inner(x)
        d_inner = _TANH_SCALE * (1 + 3 * _TANH_CUBIC * xc * xc)
        return 0.5 * (1 + t) + 0.5 * xc * (1 - t * t) * d_inner
    with np.errstate(invalid="ignore"):  # at +-inf: inf * 0, NaN as in PyTorch
        return _normal_cdf(x) + x * _normal_pdf(x)


# -- softmax and friends -----------------------------------------------------------------
def logsumexp(x, axis: int = -1, keepdims: bool = False):
    """log(sum(exp(x))) along ``axis``, shifted by the max so exp never overflows."""
    x = _as_float(x, where="logsumexp")
    axis = _axis(x, axis, "logsumexp")
    keepdims = _checks.check_bool(keepdims, "keepdims", where="logsumexp")
    if x.shape[axis] == 0:  # the sum of no terms is 0, its log -inf (as torch.logsumexp)
        out = np.full(x.shape[:axis] + (1,) + x.shape[axis + 1:], -np.inf, dtype=x.dtype)
        return out if keepdims else np.squeeze(out, axis=axis)
    m = np.max(x, axis=axis, keepdims=True)
    with np.errstate(under="ignore"):
        out = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def softmax(x, axis: int = -1):
    """exp(x) / sum(exp(x)) along ``axis`` (rows sum to 1); empty in, empty out."""
    x = _as_float(x, where="softmax")
    axis = _axis(x, axis, "softmax")
    if x.size == 0:
        return x.copy()
    with np.errstate(under="ignore"):
        e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x, axis: int = -1):
    """x - logsumexp(x): finite even where softmax(x) underflows to 0."""
    x = _as_float(x, where="log_softmax")
    axis = _axis(x, axis, "log_softmax")
    if x.size == 0:
        return x.copy()
    return x - logsumexp(x, axis=axis, keepdims=True)


def _backward_pair(grad_out, out, out_name: str, axis, where: str):
    """``grad_out`` and the forward output as float arrays of one shape, and the axis."""
    out = _as_float(out, out_name, where)
    grad_out = _as_float(grad_out, "grad_out", where)
    if grad_out.shape != out.shape:
        raise ShapeError(f"{where}: grad_out must have the shape of {out_name} {out.shape}, "
                         f"got shape {grad_out.shape}; pass dL/d({out_name}) of the same "
                         "shape")
    return grad_out, out, _axis(out, axis, where)


def softmax_backward(grad_out, probs, axis: int = -1):
    """grad_x for ``probs = softmax(x)``: probs * (grad_out - sum(grad_out * probs)).

    ``grad_out`` and ``probs`` must have the same shape (at least 1-D); NaN propagates.
    """
    grad_out, probs, axis = _backward_pair(grad_out, probs, "probs", axis, "softmax_backward")
    return _softmax_vjp(grad_out, probs, axis)


def _softmax_vjp(grad_out, probs, axis):
    """softmax_backward without the checks, for nnlib's layers (their arrays are checked)."""
    return probs * (grad_out - np.sum(grad_out * probs, axis=axis, keepdims=True))


def log_softmax_backward(grad_out, log_probs, axis: int = -1):
    """grad_x for ``log_probs = log_softmax(x)``: grad_out - softmax(x) * sum(grad_out).

    ``grad_out`` and ``log_probs`` must have the same shape (at least 1-D); NaN propagates.
    """
    grad_out, log_probs, axis = _backward_pair(grad_out, log_probs, "log_probs", axis,
                                               "log_softmax_backward")
    return _log_softmax_vjp(grad_out, log_probs, axis)


def _log_softmax_vjp(grad_out, log_probs, axis):
    """log_softmax_backward without the checks, for nnlib's layers and losses."""
    with np.errstate(under="ignore", over="ignore"):
        probs = np.exp(log_probs)
    return grad_out - probs * np.sum(grad_out, axis=axis, keepdims=True)
