"""The PyTorch training loop: one step loop (:func:`run_steps`) under everything that trains.

Every step is the loop of notebook 07, plus the pieces a real project needs::

    optimizer.zero_grad()
    with precision.autocast():           # (GPU) bf16/fp16 autocast; nothing on a CPU
        loss = loss_fn(model(x), y)      # forward
    precision.backward(loss)             # backward (scaled for fp16): fills every p.grad
    clip_grad_norm_(params, max_norm)    # (optional) cap the gradient's total norm
    precision.step(optimizer)            # update
    scheduler.step()                     # (optional) per batch

:func:`run_steps` runs it for a number of batches with device moves, divergence checks,
callbacks and a tqdm progress bar. :func:`fit` (epochs over a DataLoader, the same signature
as ``nnlib.scratch.fit``), ``nnlib.train.lm.train_lm`` (a language model, also under
DistributedDataParallel), ``nnlib.models.rnn.train_with_adam``,
``nnlib.train.generative.train_steps`` (a step function of your own: GANs, VAEs, diffusion) and
``nnlib.models.transformer_toy.train_toy_transformer`` are all built on it.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import torch
from torch import nn

from nnlib import _checks as checks
from nnlib import train_common as shared
from nnlib._checks import check_callable
from nnlib.errors import ShapeError
from nnlib.train.precision import Precision, setup_precision
from nnlib.utils import get_device

__all__ = ["StepContext", "StepStats", "evaluate", "fit", "grad_norm", "predict", "progress_bar",
           "run_steps"]

ADVICE = " or gradient clipping (clip_grad_norm=1.0)"
_CLASSIFICATION_LOSSES = (nn.CrossEntropyLoss, nn.NLLLoss)
# element-wise losses: torch broadcasts (N, 1) against (N,) to (N, N) with only a warning
_ELEMENTWISE_LOSSES = (nn.MSELoss, nn.L1Loss, nn.HuberLoss, nn.SmoothL1Loss, nn.BCELoss,
                       nn.BCEWithLogitsLoss)


# -- the step loop -----------------------------------------------------------------------------
@dataclass
class StepStats:
    """What :func:`run_steps` saw: every value per step, the lrs, and sums over the batches.

    ``values`` maps a name to its per-step values: ``"loss"`` for the usual step, whatever a
    custom ``step_fn`` returns (``d_loss``, ``g_loss``, ...) otherwise.
    """

    values: dict[str, list[float]] = field(default_factory=dict)
    lrs: list[float] = field(default_factory=list)
    loss_sum: float = 0.0          # sum of loss * batch size
    examples: int = 0
    correct: int | None = 0        # None once a batch is not classification
    grad_norm_sum: float = 0.0
    steps: int = 0
    seconds: float = 0.0           # wall-clock time of the steps
    stopped: bool = False          # a callback asked to stop

    @property
    def losses(self) -> list[float]:
        return self.values.get("loss", [])

    def record(self, values: dict[str, float]) -> None:
        for name, value in values.items():
            self.values.setdefault(name, []).append(value)
        self.steps += 1


class StepContext:
    """The part of one training step that :func:`run_steps` owns, for the step to call.

    ``with ctx.autocast():`` around the forward pass (mixed precision on GPUs),
    ``ctx.backward(loss)`` (scaled for fp16) and ``ctx.step(optimizer)``, which runs the
    callbacks' ``on_before_step``, clips (or measures) the gradient norm and steps the
    optimizer. The usual step of :func:`run_steps` is made of these three; a custom
    ``step_fn(batch, ctx)`` (a GAN: two losses, two optimizers) calls them as often as it
    needs. Everything is a no-op wrapper on a CPU in float32.
    """

    def __init__(self, precision: Precision | None = None, *, clip_grad_norm: float | None = None,
                 hooks: Iterable[shared.Callback] = (), model: nn.Module | None = None,
                 measure_grad_norm: bool = False):
        where = "StepContext"
        checks.check_instance(precision, "precision", Precision,
                              "a Precision (from setup_precision(device, 'auto'))", where=where,
                              optional=True)
        if clip_grad_norm is not None:
            clip_grad_norm = checks.check_float(clip_grad_norm, "clip_grad_norm", minimum=0,
                                                min_open=True, where=where,
                                                hint="the largest gradient norm allowed, or None")
        checks.check_iterable(hooks, "hooks", where=where, hint="a list of Callback objects")
        hooks = list(hooks)
        for i, hook in enumerate(hooks):
            checks.check_instance(hook, f"hooks[{i}]", shared.Callback, "a Callback",
                                  where=where)
        checks.check_instance(model, "model", nn.Module, "a torch.nn.Module", where=where,
                              optional=True)
        self.precision = precision or Precision(torch.device("cpu"))
        self.clip_grad_norm, self.hooks, self.model = clip_grad_norm, hooks, model
        self.measure_grad_norm = checks.check_bool(measure_grad_norm, "measure_grad_norm",
                                                   where=where)
        self.grad_norms: list[float] = []      # one per ``step`` call (NaN if not measured)

    @property
    def device(self) -> torch.device:
        return self.precision.device

    def autocast(self):
        return self.precision.autocast()

    def backward(self, loss: torch.Tensor) -> None:
        self.precision.backward(loss)

    def step(self, optimizer: torch.optim.Optimizer, parameters: Iterable | None = None) -> float:
        """Callbacks, clipping, optimizer step; returns the gradient norm before clipping
        (NaN when neither clipped nor measured). ``parameters`` default to the optimizer's."""
        for hook in self.hooks:
            hook.on_before_step(self.model, optimizer)
        norm = math.nan
        if self.clip_grad_norm is not None or self.measure_grad_norm:
            parameters = list(parameters) if parameters is not None else [
                p for group in optimizer.param_groups for p in group["params"]]
            self.precision.unscale_(optimizer)
            if self.clip_grad_norm is not None:  # returns the norm measured before clipping
                norm = float(nn.utils.clip_grad_norm_(parameters, self.clip_grad_norm))
            else:
                norm = grad_norm(parameters)
        self.precision.step(optimizer)
        self.grad_norms.append(norm)
        return norm


def run_steps(model: nn.Module | None, batches: Iterable,
              optimizer: torch.optim.Optimizer | None = None,
              compute_loss: Callable | None = None, *, step_fn: Callable | None = None,
              steps: int | None = None, precision: Precision | None = None, scheduler=None,
              clip_grad_norm: float | None = None, hooks: list[shared.Callback] = (),
              bar=None, epoch: int = 0, measure_grad_norm: bool = True,
              move_to_device: bool = True, log_every: int = 0, log_prefix: str = "",
              log: Callable[[str], None] = print, name: str = "data",
              advice: str = ADVICE) -> StepStats:
    """Train on ``batches``, at most ``steps`` of them; return the :class:`StepStats`.

    The usual step: batches are pairs ``(x, y)`` and ``compute_loss(model, x, y) -> (loss,
    output or None)`` is the forward pass (``fit`` passes ``loss_fn(model(x), y)``; a GPT
    returns its own loss); run_steps does zero_grad, backward, clipping and the step of
    ``optimizer``.

    A custom step: ``step_fn(batch, ctx) -> {"name": float, ...}`` does the whole step itself
    (a GAN: a discriminator step, then a generator step) and calls ``ctx.autocast()``,
    ``ctx.backward(loss)`` and ``ctx.step(optimizer)`` of its :class:`StepContext`; batches
    may then be anything (tensors, tuples of tensors, NumPy arrays, step numbers);
    ``optimizer`` is optional (only for the lr in messages and ``scheduler``).

    Both: batches (their tensors) are moved to ``precision.device`` (a custom step's only
    if ``move_to_device``); ``scheduler`` (if any) is stepped after every step. A NaN/inf
    loss or value raises ``TrainingDivergedError``. ``hooks`` get ``on_before_step`` and
    ``on_batch_end`` (which may return True to stop); ``bar`` is a tqdm bar to advance;
    ``log_every=k`` calls ``log`` with the mean of every value over the last k steps
    (4 decimals).
    """
    if step_fn is None:
        if optimizer is None or compute_loss is None:
            raise TypeError("run_steps needs an optimizer and compute_loss(model, x, y), or a "
                            "step_fn(batch, ctx) that does the whole step")
        if model is None:
            raise TypeError("run_steps needs the model to train (or a step_fn)")
    else:
        check_callable(step_fn, "step_fn", where="run_steps")
        if compute_loss is not None:
            raise ValueError("run_steps: pass compute_loss or step_fn, not both")
    _check_run_args(model, batches, optimizer, compute_loss, step_fn, steps, precision,
                    scheduler, clip_grad_norm, hooks)
    ctx = StepContext(precision, clip_grad_norm=clip_grad_norm, hooks=hooks, model=model,
                      measure_grad_norm=measure_grad_norm and step_fn is None)
    device = ctx.device
    parameters = [p for p in model.parameters() if p.requires_grad] if step_fn is None else None
    stats = StepStats()
    width = len(str(steps)) if steps is not None else 0
    start = time.perf_counter()
    if model is not None:
        model.train()
    if steps is not None:  # never draw a batch that is not used (it may consume a generator)
        batches = itertools.islice(batches, steps)
    for batch, item in enumerate(batches):
        where = (f"epoch {epoch + 1}, batch {batch + 1}" if steps is None
                 else f"step {batch + 1}")
        lr = _lr(optimizer) if optimizer is not None else math.nan
        if step_fn is None:
            x, y = _unpack(item, name, device)
            optimizer.zero_grad(set_to_none=True)
            with ctx.autocast():
                loss, output = compute_loss(model, x, y)
            loss_value = loss.item()
            if not math.isfinite(loss_value):
                raise shared.diverged_error(f"the loss became {loss_value}", lr, where, advice)
            ctx.backward(loss)
            norm = ctx.step(optimizer, parameters)
            values = {"loss": loss_value}
            n = len(y)
            stats.loss_sum += loss_value * n
            stats.examples += n
            stats.grad_norm_sum += norm
            correct = _count_correct(output, y) if output is not None else None
            stats.correct = None if correct is None or stats.correct is None \
                else stats.correct + correct
        else:
            values = _step_values(step_fn(_to_device(item, device) if move_to_device else item,
                                          ctx), lr, where, advice)
            norm = ctx.grad_norms[-1] if ctx.grad_norms else math.nan
            ctx.grad_norms.clear()
        if scheduler is not None:
            scheduler.step()
        stats.record(values)
        stats.lrs.append(lr)
        first = "loss" if "loss" in values else next(iter(values), None)
        if bar is not None:
            bar.update(1)
            text = f"{first} {values[first]:.3f}" if first is not None else ""
            bar.set_postfix_str(f"epoch {epoch + 1}, {text}" if steps is None else text,
                                refresh=False)
        if log_every and (stats.steps % log_every == 0 or stats.steps == steps):
            window = stats.steps % log_every or log_every
            text = "  ".join(f"{key} {sum(v[-window:]) / len(v[-window:]):.4f}"
                             for key, v in stats.values.items())
            total = f"/{steps}" if steps is not None else ""
            log(f"{log_prefix}step {stats.steps:>{width}}{total}  {text}")
        info = {"epoch": epoch, "batch": batch, "loss": values.get(first, math.nan),
                "grad_norm": norm, "lr": lr, "values": values}
        if any([bool(hook.on_batch_end(info)) for hook in hooks]):
            stats.stopped = True
            break
    stats.seconds = time.perf_counter() - start
    return stats


def _check_run_args(model, batches, optimizer, compute_loss, step_fn, steps, precision,
                    scheduler, clip_grad_norm, hooks) -> None:
    """run_steps's arguments, each named when wrong (not three calls later, inside the loop)."""
    where, custom = "run_steps", step_fn is not None
    checks.check_instance(model, "model", nn.Module, "a torch.nn.Module", where=where,
                          optional=custom)
    checks.check_iterable(batches, "batches", where=where,
                          hint="a DataLoader or a list of (x, y) batches")
    checks.check_instance(optimizer, "optimizer", torch.optim.Optimizer,
                          "a torch.optim optimizer", where=where, optional=custom)
    checks.check_callable(compute_loss, "compute_loss", where=where, optional=custom)
    checks.check_optional_int(steps, "steps", minimum=0, where=where)
    checks.check_instance(precision, "precision", Precision,
                          "a Precision (from setup_precision(device, 'auto'))", where=where,
                          optional=True)
    if scheduler is not None and not callable(getattr(scheduler, "step", None)):
        raise TypeError(f"{where}: scheduler must be a torch.optim.lr_scheduler object or "
                        f"None, got {checks.describe(scheduler)}")
    if clip_grad_norm is not None:
        checks.check_float(clip_grad_norm, "clip_grad_norm", minimum=0, min_open=True,
                           where=where, hint="the largest gradient norm allowed, or None")
    if not isinstance(hooks, (list, tuple)) or not all(
            isinstance(h, shared.Callback) for h in hooks):
        raise TypeError(f"{where}: hooks must be a list of Callback objects, got "
                        f"{checks.describe(hooks)}")


def _step_values(values, lr: float, where: str, advice: str) -> dict[str, float]:
    """A custom step's result as finite floats (a NaN/inf one: TrainingDivergedError)."""
    if not isinstance(values, dict):
        raise TypeError(f"step_fn must return a dict of floats such as {{'loss': 0.5}}, "
                        f"got {type(values).__name__}")
    out = {}
    for key, value in values.items():
        try:
            if isinstance(value, torch.Tensor):  # a loss tensor that requires grad: no warning
                value = value.detach()
            value = float(value)
        except (TypeError, ValueError, RuntimeError):
            raise TypeError(f"step_fn must return a dict of numbers such as {{'loss': 0.5}}; "
                            f"its value for {key!r} is {checks.describe(value)} (use "
                            "loss.item() for a one-number tensor)") from None
        if not math.isfinite(value):
            raise shared.diverged_error(f"{key} became {value}", lr, where, advice)
        out[key] = value
    return out


def _to_device(batch, device):
    """The tensors of ``batch`` (alone, or in a tuple, list or dict) on ``device``."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, (tuple, list)):
        return type(batch)(_to_device(b, device) for b in batch)
    if isinstance(batch, dict):
        return {k: _to_device(v, device) for k, v in batch.items()}
    return batch


def progress_bar(total: int | None, enabled: bool = True, unit: str = "batch"):
    """A ``tqdm.auto`` bar (a widget in notebooks, text with ETA in a terminal), or None."""
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit=unit, leave=False)


def grad_norm(parameters: Iterable[torch.Tensor]) -> float:
    """Total L2 norm of the gradients of ``parameters`` (as if all were one long vector)."""
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    checks.check_iterable(parameters, "parameters", where="grad_norm",
                          hint="e.g. model.parameters()")
    parameters = list(parameters)
    if not all(isinstance(p, torch.Tensor) for p in parameters):
        raise TypeError("grad_norm: parameters must be tensors, e.g. model.parameters(); got "
                        + ", ".join(sorted({type(p).__name__ for p in parameters})))
    norms = [p.grad.detach().norm() for p in parameters if p.grad is not None]
    if not norms:
        return 0.0
    return float(torch.linalg.vector_norm(torch.stack(norms)))


# -- epochs: fit, evaluate, predict ------------------------------------------------------------
def fit(model: nn.Module, data: Iterable, optimizer: torch.optim.Optimizer,
        loss_fn: nn.Module | None = None, *, epochs: int, val_data: Iterable | None = None,
        scheduler=None, early_stopping: shared.EarlyStopping | None = None,
        callbacks: Iterable = (), scheduler_step: str = "epoch",
        clip_grad_norm: float | None = None, device=None,
        precision: str | Precision = "auto", progress: bool = True, live_plot: bool = False,
        verbose: bool | int = True) -> shared.History:
    """Train ``model`` for ``epochs`` passes over ``data``; return a ``History``.

    data, val_data: iterables of ``(inputs, targets)`` batches (DataLoaders).
    loss_fn:        default ``nn.CrossEntropyLoss()``: logits (N, C), integer labels (N,).
    scheduler:      a ``torch.optim.lr_scheduler`` object, stepped after every optimizer step
                    (``scheduler_step="batch"``, e.g. OneCycleLR) or after every epoch
                    (``"epoch"``, e.g. StepLR); ReduceLROnPlateau gets the validation loss.
    early_stopping: an ``EarlyStopping(patience=...)``; needs ``val_data``.
    callbacks:      ``Callback`` objects or functions ``f(history)`` run after each epoch.
    clip_grad_norm: rescale the gradient when its total norm exceeds this value.
    device:         where to train; None picks the best available (``get_device()``).
                    The model is moved there, each batch too.
    precision:      "auto" (bf16 or fp16 autocast on a GPU, float32 on a CPU), "float32",
                    "bfloat16", "float16" (see ``nnlib.train.precision``).
    progress:       a tqdm progress bar over the batches (tqdm.auto: a widget in notebooks).
    live_plot:      True shows a ``LivePlot`` of the curves, redrawn every epoch.
    verbose:        True prints one line per epoch, False nothing, k every k-th epoch.
    """
    loss_fn = nn.CrossEntropyLoss() if loss_fn is None else loss_fn
    _check_fit_args(model, data, optimizer, val_data, scheduler)
    shared.check_common_args(epochs, val_data is not None, scheduler_step, early_stopping,
                             clip_grad_norm)
    _check_loss_fn(loss_fn, "fit")
    checks.check_iterable(data, "data", where="fit",
                          hint="a DataLoader or a list of (x, y) batches")
    if val_data is not None:
        checks.check_iterable(val_data, "val_data", where="fit",
                              hint="a DataLoader or a list of (x, y) batches, or None")
    progress = checks.check_bool(progress, "progress", where="fit")
    live_plot = checks.check_bool(live_plot, "live_plot", where="fit")
    if not isinstance(verbose, bool):
        verbose = checks.check_int(verbose, "verbose", minimum=0, where="fit",
                                   hint="True, False, or k to print every k-th epoch")
    device = checks.check_device(device, where="fit")
    device = device if device is not None else get_device()
    precision = setup_precision(device, precision)
    model.to(device)
    hooks = shared.as_callbacks(callbacks)
    if live_plot:
        from nnlib.train.callbacks import LivePlot

        plot = LivePlot()
        plot.display()
        hooks.append(plot)
    batches = _len_or_none(data)
    _check_one_cycle(scheduler, scheduler_step, epochs, batches)

    def compute_loss(model, x, y):
        output = model(x)
        _check_output(output, y, loss_fn, "data")
        return loss_fn(output, y), output

    bar = progress_bar(epochs * batches if batches else None, progress)

    def train_epoch(epoch: int) -> shared.EpochResult:
        stats = run_steps(model, data, optimizer, compute_loss, precision=precision,
                          scheduler=scheduler if scheduler_step == "batch" else None,
                          clip_grad_norm=clip_grad_norm, hooks=hooks, bar=bar, epoch=epoch)
        if stats.examples == 0:
            raise ValueError("data yielded no batches: check that the dataset is not empty "
                             "(and that drop_last=True is not dropping its only batch)")
        return shared.EpochResult(stats.loss_sum / stats.examples,
                           None if stats.correct is None else stats.correct / stats.examples,
                           stats.grad_norm_sum / stats.steps, stats.stopped)

    def validate(epoch: int):
        return _evaluate(model, val_data, loss_fn, device, "val_data")

    def step_scheduler(history: shared.History) -> None:
        if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            scheduler.step(history.val_loss[-1] if history.val_loss else history.train_loss[-1])
        else:
            scheduler.step()

    try:
        return shared.run_epochs(model, train_epoch, epochs=epochs, history=shared.History(),
                          get_lr=lambda: _lr(optimizer),
                          validate=validate if val_data is not None else None,
                          step_scheduler=step_scheduler if scheduler is not None
                          and scheduler_step == "epoch" else None,
                          early_stopping=early_stopping, hooks=hooks,
                          batches_per_epoch=batches or 0, verbose=verbose, advice=ADVICE)
    finally:
        if bar is not None:
            bar.close()


@torch.no_grad()
def evaluate(model: nn.Module, data: Iterable, loss_fn: nn.Module | None = None, *,
             device=None) -> tuple[float, float | None]:
    """Mean loss per example and accuracy (a fraction; None if not classification).

    Runs in eval mode (dropout off, BatchNorm running statistics) without gradients on
    ``device`` (None: where the model's parameters are), then restores the model's mode.
    """
    loss_fn = nn.CrossEntropyLoss() if loss_fn is None else loss_fn
    _check_eval_args(model, data, loss_fn, "evaluate")
    device = checks.check_device(device, where="evaluate")
    device = model_device(model) if device is None else device

    return _evaluate(model, data, loss_fn, device, "data")


def _evaluate(model, data, loss_fn, device, name: str) -> tuple[float, float | None]:
    """evaluate's loop; ``name`` is the argument the batches came in (data, val_data)."""
    def measure(pair):
        x, y = _unpack(pair, name, device)
        output = model(x)
        _check_output(output, y, loss_fn, name)
        return loss_fn(output, y).item(), _count_correct(output, y), len(y)

    with torch.no_grad():
        return shared.mean_over_batches(model, data, measure)


@torch.no_grad()
def predict(model: nn.Module, data: Iterable, *, device=None
            ) -> tuple[torch.Tensor, torch.Tensor]:
    """Predicted classes and true labels for every example: two int64 CPU tensors (N,)."""
    _check_eval_args(model, data, None, "predict")
    device = checks.check_device(device, where="predict")
    device = model_device(model) if device is None else device
    preds, labels = [], []
    with shared.eval_mode(model):
        for pair in data:
            x, y = _unpack(pair, "data", device)
            output = model(x)
            if output.ndim != 2:
                raise ValueError(f"predict needs class scores of shape (N, C) from the model, "
                                 f"got shape {tuple(output.shape)}")
            preds.append(output.argmax(dim=1).cpu())
            labels.append(y.cpu())
    if not preds:
        raise ValueError("data yielded no batches: nothing to predict")
    return torch.cat(preds), torch.cat(labels)


# -- helpers -----------------------------------------------------------------------------------
def unwrap(model: nn.Module) -> nn.Module:
    """The model inside a DistributedDataParallel (or similar) wrapper."""
    return getattr(model, "module", model)


def model_device(model: nn.Module) -> torch.device:
    first = next(model.parameters(), None)
    return first.device if first is not None else torch.device("cpu")


def _check_fit_args(model, data, optimizer, val_data, scheduler) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError("optimizer must be a torch.optim optimizer such as "
                        f"torch.optim.Adam(model.parameters(), lr=1e-3), "
                        f"got {type(optimizer).__name__}")
    model_params = {id(p) for p in model.parameters()}
    if not any(id(p) in model_params for g in optimizer.param_groups for p in g["params"]):
        raise ValueError("the optimizer holds none of this model's parameters: create it "
                         "with optimizer = ...(model.parameters(), ...) after building the model")
    for name, loader in (("data", data), ("val_data", val_data)):
        if loader is not None and _len_or_none(loader) == 0:
            raise ValueError(f"{name} is empty (it has no batches): check the dataset size")
    if scheduler is not None and not hasattr(scheduler, "step"):
        raise TypeError(f"scheduler must be a torch.optim.lr_scheduler object, "
                        f"got {type(scheduler).__name__}")
    if scheduler is not None and type(scheduler).__module__.startswith("nnlib.scratch"):
        raise TypeError(f"fit: scheduler is a NumPy scheduler (nnlib.scratch."
                        f"{type(scheduler).__name__}), which cannot change a torch optimizer's "
                        "lr; use torch.optim.lr_scheduler's, e.g. "
                        "torch.optim.lr_scheduler.StepLR(optimizer, 10)")
    target = getattr(scheduler, "optimizer", optimizer)
    if scheduler is not None and target is not optimizer:
        raise ValueError("fit: scheduler was built for another optimizer, so the schedule "
                         "would not change this run's lr; build it on the optimizer passed "
                         f"to fit: {type(scheduler).__name__}(optimizer, ...)")


def _check_loss_fn(loss_fn, where: str) -> None:
    """A loss object (or function) of PyTorch's kind: not a class, not a NumPy loss."""
    if isinstance(loss_fn, type):
        raise TypeError(f"{where}: loss_fn is the class {loss_fn.__name__}, not a loss; "
                        f"create one: loss_fn={loss_fn.__name__}()")
    if type(loss_fn).__module__.startswith("nnlib.scratch"):
        raise TypeError(f"{where}: loss_fn is a NumPy loss (nnlib.scratch."
                        f"{type(loss_fn).__name__}), which cannot take torch tensors nor "
                        "backpropagate through them; use torch.nn's, e.g. "
                        "nn.CrossEntropyLoss()")
    checks.check_callable(loss_fn, "loss_fn", where=where, optional=True)


def _check_one_cycle(scheduler, scheduler_step, epochs, batches) -> None:
    """OneCycleLR raises mid-run if stepped more often than it was built for: say so now."""
    if not isinstance(scheduler, torch.optim.lr_scheduler.OneCycleLR) or batches is None:
        return
    steps = epochs * batches if scheduler_step == "batch" else epochs
    if steps > scheduler.total_steps:
        raise ValueError(
            f"OneCycleLR was built for {scheduler.total_steps} steps but fit will step it "
            f"{steps} times (scheduler_step={scheduler_step!r}); build it with "
            f"epochs={epochs}, steps_per_epoch=len(data) and use scheduler_step='batch'")


def _check_eval_args(model, data, loss_fn, where: str) -> None:
    checks.check_instance(model, "model", nn.Module, "a torch.nn.Module", where=where)
    checks.check_iterable(data, "data", where=where,
                          hint="a DataLoader or a list of (x, y) batches")
    _check_loss_fn(loss_fn, where)


def _unpack(pair, name: str, device) -> tuple[torch.Tensor, torch.Tensor]:
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        what = f"a {type(pair).__name__} of {len(pair)}" if isinstance(pair, (tuple, list)) \
            else f"a {type(pair).__name__}"
        raise ValueError(f"{name} must yield (inputs, targets) pairs, got {what}")
    x, y = pair
    if not (isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor)):
        raise TypeError(f"{name} must yield torch tensors, got {type(x).__name__} and "
                        f"{type(y).__name__} (wrap arrays with torch.from_numpy / TensorDataset)")
    if x.ndim == 0 or y.ndim == 0 or len(x) == 0:  # a mean over 0 rows would be NaN
        raise ValueError(f"{name} yielded a batch of shapes {tuple(x.shape)} and "
                         f"{tuple(y.shape)}: a batch needs at least one example on its first "
                         "axis (is the dataset empty, or sliced to nothing?)")
    return x.to(device, non_blocking=True), y.to(device, non_blocking=True)


def _check_output(output: torch.Tensor, y: torch.Tensor, loss_fn, name: str) -> None:
    """Clear messages for the usual shape mistakes with integer class labels."""
    if not isinstance(output, torch.Tensor):
        raise TypeError(f"the model must return a tensor, got {type(output).__name__}")
    if len(output) != len(y):
        raise ValueError(f"the model returned {len(output)} rows for a batch of {len(y)} "
                         f"examples from {name} (output shape {tuple(output.shape)}); it must "
                         "keep the batch dimension first")
    if isinstance(loss_fn, _ELEMENTWISE_LOSSES) and output.shape != y.shape:
        raise ShapeError(f"{type(loss_fn).__name__}: the model's output has shape "
                         f"{tuple(output.shape)} but the targets in {name} have shape "
                         f"{tuple(y.shape)}; they must match exactly (torch would broadcast "
                         "(N, 1) against (N,) and compare every prediction with every "
                         "target): use y.view(-1, 1) or output.squeeze(1)")
    if not isinstance(loss_fn, _CLASSIFICATION_LOSSES) or y.is_floating_point():
        return
    if output.ndim != 2:
        raise ValueError(f"{type(loss_fn).__name__} needs class scores of shape (N, C) from the "
                         f"model, got shape {tuple(output.shape)}")
    n_classes = output.shape[1]
    if len(y) and (int(y.max()) >= n_classes or int(y.min()) < 0):
        raise ValueError(f"the model outputs {n_classes} class scores per example but the labels "
                         f"in {name} go from {int(y.min())} to {int(y.max())}: its last layer "
                         f"needs {int(y.max()) + 1} outputs (e.g. nn.Linear(..., "
                         f"{int(y.max()) + 1}))")


def _count_correct(output: torch.Tensor, y: torch.Tensor) -> int | None:
    """Correct predictions for class scores (N, C) and integer labels (N,), else None."""
    if output.ndim != 2 or output.shape[1] < 2 or y.ndim != 1 or y.is_floating_point():
        return None
    return int((output.argmax(dim=1) == y).sum())


def _lr(optimizer) -> float:
    return float(optimizer.param_groups[0]["lr"])


def _len_or_none(loader) -> int | None:
    try:
        return len(loader)
    except TypeError:
        return None
