"""Widget for notebook 15: where a Vision Transformer's class token looks.

``patch_attention_explorer(model, images, labels)`` shows a test digit with the attention of
the class token over its patches laid on top: for one block (``layer``) and one head (or the
mean of the heads), or the **attention rollout** through all blocks (Abnar & Zuidema, 2020):
average the heads, add the identity for the residual connection, renormalise the rows, and
multiply the blocks' matrices, so that indirect paths (class token -> token j -> patch i)
count too.

Everything is computed once, up front (one forward pass); moving a control only redraws.
"""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.collections import LineCollection

from nnlib import _checks
from nnlib.widgets.core import InteractiveFigure, dropdown, slider

__all__ = ["ROLLOUT", "attention_rollout", "class_token_attention", "collect_vit_attention",
           "patch_attention_explorer"]

MEAN_OF_HEADS = "mean of heads"
ROLLOUT = "rollout (all layers)"


def collect_vit_attention(model, images) -> tuple[np.ndarray, np.ndarray]:
    """Run a ``nnlib.models.vit.ViT`` on ``images`` (N, C, H, W) in eval mode, no gradients.

    Returns the predicted classes (N,) and the attention weights (layers, N, heads, T, T) with
    T = 1 + P (token 0 is the class token), as NumPy arrays.
    """
    import torch

    from nnlib.models.vit import ViT

    where = "collect_vit_attention"
    _checks.check_instance(model, "model", ViT, "an nnlib.models.vit.ViT", where=where)
    cfg = model.config
    images = _checks.check_array(images, "images", where=where, allow_empty=False,
                                 shape=(None, cfg.in_channels, cfg.image_size, cfg.image_size),
                                 shape_text=f"(N, {cfg.in_channels}, {cfg.image_size}, "
                                 f"{cfg.image_size})")
    was_training = model.training
    model.eval()
    param = next(model.parameters())
    try:
        with torch.no_grad():
            logits, attention = model(torch.as_tensor(images).to(param.device, param.dtype),
                                      return_attention=True)
    finally:
        model.train(was_training)
    weights = np.stack([a.float().cpu().numpy() for a in attention])
    return logits.argmax(-1).cpu().numpy(), weights


def attention_rollout(weights) -> np.ndarray:
    """Attention rollout of one image's weights (layers, heads, T, T) -> (T, T).

    Per block: A = mean over heads + I (the residual path), rows renormalised to sum to 1;
    then ``A_L @ ... @ A_2 @ A_1``. Row 0 says how much each input token reaches the class
    token's final state.
    """
    weights = _checks.check_array(weights, "weights", where="attention_rollout", ndim=4)
    t = weights.shape[-1]
    if weights.shape[-2] != t:
        raise ValueError(f"attention_rollout: expected weights of shape (layers, heads, T, T), "
                         f"square maps, got {weights.shape}")
    rollout = np.eye(t)
    for layer in weights:                                  # first block to last
        a = layer.mean(axis=0) + np.eye(t)                 # (T, T)
        a = a / a.sum(axis=-1, keepdims=True)
        rollout = a @ rollout
    return rollout


def class_token_attention(weights, layer, head) -> np.ndarray:
    """The class token's attention over the patches (P,) for one image.

    weights: (layers, heads, T, T); layer: an int index or :data:`ROLLOUT`; head: an int
    index or ``"mean of heads"`` (the rollout always averages the heads).
    """
    where = "class_token_attention"
    weights = _checks.check_array(weights, "weights", where=where, ndim=4,
                                  shape_text="(layers, heads, T, T)")
    if layer == ROLLOUT:
        return attention_rollout(weights)[0, 1:]
    layer = _checks.check_int(layer, "layer", minimum=0, maximum=len(weights) - 1, where=where,
                              hint=f"or {ROLLOUT!r}")
    per_head = weights[layer]                              # (H, T, T)
    if head != MEAN_OF_HEADS:
        head = _checks.check_int(head, "head", minimum=0, maximum=len(per_head) - 1,
                                 where=where, hint=f"or {MEAN_OF_HEADS!r}")
    shown = per_head.mean(axis=0) if head == MEAN_OF_HEADS else per_head[head]
    return shown[0, 1:]                                    # row of the class token, patches


def patch_attention_explorer(model, images, labels=None, *, max_examples: int = 24,
                             figsize=(7.0, 3.6)) -> InteractiveFigure:
    """Browse where the class token of ``model`` (a ViT) attends on ``images`` (N, 1, H, W).

    Controls: layer (a block, or the rollout through all), head (or the mean of the heads),
    digit (which image). Left: the digit with the attention over its patches on top; right:
    the same weights as a grid of numbers (each patch's share of the class token's attention).
    """
    where = "patch_attention_explorer"
    max_examples = _checks.check_int(max_examples, "max_examples", minimum=1, where=where)
    images = _checks.check_array(images, "images", where=where, ndim=4, allow_empty=False,
                                 dtype="any", shape_text="(N, C, H, W)")
    if labels is not None:
        labels = _checks.check_array(labels, "labels", where=where, dtype="int",
                                     shape=(len(images),),
                                     shape_text=f"({len(images)},), one per image")
        labels = labels[:max_examples]
    images = images[:max_examples]
    _checks.check_float_pair(figsize, "figsize", minimum=0, min_open=True, where=where)
    predictions, weights = collect_vit_attention(model, images)
    n_layers, n, n_heads = weights.shape[:3]
    grid = model.config.grid_size
    patch = model.config.patch_size
    layer_names = [f"layer {i + 1}" for i in range(n_layers)] + [ROLLOUT]
    head_names = [MEAN_OF_HEADS] + [f"head {i + 1}" for i in range(n_heads)]

    gray, inferno = matplotlib.colormaps["gray"], matplotlib.colormaps["inferno"]

    def build(fig) -> dict:
        """Both axes once; the images, the patch grid and the texts are updated and blitted
        over them (see :func:`~nnlib.widgets.core._blit_png`)."""
        ax1, ax2 = fig.subplots(1, 2)
        size = grid * patch
        art = {"overlay": ax1.imshow(np.zeros((size, size, 3)))}
        cuts = [k * patch - 0.5 for k in range(1, grid)]
        ends = (-0.5, size - 0.5)
        art["grid"] = LineCollection([[(ends[0], c), (ends[1], c)] for c in cuts]
                                     + [[(c, ends[0]), (c, ends[1])] for c in cuts],
                                     colors="white", linewidths=0.5, alpha=0.4)
        ax1.add_collection(art["grid"])  # (drawn after the image, which it lies on)
        ax1.set(xticks=[], yticks=[])
        art["title1"] = ax1.set_title(" ")
        art["heat"] = ax2.imshow(np.zeros((grid, grid, 3)))
        art["numbers"] = [ax2.text(j, i, "", ha="center", va="center", fontsize=8)
                          for i in range(grid) for j in range(grid)]
        ax2.set(xticks=[], yticks=[])
        art["title2"] = ax2.set_title(" ")
        art["animated"] = [art["overlay"], art["grid"], art["title1"], art["heat"],
                           *art["numbers"], art["title2"]]
        fig.__dict__["_nnlib_artists"] = art
        return art

    def draw(fig, layer, head, digit):
        layer_key = ROLLOUT if layer == ROLLOUT else int(layer.split()[-1]) - 1
        head_key = head if head == MEAN_OF_HEADS else int(head.split()[-1]) - 1
        shown = class_token_attention(weights[:, digit], layer_key, head_key)   # (P,)
        share = shown / shown.sum()            # the patches' share (the rest goes to the token)
        heat = share.reshape(grid, grid)
        image = images[digit].mean(axis=0)                                     # (H, W)
        art = fig.__dict__.get("_nnlib_artists") or build(fig)
        # opaque RGB images (the heat map at 55 % over the grey digit): matplotlib draws an
        # axes' images into the kept background too, so transparent ones would blend twice
        span = float(image.max() - image.min())
        grey = gray((image - image.min()) / span if span > 0 else np.zeros_like(image))
        top = max(heat.max(), 1e-12)
        colours = inferno(np.kron(heat, np.ones((patch, patch))) / top)
        art["overlay"].set_data(0.45 * grey[..., :3] + 0.55 * colours[..., :3])
        truth = "" if labels is None else f"label {labels[digit]}, "
        art["title1"].set_text(f"digit {digit}: {truth}predicted {predictions[digit]}")
        art["heat"].set_data(inferno(heat / top)[..., :3])
        for text, value in zip(art["numbers"], heat.ravel()):
            text.set_text(f"{value:.2f}")
            text.set_color("black" if value > 0.6 * heat.max() else "white")
        which = "mean of heads" if layer == ROLLOUT else head
        art["title2"].set_text(f"{layer}, {which}")
        top3 = np.argsort(share)[::-1][:3]
        cells = ", ".join(f"({i // grid}, {i % grid})" for i in top3)
        return (f"{layer}, {which}: the class token gives {shown.sum():.0%} of its attention to "
                f"the patches; largest shares at patches {cells} (row, column)")

    controls = {
        "layer": dropdown("layer", layer_names),
        "head": dropdown("head", head_names),
        "digit": slider("digit", 0, 0, n - 1, 1, integer=True),
    }
    return InteractiveFigure(draw, controls, figsize=figsize, reuse=True,
                             title="Where the class token looks: attention over patches")
