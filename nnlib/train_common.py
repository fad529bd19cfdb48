"""What the NumPy and the PyTorch training loops share, so that both read and report alike.

Both halves have ``fit(model, data, optimizer, loss_fn, *, epochs, val_data=None,
scheduler=None, early_stopping=None, callbacks=(), ...)`` and ``evaluate(model, data,
loss_fn)`` (``nnlib.scratch.fit`` and ``nnlib.train.fit``). Each half trains one epoch its own
way (NumPy: ``model.backward(loss_fn.backward())``; PyTorch: ``loss.backward()``, devices,
mixed precision); everything around the epochs is here, written once:

* :class:`History`     per-epoch records, the same fields in both halves;
* :class:`Callback`    hooks called by both loops; :class:`EarlyStopping`;
* :func:`run_epochs`   the epoch loop: validation, schedulers, early stopping, callbacks and
                       the one per-epoch line (:func:`epoch_line`);
* :class:`TrainingDivergedError` (from ``nnlib.errors``), raised by both loops as soon as a
  loss becomes NaN or infinite (:func:`diverged_error` writes its message).

This module imports neither NumPy's engine nor torch.
"""

from __future__ import annotations

import contextlib
import copy
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from nnlib._checks import check_bool, check_choice, check_float, check_int, describe
from nnlib.errors import TrainingDivergedError

__all__ = ["Callback", "EarlyStopping", "EpochResult", "History", "TrainingDivergedError",
           "as_callbacks", "diverged_error", "epoch_line", "eval_mode", "mean_over_batches",
           "run_epochs"]

SCHEDULER_STEPS = ("batch", "epoch")


@dataclass
class History:
    """Per-epoch records of a ``fit`` run (the same in both halves).

    train_loss, val_loss:     mean loss per example;
    train_metric, val_metric: the metric named ``metric_name`` ("accuracy": a fraction in
                              [0, 1]); empty when there is no metric;
    lr:                       learning rate at the start of each epoch;
    grad_norm:                mean total gradient norm of the epoch's steps, before clipping;
    best_epoch:               0-based index of the lowest validation loss;
    stopped_early:            True when :class:`EarlyStopping` ended the run.
    val_* stay empty without validation data.
    """

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    train_metric: list[float] = field(default_factory=list)
    val_metric: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False
    metric_name: str = "accuracy"

    @property
    def epochs(self) -> int:
        return len(self.train_loss)

    def plot(self, fig=None, title: str = "", gridspec_kw: dict | None = None):
        """Loss (left) and metric (right) per epoch: :func:`nnlib.plotting.plot_history`."""
        from nnlib.plotting import plot_history

        return plot_history(self, fig, title=title, gridspec_kw=gridspec_kw)


class Callback:
    """Hooks called by both ``fit`` loops; override the ones you need.

    ``on_epoch_end`` may return True to stop after that epoch, ``on_batch_end`` to stop at
    once. A plain function ``f(history)`` in ``callbacks`` is used as ``on_epoch_end``.
    """

    def on_train_begin(self, epochs: int, batches_per_epoch: int) -> None:
        """``batches_per_epoch`` is 0 when the data has no length."""

    def on_before_step(self, model, optimizer) -> None:
        """The gradients are ready (after backward, before clipping and the optimizer step):
        read them, or add to them (e.g. the gradient of an extra penalty)."""

    def on_batch_end(self, info: dict) -> bool | None:
        """``info``: epoch, batch (0-based), loss, grad_norm (before clipping), lr."""

    def on_epoch_end(self, history: History) -> bool | None:
        pass

    def on_train_end(self, history: History) -> None:
        pass


class _FunctionCallback(Callback):
    def __init__(self, fn: Callable[[History], bool | None]):
        self.fn = fn

    def on_epoch_end(self, history):
        return self.fn(history)


def as_callbacks(callbacks: Iterable | None) -> list[Callback]:
    """:class:`Callback` objects from ``callbacks`` (functions become ``on_epoch_end``)."""
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback) or callable(callbacks):
        callbacks = [callbacks]
    if isinstance(callbacks, (str, bytes)) or not hasattr(callbacks, "__iter__"):
        raise TypeError(f"callbacks must be a list of Callback objects or functions "
                        f"f(history), got {describe(callbacks)}")
    hooks = []
    for c in callbacks:
        if isinstance(c, Callback):
            hooks.append(c)
        elif callable(c):
            hooks.append(_FunctionCallback(c))
        else:
            raise TypeError(f"callbacks must be Callback objects or functions f(history), got "
                            f"a {type(c).__name__}")
    return hooks


class EarlyStopping:
    """Stop when the validation loss has not improved for ``patience`` epochs.

    An epoch improves when its loss is below ``best - min_delta``. With ``restore_best``
    the model gets back the weights of its best epoch when training ends. Works with the
    models of both halves (it keeps a deep copy of ``model.state_dict()``).
    """

    def __init__(self, patience: int = 5, min_delta: float = 0.0, restore_best: bool = True):
        patience = check_int(patience, "patience", minimum=1, where="EarlyStopping",
                             hint="the number of epochs to wait for a better validation loss")
        min_delta = check_float(min_delta, "min_delta", minimum=0, where="EarlyStopping")
        restore_best = check_bool(restore_best, "restore_best", where="EarlyStopping")
        self.patience, self.min_delta, self.restore_best = patience, min_delta, restore_best
        self.reset()

    def reset(self) -> None:
        self.best_loss, self.best_epoch, self.bad_epochs = math.inf, None, 0
        self.best_state: dict | None = None

    def step(self, val_loss: float, model=None, epoch: int = 0) -> bool:
        """Record epoch ``epoch``'s validation loss; True means "stop now"."""
        val_loss = check_float(val_loss, "val_loss", finite=False, where="EarlyStopping.step",
                               hint="a NaN loss means training diverged")
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.bad_epochs = val_loss, epoch, 0
            if self.restore_best and model is not None:
                self.best_state = copy.deepcopy(model.state_dict())
        else:
            self.bad_epochs += 1
        return self.bad_epochs >= self.patience

    def restore(self, model) -> bool:
        """Load the best weights into ``model``; False if there is nothing to restore."""
        if not self.restore_best or self.best_state is None:
            return False
        model.load_state_dict(self.best_state)
        return True

    def __repr__(self) -> str:
        return (f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}, "
                f"restore_best={self.restore_best})")


@contextlib.contextmanager
def eval_mode(model):
    """Eval mode inside the block (dropout off, running statistics), the previous mode after."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


def mean_over_batches(model, batches: Iterable, measure: Callable
                      ) -> tuple[float, float | None]:
    """``evaluate`` of both halves: in eval mode, ``measure(batch) -> (mean loss, metric summed
    over the batch or None, examples)`` for every batch; returns the loss and the metric
    averaged over all examples (a count of correct answers becomes an accuracy)."""
    total_loss, total_metric, n = 0.0, 0.0, 0
    with eval_mode(model):
        for batch in batches:
            loss, metric, size = measure(batch)
            total_loss += loss * size
            total_metric = None if metric is None or total_metric is None \
                else total_metric + metric
            n += size
    if n == 0:
        raise ValueError("data yielded no batches: nothing to evaluate")
    return total_loss / n, (total_metric / n if total_metric is not None else None)


@dataclass
class EpochResult:
    """What one training epoch measured: mean loss, mean metric, mean gradient norm."""

    loss: float
    metric: float | None = None
    grad_norm: float | None = None
    stop: bool = False  # a callback's on_batch_end asked to stop


def diverged_error(what: str, lr: float | None, where: str,
                   advice: str = "") -> TrainingDivergedError:
    """The one message of both loops: where, what, the learning rate, and what to try.

    ``lr`` None (or NaN): a custom step with its own optimizers, whose rates are not known.
    """
    if lr is None or math.isnan(lr):
        return TrainingDivergedError(f"training diverged at {where}: {what}; try smaller "
                                     f"learning rates{advice}")
    return TrainingDivergedError(
        f"training diverged at {where}: {what} with learning rate {lr:g}; try a smaller "
        f"learning rate (e.g. {lr / 10:g}){advice}")


def epoch_line(history: History, epochs: int) -> str:
    """``epoch  3/8  train loss 0.2345  acc  93.1 %  | val loss ...  | lr 0.001``."""
    width = len(str(epochs))
    parts = [f"epoch {history.epochs:>{width}}/{epochs}",
             f"train loss {history.train_loss[-1]:.4f}"]
    if history.train_metric:
        parts.append(_metric_text(history.metric_name, history.train_metric[-1]))
    if history.val_loss:
        parts.append(f"| val loss {history.val_loss[-1]:.4f}")
    if history.val_metric:
        parts.append(_metric_text(history.metric_name, history.val_metric[-1]))
    parts.append(f"| lr {history.lr[-1]:.3g}")
    return "  ".join(parts)


def _metric_text(name: str, value: float) -> str:
    if name == "accuracy":
        return f"acc {100 * value:5.1f} %"
    return f"{name} {value:.4f}"


def check_epochs(epochs) -> None:
    check_int(epochs, "epochs", minimum=1, where="fit")


def check_common_args(epochs, has_val: bool, scheduler_step: str, early_stopping,
                      clip_grad_norm=None) -> None:
    """The checks both ``fit`` functions make on their shared arguments."""
    check_epochs(epochs)
    check_choice(scheduler_step, "scheduler_step", SCHEDULER_STEPS, where="fit")
    if clip_grad_norm is not None:
        check_float(clip_grad_norm, "clip_grad_norm", minimum=0, min_open=True, where="fit",
                    hint="the largest gradient norm allowed, e.g. 1.0 (or None)")
    if early_stopping is not None:
        if not isinstance(early_stopping, EarlyStopping):
            raise TypeError("early_stopping must be an EarlyStopping(patience=...) object, "
                            f"got {type(early_stopping).__name__}")
        if not has_val:
            raise ValueError("early stopping watches the validation loss: pass val_data")


def run_epochs(model, train_epoch: Callable[[int], EpochResult], *, epochs: int,
               history: History, get_lr: Callable[[], float],
               validate: Callable[[int], tuple[float, float | None]] | None = None,
               step_scheduler: Callable[[History], None] | None = None,
               early_stopping: EarlyStopping | None = None, hooks: list[Callback] = (),
               batches_per_epoch: int = 0, verbose: bool | int = True,
               advice: str = "") -> History:
    """The epoch loop of both ``fit`` functions.

    Each epoch: record the lr, ``train_epoch(epoch)``, ``validate(epoch)`` (a NaN/inf
    validation loss raises :class:`TrainingDivergedError`), ``step_scheduler(history)``,
    early stopping, the callbacks' ``on_epoch_end``, one :func:`epoch_line` (``verbose``:
    True every epoch, False never, k every k-th and the last). At the end the best weights
    are put back (``early_stopping.restore_best``) and ``on_train_end`` runs.
    """
    if early_stopping is not None:
        early_stopping.reset()
    for hook in hooks:
        hook.on_train_begin(epochs, batches_per_epoch)
    for epoch in range(epochs):
        history.lr.append(float(get_lr()))
        result = train_epoch(epoch)
        history.train_loss.append(result.loss)
        if result.metric is not None:
            history.train_metric.append(result.metric)
        if result.grad_norm is not None:
            history.grad_norm.append(result.grad_norm)
        if validate is not None:
            val_loss, val_metric = validate(epoch)
            if not math.isfinite(val_loss):
                raise diverged_error(f"the validation loss became {val_loss}", get_lr(),
                                     f"epoch {epoch + 1}", advice)
            history.val_loss.append(val_loss)
            if val_metric is not None:
                history.val_metric.append(val_metric)
            if val_loss < min(history.val_loss[:-1], default=math.inf):
                history.best_epoch = epoch
        if step_scheduler is not None:
            step_scheduler(history)
        stop = early_stopping is not None and early_stopping.step(
            history.val_loss[-1], model, epoch)
        asked = any([bool(hook.on_epoch_end(history)) for hook in hooks]) or result.stop
        if verbose and ((epoch + 1) % int(verbose) == 0 or epoch == epochs - 1 or stop or asked):
            print(epoch_line(history, epochs))
        if stop:
            history.stopped_early = True
            if verbose:
                print(f"early stopping: no better validation loss for "
                      f"{early_stopping.patience} epochs")
            break
        if asked:
            break
    if early_stopping is not None and early_stopping.restore(model):
        history.best_epoch = early_stopping.best_epoch
        if verbose and early_stopping.best_epoch != history.epochs - 1:
            print(f"restored the weights of epoch {early_stopping.best_epoch + 1} "
                  f"(validation loss {early_stopping.best_loss:.4f})")
    for hook in hooks:
        hook.on_train_end(history)
    return history
