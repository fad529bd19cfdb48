"""Notebook 02's widget: f, f' and the gradient through depth, for every activation."""

import numpy as np
import pytest
import torch

from nnlib.widgets.activations import (
    ACTIVATIONS,
    INITS,
    activation_widget,
    gradient_norms_through_depth,
)


@pytest.fixture
def widget(capsys):
    w = activation_widget()
    capsys.readouterr()
    return w


def test_changing_activation_and_depth_redraws_with_new_status(widget):
    first, status = widget.to_png(), widget.last_status
    assert "sigmoid" in status and "vanishes" in status and widget.last_error is None
    widget.controls["activation"].value = "ReLU"
    widget.controls["init"].value = "He (Kaiming)"
    assert widget.last_error is None and "survives" in widget.last_status
    assert widget.to_png() != first
    widget.controls["depth"].value = 3
    assert "layer 3" in widget.last_status


def test_one_layer_reads_as_one_layer(widget):
    widget.controls["depth"].value = 1
    art = widget.figure.__dict__["_nnlib_artists"]
    assert widget.last_error is None
    assert art["ax_g"].get_title() == "gradient flowing down 1 layer"
    status = widget.last_status
    assert "through the single layer is " in status and "sent in above it" in status
    assert "layer 1 is" not in status and "at layer 1" not in status
    widget.controls["depth"].value = 2
    assert art["ax_g"].get_title() == "gradient flowing down 2 layers"
    assert "reaching layer 1 is " in widget.last_status
    assert "sent in above layer 2" in widget.last_status
    widget.controls["activation"].value = "step"
    widget.controls["depth"].value = 1
    assert widget.last_status.startswith("the gradient through the single layer is exactly 0")


def test_parameters_change_the_picture(widget):
    widget.controls["activation"].value = "leaky ReLU"
    before = widget.to_png()
    widget.controls["slope"].value = 0.5
    assert widget.to_png() != before
    widget.controls["activation"].value = "ELU"
    before = widget.to_png()
    widget.controls["alpha"].value = 2.5
    assert widget.to_png() != before and widget.last_error is None


def test_step_reports_a_zero_gradient(widget):
    widget.controls["activation"].value = "step"
    assert widget.last_error is None
    assert "exactly 0" in widget.last_status


@pytest.mark.slow  # a sweep of extremes: make test runs it, make unit-fast does not
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_extreme_settings_give_a_status_not_an_error(widget, name):
    widget.controls["activation"].value = name
    widget.controls["depth"].value = 50
    widget.controls["slope"].value = 1.0
    widget.controls["alpha"].value = 3.0
    widget.controls["init"].value = "He (Kaiming)"
    assert widget.last_error is None and widget.last_status, widget.last_status
    widget.controls["depth"].value = 1
    widget.controls["slope"].value = 0.0
    widget.controls["alpha"].value = 0.0
    assert widget.last_error is None and widget.last_status, widget.last_status
    assert set(INITS) == {"Xavier (Glorot)", "He (Kaiming)"}


def test_sigmoid_vanishes_and_relu_with_he_init_survives():
    sigmoid = gradient_norms_through_depth("sigmoid", 20)
    relu = gradient_norms_through_depth("ReLU", 20, init="kaiming_normal")
    assert sigmoid.shape == (20,) and sigmoid[0] < 1e-9 < sigmoid[-1]
    assert 0.1 < relu[0] < 10


def test_gradient_norms_agree_with_torch_autograd():
    """Rebuild the stack in torch from the same seed and compare the input gradient."""
    depth, width, batch = 6, 16, 8
    norms = gradient_norms_through_depth("tanh", depth, width=width, batch=batch, seed=3)
    rng = np.random.default_rng(3)
    from nnlib.scratch import Linear
    linears = [Linear(width, width, init="xavier_normal", rng=rng, dtype=np.float64)
               for _ in range(depth)]
    x = torch.tensor(rng.standard_normal((batch, width)), requires_grad=True)
    h = x
    for layer in linears:
        h = torch.tanh(layer.to_torch()(h))
    grad_top = torch.tensor(rng.standard_normal((batch, width)))
    h.backward(grad_top)
    assert np.isclose(norms[0], (x.grad.norm() / grad_top.norm()).item())


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="activation must be one of .*got 'swish'"):
        gradient_norms_through_depth("swish")
    with pytest.raises(ValueError, match="depth must be an int >= 1, got 0"):
        gradient_norms_through_depth("tanh", 0)
    with pytest.raises(ValueError, match="init must be one of"):
        gradient_norms_through_depth("tanh", 3, init="he")


def test_gradient_axis_has_plain_text_decade_labels():
    from nnlib.widgets.activations import activation_widget

    w = activation_widget(activation="sigmoid", depth=30)
    frame = w.figure.__dict__["_nnlib_artists"]["frame"]
    lo, hi = frame.ylim  # log10 of the limits: whole decades
    assert lo < -3 and hi == 0 and float(lo).is_integer()
    labels = [t.get_text() for t in frame.ylabels if t.get_visible()]
    assert labels[-1] == "1" and all(t.startswith("1e-") for t in labels[:-1])
    assert [t.get_text() for t in frame.xlabels if t.get_visible()][-1] == "30"


def test_the_gradient_curve_is_the_measured_one():
    from nnlib.widgets.activations import _cached_norms, activation_widget

    w = activation_widget(activation="tanh", depth=12)
    w.controls["activation"].value = "ELU"
    w.controls["alpha"].value = 0.5
    art = w.figure.__dict__["_nnlib_artists"]
    frame = art["frame"]
    norms = _cached_norms("ELU", 12, "xavier_normal", 0.5)
    np.testing.assert_allclose(norms, gradient_norms_through_depth("ELU", 12, param=0.5))
    x, y = art["norms"].get_data()
    np.testing.assert_allclose(x, frame.x(np.arange(1, 13)))
    np.testing.assert_allclose(y, frame.y(norms))
    assert np.all((y >= 0) & (y <= 1))
    assert art["ax_f"].get_title() == "ELU (alpha = 0.5)"
    assert art["ax_g"].get_title() == "gradient flowing down 12 layers"
    xs = np.linspace(-4, 4, 401)
    np.testing.assert_allclose(art["f"].get_ydata(), ACTIVATIONS["ELU"](xs, 0.5))
    np.testing.assert_allclose(art["grad"].get_ydata(), ACTIVATIONS["ELU"].derivative(xs, 0.5))


def test_pictures_do_not_depend_on_the_way_there():
    from nnlib.widgets.activations import activation_widget

    direct = activation_widget(activation="GELU", depth=45).to_png()
    w = activation_widget()
    for name, value in [("depth", 45), ("activation", "ReLU"), ("depth", 3),
                        ("activation", "GELU"), ("depth", 45)]:
        w.controls[name].value = value
    assert w.to_png() == direct
