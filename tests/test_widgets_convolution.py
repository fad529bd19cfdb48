"""The convolution widget: right feature maps, redraws on every control, never raises."""

import numpy as np
import pytest
import torch

from nnlib.widgets.convolution import (
    CUSTOM,
    KERNELS,
    convolution_widget,
    draw_kernel,
    feature_map,
)

RNG = np.random.default_rng(0)
IMAGES = RNG.random((5, 28, 28))
LABELS = np.arange(5)


def make(**kwargs):
    return convolution_widget(images=IMAGES, labels=LABELS, **kwargs)


@pytest.mark.parametrize("name", list(KERNELS))
@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 1), (3, 2)])
def test_feature_map_is_torch_cross_correlation(name, stride, padding):
    image = IMAGES[1]
    expected = torch.nn.functional.conv2d(torch.tensor(image)[None, None],
                                          torch.tensor(KERNELS[name])[None, None],
                                          stride=stride, padding=padding)[0, 0]
    np.testing.assert_allclose(feature_map(image, KERNELS[name], stride, padding), expected,
                               rtol=1e-12, atol=1e-12)


def test_classic_kernels_do_what_their_names_say():
    step = np.zeros((8, 8))
    step[:, 4:] = 1.0  # a vertical edge between columns 3 and 4
    sobel_x = feature_map(step, KERNELS["Sobel x (vertical edges)"])
    sobel_y = feature_map(step, KERNELS["Sobel y (horizontal edges)"])
    assert sobel_x.max() == 4 and np.all(sobel_x[:, [0, 5]] == 0)  # fires only on the edge
    assert not sobel_y.any()                                       # sees no horizontal edge
    np.testing.assert_allclose(feature_map(IMAGES[0], KERNELS["identity"], padding=1), IMAGES[0])
    assert np.isclose(KERNELS["box blur"].sum(), 1) and np.isclose(KERNELS["sharpen"].sum(), 1)
    flat = np.full((5, 5), 0.7)  # blur and sharpen keep a flat image; edge kernels give 0
    for name in ("box blur", "Gaussian blur", "sharpen"):
        np.testing.assert_allclose(feature_map(flat, KERNELS[name]), 0.7)
    assert np.allclose(feature_map(flat, KERNELS["Laplacian (outline)"]), 0)


def test_every_control_redraws_a_different_picture():
    w = make()
    assert w.last_error is None and "(28 + 2·0 − 3) // 1 + 1 = 26" in w.last_status
    seen = {w.to_png()}
    for name, value in [("kernel", "Gaussian blur"), ("index", 3), ("stride", 2),
                        ("padding", 1), ("relu", True), ("kernel", CUSTOM), ("k11", 2.0),
                        ("k02", -1.5)]:
        w.controls[name].value = value
        assert w.last_error is None, w.last_status
        png = w.to_png()
        assert png not in seen, name
        seen.add(png)
    assert "(28 + 2·1 − 3) // 2 + 1 = 14" in w.last_status


def test_custom_numbers_are_ignored_unless_custom_is_chosen():
    w = make(kernel="sharpen")
    before = w.to_png()
    w.controls["k00"].value = 9.0
    assert w.to_png() == before


@pytest.mark.parametrize("value, words", [(float("nan"), "NaN"), (float("inf"), "NaN or inf"),
                                          (1e308, "overflowed")])
@pytest.mark.slow  # a sweep of extremes: make test runs it, make unit-fast does not
def test_extreme_kernel_values_give_a_status_not_an_exception(value, words):
    w = make(kernel=CUSTOM)
    w.controls["k11"].value = value
    w.controls["k12"].value = value
    assert w.last_error is None
    assert words in w.last_status
    w.controls["k11"].value = 1.0
    w.controls["k12"].value = 0.0
    assert w.last_error is None and "values from" in w.last_status


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="kernel must be one of"):
        make(kernel="edgy")
    with pytest.raises(ValueError, match=r"images of shape \(N, H, W\)"):
        convolution_widget(images=np.zeros((5, 784)))
    with pytest.raises(ValueError, match="2-D image and a 2-D kernel"):
        feature_map(np.zeros(28), KERNELS["identity"])


def test_draw_kernel_writes_every_number():
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    draw_kernel(ax, KERNELS["Sobel x (vertical edges)"])
    assert [t.get_text() for t in ax.texts] == ["-1", "0", "1", "-2", "0", "2", "-1", "0", "1"]


def test_redraws_update_the_same_artists_and_label_the_colour_bar():
    w = make()
    axes = list(w.figure.axes)
    art = w.figure.__dict__["_nnlib_artists"]
    for name, value in [("stride", 2), ("padding", 2), ("kernel", "emboss"), ("index", 4)]:
        w.controls[name].value = value
        assert w.figure.axes == axes  # nothing rebuilt
    out = art["output"].get_array()
    assert out.shape == (15, 15)  # (28 + 4 - 3) // 2 + 1
    limit = float(np.abs(out).max())
    assert [t.get_text().strip() for t in art["bar_labels"]] == [f"{-limit:.3g}", "0",
                                                                 f"{limit:.3g}"]
    assert art["output"].get_clim() == (-limit, limit)
