"""Training models whose step is not ``loss_fn(model(x), y)``: GANs, VAEs, diffusion.

A GAN step updates two networks, a VAE step samples noise, a diffusion step samples time
steps: each model gets a *step function* ``step_fn(batch) -> {"name": float, ...}`` that does
its own forward, backward and optimizer steps, and :func:`train_steps` runs it ``steps``
times. It is a thin use of ``nnlib.train.core.run_steps`` (``step_fn=``), the loop under
``fit``: that loop moves batches to ``device``, checks every value (a NaN or infinity stops
training with ``TrainingDivergedError``), records it, prints averages every ``log_every``
steps (4 decimals, so the text repeats on any CPU), runs callbacks and a progress bar.
A step function with a second argument, ``step_fn(batch, ctx)``, also gets the loop's
:class:`~nnlib.train.core.StepContext`: ``with ctx.autocast():``, ``ctx.backward(loss)``,
``ctx.step(optimizer)`` give it mixed precision, gradient clipping and ``on_before_step``
callbacks (``nnlib.models.gan.gan_train_step(..., ctx=ctx)`` does so). Steps of NumPy models
(``nnlib.scratch``) work too: no tensor, nothing moved, the step does its own updates.

:func:`minibatches` gives endless shuffled mini-batches of an array or tensor, epoch after
epoch, from its own seeded generator.

Two step-counting entry points, one meaning each: :func:`train_steps` runs *your* step
function; ``nnlib.models.rnn.train_with_adam(model, batch_fn, loss_fn, steps)`` is the usual
step (Adam, gradient clipping) on ``loss_fn(model, x, y)``; ``nnlib.train.fit`` counts epochs.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable, Iterable

import numpy as np

from nnlib._checks import check_bool, check_callable, check_int, check_seed, describe
from nnlib.train.core import progress_bar, run_steps
from nnlib.train.precision import Precision, setup_precision
from nnlib.train_common import as_callbacks


class StepHistory(dict):
    """name -> list of per-step values, plus ``steps`` and wall-clock ``seconds``."""

    steps: int = 0
    seconds: float = 0.0

    def last_mean(self, name: str, k: int = 50) -> float:
        """Mean of the last ``k`` recorded values of ``name``."""
        k = check_int(k, "k", minimum=1, where="StepHistory.last_mean")
        if not isinstance(name, str):
            raise TypeError(f"last_mean: name must be the str name of a recorded value such as "
                            f"'loss', got {describe(name)}")
        if name not in self:
            raise KeyError(f"no values named {name!r}; recorded: {sorted(self)}")
        return float(np.mean(self[name][-k:]))


def minibatches(data, batch_size: int, *, seed: int = 0, drop_last: bool = True):
    """Endless shuffled batches of ``data`` (array or tensor, examples on axis 0).

    ``data`` may also be a tuple of such arrays (e.g. ``(x, y)``); batches are then tuples.
    """
    arrays = data if isinstance(data, tuple) else (data,)
    if not arrays or not all(hasattr(a, "shape") and len(a.shape) for a in arrays):
        raise TypeError("minibatches: data must be an array or tensor with examples on axis 0 "
                        f"(or a tuple of them), got {describe(data)}")
    if len({len(a) for a in arrays}) > 1:
        raise ValueError("minibatches: the arrays in data must have the same number of rows, "
                         f"got {[len(a) for a in arrays]}")
    if len(arrays[0]) == 0:
        raise ValueError("minibatches: data is empty (0 rows)")
    seed = check_seed(seed, where="minibatches", optional=False)
    drop_last = check_bool(drop_last, "drop_last", where="minibatches")
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
                log_every: int = 0, prefix: str = "", device=None,
                precision: str | Precision = "auto", clip_grad_norm: float | None = None,
                callbacks: Iterable = (), progress: bool = False) -> StepHistory:
    """Call ``step_fn(batch)`` (or ``step_fn(batch, ctx)``) ``steps`` times; return the values.

    batches:        an iterator/iterable of batches (e.g. :func:`minibatches`; a finite
                    iterable is restarted when it runs out) or a function ``step -> batch``.
    log_every:      print the mean of each value over the last ``log_every`` steps (0: silent).
    device:         move each batch's tensors there (None: leave them where they are).
    precision, clip_grad_norm: what ``ctx.autocast()`` and ``ctx.step(optimizer)`` do (mixed
                    precision needs a CUDA ``device``; see ``nnlib.train.precision``).
    callbacks:      ``Callback`` objects: ``on_before_step`` (in ``ctx.step``) and
                    ``on_batch_end(info)`` (``info["values"]`` holds the step's values; return
                    True to stop).
    progress:       a tqdm progress bar.
    """
    check_callable(step_fn, "step_fn", where="train_steps")
    steps = check_int(steps, "steps", minimum=1, where="train_steps")
    log_every = check_int(log_every, "log_every", minimum=0, where="train_steps")
    if isinstance(batches, (str, bytes)):
        raise TypeError(f"train_steps: batches must be an iterable of batches or a function "
                        f"step -> batch, got {describe(batches)}")
    step = step_fn if _takes_context(step_fn) else (lambda batch, ctx: step_fn(batch))
    source = (batches(k) for k in itertools.count(1)) if callable(batches) \
        else _cycle(batches)
    precision = setup_precision(device if device is not None else "cpu",
                                precision if device is not None else "float32")
    bar = progress_bar(steps, progress, unit="step")
    try:
        stats = run_steps(None, source, step_fn=step, steps=steps, precision=precision,
                          clip_grad_norm=clip_grad_norm, hooks=as_callbacks(callbacks), bar=bar,
                          move_to_device=device is not None, log_every=log_every,
                          log_prefix=prefix, advice=" or check the data", name="batches")
    finally:
        if bar is not None:
            bar.close()
    history = StepHistory(stats.values)
    history.steps, history.seconds = stats.steps, stats.seconds
    return history


def _takes_context(step_fn) -> bool:
    """Does ``step_fn`` accept a second positional argument (the StepContext)?"""
    try:
        parameters = inspect.signature(step_fn).parameters.values()
    except (TypeError, ValueError):      # some builtins have no signature: one argument
        return False
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in parameters)


def _cycle(batches: Iterable):
    """The batches of ``batches`` forever, restarting a finite iterable when it runs out."""
    if not isinstance(batches, Iterable):
        raise TypeError(f"train_steps: batches must be an iterable of batches or a function "
                        f"step -> batch, got {type(batches).__name__}")
    iterator = iter(batches)
    while True:
        try:
            yield next(iterator)
        except StopIteration:
            iterator = iter(batches)
            try:
                yield next(iterator)
            except StopIteration:
                raise ValueError("train_steps: batches is empty") from None
