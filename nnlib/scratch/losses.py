"""Loss functions: ``loss = loss_fn(pred, target)`` gives a Python float (the mean over the
batch, PyTorch's default reduction) and ``loss_fn.backward()`` returns dL/dpred.

Regression:      MSELoss, L1Loss, HuberLoss            pred and target of the same shape
Binary:          BCELoss (on probabilities), BCEWithLogitsLoss (on raw scores, stabler)
Multi-class:     CrossEntropyLoss (on logits), NLLLoss (on log-probabilities),
                 CategoricalCrossEntropy (on probabilities)   pred (N, C); target either
                 integer class labels (N,) or one-hot / probability rows (N, C)
"""

from __future__ import annotations

import numpy as np

from nnlib import _checks
from nnlib.scratch import functional as F
from nnlib.scratch.layers import layer_name, require_forward
from nnlib.scratch.module import Module, ShapeError, check_array

_LOG_FLOOR = -100.0  # PyTorch clamps log(p) at -100 so that p = 0 gives a finite loss
_PROB_EPS = 1e-12    # ... and divides by max(p, 1e-12) in the gradient


class Loss(Module):
    """Base class: ``forward(pred, target) -> float``, ``backward(grad_out=1.0) -> dL/dpred``.

    A loss has no parameters, so its ``backward`` only reads what ``forward`` saved and may
    be called more than once for one forward (unlike a layer's, see ``Module``).
    """

    repeatable_backward = True

    def __init__(self):
        self._saved = None

    def __call__(self, pred, target) -> float:
        return self.forward(pred, target)

    def forward(self, pred, target) -> float:
        raise NotImplementedError(f"{type(self).__name__} must define forward(pred, target)")

    def backward(self, grad_out: float = 1.0):
        """dL/dpred, scaled by ``grad_out`` (the gradient of whatever uses the loss).

        The loss is one number, so ``grad_out`` is one number too (a float, or an array of
        size 1, as PyTorch's ``loss.backward(gradient)`` takes for a scalar loss).
        """
        saved = require_forward(self._saved, self)
        if isinstance(grad_out, np.ndarray) and grad_out.size == 1 and grad_out.dtype.kind in "iuf":
            grad_out = grad_out.reshape(())[()]
        grad_out = _checks.check_float(grad_out, "grad_out", where=f"{layer_name(self)}.backward",
                                       hint="the loss is a single number, so its upstream "
                                       "gradient is one number too (usually 1.0)")
        grad = self._grad(*saved)
        return grad if grad_out == 1.0 else grad * grad_out

    def _grad(self, *saved):
        raise NotImplementedError


def _same_shape(loss, pred, target):
    """Validate an element-wise loss's inputs; target is cast to pred's dtype."""
    name = layer_name(loss)
    pred = check_array(pred, "pred", layer=name)
    target = check_array(target, "target", layer=name)
    if pred.shape != target.shape:
        raise ShapeError(
            f"{name}: pred has shape {pred.shape} but target has shape {target.shape}; they "
            "must match exactly (broadcasting (N, 1) against (N,) would silently compare "
            "every prediction with every target: reshape one of them)")
    if pred.size == 0:
        raise ShapeError(f"{name}: got an empty batch, pred of shape {pred.shape}; pass at "
                         "least one example")
    return pred, target.astype(pred.dtype, copy=False)


def _check_unit_interval(arr, what: str, loss, hint: str = "") -> None:
    if arr.min() < 0 or arr.max() > 1:
        raise ValueError(f"{layer_name(loss)}: {what} must be in [0, 1], got values from "
                         f"{arr.min():.4g} to {arr.max():.4g}{hint}")


# -- regression ------------------------------------------------------------------------------
class MSELoss(Loss):
    """mean((pred - target)^2)."""

    def forward(self, pred, target) -> float:
        pred, target = _same_shape(self, pred, target)
        diff = pred - target
        self._saved = (diff,)
        return float(np.mean(diff * diff))

    def _grad(self, diff):
        return (2 / diff.size) * diff


class L1Loss(Loss):
    """mean(|pred - target|), the mean absolute error; gradient sign(pred - target) / n."""

    def forward(self, pred, target) -> float:
        pred, target = _same_shape(self, pred, target)
        diff = pred - target
        self._saved = (diff,)
        return float(np.mean(np.abs(diff)))

    def _grad(self, diff):
        return np.sign(diff) / diff.size


class HuberLoss(Loss):
    """Quadratic for |d| < delta, linear beyond: 0.5 d^2  or  delta * (|d| - delta / 2)."""

    def __init__(self, *, delta: float = 1.0):  # keyword-only: PyTorch's first is reduction
        super().__init__()
        self.delta = _checks.check_float(delta, "delta", minimum=0, min_open=True,
                                         where="HuberLoss")

    def forward(self, pred, target) -> float:
        pred, target = _same_shape(self, pred, target)
        diff = pred - target
        self._saved = (diff,)
        a = np.abs(diff)
        return float(np.mean(np.where(a < self.delta, 0.5 * diff * diff,
                                      self.delta * (a - 0.5 * self.delta))))

    def _grad(self, diff):
        return np.clip(diff, -self.delta, self.delta) / diff.size

    def extra_repr(self) -> str:
        return f"delta={self.delta}"


# -- binary classification -----------------------------------------------------------------
class BCELoss(Loss):
    """Binary cross-entropy on probabilities p in [0, 1]:
    -mean(t log p + (1 - t) log(1 - p)), with log clamped at -100 like PyTorch."""

    def forward(self, pred, target) -> float:
        p, t = _same_shape(self, pred, target)
        _check_unit_interval(p, "pred (probabilities)", self,
                             "; for raw scores (logits) use BCEWithLogitsLoss")
        _check_unit_interval(t, "target", self)
        with np.errstate(divide="ignore"):  # log(0) = -inf, clamped just below
            log_p = np.maximum(np.log(p), _LOG_FLOOR)
            log_1mp = np.maximum(np.log1p(-p), _LOG_FLOOR)
        self._saved = (p, t)
        return float(-np.mean(t * log_p + (1 - t) * log_1mp))

    def _grad(self, p, t):
        return (p - t) / np.maximum(p * (1 - p), _PROB_EPS) / p.size


class BCEWithLogitsLoss(Loss):
    """Sigmoid + binary cross-entropy in one stable formula on raw scores z:
    max(z, 0) - z t + log(1 + exp(-|z|)); gradient (sigmoid(z) - t) / n."""

    def forward(self, pred, target) -> float:
        z, t = _same_shape(self, pred, target)
        _check_unit_interval(t, "target", self)
        with np.errstate(under="ignore"):
            per_item = np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))
        self._saved = (z, t)
        return float(np.mean(per_item))

    def _grad(self, z, t):
        return (F.sigmoid(z) - t) / z.size


# -- multi-class classification --------------------------------------------------------------
def _class_targets(loss, target, n: int, c: int):
    """Integer labels (N,) or probability rows (N, C), validated against pred's (N, C)."""
    name = layer_name(loss)
    target = _checks.check_array(target, "target", where=name, dtype="any")
    if target.dtype == bool:
        raise TypeError(f"{name}: target must be integer class labels of shape ({n},) or "
                        f"float probabilities of shape ({n}, {c}), got a bool array; use "
                        "target.astype(int)")
    if np.issubdtype(target.dtype, np.integer):
        if target.shape != (n,):
            raise ShapeError(f"{name}: integer class labels must have shape (N,) = ({n},) "
                             f"to match pred of shape ({n}, {c}), got shape {target.shape}")
        low, high = int(target.min()), int(target.max())
        if low < 0 or high >= c:
            raise ValueError(f"{name}: class labels must be in the range 0..{c - 1} (pred "
                             f"has {c} classes), got labels from {low} to {high}")
        return target
    if not np.issubdtype(target.dtype, np.floating):
        raise TypeError(f"{name}: target must be integer class labels of shape ({n},) or "
                        f"float probabilities of shape ({n}, {c}), got dtype {target.dtype}")
    if target.shape == (n,):
        raise ShapeError(f"{name}: got a float target of shape {target.shape}: class labels "
                         "must be integers (use target.astype(int)), or give one-hot / "
                         f"probability rows of shape ({n}, {c})")
    if target.shape != (n, c):
        raise ShapeError(f"{name}: pred has shape ({n}, {c}) but target has shape "
                         f"{target.shape}; expected integer labels of shape ({n},) or "
                         f"probabilities of shape ({n}, {c})")
    target = check_array(target, "target", layer=name)
    _check_unit_interval(target, "target probabilities", loss)
    return target


def _nll(log_probs, target) -> float:
    """-mean over the batch of sum_j target_j * log_probs_j (labels pick one j)."""
    n = log_probs.shape[0]
    if target.ndim == 1:
        return float(-np.mean(log_probs[np.arange(n), target]))
    return float(-np.sum(target * log_probs) / n)


def _nll_grad(log_probs, target):
    """d _nll / d log_probs: -target / N (a one-hot row for integer labels)."""
    n = log_probs.shape[0]
    if target.ndim == 1:
        grad = np.zeros_like(log_probs)
        grad[np.arange(n), target] = -1 / n
        return grad
    return (-1 / n) * target.astype(log_probs.dtype, copy=False)


def _scores(loss, pred, what: str):
    name = layer_name(loss)
    pred = check_array(pred, what, ndim=2, layer=name)
    if pred.shape[0] == 0 or pred.shape[1] == 0:
        raise ShapeError(f"{name}: got an empty batch or no classes, {what} of shape "
                         f"{pred.shape}; pass at least one example with at least one class")
    return pred


class CrossEntropyLoss(Loss):
    """Softmax + negative log-likelihood, fused, on raw scores (logits) of shape (N, C).

    ``target``: integer class labels (N,) or one-hot / probability rows (N, C).
    Gradient: (softmax(logits) * sum(target row) - target) / N, i.e. (p - onehot) / N.
    """

    def forward(self, pred, target) -> float:
        logits = _scores(self, pred, "logits")
        target = _class_targets(self, target, *logits.shape)
        log_probs = F.log_softmax(logits, axis=1)
        self._saved = (log_probs, target)
        return _nll(log_probs, target)

    def _grad(self, log_probs, target):
        return F._log_softmax_vjp(_nll_grad(log_probs, target), log_probs, 1)


class NLLLoss(Loss):
    """Negative log-likelihood on log-probabilities (N, C), e.g. the output of LogSoftmax.

    ``LogSoftmax`` followed by ``NLLLoss`` equals ``CrossEntropyLoss`` on the logits.
    """

    def forward(self, pred, target) -> float:
        log_probs = _scores(self, pred, "log-probabilities")
        if log_probs.max() > 0:
            raise ValueError(f"{layer_name(self)}: expects log-probabilities (all <= 0, e.g. "
                             f"from LogSoftmax), got a maximum of {log_probs.max():.4g}; for "
                             "raw scores use CrossEntropyLoss")
        target = _class_targets(self, target, *log_probs.shape)
        self._saved = (log_probs, target)
        return _nll(log_probs, target)

    def _grad(self, log_probs, target):
        return _nll_grad(log_probs, target)


class CategoricalCrossEntropy(Loss):
    """Cross-entropy on probabilities (N, C), e.g. the output of a Softmax layer:
    -mean(sum_j t_j log p_j), with log p clamped at -100 (so p = 0 gives a finite loss).

    Mathematically the same as ``CrossEntropyLoss`` on the logits, but the separate
    softmax can underflow to 0: prefer ``CrossEntropyLoss`` for training. Gradient:
    -t / max(p, 1e-12) / N (the 1e-12 as in PyTorch's BCELoss).
    """

    def forward(self, pred, target) -> float:
        probs = _scores(self, pred, "probabilities")
        _check_unit_interval(probs, "pred (probabilities)", self,
                             "; for raw scores (logits) use CrossEntropyLoss")
        target = _class_targets(self, target, *probs.shape)
        with np.errstate(divide="ignore"):
            log_probs = np.maximum(np.log(probs), _LOG_FLOOR)
        self._saved = (probs, log_probs, target)
        return _nll(log_probs, target)

    def _grad(self, probs, log_probs, target):
        return _nll_grad(log_probs, target) / np.maximum(probs, _PROB_EPS)
