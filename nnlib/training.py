"""Training PyTorch models: ``fit``, ``evaluate``, ``predict``, live curves, checkpoints.

Every step of :func:`fit` is the loop of notebook 07, plus the pieces a real project needs::

    optimizer.zero_grad()
    loss = loss_fn(model(x), y)          # forward
    loss.backward()                      # backward: fills every p.grad
    clip_grad_norm_(params, max_norm)    # (optional) cap the gradient's total norm
    optimizer.step()                     # update
    scheduler.step()                     # (optional) per batch or per epoch

It records a :class:`History` (per-epoch losses, accuracies, learning rate, gradient
norm), can stop early (:class:`EarlyStopping`), call :class:`Callback` objects (e.g. a
:class:`LivePlot` of the curves), and stops with a ``TrainingDivergedError`` as soon
as the loss becomes NaN or infinite. It runs on CUDA, Apple's MPS or the CPU.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from matplotlib.figure import Figure
from torch import nn

from nnlib.scratch.training import History as _ScratchHistory
from nnlib.scratch.training import TrainingDivergedError
from nnlib.utils import get_device

__all__ = [
    "Callback", "EarlyStopping", "History", "LivePlot", "TrainingDivergedError",
    "confusion_matrix", "evaluate", "fit", "grad_norm", "load_checkpoint",
    "plot_confusion_matrix", "predict", "save_checkpoint",
]

SCHEDULER_STEPS = ("batch", "epoch")
_CLASSIFICATION_LOSSES = (nn.CrossEntropyLoss, nn.NLLLoss)


# -- records ---------------------------------------------------------------------------------
@dataclass
class History(_ScratchHistory):
    """Per-epoch records of :func:`fit` (the same fields as ``nnlib.scratch``'s History).

    train_loss, val_loss: mean loss per example; train_acc, val_acc: fractions in [0, 1]
    (empty when the task is not classification, val_* empty without validation data);
    lr: learning rate at the start of each epoch; grad_norm: mean total gradient norm of
    the epoch's steps, measured before clipping; best_epoch: 0-based index of the lowest
    validation loss; stopped_early: True when :class:`EarlyStopping` ended the run.
    """

    grad_norm: list[float] = field(default_factory=list)

    def plot(self, fig: Figure | None = None, title: str = "",
             gridspec_kw: dict | None = None) -> Figure:
        """Loss (left) and accuracy (right) against the epoch, on ``fig`` or a new Figure.

        ``gridspec_kw`` (e.g. fixed margins) is passed to ``fig.subplots``.
        """
        if fig is None:
            fig = Figure(figsize=(9, 3.2), layout="constrained")
        ax_loss, ax_acc = fig.subplots(1, 2, gridspec_kw=gridspec_kw)
        epochs = range(1, self.epochs + 1)
        curves = [(ax_loss, self.train_loss, self.val_loss, 1.0),
                  (ax_acc, self.train_acc, self.val_acc, 100.0)]
        for ax, train, val, scale in curves:
            if train:
                ax.plot(epochs, [v * scale for v in train], "o-", ms=3, label="train")
            if val:
                ax.plot(epochs[:len(val)], [v * scale for v in val], "s--", ms=3,
                        label="validation")
            if self.best_epoch is not None:
                ax.axvline(self.best_epoch + 1, color="gray", ls=":", lw=1,
                           label=f"best (epoch {self.best_epoch + 1})")
            ax.grid(alpha=0.3)
            if self.epochs:
                ax.set_xlim(0.5, max(self.epochs, 2) + 0.5)
                ax.xaxis.get_major_locator().set_params(integer=True)
                ax.legend(fontsize=9)
            else:
                ax.text(0.5, 0.5, "no epochs yet", ha="center", va="center",
                        transform=ax.transAxes, color="gray")
        losses = [v for v in self.train_loss + self.val_loss if v > 0 and math.isfinite(v)]
        if losses and max(losses) > 50 * min(losses):  # e.g. a loss that blew up
            ax_loss.set_yscale("log")
        ax_loss.set(xlabel="epoch", ylabel="loss", title="loss")
        ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy")
        if title:
            fig.suptitle(title)
        return fig


class Callback:
    """Hooks called by :func:`fit`; override the ones you need.

    ``on_epoch_end`` may return True to stop training after that epoch. A plain
    function ``f(history)`` passed in ``callbacks`` is used as ``on_epoch_end``.
    """

    def on_train_begin(self, epochs: int, batches_per_epoch: int) -> None:
        pass

    def on_batch_end(self, info: dict) -> None:
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


class EarlyStopping:
    """Stop when the validation loss has not improved for ``patience`` epochs.

    An epoch improves when its loss is below ``best - min_delta``. With ``restore_best``
    the model gets back the weights of its best epoch when training ends.
    """

    def __init__(self, patience: int = 5, min_delta: float = 0.0, restore_best: bool = True):
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(f"patience must be a positive integer (epochs to wait), "
                             f"got {patience!r}")
        if not isinstance(min_delta, (int, float)) or not min_delta >= 0:
            raise ValueError(f"min_delta must be a number >= 0, got {min_delta!r}")
        self.patience, self.min_delta, self.restore_best = patience, float(min_delta), restore_best
        self.reset()

    def reset(self) -> None:
        self.best_loss, self.best_epoch, self.bad_epochs = math.inf, None, 0
        self.best_state: dict | None = None

    def step(self, val_loss: float, model: nn.Module | None = None, epoch: int = 0) -> bool:
        """Record epoch ``epoch``'s validation loss; True means "stop now"."""
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.bad_epochs = val_loss, epoch, 0
            if self.restore_best and model is not None:
                self.best_state = copy.deepcopy(model.state_dict())
        else:
            self.bad_epochs += 1
        return self.bad_epochs >= self.patience

    def restore(self, model: nn.Module) -> bool:
        """Load the best weights into ``model``; False if there is nothing to restore."""
        if not self.restore_best or self.best_state is None:
            return False
        model.load_state_dict(self.best_state)
        return True

    def __repr__(self) -> str:
        return (f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}, "
                f"restore_best={self.restore_best})")


# -- the loop --------------------------------------------------------------------------------
def fit(model: nn.Module, train_loader: Iterable, optimizer: torch.optim.Optimizer,
        loss_fn: nn.Module | None = None, *, epochs: int, val_loader: Iterable | None = None,
        scheduler=None, scheduler_step: str = "epoch", device=None,
        clip_grad_norm: float | None = None, early_stopping: EarlyStopping | None = None,
        callbacks: list | None = None, live_plot: bool = False, progress: bool = True,
        verbose: bool | int = True) -> History:
    """Train ``model`` for ``epochs`` passes over ``train_loader``; return a :class:`History`.

    train_loader / val_loader: iterables of ``(inputs, targets)`` batches (DataLoaders).
    loss_fn:        default ``nn.CrossEntropyLoss()``: logits (N, C), integer labels (N,).
    scheduler:      a ``torch.optim.lr_scheduler`` object, stepped after every optimizer step
                    (``scheduler_step="batch"``, e.g. OneCycleLR) or after every epoch
                    (``"epoch"``, e.g. StepLR); ReduceLROnPlateau gets the validation loss.
    device:         where to train; None picks the best available (``get_device()``).
                    The model is moved there, each batch too.
    clip_grad_norm: rescale the gradient when its total norm exceeds this value.
    early_stopping: an :class:`EarlyStopping`; needs ``val_loader``.
    callbacks:      :class:`Callback` objects or functions ``f(history)`` run after each epoch.
    live_plot:      True shows a :class:`LivePlot` of the curves, redrawn every epoch.
    progress:       a tqdm progress bar over the batches (tqdm.auto: a widget in notebooks).
    verbose:        True prints one line per epoch, False nothing, k every k-th epoch.
    """
    loss_fn = nn.CrossEntropyLoss() if loss_fn is None else loss_fn
    _check_fit_args(model, train_loader, optimizer, epochs, val_loader, scheduler,
                    scheduler_step, clip_grad_norm, early_stopping)
    device = torch.device(device) if device is not None else get_device()
    model.to(device)
    if early_stopping is not None:
        early_stopping.reset()
    hooks = [c if isinstance(c, Callback) else _FunctionCallback(c) for c in callbacks or []]
    if live_plot:
        plot = LivePlot()
        plot.display()
        hooks.append(plot)
    batches = _len_or_none(train_loader)
    _check_one_cycle(scheduler, scheduler_step, epochs, batches)
    for hook in hooks:
        hook.on_train_begin(epochs, batches or 0)
    bar = _progress_bar(epochs * batches if batches else None) if progress else None
    parameters = [p for p in model.parameters() if p.requires_grad]
    history = History()
    try:
        for epoch in range(epochs):
            history.lr.append(_lr(optimizer))
            total = _train_one_epoch(model, train_loader, optimizer, loss_fn, device, epoch,
                                     scheduler if scheduler_step == "batch" else None,
                                     clip_grad_norm, parameters, hooks, bar)
            history.train_loss.append(total["loss"] / total["n"])
            history.grad_norm.append(total["grad_norm"] / total["steps"])
            if total["correct"] is not None:
                history.train_acc.append(total["correct"] / total["n"])
            if val_loader is not None:
                val_loss, val_acc = evaluate(model, val_loader, loss_fn, device)
                if not math.isfinite(val_loss):
                    raise _diverged(f"the validation loss became {val_loss}", optimizer,
                                    f"epoch {epoch + 1}")
                history.val_loss.append(val_loss)
                if val_acc is not None:
                    history.val_acc.append(val_acc)
                if val_loss < min(history.val_loss[:-1], default=math.inf):
                    history.best_epoch = epoch
            if scheduler is not None and scheduler_step == "epoch":
                _step_epoch_scheduler(scheduler, history)
            stop = early_stopping is not None and early_stopping.step(
                history.val_loss[-1], model, epoch)
            asked = [bool(hook.on_epoch_end(history)) for hook in hooks]
            if verbose and ((epoch + 1) % int(verbose) == 0 or epoch == epochs - 1 or stop
                            or any(asked)):
                print(_epoch_line(history, epochs))
            if stop:
                history.stopped_early = True
                if verbose:
                    print(f"early stopping: no better validation loss for "
                          f"{early_stopping.patience} epochs")
                break
            if any(asked):
                break
    finally:
        if bar is not None:
            bar.close()
    if early_stopping is not None and early_stopping.restore(model):
        history.best_epoch = early_stopping.best_epoch
        if verbose and early_stopping.best_epoch != history.epochs - 1:
            print(f"restored the weights of epoch {early_stopping.best_epoch + 1} "
                  f"(validation loss {early_stopping.best_loss:.4f})")
    for hook in hooks:
        hook.on_train_end(history)
    return history


def _train_one_epoch(model, loader, optimizer, loss_fn, device, epoch, batch_scheduler,
                     clip_grad_norm, parameters, hooks, bar) -> dict:
    """One pass over ``loader``; returns the summed loss, correct count, examples, norms."""
    model.train()
    total = {"loss": 0.0, "correct": 0, "n": 0, "grad_norm": 0.0, "steps": 0}
    for batch, pair in enumerate(loader):
        x, y = _unpack(pair, "train_loader", device)
        optimizer.zero_grad()
        output = model(x)
        _check_output(output, y, loss_fn, "train_loader")
        loss = loss_fn(output, y)
        loss_value = loss.item()
        if not math.isfinite(loss_value):
            raise _diverged(f"the loss became {loss_value}", optimizer,
                            f"epoch {epoch + 1}, batch {batch + 1}")
        loss.backward()
        if clip_grad_norm is not None:  # returns the norm measured before clipping
            norm = float(torch.nn.utils.clip_grad_norm_(parameters, clip_grad_norm))
        else:
            norm = grad_norm(parameters)
        optimizer.step()
        lr = _lr(optimizer)
        if batch_scheduler is not None:
            batch_scheduler.step()
        n = len(y)
        total["loss"] += loss_value * n
        total["n"] += n
        total["grad_norm"] += norm
        total["steps"] += 1
        correct = _count_correct(output, y)
        total["correct"] = None if correct is None or total["correct"] is None \
            else total["correct"] + correct
        for hook in hooks:
            hook.on_batch_end({"epoch": epoch, "batch": batch, "loss": loss_value,
                               "grad_norm": norm, "lr": lr})
        if bar is not None:
            bar.update(1)
            bar.set_postfix_str(f"epoch {epoch + 1}, loss {loss_value:.3f}", refresh=False)
    if total["n"] == 0:
        raise ValueError("train_loader yielded no batches: check that the dataset is not empty "
                         "(and that drop_last=True is not dropping its only batch)")
    return total


@torch.no_grad()
def evaluate(model: nn.Module, loader: Iterable, loss_fn: nn.Module | None = None,
             device=None) -> tuple[float, float | None]:
    """Mean loss per example and accuracy (a fraction; None if not classification).

    Runs in eval mode (dropout off, BatchNorm running statistics) without gradients on
    ``device`` (None: where the model's parameters are), then restores the model's mode.
    """
    loss_fn = nn.CrossEntropyLoss() if loss_fn is None else loss_fn
    device = _model_device(model) if device is None else torch.device(device)
    was_training = model.training
    model.eval()
    try:
        total_loss, correct, n = 0.0, 0, 0
        for pair in loader:
            x, y = _unpack(pair, "loader", device)
            output = model(x)
            _check_output(output, y, loss_fn, "loader")
            total_loss += loss_fn(output, y).item() * len(y)
            batch_correct = _count_correct(output, y)
            correct = None if batch_correct is None or correct is None \
                else correct + batch_correct
            n += len(y)
    finally:
        model.train(was_training)
    if n == 0:
        raise ValueError("the loader yielded no batches: nothing to evaluate")
    return total_loss / n, (correct / n if correct is not None else None)


@torch.no_grad()
def predict(model: nn.Module, loader: Iterable, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """Predicted classes and true labels for every example: two int64 CPU tensors (N,)."""
    device = _model_device(model) if device is None else torch.device(device)
    was_training = model.training
    model.eval()
    preds, labels = [], []
    try:
        for pair in loader:
            x, y = _unpack(pair, "loader", device)
            output = model(x)
            if output.ndim != 2:
                raise ValueError(f"predict needs class scores of shape (N, C) from the model, "
                                 f"got shape {tuple(output.shape)}")
            preds.append(output.argmax(dim=1).cpu())
            labels.append(y.cpu())
    finally:
        model.train(was_training)
    if not preds:
        raise ValueError("the loader yielded no batches: nothing to predict")
    return torch.cat(preds), torch.cat(labels)


def grad_norm(parameters: Iterable[torch.Tensor]) -> float:
    """Total L2 norm of the gradients of ``parameters`` (as if all were one long vector)."""
    norms = [p.grad.detach().norm() for p in parameters if p.grad is not None]
    if not norms:
        return 0.0
    return float(torch.linalg.vector_norm(torch.stack(norms)))


# -- results ---------------------------------------------------------------------------------
def confusion_matrix(preds, labels, n_classes: int | None = None) -> torch.Tensor:
    """Counts (C, C): row = true class, column = predicted class. preds, labels: (N,) ints."""
    preds, labels = torch.as_tensor(preds).cpu(), torch.as_tensor(labels).cpu()
    if preds.ndim != 1 or labels.shape != preds.shape:
        raise ValueError(f"preds and labels must be 1-D and of the same length, got shapes "
                         f"{tuple(preds.shape)} and {tuple(labels.shape)}")
    if preds.is_floating_point() or labels.is_floating_point():
        raise ValueError("preds and labels must be integer class indices; for scores (N, C) "
                         "use scores.argmax(dim=1)")
    if n_classes is None:
        n_classes = int(max(preds.max(), labels.max())) + 1 if len(preds) else 0
    low = int(min(preds.min(), labels.min())) if len(preds) else 0
    high = int(max(preds.max(), labels.max())) if len(preds) else -1
    if low < 0 or high >= n_classes:
        raise ValueError(f"class indices must be in 0..{n_classes - 1}, got values from {low} "
                         f"to {high}")
    flat = labels.long() * n_classes + preds.long()
    return torch.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def plot_confusion_matrix(matrix, class_names=None, fig: Figure | None = None,
                          title: str = "Confusion matrix") -> Figure:
    """Heat map of a confusion matrix with its counts written in; off-diagonal = mistakes."""
    counts = torch.as_tensor(matrix).cpu().numpy()
    n = len(counts)
    names = [str(c) for c in (class_names if class_names is not None else range(n))]
    if fig is None:
        fig = Figure(figsize=(5.2, 4.6), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(counts, cmap="Blues")
    fig.colorbar(image, ax=ax, shrink=0.8, label="count")
    threshold = counts.max() / 2 if counts.size else 0
    for i in range(n):
        for j in range(n):
            if counts[i, j]:
                ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if counts[i, j] > threshold else "black")
    ax.set(xticks=range(n), yticks=range(n), xlabel="predicted", ylabel="true", title=title)
    ax.set_xticklabels(names)
    ax.set_yticklabels(names)
    return fig


class LivePlot(Callback):
    """Loss and accuracy curves redrawn after every epoch, inside an ipywidgets ``Output``.

    Works in JupyterLab, Colab and VS Code (a PNG drawn with the object API; no ipympl).
    Pass it in ``fit(..., callbacks=[plot])`` after displaying it, or use ``live_plot=True``.
    """

    def __init__(self, figsize: tuple[float, float] = (9, 3.2), dpi: int = 80, every: int = 1):
        import ipywidgets as widgets

        self.figsize, self.dpi, self.every = figsize, dpi, max(1, int(every))
        self.output = widgets.Output()
        self.figure: Figure | None = None
        self.render_count = 0

    def display(self) -> None:
        """Show the (still empty) plot area in the notebook; does nothing outside IPython."""
        from IPython import get_ipython
        from IPython.display import display

        if get_ipython() is not None:
            display(self.output)

    def _ipython_display_(self) -> None:
        self.display()

    def on_epoch_end(self, history: History) -> None:
        if history.epochs % self.every == 0:
            self.draw(history)

    def on_train_end(self, history: History) -> None:
        if history.epochs % self.every != 0:
            self.draw(history)

    def draw(self, history: History) -> Figure:
        """Redraw the curves of ``history`` (shown only inside IPython/Jupyter)."""
        from IPython import get_ipython

        from nnlib.plotting import show

        fig = history.plot(Figure(figsize=self.figsize, dpi=self.dpi, layout="constrained"))
        self.figure = fig
        self.render_count += 1
        if get_ipython() is not None:
            self.output.clear_output(wait=True)
            with self.output:
                show(fig)
        return fig


# -- checkpoints -----------------------------------------------------------------------------
def save_checkpoint(model: nn.Module, path, optimizer: torch.optim.Optimizer | None = None,
                    **metadata) -> None:
    """Save ``model.state_dict()`` (and the optimizer's) plus plain ``metadata`` to ``path``.

    Only tensors and plain Python values (numbers, strings, lists, dicts) are stored, so
    :func:`load_checkpoint` can read the file with ``torch.load(..., weights_only=True)``,
    which never runs code hidden in a file.
    """
    _check_plain(metadata, "metadata")
    checkpoint = {"model": model.state_dict(),
                  "optimizer": optimizer.state_dict() if optimizer is not None else None,
                  "metadata": metadata}
    torch.save(checkpoint, path)


def load_checkpoint(model: nn.Module, path, optimizer: torch.optim.Optimizer | None = None,
                    map_location=None) -> dict:
    """Load weights saved by :func:`save_checkpoint` into ``model`` (and ``optimizer``).

    Reads with ``weights_only=True``. ``map_location`` defaults to the model's device.
    Returns the saved metadata.
    """
    location = _model_device(model) if map_location is None else map_location
    checkpoint = torch.load(path, map_location=location, weights_only=True)
    if not isinstance(checkpoint, dict) or "model" not in checkpoint:
        raise ValueError(f"{Path(path).name} is not a checkpoint from save_checkpoint; for a "
                         "bare state_dict use model.load_state_dict(torch.load(path, "
                         "weights_only=True))")
    try:
        model.load_state_dict(checkpoint["model"])
    except RuntimeError as err:
        raise ValueError(f"the checkpoint {Path(path).name} does not fit this model: build the "
                         f"model with the same layer sizes as the saved one.\n{err}") from None
    if optimizer is not None:
        if checkpoint.get("optimizer") is None:
            raise ValueError(f"{Path(path).name} holds no optimizer state (it was saved without "
                             "optimizer=...)")
        optimizer.load_state_dict(checkpoint["optimizer"])
    return dict(checkpoint.get("metadata") or {})


# -- helpers ---------------------------------------------------------------------------------
def _check_fit_args(model, train_loader, optimizer, epochs, val_loader, scheduler,
                    scheduler_step, clip_grad_norm, early_stopping) -> None:
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
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    for name, loader in (("train_loader", train_loader), ("val_loader", val_loader)):
        if loader is not None and _len_or_none(loader) == 0:
            raise ValueError(f"{name} is empty (it has no batches): check the dataset size")
    if scheduler_step not in SCHEDULER_STEPS:
        raise ValueError(f"scheduler_step must be 'batch' or 'epoch', got {scheduler_step!r}")
    if scheduler is not None and not hasattr(scheduler, "step"):
        raise TypeError(f"scheduler must be a torch.optim.lr_scheduler object, "
                        f"got {type(scheduler).__name__}")
    if clip_grad_norm is not None and not (isinstance(clip_grad_norm, (int, float))
                                           and clip_grad_norm > 0):
        raise ValueError(f"clip_grad_norm must be a positive number (or None), "
                         f"got {clip_grad_norm!r}")
    if early_stopping is not None:
        if not isinstance(early_stopping, EarlyStopping):
            raise TypeError("early_stopping must be an EarlyStopping(patience=...) object, "
                            f"got {type(early_stopping).__name__}")
        if val_loader is None:
            raise ValueError("early stopping watches the validation loss: pass val_loader")


def _check_one_cycle(scheduler, scheduler_step, epochs, batches) -> None:
    """OneCycleLR raises mid-run if stepped more often than it was built for: say so now."""
    if not isinstance(scheduler, torch.optim.lr_scheduler.OneCycleLR) or batches is None:
        return
    steps = epochs * batches if scheduler_step == "batch" else epochs
    if steps > scheduler.total_steps:
        raise ValueError(
            f"OneCycleLR was built for {scheduler.total_steps} steps but fit will step it "
            f"{steps} times (scheduler_step={scheduler_step!r}); build it with "
            f"epochs={epochs}, steps_per_epoch=len(train_loader) and use scheduler_step='batch'")


def _step_epoch_scheduler(scheduler, history: History) -> None:
    if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
        scheduler.step(history.val_loss[-1] if history.val_loss else history.train_loss[-1])
    else:
        scheduler.step()


def _unpack(pair, name: str, device) -> tuple[torch.Tensor, torch.Tensor]:
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        what = f"a {type(pair).__name__} of {len(pair)}" if isinstance(pair, (tuple, list)) \
            else f"a {type(pair).__name__}"
        raise ValueError(f"{name} must yield (inputs, targets) pairs, got {what}")
    x, y = pair
    if not (isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor)):
        raise TypeError(f"{name} must yield torch tensors, got {type(x).__name__} and "
                        f"{type(y).__name__} (wrap arrays with torch.from_numpy / TensorDataset)")
    return x.to(device, non_blocking=True), y.to(device, non_blocking=True)


def _check_output(output: torch.Tensor, y: torch.Tensor, loss_fn, name: str) -> None:
    """Clear messages for the usual shape mistakes with integer class labels."""
    if not isinstance(output, torch.Tensor):
        raise TypeError(f"the model must return a tensor, got {type(output).__name__}")
    if len(output) != len(y):
        raise ValueError(f"the model returned {len(output)} rows for a batch of {len(y)} "
                         f"examples from {name} (output shape {tuple(output.shape)}); it must "
                         "keep the batch dimension first")
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


def _model_device(model: nn.Module) -> torch.device:
    first = next(model.parameters(), None)
    return first.device if first is not None else torch.device("cpu")


def _diverged(what: str, optimizer, where: str) -> TrainingDivergedError:
    lr = _lr(optimizer)
    return TrainingDivergedError(
        f"training diverged at {where}: {what} with learning rate {lr:g}; try a smaller "
        f"learning rate (e.g. {lr / 10:g}) or gradient clipping (clip_grad_norm=1.0)")


def _progress_bar(total: int | None):
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="batch", leave=False)


def _epoch_line(history: History, epochs: int) -> str:
    width = len(str(epochs))
    parts = [f"epoch {history.epochs:>{width}}/{epochs}",
             f"train loss {history.train_loss[-1]:.4f}"]
    if history.train_acc:
        parts.append(f"acc {100 * history.train_acc[-1]:5.1f} %")
    if history.val_loss:
        parts.append(f"| val loss {history.val_loss[-1]:.4f}")
    if history.val_acc:
        parts.append(f"acc {100 * history.val_acc[-1]:5.1f} %")
    parts.append(f"| lr {history.lr[-1]:.3g}")
    return "  ".join(parts)


def _check_plain(value, where: str) -> None:
    """Only what ``torch.load(weights_only=True)`` can read back."""
    if value is None or isinstance(value, (bool, int, float, str, torch.Tensor)):
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_plain(item, f"{where}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, (str, int)):
                raise TypeError(f"{where} keys must be strings or ints, got {key!r}")
            _check_plain(item, f"{where}[{key!r}]")
        return
    raise TypeError(f"{where} holds a {type(value).__name__}; a checkpoint stores only tensors "
                    "and plain Python values (numbers, strings, lists, dicts) so that it can be "
                    "loaded safely with weights_only=True. Convert it first (e.g. float(x), "
                    "x.tolist())")
