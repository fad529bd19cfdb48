"""The training loop of the NumPy engine: ``fit`` and ``evaluate`` (same shape as ``nnlib.train``).

One training step is the same five lines as in PyTorch::

    optimizer.zero_grad()
    loss = loss_fn(model(xb), yb)        # forward
    model.backward(loss_fn.backward())   # backward: fills every param.grad
    optimizer.step()                     # update
    (scheduler.step())

:func:`fit` runs it over epochs; the epochs themselves (validation, schedulers, early
stopping, callbacks, the printed line, the :class:`~nnlib.train_common.History`) are
``nnlib.train_common.run_epochs``, shared with the PyTorch loop. A NaN/inf loss stops training
with a :class:`~nnlib.errors.TrainingDivergedError`.

``data`` is either a pair of arrays ``(X, y)``, cut into shuffled mini-batches of
``batch_size`` rows, or a re-iterable of ``(xb, yb)`` batches (e.g. a list). ``fit`` can be
called again on the same model and optimizer to train on (a widget trains a few epochs per
animation frame this way); pass ``seed=np.random.default_rng(...)`` to continue one shuffling
sequence across calls.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from nnlib._checks import (
    check_bool,
    check_callable,
    check_instance,
    check_int,
    check_seed,
    describe,
)
from nnlib.errors import NonFiniteError, ShapeError, TrainingDivergedError
from nnlib.scratch.module import Module
from nnlib.scratch.optim import Optimizer, clip_grad_norm_
from nnlib.train_common import (
    Callback,
    EarlyStopping,
    EpochResult,
    History,
    as_callbacks,
    check_common_args,
    diverged_error,
    mean_over_batches,
    run_epochs,
)
from nnlib.utils import get_rng

__all__ = ["Callback", "EarlyStopping", "History", "TrainingDivergedError", "accuracy",
           "evaluate", "fit", "is_overflow_error", "iterate_minibatches"]

ADVICE = ", or run lr_range_test to pick one"


def iterate_minibatches(X, y, batch_size: int, shuffle: bool = True,
                        rng: np.random.Generator | None = None
                        ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(X[idx], y[idx])`` batches of ``batch_size`` rows; the last may be smaller.

    With ``shuffle`` the order is a fresh permutation drawn from ``rng`` (default: nnlib's
    shared generator, so each call gives a new order and ``set_seed`` makes them repeat; an
    int seeds a new generator). The arguments are checked at the call, the order is drawn
    when the first batch is asked for.
    """
    X, y = _numeric(X, "X", "iterate_minibatches"), _numeric(y, "y", "iterate_minibatches")
    _check_data(X, y)
    _check_batch_size(batch_size)
    shuffle = check_bool(shuffle, "shuffle", where="iterate_minibatches")
    if rng is not None and not isinstance(rng, np.random.Generator):
        from nnlib.scratch.init import as_rng

        rng = as_rng(rng)
    return _minibatches(X, y, batch_size, shuffle, rng)


def _minibatches(X, y, batch_size, shuffle, rng):
    n = len(X)
    order = (rng or get_rng()).permutation(n) if shuffle else np.arange(n)
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]


def _numeric(a, name: str, where: str) -> np.ndarray:
    """``a`` as an array of real numbers (any int, float or bool dtype; no copy): a dtype
    check only, no pass over the values (this runs once per epoch)."""
    if isinstance(a, (bool, np.bool_)) or a is None:
        raise TypeError(f"{where}: {name} must be an array, got {describe(a)}")
    try:
        arr = np.asarray(a)
    except (ValueError, TypeError) as exc:   # a ragged list
        raise TypeError(f"{where}: {name} must be a numeric array, got {describe(a)} that "
                        f"NumPy cannot turn into one ({exc})") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{where}: {name} must be a numeric array, got dtype {arr.dtype}"
                        + ("; take .real first" if arr.dtype.kind == "c" else ""))
    return arr


def accuracy(pred: np.ndarray, y: np.ndarray) -> float:
    """Fraction of rows whose largest score (N, C) is at the integer label y (N,).

    A row of NaN scores counts as wrong (NumPy's argmax would pick the NaN's position).
    """
    pred, y = _numeric(pred, "pred", "accuracy"), _numeric(y, "y", "accuracy")
    if pred.ndim != 2 or pred.shape[1] < 2:
        raise ShapeError(f"accuracy: pred must be class scores of shape (N, C) with C >= 2, "
                         f"got shape {pred.shape}; for regression pass metric=None")
    if y.shape != (pred.shape[0],):
        raise ShapeError(f"accuracy: y must be integer labels of shape ({pred.shape[0]},), "
                         f"got shape {y.shape}")
    if y.dtype.kind == "f" and not np.all(np.mod(y, 1) == 0):
        raise ValueError("accuracy: y must hold integer class labels, got non-whole values "
                         "(e.g. probabilities); pass the labels, e.g. y.argmax(axis=1)")
    if pred.size == 0:
        raise ShapeError("accuracy: pred has no rows (shape "
                         f"{pred.shape}); the accuracy of no examples is undefined")
    hit = pred.argmax(axis=1) == y
    if pred.dtype.kind == "f":
        hit &= ~np.isnan(pred).any(axis=1)
    return float(np.mean(hit))


def evaluate(model: Module, data, loss_fn=None, *, batch_size: int = 256,
             metric: str | Callable | None = "accuracy") -> tuple[float, float | None]:
    """Mean loss and metric over ``data`` in eval mode; returns ``(loss, metric or None)``.

    ``data``: ``(X, y)`` arrays or a re-iterable of ``(xb, yb)`` batches; ``loss_fn``
    defaults to ``CrossEntropyLoss()``. The model's previous train/eval mode is restored.
    """
    _check_model(model, "evaluate")
    loss_fn = _default_loss(loss_fn, "evaluate")
    metric_fn = _metric_fn(metric)

    def measure(batch):
        xb, yb = batch
        pred = model(xb)
        metric_sum = metric_fn(pred, yb) * len(xb) if metric_fn else None
        return float(loss_fn(pred, yb)), metric_sum, len(xb)

    return mean_over_batches(model, _batches(data, "data", batch_size, shuffle=False)(None),
                             measure)


def fit(model: Module, data, optimizer: Optimizer, loss_fn=None, *, epochs: int,
        val_data=None, scheduler=None, early_stopping: EarlyStopping | None = None,
        callbacks: Iterable = (), scheduler_step: str = "epoch",
        clip_grad_norm: float | None = None, batch_size: int = 32,
        shuffle: bool = True, seed: int | np.random.Generator = 0,
        metric: str | Callable | None = "accuracy", verbose: bool | int = True) -> History:
    """Train ``model`` for ``epochs`` passes over ``data``; return a ``History``.

    data, val_data: ``(X, y)`` arrays (cut into mini-batches of ``batch_size``, shuffled with
                    ``seed`` when ``shuffle``) or a re-iterable of ``(xb, yb)`` batches.
    loss_fn:        default ``CrossEntropyLoss()``: scores (N, C), integer labels (N,).
    scheduler:      stepped after every epoch (``scheduler_step="epoch"``) or after every
                    optimizer step (``"batch"``, e.g. OneCycleLR or warm-up).
    early_stopping: an ``EarlyStopping(patience=...)``; needs ``val_data``. The best
                    epoch's weights are put back at the end.
    callbacks:      ``Callback`` objects or functions ``f(history)`` run after each epoch.
    clip_grad_norm: rescale the gradient when its total norm exceeds this value
                    (``clip_grad_norm_``, as ``torch.nn.utils.clip_grad_norm_``).
    seed:           an int, or a ``np.random.Generator`` to continue across calls.
    metric:         "accuracy", None, or a function ``(pred, y) -> float``.
    verbose:        True prints one line per epoch, False nothing, k every k-th epoch.
    A NaN/inf loss raises ``TrainingDivergedError`` naming the learning rate.
    """
    _check_model(model, "fit")
    loss_fn = _default_loss(loss_fn, "fit")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an nnlib optimizer such as SGD(model.parameters(), "
                        f"lr=0.1), got {type(optimizer).__name__}")
    check_common_args(epochs, val_data is not None, scheduler_step, early_stopping,
                      clip_grad_norm)
    if scheduler is not None and not callable(getattr(scheduler, "step", None)):
        raise TypeError(f"fit: scheduler must be an lr scheduler with a step() method (e.g. "
                        f"StepLR(optimizer, 10)) or None, got {describe(scheduler)}")
    _check_same_model(model, optimizer, scheduler)
    shuffle = check_bool(shuffle, "shuffle", where="fit")
    if not isinstance(seed, np.random.Generator):
        seed = check_seed(seed, where="fit", optional=False)
    if not isinstance(verbose, (bool, np.bool_)):   # as nnlib.train.fit
        verbose = check_int(verbose, "verbose", minimum=0, where="fit",
                            hint="True, False, or k to print every k-th epoch")
    metric_fn = _metric_fn(metric)
    rng = np.random.default_rng(seed)
    train_batches = _batches(data, "data", batch_size, shuffle, rng)
    val_batches = _batches(val_data, "val_data", 256, False) if val_data is not None else None
    hooks = as_callbacks(callbacks)
    parameters = list(model.parameters())
    batch_scheduler = scheduler if scheduler_step == "batch" else None

    def train_epoch(epoch: int) -> EpochResult:
        model.train()
        total_loss, total_metric, total_norm, n, steps = 0.0, 0.0, 0.0, 0, 0
        stop = False
        for batch, (xb, yb) in enumerate(train_batches(rng)):
            optimizer.zero_grad()
            loss, pred = _forward(model, loss_fn, optimizer, xb, yb,
                                  f"epoch {epoch + 1}, batch {batch + 1}")
            with np.errstate(over="ignore", invalid="ignore"):  # caught by the checks instead
                model.backward(loss_fn.backward())
                for hook in hooks:
                    hook.on_before_step(model, optimizer)
                norm = _grad_norm(parameters) if clip_grad_norm is None \
                    else clip_grad_norm_(parameters, clip_grad_norm)  # the norm before
                lr = optimizer.lr
                optimizer.step()
            if batch_scheduler is not None:
                batch_scheduler.step()
            total_loss += loss * len(xb)
            if metric_fn is not None:
                total_metric += metric_fn(pred, yb) * len(xb)
            total_norm += norm
            n += len(xb)
            steps += 1
            info = {"epoch": epoch, "batch": batch, "loss": loss, "grad_norm": norm, "lr": lr}
            if any([bool(hook.on_batch_end(info)) for hook in hooks]):
                stop = True
                break
        if n == 0:
            raise ValueError("data yielded no batches: check that it is not empty")
        if not all(np.all(np.isfinite(p.data)) for p in parameters):
            raise diverged_error("the weights overflowed to inf/NaN", optimizer.lr,
                                 f"the end of epoch {epoch + 1}", ADVICE)
        return EpochResult(total_loss / n, total_metric / n if metric_fn else None,
                           total_norm / steps, stop)

    def validate(epoch: int) -> tuple[float, float | None]:
        try:
            return evaluate(model, val_batches, loss_fn, metric=metric)
        except ValueError as err:
            if not _overflowed(err, model):
                raise
            raise diverged_error("the activations overflowed to inf/NaN", optimizer.lr,
                                 f"epoch {epoch + 1} (validation)", ADVICE) from err

    def step_scheduler(history: History) -> None:
        scheduler.step()

    history = History(metric_name=_metric_name(metric))
    return run_epochs(model, train_epoch, epochs=epochs, history=history,
                      get_lr=lambda: optimizer.lr,
                      validate=validate if val_batches is not None else None,
                      step_scheduler=step_scheduler if scheduler is not None
                      and scheduler_step == "epoch" else None,
                      early_stopping=early_stopping, hooks=hooks,
                      batches_per_epoch=train_batches.count, verbose=verbose, advice=ADVICE)


# -- pieces -----------------------------------------------------------------------------------
class _Batches:
    """``batches(rng)`` yields the batches of one pass; ``count`` is how many (0 if unknown)."""

    def __init__(self, data, name: str, batch_size: int, shuffle: bool, rng=None):
        self.name = name
        if isinstance(data, _Batches):
            self.name = data.name          # val_data stays val_data in messages
            self.arrays, self.source, self.count = data.arrays, data.source, data.count
            self.batch_size, self.shuffle = data.batch_size, data.shuffle
            return
        if isinstance(data, tuple) and len(data) == 2 and not isinstance(data[0], tuple):
            X, y = np.asarray(data[0]), np.asarray(data[1])
            _check_data(X, y, f"{name}[0]", f"{name}[1]")
            _check_batch_size(batch_size)
            self.arrays, self.source = (X, y), None
            self.count = -(-len(X) // batch_size)
        else:
            if not isinstance(data, Iterable) or isinstance(data, (str, np.ndarray)):
                raise TypeError(f"{name} must be a pair of arrays (X, y) or a list of (xb, yb) "
                                f"batches, got a {type(data).__name__}")
            if iter(data) is data:
                raise TypeError(f"{name} is an iterator, which is used up after one pass: pass "
                                f"a list of batches (list({name})) or the arrays (X, y)")
            self.arrays, self.source = None, data
            try:
                self.count = len(data)
            except TypeError:
                self.count = 0
        self.batch_size, self.shuffle = batch_size, shuffle

    def __call__(self, rng):
        if self.arrays is not None:
            return iterate_minibatches(*self.arrays, self.batch_size, self.shuffle, rng)
        return (_check_batch(pair, self.name) for pair in self.source)


def _batches(data, name, batch_size, shuffle, rng=None) -> _Batches:
    return _Batches(data, name, batch_size, shuffle, rng)


def _check_batch(pair, name: str):
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        size = (f" of {len(pair)} item{'s' if len(pair) != 1 else ''}"
                if isinstance(pair, (tuple, list)) else "")
        raise ValueError(f"{name} must yield (inputs, targets) pairs, got a "
                         f"{type(pair).__name__}{size}")
    return np.asarray(pair[0]), np.asarray(pair[1])


def _forward(model, loss_fn, optimizer, xb, yb, where: str) -> tuple[float, np.ndarray]:
    """Forward pass and loss; a NaN/inf anywhere becomes a TrainingDivergedError."""
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            pred = model(xb)
            loss = float(loss_fn(pred, yb))
    except ValueError as err:
        if not is_overflow_error(err, model, xb):
            raise
        raise diverged_error("the activations overflowed to inf/NaN", optimizer.lr, where,
                             ADVICE) from err
    if not math.isfinite(loss):
        raise diverged_error(f"the loss became {loss}", optimizer.lr, where, ADVICE)
    return loss, pred


def is_overflow_error(err: ValueError, model: Module, xb: np.ndarray) -> bool:
    """Did a forward pass on the finite batch ``xb`` fail because values overflowed?

    Layers refuse NaN/inf inputs (``check_array``). If the batch itself is finite, those values
    were made inside the network: the weights have grown too large, i.e. training diverged.
    """
    if not all(np.all(np.isfinite(p.data)) for p in model.parameters()):
        return True
    return isinstance(err, NonFiniteError) and bool(np.all(np.isfinite(xb)))


def _overflowed(err: ValueError, model: Module) -> bool:
    if not all(np.all(np.isfinite(p.data)) for p in model.parameters()):
        return True
    return isinstance(err, NonFiniteError)


def _grad_norm(parameters) -> float:
    total = sum(float(np.sum(np.square(p.grad))) for p in parameters if p.grad is not None)
    return math.sqrt(total) if math.isfinite(total) else math.inf


def _default_loss(loss_fn, where: str):
    if loss_fn is None:
        from nnlib.scratch.losses import CrossEntropyLoss

        return CrossEntropyLoss()
    if type(loss_fn).__module__.startswith("torch"):
        raise TypeError(f"{where}: loss_fn is a PyTorch loss ({type(loss_fn).__name__}), which "
                        "cannot take NumPy arrays nor give the NumPy backward pass; use "
                        "nnlib.scratch's loss of the same name, e.g. "
                        "nnlib.scratch.CrossEntropyLoss()")
    return check_callable(loss_fn, "loss_fn", where=where)


def _check_same_model(model: Module, optimizer: Optimizer, scheduler) -> None:
    """The optimizer must update this model, the scheduler drive this optimizer: otherwise
    training runs without a word and nothing learns (or the schedule changes nothing)."""
    own = {id(p) for p in model.parameters()}
    if own and not any(id(p) in own for p in optimizer.params):
        raise ValueError(f"fit: optimizer holds none of the model's parameters (it was built "
                         f"for another model), so training would change nothing; build it "
                         f"from this model: {type(optimizer).__name__}(model.parameters(), "
                         f"lr=...)")
    if scheduler is None:
        return
    if type(scheduler).__module__.startswith("torch"):
        raise TypeError(f"fit: scheduler is a PyTorch scheduler ({type(scheduler).__name__}); "
                        "the NumPy fit needs one of nnlib.scratch's, e.g. "
                        "nnlib.scratch.StepLR(optimizer, 10)")
    target = getattr(scheduler, "optimizer", optimizer)
    if target is not optimizer:
        raise ValueError(f"fit: scheduler was built for another optimizer "
                         f"({describe(target)}), so the schedule would not change this run's "
                         f"lr; build it on the optimizer passed to fit: "
                         f"{type(scheduler).__name__}(optimizer, ...)")


def _check_model(model, where: str) -> Module:
    return check_instance(model, "model", Module, "an nnlib.scratch Module (e.g. "
                          "Sequential(Linear(2, 8), ReLU(), Linear(8, 2)))", where=where)


def _metric_fn(metric) -> Callable | None:
    if metric is None or callable(metric):
        return metric
    if metric == "accuracy":
        return accuracy
    raise ValueError(f"metric must be 'accuracy', None or a function (pred, y) -> float, "
                     f"got {metric!r}")


def _metric_name(metric) -> str:
    if metric is None or isinstance(metric, str):
        return metric or "accuracy"
    return getattr(metric, "__name__", "metric")


def _check_batch_size(batch_size) -> None:
    check_int(batch_size, "batch_size", minimum=1)


def _check_data(X: np.ndarray, y: np.ndarray, x_name: str = "X", y_name: str = "y") -> None:
    if X.ndim < 1 or len(X) == 0:
        raise ShapeError(f"{x_name} must hold at least one example, got shape {X.shape}")
    if y.ndim < 1 or len(y) != len(X):
        raise ShapeError(f"{x_name} and {y_name} must have the same number of rows, "
                         f"got {x_name} {X.shape} and {y_name} {y.shape}")
