"""One small loop for models whose training step is not ``loss_fn(model(x), y)``.

A GAN step updates two networks, a VAE step samples noise, a diffusion step samples time
steps: each model gets a *step function* ``step_fn(batch) -> {"name": float, ...}`` that does
its own forward, backward and optimizer steps, and :func:`train_steps` drives it, for NumPy
(``nnlib.scratch``) and PyTorch models alike. It records every value, prints averages every
``log_every`` steps (4 decimals, so the text repeats on any CPU), and stops with
``TrainingDivergedError`` when a value becomes NaN or infinite.

:func:`minibatches` gives endless shuffled mini-batches of an array or tensor, epoch after
epoch, from its own seeded generator.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable

import numpy as np

from nnlib._checks import check_callable, check_int
from nnlib.errors import TrainingDivergedError


class StepHistory(dict):
    """name -> list of per-step values, plus ``steps`` and wall-clock ``seconds``."""

    steps: int = 0
    seconds: float = 0.0

    def last_mean(self, name: str, k: int = 50) -> float:
        """Mean of the last ``k`` recorded values of ``name``."""
        if name not in self:
            raise KeyError(f"no values named {name!r}; recorded: {sorted(self)}")
        return float(np.mean(self[name][-k:]))


def minibatches(data, batch_size: int, *, seed: int = 0, drop_last: bool = True):
    """Endless shuffled batches of ``data`` (array or tensor, examples on axis 0).

    ``data`` may also be a tuple of such arrays (e.g. ``(x, y)``); batches are then tuples.
    """
    arrays = data if isinstance(data, tuple) else (data,)
    n = len(arrays[0])
    batch_size = check_int(batch_size, "batch_size", minimum=1, maximum=n, where="minibatches")
    rng = np.random.default_rng(seed)
    while True:
        order = rng.permutation(n)
        stop = n - batch_size + 1 if drop_last else n
        for start in range(0, stop, batch_size):
            idx = order[start:start + batch_size]
            if not isinstance(arrays[0], np.ndarray):  # torch tensors take a LongTensor index
                import torch

                idx = torch.from_numpy(idx)
            batch = tuple(a[idx] for a in arrays)
            yield batch if isinstance(data, tuple) else batch[0]


def train_steps(step_fn: Callable[..., dict], batches: Iterable | Callable, *, steps: int,
                log_every: int = 0, prefix: str = "") -> StepHistory:
    """Call ``step_fn(batch)`` ``steps`` times and return the recorded values.

    batches:   an iterator/iterable of batches (e.g. :func:`minibatches`; a finite iterable is
               restarted when it runs out) or a function ``step -> batch``.
    log_every: print the mean of each value over the last ``log_every`` steps (0: silent).
    """
    check_callable(step_fn, "step_fn", where="train_steps")
    steps = check_int(steps, "steps", minimum=1, where="train_steps")
    log_every = check_int(log_every, "log_every", minimum=0, where="train_steps")
    get = batches if callable(batches) else _cycle(batches)
    history = StepHistory()
    start = time.perf_counter()
    for step in range(1, steps + 1):
        values = step_fn(get(step))
        if not isinstance(values, dict):
            raise TypeError(f"train_steps: step_fn must return a dict of floats such as "
                            f"{{'loss': 0.5}}, got {type(values).__name__}")
        for name, value in values.items():
            value = float(value)
            if not math.isfinite(value):
                raise TrainingDivergedError(
                    f"{name} became {value} at step {step}: lower the learning rate(s) "
                    "or check the data")
            history.setdefault(name, []).append(value)
        history.steps = step
        if log_every and (step % log_every == 0 or step == steps):
            window = step % log_every or log_every
            text = "  ".join(f"{name} {np.mean(vals[-window:]):.4f}"
                             for name, vals in history.items())
            print(f"{prefix}step {step:>{len(str(steps))}}/{steps}  {text}")
    history.seconds = time.perf_counter() - start
    return history


def _cycle(batches: Iterable) -> Callable[[int], object]:
    iterator = iter(batches)

    def get(_step):
        nonlocal iterator
        try:
            return next(iterator)
        except StopIteration:
            iterator = iter(batches)
            try:
                return next(iterator)
            except StopIteration:
                raise ValueError("train_steps: batches is empty") from None
    return get
