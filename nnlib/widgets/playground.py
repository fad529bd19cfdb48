"""A neural-network playground inside Jupyter, after TensorFlow Playground, and a bit beyond.

Controls: data set, noise, train/test ratio, the input features (x₁, x₂, x₁², x₂², x₁x₂,
sin πx₁, sin πx₂), hidden layers, activation, learning rate, regularisation (none / L1 / L2
and its rate), batch size, the engine (nnlib's NumPy engine or PyTorch), and play / pause,
step and reset buttons. The picture shows

* the network as TensorFlow Playground draws it: every input feature and every hidden
  neuron as a small heat map of its output over the input plane, and each weight as a line
  whose thickness is its size and whose colour its sign (blue > 0, orange < 0);
* the network's output as a coloured background (blue: class 1, orange: class 0, white:
  undecided) with the training points (white edge) and test points (black edge);
* the train and test loss against the epoch;
* beyond TFP: the gradient's size at each layer, live (computed on the whole training set
  after every frame), and the engine switch: the same network, the same start and the same
  mini-batches trained by nnlib's NumPy engine or by PyTorch give the same picture.

Training goes through the library's loops: :func:`nnlib.scratch.fit` for the NumPy engine
(regularisation added to the gradients in a callback's ``on_before_step``) and the PyTorch
``fit`` for PyTorch (the penalty added to the loss, which gives the same gradient). The
model is ``Linear`` layers with the chosen activation and one output score, sigmoid + binary
cross-entropy, mini-batch SGD; everything in float64.

Regularisation follows TensorFlow Playground's convention and touches the weights only:
L1 adds ``rate * sign(W)`` to each weight gradient, L2 adds ``rate * W`` (PyTorch's
``weight_decay=rate``). The loss curves show the data loss without the penalty.

Play/pause uses ``ipywidgets.Play``: the browser ticks its value and each tick trains a few
epochs and redraws. Ticks that arrive while a frame is being drawn are merged, so playing
never builds a backlog. Code (and tests) drive it with :meth:`Playground.step`,
:meth:`Playground.reset`, :meth:`Playground.frame` and the ``controls`` dictionary.
"""

from __future__ import annotations

import functools
import math

import ipywidgets as widgets
import numpy as np
from matplotlib.collections import LineCollection

from nnlib._checks import check_array, check_choice, check_instance, check_int, check_seed
from nnlib.data import circles, gaussian_blobs, spirals, train_test_split, xor_quadrants
from nnlib.errors import TrainingDivergedError
from nnlib.plotting import canvas_png
from nnlib.scratch import SGD, BCEWithLogitsLoss, Linear, fit, iterate_minibatches
from nnlib.train_common import Callback
from nnlib.widgets._frame import StampedText
from nnlib.widgets.core import (
    InteractiveFigure,
    PlayControls,
    _axes_cells,
    _redraw_axes,
    dropdown,
    slider,
)
from nnlib.widgets.mlp import ACTIVATIONS, CLASS_COLOURS, build_mlp

DATASETS = ("circle", "XOR", "Gaussian", "spiral")
REGULARIZATIONS = ("none", "L1", "L2")
ENGINES = ("NumPy", "PyTorch")
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REG_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
MAX_LAYERS, MAX_NEURONS = 6, 8
LIMITS = (-1.5, 1.5)  # every data set is scaled to fit in this square
EXPLODED = 3.0  # a training loss this many times its starting value counts as diverged
# name -> (label, function of x1, x2)
FEATURES = {
    "x1": ("x₁", lambda a, b: a),
    "x2": ("x₂", lambda a, b: b),
    "x1sq": ("x₁²", lambda a, b: a * a),
    "x2sq": ("x₂²", lambda a, b: b * b),
    "x1x2": ("x₁x₂", lambda a, b: a * b),
    "sinx1": ("sin πx₁", lambda a, b: np.sin(np.pi * a)),
    "sinx2": ("sin πx₂", lambda a, b: np.sin(np.pi * b)),
}
MAP = 26         # pixels of one neuron's heat map
INPUT_LABEL_ROOM = 40  # pixels left of the input maps, for their labels
OUT_STEP = 4     # the output map is computed every OUT_STEP pixels and interpolated
_ORANGE = np.array([0xf5, 0x93, 0x22], dtype=float)
_BLUE = np.array([0x08, 0x77, 0xbd], dtype=float)
_WHITE = np.array([255.0, 255.0, 255.0])
_BLUE_RGBA, _ORANGE_RGBA = np.append(_BLUE / 255, 1.0), np.append(_ORANGE / 255, 1.0)


def _colour_table(size: int = 2049) -> np.ndarray:
    v = np.linspace(-1.0, 1.0, size)[:, None]
    strength = np.abs(v) ** 0.7  # saturate early: a clearly coloured background
    rgb = np.where(v >= 0, _WHITE + strength * (_BLUE - _WHITE),
                   _WHITE + strength * (_ORANGE - _WHITE))
    return rgb.astype(np.uint8)


_COLOURS = _colour_table()


def _colour_map(values: np.ndarray) -> np.ndarray:
    """Values in [-1, 1] -> RGB uint8: orange (-1), white (0), blue (+1); NaN -> grey.

    A lookup in a table of 2,049 colours (a fraction of the arithmetic per pixel)."""
    values = np.asarray(values, dtype=float)
    nan = np.isnan(values)
    has_nan = bool(nan.any())
    v = np.where(nan, 0.0, values) if has_nan else values
    half = (len(_COLOURS) - 1) / 2
    index = (np.clip(v, -1.0, 1.0) * half + (half + 0.5)).astype(np.intp)
    rgb = _COLOURS[index]
    if has_nan:
        rgb[nan] = 160
    return rgb


def feature_matrix(X: np.ndarray, features) -> np.ndarray:
    """The chosen input features of points ``X`` (N, 2): (N, len(features))."""
    X = check_array(X, "X", ndim=2, last_dim=2, where="feature_matrix", shape_text="(N, 2)")
    check_instance(features, "features", (list, tuple), f"a list of names from "
                   f"{list(FEATURES)}", where="feature_matrix")
    if not features:
        raise ValueError("feature_matrix: features must name at least one input feature")
    for feature in features:
        check_choice(feature, "features", list(FEATURES), where="feature_matrix")
    a, b = X[:, 0], X[:, 1]
    return np.column_stack([FEATURES[f][1](a, b) for f in features])


def make_dataset(name: str, noise: float = 0.0, n: int = 300, seed: int = 0):
    """One of the playground's data sets, scaled to about [-1, 1]^2: ``X`` (n, 2), ``y`` (n,).

    ``noise`` is the standard deviation of the Gaussian noise relative to the data's radius
    (for "Gaussian" it widens the two clusters instead).
    """
    check_choice(name, "dataset", DATASETS, where="make_dataset")
    if name == "circle":
        return circles(n=n, noise=noise, factor=0.5, seed=seed)
    if name == "XOR":
        return xor_quadrants(n=n, noise=noise, seed=seed)
    if name == "Gaussian":
        X, y = gaussian_blobs(n=n, centers=2, std=3.0 * (0.2 + noise), seed=seed)
        return X / 3.0, y
    X, y = spirals(n=n, noise=3.0 * noise, seed=seed)
    return X / 3.0, y


def parse_hidden_layers(text: str) -> list[int]:
    """``"4, 2"`` -> ``[4, 2]``; an empty string means no hidden layer (logistic regression)."""
    check_instance(text, "text", str, "a str such as '4, 2'", where="parse_hidden_layers")
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


def _choice(description: str, values, value, arg: str) -> widgets.Dropdown:
    check_choice(value, arg, values, where="Playground")
    return widgets.Dropdown(options=[(f"{v:g}", v) for v in values], value=value,
                            description=description)


class _Epochs:
    """Mini-batches of the training set, a fresh shuffle (from ``rng``) on every pass."""

    def __init__(self, X, y, batch_size: int, rng: np.random.Generator):
        self.X, self.y, self.batch_size, self.rng = X, y, batch_size, rng

    def __iter__(self):
        return iterate_minibatches(self.X, self.y, self.batch_size, rng=self.rng)

    def __len__(self):
        return -(-len(self.X) // self.batch_size)


class _Regularize(Callback):
    """NumPy engine: adds the L1/L2 gradient to each weight (not bias) before the step."""

    def __init__(self, kind: str, rate: float, weights):
        self.kind, self.rate, self.weights = kind, rate, weights

    def on_before_step(self, model, optimizer):
        for w in self.weights:
            w.grad += self.rate * (np.sign(w.data) if self.kind == "L1" else w.data)


class Playground(PlayControls, InteractiveFigure):
    """TensorFlow-Playground-style trainer: controls, buttons, the network's neurons, the
    decision map, the losses and the gradient per layer, all live.

    ``step(epochs)`` trains and redraws; ``reset()`` puts back the initial weights (same seed)
    and clears the history; ``frame()`` is one animation frame (``epochs_per_tick`` epochs).
    Changing the data set, noise, ratio, features, layers or activation resets; the learning
    rate, regularisation, batch size and engine apply from the next step (switching the engine
    carries the current weights over). ``history`` holds ``{"epoch", "train", "test"}`` lists
    (one entry per epoch) and ``grad_norms`` the gradient norm of each layer's weights.
    """

    def __init__(self, dataset: str = "circle", *, noise: float = 0.05,
                 train_ratio: float = 0.5, hidden: str = "4, 2", activation: str = "tanh",
                 lr: float = 0.1, regularization: str = "none", reg_rate: float = 0.0,
                 batch_size: int = 10, n_points: int = 300, epochs_per_tick: int = 2,
                 interval_ms: int = 50, seed: int = 0, features=("x1", "x2"),
                 engine: str = "NumPy"):
        where = "Playground"
        self.n_points = check_int(n_points, "n_points", minimum=4, where=where)
        self.seed = check_seed(seed, where=where, optional=False)
        self.epochs_per_tick = check_int(epochs_per_tick, "epochs_per_tick", minimum=1,
                                         where=where)
        interval_ms = check_int(interval_ms, "interval_ms", minimum=1, where=where)
        parse_hidden_layers(hidden)  # a bad layer text is an error here, not later
        if isinstance(features, str) or not hasattr(features, "__iter__"):
            raise TypeError(f"{where}: features must be a tuple of feature names such as "
                            f"('x1', 'x2'), got {features!r}")
        features = tuple(features)
        for f in features:
            check_choice(f, "features", tuple(FEATURES), where=where)
        if not features:
            raise ValueError(f"{where}: features must name at least one of {tuple(FEATURES)}")
        self.epoch, self.diverged = 0, False
        self.history: dict[str, list] = {"epoch": [], "train": [], "test": []}
        self.grad_norms: list[float] = []
        self.model = self.optimizer = self.torch_model = None
        self.train_error: Exception | None = None
        self._data_key = self._model_key = self._art_key = None
        self._data_cache: dict[tuple, tuple] = {}
        self._hidden = parse_hidden_layers(hidden)
        self._features = features
        self._note = ""
        self.loss_fn = BCEWithLogitsLoss()
        controls = {
            "dataset": dropdown("data", DATASETS, dataset, arg="dataset", where=where),
            "noise": slider("noise", noise, 0.0, 0.5, 0.05, arg="noise", where=where),
            "train_ratio": slider("train ratio", train_ratio, 0.1, 0.9, 0.1, arg="train_ratio",
                                  where=where),
            "hidden": widgets.Text(hidden, description="hidden layers", continuous_update=False,
                                   placeholder="e.g. 4, 2"),
            "activation": dropdown("activation", list(ACTIVATIONS), activation,
                                   arg="activation", where=where),
            "lr": _choice("learning rate", LEARNING_RATES, lr, "lr"),
            "regularization": dropdown("regularization", REGULARIZATIONS, regularization,
                                       arg="regularization", where=where),
            "reg_rate": _choice("reg. rate", REG_RATES, reg_rate, "reg_rate"),
            "batch_size": slider("batch size", batch_size, 1, 30, 1, integer=True,
                                 arg="batch_size", where=where),
            "engine": dropdown("engine", ENGINES, engine, arg="engine", where=where),
        }
        for name, (label, _) in FEATURES.items():
            controls[f"feature_{name}"] = widgets.ToggleButton(
                value=name in features, description=label, tooltip=f"use {label} as an input",
                layout={"width": "72px"})
        self._add_play_button(interval_ms)
        self.step_button = widgets.Button(description="step", tooltip="train one epoch",
                                          layout={"width": "70px"})
        self.reset_button = widgets.Button(description="reset", tooltip="new start",
                                           layout={"width": "70px"})
        super().__init__(self._draw, controls, figsize=(10.0, 4.0), layout=None, reuse=True,
                         title="Neural-network playground")
        c = self.controls
        feature_row = widgets.HBox([widgets.Label("inputs:")]
                                   + [c[f"feature_{n}"] for n in FEATURES])
        self.control_box.children = [
            widgets.HBox([self.play_button, self.step_button, self.reset_button, c["engine"]]),
            widgets.HBox([c["dataset"], c["noise"], c["train_ratio"], c["batch_size"]],
                         layout={"flex_flow": "row wrap"}),
            widgets.HBox([c["hidden"], c["activation"], c["lr"], c["regularization"],
                          c["reg_rate"]], layout={"flex_flow": "row wrap"}),
            feature_row,
        ]
        self.control_box.layout.flex_flow = "column"
        self.step_button.on_click(lambda _: self.step())
        self.reset_button.on_click(lambda _: self.reset())

    # -- actions -----------------------------------------------------------------------
    def step(self, epochs: int = 1) -> str | None:
        """Train ``epochs`` epochs (passes over the training set), redraw; returns the status."""
        epochs = check_int(epochs, "epochs", minimum=1, where="Playground.step")
        with self._lock:
            self._train(epochs)
            self.update()
        return self.last_status

    def frame(self) -> str | None:
        """One animation frame: ``epochs_per_tick`` epochs, then one redraw."""
        return self.step(self.epochs_per_tick)

    def reset(self) -> str | None:
        """Initial weights again (same seed), epoch 0, empty history; pauses playing."""
        self.pause()
        with self._lock:
            self._model_key = None  # forces a rebuild in the next draw
            self.update()
        return self.last_status

    @property
    def features(self) -> tuple[str, ...]:
        """The input features switched on (at least one: the last one cannot be switched off)."""
        chosen = tuple(n for n in FEATURES if self.controls[f"feature_{n}"].value)
        return chosen or self._features

    # -- state -------------------------------------------------------------------------
    def _sync(self, dataset, noise, train_ratio, hidden, activation) -> None:
        """Rebuild data and model if their controls changed."""
        try:
            self._hidden = parse_hidden_layers(hidden)
            self._note = ""
        except ValueError as exc:
            self._note = f"{exc}; keeping {', '.join(map(str, self._hidden)) or 'none'}. "
        features = self.features
        if features != self._features:
            self._features = features
        data_key = (dataset, round(noise, 6), round(train_ratio, 6))
        if data_key != self._data_key:
            split = self._data_cache.get(data_key)
            if split is None:  # kept: going back to a data set costs nothing
                X, y = make_dataset(dataset, noise, self.n_points, seed=self.seed)
                split = self._data_cache[data_key] = train_test_split(
                    X, y, test_fraction=1 - train_ratio, seed=self.seed)
            self.X_train, self.X_test, self.y_train, self.y_test = split
            self._data_key = data_key
        model_key = (data_key, features, tuple(self._hidden), activation)
        if model_key != self._model_key:
            self.F_train = feature_matrix(self.X_train, features)
            self.F_test = feature_matrix(self.X_test, features)
            self.t_train = self.y_train[:, None].astype(float)
            self.t_test = self.y_test[:, None].astype(float)
            self.model = build_mlp([len(features), *self._hidden, 1], activation, rng=self.seed)
            self.optimizer = SGD(self.model.parameters(), lr=0.0)
            self.torch_model = None
            self.batch_rng = np.random.default_rng(self.seed)
            self.epoch, self.diverged, self.train_error = 0, False, None
            self.history = {"epoch": [], "train": [], "test": []}
            self.grad_norms = []
            self._model_key = model_key
            self._record()
            self._measure_gradients()

    @property
    def artists(self) -> dict:
        """What the last frame drew: axes (``ax_net``, ``ax_out``, ``ax_loss``, ``ax_grad``),
        ``cells`` (one RGB heat map per input feature and neuron), ``lines`` (one per weight),
        ``out_rgb`` (the decision background) and the loss lines (for tests)."""
        return self._canvas_figure.__dict__.get("_nnlib_artists", {})

    @property
    def linears(self) -> list[Linear]:
        return [layer for layer in self.model if isinstance(layer, Linear)]

    def _losses(self) -> tuple[float, float]:
        with np.errstate(all="ignore"):
            train = self.loss_fn(self.model(self.F_train), self.t_train)
            test = self.loss_fn(self.model(self.F_test), self.t_test)
        return float(train), float(test)

    def _record(self) -> None:
        if self._weights_blown():
            train = test = math.inf
        else:
            train, test = self._losses()
        self.history["epoch"].append(self.epoch)
        self.history["train"].append(train)
        self.history["test"].append(test)
        if not (math.isfinite(train) and math.isfinite(test)):
            self.diverged = True

    def _weights_blown(self) -> bool:
        return not all(np.all(np.isfinite(p.data)) for p in self.model.parameters())

    def _measure_gradients(self) -> None:
        """Norm of dL/dW for each layer on the whole training set (data loss only)."""
        if self.diverged or self._weights_blown():
            self.grad_norms = [math.nan] * len(self.linears)
            return
        with np.errstate(all="ignore"):
            self.model.zero_grad()
            self.loss_fn(self.model(self.F_train), self.t_train)
            self.model.backward(self.loss_fn.backward())
            self.grad_norms = [float(np.linalg.norm(w.weight.grad)) for w in self.linears]
            self.model.zero_grad()

    def _train(self, epochs: int) -> None:
        if self.diverged or self.model is None or self.loss_exploded:
            return
        values = self.values
        lr = float(values["lr"])
        kind = values["regularization"]
        rate = float(values["reg_rate"]) if kind != "none" else 0.0
        data = _Epochs(self.F_train, self.t_train, int(values["batch_size"]), self.batch_rng)
        try:
            for _ in range(epochs):  # one epoch per call: the history records each epoch
                if values["engine"] == "PyTorch":
                    self._torch_epoch(data, lr, kind, rate)
                else:
                    self.optimizer.lr = lr
                    self.torch_model = None
                    hooks = [_Regularize(kind, rate, [w.weight for w in self.linears])] \
                        if rate else []
                    fit(self.model, data, self.optimizer, self.loss_fn, epochs=1,
                        callbacks=hooks, metric=None, verbose=False)
                self.epoch += 1
                self._record()
                if self.diverged or self.loss_exploded:
                    break
            self._measure_gradients()
        except TrainingDivergedError:  # the library's verdict: NaN/inf in the loss or weights
            self.diverged = True
            self.history["epoch"].append(self.epoch)
            self.history["train"].append(math.inf)
            self.history["test"].append(math.inf)
            self._measure_gradients()
        except Exception as exc:  # a real bug (a shape error...): said as it is, not "diverged"
            self.train_error = exc
        if self.diverged or self.loss_exploded or self.train_error is not None:
            self.pause()

    # -- the PyTorch engine ------------------------------------------------------------
    def _torch_epoch(self, data: _Epochs, lr: float, kind: str, rate: float) -> None:
        """One epoch with PyTorch (float64, the same start, batches and penalty)."""
        import torch

        from nnlib.train import fit as torch_fit

        if self.torch_model is None:
            self.torch_model = _to_torch(self.model)
        model = self.torch_model
        bce = torch.nn.BCEWithLogitsLoss()
        weights = [m.weight for m in model if isinstance(m, torch.nn.Linear)]

        def loss_fn(output, target):  # the penalty's gradient is rate*sign(W) or rate*W
            loss = bce(output, target)
            if kind == "L1":
                loss = loss + rate * sum(w.abs().sum() for w in weights)
            elif kind == "L2":
                loss = loss + rate * sum((w * w).sum() for w in weights) / 2
            return loss

        batches = [(torch.from_numpy(xb), torch.from_numpy(yb)) for xb, yb in data]
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        with torch.random.fork_rng(devices=[]):
            torch_fit(model, batches, optimizer, loss_fn, epochs=1, device="cpu",
                      progress=False, verbose=False)
        _from_torch(model, self.model)
        if self._weights_blown():
            raise TrainingDivergedError("the weights overflowed to inf/NaN")

    @property
    def loss_exploded(self) -> bool:
        """The training loss is more than ``EXPLODED`` times its value at epoch 0."""
        train = self.history["train"]
        return len(train) > 1 and train[-1] > EXPLODED * train[0]

    # -- drawing -----------------------------------------------------------------------
    def _layer_outputs(self, points: np.ndarray) -> list[np.ndarray]:
        """Each hidden layer's activations and the output score at ``points`` (M, 2)."""
        # float32: the maps are colours, and float32 tanh is several times faster
        h = feature_matrix(points, self._features).astype(np.float32)
        outs = []
        with np.errstate(all="ignore"):
            for i, layer in enumerate(self.model):
                # the layers' arithmetic without their argument checks and input copies
                # (thousands of map points per frame); einsum: for these narrow matrices a
                # multithreaded BLAS product costs several times more CPU
                if isinstance(layer, Linear):
                    h = np.einsum("nd,de->ne", h, layer.weight.data.astype(np.float32))
                    if layer.bias is not None:
                        h += layer.bias.data.astype(np.float32)
                else:
                    plain = _PLAIN.get(type(layer))
                    h = plain(h) if plain is not None else layer(h)
                if not isinstance(layer, Linear) or i == len(self.model) - 1:
                    outs.append(h)
        return outs

    def _build_artists(self, fig) -> dict:
        """Axes and artists, built once per figure size and reused by every frame.

        The neuron maps and the output map are NumPy pixel arrays written straight into the
        canvas; lines, points and text are matplotlib artists blitted over a background that
        is drawn once (see :meth:`_png`). A new network shape (features, hidden layers) only
        re-lays the network out (:meth:`_set_structure`), new data only moves the points.
        """
        fig.clear()
        art: dict = {"fig_height": int(round(fig.bbox.height))}
        ax_net = fig.add_axes((0.005, 0.01, 0.50, 0.91))
        ax_net.set_axis_off()
        left, top, right, bottom = art["net_box"] = _pixel_box(ax_net, art["fig_height"])
        ax_net.set(xlim=(0, right - left), ylim=(bottom - top, 0))
        art["lines"] = LineCollection([])
        ax_net.add_collection(art["lines"])
        art["net_texts"] = []
        grid = np.linspace(*LIMITS, MAP)
        g1, g2 = np.meshgrid(grid, grid[::-1])  # row 0 at the top: x2 largest
        art["map_points"] = np.column_stack([g1.ravel(), g2.ravel()])
        art["ax_net"] = ax_net

        ax_out = fig.add_axes((0.535, 0.11, 0.27, 0.78))
        ax_out.set(xlim=LIMITS, ylim=LIMITS, xticks=(-1, 0, 1), yticks=(-1, 0, 1))
        ax_out.tick_params(labelsize=7, length=2, pad=1)
        left, top, right, bottom = art["out_box"] = _pixel_box(ax_out, art["fig_height"])
        height, width = bottom - top, right - left
        # the output is computed on a grid of one point per OUT_STEP pixels, then
        # interpolated bilinearly to every pixel (two small matrix products)
        rows, cols = -(-height // OUT_STEP) + 1, -(-width // OUT_STEP) + 1
        o1, o2 = np.meshgrid(np.linspace(*LIMITS, cols), np.linspace(LIMITS[1], LIMITS[0], rows))
        art["out_points"] = np.column_stack([o1.ravel(), o2.ravel()])
        art["out_grid"] = (rows, cols)
        art["out_interp"] = (_interpolation(height, rows), _interpolation(width, cols))
        art["out_rgb"] = np.full((height, width, 3), 200, dtype=np.uint8)
        art["points"] = []
        for edge in ("white", "black"):  # training points, test points
            art["points"].append(ax_out.scatter(np.zeros(1), np.zeros(1), s=14, c="white",
                                                edgecolors=edge, linewidths=0.6, zorder=3))
        art["out_title"] = ax_out.set_title("", fontsize=9)
        art["ax_out"] = ax_out

        # losses on fixed axes (epoch / last epoch, loss / largest loss): the axes never
        # change, so they are drawn once; the scale is written in the title
        ax_loss = fig.add_axes((0.855, 0.59, 0.135, 0.30))
        art["train_line"], = ax_loss.plot([], [], "-", lw=1.6, color="0.15", label="train")
        art["test_line"], = ax_loss.plot([], [], "--", lw=1.6, color="tab:red", label="test")
        ax_loss.set(xlim=(0, 1), ylim=(0, 1.05), xticks=(), yticks=())
        ax_loss.set_xlabel("epoch (train —, test --)", fontsize=7, labelpad=1)
        art["loss_title"] = ax_loss.set_title("", fontsize=8)
        art["ax_loss"] = ax_loss

        ax_grad = fig.add_axes((0.855, 0.11, 0.135, 0.32))
        ax_grad.set(xlim=(-8, 1), xticks=(-8, -4, 0))
        ax_grad.set_xticklabels(["1e-8", "1e-4", "1"])
        ax_grad.tick_params(labelsize=7, length=2, pad=1)
        ax_grad.set_title("‖dL/dW‖ per layer", fontsize=8)
        art["ax_grad"] = ax_grad
        art["bars"] = []
        for artist in [art["lines"], *art["points"], art["out_title"], art["train_line"],
                       art["test_line"]]:
            artist.set_animated(True)
        art["sprite"] = None  # the points as pixels, drawn once per data set (see _png)
        art["background"] = None
        art["structure"] = art["data"] = None
        art["dirty"] = set()  # axes to draw again into the kept background
        return art

    def _set_structure(self, art) -> None:
        """Lay out the network for the current features and hidden layers: where each map
        goes, the weight lines' ends, the labels, one gradient bar per layer."""
        columns = [len(self._features), *self._hidden, 1]
        left, top, right, bottom = art["net_box"]
        width_px, height_px = right - left, bottom - top
        # the input labels, right-aligned before the first column, are up to about 31 px wide
        # ("sin πx₁"): INPUT_LABEL_ROOM leaves them a margin to the figure's left edge
        col_x = np.linspace(INPUT_LABEL_ROOM, width_px - MAP - 8, len(columns)).astype(int)
        pos = []  # (x, y) of the top-left corner of each neuron's map, per column
        for c, count in enumerate(columns):
            gap = min(8, max(2, (height_px - 20 - count * MAP) // max(count, 1)))
            total = count * MAP + (count - 1) * gap
            first = 20 + max(0, (height_px - 20 - total) // 2)
            pos.append([(int(col_x[c]), first + k * (MAP + gap)) for k in range(count)])
        art["pos"] = pos
        art["cells"] = np.zeros((sum(columns), MAP, MAP, 3), dtype=np.uint8)
        segments = []  # one per weight, in the order of W.ravel() for each layer
        for c in range(len(columns) - 1):
            start = np.array([(x + MAP, y + MAP / 2) for x, y in pos[c]], dtype=float)
            end = np.array([(x, y + MAP / 2) for x, y in pos[c + 1]], dtype=float)
            pairs = np.stack(np.broadcast_arrays(start[:, None], end[None, :]), axis=2)
            segments.append(pairs.reshape(-1, 2, 2))
        art["lines"].set_segments(np.concatenate(segments) if segments else [])
        ax_net = art["ax_net"]
        for text in art["net_texts"]:
            text.remove()
        headers = ["inputs"] + [f"hidden {i + 1}" for i in range(len(self._hidden))] + ["out"]
        # labels that come back (a feature switched off and on again) are pasted from the
        # pixels they had, not laid out and rendered again
        stamps = art.setdefault("stamps", {})
        art["net_texts"] = [_label(ax_net, stamps, col_x[c] + MAP / 2, 4, text, ha="center",
                                   va="top") for c, text in enumerate(headers)]
        for k, name in enumerate(self._features):
            x, y = pos[0][k]
            art["net_texts"].append(_label(ax_net, stamps, x - 3, y + MAP / 2,
                                           FEATURES[name][0], ha="right", va="center"))
            art["cells"][k] = _feature_cell(name)  # the inputs' maps never change
        art["dirty"].add(ax_net)
        n_layers = len(columns) - 1
        if len(art["bars"]) != n_layers:
            for bar in art["bars"]:
                bar.remove()
            ax_grad = art["ax_grad"]
            art["bars"] = list(ax_grad.barh(np.arange(n_layers), np.zeros(n_layers), left=-8.0,
                                            color="tab:purple", height=0.6))
            for bar in art["bars"]:
                bar.set_animated(True)
            ax_grad.set(ylim=(n_layers - 0.5, -0.5), yticks=range(n_layers))
            ax_grad.set_yticklabels([f"W{i + 1}" for i in range(n_layers)])
            art["dirty"].add(ax_grad)
        art["over"] = [art["out_title"], art["train_line"], art["test_line"], *art["bars"]]

    def _set_points(self, art) -> None:
        """The training points (white edge) and test points (black edge) of the data."""
        colours = np.array(CLASS_COLOURS)
        for points, X, y in zip(art["points"], (self.X_train, self.X_test),
                                (self.y_train, self.y_test)):
            points.set_offsets(X)
            points.set_facecolors(colours[y])
        art["sprite"] = None

    def _draw(self, fig, dataset, noise, train_ratio, hidden, activation, lr, regularization,
              reg_rate, batch_size, engine, **_features) -> str:
        self._sync(dataset, noise, train_ratio, hidden, activation)
        key = (fig.get_figwidth(), fig.get_figheight(), fig.dpi)
        art = fig.__dict__.get("_nnlib_artists")
        if art is None or self._art_key != key:
            art = fig.__dict__["_nnlib_artists"] = self._build_artists(fig)
            self._art_key = key
        structure = (self._features, tuple(self._hidden))
        if art["structure"] != structure:
            self._set_structure(art)
            art["structure"] = structure
        if art["data"] != self._data_key:
            self._set_points(art)
            art["data"] = self._data_key
        ok = not self.diverged and not self._weights_blown()
        n_inputs = len(self._features)
        # each hidden neuron's output over the plane, and the output score
        if ok:
            outs = self._layer_outputs(art["map_points"])
            k = n_inputs
            for c, h in enumerate(outs, start=1):
                if c == len(outs):
                    values = np.tanh(h / 2)
                else:
                    scale = np.maximum(np.abs(h).max(axis=0), 1e-12)
                    if activation == "tanh":
                        scale = np.maximum(scale, 1.0)  # tanh is already in [-1, 1]
                    values = h / scale
                # (MAP*MAP, n) -> n maps of MAP x MAP pixels
                art["cells"][k:k + h.shape[1]] = _colour_map(values.T.reshape(-1, MAP, MAP))
                k += h.shape[1]
        else:
            art["cells"][n_inputs:] = 200
        weights = [layer.weight.data.ravel() for layer in self.linears]
        flat = np.concatenate(weights) if weights else np.zeros(0)
        flat = np.where(np.isfinite(flat), flat, 0.0)
        biggest = float(np.abs(flat).max()) if flat.size else 1.0
        biggest = biggest if np.isfinite(biggest) and biggest > 0 else 1.0
        art["lines"].set_linewidths(0.3 + 3.2 * np.minimum(np.abs(flat) / biggest, 1.0))
        art["lines"].set_colors(np.where((flat > 0)[:, None], _BLUE_RGBA, _ORANGE_RGBA))
        # the output as a background, interpolated from the coarse grid to every pixel
        if ok:
            with np.errstate(all="ignore"):
                score = self._layer_outputs(art["out_points"])[-1][:, 0]
                score = _upsample(np.nan_to_num(score).reshape(art["out_grid"]),
                                  *art["out_interp"])
            art["out_rgb"][...] = _colour_map(np.tanh(score / 2))
            art["out_title"].set_text(f"{dataset}, epoch {self.epoch}")
            art["out_title"].set_color("black")
        else:
            art["out_rgb"][...] = 200
            art["out_title"].set_text("diverged")
            art["out_title"].set_color("tab:red")
        # losses, scaled to the fixed axes
        epochs = np.array(self.history["epoch"], dtype=float)
        curves = {name: np.array(self.history[name], dtype=float) for name in ("train", "test")}
        finite = np.concatenate([c[np.isfinite(c)] for c in curves.values()])
        top = max(float(finite.max()), 1e-3) if finite.size else 1.0
        last = max(1.0, float(self.epoch))
        for name, losses in curves.items():
            good = np.isfinite(losses)
            art[f"{name}_line"].set_data(epochs[good] / last, losses[good] / top)
        title = f"loss 0–{top:.2f}"  # (drawn into the background: it seldom changes)
        if art["loss_title"].get_text() != title:
            art["loss_title"].set_text(title)
            art["dirty"].add(art["ax_loss"])
        # gradient norms, log10
        for bar, norm in zip(art["bars"], self.grad_norms):
            value = math.log10(norm) if norm > 0 and math.isfinite(norm) else -8.0
            bar.set_width(min(max(value, -8.0), 1.0) + 8.0)
        return self._status(dataset, lr, engine)

    def _png(self, fig) -> bytes:
        """Blit: the static parts are drawn once; each frame restores them, draws the weight
        lines, writes the neuron and output maps as pixels, then draws points and text. A
        new network shape draws only the network's axes (and the gradient axes) again."""
        art = fig.__dict__.get("_nnlib_artists")
        if art is None:
            return super()._png(fig)
        canvas = fig.canvas
        if art["background"] is None:
            canvas.draw()  # everything but the animated artists
            art["background"] = canvas.copy_from_bbox(fig.bbox)
            art["axes_cells"] = _axes_cells(fig)
        else:
            canvas.restore_region(art["background"])
            if art["dirty"]:
                _redraw_axes(fig, art["axes_cells"],
                             {fig.axes.index(ax) for ax in art["dirty"]})
                # (the cells stay: the network's labels lie inside its axes, the gradient
                # axes' labels keep their width)
                art["background"] = canvas.copy_from_bbox(fig.bbox)
        art["dirty"] = set()
        fig.draw_artist(art["lines"])
        pixels = np.asarray(canvas.buffer_rgba())
        left, top, _, _ = art["net_box"]
        k = 0
        for column in art["pos"]:
            for x, y in column:
                pixels[top + y:top + y + MAP, left + x:left + x + MAP, :3] = art["cells"][k]
                k += 1
        left, top, right, bottom = art["out_box"]
        region = pixels[top:bottom, left:right]
        if art["sprite"] is None:
            art["sprite"] = _sprite(fig, region, art["points"])
        rgb = region[..., :3]
        rgb[...] = art["out_rgb"]
        rows, cols, colour, alpha = art["sprite"]  # the points, composited over the map
        rgb[rows, cols] = (rgb[rows, cols] * (1 - alpha) + colour + 0.5).astype(np.uint8)
        for artist in art["over"]:
            fig.draw_artist(artist)
        return canvas_png(canvas)

    def _status(self, dataset, lr, engine) -> str:
        arch = " → ".join(map(str, [len(self._features), *self._hidden, 1]))
        if self.train_error is not None:
            return (f"{self._note}could not train ({type(self.train_error).__name__}): "
                    f"{self.train_error}")
        if self.diverged:
            return (f"{self._note}diverged at epoch {self.epoch}: the loss became inf/NaN; "
                    f"learning rate {lr:g} is too large: lower it and press reset")
        train, test = self.history["train"][-1], self.history["test"][-1]
        if self.loss_exploded:
            return (f"{self._note}diverged at epoch {self.epoch}: the training loss {train:.3f} "
                    f"is over {EXPLODED:g}× its starting value {self.history['train'][0]:.3f}; "
                    f"learning rate {lr:g} is too large: lower it and press reset")
        return (f"{self._note}epoch {self.epoch}  train loss {train:.3f}  test loss {test:.3f}  "
                f"test accuracy {self.test_accuracy():.0%}  |  {arch} "
                f"({self.model.num_parameters()} parameters), {engine}")

    def test_accuracy(self) -> float:
        """Fraction of test points on the right side of the boundary (0 if diverged)."""
        if self.diverged:
            return 0.0
        with np.errstate(all="ignore"):
            scores = self.model(self.F_test)[:, 0]
        return float(np.mean((scores > 0) == (self.y_test == 1)))


def _plain_activations() -> dict:
    from nnlib.scratch import ReLU, Sigmoid, Tanh
    from nnlib.scratch import functional as F

    return {Tanh: np.tanh, ReLU: lambda h: np.maximum(h, 0, dtype=h.dtype), Sigmoid: F.sigmoid}


_PLAIN = _plain_activations()


def _label(ax, stamps: dict, x, y, text: str, **kwargs) -> StampedText:
    """A network label (fontsize 8) that remembers its pixels (see StampedText)."""
    label = StampedText(x, y, text, stamps=stamps, fontsize=8, **kwargs)
    ax._add_text(label)
    return label


@functools.cache
def _feature_cell(name: str) -> np.ndarray:
    """The heat map of one input feature over the plane (MAP x MAP RGB), computed once."""
    grid = np.linspace(*LIMITS, MAP)
    g1, g2 = np.meshgrid(grid, grid[::-1])  # row 0 at the top: x2 largest
    f = FEATURES[name][1](g1, g2)
    cell = _colour_map(f / max(float(np.abs(f).max()), 1e-12))
    cell.flags.writeable = False
    return cell


def _interpolation(n_out: int, n_in: int) -> tuple[np.ndarray, np.ndarray]:
    """Linear interpolation from ``n_in`` grid points spanning an axis (ends included) to
    the centres of its ``n_out`` pixels: pixel i = (1 - frac[i]) * point lo[i] + frac[i] *
    point lo[i] + 1. Returns (lo, frac)."""
    u = (np.arange(n_out) + 0.5) / n_out * (n_in - 1)
    lo = np.minimum(np.floor(u).astype(int), n_in - 2)
    return lo, u - lo


def _upsample(grid: np.ndarray, rows, cols) -> np.ndarray:
    """Bilinear interpolation of ``grid`` (n_rows, n_cols) to pixels (see _interpolation):
    gathers and weighted sums only (a BLAS product would wake its threads)."""
    lo, frac = rows
    grid = grid[lo] * (1 - frac)[:, None] + grid[lo + 1] * frac[:, None]
    lo, frac = cols
    return grid[:, lo] * (1 - frac) + grid[:, lo + 1] * frac


def _sprite(fig, region: np.ndarray, artists) -> tuple:
    """``artists`` drawn once on a transparent ``region`` of the canvas (then restored):
    the rows, columns, alpha-weighted colours and alphas of the pixels they cover, to be
    composited over a new background in every frame for a fraction of drawing them."""
    saved = region.copy()
    region[...] = 0
    for artist in artists:
        fig.draw_artist(artist)
    drawn = region.copy()
    region[...] = saved
    rows, cols = np.nonzero(drawn[..., 3])
    alpha = drawn[rows, cols, 3:4] / 255.0
    return rows, cols, drawn[rows, cols, :3] * alpha, alpha


def _pixel_box(ax, fig_height: int) -> tuple[int, int, int, int]:
    """``ax``'s area in canvas pixels: left, top, right, bottom (rows counted from the top)."""
    x0, y0, x1, y1 = ax.bbox.extents
    return (int(round(x0)), int(round(fig_height - y1)), int(round(x1)),
            int(round(fig_height - y0)))


# -- the PyTorch twin ----------------------------------------------------------------------
def _to_torch(model):
    """A float64 ``torch.nn.Sequential`` with ``model``'s layers and current weights."""
    import torch

    from nnlib.scratch import ReLU, Sigmoid, Tanh

    layers = []
    for layer in model:
        if isinstance(layer, Linear):
            lin = torch.nn.Linear(*layer.weight.data.shape, dtype=torch.float64)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(layer.weight.data.T.copy()))  # (out, in)
                lin.bias.copy_(torch.from_numpy(layer.bias.data.reshape(-1).copy()))
            layers.append(lin)
        elif isinstance(layer, Tanh):
            layers.append(torch.nn.Tanh())
        elif isinstance(layer, ReLU):
            layers.append(torch.nn.ReLU())
        elif isinstance(layer, Sigmoid):
            layers.append(torch.nn.Sigmoid())
        else:
            raise TypeError(f"no PyTorch twin for {type(layer).__name__}")
    return torch.nn.Sequential(*layers)


def _from_torch(torch_model, model) -> None:
    """Copy the torch twin's weights back into the NumPy model (which is what is drawn)."""
    linears = [layer for layer in model if isinstance(layer, Linear)]
    twins = [m for m in torch_model if hasattr(m, "weight")]
    for layer, twin in zip(linears, twins):
        layer.weight.data[...] = twin.weight.detach().numpy().T
        layer.bias.data[...] = twin.bias.detach().numpy().reshape(layer.bias.data.shape)
