"""The small ViT of notebook 15: shapes, attention, config checks, a short training run."""

import pytest
import torch

from nnlib.models.transformer_toy import EncoderBlock
from nnlib.models.vit import ViT, ViTConfig
from nnlib.utils import count_parameters


def test_shapes_attention_and_reused_block():
    torch.manual_seed(0)
    vit = ViT(ViTConfig())
    x = torch.randn(3, 1, 28, 28)
    logits, attention = vit(x, return_attention=True)
    assert logits.shape == (3, 10)
    assert len(attention) == 2 and attention[0].shape == (3, 4, 17, 17)
    torch.testing.assert_close(attention[1].sum(-1), torch.ones(3, 4, 17))
    assert vit.features(x).shape == (3, 32) and vit.tokens(x).shape == (3, 17, 32)
    assert all(isinstance(b, EncoderBlock) for b in vit.blocks)   # notebook 11's block, reused
    assert count_parameters(vit) == 19658


def test_class_token_reads_the_whole_image_and_positions_matter():
    torch.manual_seed(0)
    vit = ViT(ViTConfig(image_size=8, patch_size=4, embed_dim=8, num_heads=2, mlp_dim=8)).eval()
    x = torch.randn(1, 1, 8, 8)
    swapped = x.clone()
    swapped[..., :4, :4], swapped[..., 4:, 4:] = x[..., 4:, 4:], x[..., :4, :4]
    assert not torch.allclose(vit(x), vit(swapped))         # position embeddings break symmetry
    with torch.no_grad():
        vit.pos_embed.zero_()
    torch.testing.assert_close(vit(x), vit(swapped))         # without them: a set of patches


def test_reset_head_keeps_the_old_one():
    vit = ViT(ViTConfig(num_classes=5))
    old = vit.reset_head(3)
    assert old.out_features == 5 and vit.head.out_features == 3
    assert vit(torch.zeros(2, 1, 28, 28)).shape == (2, 3)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"patch_size": 5}, ValueError, "patch_size=5 does not divide the image height 28"),
    ({"embed_dim": 30, "num_heads": 4}, ValueError, "divisible by num_heads=4"),
    ({"dropout": 1.0}, ValueError, "dropout"),
    ({"depth": -1}, ValueError, "depth"),
    ({"num_classes": 1}, ValueError, "num_classes"),
    ({"embed_dim": 32.0}, TypeError, "embed_dim"),
])
def test_config_checks(kwargs, error, match):
    with pytest.raises(error, match=match):
        ViTConfig(**kwargs)


def test_input_errors():
    vit = ViT()
    with pytest.raises(ValueError, match=r"unsqueeze\(1\)"):
        vit(torch.zeros(2, 28, 28))
    with pytest.raises(ValueError, match=r"view\(-1, 1, 28, 28\)"):
        vit(torch.zeros(2, 784))
    with pytest.raises(TypeError, match="torch tensor"):
        vit([[0.0]])
    with pytest.raises(TypeError, match="ViTConfig"):
        ViT({"embed_dim": 8})


def test_a_few_steps_fit_a_tiny_batch():
    torch.manual_seed(0)
    vit = ViT(ViTConfig(embed_dim=16, num_heads=2, mlp_dim=32, depth=1))
    x, y = torch.randn(16, 1, 28, 28), torch.arange(16) % 10
    optimizer = torch.optim.AdamW(vit.parameters(), lr=3e-3)
    first = None
    for _ in range(40):
        loss = torch.nn.functional.cross_entropy(vit(x), y)
        first = loss.item() if first is None else first
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.2 * first
