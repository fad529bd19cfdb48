"""Notebook 01's widget: stepping epochs moves the boundary; every setting draws."""

import numpy as np
import pytest

from nnlib.data import logic_gate
from nnlib.scratch import Perceptron
from nnlib.widgets.perceptron import GATES, perceptron_trace, perceptron_widget


@pytest.fixture
def widget(capsys):
    w = perceptron_widget()
    capsys.readouterr()  # the widget displays its first picture on stdout outside Jupyter
    return w


def test_stepping_epochs_moves_the_boundary_and_reports_convergence(widget):
    first = widget.to_png()
    assert widget.last_error is None and widget.last_status.startswith("epoch 0:")
    widget.controls["epoch"].value = 6
    assert widget.last_error is None and widget.to_png() != first
    assert "0 of 4 points on the wrong side" in widget.last_status
    assert "converged (no mistakes since epoch 6)" in widget.last_status


def test_xor_never_converges_and_changing_the_gate_redraws(widget):
    before = widget.to_png()
    widget.controls["gate"].value = "XOR"
    widget.controls["epoch"].value = 60
    assert widget.last_error is None and widget.to_png() != before
    assert "still making mistakes after 60 epochs" in widget.last_status
    # what is drawn: the four points and the mistakes of all 60 epochs
    ax_points, ax_bars = widget.figure.axes[:2]
    assert ax_points.get_title() == "XOR, after epoch 60"
    assert len(ax_bars.patches) == 60
    assert all(p.get_height() > 0 for p in ax_bars.patches)


@pytest.mark.slow  # a sweep of extremes: make test runs it, make unit-fast does not
@pytest.mark.parametrize("gate", GATES)
def test_extreme_settings_draw_without_error(widget, gate):
    widget.controls["gate"].value = gate
    widget.controls["start"].value = "random"
    for lr, epoch in ((widget.controls["lr"].min, 20), (widget.controls["lr"].max, 0)):
        widget.controls["lr"].value = 10.0 ** lr
        widget.controls["epoch"].value = epoch
        assert widget.last_error is None, widget.last_status
        assert widget.last_status.startswith(f"epoch {epoch}:")


def test_learning_rate_matters_only_from_random_start():
    zero_small, zero_big = perceptron_trace("AND", 0.01, 10), perceptron_trace("AND", 1.0, 10)
    assert zero_small.mistakes == zero_big.mistakes
    np.testing.assert_allclose(zero_small.at_epoch(10)[0], 0.01 * zero_big.at_epoch(10)[0])
    rand_small = perceptron_trace("AND", 0.01, 10, "random")
    rand_big = perceptron_trace("AND", 1.0, 10, "random")
    assert rand_small.mistakes != rand_big.mistakes


def test_trace_matches_nnlib_perceptron_epoch_by_epoch():
    X, y = logic_gate("NAND")
    trace = perceptron_trace("NAND", 0.5, 8)
    p = Perceptron(2, lr=0.5)
    for epoch in range(1, 9):
        assert p.fit_epoch(X, y, shuffle=False) == trace.mistakes[epoch - 1]
        w, b = trace.at_epoch(epoch)
        np.testing.assert_array_equal(w, p.w)
        assert b == p.b
    assert trace.converged_at == trace.mistakes.index(0) + 1


def test_bad_start_is_explained():
    with pytest.raises(ValueError, match="start must be one of"):
        perceptron_trace("AND", start="ones")


def test_the_epoch_slider_reaches_the_slow_learning_rate_experiment(widget):
    """lr = 0.01 from a random start needs more than 40 epochs: the slider goes to 60."""
    assert widget.controls["epoch"].max >= 60
    trace = perceptron_trace("AND", 0.01, 60, "random")
    assert trace.converged_at is not None and trace.converged_at > 20
    widget.controls["start"].value = "random"
    widget.controls["lr"].value = 0.01
    widget.controls["epoch"].value = trace.converged_at
    assert f"converged (no mistakes since epoch {trace.converged_at})" in widget.last_status


def test_the_seed_slider_draws_another_random_start(widget):
    widget.controls["start"].value = "random"
    first = widget.last_status
    widget.controls["seed"].value = 7
    assert widget.last_status != first
    w, b = perceptron_trace("AND", 1.0, 1, "random", seed=7).at_epoch(0)
    assert f"w = ({w[0] + 0.0:.3g}, {w[1] + 0.0:.3g}), b = {b + 0.0:.3g}" in widget.last_status
    widget.controls["start"].value = "zero"  # the seed does not matter from zero weights
    assert widget.last_status.startswith("epoch 0: w = (0, 0), b = 0")


@pytest.mark.parametrize("kwargs, words", [
    (dict(gate="XOR3"), ["perceptron_widget", "gate", "'XOR3'", "'AND'", "'XOR'"]),
    (dict(lr=100.0), ["lr", "100"]),
    (dict(epoch=61), ["epoch", "61"]),
    (dict(start="ones"), ["start", "'ones'", "'random'"]),
    (dict(seed=-1), ["seed", "-1"]),
])
def test_bad_options_are_refused_in_the_constructor(kwargs, words):
    with pytest.raises((ValueError, TypeError)) as info:
        perceptron_widget(**kwargs)
    for word in words:
        assert word in str(info.value)
