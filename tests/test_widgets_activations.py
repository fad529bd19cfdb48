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
    ax_g = w.figure.__dict__["_nnlib_artists"]["ax_g"]
    lo, hi = ax_g.get_ylim()
    label = ax_g.yaxis.get_major_formatter()
    assert lo < 1e-3 and label(lo).startswith("1e-") and label(1.0) == "1"
    assert label(1e5) == "1e5"
    assert len(ax_g.yaxis.get_minor_locator()()) == 0
