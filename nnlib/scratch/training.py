"""A small training loop for NumPy models: mini-batches, evaluation, early stopping.

One training step is the same five lines as in PyTorch::

    optimizer.zero_grad()
    loss = loss_fn(model(xb), yb)        # forward
    model.backward(loss_fn.backward())   # backward: fills every param.grad
    optimizer.step()                     # update
    (scheduler.step())

:func:`fit` runs it over epochs, records a :class:`History`, and stops with a
:class:`TrainingDivergedError` as soon as the loss becomes NaN or infinite.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from nnlib.scratch.module import Module, NonFiniteError, ShapeError
from nnlib.scratch.optim import Optimizer
from nnlib.utils import get_rng


class TrainingDivergedError(RuntimeError):
    """The loss became NaN or infinite: the learning rate is almost always too large."""


@dataclass
class History:
    """Per-epoch records of a :func:`fit` run (val_* stay empty without validation data)."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)  # at the start of each epoch
    best_epoch: int | None = None  # 0-based index of the best validation loss
    stopped_early: bool = False

    @property
    def epochs(self) -> int:
        return len(self.train_loss)


def iterate_minibatches(X, y, batch_size: int, shuffle: bool = True,
                        rng: np.random.Generator | None = None
                        ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(X[idx], y[idx])`` batches of ``batch_size`` rows; the last may be smaller.

    With ``shuffle`` the order is a fresh permutation drawn from ``rng`` (default: nnlib's
    shared generator, so each call gives a new order and ``set_seed`` makes them repeat).
    """
    X, y = np.asarray(X), np.asarray(y)
    _check_data(X, y)
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    n = len(X)
    order = (rng or get_rng()).permutation(n) if shuffle else np.arange(n)
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]


def evaluate(model: Module, loss_fn, X, y, batch_size: int = 256,
             metric: str | Callable | None = "accuracy") -> tuple[float, float | None]:
    """Mean loss and metric over ``(X, y)`` in eval mode; returns ``(loss, metric or None)``.

    The model's previous train/eval mode is restored afterwards.
    """
    was_training = model.training
    model.eval()
    try:
        total_loss, total_metric, n = 0.0, 0.0, 0
        for xb, yb in iterate_minibatches(X, y, batch_size, shuffle=False):
            pred = model(xb)
            total_loss += float(loss_fn(pred, yb)) * len(xb)
            if metric is not None:
                total_metric += _metric_fn(metric)(pred, yb) * len(xb)
            n += len(xb)
    finally:
        model.train(was_training)
    return total_loss / n, (total_metric / n if metric is not None else None)


def accuracy(pred: np.ndarray, y: np.ndarray) -> float:
    """Fraction of rows whose largest score (N, C) is at the integer label y (N,)."""
    pred, y = np.asarray(pred), np.asarray(y)
    if pred.ndim != 2 or pred.shape[1] < 2:
        raise ShapeError(f"accuracy needs class scores of shape (N, C) with C >= 2, got shape "
                         f"{pred.shape}; for regression pass metric=None")
    if y.shape != (pred.shape[0],):
        raise ShapeError(f"accuracy needs integer labels of shape ({pred.shape[0]},), "
                         f"got shape {y.shape}")
    return float(np.mean(pred.argmax(axis=1) == y))


def fit(model: Module, loss_fn, optimizer: Optimizer, X, y, *, X_val=None, y_val=None,
        epochs: int, batch_size: int = 32, shuffle: bool = True, seed: int = 0,
        scheduler=None, scheduler_interval: str = "epoch",
        early_stopping_patience: int | None = None,
        metric: str | Callable | None = "accuracy", verbose: bool | int = True) -> History:
    """Train ``model`` with mini-batches and return a :class:`History`.

    * ``scheduler.step()`` runs once per epoch (``scheduler_interval="epoch"``) or after
      every optimizer step (``"batch"``, e.g. for OneCycleLR or warm-up).
    * ``early_stopping_patience=k`` (needs validation data) stops after ``k`` epochs without a
      lower validation loss and, in any case, puts back the weights of the best epoch.
    * ``metric`` is ``"accuracy"`` (class scores vs integer labels), ``None``, or a function
      ``(pred, y) -> float``; ``verbose`` is True (print every epoch), False, or ``k``
      (every k-th epoch and the last).
    * A NaN/inf loss raises :class:`TrainingDivergedError` naming the learning rate.
    """
    X, y = np.asarray(X), np.asarray(y)
    _check_data(X, y)
    has_val = X_val is not None or y_val is not None
    if has_val:
        if X_val is None or y_val is None:
            raise ValueError("pass both X_val and y_val (or neither)")
        X_val, y_val = np.asarray(X_val), np.asarray(y_val)
        _check_data(X_val, y_val, "X_val", "y_val")
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an nnlib optimizer such as SGD(model.parameters(), "
                        f"lr=0.1), got {type(optimizer).__name__}")
    if scheduler_interval not in ("epoch", "batch"):
        raise ValueError(f"scheduler_interval must be 'epoch' or 'batch', "
                         f"got {scheduler_interval!r}")
    if early_stopping_patience is not None:
        if not has_val:
            raise ValueError("early stopping watches the validation loss: pass X_val and y_val "
                             "(or set early_stopping_patience=None)")
        if not isinstance(early_stopping_patience, int) or early_stopping_patience < 1:
            raise ValueError(f"early_stopping_patience must be a positive integer, "
                             f"got {early_stopping_patience!r}")
    metric_fn = _metric_fn(metric) if metric is not None else None
    print_every = int(verbose)  # True -> every epoch, False -> never

    rng = np.random.default_rng(seed)
    history = History()
    best_loss, best_state, bad_epochs = math.inf, None, 0
    for epoch in range(epochs):
        model.train()
        history.lr.append(optimizer.lr)  # the lr this epoch starts with
        total_loss, total_metric, n = 0.0, 0.0, 0
        for batch, (xb, yb) in enumerate(iterate_minibatches(X, y, batch_size, shuffle, rng)):
            optimizer.zero_grad()
            loss, pred = _forward(model, loss_fn, optimizer, xb, yb, epoch, batch)
            with np.errstate(over="ignore", invalid="ignore"):  # caught by the checks instead
                model.backward(loss_fn.backward())
                optimizer.step()
            if scheduler is not None and scheduler_interval == "batch":
                scheduler.step()
            total_loss += loss * len(xb)
            if metric_fn is not None:
                total_metric += metric_fn(pred, yb) * len(xb)
            n += len(xb)
        if not all(np.all(np.isfinite(p.data)) for p in model.parameters()):
            raise _diverged("the weights overflowed to inf/NaN", optimizer,
                            f"the end of epoch {epoch + 1}")
        if scheduler is not None and scheduler_interval == "epoch":
            scheduler.step()
        history.train_loss.append(total_loss / n)
        if metric_fn is not None:
            history.train_acc.append(total_metric / n)
        if has_val:
            try:
                val_loss, val_metric = evaluate(model, loss_fn, X_val, y_val, metric=metric)
            except ValueError as err:
                if not is_overflow_error(err, model, X_val):
                    raise
                raise _diverged("the activations overflowed to inf/NaN", optimizer,
                                f"epoch {epoch + 1} (validation)") from err
            if not math.isfinite(val_loss):
                raise _diverged(f"the validation loss became {val_loss}", optimizer,
                                f"epoch {epoch + 1}")
            history.val_loss.append(val_loss)
            if metric_fn is not None:
                history.val_acc.append(val_metric)
            if val_loss < best_loss:
                best_loss, history.best_epoch, bad_epochs = val_loss, epoch, 0
                if early_stopping_patience is not None:
                    best_state = model.state_dict()
            else:
                bad_epochs += 1
        last = epoch == epochs - 1
        stop = early_stopping_patience is not None and bad_epochs >= early_stopping_patience
        if print_every and ((epoch + 1) % print_every == 0 or last or stop):
            print(_epoch_line(history, epoch, epochs))
        if stop:
            history.stopped_early = True
            if print_every:
                print(f"early stopping: no better validation loss for {bad_epochs} epochs; "
                      f"restoring the weights of epoch {history.best_epoch + 1}")
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    return history


def _forward(model, loss_fn, optimizer, xb, yb, epoch, batch) -> tuple[float, np.ndarray]:
    """Forward pass and loss; a NaN/inf anywhere becomes a TrainingDivergedError."""
    where = f"epoch {epoch + 1}, batch {batch + 1}"
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            pred = model(xb)
            loss = float(loss_fn(pred, yb))
    except ValueError as err:
        if not is_overflow_error(err, model, xb):
            raise
        raise _diverged("the activations overflowed to inf/NaN", optimizer, where) from err
    if not math.isfinite(loss):
        raise _diverged(f"the loss became {loss}", optimizer, where)
    return loss, pred


def is_overflow_error(err: ValueError, model: Module, xb: np.ndarray) -> bool:
    """Did a forward pass on the finite batch ``xb`` fail because values overflowed?

    Layers refuse NaN/inf inputs (``check_array``). If the batch itself is finite, those values
    were made inside the network: the weights have grown too large, i.e. training diverged.
    """
    if not all(np.all(np.isfinite(p.data)) for p in model.parameters()):
        return True
    return isinstance(err, NonFiniteError) and bool(np.all(np.isfinite(xb)))


def _diverged(what: str, optimizer: Optimizer, where: str) -> TrainingDivergedError:
    return TrainingDivergedError(
        f"training diverged at {where}: {what} with learning rate {optimizer.lr:g}; "
        f"try a smaller learning rate, e.g. {optimizer.lr / 10:g}, or run lr_range_test "
        "to pick one")


def _metric_fn(metric) -> Callable:
    if callable(metric):
        return metric
    if metric == "accuracy":
        return accuracy
    raise ValueError(f"metric must be 'accuracy', None or a function (pred, y) -> float, "
                     f"got {metric!r}")


def _epoch_line(history: History, epoch: int, epochs: int) -> str:
    width = len(str(epochs))
    parts = [f"epoch {epoch + 1:>{width}}/{epochs}", f"train_loss {history.train_loss[-1]:.4f}"]
    if history.train_acc:
        parts.append(f"train_acc {history.train_acc[-1]:.4f}")
    if history.val_loss:
        parts.append(f"val_loss {history.val_loss[-1]:.4f}")
    if history.val_acc:
        parts.append(f"val_acc {history.val_acc[-1]:.4f}")
    parts.append(f"lr {history.lr[-1]:.4g}")
    return "  ".join(parts)


def _check_data(X: np.ndarray, y: np.ndarray, x_name: str = "X", y_name: str = "y") -> None:
    if X.ndim < 1 or len(X) == 0:
        raise ShapeError(f"{x_name} must hold at least one example, got shape {X.shape}")
    if y.ndim < 1 or len(y) != len(X):
        raise ShapeError(f"{x_name} and {y_name} must have the same number of rows, "
                         f"got {x_name} {X.shape} and {y_name} {y.shape}")
