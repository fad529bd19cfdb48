"""The optimizer widget: redraws on every control, reports divergence, never raises."""

import io
import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from nnlib.scratch.optim import SGD, Adam, AdamW, RMSprop
from nnlib.surfaces import SURFACES
from nnlib.widgets.optimizers import (
    OPTIMIZERS,
    _draw_optimizer,
    make_optimizer,
    optimizer_explorer,
)


def test_every_control_redraws_a_different_picture():
    w = optimizer_explorer(steps=50)
    seen = {w.to_png()}
    for name, value in [("lr", 0.02), ("momentum", 0.5), ("optimizer", "Adam"), ("beta2", 0.95),
                        ("surface", "saddle"), ("steps", 80)]:
        status = w.last_status
        w.controls[name].value = value
        assert w.last_error is None, w.last_status
        assert w.last_status != status
        png = w.to_png()
        assert png not in seen
        seen.add(png)


@pytest.mark.slow  # a sweep of extremes: make test runs it, make unit-fast does not
@pytest.mark.parametrize("optimizer", ["SGD", "Momentum", "Nesterov"])
def test_a_huge_learning_rate_says_diverged_without_warnings(optimizer):
    w = optimizer_explorer(optimizer=optimizer, surface="rosenbrock", steps=50)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w.controls["lr"].value = 10.0
    assert w.last_error is None
    assert w.last_status.startswith("diverged at step")
    assert w.to_png()


@pytest.mark.slow  # a sweep of extremes: make test runs it, make unit-fast does not
@pytest.mark.parametrize("surface", list(SURFACES))
def test_extreme_settings_on_every_surface_never_raise(surface):
    # _draw_optimizer is what the widget calls on each change; calling it directly skips the
    # PNG rendering, so the whole grid of settings stays quick
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for optimizer in OPTIMIZERS:
            for lr in (1e-4, 10.0):
                for momentum in (0.0, 0.99):
                    status = _draw_optimizer(Figure(), optimizer, lr, momentum, 0.9, surface, 30)
                    assert isinstance(status, str) and status
                    if lr == 10.0 and optimizer in ("SGD", "Momentum"):
                        assert status.startswith("diverged")


def test_nesterov_without_momentum_asks_for_momentum():
    w = optimizer_explorer(optimizer="Nesterov", momentum=0.0)
    assert w.last_error is None and "needs momentum > 0" in w.last_status


def test_a_good_learning_rate_converges_and_says_so():
    w = optimizer_explorer(optimizer="Adam", lr=0.1, surface="saddle", steps=300)
    assert "diverged" not in w.last_status
    distance = float(w.last_status.rsplit(" ", 1)[1])
    assert distance < 0.05


@pytest.mark.parametrize("name, cls, attrs", [
    ("SGD", SGD, {"momentum": 0.0}), ("Momentum", SGD, {"momentum": 0.8, "nesterov": False}),
    ("Nesterov", SGD, {"momentum": 0.8, "nesterov": True}), ("RMSprop", RMSprop, {"alpha": 0.95}),
    ("Adam", Adam, {"betas": (0.8, 0.95)}), ("AdamW", AdamW, {"betas": (0.8, 0.95)}),
])
def test_make_optimizer_passes_the_settings_on(name, cls, attrs):
    from nnlib.scratch.module import Parameter

    opt = make_optimizer(name, [Parameter(np.zeros(2))], lr=0.3, momentum=0.8, beta2=0.95)
    assert type(opt) is cls and opt.lr == 0.3
    for key, value in attrs.items():
        assert getattr(opt, key) == value


def test_unknown_optimizer_is_explained():
    from nnlib.scratch.module import Parameter

    with pytest.raises(ValueError, match="name must be one of 'SGD'.*got 'Adagrad'"):
        make_optimizer("Adagrad", [Parameter(np.zeros(2))], lr=0.1)


def test_cached_paths_equal_fresh_runs_and_are_cut_from_longer_ones():
    from nnlib.surfaces import optimize_path
    from nnlib.widgets.optimizers import _surface_image, cached_path, make_optimizer

    for steps in (300, 120, 300, 40):  # the shorter ones are cut from the first run
        got = cached_path("Adam", 0.05, 0.9, 0.999, "rosenbrock", steps)
        fresh = optimize_path("rosenbrock", lambda p: make_optimizer("Adam", p, 0.05, 0.9,
                                                                     0.999), steps=steps)
        np.testing.assert_array_equal(got.points, fresh.points)
        np.testing.assert_array_equal(got.losses, fresh.losses)
        assert got.diverged == fresh.diverged
    far = cached_path("SGD", 10.0, 0.9, 0.999, "rosenbrock", 200)
    assert far.diverged and cached_path("SGD", 10.0, 0.9, 0.999, "rosenbrock", 100).diverged
    bands = _surface_image("bowl")
    assert bands.min() == 0 and bands.max() == 1 and bands.shape[0] == bands.shape[1]


def test_each_change_draws_the_path_surface_and_limits_of_its_settings():
    from nnlib.surfaces import get_surface
    from nnlib.widgets.optimizers import GAP_TOP, _nice_ceiling, _surface_image, cached_path

    w = optimizer_explorer(steps=50)
    for name, value in [("surface", "rosenbrock"), ("optimizer", "Adam"), ("lr", 0.02),
                        ("steps", 230), ("surface", "saddle"), ("momentum", 0.5)]:
        w.controls[name].value = value
        v = w.values
        art = w.figure.__dict__["_nnlib_artists"]
        path = cached_path(v["optimizer"], v["lr"], v["momentum"], v["beta2"], v["surface"],
                           v["steps"])
        np.testing.assert_array_equal(art["path"].get_xydata(), path.points)
        np.testing.assert_array_equal(art["image"].get_array(), _surface_image(v["surface"]))
        surface = get_surface(v["surface"])
        assert art["ax_path"].get_xlim() == surface.xlim
        assert art["ax_path"].get_title().startswith(f"{v['optimizer']} on the {surface.name}")
        assert art["ax_loss"].get_xlim() == (0, _nice_ceiling(v["steps"]))
        assert art["ax_loss"].get_ylim() == pytest.approx((1e-16, GAP_TOP))
        assert len(art["gap"].get_xdata()) == len(path.points)
        assert art["diverged"].get_visible() == path.diverged


def test_surfaces_and_step_axes_are_pasted_and_draw_the_same_picture(monkeypatch):
    import nnlib.widgets.core as core

    sequence = [("surface", "rosenbrock"), ("steps", 500), ("surface", "saddle"),
                ("steps", 20), ("surface", "bowl"), ("lr", 0.2), ("steps", 270),
                ("surface", "rosenbrock")]
    warmed = optimizer_explorer()
    redrawn = []
    real_redraw = core._redraw_axes
    monkeypatch.setattr(core, "_redraw_axes", lambda *a: redrawn.append(a[2]) or real_redraw(*a))
    pictures = []
    for name, value in sequence:
        warmed.controls[name].value = value
        assert warmed.last_error is None
        pictures.append(warmed.to_png())
    assert redrawn == []  # each surface and step axis was drawn once, when the widget was made
    monkeypatch.setattr(core.InteractiveFigure, "warm", lambda self, *a, **k: None)
    cold = optimizer_explorer()
    for (name, value), picture in zip(sequence, pictures):
        cold.controls[name].value = value
        assert cold.to_png() == picture, (name, value)
    assert redrawn


def test_a_run_below_float64_precision_says_so_instead_of_the_clip_value():
    status = _draw_optimizer(Figure(), "SGD", 0.1, 0.9, 0.999, "bowl", 500)
    assert "f - f_min < 1e-16," in status
    status = _draw_optimizer(Figure(), "SGD", 0.1, 0.9, 0.999, "bowl", 20)
    assert "f - f_min = " in status and "< 1e-16" not in status


def test_the_diverged_label_is_drawn_over_the_minimas_stars():
    fig = Figure()
    _draw_optimizer(fig, "SGD", 10.0, 0.9, 0.999, "bowl", 50)
    art = fig.__dict__["_nnlib_artists"]
    assert art["diverged"].get_visible()
    assert all(art["diverged"].get_zorder() > star.get_zorder() for star in art["stars"])


def test_the_things_to_try_in_notebook_06_show_what_the_prose_says():
    """Cell 27 and the speaker notes: Rosenbrock, Adam at lr 0.1 and 500 steps: beta1 0.9
    reaches 9.4e-3, beta1 0 zig-zags and is at 0.63; the saddle at lr 0.01 after 100 steps:
    SGD's f - f_min (0.67) is lower than Adam's (1.24) although SGD heads for the saddle."""
    from nnlib.widgets.optimizers import cached_path

    def gap(*args):
        status = _draw_optimizer(Figure(), *args)
        return float(status.split("f - f_min = ")[1].split(",")[0])

    assert f"{gap('Adam', 0.1, 0.9, 0.999, 'rosenbrock', 500):.1e}" == "9.4e-03"
    assert f"{gap('Adam', 0.1, 0.0, 0.999, 'rosenbrock', 500):.2f}" == "0.63"
    zigzag = np.diff(cached_path("Adam", 0.1, 0.0, 0.999, "rosenbrock", 500).points[:, 1])
    assert np.sum(np.sign(zigzag[1:]) != np.sign(zigzag[:-1])) > 100
    sgd, adam = (gap(name, 0.01, 0.9, 0.999, "saddle", 100) for name in ("SGD", "Adam"))
    assert (f"{sgd:.2f}", f"{adam:.2f}") == ("0.67", "1.24")
    sgd_end = cached_path("SGD", 0.01, 0.9, 0.999, "saddle", 100).points[-1]
    adam_end = cached_path("Adam", 0.01, 0.9, 0.999, "saddle", 100).points[-1]
    assert abs(sgd_end[1]) < 0.1 and abs(adam_end[1] - 1) < 0.1  # saddle row vs minimum's


def _top_marks(fig):
    art = fig.__dict__["_nnlib_artists"]
    return art, art["above"].get_xdata(), art["blowup"].get_xdata(), art["top_note"]


def test_a_diverged_run_is_marked_on_the_loss_plots_top_edge_with_its_step():
    from nnlib.widgets.optimizers import GAP_TOP, cached_path

    w = optimizer_explorer(optimizer="SGD", lr=0.3, momentum=0.9, surface="bowl", steps=100)
    path = cached_path("SGD", 0.3, 0.9, 0.999, "bowl", 100)
    assert path.diverged and w.last_status.startswith(f"diverged at step {path.diverged_at}")
    art, above, blowup, note = _top_marks(w.figure)
    gap = path.losses - 0.0  # the bowl's lowest value is 0
    np.testing.assert_array_equal(above, np.flatnonzero(gap > GAP_TOP))
    assert len(above) and list(blowup) == [path.diverged_at]
    assert list(art["blowup"].get_ydata()) == [GAP_TOP] == list(set(art["above"].get_ydata()))
    assert note.get_visible() and note.get_text().strip() == f"diverged at step {path.diverged_at}"
    # drawn where it says: the cross on the top edge (in red), the label inside the plot
    fig, ax = w.figure, art["ax_loss"]
    renderer = fig.canvas.get_renderer()
    box, inside = note.get_window_extent(renderer), ax.get_window_extent(renderer)
    assert inside.x0 <= box.x0 and box.x1 <= inside.x1
    assert inside.y0 <= box.y0 and box.y1 <= inside.y1
    x, y = ax.transData.transform((path.diverged_at, GAP_TOP))
    assert abs(y - inside.y1) < 1
    pixels = np.asarray(Image.open(io.BytesIO(w.to_png())).convert("RGB")).astype(int)
    r, g, b = pixels[int(round(fig.bbox.height - y)), int(round(x))]
    assert r > 150 and g < 100 and b < 100  # tab:red


def test_a_run_that_climbs_above_the_top_without_diverging_is_marked_too():
    from nnlib.widgets.optimizers import GAP_TOP, cached_path

    status = _draw_optimizer(fig := Figure(), "RMSprop", 1.0, 0.9, 0.999, "rosenbrock", 100)
    path = cached_path("RMSprop", 1.0, 0.9, 0.999, "rosenbrock", 100)
    assert not path.diverged and "diverged" not in status
    art, above, blowup, note = _top_marks(fig)
    np.testing.assert_array_equal(above, np.flatnonzero(path.losses > GAP_TOP))  # f_min = 0
    assert len(above) > 10 and len(blowup) == 0
    assert note.get_visible() and note.get_text().strip() == "▲ = above 1e4"


def test_nothing_is_marked_on_the_top_edge_of_a_run_below_it_and_a_switch_back_is_clean():
    fresh = optimizer_explorer(optimizer="SGD", lr=0.05, surface="bowl", steps=100)
    art, above, blowup, note = _top_marks(fresh.figure)
    assert len(above) == 0 and len(blowup) == 0 and not note.get_visible()
    w = optimizer_explorer(optimizer="SGD", lr=0.3, surface="bowl", steps=100)
    w.controls["lr"].value = 0.05  # from a diverged picture to a converging one
    assert w.to_png() == fresh.to_png()
