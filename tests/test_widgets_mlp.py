"""Notebook 03's widget and helpers: redraws on every control, fits improve with width."""

import numpy as np
import pytest

from nnlib.data import regression_1d, xor_quadrants
from nnlib.scratch import Linear, ReLU, Tanh
from nnlib.widgets.mlp import PROBLEMS, build_mlp, grid_scores, hidden_units_widget, train_mlp


def test_build_mlp_layers_and_validation():
    model = build_mlp([2, 4, 3, 1], "relu", rng=0)
    kinds = [type(layer) for layer in model]
    assert kinds == [Linear, ReLU, Linear, ReLU, Linear]
    assert model.num_parameters() == (2 * 4 + 4) + (4 * 3 + 3) + (3 * 1 + 1)
    assert model(np.zeros((5, 2))).shape == (5, 1)
    same = build_mlp([2, 4, 3, 1], "relu", rng=0)
    assert np.array_equal(model[0].weight.data, same[0].weight.data)  # seeded
    with pytest.raises(ValueError, match="activation must be one of"):
        build_mlp([2, 1], "swish")
    with pytest.raises(ValueError, match="at least"):
        build_mlp([2])
    assert [type(layer) for layer in build_mlp([1, 1], "tanh")] == [Linear]
    assert type(build_mlp([1, 5, 1], "tanh")[1]) is Tanh


def test_wider_networks_fit_a_curve_better():
    X, y = regression_1d(n=80, function="sin", noise=0.1, seed=0)
    narrow = train_mlp(X, y, 1, "tanh", steps=300)
    wide = train_mlp(X, y, 20, "tanh", steps=300)
    assert len(wide.losses) == 300 and wide.losses[-1] < wide.losses[0]
    assert wide.final_loss < 0.5 * narrow.final_loss


def test_a_hidden_layer_solves_xor_classification():
    X, y = xor_quadrants(n=200, seed=0)
    result = train_mlp(X, y, 8, "tanh", steps=400)
    accuracy = np.mean((result.model(X)[:, 0] > 0) == (y == 1))
    assert accuracy > 0.95
    xs, ys, scores = grid_scores(result.model, (-1, 1), (-1, 1), resolution=20)
    assert xs.shape == (20,) and scores.shape == (20, 20)


def test_widget_redraws_on_each_control():
    widget = hidden_units_widget(steps=150)
    assert widget.last_error is None and "parameters" in widget.last_status
    pictures = {widget.to_png()}
    statuses = {widget.last_status}
    widget.controls["hidden_units"].value = 10
    widget.controls["activation"].value = "relu"
    for problem in PROBLEMS[1:]:
        widget.controls["problem"].value = problem
        assert widget.last_error is None
        pictures.add(widget.to_png())
        statuses.add(widget.last_status)
    assert len(pictures) == len(PROBLEMS) and len(statuses) == len(PROBLEMS)


@pytest.mark.slow  # a sweep of extremes: make test runs it, make unit-fast does not
@pytest.mark.parametrize("problem", PROBLEMS)
def test_widget_extremes_give_a_picture_not_an_error(problem):
    widget = hidden_units_widget(steps=60)
    widget.controls["problem"].value = problem
    for units in (1, 50):
        for activation in ("sigmoid", "relu"):
            widget.controls["hidden_units"].value = units
            widget.controls["activation"].value = activation
            assert widget.last_error is None, widget.last_status
            assert f"{units} hidden {activation}" in widget.figure.axes[0].get_title()


def test_revisiting_a_setting_reuses_the_cached_fit():
    widget = hidden_units_widget(steps=100)
    first = widget.to_png()
    widget.controls["hidden_units"].value = 7
    assert widget.to_png() != first
    widget.controls["hidden_units"].value = 3
    assert widget.to_png() == first


def test_the_data_come_first_and_a_cached_fit_draws_the_same_picture():
    widget = hidden_units_widget(steps=50)
    ax = widget.figure.axes[0]
    published = []
    widget.status.observe(lambda change: published.append(
        (change["new"], ax.get_title())), names="value")
    widget.controls["problem"].value = "XOR"
    assert "training" in published[0][0] and "training" in published[0][1]  # data first
    xor = widget.to_png()
    widget.controls["problem"].value = "curve: sin"
    widget.controls["problem"].value = "XOR"  # cached: drawn at once, the same picture
    assert widget.to_png() == xor
    assert widget.figure.axes == [ax] and widget.last_error is None
