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
from nnlib.widgets.core import InteractiveFigure, dropdown, log_slider, slider

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
    X, Y, Z = surface.grid(150)  # noqa: N806
    lowest = min(surface.value(*m) for m in surface.minima)
    return X, Y, Z - lowest + 1e-3  # shifted above 0 so log-spaced levels work


def draw_surface(ax, surface_name: str) -> None:
    """Filled contours of a surface with its minima starred (object API, for any Axes)."""
    surface = get_surface(surface_name)
    X, Y, Z = _contour_grid(surface_name)  # noqa: N806
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


def draw_optimizer(fig, optimizer: str, lr: float, momentum: float, beta2: float,
                   surface: str, steps: int) -> str:
    """Path on the surface (left) and f - f_min against the step (right, log scale)."""
    info = get_surface(surface)
    ax_path, ax_loss = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.3, 1]})
    draw_surface(ax_path, surface)
    ax_path.set_title(f"{optimizer} on the {info.name}\n{info.formula}", fontsize=10)
    if optimizer == "Nesterov" and momentum == 0:
        return "Nesterov needs momentum > 0: move the momentum slider"
    path = optimize_path(surface, lambda params: make_optimizer(optimizer, params, lr,
                                                                momentum, beta2), steps=steps)
    draw_path(ax_path, path)
    lowest = min(info.value(*m) for m in info.minima)
    gap = np.maximum(path.losses - lowest, 1e-16)
    ax_loss.semilogy(np.arange(len(gap)), gap, color="tab:red")
    ax_loss.set(title="distance to the lowest value", xlabel="step", ylabel="f - f_min",
                xlim=(0, steps))
    ax_loss.grid(alpha=0.3, which="both")
    if path.diverged:
        ax_path.text(0.5, 0.5, "diverged", transform=ax_path.transAxes, ha="center",
                     va="center", fontsize=22, color="white",
                     bbox={"facecolor": "tab:red", "alpha": 0.8})
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
    return InteractiveFigure(draw_optimizer, controls, figsize=(10, 4),
                             title="Optimizer paths on a 2-D surface")
