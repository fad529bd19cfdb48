"""InteractiveFigure: redraws on control changes and never lets a draw error escape."""

import numpy as np
import pytest

from nnlib.plotting import figure_png, plot_digits
from nnlib.widgets import InteractiveFigure, dropdown, log_slider, slider


def draw_line(fig, slope, style):
    ax = fig.add_subplot()
    if not np.isfinite(slope) or slope > 100:
        raise ValueError("slope too large to draw")
    ax.plot([0, 1], [0, slope], style)
    return f"slope {slope:g}"


def make():
    return InteractiveFigure(draw_line, {"slope": slider("slope", 1.0, -5, 500, 0.5),
                                         "style": dropdown("style", ["-", "--"])})


def test_changing_a_control_redraws_a_different_picture():
    fig = make()
    first = fig.to_png()
    assert fig.render_count == 1 and fig.last_status == "slope 1"
    fig.controls["slope"].value = -3.0
    assert fig.render_count == 2 and fig.last_status == "slope -3"
    assert fig.to_png() != first
    fig.controls["style"].value = "--"
    assert fig.render_count == 3 and fig.values == {"slope": -3.0, "style": "--"}


def test_a_draw_error_becomes_a_message_not_a_traceback():
    fig = make()
    fig.controls["slope"].value = 400.0
    assert isinstance(fig.last_error, ValueError)
    assert "Could not draw with these settings: slope too large" in fig.last_status
    assert "slope too large" in fig.status.value
    with pytest.raises(RuntimeError, match="no figure to save"):
        fig.to_png()
    fig.controls["slope"].value = 2.0
    assert fig.last_error is None and fig.to_png()


def test_needs_controls():
    with pytest.raises(ValueError, match="at least one control"):
        InteractiveFigure(draw_line, {})


def test_log_slider_spans_powers_of_ten():
    s = log_slider("lr", 1e-2, -4, 1)
    assert s.min == -4 and s.max == 1 and s.value == pytest.approx(1e-2)


def test_plot_digits_accepts_flat_and_square_images():
    images = np.random.default_rng(0).random((6, 784))
    fig = plot_digits(images, labels=np.arange(6), predictions=[0, 1, 2, 0, 4, 5], ncols=3)
    axes = [ax for ax in fig.axes if ax.images]
    assert len(axes) == 6
    assert axes[3].title.get_color() == "tab:red" and axes[0].title.get_color() == "black"
    assert figure_png(plot_digits(images.reshape(6, 28, 28))).startswith(b"\x89PNG")
    with pytest.raises(ValueError, match=r"\(N, 784\) or \(N, 28, 28\)"):
        plot_digits(np.zeros((2, 10)))


def test_layout_engine_is_a_choice():
    fixed = InteractiveFigure(draw_line, {"slope": slider("slope", 1.0, -5, 5, 0.5),
                                          "style": dropdown("style", ["-"])}, layout=None)
    assert fixed.figure.get_layout_engine() is None
    assert make().figure.get_layout_engine() is not None


def test_browser_changes_are_merged_and_the_last_value_wins():
    fig = make()
    control = fig.controls["slope"]
    assert control.continuous_update  # redraws while dragged
    renders = fig.render_count
    for value in np.arange(-5.0, 5.0, 0.5):  # a fast drag, as the front end sends it
        control.set_state({"value": float(value)})
    assert fig.wait_idle(60)
    assert fig.last_status == "slope 4.5"  # the last value, drawn
    assert 1 <= fig.render_count - renders < 20  # merged: no queue of stale redraws
    assert fig.figure.axes[0].lines[0].get_ydata()[-1] == 4.5


def test_changes_from_code_redraw_at_once():
    fig = make()
    fig.controls["slope"].value = 3.0
    assert fig.last_status == "slope 3"  # no waiting needed
    assert list(fig.figure.axes[0].lines[0].get_ydata()) == [0, 3.0]


def test_descriptions_are_never_truncated():
    fig = InteractiveFigure(draw_line, {"slope": slider("a long learning rate name", 1.0, -5,
                                                        5, 0.5),
                                        "style": dropdown("style", ["-"])})
    assert fig.controls["slope"].style.description_width == "initial"


def test_a_generator_draw_publishes_each_stage():
    def staged(fig, slope, style):
        ax = fig.add_subplot()
        yield "working…"
        ax.plot([0, 1], [0, slope], style)
        yield f"done {slope:g}"

    fig = InteractiveFigure(staged, {"slope": slider("slope", 1.0, -5, 5, 0.5),
                                     "style": dropdown("style", ["-"])})
    seen = []
    fig.status.observe(lambda change: seen.append(change["new"]), names="value")
    fig.controls["slope"].value = 2.0
    assert ["working" in seen[0], "done 2" in seen[-1]] == [True, True]
    assert fig.last_status == "done 2" and fig.render_count == 2


def test_merged_background_requests_hand_over_every_reason_once():
    # the reasons of requests merged while a redraw runs arrive together, with the request
    # that brought them (a Play tick's flag can no longer be seen one request early)
    import threading
    import time

    seen, gate = [], threading.Event()

    class Recording(InteractiveFigure):
        def _background_update(self, reasons=frozenset()):
            gate.wait(10)
            seen.append(reasons)

    fig = Recording(draw_line, {"slope": slider("slope", 1.0, -5, 500, 0.5)})
    fig.request_update("tick")
    deadline = time.monotonic() + 10
    while not fig._busy and time.monotonic() < deadline:  # the worker took the first one
        time.sleep(0.001)
    fig.request_update("tick")
    fig.request_update()
    gate.set()
    assert fig.wait_idle(10)
    assert seen == [frozenset({"tick"}), frozenset({"tick", "redraw"})]
