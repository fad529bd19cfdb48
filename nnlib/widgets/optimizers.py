"""Widget for notebook 06: an optimizer's path on a 2-D surface, redrawn as you change it.

The paths come from nnlib's own optimizers (``nnlib.scratch.optim``) run by
:func:`nnlib.surfaces.optimize_path`; a run that blows up is reported as "diverged".
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from matplotlib.colors import LogNorm

from nnlib.scratch.optim import SGD, Adam, AdamW, RMSprop
from nnlib.surfaces import SURFACES, get_surface, optimize_path
from nnlib.widgets.core import (
    InteractiveFigure,
    decade_limits,
    dropdown,
    log_slider,
    slider,
)

OPTIMIZERS = ("SGD", "Momentum", "Nesterov", "RMSprop", "Adam", "AdamW")
ADAMW_WEIGHT_DECAY = 0.01  # torch.optim.AdamW's default


def make_optimizer(name: str, params, lr: float, momentum: float = 0.9, beta2: float = 0.999):
    """An nnlib optimizer by name. ``momentum`` is beta1 for Adam/AdamW; ``beta2`` is
    Adam's second-moment decay and RMSprop's ``alpha`` (the same running average)."""
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
    surface = get_surface(surface_name)
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
    ax.plot(path.points[:, 0], path.points[:, 1], ".-", color=color, lw=1.5, ms=4, label=label)
    ax.plot(*path.points[0], "s", color=color, ms=7, mec="black")


def _build_artists(fig) -> dict:
    """The widget's axes and artists, made once; :func:`draw_optimizer` updates them."""
    ax_path, ax_loss = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.3, 1]})
    art = {"axes": list(fig.axes), "ax_path": ax_path, "ax_loss": ax_loss, "surface": None,
           "surface_artists": [], "stars": []}
    # as draw_path draws a path
    art["path"], = ax_path.plot([], [], ".-", color="tab:red", lw=1.5, ms=4)
    art["start"], = ax_path.plot([], [], "s", color="tab:red", ms=7, mec="black")
    art["diverged"] = ax_path.text(0.5, 0.5, "diverged", transform=ax_path.transAxes,
                                   ha="center", va="center", fontsize=22, color="white",
                                   bbox={"facecolor": "tab:red", "alpha": 0.8}, visible=False)
    art["gap"], = ax_loss.plot([], [], color="tab:red")
    ax_loss.set_yscale("log")
    ax_loss.set(title="distance to the lowest value", xlabel="step", ylabel="f - f_min")
    ax_loss.grid(alpha=0.3, which="both")
    return art


def _show_surface(art: dict, surface_name: str) -> None:
    """Put ``surface_name``'s contours and minima on the path axes (replacing the last)."""
    for artist in art["surface_artists"] + art["stars"]:
        artist.remove()
    ax = art["ax_path"]
    before = set(ax.get_children())
    draw_surface(ax, surface_name)
    new = [a for a in ax.get_children() if a not in before]
    art["stars"] = [a for a in new if a in ax.lines]
    art["surface_artists"] = [a for a in new if a not in ax.lines]
    art["surface"] = surface_name
    # what changes between redraws (the minima too: the path is drawn under them)
    art["animated"] = [art["path"], art["start"], art["diverged"], *art["stars"], ax.title,
                       art["gap"]]
    art["static_key"] = surface_name


def draw_optimizer(fig, optimizer: str, lr: float, momentum: float, beta2: float,
                   surface: str, steps: int) -> str:
    """Path on the surface (left) and f - f_min against the step (right, log scale).

    On a figure it drew before only the data of its artists change (what the widget does on
    every change); the surface's contours are drawn again only when the surface changes.
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
        for line in (art["path"], art["start"], art["gap"]):
            line.set_data([], [])
        art["diverged"].set_visible(False)
        return "Nesterov needs momentum > 0: move the momentum slider"
    path = optimize_path(surface, lambda params: make_optimizer(optimizer, params, lr,
                                                                momentum, beta2), steps=steps)
    art["path"].set_data(path.points[:, 0], path.points[:, 1])
    art["start"].set_data(path.points[:1, 0], path.points[:1, 1])
    lowest = min(info.value(*m) for m in info.minima)
    gap = np.maximum(path.losses - lowest, 1e-16)
    art["gap"].set_data(np.arange(len(gap)), gap)
    ax_loss.set(xlim=(0, steps), ylim=decade_limits(gap))
    art["diverged"].set_visible(bool(path.diverged))
    if path.diverged:
        return (f"diverged at step {path.diverged_at}: lr = {lr:.1e} is too large for "
                f"{optimizer} on this surface")
    end = path.points[-1]
    distance = min(np.hypot(*(end - np.array(m))) for m in info.minima)
    return (f"{optimizer}, lr = {lr:.1e}: after {steps} steps f - f_min = {gap[-1]:.2e}, "
            f"distance to the nearest minimum {distance:.3f}")


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
    return InteractiveFigure(draw_optimizer, controls, figsize=(10, 4), reuse=True,
                             title="Optimizer paths on a 2-D surface")
