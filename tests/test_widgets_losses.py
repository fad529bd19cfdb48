"""The loss widget: redraws on every control, matches nnlib/torch, never raises."""

import warnings

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from nnlib.widgets.losses import LOSSES, _draw_loss, loss_and_grad, loss_curves, loss_explorer

TORCH_LOSSES = {
    "MSE": lambda z, t: torch.nn.functional.mse_loss(z, t),
    "MAE": lambda z, t: torch.nn.functional.l1_loss(z, t),
    "Huber (δ = 1)": lambda z, t: torch.nn.functional.huber_loss(z, t, delta=1.0),
    "BCE on the logit": lambda z, t: torch.nn.functional.binary_cross_entropy_with_logits(z, t),
    "MSE after a sigmoid": lambda z, t: torch.nn.functional.mse_loss(torch.sigmoid(z), t),
}


@pytest.mark.parametrize("name", list(LOSSES))
@pytest.mark.parametrize("prediction, target", [(-2.3, 1.0), (0.4, 0.0), (3.7, 0.3)])
def test_loss_and_gradient_match_torch(name, prediction, target):
    z = torch.tensor([prediction], dtype=torch.float64, requires_grad=True)
    expected = TORCH_LOSSES[name](z, torch.tensor([target], dtype=torch.float64))
    expected.backward()
    value, grad = loss_and_grad(name, prediction, target)
    assert value == pytest.approx(expected.item(), rel=1e-12)
    assert grad == pytest.approx(z.grad.item(), rel=1e-12)


@pytest.mark.parametrize("name", list(LOSSES))
def test_gradient_curve_matches_finite_differences_of_the_loss_curve(name):
    xs = np.array([-4.1, -1.3, 0.7, 2.9])  # away from the kinks of MAE and Huber
    eps = 1e-6
    _, grads = loss_curves(name, 0.6, xs)
    plus, _ = loss_curves(name, 0.6, xs + eps)
    minus, _ = loss_curves(name, 0.6, xs - eps)
    np.testing.assert_allclose(grads, (plus - minus) / (2 * eps), rtol=1e-6, atol=1e-9)


def test_every_control_redraws_a_different_picture():
    w = loss_explorer()
    seen = {w.to_png()}
    for name, value in [("prediction", 1.5), ("target", -1.0), ("loss", "MAE"),
                        ("loss", "BCE on the logit"), ("prediction", -5.0)]:
        status = w.last_status
        w.controls[name].value = value
        assert w.last_error is None
        assert w.last_status != status
        png = w.to_png()
        assert png not in seen
        seen.add(png)


def test_confident_mistake_status_shows_vanishing_mse_gradient():
    w = loss_explorer(loss="MSE after a sigmoid", target=1.0, prediction=-6.0)
    mse_grad = abs(float(w.last_status.split("gradient ")[1]))
    w.controls["loss"].value = "BCE on the logit"
    bce_grad = abs(float(w.last_status.split("gradient ")[1]))
    assert mse_grad < 0.01 < 0.99 < bce_grad


def test_classification_target_outside_0_1_is_clipped_with_a_message():
    w = loss_explorer(loss="BCE on the logit", target=2.0)
    assert w.last_error is None
    assert "must lie in [0, 1]: 2 used as 1" in w.last_status


@pytest.mark.slow  # a sweep of extremes: make test runs it, make unit-fast does not
def test_extreme_values_give_a_status_not_an_exception():
    w = loss_explorer()
    limits = {name: (w.controls[name].min, w.controls[name].max)
              for name in ("target", "prediction")}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w.controls["prediction"].value = limits["prediction"][0]
        w.controls["target"].value = limits["target"][1]
        assert w.last_error is None and w.last_status.startswith("target")
        # the rest of the grid through _draw_loss, the widget's callback, without PNG rendering
        for loss in LOSSES:
            for target in limits["target"]:
                for prediction in limits["prediction"]:
                    assert _draw_loss(Figure(), loss, target, prediction).startswith("target")


def test_unknown_loss_is_explained():
    with pytest.raises(ValueError, match="name must be one of 'MSE'.*got 'MSLE'"):
        loss_and_grad("MSLE", 0.0, 1.0)


def test_moving_target_or_prediction_keeps_the_axes_limits():
    from nnlib.widgets.losses import _nice_limits, loss_explorer

    assert _nice_limits(-3.2, 67.2) == (-10.0, 70.0)
    assert _nice_limits(0.0, 1.0) == (0.0, 1.0)
    for loss in ("MSE", "BCE on the logit"):
        w = loss_explorer(loss=loss)
        limits = [ax.get_ylim() for ax in w.figure.axes]
        for name, value in [("target", -2.0), ("target", 2.0), ("prediction", 6.0),
                            ("target", 0.3)]:
            w.controls[name].value = value
            assert w.last_error is None
            assert [ax.get_ylim() for ax in w.figure.axes] == limits, (loss, name, value)
        art = w.figure.__dict__["_nnlib_artists"]
        lo, hi = limits[0]
        curve = art["curve"].get_ydata()
        assert lo <= curve.min() and curve.max() <= hi


def test_curves_equal_the_loss_modules_point_by_point():
    xs = np.linspace(-6, 6, 49)
    for name, (_, on_logit) in LOSSES.items():
        for target in (0.0, 0.3, 1.0) if on_logit else (-2.0, 0.4, 2.0):
            values, grads = loss_curves(name, target, xs)
            engine = np.array([loss_and_grad(name, x, target) for x in xs])
            np.testing.assert_allclose(values, engine[:, 0], rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(grads, engine[:, 1], rtol=1e-12, atol=1e-15)


def test_each_change_draws_the_curves_point_and_limits_of_its_settings():
    w = loss_explorer()
    for name, value in [("loss", "Huber (δ = 1)"), ("prediction", 2.5), ("target", -1.5),
                        ("loss", "BCE on the logit"), ("prediction", -3.0),
                        ("loss", "MSE after a sigmoid"), ("loss", "MSE")]:
        w.controls[name].value = value
        v = w.values
        target = float(np.clip(v["target"], 0, 1)) if LOSSES[v["loss"]][1] else v["target"]
        art = w.figure.__dict__["_nnlib_artists"]
        values, grads = loss_curves(v["loss"], target, art["curve"].get_xdata())
        np.testing.assert_allclose(art["curve"].get_ydata(), values)
        np.testing.assert_allclose(art["grad_curve"].get_ydata(), grads)
        value, grad = loss_and_grad(v["loss"], v["prediction"], target)
        assert list(art["point"].get_xydata()[0]) == pytest.approx([v["prediction"], value])
        assert list(art["grad_point"].get_xydata()[0]) == pytest.approx([v["prediction"], grad])
        assert art["ax_loss"].get_title() == f"{v['loss']}: loss"
        lo, hi = art["ax_loss"].get_ylim()
        assert lo <= values.min() and values.max() <= hi


def test_switching_losses_pastes_kept_axes_and_draws_the_same_picture(monkeypatch):
    import nnlib.widgets.core as core

    sequence = [("loss", name) for name in [*list(LOSSES)[1:], *LOSSES]]
    sequence += [("target", 0.3), ("loss", "MAE"), ("prediction", 4.0)]
    warmed = loss_explorer()
    redrawn = []
    real_redraw = core._redraw_axes
    monkeypatch.setattr(core, "_redraw_axes", lambda *a: redrawn.append(a[2]) or real_redraw(*a))
    pictures = []
    for name, value in sequence:
        warmed.controls[name].value = value
        pictures.append(warmed.to_png())
    assert redrawn == []  # every loss's axes were drawn once, when the widget was made
    monkeypatch.setattr(core.InteractiveFigure, "warm", lambda self, *a, **k: None)
    cold = loss_explorer()
    for (name, value), picture in zip(sequence, pictures):
        cold.controls[name].value = value
        assert cold.to_png() == picture, (name, value)
    assert redrawn  # without warming, a new loss draws its axes again


def _every_switch(names):
    """A walk through ``names`` that takes every from -> to switch between two of them
    exactly once (an Euler circuit of the complete directed graph)."""
    left = {a: [b for b in names if b != a] for a in names}
    stack, walk = [names[0]], []
    while stack:
        if left[stack[-1]]:
            stack.append(left[stack[-1]].pop())
        else:
            walk.append(stack.pop())
    return walk[::-1]


def test_a_picture_reached_by_any_loss_switch_equals_a_fresh_widgets():
    """R2: the x label was burnt into each axes' kept pixels, so after a switch between a
    prediction loss and a logit loss one label was drawn over the other; and the layout was
    fixed by the first loss, so a later loss's wider tick labels could be cut."""
    names = list(LOSSES)
    settings = {"target": 0.7, "prediction": 1.5}
    fresh = {name: loss_explorer(loss=name, **settings).to_png() for name in names}
    walk = _every_switch(names)
    assert len(walk) == len(names) * (len(names) - 1) + 1
    w = loss_explorer(loss=walk[0], **settings)
    assert w.to_png() == fresh[walk[0]]
    for before, name in zip(walk, walk[1:]):
        w.controls["loss"].value = name
        assert w.last_error is None
        assert w.to_png() == fresh[name], f"{before} -> {name}"


@pytest.mark.parametrize("first", ["BCE on the logit", "MSE after a sigmoid"])
def test_every_losss_labels_stay_inside_the_figure_whichever_loss_came_first(first):
    w = loss_explorer(loss=first)
    for name in LOSSES:
        w.controls["loss"].value = name
        fig = w.figure
        renderer = fig.canvas.get_renderer()
        ax_loss, ax_grad = fig.axes
        boxes = [ax.get_tightbbox(renderer) for ax in fig.axes]
        for box in boxes:
            assert 0 <= box.x0 and box.x1 <= fig.bbox.x1, name
            assert 0 <= box.y0 and box.y1 <= fig.bbox.y1, name
        assert boxes[0].x1 < ax_grad.yaxis.label.get_window_extent(renderer).x0, name
        assert ax_loss.xaxis.label.get_text() == ax_grad.xaxis.label.get_text()
