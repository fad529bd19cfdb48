"""NumPy patch embedding (notebook 15) vs PyTorch (float64) and finite differences."""

import numpy as np
import pytest
import torch

from nnlib.errors import NotForwardedError, ShapeError
from nnlib.models.vit import ViT, ViTConfig
from nnlib.scratch.gradcheck import gradcheck
from nnlib.scratch.patches import (
    PatchEmbedding,
    ViTEmbedding,
    check_patch_size,
    num_patches,
    patchify,
    unpatchify,
)

# batch, channels, (H, W), patch size, embed dim
CASES = [(1, 1, (4, 4), 2, 3), (2, 1, (28, 28), 7, 8), (3, 3, (6, 9), 3, 5), (2, 2, (5, 5), 5, 4)]


@pytest.mark.parametrize("n, c, hw, p, d", CASES)
def test_patchify_matches_torch_unfold_and_inverts(n, c, hw, p, d):
    x = np.random.default_rng(0).standard_normal((n, c, *hw))
    patches = patchify(x, p)
    assert patches.shape == (n, (hw[0] // p) * (hw[1] // p), c * p * p)
    unfolded = torch.nn.functional.unfold(torch.from_numpy(x), p, stride=p)   # (N, C*p*p, P)
    np.testing.assert_array_equal(patches, unfolded.transpose(1, 2).numpy())
    np.testing.assert_array_equal(unpatchify(patches, hw, p, c), x)


def test_patch_order_is_row_by_row():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    patches = patchify(x, 2)
    np.testing.assert_array_equal(patches[0, 0], [0, 1, 4, 5])     # top left
    np.testing.assert_array_equal(patches[0, 1], [2, 3, 6, 7])     # top right
    np.testing.assert_array_equal(patches[0, 2], [8, 9, 12, 13])   # bottom left


@pytest.mark.parametrize("n, c, hw, p, d", CASES)
def test_patch_embedding_matches_torch_conv(n, c, hw, p, d):
    torch.manual_seed(n + c)
    conv = torch.nn.Conv2d(c, d, p, stride=p, dtype=torch.float64)
    layer = PatchEmbedding.from_torch(conv, image_size=hw)
    x = np.random.default_rng(1).standard_normal((n, c, *hw))
    xt = torch.tensor(x, requires_grad=True)
    yt = conv(xt).flatten(2).transpose(1, 2)                                   # (N, P, D)
    grad_out = np.random.default_rng(2).standard_normal(tuple(yt.shape))
    yt.backward(torch.from_numpy(grad_out))
    y = layer(x)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.backward(grad_out), xt.grad.numpy(), rtol=1e-10,
                               atol=1e-12)
    np.testing.assert_allclose(layer.weight.grad, conv.weight.grad.reshape(d, -1).T.numpy(),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.bias.grad, conv.bias.grad.numpy(), rtol=1e-10, atol=1e-12)
    back = layer.to_torch()
    np.testing.assert_array_equal(back.weight.detach().numpy(), conv.weight.detach().numpy())


@pytest.mark.parametrize("n, c, hw, p, d", CASES[:3])
def test_patch_embedding_gradcheck(n, c, hw, p, d):
    layer = PatchEmbedding(hw, p, c, d, rng=0, dtype=np.float64)
    x = np.random.default_rng(3).standard_normal((n, c, *hw))
    report = gradcheck(layer, x)
    assert report.passed and set(report.errors) == {"input", "weight", "bias"}


def test_vit_embedding_matches_the_torch_vit_and_gradchecks():
    torch.manual_seed(0)
    vit = ViT(ViTConfig(image_size=8, patch_size=4, embed_dim=6, num_heads=2, mlp_dim=8))
    vit = vit.double()
    emb = ViTEmbedding.from_torch(vit)
    x = np.random.default_rng(4).standard_normal((3, 1, 8, 8))
    xt = torch.tensor(x, requires_grad=True)
    zt = torch.cat([vit.cls_token.expand(3, -1, -1), vit.patch_embed(xt)], 1) + vit.pos_embed
    grad_out = np.random.default_rng(5).standard_normal(tuple(zt.shape))
    zt.backward(torch.from_numpy(grad_out))
    np.testing.assert_allclose(emb(x), zt.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(emb.backward(grad_out), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(emb.cls_token.grad, vit.cls_token.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(emb.pos_embed.grad, vit.pos_embed.grad.numpy(), atol=1e-12)
    fresh = ViTEmbedding(8, 4, 1, 6, rng=1, dtype=np.float64)
    assert gradcheck(fresh, x).passed


def test_patch_size_not_dividing_names_both_numbers():
    with pytest.raises(ValueError, match=r"patch_size=5 does not divide the image height 28"):
        check_patch_size(28, 5)
    with pytest.raises(ValueError, match=r"\[1, 2, 4, 7, 14, 28\]"):
        PatchEmbedding(28, 5)
    with pytest.raises(ValueError, match=r"width 10"):
        patchify(np.zeros((1, 1, 8, 10)), 4)
    with pytest.raises(ValueError, match="patch_size=6"):
        ViTConfig(patch_size=6)
    with pytest.raises(TypeError, match="patch_size"):
        num_patches(28, 7.0)
    assert num_patches(28, 7) == 16 and num_patches((28, 14), 7) == 8


def test_bad_shapes_and_order_errors():
    layer = PatchEmbedding(8, 4, 1, 3)
    with pytest.raises(ShapeError, match=r"x\[:, None\]"):
        layer(np.zeros((2, 8, 8)))
    with pytest.raises(ShapeError, match="1 channel"):
        layer(np.zeros((2, 3, 8, 8)))
    with pytest.raises(ShapeError, match="built for 8 x 8"):
        layer(np.zeros((2, 1, 12, 12)))
    with pytest.raises(NotForwardedError):
        PatchEmbedding(8, 4, 1, 3).backward(np.zeros((1, 4, 3)))
    layer(np.zeros((2, 1, 8, 8)))
    with pytest.raises(ShapeError, match="grad_out"):
        layer.backward(np.zeros((2, 4, 4)))
    with pytest.raises(ShapeError, match=r"\(N, 4, 16\)"):
        unpatchify(np.zeros((1, 4, 9)), 8, 4, 1)
    with pytest.raises(ValueError, match="stride equal"):
        PatchEmbedding.from_torch(torch.nn.Conv2d(1, 3, 4, stride=2), 8)
