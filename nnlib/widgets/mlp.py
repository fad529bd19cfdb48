"""Widgets and helpers for notebook 03 (multilayer networks).

* :func:`build_mlp` makes ``Linear -> act -> ... -> Linear`` from a list of sizes;
* :func:`train_mlp` fits one hidden layer to a 1-D curve or a 2-D two-class set with
  full-batch Adam (nnlib's :func:`~nnlib.scratch.fit`), seeded;
* :func:`hidden_units_widget` redraws the fit (or the decision region) when the number
  of hidden units or the activation changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from contourpy import contour_generator
from matplotlib.collections import LineCollection
from matplotlib.colors import LinearSegmentedColormap

from nnlib._checks import (
    check_array,
    check_axes,
    check_bool,
    check_callable,
    check_choice,
    check_float,
    check_float_dtype,
    check_float_pair,
    check_instance,
    check_int,
    check_points_2d,
    check_seed,
)
from nnlib.data import circles, regression_1d, xor_quadrants
from nnlib.scratch import (
    Adam,
    BCEWithLogitsLoss,
    Linear,
    MSELoss,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
    TrainingDivergedError,
    fit,
)
from nnlib.scratch import functional as F
from nnlib.widgets.core import InteractiveFigure, _blit, dropdown, slider

ACTIVATIONS = {"tanh": Tanh, "relu": ReLU, "sigmoid": Sigmoid}
PROBLEMS = ("curve: sin", "curve: step", "XOR", "circles")

# Colours for the two classes (blue = 1, orange = 0, as in TensorFlow Playground).
CLASS_COLOURS = ("#f59322", "#0877bd")
BOUNDARY_CMAP = LinearSegmentedColormap.from_list("playground", [CLASS_COLOURS[0], "white",
                                                                  CLASS_COLOURS[1]])


def build_mlp(sizes, activation: str = "tanh", *, rng=None, dtype=np.float64) -> Sequential:
    """``Linear(sizes[0], sizes[1]) -> act -> ... -> Linear(sizes[-2], sizes[-1])``.

    sizes: ``[d_in, hidden_1, ..., d_out]`` (at least two entries); no activation after
    the last layer (it outputs raw scores / regression values). Weights are drawn from
    ``rng`` (an int seed or a Generator; default nnlib's shared generator).
    """
    where = "build_mlp"
    check_instance(sizes, "sizes", (list, tuple, np.ndarray), "a list of ints [d_in, ..., "
                   "d_out]", where=where)
    sizes = [check_int(s, f"sizes[{i}]", minimum=1, where=where) for i, s in enumerate(sizes)]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes must list at least [d_in, d_out], all >= 1, got {sizes}")
    check_choice(activation, "activation", sorted(ACTIVATIONS), where=where)
    dtype = check_float_dtype(dtype, where=where)
    if not isinstance(rng, np.random.Generator):
        rng = check_seed(rng, "rng", where=where)
        rng = None if rng is None else np.random.default_rng(rng)
    layers = []
    for i, (d_in, d_out) in enumerate(zip(sizes, sizes[1:])):
        layers.append(Linear(d_in, d_out, rng=rng, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
    return Sequential(*layers)


@dataclass
class FitResult:
    model: Sequential
    losses: list[float]  # training loss after each step

    @property
    def final_loss(self) -> float:
        return self.losses[-1]


def train_mlp(X, y, hidden: int, activation: str = "tanh", *, steps: int = 600,
              lr: float = 0.03, seed: int = 0) -> FitResult:
    """One hidden layer of ``hidden`` units fitted with full-batch Adam.

    ``y`` float of shape (N,) is a regression target (MSE loss, one output);
    ``y`` int of shape (N,) is a 0/1 class label (sigmoid + BCE on one output score).
    X: (N, d_in). Raises :class:`TrainingDivergedError` if the loss becomes NaN/inf.
    """
    where = "train_mlp"
    X = check_array(X, "X", ndim=2, allow_empty=False, where=where, shape_text="(N, d_in)")
    y = check_array(y, "y", ndim=1, dtype="any", where=where, shape_text="(N,)")
    if len(y) != len(X):
        raise ValueError(f"{where}: y must have one value per row of X ({len(X)}), got "
                         f"{len(y)}")
    if y.dtype.kind == "b":
        raise TypeError(f"{where}: y must be int 0/1 labels or float targets, got dtype bool; "
                        "use y.astype(int)")
    if np.issubdtype(y.dtype, np.integer) and not np.isin(y, (0, 1)).all():
        raise ValueError(f"{where}: y (int) must hold 0/1 class labels, got values "
                         f"{np.unique(y)[:5].tolist()}")
    hidden = check_int(hidden, "hidden", minimum=1, where=where)
    check_choice(activation, "activation", sorted(ACTIVATIONS), where=where)
    steps = check_int(steps, "steps", minimum=1, where=where)
    lr = check_float(lr, "lr", minimum=0, min_open=True, where=where)
    seed = check_seed(seed, where=where)
    return _fit_mlp(X, y, hidden, activation, steps=steps, lr=lr, seed=seed)


class _Superseded(Exception):
    """Raised by the widget's callback inside ``fit``: a newer setting waits to be drawn."""


def _fit_mlp(X, y, hidden: int, activation: str, *, steps: int, lr: float, seed: int,
             stop=None) -> FitResult | None:
    """:func:`train_mlp` after its checks (the widget's arguments are its own, checked when
    it was made). ``stop()`` (optional) is asked every 25 steps; True: give up and return
    None (a slider dragged on: its newest value is trained instead)."""
    X = np.asarray(X, dtype=np.float64)
    classify = np.issubdtype(y.dtype, np.integer)
    model = build_mlp([X.shape[1], hidden, 1], activation, rng=seed)
    loss_fn = BCEWithLogitsLoss() if classify else MSELoss()

    def stop_if_superseded(history):
        if len(history.train_loss) % 25 == 0 and stop():
            raise _Superseded

    try:
        history = fit(model, (X, y.reshape(-1, 1).astype(np.float64)),
                      Adam(model.parameters(), lr=lr), loss_fn, epochs=steps,
                      batch_size=len(X), shuffle=False, metric=None, verbose=False,
                      callbacks=() if stop is None else (stop_if_superseded,))
    except _Superseded:
        return None
    return FitResult(model, history.train_loss)


def grid_scores(model, xlim, ylim, resolution: int = 80):
    """Model output on a ``resolution`` x ``resolution`` grid: (xs, ys, scores (res, res))."""
    where = "grid_scores"
    check_callable(model, "model", where=where)
    for name, lim in (("xlim", xlim), ("ylim", ylim)):
        low, high = check_float_pair(lim, name, where=where)
        if not low < high:
            raise ValueError(f"{where}: {name} must be (low, high) with low < high, got {lim}")
    resolution = check_int(resolution, "resolution", minimum=2, where=where)
    xs = np.linspace(*xlim, resolution)
    ys = np.linspace(*ylim, resolution)
    gx, gy = np.meshgrid(xs, ys)
    scores = model(np.column_stack([gx.ravel(), gy.ravel()]))
    return xs, ys, np.asarray(scores).reshape(resolution, resolution)


def draw_decision_region(ax, model, X, y, *, xlim=(-1.6, 1.6), ylim=(-1.6, 1.6),
                         hidden_lines: bool = False, test_points=None,
                         point_size: float = 22) -> None:
    """Probability of class 1 as a background, the 0.5 contour, and the points.

    ``hidden_lines`` draws each first-layer unit's line ``w . x + b = 0`` (dashed).
    ``test_points`` = (X_test, y_test) are drawn with a black edge.
    """
    where = "draw_decision_region"
    check_axes(ax, where=where)
    check_callable(model, "model", where=where)
    X, y = check_points_2d(X, y, where=where)
    if check_bool(hidden_lines, "hidden_lines", where=where):
        first = model[0] if hasattr(model, "__getitem__") else None
        weight = getattr(getattr(first, "weight", None), "data", None)
        if not (isinstance(weight, np.ndarray) and weight.ndim == 2 and weight.shape[0] == 2):
            raise TypeError(f"{where}: hidden_lines=True draws the lines of the first layer, "
                            "so model must be a Sequential starting with a Linear(2, ...), got "
                            f"{type(model).__name__}; or pass hidden_lines=False")
    if test_points is not None:
        if not isinstance(test_points, (tuple, list)) or len(test_points) != 2:
            raise TypeError(f"{where}: test_points must be None or a pair (X_test, y_test), "
                            f"got {type(test_points).__name__}")
        test_points = check_points_2d(*test_points, names=("test_points[0]", "test_points[1]"),
                                      where=where)
    point_size = check_float(point_size, "point_size", minimum=0.0, min_open=True,
                             maximum=1e4, where=where)
    xs, ys, scores = grid_scores(model, xlim, ylim)
    with np.errstate(over="ignore", invalid="ignore"):
        prob = F.sigmoid(np.nan_to_num(scores))
    ax.imshow(prob, origin="lower", extent=(*xlim, *ylim), cmap=BOUNDARY_CMAP, vmin=0, vmax=1,
              alpha=0.55, aspect="auto", interpolation="bilinear")
    if prob.min() < 0.5 < prob.max():
        ax.contour(xs, ys, prob, levels=[0.5], colors="k", linewidths=1.2)
    if hidden_lines:
        first = model[0]
        grid = np.linspace(*xlim, 2)
        for w, b in zip(first.weight.data.T, first.bias.data):
            if abs(w[1]) > 1e-9:
                ax.plot(grid, -(w[0] * grid + b) / w[1], "--", color="0.3", lw=0.9)
            elif abs(w[0]) > 1e-9:
                ax.axvline(-b / w[0], ls="--", color="0.3", lw=0.9)
    _scatter_classes(ax, X, y, edge="white", size=point_size)
    if test_points is not None:
        _scatter_classes(ax, *test_points, edge="black", size=point_size)
    ax.set(xlim=xlim, ylim=ylim, xlabel="$x_1$", ylabel="$x_2$")


def _scatter_classes(ax, X, y, edge: str, size: float) -> None:
    for label, colour in enumerate(CLASS_COLOURS):
        pts = X[y == label]
        ax.scatter(pts[:, 0], pts[:, 1], s=size, c=colour, edgecolors=edge, linewidths=0.7,
                   zorder=3)


def _problem_data(problem: str):
    if problem not in _DATA:
        _DATA[problem] = _make_problem_data(problem)
    return _DATA[problem]


_DATA: dict[str, tuple] = {}


def _make_problem_data(problem: str):
    if problem == "curve: sin":
        return regression_1d(n=80, function="sin", noise=0.1, seed=0)
    if problem == "curve: step":
        return regression_1d(n=80, function="step", noise=0.05, seed=0)
    if problem == "XOR":
        return xor_quadrants(n=200, noise=0.05, seed=0)
    if problem == "circles":
        return circles(n=200, noise=0.08, seed=0)
    raise ValueError(f"problem must be one of {PROBLEMS}, got {problem!r}")


REGION = (-1.6, 1.6)  # the plane shown for the 2-D problems


def _build_hidden_units_artists(fig) -> dict:
    """One axes and every artist the widget shows, made once; each redraw sets their data
    and visibility and is blitted over the kept axes (see :func:`_blit_png`)."""
    fig.set_layout_engine("none")  # fixed margins: constrained layout doubles redraw time
    ax = fig.add_subplot(fig.add_gridspec(left=0.11, right=0.97, bottom=0.12, top=0.92)[0])
    art = {"ax": ax}
    art["curve_points"] = ax.scatter([], [], s=12, color="0.55", label="data")
    art["class_points"] = ax.scatter(np.zeros(1), np.zeros(1), s=22, c=CLASS_COLOURS[0],
                                     edgecolors="white", linewidths=0.7, zorder=3)
    art["fit"], = ax.plot([], [], color="tab:red", lw=2.2, label="MLP")
    # an opaque RGB image (the colour map at 55 % over white): matplotlib draws an axes'
    # images into the kept background too, so a transparent one would be blended twice
    art["region"] = ax.imshow(np.ones((80, 80, 3)), origin="lower", extent=(*REGION, *REGION),
                              aspect="auto", interpolation="bilinear")
    art["boundary"] = LineCollection([], colors="k", linewidths=1.2)
    art["units"] = LineCollection([], colors="0.3", linewidths=0.9, linestyles="--")
    ax.add_collection(art["boundary"])
    ax.add_collection(art["units"])
    art["legend"] = ax.legend(handles=[art["curve_points"], art["fit"]], loc="upper left",
                              fontsize=9)
    art["title"] = ax.set_title(" ", fontsize=11)
    art["animated"] = [art[name] for name in ("region", "curve_points", "class_points", "fit",
                                              "boundary", "units", "legend", "title")]
    # each problem's axes (limits, ticks, labels) is kept once drawn, so a new problem pastes
    # its axes instead of drawing them again (three states: the two curves and the plane)
    art["cell_cache"] = len(PROBLEMS)
    fig.__dict__["_nnlib_artists"] = art
    return art


def _warm_problem_axes(fig, art, current: str) -> None:
    """Draw every other problem's axes once now (not shown), so that choosing one later
    pastes them (see ``cell_cache`` in :func:`~nnlib.widgets.core._blit_png`)."""
    for problem in PROBLEMS:
        if problem != current:
            _show_data(art, problem, *_problem_data(problem))
            _blit(fig, art)


def _show_data(art, problem: str, X, y) -> None:
    """The problem's data, its axes, and nothing else yet."""
    ax, curve = art["ax"], problem.startswith("curve")
    for name in ("fit", "region", "boundary", "units", "legend"):
        art[name].set_visible(False)
    art["curve_points"].set_visible(curve)
    art["class_points"].set_visible(not curve)
    if curve:
        art["curve_points"].set_offsets(np.column_stack([X[:, 0], y]))
        pad_x, pad_y = 0.05 * np.ptp(X), 0.12 * np.ptp(y)
        ax.set(xlim=(X.min() - pad_x, X.max() + pad_x), ylim=(y.min() - pad_y, y.max() + pad_y),
               xlabel="x", ylabel="y")
    else:
        art["class_points"].set_offsets(X)
        art["class_points"].set_facecolors(np.array(CLASS_COLOURS)[y])
        ax.set(xlim=REGION, ylim=REGION, xlabel="x₁", ylabel="x₂")
    # which labels the kept axes pixels hold (they also come with other limits)
    ax._nnlib_state = "curve" if curve else "plane"


_GRID: list = []
_COLOURS: list = []


def _region_colours() -> np.ndarray:
    """BOUNDARY_CMAP's 256 colours at 55 % over white, as opaque uint8 RGBA: (256, 4)."""
    if not _COLOURS:
        rgb = 0.55 * BOUNDARY_CMAP(np.arange(BOUNDARY_CMAP.N))[:, :3] + 0.45
        alpha = np.ones((BOUNDARY_CMAP.N, 1))
        _COLOURS.append(np.round(255 * np.hstack([rgb, alpha])).astype(np.uint8))
    return _COLOURS[0]


def _region_grid(resolution: int = 80):
    """The region's grid, made once: (xs (res,), points (res * res, 2)) as in grid_scores."""
    if not _GRID:
        xs = np.linspace(*REGION, resolution)
        gx, gy = np.meshgrid(xs, xs)
        _GRID.extend([xs, np.column_stack([gx.ravel(), gy.ravel()])])
    return _GRID[0], _GRID[1]


def _show_fit(art, problem: str, X, model, label: str, hidden_lines: bool) -> None:
    """The fitted curve, or the decision region with its boundary and the units' lines."""
    if problem.startswith("curve"):
        grid = np.linspace(X.min(), X.max(), 300)[:, None]
        art["fit"].set_data(grid[:, 0], model(grid)[:, 0])
        art["fit"].set_visible(True)
        art["legend"].get_texts()[1].set_text(label)
        art["legend"].set_visible(True)
        return
    xs, points = _region_grid()
    scores = np.asarray(model(points)).reshape(len(xs), len(xs))
    with np.errstate(over="ignore", invalid="ignore"):
        prob = F.sigmoid(np.nan_to_num(scores))
    # the colour map's own 256 levels (as BOUNDARY_CMAP(prob) picks them), as opaque bytes:
    # matplotlib resamples a uint8 RGBA image about three times faster than float RGB
    art["region"].set_data(_region_colours()[np.minimum((prob * 256).astype(int), 255)])
    art["region"].set_visible(True)
    lines = []
    if prob.min() < 0.5 < prob.max():
        lines = contour_generator(xs, xs, prob, line_type="Separate").lines(0.5)
    art["boundary"].set_segments(lines)
    art["boundary"].set_visible(bool(lines))
    segments = []
    if hidden_lines:
        first = model[0]
        grid = np.array(REGION)
        for w, b in zip(first.weight.data.T, first.bias.data.reshape(-1)):
            if abs(w[1]) > 1e-9:
                segments.append(np.column_stack([grid, -(w[0] * grid + b) / w[1]]))
            elif abs(w[0]) > 1e-9:
                segments.append(np.array([[-b / w[0], REGION[0]], [-b / w[0], REGION[1]]]))
    art["units"].set_segments(segments)
    art["units"].set_visible(bool(segments))


def hidden_units_widget(steps: int = 500, lr: float = 0.03, seed: int = 0) -> InteractiveFigure:
    """A slider for the number of hidden units, menus for the activation and the problem,
    and a seed slider for the random start.

    Each setting trains a fresh one-hidden-layer MLP (``steps`` full-batch Adam steps from the
    start drawn with ``seed``) and draws the fit of a 1-D curve or the decision region of a
    2-D set. The data appear at once with "training…", the fit when training ends; a fit
    whose setting a newer change replaces (a slider dragged on) stops. Results are cached,
    so going back to a setting is instant. Another seed is another random start:
    the way to see that the same network sometimes fails.
    """
    where = "hidden_units_widget"
    steps = check_int(steps, "steps", minimum=1, where=where)
    lr = check_float(lr, "lr", minimum=0.0, maximum=10.0, min_open=True, where=where,
                     hint="Adam's step size, e.g. 0.03")
    cache: dict[tuple, FitResult] = {}
    owner: list[InteractiveFigure] = []  # the widget, once made: is a newer change waiting?

    def draw(fig, problem, hidden_units, activation, seed):
        X, y = _problem_data(problem)
        key = (problem, hidden_units, activation, seed)
        art = fig.__dict__.get("_nnlib_artists")
        if art is None:
            art = _build_hidden_units_artists(fig)
            _warm_problem_axes(fig, art, problem)
        _show_data(art, problem, X, y)
        if key not in cache:  # first feedback: the data and a word, then train
            art["title"].set_text(f"{problem}: training {hidden_units} hidden {activation} "
                                  f"units (seed {seed})…")
            yield f"training {steps} Adam steps…"
            try:
                result = _fit_mlp(X, y, hidden_units, activation, steps=steps, lr=lr,
                                  seed=seed, stop=lambda: bool(owner) and owner[0].superseded)
            except TrainingDivergedError:
                yield "diverged: the loss became NaN/inf; this setting cannot be shown"
                return
            if result is None:  # a slider dragged on: train its latest value instead
                return
            cache[key] = result
        result = cache[key]
        _show_fit(art, problem, X, result.model, f"MLP, {hidden_units} {activation} units",
                  hidden_lines=hidden_units <= 12)
        art["title"].set_text(f"{problem}: {hidden_units} hidden {activation} units "
                              f"(seed {seed}), final loss {result.final_loss:.4f}")
        yield (f"{result.model.num_parameters()} parameters, loss after {steps} Adam steps "
               f"from seed {seed}: {result.final_loss:.4f}")

    controls = {
        "problem": dropdown("problem", PROBLEMS),
        "hidden_units": slider("hidden units", 3, 1, 50, 1, integer=True),
        "activation": dropdown("activation", list(ACTIVATIONS)),
        "seed": slider("seed (random start)", seed, 0, 50, 1, integer=True, arg="seed",
                       where=where),
    }
    widget = InteractiveFigure(draw, controls, figsize=(6.5, 4.2), reuse=True, layout=None,
                               title="How many hidden units does it take?")
    owner.append(widget)
    return widget
