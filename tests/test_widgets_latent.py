"""The latent explorer draws the decoded point and the interpolation it claims to draw."""

import numpy as np
import pytest

from nnlib.widgets.latent import LatentExplorer, interpolate


def decode(z):
    """A fake decoder: image brightness follows z1, a bar whose row follows z2."""
    z = np.asarray(z, dtype=float)
    images = np.zeros((len(z), 28, 28))
    for i, (z1, z2) in enumerate(z):
        images[i] += (np.tanh(z1) + 1) / 4
        images[i, int(np.clip(14 + 4 * z2, 0, 27)), :] = 1.0
    return images.reshape(len(z), 784)


def make():
    rng = np.random.default_rng(0)
    return LatentExplorer(decode, rng.normal(size=(50, 2)), rng.integers(0, 10, 50))


def test_middle_panel_shows_the_decoded_point():
    w = make()
    w.controls["z1"].value, w.controls["z2"].value = 1.5, -1.0
    assert w.last_error is None
    shown = w.figure.axes[1].images[0].get_array()
    np.testing.assert_allclose(shown, decode([[1.5, -1.0]]).reshape(28, 28))
    cross = w.figure.axes[0].lines[0]
    assert list(cross.get_xdata()) == [1.5] and list(cross.get_ydata()) == [-1.0]
    assert "(1.5, -1.0)" in w.last_status


def test_strip_is_the_decoded_straight_path_between_two_codes():
    w = make()
    w.controls["a"].value, w.controls["b"].value = 3, 7
    path = interpolate(w.codes[3], w.codes[7], 7)
    np.testing.assert_allclose(path[0], w.codes[3])
    np.testing.assert_allclose(path[-1], w.codes[7])
    strip = w.figure.axes[2].images[0].get_array()
    assert strip.shape == (28, 7 * 28)
    np.testing.assert_allclose(strip[:, 28 * 6:], decode(path[-1:]).reshape(28, 28))
    dashed = w.figure.axes[0].lines[1]
    np.testing.assert_allclose(dashed.get_xdata(), path[:, 0])


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="labels"):
        LatentExplorer(decode, np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="codes"):
        LatentExplorer(decode, np.zeros((5, 3)), np.zeros(5))
    with pytest.raises(TypeError, match="decode"):
        LatentExplorer("decoder", np.zeros((5, 2)), np.zeros(5))


def test_the_figure_is_kept_and_only_what_changes_is_updated():
    w = make()
    axes = list(w.figure.axes)
    w.controls["z1"].value = 1.0
    w.controls["a"].value = 5
    assert w.figure.axes == axes and w.last_error is None
    assert "(1.0, 0.0)" in axes[1].get_title()
    fresh = make()
    fresh.controls["z1"].value = 1.0
    fresh.controls["a"].value = 5
    assert w.to_png() == fresh.to_png()
