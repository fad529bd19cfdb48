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
        self.step_count = 0
        controls = {
            "loss": dropdown("G loss", LOSSES, loss, arg="loss", where=where),
            "lr": dropdown("learning rate", LEARNING_RATES, lr, arg="lr", where=where),
            "hidden": dropdown("hidden", (16, 32, 64), hidden, arg="hidden", where=where),
        }
        self._add_play_button(interval_ms)
        self.step_button = widgets.Button(description="step", tooltip="train a few steps")
        self.reset_button = widgets.Button(description="reset", tooltip="initial weights again")
        super().__init__(self._draw, controls, figsize=(9.0, 3.8), title="A GAN on 2-D data")
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
        ax, ax_loss = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        try:
            (xs, ys, surface), fake = self.discriminator_surface(), self.samples()
        except NonFiniteError:  # diverged: the weights are NaN/inf, nothing left to draw
            surface, fake = None, np.empty((0, 2))
        if surface is not None:
            shade = ax.contourf(xs, ys, surface, levels=np.linspace(0, 1, 11), cmap="RdBu",
                                alpha=0.6)
            fig.colorbar(shade, ax=ax, label="D(x) = P(real)")
        ax.scatter(self.real[:, 0], self.real[:, 1], s=3, c="0.3", label="data")
        ax.scatter(fake[:, 0], fake[:, 1], s=4, c="tab:orange", label="generator")
        # the settings in the title: a change shows at once, even before a step is trained
        ax.set(xlim=(-3, 3), ylim=(-3, 3), aspect="equal",
               title=f"step {self.step_count} · {loss} G loss · lr {lr:g}")
        ax.legend(loc="upper right", fontsize=8)
        if self.history["d_loss"]:
            ax_loss.plot(self.history["d_loss"], label="D loss")
            ax_loss.plot(self.history["g_loss"], label="G loss")
            ax_loss.legend(fontsize=8)
        ax_loss.set(xlabel="step", title="losses")
        if self.diverged is not None:
            return f"step {self.step_count}: training stopped: {self.diverged}; press reset"
        hit, good = ring_coverage(fake)
        return (f"step {self.step_count}: modes covered {hit} of 8, samples near a mode "
                f"{good:.0%}")


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
