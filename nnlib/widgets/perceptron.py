"""Widgets and figures for notebook 01 (the perceptron).

* :func:`perceptron_trace` runs nnlib's :class:`~nnlib.scratch.Perceptron` on a logic
  gate one example at a time and records the weights after every example;
* :func:`draw_perceptron` draws the four inputs, the decision boundary ``w . x + b = 0``
  with the side predicted 1 shaded, and rings the points it gets wrong;
* :func:`perceptron_widget` steps through the epochs (gate, learning rate, start weights).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.ticker import MaxNLocator

from nnlib._checks import (
    check_array,
    check_axes,
    check_choice,
    check_float,
    check_int,
    check_iterable,
    check_optional_int,
    check_points_2d,
    check_seed,
    check_text,
)
from nnlib.data import logic_gate
from nnlib.scratch import Perceptron
from nnlib.widgets.core import InteractiveFigure, dropdown, log_slider, slider

GATES = ("AND", "OR", "NAND", "XOR")
STARTS = ("zero", "random")
CLASS_COLOURS = ("#f59322", "#0877bd")  # class 0 orange, class 1 blue (as in notebook 03)
LIMITS = (-0.5, 1.5)
_SIDES = ListedColormap(CLASS_COLOURS)


@dataclass
class PerceptronTrace:
    """What the perceptron did: ``weights[k]``, ``biases[k]`` after ``k`` examples shown.

    ``epoch_ends[e]`` is the index into ``weights`` at the end of epoch ``e``
    (``epoch_ends[0] == 0``: the start); ``mistakes[e - 1]`` the mistakes made in epoch e.
    """

    X: np.ndarray
    y: np.ndarray
    weights: list[np.ndarray] = field(default_factory=list)
    biases: list[float] = field(default_factory=list)
    epoch_ends: list[int] = field(default_factory=list)
    mistakes: list[int] = field(default_factory=list)

    def at_epoch(self, epoch: int) -> tuple[np.ndarray, float]:
        k = self.epoch_ends[epoch]
        return self.weights[k], self.biases[k]

    @property
    def converged_at(self) -> int | None:
        """The first epoch with no mistake (None if none)."""
        return next((e + 1 for e, m in enumerate(self.mistakes) if m == 0), None)


def start_weights(start: str, seed: int = 0) -> tuple[np.ndarray, float]:
    """``"zero"``: w = 0, b = 0 (Rosenblatt's rule); ``"random"``: w, b ~ N(0, 1), seeded."""
    check_choice(start, "start", STARTS, where="start_weights")
    seed = check_seed(seed, where="start_weights")
    if start == "zero":
        return np.zeros(2), 0.0
    if start == "random":
        wb = np.random.default_rng(seed).normal(size=3)
        return wb[:2], float(wb[2])
    raise ValueError(f"start must be one of {STARTS}, got {start!r}")


def perceptron_trace(gate: str = "AND", lr: float = 1.0, epochs: int = 10,
                     start: str = "zero", seed: int = 0) -> PerceptronTrace:
    """Train on ``gate``'s truth table for ``epochs`` passes in the fixed order 00, 01, 10, 11.

    ``seed`` picks the random start weights (ignored for the zero start)."""
    epochs = check_int(epochs, "epochs", minimum=0, where="perceptron_trace")
    X, y = logic_gate(gate)
    p = Perceptron(2, lr=lr)
    p.w, p.b = start_weights(start, seed)
    trace = PerceptronTrace(X, y, [p.w.copy()], [p.b], [0])

    def record(_i: int, _wrong: bool) -> None:
        trace.weights.append(p.w.copy())
        trace.biases.append(p.b)

    for _ in range(epochs):  # the library's epoch, in the table's order
        trace.mistakes.append(p.fit_epoch(X, y, shuffle=False, on_update=record))
        trace.epoch_ends.append(len(trace.weights) - 1)
    return trace


def _boundary_line(w, b, lim=LIMITS):
    """Two points on ``w . x + b = 0`` spanning the plot, or None when w = 0 (no line)."""
    w = np.asarray(w, dtype=float)
    if not np.all(np.isfinite(w)) or not np.isfinite(b) or np.allclose(w, 0):
        return None
    if abs(w[1]) >= abs(w[0]):  # mostly horizontal: solve for x2
        x1 = np.array(lim, dtype=float)
        return x1, -(w[0] * x1 + b) / w[1]
    x2 = np.array(lim, dtype=float)
    return -(w[1] * x2 + b) / w[0], x2


def draw_perceptron(ax, w, b, X, y, *, title: str | None = None, previous=(),
                    fontsize: int = 10) -> int:
    """Points, boundary and shaded "predict 1" side on ``ax``; returns the number wrong.

    X: (N, 2) inputs, y: (N,) 0/1 labels, w: (2,), b: float. ``previous`` is a list of
    earlier (w, b) pairs drawn as faint lines. Misclassified points get a red ring.
    """
    where = "draw_perceptron"
    check_axes(ax, where=where)
    w = check_array(w, "w", shape=(2,), where=where)
    b = check_float(b, "b", where=where)
    X, y = check_points_2d(X, y, where=where)
    check_text(title, "title", where=where, optional=True)
    check_iterable(previous, "previous", where=where, hint="a list of (w, b) pairs")
    previous = list(previous)
    for k, pair in enumerate(previous):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"{where}: previous must be a list of (w, b) pairs, got "
                            f"{type(pair).__name__} at position {k}")
        check_array(pair[0], f"previous[{k}][0] (w)", shape=(2,), where=where)
        check_float(pair[1], f"previous[{k}][1] (b)", where=where)
    fontsize = check_float(fontsize, "fontsize", minimum=4.0, maximum=72.0, where=where)
    grid = np.linspace(*LIMITS, 121)
    g1, g2 = np.meshgrid(grid, grid)
    predict_one = (w[0] * g1 + w[1] * g2 + b > 0).astype(float)
    # the shaded sides as one image (a fraction of a filled contour's drawing time)
    ax.imshow(predict_one, origin="lower", extent=(*LIMITS, *LIMITS), cmap=_SIDES, vmin=0,
              vmax=1, alpha=0.15, interpolation="nearest", aspect="auto")
    for w_old, b_old in previous:
        line = _boundary_line(w_old, b_old)
        if line is not None:
            ax.plot(*line, color="0.35", lw=1.5, ls=":")
    line = _boundary_line(w, b)
    if line is not None:
        ax.plot(*line, color="k", lw=2)
    y_hat = (X @ w + b > 0).astype(int)
    wrong = y_hat != y
    for label, marker in ((0, "o"), (1, "s")):
        mask = y == label
        ax.scatter(X[mask, 0], X[mask, 1], s=90, marker=marker, color=CLASS_COLOURS[label],
                   edgecolor="k", zorder=3, label=f"y = {label}")
    if wrong.any():
        ax.scatter(X[wrong, 0], X[wrong, 1], s=320, facecolor="none", edgecolor="red",
                   lw=2, zorder=4, label="wrong")
    ax.set(xlim=LIMITS, ylim=LIMITS, aspect="equal", xticks=(0, 1), yticks=(0, 1))
    ax.set_xlabel("$x_1$", fontsize=fontsize)
    ax.set_ylabel("$x_2$", fontsize=fontsize)
    ax.tick_params(labelsize=fontsize - 2)
    if title:
        ax.set_title(title, fontsize=fontsize)
    return int(wrong.sum())


def draw_mistakes(ax, mistakes, upto: int | None = None, fontsize: int = 10) -> None:
    """Bar chart of mistakes per epoch; epochs after ``upto`` are drawn faded."""
    where = "draw_mistakes"
    check_axes(ax, where=where)
    mistakes = check_array(mistakes, "mistakes", ndim=1, dtype="any", allow_empty=False,
                           shape_text="(epochs,)", where=where)
    if (mistakes < 0).any():
        raise ValueError(f"{where}: mistakes must be counts >= 0, got the smallest "
                         f"{mistakes.min()}")
    check_optional_int(upto, "upto", minimum=0, where=where)
    fontsize = check_float(fontsize, "fontsize", minimum=4.0, maximum=72.0, where=where)
    epochs = np.arange(1, len(mistakes) + 1)
    upto = len(mistakes) if upto is None else upto
    colours = ["tab:red" if e <= upto else "0.85" for e in epochs]
    ax.bar(epochs, mistakes, color=colours)
    ax.set(ylim=(0, 4.2), xlim=(0.3, len(mistakes) + 0.7), yticks=range(5))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch", fontsize=fontsize)
    ax.set_ylabel("mistakes in the epoch", fontsize=fontsize)
    ax.tick_params(labelsize=fontsize - 2)


MAX_EPOCHS = 60
MAX_SEED = 50


@lru_cache(maxsize=256)  # dragging the epoch slider re-reads one trace
def _cached_trace(gate: str, lr: float, start: str, seed: int) -> PerceptronTrace:
    return perceptron_trace(gate, lr, MAX_EPOCHS, start, seed)


def _build_artists(fig) -> dict:
    """The widget's axes and artists, made once; :func:`_draw` then only updates their data.

    They look exactly as :func:`draw_perceptron` and :func:`draw_mistakes` draw them."""
    ax_points, ax_bars = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.2]})
    art = {"axes": list(fig.axes), "ax_points": ax_points, "ax_bars": ax_bars}
    art["sides"] = ax_points.imshow(np.zeros((121, 121)), origin="lower",
                                    extent=(*LIMITS, *LIMITS), cmap=_SIDES, vmin=0, vmax=1,
                                    alpha=0.15, interpolation="nearest", aspect="auto")
    art["previous"] = [ax_points.plot([], [], color="0.35", lw=1.5, ls=":")[0] for _ in range(3)]
    art["boundary"], = ax_points.plot([], [], color="k", lw=2)
    art["classes"] = [ax_points.scatter(np.empty(0), np.empty(0), s=90, marker=marker,
                                        color=CLASS_COLOURS[label], edgecolor="k", zorder=3,
                                        label=f"y = {label}")
                      for label, marker in ((0, "o"), (1, "s"))]
    art["wrong"] = ax_points.scatter(np.empty(0), np.empty(0), s=320, facecolor="none",
                                     edgecolor="red", lw=2, zorder=4, label="wrong")
    ax_points.set(xlim=LIMITS, ylim=LIMITS, aspect="equal", xticks=(0, 1), yticks=(0, 1))
    ax_points.set_xlabel("$x_1$", fontsize=10)
    ax_points.set_ylabel("$x_2$", fontsize=10)
    ax_points.tick_params(labelsize=8)
    epochs = np.arange(1, MAX_EPOCHS + 1)
    art["bars"] = list(ax_bars.bar(epochs, np.zeros(MAX_EPOCHS), color="0.85"))
    ax_bars.set(ylim=(0, 4.2), xlim=(0.3, MAX_EPOCHS + 0.7), yticks=range(5))
    ax_bars.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_bars.set_xlabel("epoch", fontsize=10)
    ax_bars.set_ylabel("mistakes in the epoch", fontsize=10)
    ax_bars.tick_params(labelsize=8)
    # what changes: drawn over a background of axes, ticks and labels drawn once
    art["animated"] = [art["sides"], *art["previous"], art["boundary"], *art["classes"],
                       art["wrong"], ax_points.title, *ax_points.spines.values(),
                       *art["bars"], ax_bars.title]
    return art


_GRID = np.meshgrid(np.linspace(*LIMITS, 121), np.linspace(*LIMITS, 121))


def _draw(fig, gate: str, lr: float, epoch: int, start: str, seed: int = 0) -> str:
    """Update the widget's artists (built on the first call on a figure) for these values."""
    trace = _cached_trace(gate, float(lr), start, int(seed) if start == "random" else 0)
    epoch = int(np.clip(epoch, 0, MAX_EPOCHS))
    art = fig.__dict__.get("_nnlib_artists")
    if art is None or art["axes"] != fig.axes:
        art = fig.__dict__["_nnlib_artists"] = _build_artists(fig)
    w, b = trace.at_epoch(epoch)
    w, b = w + 0.0, b + 0.0  # -0.0 -> 0.0 in the status text
    X, y = trace.X, trace.y
    g1, g2 = _GRID
    art["sides"].set_data((w[0] * g1 + w[1] * g2 + b > 0).astype(float))
    previous = [trace.at_epoch(e) for e in range(max(0, epoch - 3), epoch)]
    lines = [line for line in (_boundary_line(*wb) for wb in previous) if line is not None]
    for artist, line in zip(art["previous"], lines + [None] * 3):
        artist.set_data(*(line if line is not None else ([], [])))
    line = _boundary_line(w, b)
    art["boundary"].set_data(*(line if line is not None else ([], [])))
    for label, points in enumerate(art["classes"]):
        points.set_offsets(X[y == label])
    wrong_points = (X @ w + b > 0).astype(int) != y
    art["wrong"].set_offsets(X[wrong_points].reshape(-1, 2))
    wrong = int(wrong_points.sum())
    art["ax_points"].set_title(f"{gate}, after epoch {epoch}", fontsize=10)
    for e, (bar, mistakes) in enumerate(zip(art["bars"], trace.mistakes), start=1):
        bar.set_height(mistakes)
        bar.set_facecolor("tab:red" if e <= epoch else "0.85")
    converged = trace.converged_at
    art["ax_bars"].set_title("never 0: not linearly separable" if converged is None
                             else f"first epoch without a mistake: {converged}", fontsize=10)
    status = (f"epoch {epoch}: w = ({w[0]:.3g}, {w[1]:.3g}), b = {b:.3g}; "
              f"{wrong} of 4 points on the wrong side")
    if converged is None:
        status += f"; still making mistakes after {MAX_EPOCHS} epochs"
    elif epoch >= converged:
        status += f"; converged (no mistakes since epoch {converged})"
    return status


def perceptron_widget(gate: str = "AND", lr: float = 1.0, epoch: int = 0,
                      start: str = "zero", seed: int = 0) -> InteractiveFigure:
    """Step through the epochs of the perceptron rule on a logic gate.

    Left: the boundary after ``epoch`` epochs (dotted: the three epochs before), wrong points
    ringed in red. Right: mistakes per epoch. From zero weights the learning rate only
    rescales w and b; from random weights it changes how many updates are needed, and the
    ``seed`` slider draws another random start.
    """
    where = "perceptron_widget"
    controls = {
        "gate": dropdown("gate", GATES, gate, arg="gate", where=where),
        "lr": log_slider("learning rate", lr, -2, 1, arg="lr", where=where),
        "epoch": slider("epoch", epoch, 0, MAX_EPOCHS, 1, integer=True, arg="epoch",
                        where=where),
        "start": dropdown("start weights", STARTS, start, arg="start", where=where),
        "seed": slider("seed (random start)", seed, 0, MAX_SEED, 1, integer=True, arg="seed",
                       where=where),
    }
    return InteractiveFigure(_draw, controls, figsize=(8.5, 3.6), reuse=True,
                             title="The perceptron learning rule, epoch by epoch")
