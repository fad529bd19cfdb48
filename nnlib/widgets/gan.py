"""Watch a GAN learn a ring of Gaussians (notebook 14), with nnlib's NumPy GAN.

Left: the discriminator's belief D(x) = P(real) over the plane (shaded), the real data (small
grey dots) and the generator's samples (orange). Right: both losses per step. ``step``
trains ``steps per click`` steps, ``play`` keeps stepping, ``reset`` starts again from the same
initial weights. The generator loss (non-saturating or minimax) and the learning rate can be
changed at any time; changing the loss or the hidden width resets.

Training goes through the library's loop, ``nnlib.train.generative.train_steps``, with
``gan_train_step`` as the step function (as notebook 14 trains its GAN): the loop checks every
loss, so a run whose losses become NaN or infinite stops with the loop's message in the status
line until ``reset``.
"""

from __future__ import annotations

import re
from functools import lru_cache

import ipywidgets as widgets
import numpy as np

from nnlib._checks import check_int, check_seed
from nnlib.errors import NonFiniteError
from nnlib.scratch.generative import (
    gan_train_step,
    mlp_discriminator,
    mlp_generator,
    ring_coverage,
    ring_data,
)
from nnlib.scratch.optim import Adam
from nnlib.train.generative import train_steps
from nnlib.train_common import Callback, TrainingDivergedError
from nnlib.widgets.core import InteractiveFigure, PlayControls, dropdown

LOSSES = ("non-saturating", "minimax")
LEARNING_RATES = (3e-4, 1e-3, 3e-3, 1e-2)


class GANTrainer2D(PlayControls, InteractiveFigure):
    """A 2-D GAN trainer with step / play / reset buttons.

    ``step(n)`` trains n steps and redraws; ``reset()`` restores the initial weights.
    ``history`` holds per-step ``d_loss`` and ``g_loss`` lists.
    """

    def __init__(self, *, loss: str = "non-saturating", lr: float = 3e-3, hidden: int = 32,
                 batch_size: int = 128, steps_per_click: int = 50, n_show: int = 500,
                 seed: int = 0, interval_ms: int = 300):
        where = "GANTrainer2D"
        self.seed = seed = check_seed(seed, where=where, optional=False)
        n_show = check_int(n_show, "n_show", minimum=1, where=where)
        interval_ms = check_int(interval_ms, "interval_ms", minimum=1, where=where)
        self.batch_size = check_int(batch_size, "batch_size", minimum=1, where="GANTrainer2D")
        self.steps_per_click = check_int(steps_per_click, "steps_per_click", minimum=1,
                                         where="GANTrainer2D")
        self.real = ring_data(n_show, rng=np.random.default_rng(seed + 1))
        self.z_show = np.random.default_rng(seed + 2).standard_normal((n_show, 2))
        self._key = None
        self._pictures: dict = {}
        self.step_count = 0
        controls = {
            "loss": dropdown("G loss", LOSSES, loss, arg="loss", where=where),
            "lr": dropdown("learning rate", LEARNING_RATES, lr, arg="lr", where=where),
            "hidden": dropdown("hidden", (16, 32, 64), hidden, arg="hidden", where=where),
        }
        self._add_play_button(interval_ms)
        self.step_button = widgets.Button(description="step", tooltip="train a few steps")
        self.reset_button = widgets.Button(description="reset", tooltip="initial weights again")
        super().__init__(self._draw, controls, figsize=(9.0, 3.8), title="A GAN on 2-D data",
                         reuse=True)
        self.widget.children = (self.widget.children[:1]
                                + (widgets.HBox([self.play_button, self.step_button,
                                                 self.reset_button]),)
                                + self.widget.children[1:])
        self.step_button.on_click(lambda _: self.step())
        self.reset_button.on_click(lambda _: self.reset())

    # -- actions ----------------------------------------------------------------------------
    def step(self, steps: int | None = None) -> str | None:
        """Train ``steps`` (default: steps per click) steps through the library's loop."""
        self._sync(self.controls["loss"].value, self.controls["hidden"].value)
        n = self.steps_per_click if steps is None else check_int(steps, "steps", minimum=1,
                                                                 where="GANTrainer2D.step")
        if self.diverged is None:
            lr = float(self.controls["lr"].value)
            self.opt_g.lr = self.opt_d.lr = lr
            non_saturating = self.controls["loss"].value == LOSSES[0]

            def gan_step(batch):
                x, z = batch
                return gan_train_step(self.generator, self.discriminator, self.opt_g,
                                      self.opt_d, x, z, non_saturating=non_saturating)

            # first feedback at once: the status says what is happening while it trains
            self.status.value = (f"<span style='font-family:monospace'>step {self.step_count}: "
                                 f"training {n} steps…</span>")
            try:
                train_steps(gan_step, self._batch, steps=n, callbacks=[_Record(self)])
            except TrainingDivergedError as exc:  # the loop's verdict: a loss became NaN/inf
                # the loop counts the steps of this call; the widget counts from the start
                self.diverged = re.sub(r"at step \d+", f"at step {self.step_count + 1}",
                                       str(exc), count=1)
                self.pause()
            except NonFiniteError as exc:  # NaN/inf weights: a layer refused its input
                self.diverged = f"training diverged at step {self.step_count + 1}: {exc}"
                self.pause()
        self.update()
        return self.last_status

    def reset(self) -> str | None:
        self.pause()
        self._key = None
        self.update()
        return self.last_status

    def frame(self) -> str | None:
        """One tick of play: ``steps per click`` steps, then one redraw."""
        return self.step()

    # -- state --------------------------------------------------------------------------------
    def _sync(self, loss, hidden) -> None:
        if self._key == (loss, hidden):
            return
        self._key = (loss, hidden)
        rng = np.random.default_rng(self.seed)
        self.generator = mlp_generator(2, hidden, 2, rng=rng)
        self.discriminator = mlp_discriminator(2, hidden, rng=rng)
        self.opt_g = Adam(self.generator.parameters(), lr=1e-3, betas=(0.5, 0.999))
        self.opt_d = Adam(self.discriminator.parameters(), lr=1e-3, betas=(0.5, 0.999))
        self.data_rng = np.random.default_rng(self.seed + 3)
        self.history = {"d_loss": [], "g_loss": []}
        self.step_count = 0
        self.diverged = None           # the loop's message once a loss became NaN/inf

    def _batch(self, _step: int):
        """One batch for the loop: real ring samples and the generator's noise, (B, 2) each."""
        x = ring_data(self.batch_size, rng=self.data_rng)
        z = self.data_rng.standard_normal((self.batch_size, 2))
        return x, z

    def samples(self) -> np.ndarray:
        """The generator's output for the fixed display noise, (n_show, 2)."""
        return self.generator(self.z_show)

    def discriminator_surface(self, resolution: int = 60, limit: float = 3.0):
        """(xs, ys, D) with D = sigmoid(discriminator) on a resolution x resolution grid."""
        xs = np.linspace(-limit, limit, resolution)
        gx, gy = np.meshgrid(xs, xs)
        logits = self.discriminator(np.stack([gx.ravel(), gy.ravel()], axis=1))
        return xs, xs, (1 / (1 + np.exp(-logits))).reshape(resolution, resolution)

    def _draw(self, fig, loss, lr, hidden):
        self._sync(loss, hidden)
        art = fig.__dict__.get("_nnlib_artists")
        if art is None:
            art = fig.__dict__["_nnlib_artists"] = _build_artists(fig, self.real)
        rgb, fake = self._picture(hidden)
        art["image"].set_data(rgb)
        art["fake"].set_offsets(fake)
        # the settings in the title: a change shows at once, even before a step is trained
        art["ax"].set_title(f"step {self.step_count} · {loss} G loss · lr {lr:g}")
        d_loss, g_loss = self.history["d_loss"], self.history["g_loss"]
        steps = np.arange(1, len(d_loss) + 1)
        art["d_line"].set_data(steps, d_loss)
        art["g_line"].set_data(steps, g_loss)
        # limits that change seldom: the loss axes is drawn again only when they do
        art["ax_loss"].set_xlim(0, _nice_ceiling(max(len(d_loss), 10)))
        art["ax_loss"].set_ylim(*_loss_limits(d_loss + g_loss))
        if self.diverged is not None:
            return f"step {self.step_count}: training stopped: {self.diverged}; press reset"
        hit, good = ring_coverage(fake)
        return (f"step {self.step_count}: modes covered {hit} of 8, samples near a mode "
                f"{good:.0%}")

    def _picture(self, hidden) -> tuple[np.ndarray, np.ndarray]:
        """The D(x) picture (MAP, MAP, 3) and the generator's samples, computed once per
        state of the weights: a control that does not train (the learning rate; the loss or
        width, which start again from the same initial weights) finds them here."""
        if self.step_count == 0 and self.diverged is None:
            key = ("start", hidden)  # the initial weights depend on the width only
        else:
            key = (id(self.generator), id(self.discriminator), self.step_count, self.diverged)
        found = self._pictures.get(key)
        if found is None:
            try:
                found = self._band_picture(), self.samples()
            except NonFiniteError:  # diverged: the weights are NaN/inf, nothing left to draw
                found = _DIVERGED_RGB, np.empty((0, 2))
            if len(self._pictures) >= 8:  # the start pictures (one per width) are kept
                for old in [k for k in self._pictures if k[0] != "start"]:
                    del self._pictures[old]
            self._pictures[key] = found
        return found

    def _apply_layout(self, fig) -> None:
        """The layout is found once, at step 0 (x axis 0..10), and kept: find it with the x axis
        at 0..LAYOUT_STEPS, so that the widest step labels a run reaches ("1000", "10000") get
        room at the figure's right edge, not only the "10" of step 0."""
        art = fig.__dict__.get("_nnlib_artists")
        if art is None or self._layout_cache is not None:
            super()._apply_layout(fig)
            return
        ax = art["ax_loss"]
        xlim = ax.get_xlim()
        ax.set_xlim(0, LAYOUT_STEPS)
        try:
            super()._apply_layout(fig)
        finally:
            ax.set_xlim(*xlim)

    def discriminator_map(self, cells: int | None = None) -> np.ndarray:
        """D(x) over the plane [-3, 3]^2 at the centres of a ``cells`` x ``cells`` picture
        (default MAP; row 0 at the bottom): computed on a GRID x GRID grid, then interpolated
        linearly, along y, then along x."""
        logits = self.discriminator(_GRID_POINTS)
        with np.errstate(over="ignore"):
            d = (1 / (1 + np.exp(-logits))).reshape(GRID, GRID)
        cells = MAP if cells is None else check_int(cells, "cells", minimum=2,
                                                    where="GANTrainer2D.discriminator_map")
        lo, frac = _upsampler(cells)
        d = d[lo] * (1 - frac)[:, None] + d[lo + 1] * frac[:, None]
        return d[:, lo] * (1 - frac) + d[:, lo + 1] * frac

    def _band_picture(self) -> np.ndarray:
        """The D(x) picture (MAP, MAP, 3): the ten bands' colours at SUPER x SUPER points per
        pixel, averaged, so band edges are smooth (anti-aliased) at about one picture pixel
        per screen pixel, not a staircase of stretched cells."""
        rgb = _band_rgb(self.discriminator_map(MAP * SUPER)).astype(np.uint16)
        total = sum(rgb[i::SUPER, j::SUPER] for i in range(SUPER) for j in range(SUPER))
        return ((total + SUPER * SUPER // 2) // (SUPER * SUPER)).astype(np.uint8)


LAYOUT_STEPS = 20000  # the losses' x axis as wide as it is laid out for (5-digit labels)
MAP = 224         # the D(x) picture: MAP x MAP pixels over [-LIMIT, LIMIT]^2 (its axes is
#                   about 221 screen pixels wide: one picture pixel per screen pixel)
SUPER = 2         # band colours computed at SUPER x SUPER points per pixel and averaged
GRID = 40         # D is computed on GRID x GRID points (the ends included), then interpolated
LIMIT = 3.0
_AXIS = np.linspace(-LIMIT, LIMIT, GRID)
_GRID_POINTS = np.stack([np.tile(_AXIS, GRID), np.repeat(_AXIS, GRID)], axis=1)  # (GRID², 2)
_LEVELS = np.linspace(0, 1, 11)  # ten bands of D, as a filled contour plot has them


@lru_cache(maxsize=4)
def _upsampler(cells: int) -> tuple[np.ndarray, np.ndarray]:
    """(lo, frac), each (cells,): the centre of cell i of ``cells`` equal cells over the grid's
    range lies between grid points lo[i] and lo[i] + 1, frac[i] of the way."""
    u = (np.arange(cells) + 0.5) / cells * (GRID - 1)
    lo = np.minimum(u.astype(int), GRID - 2)
    return lo, u - lo


def _band_table() -> np.ndarray:
    """The ten bands' colours: RdBu at each band's middle, 60 % over white, as uint8 RGB."""
    from matplotlib import colormaps

    middles = (_LEVELS[:-1] + _LEVELS[1:]) / 2
    rgb = 0.6 * colormaps["RdBu"](middles)[:, :3] + 0.4
    return np.round(255 * rgb).astype(np.uint8)


_BANDS = _band_table()
_DIVERGED_RGB = np.full((MAP, MAP, 3), 235, dtype=np.uint8)


def _band_rgb(surface: np.ndarray) -> np.ndarray:
    """D values (MAP, MAP) -> the picture (MAP, MAP, 3): each value's band colour (NumPy
    instead of contourf: a lookup per pixel)."""
    index = np.clip((np.nan_to_num(surface, nan=0.5) * 10).astype(np.intp), 0, 9)
    return _BANDS[index]


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 5 x 10^k that is >= value."""
    power = 10.0 ** np.floor(np.log10(value))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= value))


def _loss_limits(losses) -> tuple[float, float]:
    """y-limits around the finite losses, at multiples of 0.5 (so they seldom change)."""
    values = np.asarray(losses, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return 0.0, 2.0
    lo, hi = np.floor(values.min() * 2) / 2, np.ceil(values.max() * 2) / 2
    return float(lo), float(hi if hi > lo else lo + 0.5)


def _build_artists(fig, real: np.ndarray) -> dict:
    """The figure's axes, drawn once, and the artists each redraw updates."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import BoundaryNorm, ListedColormap

    ax, ax_loss = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    image = ax.imshow(_DIVERGED_RGB, extent=(-LIMIT, LIMIT, -LIMIT, LIMIT), origin="lower",
                      interpolation="nearest")
    shading = ScalarMappable(norm=BoundaryNorm(_LEVELS, 10), cmap=ListedColormap(_BANDS / 255))
    fig.colorbar(shading, ax=ax, label="D(x) = P(real)", ticks=_LEVELS[::2])
    real_points = ax.scatter(real[:, 0], real[:, 1], s=3, c="0.3", label="data")
    fake = ax.scatter(np.zeros(0), np.zeros(0), s=4, c="tab:orange", label="generator")
    ax.set(xlim=(-LIMIT, LIMIT), ylim=(-LIMIT, LIMIT), aspect="equal")
    # the legend under the map, outside it: drawn once with the axes, not in every redraw
    fig.legend(handles=[real_points, fake], loc="outside lower left", ncols=2, fontsize=8,
               markerscale=2.5, frameon=False)
    d_line, = ax_loss.plot([], [], label="D loss")
    g_line, = ax_loss.plot([], [], label="G loss")
    ax_loss.legend(fontsize=8, loc="upper right")
    ax_loss.set(xlabel="step", title="losses", xlim=(0, 10), ylim=(0.0, 2.0))
    return {"ax": ax, "ax_loss": ax_loss, "image": image, "fake": fake, "d_line": d_line,
            "g_line": g_line,
            # drawn over the kept background in every redraw, in z-order
            "animated": [image, real_points, fake, ax.title, d_line, g_line],
            # the losses axes' pixels per limits kept: back at step 0 (a loss or width change,
            # reset) its 0..10 axes is pasted, not drawn again
            "cell_cache": 8}


class _Record(Callback):
    """Appends each finished step's losses to the widget's history (the loop checked them)."""

    def __init__(self, trainer: GANTrainer2D):
        self.trainer = trainer

    def on_batch_end(self, info) -> None:
        history = self.trainer.history
        history["d_loss"].append(info["values"]["d_loss"])
        history["g_loss"].append(info["values"]["g_loss"])
        self.trainer.step_count += 1


def gan_trainer(**kwargs) -> GANTrainer2D:
    """Build a :class:`GANTrainer2D` (see its docstring)."""
    return GANTrainer2D(**kwargs)
