"""Learning-rate schedules and the learning-rate range test.

Schedulers work as in PyTorch: build one around an optimizer (this already sets
the lr for step 0), then call ``scheduler.step()`` after each ``optimizer.step()``::

    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = CosineAnnealingLR(opt, T_max=100)
    for t in range(100):
        ...; opt.step(); sched.step()

Every schedule here is a closed-form function ``lr_at(t)`` of the step count ``t``,
so :func:`lr_schedule_values` can draw a whole curve without training anything.
(PyTorch computes some of them recursively from the previous lr; the values agree
to rounding error, which the tests check, but an lr you set by hand in between is
overwritten at the next ``step()`` here.)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from nnlib.scratch.module import Parameter
from nnlib.scratch.optim import SGD, Optimizer, _check_non_negative
from nnlib.scratch.training import is_overflow_error, iterate_minibatches


class LRScheduler:
    """Base class: ``step()`` advances ``last_epoch`` and writes ``lr_at(last_epoch)``."""

    def __init__(self, optimizer: Optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__} needs an nnlib optimizer (SGD, Adam, ...), "
                            f"got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0
        self._apply(0)

    def lr_at(self, t: int) -> float:
        """The learning rate after ``t`` calls of ``step()``."""
        raise NotImplementedError

    def _apply(self, t: int) -> None:
        self.optimizer.lr = self.lr_at(t)

    def step(self) -> None:
        """Advance one step (call after ``optimizer.step()``)."""
        self.last_epoch += 1
        self._apply(self.last_epoch)

    def get_last_lr(self) -> list[float]:
        """The current learning rate, as a one-element list like PyTorch's."""
        return [self.optimizer.lr]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={self.optimizer.lr:.6g})"


class StepLR(LRScheduler):
    """``lr = base_lr * gamma ** (t // step_size)``: divide by 1/gamma every ``step_size`` steps."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1):
        _check_positive_int("step_size", step_size)
        _check_gamma(gamma)
        self.step_size, self.gamma = step_size, float(gamma)
        super().__init__(optimizer)

    def lr_at(self, t):
        return self.base_lr * self.gamma ** (t // self.step_size)


class ExponentialLR(LRScheduler):
    """``lr = base_lr * gamma ** t``."""

    def __init__(self, optimizer: Optimizer, gamma: float):
        _check_gamma(gamma)
        self.gamma = float(gamma)
        super().__init__(optimizer)

    def lr_at(self, t):
        return self.base_lr * self.gamma**t


class CosineAnnealingLR(LRScheduler):
    """``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2``.

    SGDR's cosine without restarts. As in PyTorch the curve keeps going past ``T_max``
    (it rises again, period ``2 * T_max``).
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0):
        _check_positive_int("T_max", T_max)
        _check_non_negative("eta_min", eta_min)
        self.T_max, self.eta_min = T_max, float(eta_min)
        super().__init__(optimizer)

    def lr_at(self, t):
        return _cosine(self.base_lr, self.eta_min, t / self.T_max)


class WarmupCosineLR(LRScheduler):
    """Linear warm-up for ``warmup_steps`` steps, then cosine decay to ``min_lr``.

    ``lr(t) = base_lr * (t + 1) / (warmup_steps + 1)`` for ``t < warmup_steps`` (never 0,
    so the first step already learns), reaching ``base_lr`` at ``t = warmup_steps``; then
    ``lr(t) = min_lr + (base_lr - min_lr) * (1 + cos(pi * (t - w) / (total_steps - w))) / 2``,
    and ``min_lr`` from ``total_steps`` on. This is exactly PyTorch's
    ``SequentialLR([LinearLR(start_factor=1/(w+1), total_iters=w),
    CosineAnnealingLR(T_max=total_steps-w, eta_min=min_lr)], milestones=[w])`` up to
    ``total_steps``.
    """

    def __init__(self, optimizer: Optimizer, warmup_steps: int, total_steps: int,
                 min_lr: float = 0.0):
        if isinstance(warmup_steps, bool) or not isinstance(warmup_steps, int) or warmup_steps < 0:
            raise ValueError(f"warmup_steps must be an integer >= 0, got {warmup_steps!r}")
        _check_positive_int("total_steps", total_steps)
        if total_steps <= warmup_steps:
            raise ValueError(f"total_steps ({total_steps}) must be larger than warmup_steps "
                             f"({warmup_steps}) so that some steps are left for the decay")
        _check_non_negative("min_lr", min_lr)
        self.warmup_steps, self.total_steps, self.min_lr = warmup_steps, total_steps, float(min_lr)
        super().__init__(optimizer)

    def lr_at(self, t):
        w = self.warmup_steps
        if t < w:
            return self.base_lr * (t + 1) / (w + 1)
        if t >= self.total_steps:
            return self.min_lr
        return _cosine(self.base_lr, self.min_lr, (t - w) / (self.total_steps - w))


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin, 2017) with PyTorch's exact phase boundaries.

    The lr rises from ``max_lr / div_factor`` to ``max_lr`` over the first
    ``pct_start * total_steps - 1`` steps, then anneals to
    ``max_lr / div_factor / final_div_factor`` at step ``total_steps - 1``. With
    ``three_phase`` it first falls back to the start value symmetrically, then to the minimum.
    The optimizer's own lr is ignored. With ``cycle_momentum`` the momentum (SGD, RMSprop) or
    beta1 (Adam, AdamW) moves the opposite way, between ``max_momentum`` and ``base_momentum``.
    """

    def __init__(self, optimizer: Optimizer, max_lr: float, total_steps: int,
                 pct_start: float = 0.3, anneal_strategy: str = "cos",
                 cycle_momentum: bool = True, base_momentum: float = 0.85,
                 max_momentum: float = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False):
        _check_positive_int("total_steps", total_steps)
        _check_non_negative("max_lr", max_lr)
        if not 0 <= pct_start <= 1:
            raise ValueError(f"pct_start must lie in [0, 1], got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}")
        for name, value in (("div_factor", div_factor), ("final_div_factor", final_div_factor)):
            if not value > 0:
                raise ValueError(f"{name} must be > 0, got {value}")
        self.total_steps = total_steps
        self.anneal = _cosine_pct if anneal_strategy == "cos" else _linear_pct
        self.cycle_momentum = cycle_momentum
        initial = max_lr / div_factor
        points = {"initial": initial, "max": float(max_lr), "min": initial / final_div_factor,
                  "max_m": max_momentum, "base_m": base_momentum}
        # (last step of the phase, lr from, lr to, momentum from, momentum to)
        if three_phase:
            phases = [(pct_start * total_steps - 1, "initial", "max", "max_m", "base_m"),
                      (2 * pct_start * total_steps - 2, "max", "initial", "base_m", "max_m"),
                      (total_steps - 1, "initial", "min", "max_m", "max_m")]
        else:
            phases = [(pct_start * total_steps - 1, "initial", "max", "max_m", "base_m"),
                      (total_steps - 1, "max", "min", "base_m", "max_m")]
        self.phases = [(float(end), points[a], points[b], points[c], points[d])
                       for end, a, b, c, d in phases]
        if cycle_momentum:
            if hasattr(optimizer, "betas"):
                self._momentum_attr = "betas"
            elif hasattr(optimizer, "momentum"):
                self._momentum_attr = "momentum"
            else:
                raise ValueError(f"cycle_momentum=True needs an optimizer with momentum or betas; "
                                 f"{type(optimizer).__name__} has neither: pass "
                                 "cycle_momentum=False")
        super().__init__(optimizer)

    def _phase_at(self, t: int) -> tuple[float, float, float, float, float]:
        """(fraction of the phase done, lr from, lr to, momentum from, momentum to)."""
        if t > self.total_steps:
            raise ValueError(f"OneCycleLR was stepped {t} times but total_steps is "
                             f"{self.total_steps}; build it with a larger total_steps")
        start = 0.0
        for i, (end, *values) in enumerate(self.phases):
            if t <= end or i == len(self.phases) - 1:
                return ((t - start) / (end - start), *values)
            start = end
        raise AssertionError("unreachable")

    def lr_at(self, t):
        pct, lr_from, lr_to, _, _ = self._phase_at(t)
        return self.anneal(lr_from, lr_to, pct)

    def momentum_at(self, t: int) -> float:
        """The momentum (or beta1) at step ``t`` when ``cycle_momentum`` is on."""
        pct, _, _, m_from, m_to = self._phase_at(t)
        return self.anneal(m_from, m_to, pct)

    def _apply(self, t):
        super()._apply(t)
        if self.cycle_momentum:
            momentum = self.momentum_at(t)
            if self._momentum_attr == "betas":
                self.optimizer.betas = (momentum, self.optimizer.betas[1])
            else:
                self.optimizer.momentum = momentum


def _cosine(start: float, end: float, progress: float) -> float:
    return end + (start - end) * (1 + math.cos(math.pi * progress)) / 2


def _cosine_pct(start: float, end: float, pct: float) -> float:
    # Same operation order as PyTorch's OneCycleLR, so the values agree to the last bit.
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


def _linear_pct(start: float, end: float, pct: float) -> float:
    return (end - start) * pct + start


def _check_positive_int(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _check_gamma(gamma) -> None:
    _check_non_negative("gamma", gamma)
    if gamma > 1:
        raise ValueError(f"gamma is the factor the lr is multiplied by and should be in (0, 1], "
                         f"got {gamma}; did you mean {1 / gamma:.3g}?")


# -- curves for plotting ---------------------------------------------------------------
def lr_schedule_values(make_scheduler: Callable[[Optimizer], LRScheduler], steps: int,
                       lr: float = 0.1) -> np.ndarray:
    """The lr at steps ``0 .. steps-1`` of a schedule, shape (steps,), without any training.

    ``make_scheduler`` builds the scheduler from an optimizer, for example
    ``lambda opt: StepLR(opt, step_size=10)``; ``lr`` is the optimizer's base lr.
    """
    _check_positive_int("steps", steps)
    optimizer = SGD([Parameter(np.zeros(1))], lr=lr, momentum=0.9)
    scheduler = make_scheduler(optimizer)
    if not isinstance(scheduler, LRScheduler):
        raise TypeError("make_scheduler must return a scheduler, e.g. "
                        f"lambda opt: StepLR(opt, 10); it returned {type(scheduler).__name__}")
    values = [optimizer.lr]
    for _ in range(steps - 1):
        scheduler.step()
        values.append(optimizer.lr)
    return np.array(values)


# -- the learning-rate range test ----------------------------------------------------------
class LRRangeTestResult(NamedTuple):
    """``lrs`` and smoothed ``losses`` (same length), the ``suggested_lr``, and the raw losses."""

    lrs: np.ndarray
    losses: np.ndarray
    suggested_lr: float
    raw_losses: np.ndarray


def lr_range_test(model, loss_fn, optimizer, X, y, *, start_lr: float = 1e-7,
                  end_lr: float = 10.0, num_steps: int = 100, batch_size: int = 64,
                  smooth: float = 0.05, diverge_threshold: float = 4.0,
                  seed: int = 0) -> LRRangeTestResult:
    """Leslie Smith's learning-rate range test ("LR finder").

    Train on mini-batches while the lr grows exponentially from ``start_lr`` to
    ``end_lr`` over ``num_steps`` steps, recording the loss of each batch (before its
    update) and an exponential moving average ``avg = (1 - smooth) * avg + smooth * loss``
    (bias-corrected like Adam's). Stop early once the smoothed loss exceeds
    ``diverge_threshold`` times the best seen, or is NaN/inf.

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
    if not 0 < start_lr < end_lr:
        raise ValueError(f"need 0 < start_lr < end_lr, got start_lr={start_lr}, end_lr={end_lr}")
    if isinstance(num_steps, bool) or not isinstance(num_steps, int) or num_steps < 2:
        raise ValueError(f"num_steps must be an integer >= 2, got {num_steps!r}")
    if not 0 < smooth <= 1:
        raise ValueError(f"smooth is the weight of each new loss in the moving average and "
                         f"must lie in (0, 1], got {smooth}")
    if not diverge_threshold > 1:
        raise ValueError(f"diverge_threshold must be > 1, got {diverge_threshold}")
    if isinstance(optimizer, Optimizer):
        saved_optimizer = optimizer.state_dict()
    elif callable(optimizer):
        optimizer, saved_optimizer = optimizer(model.parameters(), start_lr), None
    else:
        raise TypeError("optimizer must be an nnlib optimizer or a function (params, lr) -> "
                        f"optimizer, got {type(optimizer).__name__}")

    saved_weights, was_training = model.state_dict(), model.training
    lrs = start_lr * (end_lr / start_lr) ** (np.arange(num_steps) / (num_steps - 1))
    rng = np.random.default_rng(seed)
    recorded, raw, smoothed = [], [], []
    avg, best = 0.0, math.inf
    model.train()
    try:
        batches = iter(())
        for i, lr in enumerate(lrs):
            try:
                xb, yb = next(batches)
            except StopIteration:  # start another pass over the data
                batches = iterate_minibatches(X, y, batch_size, shuffle=True, rng=rng)
                xb, yb = next(batches)
            optimizer.lr = float(lr)
            optimizer.zero_grad()
            with np.errstate(all="ignore"):  # a blow-up is the expected end of the test
                try:
                    loss = float(loss_fn(model(xb), yb))
                except ValueError as err:  # layers refuse NaN inputs once weights explode
                    if not is_overflow_error(err, model, xb):
                        raise
                    loss = math.inf
            recorded.append(float(lr))
            raw.append(loss)
            avg = (1 - smooth) * avg + smooth * loss
            smoothed.append(avg / (1 - (1 - smooth) ** (i + 1)))
            if not math.isfinite(smoothed[-1]) or smoothed[-1] > diverge_threshold * best:
                break
            best = min(best, smoothed[-1])
            with np.errstate(all="ignore"):
                model.backward(loss_fn.backward())
                optimizer.step()
    finally:
        model.load_state_dict(saved_weights)
        model.train(was_training)
        if saved_optimizer is not None:
            optimizer.load_state_dict(saved_optimizer)
    lrs_arr, losses = np.array(recorded), np.array(smoothed)
    return LRRangeTestResult(lrs_arr, losses, _steepest_descent_lr(lrs_arr, losses),
                             np.array(raw))


def _steepest_descent_lr(lrs: np.ndarray, losses: np.ndarray) -> float:
    """The lr where d(loss)/d(log10 lr) is most negative, left of the loss minimum."""
    finite = np.isfinite(losses)
    lrs, losses = lrs[finite], losses[finite]
    if len(lrs) < 3:
        raise RuntimeError("the loss diverged within the first steps of the range test; "
                           "use a smaller start_lr")
    stop = int(np.argmin(losses)) + 1
    if stop < 3:  # the loss only rose: the smallest lr tried is the best guess
        return float(lrs[0])
    slopes = np.gradient(losses[:stop], np.log10(lrs[:stop]))
    return float(lrs[int(np.argmin(slopes))])
