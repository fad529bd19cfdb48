"""Widget for notebook 08: a training dashboard for an MLP on MNIST.

Choose the learning rate, activation, optimizer, dropout and number of epochs, press
*Train*: a fresh network trains in place with :func:`nnlib.train.fit`, a progress
bar counts the batches and the loss and accuracy curves are redrawn after every epoch.
*Stop* ends the run cleanly after the batch being trained (the epoch so far is validated
and drawn, the network is kept). Moving a control only redraws; nothing trains until the
button is pressed. Code and tests press them with :meth:`TrainingDashboard.train` and
:meth:`TrainingDashboard.stop`. A click in the browser trains in a background thread, so
the kernel can take the Stop click while it trains.

A run whose loss becomes NaN/inf, or climbs above ``diverge_factor * ln(classes)``
(well above the loss of guessing at random), ends with the status "diverged".
"""

from __future__ import annotations

import math
import threading

import ipywidgets as widgets
import torch

from nnlib._checks import (
    check_choice,
    check_device,
    check_float,
    check_int,
    check_iterable,
    check_seed,
    describe,
)
from nnlib.data import mnist_train_val_loaders
from nnlib.models.mlp import MLP
from nnlib.train import Callback, History, TrainingDivergedError, fit
from nnlib.utils import get_device
from nnlib.widgets.core import InteractiveFigure, dropdown, log_slider, slider

OPTIMIZERS = ("SGD", "Momentum", "Adam", "AdamW")
ACTIVATIONS = ("relu", "tanh", "gelu", "sigmoid")


def make_optimizer(name: str, parameters, lr: float) -> torch.optim.Optimizer:
    """A torch optimizer by name ("Momentum" is SGD with momentum 0.9)."""
    check_choice(name, "name", OPTIMIZERS, where="make_optimizer")
    lr = check_float(lr, "lr", minimum=0, min_open=True, where="make_optimizer")
    check_iterable(parameters, "parameters", where="make_optimizer",
                   hint="pass model.parameters()")
    parameters = list(parameters)
    if not parameters or not all(isinstance(p, (torch.Tensor, dict)) for p in parameters):
        raise TypeError(f"make_optimizer: parameters must be the model's parameters (tensors), "
                        f"got {describe(parameters)}; pass model.parameters()")
    if name == "SGD":
        return torch.optim.SGD(parameters, lr=lr)
    if name == "Momentum":
        return torch.optim.SGD(parameters, lr=lr, momentum=0.9)
    if name == "Adam":
        return torch.optim.Adam(parameters, lr=lr)
    if name == "AdamW":
        return torch.optim.AdamW(parameters, lr=lr, weight_decay=0.01)
    raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {name!r}")


class _Button(widgets.Button):
    """A button that knows whether the click being handled came from the browser."""

    from_browser = False

    def _handle_button_msg(self, _, content, buffers):
        if content.get("event", "") == "click":
            self.from_browser = True
            try:
                self.click()
            finally:
                self.from_browser = False


class TrainingDashboard(InteractiveFigure):
    """Controls, a Train button, a progress bar and live loss/accuracy curves.

    train_loader, val_loader: batches of ``(inputs, labels)``; default: the bundled MNIST
    training digits split 3,500 / 500 (the test digits are never used).
    hidden: widths of the hidden layers of the :class:`~nnlib.models.MLP`.
    ``history`` is the :class:`~nnlib.train.History` of the last run, ``model`` its network.
    """

    def __init__(self, train_loader=None, val_loader=None, *, hidden=(128,), n_classes: int = 10,
                 lr: float = 1e-3, activation: str = "relu", optimizer: str = "Adam",
                 dropout: float = 0.2, epochs: int = 5, seed: int = 0, device=None,
                 diverge_factor: float = 3.0):
        where = "TrainingDashboard"
        seed = check_seed(seed, where=where, optional=False)
        n_classes = check_int(n_classes, "n_classes", minimum=2, where=where)
        diverge_factor = check_float(diverge_factor, "diverge_factor", minimum=0, min_open=True,
                                     where=where)
        device = check_device(device, where=where)
        if isinstance(hidden, (list, tuple)):
            hidden = tuple(check_int(h, f"hidden[{i}]", minimum=1, where=where)
                           for i, h in enumerate(hidden))
        else:
            hidden = (check_int(hidden, "hidden", minimum=1, where=where,
                                hint="pass the hidden widths, e.g. (128,)"),)
        for name, loader in (("train_loader", train_loader), ("val_loader", val_loader)):
            if loader is not None:
                check_iterable(loader, name, where=where, hint="pass batches of "
                               "(inputs, labels), e.g. a DataLoader")
        if train_loader is None:
            train_loader, val_loader = mnist_train_val_loaders(seed=seed)
        self.train_loader, self.val_loader = train_loader, val_loader
        for name, loader in (("val_loader", val_loader), ("train_loader", train_loader)):
            first = None if loader is None else next(iter(loader), None)
            if loader is not None and not (
                    isinstance(first, (tuple, list)) and len(first) == 2
                    and all(isinstance(t, torch.Tensor) for t in first) and len(first[0])):
                raise TypeError(f"{where}: {name} must give batches of (inputs, labels) "
                                f"tensors, its first batch is {describe(first)}")
        self.n_inputs = first[0][0].numel()
        self.hidden, self.n_classes, self.seed = hidden, n_classes, seed
        self.device = get_device() if device is None else device
        self.diverge_limit = diverge_factor * math.log(n_classes)
        self.history, self.model = History(), None
        self.diverged, self.training, self.error = False, False, None
        self.stopped, self._stop_requested = False, False
        self._train_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._trained_with: dict | None = None
        self._picture_key: tuple | None = None  # what the curves show (see _draw)
        self._picture_fresh = False
        where = "TrainingDashboard"
        controls = {
            "lr": log_slider("learning rate", lr, -5, 1, arg="lr", where=where),
            "activation": dropdown("activation", ACTIVATIONS, activation, arg="activation",
                                   where=where),
            "optimizer": dropdown("optimizer", OPTIMIZERS, optimizer, arg="optimizer",
                                  where=where),
            "dropout": slider("dropout", dropout, 0.0, 0.8, 0.05, arg="dropout", where=where),
            "epochs": slider("epochs", epochs, 1, 20, 1, integer=True, arg="epochs",
                             where=where),
        }
        self.train_button = _Button(description="Train", button_style="primary",
                                    icon="play", tooltip="train a new network")
        self.stop_button = _Button(description="Stop", icon="stop", disabled=True,
                                   tooltip="stop after the batch being trained")
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="batches")
        self.progress_text = widgets.Label("")
        super().__init__(self._draw, controls, figsize=(9.0, 3.3), layout=None, reuse=True,
                         title="Training dashboard: an MLP on MNIST")
        self.widget.children = (self.widget.children[:2]
                                + (widgets.HBox([self.train_button, self.stop_button,
                                                 self.progress, self.progress_text]),)
                                + self.widget.children[2:])
        self.train_button.on_click(self._on_train_click)
        self.stop_button.on_click(lambda _: self.stop())

    def _on_train_click(self, button) -> None:
        if button.from_browser:  # train in the background: the kernel stays free for Stop
            self._thread = threading.Thread(target=self.train, daemon=True,
                                            name=f"nnlib-train-{id(self):x}")
            self._thread.start()
        else:
            self.train()

    def stop(self) -> None:
        """Ask a running training to stop after the current batch (nothing if none runs)."""
        if self.training:
            self._stop_requested = True
            self.stop_button.disabled = True

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a training started from the browser to end; True if none is running."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not (thread is not None and thread.is_alive())

    # -- the button ------------------------------------------------------------------------
    def train(self) -> str | None:
        """Train a new network with the current settings; returns the final status."""
        if not self._train_lock.acquire(blocking=False):  # already training
            return self.last_status
        settings = self.values
        self.diverged, self.error, self.training = False, None, True
        self.stopped, self._stop_requested = False, False
        self.history = History()
        self.train_button.disabled = True
        self.stop_button.disabled = False
        self.update()  # first feedback at once: "training (...): epoch 0/N"
        try:
            with torch.random.fork_rng(devices=[]):  # the notebook's random state is untouched
                torch.manual_seed(self.seed)
                generator = getattr(self.train_loader, "generator", None)
                if generator is not None:  # same shuffling on every press
                    generator.manual_seed(self.seed)
                self.model = MLP([self.n_inputs, *self.hidden, self.n_classes],
                                 activation=settings["activation"], dropout=settings["dropout"])
                optimizer = make_optimizer(settings["optimizer"], self.model.parameters(),
                                           settings["lr"])
                fit(self.model, self.train_loader, optimizer, epochs=int(settings["epochs"]),
                    val_data=self.val_loader, device=self.device, callbacks=[_Live(self)],
                    progress=False, verbose=False)
        except TrainingDivergedError:
            self.diverged = True
        except Exception as exc:  # shown in the status line, never raised at the learner
            self.error = exc
        finally:
            self.stopped = self._stop_requested
            self.training, self._stop_requested = False, False
            self.train_button.disabled = False
            self.stop_button.disabled = True
            self._trained_with = settings
            self._train_lock.release()
        self.update()
        return self.last_status

    # -- drawing ---------------------------------------------------------------------------
    def _draw(self, fig, lr, activation, optimizer, dropout, epochs) -> str:
        setting = f"{optimizer}, lr {lr:.1e}, {activation}, dropout {dropout:.2f}"
        # the curves change only with the history: a new setting before Train changes the
        # status line alone, and the picture drawn last is kept (no redraw, see _png)
        key = (id(self.history), len(self.history.train_loss), len(self.history.val_loss),
               len(self.history.val_metric), self.diverged)
        if key != self._picture_key or not fig.axes:
            fig.clear()
            fig.set_layout_engine("none")  # fixed margins: constrained layout is slower
            self.history.plot(fig, gridspec_kw=dict(left=0.08, right=0.98, bottom=0.15,
                                                    top=0.9, wspace=0.22))
            ax_loss = fig.axes[0]
            if self.diverged:
                ax_loss.text(0.5, 0.5, "diverged", transform=ax_loss.transAxes, ha="center",
                             va="center", fontsize=20, color="white",
                             bbox={"facecolor": "tab:red", "alpha": 0.8})
            self._picture_key, self._picture_fresh = key, True
        if self.error is not None:
            return f"could not train: {self.error}"
        done = self.history.epochs
        if self.training:  # before anything else: never "press Train" while it trains
            return f"training ({setting}): epoch {done}/{epochs}"
        if self._trained_with is None:
            return f"{setting}: press Train to train a new network"
        changed = self._trained_with != self.values
        prefix = "settings changed, press Train to use them. Last run: " if changed else ""
        last = self._trained_with
        last_setting = (f"{last['optimizer']}, lr {last['lr']:.1e}, {last['activation']}, "
                        f"dropout {last['dropout']:.2f}")
        if self.diverged:
            loss = self.history.train_loss[-1] if self.history.train_loss else math.nan
            return (f"{prefix}diverged at epoch {done + (not self.history.train_loss)} "
                    f"({last_setting}): the training loss reached {loss:.3g}; "
                    "lower the learning rate and press Train again")
        if self.stopped:
            prefix += f"stopped in epoch {done} of {last['epochs']}: "
        if not self.history.train_loss:
            return f"{prefix}{last_setting}: nothing trained"
        if not self.history.val_metric:
            return f"{prefix}{last_setting}: train loss {self.history.train_loss[-1]:.4f}"
        return (f"{prefix}{last_setting}: {done} epochs, validation accuracy "
                f"{100 * self.history.val_metric[-1]:.1f} % (loss {self.history.val_loss[-1]:.4f})")


    def _png(self, fig) -> bytes:
        if not self._picture_fresh and self.png is not None:
            return self.png  # the curves did not change: the same picture
        self._picture_fresh = False
        return super()._png(fig)


class _Live(Callback):
    """Moves the progress bar after each batch and redraws the curves after each epoch."""

    def __init__(self, dashboard: TrainingDashboard):
        self.dashboard = dashboard

    def on_train_begin(self, epochs, batches_per_epoch):
        progress = self.dashboard.progress
        progress.max, progress.value = max(1, epochs * batches_per_epoch), 0
        self.epochs = epochs
        self.dashboard.progress_text.value = f"epoch 1/{epochs}"

    def on_batch_end(self, info):
        self.dashboard.progress.value += 1
        return self.dashboard._stop_requested  # Stop: end the run after this batch

    def on_epoch_end(self, history):
        dash = self.dashboard
        dash.history = history
        dash.progress_text.value = f"epoch {history.epochs}/{self.epochs}"
        if not history.train_loss[-1] <= dash.diverge_limit:  # also catches NaN
            dash.diverged = True
            return True  # stop: more epochs would only waste time
        dash.update()
        return None
