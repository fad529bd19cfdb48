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


def _record(widget):
    """From now on, every picture ``widget`` publishes, as (status, PNG) pairs."""
    published, render = [], widget._render

    def recording(fig, status):
        render(fig, status)
        published.append((widget.last_status, widget.png))

    widget._render = recording
    return published


def test_a_new_problem_pastes_its_kept_axes_and_shows_what_drawing_them_shows(monkeypatch):
    import nnlib.widgets.core as core

    widget = hidden_units_widget(steps=30)
    art = widget.figure.__dict__["_nnlib_artists"]
    # made with the widget: the axes of both curves and of the plane (XOR and circles share it)
    assert sorted(key[1][4] for key in art["_cell_pixels"]) == ["curve", "curve", "plane"]
    drawn, redraw_axes = [], core._redraw_axes
    published, trained = _record(widget), {"curve: sin"}
    for problem in (*PROBLEMS[1:], "curve: sin", "XOR", "curve: step", "circles"):
        published.clear()
        with monkeypatch.context() as patch:
            patch.setattr(core, "_redraw_axes", lambda *a: drawn.append(a[2]) or redraw_axes(*a))
            widget.controls["problem"].value = problem
        assert drawn == [] and widget.last_error is None  # pasted, never drawn again
        assert art["ax"].get_xlabel() == ("x" if problem.startswith("curve") else "x₁")
        # the reference draws its axes again (no kept pixels): the same pictures, the data
        # with "training…" first when the fit is new
        reference = hidden_units_widget(steps=30)
        reference.figure.__dict__["_nnlib_artists"]["_cell_pixels"].clear()
        expected = _record(reference)
        if problem == reference.values["problem"]:  # its first picture, its axes drawn
            expected.append((reference.last_status, reference.png))
        else:
            reference.controls["problem"].value = problem
            assert len(expected) == 2 and "training" in expected[0][0]
        assert len(published) == (1 if problem in trained else 2)  # new: the data first
        assert published == expected[-len(published):], problem
        trained.add(problem)


def test_the_region_shows_the_class_1_probability_in_the_colour_map_over_white():
    from nnlib.scratch import functional as F
    from nnlib.widgets.mlp import BOUNDARY_CMAP, REGION, _problem_data

    widget = hidden_units_widget(steps=40)
    widget.controls["problem"].value = "circles"
    art = widget.figure.__dict__["_nnlib_artists"]
    image = np.asarray(art["region"].get_array())
    assert art["region"].get_visible() and image.dtype == np.uint8 and image.shape == (80, 80, 4)
    model = train_mlp(*_problem_data("circles"), 3, "tanh", steps=40, lr=0.03, seed=0).model
    _, _, scores = grid_scores(model, REGION, REGION)
    expected = 0.55 * BOUNDARY_CMAP(F.sigmoid(scores))[..., :3] + 0.45  # 55 % over white
    assert np.abs(image[..., :3] / 255 - expected).max() <= 0.5 / 255 + 1e-12
    assert (image[..., 3] == 255).all()  # opaque: drawn once over the kept axes


def test_a_fit_that_a_newer_change_replaces_stops_and_the_next_one_is_drawn():
    widget = hidden_units_widget(steps=200)
    published = _record(widget)
    widget._stale = True  # as while a learner drags the slider on: a newer value waits
    widget.controls["hidden_units"].value = 9
    widget._stale = False
    assert len(published) == 1 and "training" in published[0][0]  # the data, no fit
    assert "training 9 hidden" in widget.figure.axes[0].get_title()
    widget.controls["hidden_units"].value = 10
    widget.controls["hidden_units"].value = 9  # not kept half-trained: trained in full now
    assert "training" in published[-2][0] and "loss after 200 Adam steps" in published[-1][0]
    fresh = hidden_units_widget(steps=200)
    fresh.controls["hidden_units"].value = 9
    assert widget.to_png() == fresh.to_png() and widget.last_status == fresh.last_status
