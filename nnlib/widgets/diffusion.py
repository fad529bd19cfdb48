"""Scrub through the time steps of a diffusion model (notebook 14).

Left: the forward process, q(x_t | x_0) for the data at step t (fixed noise, so moving the
slider morphs each point smoothly towards pure noise). Right: the learned reverse chain at the
same step, from noise at t = T to samples at t = 0. The title gives alpha_bar_t: how much of
the signal is left (sqrt(alpha_bar_t) is the factor on x_0).
"""

from __future__ import annotations

import numpy as np

from nnlib._checks import check_array, check_optional_int, check_seed
from nnlib.scratch.generative import NoiseSchedule, q_sample
from nnlib.widgets.core import InteractiveFigure, slider


class DiffusionScrubber(InteractiveFigure):
    """x0: (N, 2) data; schedule: a NoiseSchedule; frames: {t: (M, 2)} from the reverse chain
    (``ddpm_sample(..., keep_every=k)``), keys T (noise) down to 0 (samples)."""

    def __init__(self, x0, schedule: NoiseSchedule, frames: dict, *, t: int | None = None,
                 seed: int = 0):
        self.x0 = check_array(x0, "x0", shape=(None, 2), shape_text="(N, 2)")
        if not isinstance(schedule, NoiseSchedule):
            raise TypeError(f"DiffusionScrubber: schedule must be a NoiseSchedule, got "
                            f"{type(schedule).__name__}")
        if not isinstance(frames, dict) or not frames:
            raise TypeError("DiffusionScrubber: frames must be a non-empty dict {t: (M, 2)}")
        self.schedule, self.frames = schedule, frames
        self.steps = sorted(frames)
        t = check_optional_int(t, "t", minimum=0, maximum=schedule.T, where="DiffusionScrubber")
        seed = check_seed(seed, where="DiffusionScrubber", optional=False)
        self.noise = np.random.default_rng(seed).standard_normal(self.x0.shape)
        step = self.steps[1] - self.steps[0] if len(self.steps) > 1 else 1
        controls = {"t": slider("time step t", schedule.T if t is None else t, 0, schedule.T,
                                step, integer=True)}
        super().__init__(self._draw, controls, figsize=(8.0, 3.8), reuse=True,
                         title="Diffusion: noising and denoising")

    def forward_at(self, t: int) -> np.ndarray:
        """Data after t noising steps (t = 0: the data itself)."""
        if t == 0:
            return self.x0
        return q_sample(self.x0, np.full(len(self.x0), t - 1), self.noise, self.schedule)

    def reverse_at(self, t: int) -> np.ndarray:
        """The reverse-chain frame nearest to step t."""
        nearest = min(self.steps, key=lambda s: abs(s - t))
        return self.frames[nearest]

    def _draw(self, fig, t):
        art = fig.__dict__.get("_nnlib_artists")
        if art is None:  # axes made once; the points and the title are blitted over them
            art = fig.__dict__["_nnlib_artists"] = {"points": []}
            for i, name in enumerate(["forward: data noised", "reverse: noise denoised"]):
                ax = fig.add_subplot(1, 2, i + 1)
                art["points"].append(ax.scatter(np.zeros(1), np.zeros(1), s=3,
                                                c="tab:blue" if i == 0 else "tab:green"))
                ax.set(xlim=(-3.5, 3.5), ylim=(-3.5, 3.5), aspect="equal", title=name)
            art["title"] = fig.suptitle(" ")
            art["animated"] = [*art["points"], art["title"]]
        signal = 1.0 if t == 0 else float(self.schedule.alpha_bars[t - 1])
        for points, data in zip(art["points"], (self.forward_at(t), self.reverse_at(t))):
            points.set_offsets(data)
        art["title"].set_text(f"t = {t} of {self.schedule.T}: alpha_bar = {signal:.3f}")
        return f"t = {t}: signal factor sqrt(alpha_bar) = {np.sqrt(signal):.3f}"


def diffusion_scrubber(x0, schedule, frames, **kwargs) -> DiffusionScrubber:
    """Build a :class:`DiffusionScrubber` (see its docstring)."""
    return DiffusionScrubber(x0, schedule, frames, **kwargs)
