"""Worked solutions for notebook 15 (Vision Transformers and transfer learning). Format: see
``nb00.py``."""

from __future__ import annotations

from nnlib.solutions import solution


@solution("15.1")
def my_unpatchify():
    """Run patchify's three steps backwards. patchify reshaped (N, C, H, W) to
    (N, C, Hp, p, Wp, p), moved the axes to (N, Hp, Wp, C, p, p) and flattened. So: unflatten
    the patches to (N, Hp, Wp, C, p, p), move the axes back to (N, C, Hp, p, Wp, p) with the
    inverse permutation (0, 3, 1, 4, 2, 5), and merge (Hp, p) into H and (Wp, p) into W. A
    plain reshape of the patches to (N, C, H, W) would interleave pixels of different patches.
    The code checks the round trip on test digits with nnlib's patchify."""
    import numpy as np

    from nnlib.data import load_mnist
    from nnlib.scratch.patches import patchify

    def my_unpatchify(patches, image_size, patch_size, channels):
        n, grid = len(patches), image_size // patch_size
        blocks = patches.reshape(n, grid, grid, channels, patch_size, patch_size)
        return blocks.transpose(0, 3, 1, 4, 2, 5).reshape(n, channels, image_size, image_size)

    digits = load_mnist("test", flatten=False)[0][:8, None]        # (8, 1, 28, 28)
    assert np.array_equal(my_unpatchify(patchify(digits, 7), 28, 7, 1), digits)
    return my_unpatchify


@solution("15.2")
def my_vit_parameter_count():
    """Go through the model in order. Patch embedding: a Conv2d(C, D, p) has C*p*p*D weights
    and D biases. Class token: D. Position embeddings: one D-vector per token, 1 + P of them.
    Each block: two LayerNorms (gain and bias, 2D each), nn.MultiheadAttention's packed q, k, v
    projection (3D x D weights + 3D biases) and output projection (D x D + D), and the MLP
    (D x F + F, then F x D + D). Then the final LayerNorm (2D) and the head (D x K + K). The
    code compares the formula with the real model."""
    from nnlib.models.vit import ViT, ViTConfig
    from nnlib.utils import count_parameters

    def my_vit_parameter_count(config):
        d, f, k = config.embed_dim, config.mlp_dim, config.num_classes
        p, c = config.patch_size, config.in_channels
        tokens = (config.image_size // p) ** 2 + 1
        block = 2 * (2 * d) + (3 * d * d + 3 * d) + (d * d + d) + (d * f + f) + (f * d + d)
        return (c * p * p * d + d) + d + tokens * d + config.depth * block + 2 * d + (d * k + k)

    assert my_vit_parameter_count(ViTConfig()) == count_parameters(ViT(ViTConfig()))
    return my_vit_parameter_count


@solution("15.3")
def my_partial_freeze():
    """Freeze everything first, then switch training back on for the parts that should learn:
    the last block (vit.blocks[-1]), the final LayerNorm and the head. The class token and the
    position embeddings are parameters of the ViT itself, not of a sub-module, so "freeze
    every sub-module except..." would miss them; looping over vit.parameters() does not.
    Count with p.numel() over the parameters that still require gradients."""

    def my_partial_freeze(vit):
        for p in vit.parameters():
            p.requires_grad_(False)
        for module in (vit.blocks[-1], vit.norm, vit.head):
            for p in module.parameters():
                p.requires_grad_(True)
        return sum(p.numel() for p in vit.parameters() if p.requires_grad)

    return my_partial_freeze


@solution("15.4")
def my_rollout():
    """For each block, average the heads to one (T, T) matrix, add the identity (the residual
    connection carries each token's own state forward) and divide each row by its sum so it is
    a distribution again. The first block acts first, so each new block's matrix multiplies
    the running product from the left: R = A_L ... A_2 A_1. The code compares it with the
    function nnlib's widget uses, on the attention of a small untrained ViT."""
    import numpy as np
    import torch

    from nnlib.models.vit import ViT, ViTConfig
    from nnlib.widgets.vit import attention_rollout, collect_vit_attention

    def my_rollout(weights):
        t = weights.shape[-1]
        rollout = np.eye(t)
        for layer in weights:                              # (heads, T, T), first block first
            a = layer.mean(axis=0) + np.eye(t)
            a = a / a.sum(axis=-1, keepdims=True)
            rollout = a @ rollout
        return rollout

    torch.manual_seed(0)
    _, weights = collect_vit_attention(ViT(ViTConfig()), torch.randn(2, 1, 28, 28))
    assert np.allclose(my_rollout(weights[:, 0]), attention_rollout(weights[:, 0]))
    return my_rollout
