"""The diffusion scrubber shows q(x_t | x_0) on the left and the reverse chain on the right."""

import numpy as np
import pytest

from nnlib.scratch.generative import (
    NoisePredictor,
    ddpm_sample,
    linear_beta_schedule,
    q_sample,
    ring_data,
)
from nnlib.widgets.diffusion import DiffusionScrubber


def make(t=None):
    schedule = linear_beta_schedule(20, 1e-3, 0.2)
    _, frames = ddpm_sample(NoisePredictor(2, 8, 20, rng=0), schedule, 50, rng=0, keep_every=5)
    return DiffusionScrubber(ring_data(100, rng=0), schedule, frames, t=t)


def test_t_zero_shows_the_data_and_the_final_samples():
    w = make(t=0)
    left, right = (ax.collections[0].get_offsets() for ax in w.figure.axes)
    np.testing.assert_allclose(left, w.x0)
    np.testing.assert_allclose(right, w.frames[0])
    assert "alpha_bar = 1.000" in w.figure._suptitle.get_text()


def test_scrubbing_shows_the_closed_form_forward_process():
    w = make()
    w.controls["t"].value = 10
    left = w.figure.axes[0].collections[0].get_offsets()
    want = q_sample(w.x0, np.full(100, 9), w.noise, w.schedule)
    np.testing.assert_allclose(left, want)
    np.testing.assert_allclose(w.figure.axes[1].collections[0].get_offsets(), w.frames[10])
    assert f"{w.schedule.alpha_bars[9]:.3f}" in w.figure._suptitle.get_text()
    w.controls["t"].value = 20
    assert np.std(w.figure.axes[0].collections[0].get_offsets()) > 0.5  # mostly noise


def test_bad_input_is_refused():
    schedule = linear_beta_schedule(5)
    with pytest.raises(TypeError, match="schedule"):
        DiffusionScrubber(np.zeros((3, 2)), "linear", {0: np.zeros((3, 2))})
    with pytest.raises(TypeError, match="frames"):
        DiffusionScrubber(np.zeros((3, 2)), schedule, {})
    with pytest.raises(ValueError, match="x0"):
        DiffusionScrubber(np.zeros((3, 3)), schedule, {0: np.zeros((3, 2))})


def test_scrubbing_keeps_the_axes_and_moves_the_points():
    w = make(t=10)
    axes = list(w.figure.axes)
    w.controls["t"].value = 0
    assert w.figure.axes == axes
    np.testing.assert_allclose(axes[0].collections[0].get_offsets(), w.forward_at(0))
    assert w.to_png() == make(t=0).to_png()
