"""The over-smoothing explorer draws what it says, and its first control changes the picture."""

import numpy as np
import pytest

from nnlib.data.graphs import stochastic_block_model
from nnlib.scratch.graph import mean_pairwise_distance, propagate
from nnlib.widgets.graph import OverSmoothingExplorer


@pytest.fixture(scope="module")
def sbm():
    return stochastic_block_model(0.2, nodes_per_block=15, seed=0)


def make(sbm, **kwargs):
    return OverSmoothingExplorer(sbm.adjacency, sbm.x, sbm.y, max_depth=12, **kwargs)


def test_first_control_changes_the_picture_at_once(sbm):
    w = make(sbm)
    first = next(iter(w.controls))
    assert first == "how"
    before = w.png
    w.controls["how"].value = "max"
    assert w.last_error is None and w.png != before
    before = w.png
    w.controls["depth"].value = 3
    assert w.png != before


def test_points_and_measure_follow_the_propagation(sbm):
    w = make(sbm, how="mean", depth=0)
    w.controls["depth"].value = 5
    assert w.last_error is None
    layers = propagate(sbm.x, sbm.adjacency, 5, "mean")
    spread = mean_pairwise_distance(layers[5])
    assert w.spread["mean"][5] == pytest.approx(spread)
    assert f"{spread:.3f}" in w.last_status and "5 rounds" in w.last_status
    ax = w.figure.axes[0]
    np.testing.assert_allclose(ax.collections[0].get_offsets(), w.embedding_2d("mean", 5))
    assert "depth 5" in ax.get_title()
    # the measure falls with depth for every aggregation
    for how, values in w.spread.items():
        assert values[-1] < values[0], how


def test_bad_input_is_refused(sbm):
    a = sbm.adjacency
    with pytest.raises(ValueError, match="symmetric"):
        OverSmoothingExplorer(np.triu(a), sbm.x, sbm.y)
    with pytest.raises(ValueError, match="labels"):
        OverSmoothingExplorer(a, sbm.x, sbm.y[:-1])
    with pytest.raises(ValueError, match="features"):
        OverSmoothingExplorer(a, sbm.x[:-1], sbm.y)
    with pytest.raises(ValueError, match="how"):
        OverSmoothingExplorer(a, sbm.x, sbm.y, how="median")
