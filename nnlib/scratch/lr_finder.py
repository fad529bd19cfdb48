"""The learning-rate range test ("LR finder", Leslie Smith 2015), run with ``nnlib.scratch.fit``.

The test is a short training run whose learning rate grows exponentially, one step per
mini-batch, while the loss of each batch is recorded. It uses the ordinary training loop:
an lr schedule stepped per batch (:class:`ExponentialRamp`) and a callback that records the
losses and stops once they blow up.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from nnlib import _checks
from nnlib.errors import TrainingDivergedError
from nnlib.scratch.lr_scheduler import LRScheduler
from nnlib.scratch.optim import Optimizer
from nnlib.train_common import Callback

__all__ = ["ExponentialRamp", "LRRangeTestResult", "lr_range_test"]


class LRRangeTestResult(NamedTuple):
    """``lrs`` and smoothed ``losses`` (same length), the ``suggested_lr``, and the raw losses."""

    lrs: np.ndarray
    losses: np.ndarray
    suggested_lr: float
    raw_losses: np.ndarray


class ExponentialRamp(LRScheduler):
    """``lr = start_lr * (end_lr / start_lr) ** (t / (num_steps - 1))``, then ``end_lr``."""

    def __init__(self, optimizer: Optimizer, start_lr: float, end_lr: float, num_steps: int):
        where = "ExponentialRamp"
        _checks.check_instance(optimizer, "optimizer", Optimizer,
                               "an nnlib optimizer such as SGD(model.parameters(), lr=0.1)",
                               where=where)
        start_lr = _checks.check_float(start_lr, "start_lr", minimum=0, min_open=True,
                                       where=where)
        end_lr = _checks.check_float(end_lr, "end_lr", minimum=0, min_open=True, where=where)
        num_steps = _checks.check_int(num_steps, "num_steps", minimum=2, where=where)
        with np.errstate(over="ignore", under="ignore"):
            lrs = start_lr * (end_lr / start_lr) ** (np.arange(num_steps) / (num_steps - 1))
        if not np.all(np.isfinite(lrs)):
            raise ValueError(f"{where}: end_lr / start_lr = {end_lr:g} / {start_lr:g} is too "
                             "large a ratio (the ramp overflows); use e.g. 1e-7 to 10")
        self.lrs = start_lr * (end_lr / start_lr) ** (np.arange(num_steps) / (num_steps - 1))
        super().__init__(optimizer)

    def lr_at(self, t):
        return float(self.lrs[min(t, len(self.lrs) - 1)])


class _Recorder(Callback):
    """Records each batch's loss and its moving average; stops at the end or at a blow-up."""

    def __init__(self, num_steps: int, smooth: float, diverge_threshold: float):
        self.num_steps, self.smooth, self.threshold = num_steps, smooth, diverge_threshold
        self.lrs, self.raw, self.smoothed = [], [], []
        self.avg, self.best = 0.0, math.inf
        self.done = False

    def record(self, lr: float, loss: float) -> bool:
        """Add one step; True when the test is over."""
        self.lrs.append(float(lr))
        self.raw.append(loss)
        self.avg = (1 - self.smooth) * self.avg + self.smooth * loss
        self.smoothed.append(self.avg / (1 - (1 - self.smooth) ** len(self.raw)))
        if not math.isfinite(self.smoothed[-1]) or self.smoothed[-1] > self.threshold * self.best:
            self.done = True
        else:
            self.best = min(self.best, self.smoothed[-1])
            self.done = len(self.raw) >= self.num_steps
        return self.done

    def on_batch_end(self, info):
        return self.record(info["lr"], info["loss"])


def lr_range_test(model, data, optimizer, loss_fn=None, *, start_lr: float = 1e-7,
                  end_lr: float = 10.0, num_steps: int = 100, batch_size: int = 64,
                  smooth: float = 0.05, diverge_threshold: float = 4.0,
                  seed: int = 0) -> LRRangeTestResult:
    """Leslie Smith's learning-rate range test; the arguments are ``fit``'s.

    Train on mini-batches of ``data`` (``(X, y)`` arrays) while the lr grows exponentially from
    ``start_lr`` to ``end_lr`` over ``num_steps`` steps, recording the loss of each batch
    (before its update) and an exponential moving average
    ``avg = (1 - smooth) * avg + smooth * loss`` (bias-corrected like Adam's). Stop early once
    the smoothed loss exceeds ``diverge_threshold`` times the best seen, or is NaN/inf.

    ``optimizer`` is an nnlib optimizer over ``model.parameters()`` or a factory
    ``lambda params, lr: SGD(params, lr, momentum=0.9)``. Afterwards the model's weights,
    its train/eval mode and the optimizer's lr and buffers are restored, so the test
    leaves no trace.

    ``suggested_lr`` is where the smoothed loss falls fastest per decade of lr
    (steepest negative slope of loss against log10(lr), looking only left of the minimum):
    there the network learns quickly yet is still far from the lr at which it blows up.
    The other common rule, "minimum / 10", depends on where the noisy minimum lands;
    it is easy to read off the returned curve too.
    """
    from nnlib.scratch.training import fit

    where = "lr_range_test"
    if not (callable(getattr(model, "parameters", None))
            and callable(getattr(model, "state_dict", None))):
        raise TypeError(f"{where}: model must be an nnlib.scratch model (a Module), got "
                        f"{_checks.describe(model)}")
    start_lr = _checks.check_float(start_lr, "start_lr", minimum=0, min_open=True, where=where)
    end_lr = _checks.check_float(end_lr, "end_lr", minimum=0, min_open=True, where=where)
    if not start_lr < end_lr:
        raise ValueError(f"{where}: need 0 < start_lr < end_lr, got start_lr={start_lr}, "
                         f"end_lr={end_lr}")
    num_steps = _checks.check_int(num_steps, "num_steps", minimum=3, where=where,
                                  hint="the suggestion needs at least 3 recorded steps")
    batch_size = _checks.check_int(batch_size, "batch_size", minimum=1, where=where)
    smooth = _checks.check_float(smooth, "smooth", minimum=0, maximum=1, min_open=True,
                                 where=where, hint="the weight of each new loss in the moving "
                                 "average")
    diverge_threshold = _checks.check_float(diverge_threshold, "diverge_threshold", minimum=1,
                                            min_open=True, where=where)
    seed = _checks.check_seed(seed, optional=False, where=where)
    if not (isinstance(data, tuple) and len(data) == 2):
        raise TypeError(f"{where}: data must be a pair of arrays (X, y), got "
                        f"{_checks.describe(data)}")
    if isinstance(optimizer, Optimizer):
        saved_optimizer = optimizer.state_dict()
    elif callable(optimizer):
        optimizer, saved_optimizer = optimizer(model.parameters(), start_lr), None
        _checks.check_instance(optimizer, "optimizer", Optimizer, "a function returning an "
                               "nnlib optimizer", where=where)
    else:
        raise TypeError(f"{where}: optimizer must be an nnlib optimizer or a function "
                        f"(params, lr) -> optimizer, got {_checks.describe(optimizer)}")

    saved_weights, was_training = model.state_dict(), model.training
    saved_lr = optimizer.lr
    recorder = _Recorder(num_steps, smooth, diverge_threshold)
    n_rows = len(data[0]) if hasattr(data[0], "__len__") else 0  # fit checks the data
    batches = max(1, -(-n_rows // batch_size))
    try:
        ramp = ExponentialRamp(optimizer, start_lr, end_lr, num_steps)
        with np.errstate(all="ignore"):  # a blow-up is the expected end of the test
            fit(model, data, optimizer, loss_fn, epochs=-(-num_steps // batches),
                scheduler=ramp, scheduler_step="batch", callbacks=[recorder],
                batch_size=batch_size, seed=seed, metric=None, verbose=False)
    except TrainingDivergedError:  # the loss (or the weights) became inf/NaN
        if not recorder.done:
            recorder.record(optimizer.lr, math.inf)
    finally:
        model.load_state_dict(saved_weights)
        model.train(was_training)
        optimizer.lr = saved_lr
        if saved_optimizer is not None:
            optimizer.load_state_dict(saved_optimizer)
    lrs, losses = np.array(recorder.lrs), np.array(recorder.smoothed)
    return LRRangeTestResult(lrs, losses, _steepest_descent_lr(lrs, losses),
                             np.array(recorder.raw))


def _steepest_descent_lr(lrs: np.ndarray, losses: np.ndarray) -> float:
    """The lr where d(loss)/d(log10 lr) is most negative, left of the loss minimum."""
    finite = np.isfinite(losses)
    lrs, losses = lrs[finite], losses[finite]
    if len(lrs) < 3:
        raise ValueError("lr_range_test: the loss diverged within the first steps of the "
                         "range test; use a smaller start_lr")
    stop = int(np.argmin(losses)) + 1
    if stop < 3:  # the loss only rose: the smallest lr tried is the best guess
        return float(lrs[0])
    slopes = np.gradient(losses[:stop], np.log10(lrs[:stop]))
    return float(lrs[int(np.argmin(slopes))])
