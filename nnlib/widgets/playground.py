"""A neural-network playground inside Jupyter, after TensorFlow Playground's controls.

Data set, noise, train/test ratio, hidden layers, activation, learning rate,
regularisation (none / L1 / L2 and its rate), batch size, and play / pause, step and
reset buttons; the decision boundary and the train/test loss curves are redrawn live.

The model is nnlib's NumPy engine: ``Linear`` layers with the chosen activation, one
output score, sigmoid + binary cross-entropy (``BCEWithLogitsLoss``), mini-batch SGD.

Regularisation follows TensorFlow Playground's convention and touches the weights only
(not the biases):

* L1: penalty ``rate * sum|W|``, adds ``rate * sign(W)`` to each weight gradient;
* L2: penalty ``rate * sum(W**2) / 2``, adds ``rate * W`` (PyTorch's ``weight_decay=rate``).

The loss curves show the data loss (cross-entropy) without the penalty.

Play/pause uses ``ipywidgets.Play``: the browser ticks its value every ``interval`` ms and
each tick trains a few epochs here, so the kernel is never blocked by a loop and no
front-end extension is needed. Code (and tests) drive it with :meth:`Playground.step`,
:meth:`Playground.reset` and the ``controls`` dictionary.
"""

from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np

from nnlib.data import circles, gaussian_blobs, spirals, train_test_split, xor_quadrants
from nnlib.scratch import SGD, BCEWithLogitsLoss, Linear, iterate_minibatches
from nnlib.widgets.core import InteractiveFigure, dropdown, slider
from nnlib.widgets.mlp import ACTIVATIONS, build_mlp, draw_decision_region

DATASETS = ("circle", "XOR", "Gaussian", "spiral")
REGULARIZATIONS = ("none", "L1", "L2")
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REG_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
MAX_LAYERS, MAX_NEURONS = 6, 8
LIMITS = (-1.5, 1.5)  # every data set is scaled to fit in this square
EXPLODED = 3.0  # a training loss this many times its starting value counts as diverged


def make_dataset(name: str, noise: float = 0.0, n: int = 300, seed: int = 0):
    """One of the playground's data sets, scaled to about [-1, 1]^2: ``X`` (n, 2), ``y`` (n,).

    ``noise`` is the standard deviation of the Gaussian noise relative to the data's radius
    (for "Gaussian" it widens the two clusters instead).
    """
    if name == "circle":
        return circles(n=n, noise=noise, factor=0.5, seed=seed)
    if name == "XOR":
        return xor_quadrants(n=n, noise=noise, seed=seed)
    if name == "Gaussian":
        X, y = gaussian_blobs(n=n, centers=2, std=3.0 * (0.2 + noise), seed=seed)
        return X / 3.0, y
    if name == "spiral":
        X, y = spirals(n=n, noise=3.0 * noise, seed=seed)
        return X / 3.0, y
    raise ValueError(f"dataset must be one of {DATASETS}, got {name!r}")


def parse_hidden_layers(text: str) -> list[int]:
    """``"4, 2"`` -> ``[4, 2]``; an empty string means no hidden layer (logistic regression)."""
    parts = str(text).replace(",", " ").split()
    try:
        sizes = [int(p) for p in parts]
    except ValueError:
        raise ValueError(f"hidden layers must be whole numbers separated by commas, like "
                         f"'4, 2'; got {text!r}") from None
    if len(sizes) > MAX_LAYERS or any(not 1 <= s <= MAX_NEURONS for s in sizes):
        raise ValueError(f"use at most {MAX_LAYERS} hidden layers of 1 to {MAX_NEURONS} "
                         f"neurons each, got {text!r}")
    return sizes


def _choice(description: str, values, value) -> widgets.Dropdown:
    return widgets.Dropdown(options=[(f"{v:g}", v) for v in values], value=value,
                            description=description)


class Playground(InteractiveFigure):
    """TensorFlow-Playground-style trainer: controls, buttons, live boundary and losses.

    ``step(epochs)`` trains and redraws; ``reset()`` puts back the initial weights (same seed)
    and clears the history. Changing the data set, noise, ratio, layers or activation
    resets; the learning rate, regularisation and batch size apply from the next step.
    ``history`` holds ``{"epoch", "train", "test"}`` lists (one entry per epoch).
    """

    def __init__(self, dataset: str = "circle", *, noise: float = 0.05,
                 train_ratio: float = 0.5, hidden: str = "4, 2", activation: str = "tanh",
                 lr: float = 0.1, regularization: str = "none", reg_rate: float = 0.0,
                 batch_size: int = 10, n_points: int = 300, epochs_per_tick: int = 5,
                 interval_ms: int = 250, seed: int = 0):
        self.n_points, self.seed = n_points, seed
        self.epochs_per_tick = epochs_per_tick
        self.epoch, self.diverged = 0, False
        self.history: dict[str, list] = {"epoch": [], "train": [], "test": []}
        self.model = self.optimizer = None
        self._data_key = self._model_key = None
        self._hidden = parse_hidden_layers(hidden)
        self._note = ""
        self.loss_fn = BCEWithLogitsLoss()
        controls = {
            "dataset": dropdown("data", DATASETS, dataset),
            "noise": slider("noise", noise, 0.0, 0.5, 0.05),
            "train_ratio": slider("train ratio", train_ratio, 0.1, 0.9, 0.1),
            "hidden": widgets.Text(hidden, description="hidden", continuous_update=False,
                                   placeholder="e.g. 4, 2"),
            "activation": dropdown("activation", list(ACTIVATIONS), activation),
            "lr": _choice("learning rate", LEARNING_RATES, lr),
            "regularization": dropdown("regularise", REGULARIZATIONS, regularization),
            "reg_rate": _choice("reg. rate", REG_RATES, reg_rate),
            "batch_size": slider("batch size", batch_size, 1, 30, 1, integer=True),
        }
        self.play_button = widgets.Play(value=0, min=0, max=10**9, step=1, interval=interval_ms,
                                        description="play", show_repeat=False)
        self.step_button = widgets.Button(description="step", tooltip="train one epoch")
        self.reset_button = widgets.Button(description="reset", tooltip="new start")
        super().__init__(self._draw, controls, figsize=(9.0, 3.8),
                         title="Neural-network playground")
        self.widget.children = (self.widget.children[:1]
                                + (widgets.HBox([self.play_button, self.step_button,
                                                 self.reset_button]),)
                                + self.widget.children[1:])
        self.play_button.observe(self._on_tick, names="value")
        self.step_button.on_click(lambda _: self.step())
        self.reset_button.on_click(lambda _: self.reset())

    # -- actions -----------------------------------------------------------------------
    def step(self, epochs: int = 1) -> str | None:
        """Train ``epochs`` epochs (passes over the training set), redraw; returns the status."""
        self._train(epochs)
        self.update()
        return self.last_status

    def reset(self) -> str | None:
        """Initial weights again (same seed), epoch 0, empty history; pauses playing."""
        self.pause()
        self._model_key = None  # forces a rebuild in the next draw
        self.update()
        return self.last_status

    def play(self) -> None:
        self.play_button.playing = True

    def pause(self) -> None:
        self.play_button.playing = False

    def _on_tick(self, _change) -> None:
        if self.play_button.playing:
            self.step(self.epochs_per_tick)

    # -- state -------------------------------------------------------------------------
    def _sync(self, dataset, noise, train_ratio, hidden, activation) -> None:
        """Rebuild data and model if their controls changed."""
        try:
            self._hidden = parse_hidden_layers(hidden)
            self._note = ""
        except ValueError as exc:
            self._note = f"{exc}; keeping {', '.join(map(str, self._hidden)) or 'none'}. "
        data_key = (dataset, round(noise, 6), round(train_ratio, 6))
        if data_key != self._data_key:
            X, y = make_dataset(dataset, noise, self.n_points, seed=self.seed)
            (self.X_train, self.X_test,
             self.y_train, self.y_test) = train_test_split(X, y, test_fraction=1 - train_ratio,
                                                           seed=self.seed)
            self._data_key = data_key
        model_key = (data_key, tuple(self._hidden), activation)
        if model_key != self._model_key:
            self.model = build_mlp([2, *self._hidden, 1], activation, rng=self.seed)
            self.optimizer = SGD(self.model.parameters(), lr=0.0)
            self.batch_rng = np.random.default_rng(self.seed)
            self.epoch, self.diverged = 0, False
            self.history = {"epoch": [], "train": [], "test": []}
            self._model_key = model_key
            self._record()

    def _losses(self) -> tuple[float, float]:
        with np.errstate(all="ignore"):
            train = self.loss_fn(self.model(self.X_train), self.y_train[:, None].astype(float))
            test = self.loss_fn(self.model(self.X_test), self.y_test[:, None].astype(float))
        return train, test

    def _record(self) -> None:
        try:
            train, test = self._losses()
        except (ValueError, FloatingPointError):  # activations overflowed
            train = test = math.inf
        self.history["epoch"].append(self.epoch)
        self.history["train"].append(train)
        self.history["test"].append(test)
        if not (math.isfinite(train) and math.isfinite(test)):
            self.diverged = True

    def _train(self, epochs: int) -> None:
        if self.diverged or self.model is None:
            return
        values = self.values
        self.optimizer.lr = float(values["lr"])
        rate = float(values["reg_rate"]) if values["regularization"] != "none" else 0.0
        weights = [layer.weight for layer in self.model if isinstance(layer, Linear)]
        targets = self.y_train[:, None].astype(float)
        try:
            for _ in range(int(epochs)):
                with np.errstate(all="ignore"):
                    for xb, yb in iterate_minibatches(self.X_train, targets,
                                                      int(values["batch_size"]),
                                                      rng=self.batch_rng):
                        self.optimizer.zero_grad()
                        self.loss_fn(self.model(xb), yb)
                        self.model.backward(self.loss_fn.backward())
                        for w in weights:
                            if values["regularization"] == "L1":
                                w.grad += rate * np.sign(w.data)
                            elif values["regularization"] == "L2":
                                w.grad += rate * w.data
                        self.optimizer.step()
                self.epoch += 1
                self._record()
                if self.diverged or self.loss_exploded:
                    break
        except (ValueError, FloatingPointError):  # NaN/inf reached a layer's input check
            self.diverged = True
            self.history["epoch"].append(self.epoch)
            self.history["train"].append(math.inf)
            self.history["test"].append(math.inf)
        if self.diverged or self.loss_exploded:
            self.pause()

    @property
    def loss_exploded(self) -> bool:
        """The training loss is more than ``EXPLODED`` times its value at epoch 0."""
        train = self.history["train"]
        return len(train) > 1 and train[-1] > EXPLODED * train[0]

    # -- drawing -----------------------------------------------------------------------
    def _draw(self, fig, dataset, noise, train_ratio, hidden, activation, lr, regularization,
              reg_rate, batch_size) -> str:
        self._sync(dataset, noise, train_ratio, hidden, activation)
        fig.set_layout_engine("none")  # fixed margins: constrained layout doubles redraw time
        ax_data, ax_loss = fig.subplots(1, 2, width_ratios=[1, 1.3], gridspec_kw=dict(
            left=0.07, right=0.98, bottom=0.13, top=0.92, wspace=0.22))
        arch = " → ".join(map(str, [2, *self._hidden, 1]))
        points = dict(xlim=LIMITS, ylim=LIMITS, test_points=(self.X_test, self.y_test))
        if not self.diverged:
            try:
                draw_decision_region(ax_data, self.model, self.X_train, self.y_train, **points)
                ax_data.set_title(f"{dataset}, epoch {self.epoch}", fontsize=11)
            except (ValueError, FloatingPointError):  # overflow on the grid: huge weights
                ax_data.clear()
                self.diverged = True
        if self.diverged:
            draw_decision_region(ax_data, _Constant(), self.X_train, self.y_train, **points)
            ax_data.set_title("diverged", color="tab:red", fontsize=11)
        ax_data.set_aspect("equal")
        epochs = np.array(self.history["epoch"])
        for name, style in (("train", "-"), ("test", "--")):
            losses = np.array(self.history[name], dtype=float)
            ok = np.isfinite(losses)
            ax_loss.plot(epochs[ok], losses[ok], style, lw=2, label=f"{name} loss")
        ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss", ylim=(0, None))
        ax_loss.set_title(f"{arch} ({self.model.num_parameters()} parameters), {activation}",
                          fontsize=11)
        ax_loss.legend(loc="upper right", fontsize=9, framealpha=0.8)
        ax_loss.grid(alpha=0.3)
        if self.diverged:
            return (f"{self._note}diverged at epoch {self.epoch}: the loss became inf/NaN; "
                    f"learning rate {lr:g} is too large: lower it and press reset")
        train, test = self.history["train"][-1], self.history["test"][-1]
        if self.loss_exploded:
            return (f"{self._note}diverged at epoch {self.epoch}: the training loss {train:.3f} "
                    f"is over {EXPLODED:g}× its starting value {self.history['train'][0]:.3f}; "
                    f"learning rate {lr:g} is too large: lower it and press reset")
        return (f"{self._note}epoch {self.epoch}  train loss {train:.3f}  test loss {test:.3f}  "
                f"test accuracy {self.test_accuracy():.0%}")

    def test_accuracy(self) -> float:
        """Fraction of test points on the right side of the boundary (0 if diverged)."""
        if self.diverged:
            return 0.0
        with np.errstate(all="ignore"):
            scores = self.model(self.X_test)[:, 0]
        return float(np.mean((scores > 0) == (self.y_test == 1)))


class _Constant:
    """A stand-in model scoring 0 everywhere (probability 0.5): drawn after divergence."""

    def __call__(self, X):
        return np.zeros((len(X), 1))
