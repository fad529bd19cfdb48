"""``Tensor``: the scalar engine of ``scalar.py`` lifted to NumPy arrays.

Same idea as ``Value``: each operation returns a new ``Tensor`` that remembers its inputs
and a ``_backward`` function. The difference is that gradients are arrays: ``_backward``
receives ``out.grad`` = dL/d(out), an array of ``out``'s shape, and adds dL/d(input), an
array of the input's shape, into each input's ``grad`` (a vector-Jacobian product; the
Jacobian itself is never built).

Broadcasting needs one extra step. If ``b`` of shape (d,) was added to every row of an
(N, d) array, each entry of ``b`` influenced N outputs, so its gradient is the sum of N
contributions: :func:`unbroadcast` sums the gradient back down to the input's shape.

    W = Tensor(rng.normal(size=(3, 2)))     # (d_in, d_out)
    X = Tensor(rng.normal(size=(5, 3)))     # (N, d_in)
    loss = (X @ W).tanh().mean()            # a scalar
    loss.backward()                         # W.grad: (3, 2), X.grad: (5, 3)
"""

from __future__ import annotations

import math

import numpy as np

from nnlib import _checks
from nnlib.autograd.graph import run_backward
from nnlib.errors import NonFiniteError
from nnlib.scratch import functional as F
from nnlib.scratch.module import ShapeError, check_array


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``grad`` down to ``shape``: the gradient of an input that was broadcast.

    Broadcasting (1) prepends axes and (2) stretches axes of size 1; undo both by summing.
    E.g. grad (N, d) -> shape (d,) sums over N;  grad (N, d) -> shape (N, 1) sums over d.
    ``shape`` must be one that broadcasts to ``grad.shape`` (an int ``d`` means ``(d,)``).
    """
    where = "unbroadcast"
    if isinstance(grad, Tensor):
        raise TypeError(f"{where}: grad must be a NumPy array (a gradient such as t.grad), got "
                        f"a Tensor of shape {grad.shape}; pass its .grad or .data array")
    if isinstance(grad, (bool, np.bool_)):
        raise TypeError(f"{where}: grad must be an array of numbers, got {grad!r} (a bool)")
    grad = _checks.check_array(grad, "grad", where=where, dtype="any")
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, (bool, np.bool_)):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)):
        raise TypeError(f"{where}: shape must be a tuple of sizes such as (3,) or (4, 1), got "
                        f"{_checks.describe(shape)}")
    shape = tuple(_checks.check_int(size, f"shape[{i}]", minimum=0, where=where)
                  for i, size in enumerate(shape))
    try:
        fits = len(shape) <= grad.ndim and np.broadcast_shapes(shape, grad.shape) == grad.shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(f"{where}: grad of shape {grad.shape} cannot come from broadcasting "
                         f"shape {shape}: aligned from the right, each size in shape must equal "
                         "grad's or be 1, and shape may not have more axes than grad")
    return _unbroadcast(grad, shape)


def _unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """:func:`unbroadcast` without the checks, for the engine's own (valid) calls."""
    while grad.ndim > len(shape):       # (1) axes that were prepended
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):  # (2) axes of size 1 that were stretched
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


class Tensor:
    """An array ``data`` (float64 unless given another float dtype) and its ``grad``."""

    __array_ufunc__ = None  # make `ndarray * Tensor` call Tensor.__rmul__, not NumPy

    def __init__(self, data, _prev=(), _op: str = "", label: str = "", *, _check: bool = True):
        if isinstance(data, Tensor):
            raise TypeError("Tensor(...) got a Tensor; use it directly (or t.data for the array)")
        if _check and not _prev:  # data from the user: copy it and check it once
            data = np.array(check_array(data, "Tensor data"), copy=True)
        self.data = np.asarray(data)  # NumPy returns 0-d results as scalars: keep arrays
        # dL/d(data); results get theirs in backward(), inputs start from zero
        self.grad = None if _prev else np.zeros_like(self.data)
        self._prev, self._op, self.label = tuple(_prev), _op, label
        self._backward = lambda: None

    # -- element-wise operations (with broadcasting) --------------------------------------
    def __add__(self, other):
        other = self._lift(other)
        _check_broadcast(self, other, "+")
        out = Tensor(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += _unbroadcast(out.grad, self.shape)
            other.grad += _unbroadcast(out.grad, other.shape)
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = self._lift(other)
        _check_broadcast(self, other, "*")
        out = Tensor(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += _unbroadcast(other.data * out.grad, self.shape)
            other.grad += _unbroadcast(self.data * out.grad, other.shape)
        out._backward = _backward
        return out

    def __pow__(self, exponent):
        exponent = _checks.check_float(exponent, "exponent", where="Tensor ** exponent")
        if exponent == int(exponent) and abs(exponent) < 2**63:  # a larger int becomes an
            exponent = int(exponent)  # object array under NumPy 1.x
        if exponent < 0 and np.any(self.data == 0):
            raise NonFiniteError(f"x ** {exponent:g} (or 1 / x) with zero entries in x: the "
                                 "result would be infinite")
        if exponent != int(exponent) and np.any(self.data < 0):
            raise ValueError(f"** {exponent:g} of negative entries is not a real number")
        out = Tensor(self.data**exponent, (self,), f"**{exponent:g}")

        def _backward():
            self.grad += exponent * self.data ** (exponent - 1) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        out = Tensor(np.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def log(self):
        if np.any(self.data <= 0):
            raise ValueError(f"log needs positive entries; this tensor of shape {self.shape} "
                             f"has {int(np.sum(self.data <= 0))} entries <= 0")
        out = Tensor(np.log(self.data), (self,), "log")

        def _backward():
            self.grad += out.grad / self.data
        out._backward = _backward
        return out

    def tanh(self):
        out = Tensor(np.tanh(self.data), (self,), "tanh")

        def _backward():
            self.grad += (1 - out.data**2) * out.grad
        out._backward = _backward
        return out

    def relu(self):
        out = Tensor(np.maximum(self.data, 0), (self,), "relu")

        def _backward():
            self.grad += (self.data > 0) * out.grad
        out._backward = _backward
        return out

    # -- matrix product ------------------------------------------------------------------
    def __matmul__(self, other):
        """(..., n, k) @ (..., k, m) -> (..., n, m); leading (batch) axes broadcast."""
        other = self._lift(other)
        a, b = self.shape, other.shape
        if len(a) < 2 or len(b) < 2:
            raise ShapeError(f"matmul needs arrays with at least 2 axes, got shapes {a} and {b}"
                             "; add a batch axis with x.reshape(1, -1)")
        if a[-1] != b[-2]:
            raise ShapeError(f"matmul shape mismatch: {a} @ {b}; the last axis of the left "
                             f"({a[-1]}) must equal the second-to-last axis of the right "
                             f"({b[-2]}). Weights are (d_in, d_out): X (N, d_in) @ W (d_in, d_out)")
        _check_broadcast(self, other, "@", a[:-2], b[:-2])
        out = Tensor(self.data @ other.data, (self, other), "@")

        def _backward():  # G: (..., n, m);  dA = G @ B^T (..., n, k);  dB = A^T @ G (..., k, m)
            self.grad += _unbroadcast(out.grad @ np.swapaxes(other.data, -1, -2), a)
            other.grad += _unbroadcast(np.swapaxes(self.data, -1, -2) @ out.grad, b)
        out._backward = _backward
        return out

    # -- reductions ----------------------------------------------------------------------
    def sum(self, axis=None, keepdims: bool = False):
        """Sum over ``axis`` (int, tuple or None for all); backward copies the gradient back
        to every summed entry."""
        axis = _check_axes(axis, self.ndim, "Tensor.sum")
        keepdims = _checks.check_bool(keepdims, "keepdims", where="Tensor.sum")
        out = Tensor(np.sum(self.data, axis=axis, keepdims=keepdims), (self,), "sum")

        def _backward():
            grad = out.grad
            if not keepdims and axis is not None:  # put the summed axes back as size 1
                grad = np.expand_dims(grad, axis)
            self.grad += np.broadcast_to(grad, self.shape)
        out._backward = _backward
        return out

    def mean(self, axis=None, keepdims: bool = False):
        axis = _check_axes(axis, self.ndim, "Tensor.mean")
        counted = self.data.size if axis is None else math.prod(
            self.shape[a] for a in (axis if isinstance(axis, tuple) else (axis,)))
        if counted == 0:
            raise ShapeError(f"Tensor.mean: the mean over zero entries is undefined (shape "
                             f"{self.shape}, axis={axis})")
        total = self.sum(axis=axis, keepdims=keepdims)
        return total * (total.data.size / self.data.size)  # divide by the count summed over

    def log_softmax(self, axis: int = -1):
        """x - logsumexp(x) along ``axis``; one node, with the stable formulas of notebook 05."""
        axis = _check_axes(axis, self.ndim, "Tensor.log_softmax", allow_tuple=False)
        out = Tensor(F.log_softmax(self.data, axis=axis), (self,), "log_softmax")

        def _backward():
            self.grad += F.log_softmax_backward(out.grad, out.data, axis=axis)
        out._backward = _backward
        return out

    # -- shapes and indexing ---------------------------------------------------------------
    def reshape(self, *shape):
        try:
            data = self.data.reshape(*shape)
        except (TypeError, ValueError) as err:
            raise ShapeError(f"Tensor.reshape: cannot reshape a tensor of shape {self.shape} "
                             f"({self.data.size} entries) to {shape}: {err}") from None
        out = Tensor(data, (self,), "reshape")

        def _backward():
            self.grad += out.grad.reshape(self.shape)
        out._backward = _backward
        return out

    def transpose(self, *axes):
        """Permute the axes (reversed if none given), like ``np.transpose``."""
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        axes = tuple(axes) or tuple(reversed(range(self.ndim)))
        if sorted(_check_axes(a, self.ndim, "Tensor.transpose") % max(self.ndim, 1)
                  for a in axes) != list(range(self.ndim)):
            raise ShapeError(f"Tensor.transpose: axes {axes} must be a permutation of "
                             f"0..{self.ndim - 1} for a tensor of shape {self.shape}")
        out = Tensor(np.transpose(self.data, axes), (self,), "transpose")

        def _backward():  # apply the inverse permutation
            self.grad += np.transpose(out.grad, np.argsort(axes))
        out._backward = _backward
        return out

    @property
    def T(self):
        return self.transpose()

    def __getitem__(self, index):
        """NumPy indexing; an entry picked k times gets k gradient contributions."""
        if isinstance(index, Tensor):
            raise TypeError("index with a NumPy array or ints, not a Tensor (use t.data)")
        try:
            data = self.data[index]
        except IndexError as err:  # out of range: IndexError, as for lists and arrays
            if "only integers" in str(err) or "arrays used as indices" in str(err):
                raise TypeError(f"Tensor index must be ints, slices or integer/bool arrays, "
                                f"got {_checks.describe(index)}") from None
            raise IndexError(_index_error_text(index, self.shape, str(err))) from None
        out = Tensor(data, (self,), "[]")

        def _backward():
            np.add.at(self.grad, index, out.grad)  # unlike `grad[index] +=`, repeats add up
        out._backward = _backward
        return out

    # -- the rest is built from the operations above ---------------------------------------
    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-self._lift(other))

    def __truediv__(self, other):
        return self * self._lift(other) ** -1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return self._lift(other) - self

    def __rtruediv__(self, other):
        return self._lift(other) / self

    def __rmatmul__(self, other):
        return self._lift(other) @ self

    def _lift(self, x) -> Tensor:
        """Numbers and arrays become constant Tensors of this tensor's dtype."""
        if isinstance(x, Tensor):
            return x
        if isinstance(x, (int, float)) and math.isfinite(x):  # fast path for plain numbers
            return Tensor(np.array(x, dtype=self.dtype), _check=False)
        return Tensor(np.asarray(check_array(x, "operand"), dtype=self.dtype))

    # -- backward ---------------------------------------------------------------------
    def backward(self, grad=None) -> None:
        """Fill ``grad`` of every tensor this one depends on.

        ``grad`` is the seed dL/d(self); it may be omitted only when ``self`` holds one
        number (a loss), where it is 1.
        """
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() on a tensor of shape {self.shape} needs a seed gradient: "
                    "reduce it to one number first (e.g. out.sum() or out.mean()), or pass "
                    f"dL/d(out) explicitly, e.g. out.backward(np.ones({self.shape}))")
            grad = np.ones_like(self.data)
        grad = check_array(grad, "seed gradient").astype(self.dtype)
        if grad.shape != self.shape:
            raise ShapeError(f"backward: the seed gradient must have the tensor's shape "
                             f"{self.shape}, got {grad.shape}")
        self.grad = grad.copy() if self._prev else self.grad + grad
        run_backward(self)

    def zero_grad(self) -> None:
        self.grad = np.zeros_like(self.data)

    _reset_grad = zero_grad

    # -- NumPy-like conveniences ---------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    def numpy(self) -> np.ndarray:
        return self.data

    def item(self) -> float:
        return self.data.item()

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        if self.data.size <= 6:
            return f"Tensor({np.array2string(self.data, precision=4, separator=', ')})"
        return f"Tensor(shape={self.shape}, dtype={self.dtype})"


def _index_error_text(index, shape: tuple, numpy_text: str) -> str:
    """Which entry of ``index`` is wrong, on which axis, and what would be valid."""
    items = index if isinstance(index, tuple) else (index,)
    n_ellipsis = sum(item is Ellipsis for item in items)
    used = sum(1 if not isinstance(item, np.ndarray) or item.dtype != bool else item.ndim
               for item in items if item is not None and item is not Ellipsis)
    if used > len(shape) or n_ellipsis > 1:
        return (f"Tensor index {index!r} has {used} indices but the tensor has {len(shape)} "
                f"axes (shape {shape}); give at most one index per axis")
    axis = 0
    for position, item in enumerate(items):
        if item is None:
            continue
        if item is Ellipsis:
            axis += len(shape) - used
            continue
        where = f"index {item!r}" if len(items) == 1 else \
            f"index {item!r} (position {position} of {index!r})"
        if isinstance(item, np.ndarray) and item.dtype == bool:
            span = shape[axis:axis + item.ndim]
            if item.shape != span:
                return (f"Tensor boolean {where} has shape {item.shape} but axes "
                        f"{axis}..{axis + item.ndim - 1} of the tensor have sizes {span} "
                        f"(shape {shape}); the mask must match them")
            axis += item.ndim
            continue
        size = shape[axis]
        values = np.asarray(item) if not isinstance(item, slice) else None
        if values is not None and values.dtype.kind in "iu" and values.size and (
                values.max() >= size or values.min() < -size):
            bad = int(values.max()) if values.max() >= size else int(values.min())
            shown = where if values.ndim == 0 else f"{where}, which holds {bad},"
            return (f"Tensor {shown} is out of range for axis {axis} of size {size} "
                    f"(shape {shape}); use an index from {-size} to {size - 1}")
        axis += 1
    return f"Tensor index {index!r} does not fit shape {shape}: {numpy_text}"


def _check_axes(axis, ndim: int, where: str, allow_tuple: bool = True):
    """``axis`` (None, an int or a tuple of ints) checked against ``ndim`` axes."""
    if axis is None and allow_tuple:
        return None
    items = axis if isinstance(axis, tuple) and allow_tuple else (axis,)
    for a in items:
        a = _checks.check_int(a, "axis", where=where)
        if not -ndim <= a < ndim:
            raise ShapeError(f"{where}: axis={axis} is out of range for a tensor with {ndim} "
                             f"axes (valid: {-ndim} to {ndim - 1})")
    return tuple(int(a) for a in axis) if isinstance(axis, tuple) else int(axis)


def _check_broadcast(a: Tensor, b: Tensor, op: str, shape_a=None, shape_b=None) -> None:
    shape_a = a.shape if shape_a is None else shape_a
    shape_b = b.shape if shape_b is None else shape_b
    if shape_a == shape_b or not shape_a or not shape_b:  # the common, always-fine cases
        return
    try:
        np.broadcast_shapes(shape_a, shape_b)
    except ValueError:
        raise ShapeError(f"'{op}' cannot broadcast shapes {a.shape} and {b.shape}: aligned from "
                         "the right, each pair of sizes must be equal or one of them 1") from None


def cross_entropy(logits: Tensor, targets) -> Tensor:
    """Mean negative log-probability of the right class. logits (N, C), targets (N,) ints.

    Built from existing operations (no backward of its own): log_softmax, indexing, mean.
    """
    if not isinstance(logits, Tensor):
        raise TypeError(f"cross_entropy: logits must be a Tensor, got {_checks.describe(logits)}")
    targets = _checks.check_array(targets, "targets", where="cross_entropy", dtype="int")
    if logits.ndim != 2 or 0 in logits.shape:
        raise ShapeError(f"cross_entropy: logits must be (N, C) with N, C >= 1, got shape "
                         f"{logits.shape}")
    n, c = logits.shape
    if targets.shape != (n,):
        raise ShapeError(f"cross_entropy: targets must be integer class labels of shape ({n},),"
                         f" one per row of logits (shape {logits.shape}), got shape "
                         f"{targets.shape} and dtype {targets.dtype}")
    if targets.min() < 0 or targets.max() >= c:
        raise ValueError(f"cross_entropy: targets must be class labels in 0..{c - 1}, got "
                         f"{targets.min()}..{targets.max()} (logits has {c} columns)")
    log_probs = logits.log_softmax(axis=1)        # (N, C)
    return -log_probs[np.arange(n), targets].mean()  # pick each row's true class: (N,) -> ()
