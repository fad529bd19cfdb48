"""A small Vision Transformer (ViT) in PyTorch for 28 x 28 grey images (notebook 15).

An image becomes a sequence, and the Transformer encoder of notebook 11 reads it::

    x (N, C, H, W) -patch embedding-> (N, P, D) -class token in front-> (N, 1 + P, D)
      -+ position embeddings-> -blocks-> (N, 1 + P, D) -LayerNorm, token 0-> (N, D) -head-> (N, K)

* the **patch embedding** is a ``Conv2d(C, D, p, stride=p)``: one linear map applied to every
  non-overlapping p x p patch (``nnlib.scratch.patches`` builds it in NumPy);
* the **class token** is a learned vector put in front of the patches; after the blocks its
  output summarises the whole image and goes to the classifier ``head``;
* **position embeddings** are learned, one per token: without them the model could not tell
  patches apart by position (attention treats its input as a set);
* the blocks are ``nnlib.models.transformer_toy.EncoderBlock`` (pre-norm, no causal mask),
  imported, not copied, and they return every head's attention weights, which
  ``forward(x, return_attention=True)`` hands back.

Dosovitskiy et al. (2021), "An image is worth 16x16 words", introduced the ViT; this one keeps
its layout at a size that trains on a CPU in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from nnlib import _checks
from nnlib.models.transformer_toy import EncoderBlock
from nnlib.scratch.patches import check_patch_size

__all__ = ["PatchEmbed", "ViT", "ViTConfig"]


@dataclass(frozen=True)
class ViTConfig:
    """The sizes of a :class:`ViT`; checked when created.

    image_size:  H = W of the square input images (28 for MNIST).
    patch_size:  p, must divide image_size; the sequence has (image_size / p)^2 patches.
    in_channels: C (1 for grey images).
    num_classes: K, outputs of the head.
    embed_dim:   D, the width of every token; must be divisible by num_heads.
    depth:       number of Transformer blocks.
    num_heads:   attention heads per block.
    mlp_dim:     hidden width of each block's feed-forward network.
    dropout:     dropout inside the blocks (0 = none).
    """

    image_size: int = 28
    patch_size: int = 7
    in_channels: int = 1
    num_classes: int = 10
    embed_dim: int = 32
    depth: int = 2
    num_heads: int = 4
    mlp_dim: int = 64
    dropout: float = 0.0

    def __post_init__(self):
        where = "ViTConfig"
        check_patch_size(self.image_size, self.patch_size, where=where)
        _checks.check_int(self.image_size, "image_size", minimum=1, where=where)
        for name, minimum in (("in_channels", 1), ("num_classes", 2), ("embed_dim", 1),
                              ("depth", 0), ("num_heads", 1), ("mlp_dim", 1)):
            _checks.check_int(getattr(self, name), name, minimum=minimum, where=where)
        _checks.check_float(self.dropout, "dropout", minimum=0, maximum=1, max_open=True,
                            where=where, hint="dropout is the probability of zeroing a unit")
        if self.embed_dim % self.num_heads:
            raise ValueError(f"{where}: embed_dim={self.embed_dim} must be divisible by "
                             f"num_heads={self.num_heads} (each head gets embed_dim / num_heads "
                             f"channels)")

    @property
    def num_patches(self) -> int:
        return (self.image_size // self.patch_size) ** 2

    @property
    def grid_size(self) -> int:
        """Patches per side: the patch grid is grid_size x grid_size."""
        return self.image_size // self.patch_size


class PatchEmbed(nn.Module):
    """Images (N, C, H, W) -> patch tokens (N, P, D) with one ``Conv2d`` of stride p."""

    def __init__(self, config: ViTConfig):
        super().__init__()
        _checks.check_instance(config, "config", ViTConfig, "a ViTConfig(...)",
                               where="PatchEmbed")
        self.proj = nn.Conv2d(config.in_channels, config.embed_dim, config.patch_size,
                              stride=config.patch_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.proj(x)                                     # (N, D, H/p, W/p)
        return x.flatten(2).transpose(1, 2)                  # (N, P, D), patches row by row


class ViT(nn.Module):
    """Images (N, C, H, W) -> logits (N, num_classes); see the module docstring."""

    def __init__(self, config: ViTConfig | None = None):
        super().__init__()
        config = ViTConfig() if config is None else config
        _checks.check_instance(config, "config", ViTConfig, "a ViTConfig(...)", where="ViT",
                               optional=True)
        self.config = config
        d = config.embed_dim
        self.patch_embed = PatchEmbed(config)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        self.pos_embed = nn.Parameter(torch.zeros(1, config.num_patches + 1, d))
        self.blocks = nn.ModuleList(EncoderBlock(d, config.num_heads, config.mlp_dim,
                                                 config.dropout) for _ in range(config.depth))
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, config.num_classes)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        nn.init.trunc_normal_(self.pos_embed, std=0.02)

    def _check_input(self, x) -> None:
        cfg = self.config
        expected = (cfg.in_channels, cfg.image_size, cfg.image_size)
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"ViT: x must be a torch tensor of shape (N, {expected[0]}, "
                            f"{expected[1]}, {expected[2]}), got {type(x).__name__}")
        if x.ndim != 4 or tuple(x.shape[1:]) != expected:
            hint = ""
            if x.ndim == 3 and tuple(x.shape[1:]) == expected[1:]:
                hint = " (add the channel axis: x.unsqueeze(1))"
            elif x.ndim == 2 and x.shape[1] == expected[1] * expected[2] * expected[0]:
                hint = f" (flat images: x.view(-1, {expected[0]}, {expected[1]}, {expected[2]}))"
            raise ValueError(f"ViT: expected images of shape (N, {expected[0]}, {expected[1]}, "
                             f"{expected[2]}), got {tuple(x.shape)}{hint}")

    def tokens(self, x: torch.Tensor, return_attention: bool = False):
        """The encoder's output for every token, after the final LayerNorm: (N, 1 + P, D);
        with ``return_attention`` also the weights of every block, a list of (N, H, T, T)."""
        self._check_input(x)
        patches = self.patch_embed(x)                                  # (N, P, D)
        cls = self.cls_token.expand(len(x), -1, -1)                    # (N, 1, D)
        z = torch.cat([cls, patches], dim=1) + self.pos_embed          # (N, 1 + P, D)
        attention = []
        for block in self.blocks:
            z, weights = block(z)                                      # (N, T, D), (N, H, T, T)
            attention.append(weights)
        z = self.norm(z)
        return (z, attention) if return_attention else z

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The class token's final representation (N, D): what the head classifies, and what a
        linear probe reads."""
        return self.tokens(x)[:, 0]

    def forward(self, x: torch.Tensor, return_attention: bool = False):
        """x: (N, C, H, W) -> logits (N, K); with ``return_attention`` also the list of
        attention weights (N, H, 1 + P, 1 + P), one per block (row 0: the class token's)."""
        z, attention = self.tokens(x, return_attention=True)
        logits = self.head(z[:, 0])                                    # (N, K)
        return (logits, attention) if return_attention else logits

    def reset_head(self, num_classes: int) -> nn.Linear:
        """Replace the head by a fresh ``Linear(D, num_classes)`` (for a new task); returns the
        old head, so that the old task can still be measured."""
        num_classes = _checks.check_int(num_classes, "num_classes", minimum=2,
                                        where="ViT.reset_head")
        old = self.head
        device = self.cls_token.device
        self.head = nn.Linear(self.config.embed_dim, num_classes).to(device)
        return old

