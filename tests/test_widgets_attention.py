"""Notebook 11 widgets: every control redraws, labels and statuses say what is shown,
bad settings give a status instead of an exception."""

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from nnlib.data import reverse_task
from nnlib.models.transformer_toy import ToyTransformer
from nnlib.widgets.attention import (
    MEAN_OF_HEADS,
    attention_map_explorer,
    collect_attention,
    plot_attention,
    scaling_explorer,
    softmax_saturation,
)


@pytest.fixture(scope="module")
def model_and_data():
    torch.manual_seed(0)
    model = ToyTransformer(10, 8, d_model=16, num_heads=2, num_layers=2, dim_feedforward=32)
    inputs, targets = reverse_task(5, 8, 10, seed=3)
    return model, inputs, targets


def test_collect_attention_shapes_and_rows_sum_to_one(model_and_data):
    model, inputs, _ = model_and_data
    model.train()
    predictions, weights = collect_attention(model, inputs)
    assert predictions.shape == (5, 8) and weights.shape == (2, 5, 2, 8, 8)
    np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-5)
    assert model.training  # the mode is restored


def test_attention_explorer_every_control_redraws(model_and_data):
    model, inputs, targets = model_and_data
    w = attention_map_explorer(model, inputs, targets)
    assert w.last_error is None
    assert w.last_status.startswith("input " + " ".join(map(str, inputs[0])))
    assert "tokens right" in w.last_status
    seen = {w.to_png()}
    for name, value in [("example", 2), ("head", "head 2"), ("head", MEAN_OF_HEADS),
                        ("layer", "layer 2")]:
        w.controls[name].value = value
        assert w.last_error is None, w.last_status
        png = w.to_png()
        assert png not in seen
        seen.add(png)
    assert w.figure.axes[0].get_title() == f"layer 2, {MEAN_OF_HEADS}, example 2"
    # token labels are texts drawn with the picture (a new example draws no axis)
    art = w.figure.__dict__["_nnlib_artists"]
    assert [t.get_text() for t in art["key_texts"]] == [str(tok) for tok in inputs[2]]
    assert all(t in art["animated"] for t in art["key_texts"] + art["query_texts"])


def test_attention_explorer_marks_wrong_predictions(model_and_data):
    model, inputs, _ = model_and_data
    wrong_targets = np.full_like(inputs, -1)  # nothing can match
    w = attention_map_explorer(model, inputs, wrong_targets)
    art = w.figure.__dict__["_nnlib_artists"]
    labels = [t.get_text() for t in art["query_texts"]]
    assert len(labels) == 8 and all(label.endswith("✗") for label in labels)
    assert "0/8 tokens right" in w.last_status
    assert "tokens right" not in attention_map_explorer(model, inputs).last_status


def test_attention_explorer_rejects_empty_input(model_and_data):
    model, _, _ = model_and_data
    with pytest.raises(ValueError, match=r"\(N, T\)"):
        attention_map_explorer(model, np.zeros((0, 8), dtype=np.int64))


def test_plot_attention_labels_and_annotations():
    fig = Figure()
    ax = fig.add_subplot()
    weights = np.array([[1.0, 0.0], [0.25, 0.75], [0.999, 0.001]])
    plot_attention(ax, weights, ["a", "b"], ["x", "y", "z"], title="t", annotate=True)
    assert [t.get_text() for t in ax.texts] == ["1", ".25", ".75", "1.00", ".00"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x", "y", "z"]
    with pytest.raises(ValueError, match="matrix"):
        plot_attention(ax, np.ones(3))


def test_softmax_saturates_without_scaling_and_not_with_it():
    small, big = softmax_saturation(4, False), softmax_saturation(1024, False)
    assert big["score_std"] > 10 * small["score_std"]
    assert big["max_weight"] > 0.9 and big["jacobian_norm"] < 0.1
    scaled = softmax_saturation(1024, True)
    assert 0.8 < scaled["score_std"] < 1.2
    assert scaled["max_weight"] < 0.5 and scaled["jacobian_norm"] > 0.2
    np.testing.assert_allclose(scaled["weights"].sum(), 1.0)


def test_scaling_explorer_every_control_redraws_even_at_extremes():
    w = scaling_explorer(d=4)
    seen = {w.to_png()}
    statuses = {w.last_status}
    for name, value in [("d", 4096), ("scaling", "÷ √d"), ("seed", 20), ("d", 1)]:
        w.controls[name].value = value
        assert w.last_error is None, w.last_status
        assert w.last_status not in statuses and w.to_png() not in seen
        statuses.add(w.last_status)
        seen.add(w.to_png())
    assert w.figure.axes[0].get_title() == "d = 1, scores q·k / √d"
