"""Learning-rate schedules (the range test that uses them is ``nnlib.scratch.lr_finder``).

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

import numpy as np

from nnlib import _checks
from nnlib.scratch.module import Parameter
from nnlib.scratch.optim import SGD, Optimizer


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
        self.step_size = _check_positive_int("step_size", step_size)
        self.gamma = _check_gamma(gamma)
        super().__init__(optimizer)

    def lr_at(self, t):
        return self.base_lr * self.gamma ** (t // self.step_size)


class ExponentialLR(LRScheduler):
    """``lr = base_lr * gamma ** t``."""

    def __init__(self, optimizer: Optimizer, gamma: float):
        self.gamma = _check_gamma(gamma)
        super().__init__(optimizer)

    def lr_at(self, t):
        return self.base_lr * self.gamma**t


class CosineAnnealingLR(LRScheduler):
    """``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2``.

    SGDR's cosine without restarts. As in PyTorch the curve keeps going past ``T_max``
    (it rises again, period ``2 * T_max``).
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0):
        self.T_max = _check_positive_int("T_max", T_max)
        self.eta_min = _checks.check_float(eta_min, "eta_min", minimum=0,
                                           where="CosineAnnealingLR")
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
        warmup_steps = _checks.check_int(warmup_steps, "warmup_steps", minimum=0,
                                         where="WarmupCosineLR")
        total_steps = _check_positive_int("total_steps", total_steps)
        if total_steps <= warmup_steps:
            raise ValueError(f"total_steps ({total_steps}) must be larger than warmup_steps "
                             f"({warmup_steps}) so that some steps are left for the decay")
        min_lr = _checks.check_float(min_lr, "min_lr", minimum=0, where="WarmupCosineLR")
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

    def __init__(self, optimizer: Optimizer, max_lr: float, total_steps: int, *,
                 pct_start: float = 0.3, anneal_strategy: str = "cos",
                 cycle_momentum: bool = True, base_momentum: float = 0.85,
                 max_momentum: float = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False):
        where = "OneCycleLR"
        total_steps = _check_positive_int("total_steps", total_steps)
        max_lr = _checks.check_float(max_lr, "max_lr", minimum=0, where=where)
        pct_start = _checks.check_float(pct_start, "pct_start", minimum=0, maximum=1,
                                        where=where)
        _checks.check_choice(anneal_strategy, "anneal_strategy", ("cos", "linear"), where=where)
        cycle_momentum = _checks.check_bool(cycle_momentum, "cycle_momentum", where=where)
        three_phase = _checks.check_bool(three_phase, "three_phase", where=where)
        base_momentum = _checks.check_float(base_momentum, "base_momentum", minimum=0,
                                            maximum=1, where=where)
        max_momentum = _checks.check_float(max_momentum, "max_momentum", minimum=0, maximum=1,
                                           where=where)
        div_factor = _checks.check_float(div_factor, "div_factor", minimum=0, min_open=True,
                                         where=where)
        final_div_factor = _checks.check_float(final_div_factor, "final_div_factor", minimum=0,
                                               min_open=True, where=where)
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


def _check_positive_int(name: str, value) -> int:
    return _checks.check_int(value, name, minimum=1)


def _check_gamma(gamma) -> float:
    hint = "gamma is the factor the lr is multiplied by"
    if _checks.is_real(gamma) and gamma > 1:
        hint += f"; did you mean {1 / gamma:.3g}?"
    return _checks.check_float(gamma, "gamma", minimum=0, maximum=1, min_open=True, hint=hint)


# -- curves for plotting ---------------------------------------------------------------
def lr_schedule_values(make_scheduler: Callable[[Optimizer], LRScheduler], steps: int,
                       lr: float = 0.1) -> np.ndarray:
    """The lr at steps ``0 .. steps-1`` of a schedule, shape (steps,), without any training.

    ``make_scheduler`` builds the scheduler from an optimizer, for example
    ``lambda opt: StepLR(opt, step_size=10)``; ``lr`` is the optimizer's base lr.
    """
    steps = _check_positive_int("steps", steps)
    _checks.check_callable(make_scheduler, "make_scheduler", where="lr_schedule_values")
    lr = _checks.check_float(lr, "lr", minimum=0, where="lr_schedule_values")
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
