"""Widget for notebook 06: an optimizer's path on a 2-D surface, redrawn as you change it.

The paths come from nnlib's own optimizers (``nnlib.scratch.optim``) run by
:func:`nnlib.surfaces.optimize_path`; a run that blows up is reported as "diverged".
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.ticker import (
    FixedLocator,
    FormatStrFormatter,
    FuncFormatter,
    LogLocator,
    MaxNLocator,
    NullLocator,
)

from nnlib._checks import (
    check_axes,
    check_choice,
    check_float,
    check_instance,
    check_int,
    check_iterable,
    check_text,
    describe,
)
from nnlib.scratch.module import Parameter
from nnlib.scratch.optim import SGD, Adam, AdamW, RMSprop
from nnlib.surfaces import SURFACES, SurfacePath, get_surface, optimize_path
from nnlib.widgets.core import (
    InteractiveFigure,
    _decade_label,
    dropdown,
    log_slider,
    slider,
)

OPTIMIZERS = ("SGD", "Momentum", "Nesterov", "RMSprop", "Adam", "AdamW")
ADAMW_WEIGHT_DECAY = 0.01  # torch.optim.AdamW's default


def make_optimizer(name: str, params, lr: float, momentum: float = 0.9, beta2: float = 0.999):
    """An nnlib optimizer by name. ``momentum`` is beta1 for Adam/AdamW; ``beta2`` is
    Adam's second-moment decay and RMSprop's ``alpha`` (the same running average)."""
    _check_settings("make_optimizer", name, lr, momentum, beta2, arg="name")
    check_iterable(params, "params", where="make_optimizer", hint="pass model.parameters()")
    params = list(params)
    if not all(isinstance(p, Parameter) for p in params):
        raise TypeError(f"make_optimizer: params must be nnlib Parameters, got "
                        f"{describe(params)}; pass model.parameters()")
    if name == "SGD":
        return SGD(params, lr=lr)
    if name == "Momentum":
        return SGD(params, lr=lr, momentum=momentum)
    if name == "Nesterov":
        return SGD(params, lr=lr, momentum=momentum, nesterov=True)
    if name == "RMSprop":
        return RMSprop(params, lr=lr, alpha=beta2)
    if name == "Adam":
        return Adam(params, lr=lr, betas=(momentum, beta2))
    if name == "AdamW":
        return AdamW(params, lr=lr, betas=(momentum, beta2), weight_decay=ADAMW_WEIGHT_DECAY)
    raise ValueError(f"unknown optimizer {name!r}; choose one of {OPTIMIZERS}")


@lru_cache(maxsize=len(SURFACES))
def _contour_grid(surface_name: str):
    surface = get_surface(surface_name)
    X, Y, Z = surface.grid(150)
    lowest = min(surface.value(*m) for m in surface.minima)
    return X, Y, Z - lowest + 1e-3  # shifted above 0 so log-spaced levels work


def draw_surface(ax, surface_name: str) -> None:
    """Filled contours of a surface with its minima starred (object API, for any Axes)."""
    check_axes(ax, where="draw_surface")
    surface = SURFACES[check_choice(surface_name, "surface_name", sorted(SURFACES),
                                    where="draw_surface")]
    X, Y, Z = _contour_grid(surface_name)
    if surface.log_levels:
        levels = np.logspace(np.log10(Z.min()), np.log10(Z.max()), 25)
        ax.contourf(X, Y, Z, levels=levels, norm=LogNorm(), cmap="viridis", alpha=0.85)
    else:
        ax.contourf(X, Y, Z, levels=25, cmap="viridis", alpha=0.85)
    for m in surface.minima:
        ax.plot(*m, "*", color="white", ms=14, mec="black", zorder=5)
    ax.set(xlim=surface.xlim, ylim=surface.ylim, xlabel="x", ylabel="y")


def draw_path(ax, path, label: str | None = None, color: str = "tab:red") -> None:
    """An optimizer's path as a line with dots, starting with a square."""
    from matplotlib.colors import is_color_like

    where = "draw_path"
    check_axes(ax, where=where)
    check_instance(path, "path", SurfacePath, "a SurfacePath", where=where,
                   hint="the result of optimize_path(...) or cached_path(...)")
    check_text(label, "label", where=where, optional=True)
    if not is_color_like(check_text(color, "color", where=where)):
        raise ValueError(f"{where}: color must be a matplotlib colour such as 'tab:red' or "
                         f"'#1f77b4', got {color!r}")
    ax.plot(path.points[:, 0], path.points[:, 1], ".-", color=color, lw=1.5, ms=4, label=label)
    ax.plot(*path.points[0], "s", color=color, ms=7, mec="black")


GAP_TOP = 1e4  # the loss plot's top: every start is below 100; what climbs above is marked
GAP_FLOOR = 1e-16  # the loss plot's bottom: f - f_min is clipped here (float64's precision)
IMAGE_PIXELS = 360  # the surface image's side: about one pixel per screen pixel
LEVELS = 25


@lru_cache(maxsize=len(SURFACES))
def _surface_image(surface_name: str) -> np.ndarray:
    """The widget's surface as an (n, n) array of band numbers 0..LEVELS-1 over the plot
    limits: the bands :func:`draw_surface`'s filled contours would colour, computed in NumPy
    (an image draws in a fraction of the contours' time)."""
    surface = get_surface(surface_name)
    xs = np.linspace(*surface.xlim, IMAGE_PIXELS)
    ys = np.linspace(*surface.ylim, IMAGE_PIXELS)
    X, Y = np.meshgrid(xs, ys)
    _, _, Zc = _contour_grid(surface_name)
    lowest = min(surface.value(*m) for m in surface.minima)
    Z = surface.value(X, Y) - lowest + 1e-3
    if surface.log_levels:
        edges = np.logspace(np.log10(Zc.min()), np.log10(Zc.max()), LEVELS)
    else:
        edges = MaxNLocator(LEVELS + 1).tick_values(Zc.min(), Zc.max())
    bands = np.clip(np.searchsorted(edges, Z) - 1, 0, len(edges) - 2)
    return (bands / max(len(edges) - 2, 1)).astype(np.float32)


def _check_settings(where, optimizer, lr, momentum, beta2, arg="optimizer"):
    check_choice(optimizer, arg, OPTIMIZERS, where=where)
    check_float(lr, "lr", minimum=0, min_open=True, where=where)
    check_float(momentum, "momentum", minimum=0, maximum=1, max_open=True, where=where)
    check_float(beta2, "beta2", minimum=0, maximum=1, max_open=True, where=where)


def _path_cache_key(optimizer, lr, momentum, beta2, surface):
    return (optimizer, float(lr), float(momentum), float(beta2), surface)


_PATHS: dict = {}  # key -> the longest path run so far with these settings


def cached_path(optimizer: str, lr: float, momentum: float, beta2: float, surface: str,
                steps: int) -> SurfacePath:
    """``optimize_path`` for these settings, cut from a longer run made before if there is
    one (a run is deterministic: its first ``steps`` steps do not depend on the rest)."""
    _check_settings("cached_path", optimizer, lr, momentum, beta2)
    check_choice(surface, "surface", list(SURFACES), where="cached_path")
    steps = check_int(steps, "steps", minimum=1, where="cached_path")
    key = _path_cache_key(optimizer, lr, momentum, beta2, surface)
    known = _PATHS.get(key)
    if known is not None and (known[0] >= steps or known[1].diverged):
        run = known[1]
        if run.diverged and run.diverged_at <= steps:
            return run
        return SurfacePath(run.points[:steps + 1], run.losses[:steps + 1], False)
    run = optimize_path(surface, lambda params: make_optimizer(optimizer, params, lr,
                                                               momentum, beta2), steps=steps)
    if len(_PATHS) > 2048:
        _PATHS.pop(next(iter(_PATHS)))
    _PATHS[key] = (steps, run)
    return run


STEP_CEILINGS = (20, 50, 100, 200, 300, 500)


def _nice_ceiling(steps: int) -> int:
    """The step axis ends at one of a few round numbers, so it is rarely drawn again."""
    return next((n for n in STEP_CEILINGS if n >= steps), int(steps))


def _build_artists(fig) -> dict:
    """The widget's axes and artists, made once; :func:`_draw_optimizer` updates them."""
    ax_path, ax_loss = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.3, 1]})
    art = {"axes": list(fig.axes), "ax_path": ax_path, "ax_loss": ax_loss, "surface": None}
    art["image"] = ax_path.imshow(np.zeros((2, 2)), cmap="viridis", vmin=0, vmax=1, alpha=0.85,
                                  origin="lower", interpolation="nearest", aspect="auto")
    art["stars"] = [ax_path.plot([], [], "*", color="white", ms=14, mec="black", zorder=5)[0]
                    for _ in range(4)]
    ax_path.set(xlabel="x", ylabel="y")
    # as draw_path draws a path
    art["path"], = ax_path.plot([], [], ".-", color="tab:red", lw=1.5, ms=4)
    art["start"], = ax_path.plot([], [], "s", color="tab:red", ms=7, mec="black")
    art["diverged"] = ax_path.text(0.5, 0.5, "diverged", transform=ax_path.transAxes,
                                   ha="center", va="center", fontsize=22, color="white",
                                   bbox={"facecolor": "tab:red", "alpha": 0.8}, visible=False,
                                   zorder=6)  # over the minima's stars (zorder 5)
    art["gap"], = ax_loss.plot([], [], color="tab:red")
    # f - f_min above the plot's top: a triangle on the top edge at each such step, and where
    # a run diverged a cross there with its step; the curve itself is cut at the edge
    art["above"], = ax_loss.plot([], [], "^", color="tab:red", ms=5, clip_on=False, zorder=3)
    art["blowup"], = ax_loss.plot([], [], "X", color="tab:red", mec="black", mew=0.6, ms=10,
                                  clip_on=False, zorder=4)
    art["top_note"] = ax_loss.text(0, 0.97, "", transform=ax_loss.get_xaxis_transform(),
                                   va="top", fontsize=9, color="tab:red", zorder=4,
                                   bbox={"facecolor": "white", "edgecolor": "none",
                                         "alpha": 0.8, "pad": 1.5}, visible=False)
    for artist in (art["above"], art["blowup"], art["top_note"]):
        artist.set_in_layout(False)  # the layout, found once, must not depend on them
    ax_loss.set_yscale("log")
    # few ticks, no minor ones, plain-text labels: a log axis over 18 decades with minor
    # ticks and grid lines takes most of a redraw's time otherwise
    ax_loss.yaxis.set_major_locator(LogLocator(numticks=8))
    ax_loss.yaxis.set_minor_locator(NullLocator())
    ax_loss.yaxis.set_major_formatter(FuncFormatter(_decade_label))
    ax_loss.set(title="distance to the lowest value", xlabel="step", ylabel="f - f_min")
    ax_loss.grid(alpha=0.3, which="major")
    # what changes between redraws (the minima too: the path is drawn under them); the
    # surface's image is part of the path axes' background, kept per surface (cell_cache)
    art["animated"] = [art["path"], art["start"], art["diverged"], *art["stars"],
                       ax_path.title, art["gap"], art["above"], art["blowup"], art["top_note"]]
    art["cell_cache"] = 32
    return art


def _show_surface(art: dict, surface_name: str) -> None:
    """Show ``surface_name`` (image, minima, limits) on the path axes."""
    surface = get_surface(surface_name)
    art["image"].set_data(_surface_image(surface_name))
    art["image"].set_extent((*surface.xlim, *surface.ylim))
    minima = list(surface.minima)
    for star, point in zip(art["stars"], minima + [None] * len(art["stars"])):
        star.set_data(*(([point[0]], [point[1]]) if point is not None else ([], [])))
    art["ax_path"].set(xlim=surface.xlim, ylim=surface.ylim)
    # ticks inside the limits, all with one decimal: the labels of every surface fit the
    # margins laid out for the first one, and none reaches into the next axes' cell
    for axis, (lo, hi) in ((art["ax_path"].xaxis, surface.xlim),
                           (art["ax_path"].yaxis, surface.ylim)):
        axis.set_major_locator(FixedLocator([t for t in MaxNLocator(8, steps=[1, 2, 5, 10])
                                             .tick_values(lo, hi)
                                             if lo < t < hi]))
        axis.set_major_formatter(FormatStrFormatter("%.1f"))
    art["ax_path"]._nnlib_state = surface_name  # the image is part of its background
    art["surface"] = surface_name


def _draw_optimizer(fig, optimizer: str, lr: float, momentum: float, beta2: float,
                   surface: str, steps: int) -> str:
    """Path on the surface (left) and f - f_min against the step (right, log scale).

    On a figure it drew before only the data of its artists change (what the widget does on
    every change); the surface is an image of its contour bands (:func:`_surface_image`),
    paths are cached (:func:`cached_path`).
    """
    info = get_surface(surface)
    art = fig.__dict__.get("_nnlib_artists")
    if art is None or art["axes"] != fig.axes:
        art = fig.__dict__["_nnlib_artists"] = _build_artists(fig)
    if art["surface"] != surface:
        _show_surface(art, surface)
    ax_path, ax_loss = art["ax_path"], art["ax_loss"]
    ax_path.set_title(f"{optimizer} on the {info.name}\n{info.formula}", fontsize=10)
    if optimizer == "Nesterov" and momentum == 0:
        for line in (art["path"], art["start"], art["gap"], art["above"], art["blowup"]):
            line.set_data([], [])
        art["diverged"].set_visible(False)
        art["top_note"].set_visible(False)
        return "Nesterov needs momentum > 0: move the momentum slider"
    path = cached_path(optimizer, lr, momentum, beta2, surface, int(steps))
    art["path"].set_data(path.points[:, 0], path.points[:, 1])
    art["start"].set_data(path.points[:1, 0], path.points[:1, 1])
    lowest = min(info.value(*m) for m in info.minima)
    gap = np.maximum(path.losses - lowest, GAP_FLOOR)
    art["gap"].set_data(np.arange(len(gap)), gap)
    # fixed limits (the gap is clipped at GAP_FLOOR): only the step axis changes, among a few
    # round numbers; what climbs above GAP_TOP is marked on the top edge (_mark_above_top)
    ceiling = _nice_ceiling(steps)
    ax_loss.set(xlim=(0, ceiling), ylim=(GAP_FLOOR, GAP_TOP))
    _mark_above_top(art, gap, path.diverged_at if path.diverged else None, ceiling)
    art["diverged"].set_visible(bool(path.diverged))
    if path.diverged:
        return (f"diverged at step {path.diverged_at}: lr = {lr:.1e} is too large for "
                f"{optimizer} on this surface")
    end = path.points[-1]
    distance = min(np.hypot(*(end - np.array(m))) for m in info.minima)
    # at the clip the run went below float64's precision: its value there says nothing
    reached = f"< {GAP_FLOOR:.0e}" if gap[-1] <= GAP_FLOOR else f"= {gap[-1]:.2e}"
    return (f"{optimizer}, lr = {lr:.1e}: after {steps} steps f - f_min {reached}, "
            f"distance to the nearest minimum {distance:.3f}")


def _mark_above_top(art: dict, gap: np.ndarray, diverged_at: int | None,
                    ceiling: float) -> None:
    """Show on the loss plot's top edge what lies above it: a triangle at each step whose
    f - f_min is above GAP_TOP (the curve leaves the plot there), and for a diverged run a
    cross at the step where it was stopped, labelled "diverged at step N"; otherwise, if any
    step is above, the label says what the triangles mean."""
    above = np.flatnonzero(gap > GAP_TOP)
    art["above"].set_data(above, np.full(len(above), GAP_TOP))
    note = art["top_note"]
    if diverged_at is not None:
        art["blowup"].set_data([diverged_at], [GAP_TOP])
        x, text = diverged_at, f"diverged at step {diverged_at}"
    else:
        art["blowup"].set_data([], [])
        x, text = (above[0], f"▲ = above {_decade_label(GAP_TOP)}") if len(above) else (None, "")
    note.set_visible(x is not None)
    if x is not None:  # next to the mark, on the side with room for the text
        left = x < 0.55 * ceiling
        note.set_text(f"  {text}" if left else f"{text}  ")
        note.set_x(x)
        note.set_horizontalalignment("left" if left else "right")


def optimizer_explorer(optimizer: str = "Momentum", lr: float = 0.05, momentum: float = 0.9,
                       beta2: float = 0.999, surface: str = "bowl", steps: int = 100
                       ) -> InteractiveFigure:
    """Choose an optimizer, its learning rate and betas, and a surface; watch the path."""
    where = "optimizer_explorer"
    beta2_slider = slider("β2 (α)", beta2, 0.9, 0.999, 0.001, arg="beta2", where=where)
    beta2_slider.readout_format = ".3f"
    controls = {
        "optimizer": dropdown("optimizer", OPTIMIZERS, optimizer, arg="optimizer", where=where),
        "lr": log_slider("learning rate", lr, -4, 1, arg="lr", where=where),
        "momentum": slider("momentum/β1", momentum, 0.0, 0.99, 0.01, arg="momentum",
                           where=where),
        "beta2": beta2_slider,
        "surface": dropdown("surface", list(SURFACES), surface, arg="surface", where=where),
        "steps": slider("steps", steps, 10, 500, 10, integer=True, arg="steps", where=where),
    }
    widget = InteractiveFigure(_draw_optimizer, controls, figsize=(10, 4), reuse=True,
                               title="Optimizer paths on a 2-D surface")
    # each surface's axes and each step axis drawn now: changing them later costs a blit
    widget.warm("surface")
    widget.warm("steps", sorted(STEP_CEILINGS, reverse=True))  # the longest run first
    return widget
