"""Notebook 15 widget: every control redraws at once (even untrained), rollout is right."""

import numpy as np
import pytest
import torch

from nnlib.models.vit import ViT, ViTConfig
from nnlib.widgets.vit import (
    ROLLOUT,
    attention_rollout,
    class_token_attention,
    collect_vit_attention,
    patch_attention_explorer,
)


@pytest.fixture(scope="module")
def vit_and_images():
    torch.manual_seed(0)
    vit = ViT(ViTConfig(embed_dim=16, num_heads=2, mlp_dim=16))
    images = np.random.default_rng(0).random((4, 1, 28, 28)).astype(np.float32)
    return vit, images


def test_collect_shapes_and_mode_restored(vit_and_images):
    vit, images = vit_and_images
    vit.train()
    predictions, weights = collect_vit_attention(vit, images)
    assert predictions.shape == (4,) and weights.shape == (2, 4, 2, 17, 17)
    assert vit.training


def test_every_control_changes_the_picture_at_once(vit_and_images):
    vit, images = vit_and_images
    w = patch_attention_explorer(vit, images, labels=[3, 1, 4, 1])
    assert w.last_error is None and "layer 1, mean of heads" in w.last_status
    seen = {w.to_png()}
    for name, value in [("layer", "layer 2"), ("head", "head 2"), ("layer", ROLLOUT),
                        ("digit", 3)]:
        w.controls[name].value = value
        assert w.last_error is None, w.last_status
        png = w.to_png()
        assert png not in seen, (name, value)
        seen.add(png)
    assert w.figure.axes[0].get_title() == f"digit 3: label 1, predicted {w_pred(vit, images)}"


def w_pred(vit, images):
    return collect_vit_attention(vit, images)[0][3]


def test_rollout_rows_sum_to_one_and_one_layer_case():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(1, 3, 5, 5))
    weights = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    rollout = attention_rollout(weights)
    np.testing.assert_allclose(rollout.sum(-1), 1.0)
    np.testing.assert_allclose(rollout, (weights[0].mean(0) + np.eye(5)) / 2)
    two = np.concatenate([weights, weights])
    np.testing.assert_allclose(attention_rollout(two), rollout @ rollout)
    assert class_token_attention(two, ROLLOUT, "mean of heads").shape == (4,)
    np.testing.assert_allclose(class_token_attention(two, 1, 2), weights[0, 2, 0, 1:])
    with pytest.raises(ValueError, match="square"):
        attention_rollout(np.ones((1, 1, 2, 3)))


def test_bad_images():
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        patch_attention_explorer(ViT(), np.zeros((28, 28)))
