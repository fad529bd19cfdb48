"""Transfer-learning helpers of notebook 15: freezing, parameter groups, probes, few labels."""

import numpy as np
import pytest
import torch

from nnlib.models.vit import ViT, ViTConfig
from nnlib.train import transfer
from nnlib.train.transfer import (
    extract_features,
    few_labels,
    freeze,
    linear_probe,
    param_groups,
    unfreeze,
)


def small_vit(**kwargs):
    torch.manual_seed(0)
    return ViT(ViTConfig(image_size=8, patch_size=4, embed_dim=8, num_heads=2, mlp_dim=8,
                         **kwargs))


def test_freeze_unfreeze_count():
    vit = small_vit()
    total = sum(p.numel() for p in vit.parameters())
    assert freeze(vit) == total and not any(p.requires_grad for p in vit.parameters())
    assert unfreeze(vit.head) == 8 * 10 + 10
    assert [n for n, p in vit.named_parameters() if p.requires_grad] == ["head.weight",
                                                                        "head.bias"]
    with pytest.raises(TypeError, match="module"):
        freeze("vit")


def test_param_groups_split_head_and_body():
    vit = small_vit()
    groups = param_groups(vit, vit.head, lr=1e-2, pretrained_lr=1e-3)
    assert [g["lr"] for g in groups] == [1e-3, 1e-2]
    assert len(groups[1]["params"]) == 2
    assert sum(len(g["params"]) for g in groups) == len(list(vit.parameters()))
    optimizer = torch.optim.AdamW(groups)
    assert [g["lr"] for g in optimizer.param_groups] == [1e-3, 1e-2]
    with pytest.raises(ValueError, match="part of model"):
        param_groups(vit, torch.nn.Linear(2, 2), lr=1e-2, pretrained_lr=1e-3)
    with pytest.raises(ValueError, match="pretrained_lr"):
        param_groups(vit, vit.head, lr=1e-2, pretrained_lr=-1.0)


def test_features_probe_and_frozen_body_unchanged():
    vit = small_vit().train()
    x = torch.randn(30, 1, 8, 8)
    y = torch.arange(30) % 3
    features = extract_features(vit.features, x, batch_size=7)
    assert features.shape == (30, 8) and vit.training and not features.requires_grad
    probe = linear_probe(features, y, 3, epochs=300, lr=5e-2)
    accuracy = (probe(features).argmax(1) == y).float().mean().item()
    assert accuracy > 0.6
    with pytest.raises(ValueError, match="one label per row"):
        linear_probe(features, y[:5], 3)
    with pytest.raises(ValueError, match="empty"):
        extract_features(vit.features, x[:0])


def test_few_labels_is_balanced_seeded_and_checked():
    labels = np.repeat(np.arange(10), 20)
    picked = few_labels(labels, 5, classes=range(5, 10), seed=1)
    assert len(picked) == 25 and set(labels[picked]) == {5, 6, 7, 8, 9}
    assert np.bincount(labels[picked])[5:].tolist() == [5] * 5
    np.testing.assert_array_equal(picked, few_labels(labels, 5, classes=range(5, 10), seed=1))
    with pytest.raises(ValueError, match="only 20 examples"):
        few_labels(labels, 21)


def test_torchvision_classifier_offline_fallback(monkeypatch, capsys):
    torchvision = pytest.importorskip("torchvision")
    real = torchvision.models.get_model

    def offline(name, weights=None, **kwargs):
        if weights is not None:
            raise OSError("no network")
        return real(name, weights=None, **kwargs)

    monkeypatch.setattr(torchvision.models, "get_model", offline)
    model, loaded = transfer.torchvision_classifier("resnet18", 10)
    assert not loaded and "could not load pretrained resnet18 weights (no network)" in \
        capsys.readouterr().out
    model.eval()
    assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    with pytest.raises(ValueError, match="ResNet"):
        transfer.torchvision_classifier("vit_b_16")
