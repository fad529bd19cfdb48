"""Checks for notebook 15 (Vision Transformers and transfer learning). Each calls the learner's
function on fresh inputs and compares it with a reference computed here or by nnlib."""

from __future__ import annotations

import numpy as np

from nnlib.exercises import checker


def _patchify(x, p):
    n, c, h, w = x.shape
    return (x.reshape(n, c, h // p, p, w // p, p).transpose(0, 2, 4, 1, 3, 5)
            .reshape(n, (h // p) * (w // p), c * p * p))


@checker("15.1")
def unpatchify(unpatchify_fn):
    """``unpatchify_fn(patches, image_size, patch_size, channels) -> images (N, C, H, W)``:
    the inverse of the notebook's patchify."""
    rng = np.random.default_rng(15)
    for n, c, size, p in [(2, 1, 28, 7), (3, 3, 12, 4), (1, 2, 6, 3)]:
        images = rng.normal(size=(n, c, size, size))
        patches = _patchify(images, p)
        got = np.asarray(unpatchify_fn(patches.copy(), size, p, c), dtype=float)
        if got.shape != images.shape:
            return False, (f"for {n} images of {c} channel(s), {size} x {size}, return shape "
                           f"{images.shape} (N, C, H, W), got {got.shape}")
        if np.allclose(got, images):
            continue
        if c == 1 and np.allclose(got, images.transpose(0, 1, 3, 2)):
            return False, ("the images come out transposed: patch i sits in row i // (W/p) "
                           "and column i % (W/p) of the grid, and inside a patch the pixels "
                           "run row by row")
        grid = patches.reshape(n, size // p, size // p, c, p, p)
        if np.allclose(got, grid.transpose(0, 3, 2, 4, 1, 5).reshape(images.shape)):
            return False, ("the patches land transposed in the grid: patch i belongs in row "
                           "i // (W/p), column i % (W/p) (patches are numbered row by row)")
        if np.allclose(got, grid.reshape(images.shape)):
            return False, ("a plain reshape mixes patches and pixel rows: reshape to (N, Hp, Wp,"
                           " C, p, p), then move the axes to (N, C, Hp, p, Wp, p) before the "
                           "last reshape")
        return False, (f"for {c} channel(s), {size} x {size} images and patch size {p}, "
                       "patchify(your_images, p) does not give back the patches")
    return True, "patchify(unpatchify(patches)) == patches: the two rearrangements are inverses"


@checker("15.2")
def vit_parameter_count(count_fn):
    """``count_fn(config) -> int``: the number of parameters of ``ViT(config)``."""
    from nnlib.models.vit import ViT, ViTConfig

    configs = [ViTConfig(), ViTConfig(patch_size=4, embed_dim=24, depth=3, num_heads=3,
                                      mlp_dim=40, num_classes=5),
               ViTConfig(image_size=32, patch_size=8, in_channels=3, embed_dim=16, depth=1,
                         num_heads=2, mlp_dim=16, num_classes=7)]
    for cfg in configs:
        want = sum(p.numel() for p in ViT(cfg).parameters())
        got = count_fn(cfg)
        if got == want:
            continue
        t, d = cfg.num_patches + 1, cfg.embed_dim
        hints = {
            want - d: "count the position embedding once per token including the class token "
                      "(1 + P rows), and the class token itself",
            want - 4 * cfg.depth * d: "each block has two LayerNorms with a gain and a bias each",
            want - 2 * d: "the final LayerNorm has a gain and a bias too",
            want - t * d: "the position embeddings are parameters too: (1 + P) x D numbers",
        }
        if got in hints:
            return False, f"off by {want - got}: {hints[got]}"
        return False, (f"for {cfg} the model has {want:,} parameters, you counted {got}; "
                       "go through the patch embedding, class token, positions, blocks (two "
                       "LayerNorms, attention in and out, the MLP), final norm and head")
    return True, "right for every config, so the formula holds in general"


@checker("15.3")
def partial_freeze(freeze_fn):
    """``freeze_fn(vit) -> int``: leave only the last block, the final norm and the head
    trainable, and return the number of trainable parameters."""
    import torch

    from nnlib.models.vit import ViT, ViTConfig

    for cfg in (ViTConfig(), ViTConfig(depth=3, embed_dim=16, num_heads=2, mlp_dim=24)):
        torch.manual_seed(0)
        vit = ViT(cfg)
        got = freeze_fn(vit)
        keep = {id(p) for m in (vit.blocks[-1], vit.norm, vit.head) for p in m.parameters()}
        wrong_on = [name for name, p in vit.named_parameters()
                    if p.requires_grad != (id(p) in keep)]
        want = sum(p.numel() for p in vit.parameters() if id(p) in keep)
        if wrong_on:
            first = wrong_on[0]
            state = "trainable" if dict(vit.named_parameters())[first].requires_grad \
                else "frozen"
            return False, (f"{first} is {state}; only blocks[-1], norm and head should train "
                           f"(set requires_grad on every parameter; {len(wrong_on)} wrong)")
        if got != want:
            return False, (f"the flags are right, but return the number of trainable numbers "
                           f"(sum of p.numel()), {want:,}, not {got!r}")
    return True, "only the last block, the final norm and the head will learn"


def _rollout(weights):
    t = weights.shape[-1]
    out = np.eye(t)
    for layer in weights:
        a = layer.mean(axis=0) + np.eye(t)
        out = (a / a.sum(axis=-1, keepdims=True)) @ out
    return out


@checker("15.4")
def rollout(rollout_fn):
    """``rollout_fn(weights) -> (T, T)``: attention rollout of weights (layers, heads, T, T)."""
    rng = np.random.default_rng(4)
    for layers, heads, t in [(2, 4, 5), (3, 2, 4), (1, 1, 3)]:
        logits = rng.normal(size=(layers, heads, t, t))
        weights = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
        got = np.asarray(rollout_fn(weights.copy()), dtype=float)
        want = _rollout(weights)
        if got.shape != (t, t):
            return False, f"return one (T, T) matrix, shape ({t}, {t}), got {got.shape}"
        if np.allclose(got, want):
            continue
        if layers > 1 and np.allclose(got, _rollout(weights[::-1])):
            return False, ("the product is in the wrong order: the last block acts last, so it "
                           "multiplies from the left (A_L @ ... @ A_1)")
        plain = np.eye(t)
        for layer in weights:
            plain = layer.mean(axis=0) @ plain
        if np.allclose(got, plain):
            return False, ("add the identity for the residual connection (A + I), then "
                           "renormalise the rows")
        unnormed = np.eye(t)
        for layer in weights:
            unnormed = (layer.mean(axis=0) + np.eye(t)) @ unnormed
        if np.allclose(got, unnormed):
            return False, "after adding I, divide each row by its sum so it sums to 1 again"
        return False, "average the heads, add I, renormalise rows, multiply A_L @ ... @ A_1"
    return True, "rows sum to 1, and indirect paths through other tokens are counted"
