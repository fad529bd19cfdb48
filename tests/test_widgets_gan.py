"""The 2-D GAN trainer: buttons driven from code, what it draws, reset is exact."""

import numpy as np
import pytest

import nnlib.widgets.gan as gan
from nnlib.widgets.gan import GANTrainer2D


def test_draws_data_samples_and_the_discriminator_surface():
    w = GANTrainer2D(steps_per_click=5)
    assert w.last_error is None and w.step_count == 0
    ax = w.figure.axes[0]
    real, fake = ax.collections[-2].get_offsets(), ax.collections[-1].get_offsets()
    np.testing.assert_allclose(real, w.real)
    np.testing.assert_allclose(fake, w.samples())
    xs, ys, surface = w.discriminator_surface()
    assert surface.shape == (60, 60) and 0 < surface.min() <= surface.max() < 1
    assert w.last_status.startswith("step 0: modes covered")
    # the shading is D(x) as an image of its ten bands, computed with NumPy: each pixel the
    # mean colour of SUPER x SUPER points in it (smooth band edges)
    d = w.discriminator_map()
    band = np.clip((d * 10).astype(int), 0, 9)
    fine = np.clip((w.discriminator_map(gan.MAP * gan.SUPER) * 10).astype(int), 0, 9)
    colours = gan._BANDS[fine].astype(float)
    mean = colours.reshape(gan.MAP, gan.SUPER, gan.MAP, gan.SUPER, 3).mean(axis=(1, 3))
    np.testing.assert_array_equal(ax.images[0].get_array(), np.round(mean).astype(np.uint8))
    assert len(np.unique(band)) >= 2  # the untrained D is not flat: several bands show
    # D's map at a cell's centre agrees with the discriminator there (up to interpolation)
    x = gan._AXIS[[5, 20, 30]]
    exact = 1 / (1 + np.exp(-w.discriminator(np.stack([x, x], axis=1))[:, 0]))
    cell = np.searchsorted((np.arange(gan.MAP) + 0.5) / gan.MAP * 6 - 3, x)
    np.testing.assert_allclose(d[cell, cell], exact, atol=0.02)


def test_the_discriminators_bands_are_smooth_not_blocky():
    """The map has about one pixel per screen pixel (not 40 or 120 cells stretched: a
    staircase along every band edge) and its band edges are anti-aliased: pixels on an edge
    mix the two bands' colours, pixels inside a band have its colour."""
    w = GANTrainer2D()
    w.step(200)
    image = w.figure.axes[0].images[0]
    pixels = image.get_array()
    renderer = w.figure.canvas.get_renderer()
    shown = image.get_window_extent(renderer)
    assert pixels.shape[:2] == (gan.MAP, gan.MAP)
    assert 0.95 <= gan.MAP / shown.width <= 1.1 and 0.95 <= gan.MAP / shown.height <= 1.1
    band_colours = {tuple(c) for c in gan._BANDS}
    pure = np.array([tuple(p) in band_colours for p in pixels.reshape(-1, 3)])
    band = np.clip((w.discriminator_map() * 10).astype(int), 0, 9).ravel()
    edge = np.zeros((gan.MAP, gan.MAP), bool)
    b2 = band.reshape(gan.MAP, gan.MAP)
    edge[:-1] |= b2[:-1] != b2[1:]
    edge[1:] |= b2[:-1] != b2[1:]
    edge[:, :-1] |= b2[:, :-1] != b2[:, 1:]
    edge[:, 1:] |= b2[:, :-1] != b2[:, 1:]
    assert (~pure).sum() > 100 and np.all(edge.ravel()[~pure])  # blends only on edges
    inner = ~edge.ravel()
    np.testing.assert_array_equal(pixels.reshape(-1, 3)[inner], gan._BANDS[band[inner]])
    with pytest.raises(ValueError, match="cells"):
        w.discriminator_map(1)


def test_back_at_step_0_the_losses_axes_is_pasted_and_the_picture_is_a_fresh_ones(monkeypatch):
    import nnlib.widgets.core as core

    w = GANTrainer2D(steps_per_click=20)
    w.step()
    redrawn = []
    real_redraw = core._redraw_axes
    monkeypatch.setattr(core, "_redraw_axes", lambda *a: redrawn.append(a[2]) or real_redraw(*a))
    w.controls["loss"].value = "minimax"  # starts again from step 0: the 0..10 axes as before
    assert redrawn == [] and w.step_count == 0
    assert w.to_png() == GANTrainer2D(loss="minimax").to_png()
    w.step()  # (new loss limits may draw the axes: a state not seen before)
    redrawn.clear()
    w.reset()
    assert redrawn == [] and w.to_png() == GANTrainer2D(loss="minimax").to_png()


@pytest.mark.slow  # a training run: make test runs it, make unit-fast does not
def test_step_trains_and_reset_restores():
    w = GANTrainer2D(steps_per_click=5)
    before, picture = w.samples().copy(), w.to_png()
    w.step()
    assert w.step_count == 5 and len(w.history["d_loss"]) == 5
    assert not np.allclose(w.samples(), before) and w.to_png() != picture
    assert "step 5" in w.last_status  # and the loss curves are drawn:
    d_line, g_line = w.figure.axes[1].lines
    np.testing.assert_allclose(d_line.get_ydata(), w.history["d_loss"])
    np.testing.assert_allclose(g_line.get_xdata(), [1, 2, 3, 4, 5])
    w.reset()
    assert w.step_count == 0 and w.history["d_loss"] == []
    np.testing.assert_allclose(w.samples(), before)
    w.step(5)
    again = GANTrainer2D(steps_per_click=5)
    again.step()
    assert w.history == again.history  # deterministic


def test_changing_the_loss_resets_and_lr_applies_at_once():
    w = GANTrainer2D(steps_per_click=3)
    w.step()
    w.controls["loss"].value = "minimax"
    assert w.step_count == 0
    w.controls["lr"].value = 1e-2
    w.step()
    assert w.opt_g.lr == 1e-2 and w.step_count == 3
    assert w.history["g_loss"][0] < 0  # the minimax generator loss is log(1 - D) < 0


def test_every_control_shows_at_once_even_before_training():
    # at step 0 a new loss or learning rate gives the same weights; the title must still say so
    w = GANTrainer2D(steps_per_click=3)
    for name, new in (("loss", "minimax"), ("lr", 1e-2), ("hidden", 64)):
        picture = w.to_png()
        w.controls[name].value = new
        assert w.to_png() != picture, f"moving {name} left the picture unchanged"
        title = w.figure.axes[0].get_title()  # what changed in the picture: the title
        assert title == (f"step 0 · {w.controls['loss'].value} G loss · "
                         f"lr {w.controls['lr'].value:g}")
    assert title == "step 0 · minimax G loss · lr 0.01" and w.generator[0].weight.shape[1] == 64


def test_play_ticks_train_and_pause_stops():
    # ipywidgets 8 calls the Play state `playing`, 7.x (Colab) `_playing`: both must work
    w = GANTrainer2D(steps_per_click=2)
    w.play()
    assert w.playing
    w.play_button.value += 1  # one tick of the Play widget
    assert w.step_count == 2
    w.pause()
    assert not w.playing
    w.play_button.value += 1
    assert w.step_count == 2


@pytest.mark.slow  # a training run: make test runs it, make unit-fast does not
def test_trains_through_the_library_loop_and_stops_on_divergence(monkeypatch):
    import nnlib.widgets.gan as gan_widget

    calls, real_loop = [], gan_widget.train_steps

    def spy(step_fn, batches, **kwargs):
        calls.append(kwargs["steps"])
        return real_loop(step_fn, batches, **kwargs)

    monkeypatch.setattr(gan_widget, "train_steps", spy)
    w = GANTrainer2D(steps_per_click=4)
    w.step()
    w.step(3)
    assert calls == [4, 3] and w.step_count == 7 and len(w.history["g_loss"]) == 7

    real_step, seen = gan_widget.gan_train_step, []

    def breaks_at_third(*args, **kwargs):  # the 3rd step of the next click returns a NaN loss
        seen.append(1)
        values = real_step(*args, **kwargs)
        return {**values, "g_loss": float("nan")} if len(seen) == 3 else values

    monkeypatch.setattr(gan_widget, "gan_train_step", breaks_at_third)
    w.play()
    status = w.step()
    # the two finished steps are kept; the message counts steps from the start, not the click
    assert w.step_count == 9 and len(w.history["g_loss"]) == 9 and not w.playing
    assert "training diverged at step 10: g_loss became nan" in status and "reset" in status
    w.step()
    assert w.step_count == 9 and len(seen) == 3       # stopped until reset
    monkeypatch.setattr(gan_widget, "gan_train_step", real_step)
    w.reset()
    assert w.step(2).startswith("step 2: modes covered")


def test_nan_weights_stop_training_and_still_draw():
    # a real blow-up in the NumPy engine: NaN weights make a layer refuse its input
    w = GANTrainer2D(steps_per_click=2)
    w.step()
    for p in w.generator.parameters():
        p.data[...] = np.nan
    status = w.step()
    assert w.last_error is None and w.step_count == 2
    assert "training diverged at step 3" in status and "NaN" in status and "reset" in status
    ax = w.figure.axes[0]
    assert np.all(ax.images[0].get_array() == 235) and len(ax.collections[-1].get_offsets()) == 0
    assert w.reset().startswith("step 0: modes covered")


@pytest.mark.parametrize("steps", [1000, 3000, 10000])
def test_step_labels_stay_inside_the_figure_after_many_steps(steps):
    # the layout is found once at step 0 (x axis 0..10) and kept: the losses' last x tick label
    # ("1000", "5000", "10000") must still lie inside the figure, not be cut at its right edge
    w = GANTrainer2D()
    w.history = {"d_loss": list(np.linspace(1.4, 0.7, steps)),
                 "g_loss": list(np.linspace(-1.5, 2.3, steps))}  # minimax: negative losses
    w.step_count = steps
    w.update()
    fig = w.figure
    ax_loss = fig.axes[1]
    assert ax_loss.get_xlim()[1] >= steps
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = [label for ax in fig.axes for label in ax.get_xticklabels() + ax.get_yticklabels()
              if label.get_visible() and label.get_text()]
    assert any(label.get_text() == f"{ax_loss.get_xlim()[1]:.0f}"
               for label in ax_loss.get_xticklabels())
    for label in labels:
        box = label.get_window_extent(renderer)
        assert 0 <= box.x0 and box.x1 <= fig.bbox.width, label.get_text()
        assert 0 <= box.y0 and box.y1 <= fig.bbox.height, label.get_text()
