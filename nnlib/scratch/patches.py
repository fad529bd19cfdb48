"""An image as a sequence of patches, in NumPy (notebook 15): the input layer of a ViT.

A Vision Transformer cuts an image ``x: (N, C, H, W)`` into non-overlapping ``p x p`` patches,
flattens each into a vector of ``C * p * p`` pixels and maps it with one shared linear layer to
a ``D``-dimensional token::

    patches = patchify(x, p)                  # (N, P, C*p*p),  P = (H / p) * (W / p)
    tokens  = patches @ W + b                 # (N, P, D),      W: (C*p*p, D), b: (D,)

Patches are numbered row by row (left to right, then top to bottom), and each patch's pixels
are flattened channel first, then row, then column: the order of a PyTorch
``Conv2d(C, D, kernel_size=p, stride=p)`` weight ``(D, C, p, p)`` flattened to ``(D, C*p*p)``.
That is why the patch embedding *is* a convolution whose stride equals its kernel size, and
``PatchEmbedding.from_torch`` copies such a convolution's weights directly.

:class:`ViTEmbedding` adds the two other pieces of a ViT's input: a learned **class token**
put in front of the patch tokens, and a learned **position embedding** added to every token::

    z = concat([cls, tokens], axis=1) + pos   # (N, 1 + P, D)

Both layers follow the engine's contract (``nnlib/scratch/module.py``): ``backward(grad_out)``
returns dL/dx and adds into every ``param.grad``.
"""

from __future__ import annotations

import math

import numpy as np

from nnlib import _checks
from nnlib.scratch import init as initializers
from nnlib.scratch.layers import check_grad_out, layer_name, require_forward
from nnlib.scratch.module import Module, Parameter, ShapeError, check_array

__all__ = ["PatchEmbedding", "ViTEmbedding", "check_patch_size", "num_patches", "patchify",
           "unpatchify"]


# -- argument checks ------------------------------------------------------------------------------
def check_patch_size(image_size, patch_size, *, where: str = "") -> tuple[tuple[int, int], int]:
    """``((H, W), p)`` after checking that the patch size ``p`` divides both image sides.

    ``image_size`` is an int (square images) or a pair ``(H, W)``; a patch size that does not
    divide a side raises ``ValueError`` naming both numbers and the divisors that would work.
    """
    h, w = _checks.check_int_or_pair(image_size, "image_size", minimum=1, where=where)
    p = _checks.check_int(patch_size, "patch_size", minimum=1, where=where)
    for side, name in ((h, "height"), (w, "width")):
        if side % p:
            divisors = [d for d in range(1, side + 1) if side % d == 0 and math.gcd(h, w) % d == 0]
            raise ValueError(
                f"{where + ': ' if where else ''}patch_size={p} does not divide the image "
                f"{name} {side} (image_size={image_size!r}, {side} / {p} = {side / p:.4g}): "
                "patches must tile the image "
                f"exactly; choose a patch size that divides {h} and {w}, e.g. one of {divisors}")
    return (h, w), p


def num_patches(image_size, patch_size) -> int:
    """Number of patches ``(H / p) * (W / p)``: the ViT's sequence length without the class
    token (16 for 28 x 28 digits and p = 7)."""
    (h, w), p = check_patch_size(image_size, patch_size, where="num_patches")
    return (h // p) * (w // p)


def _check_images(x, where: str, channels: int | None = None) -> np.ndarray:
    """``x`` as a float (N, C, H, W) array, or an error naming expected and received shapes."""
    x = check_array(x, "x", layer=where)
    if x.ndim != 4:
        hint = ""
        if x.ndim == 3:
            hint = " (one channel? add the channel axis: x[:, None])"
        elif x.ndim == 2:
            hint = " (flat images? reshape them: x.reshape(-1, 1, 28, 28))"
        raise ShapeError(f"{where}: expected images x of shape (N, C, H, W), got shape "
                         f"{x.shape}{hint}")
    if channels is not None and x.shape[1] != channels:
        raise ShapeError(f"{where}: expected {channels} channel(s), x of shape (N, {channels}, "
                         f"H, W); got {x.shape[1]} channels (shape {x.shape})")
    return x


# -- patchify and its inverse ----------------------------------------------------------------------
def patchify(x, patch_size: int) -> np.ndarray:
    """Cut images ``x: (N, C, H, W)`` into patches ``(N, P, C*p*p)``, ``P = (H/p) * (W/p)``.

    Patch ``i`` is row ``i // (W/p)``, column ``i % (W/p)`` of the patch grid; its vector lists
    the pixels channel by channel, each channel row by row (PyTorch's ``Conv2d`` weight order).
    No copy is made when the reshapes allow it; no Python loop runs over patches.
    """
    x = _check_images(x, "patchify")
    n, c, h, w = x.shape
    (h, w), p = check_patch_size((h, w), patch_size, where="patchify")
    grid = x.reshape(n, c, h // p, p, w // p, p)              # (N, C, Hp, p, Wp, p)
    grid = grid.transpose(0, 2, 4, 1, 3, 5)                   # (N, Hp, Wp, C, p, p)
    return grid.reshape(n, (h // p) * (w // p), c * p * p)    # (N, P, C*p*p)


def unpatchify(patches, image_size, patch_size: int, channels: int = 1) -> np.ndarray:
    """The inverse of :func:`patchify`: patches ``(N, P, C*p*p)`` back to images (N, C, H, W).

    ``image_size`` is ``H`` (square) or ``(H, W)``. The backward pass of ``patchify`` is this
    same rearrangement, since every pixel lands in exactly one patch.
    """
    where = "unpatchify"
    (h, w), p = check_patch_size(image_size, patch_size, where=where)
    c = _checks.check_int(channels, "channels", minimum=1, where=where)
    patches = _checks.check_array(patches, "patches", where=where, ndim=3)
    expected = ((h // p) * (w // p), c * p * p)
    if patches.shape[1:] != expected:
        raise ShapeError(f"{where}: for {h} x {w} images with channels={c} and patch_size={p}"
                         f" expected patches of shape (N, {expected[0]}, {expected[1]}), got "
                         f"{patches.shape}")
    n = patches.shape[0]
    grid = patches.reshape(n, h // p, w // p, c, p, p)        # (N, Hp, Wp, C, p, p)
    return grid.transpose(0, 3, 1, 4, 2, 5).reshape(n, c, h, w)


# -- the patch embedding layer ---------------------------------------------------------------------
class PatchEmbedding(Module):
    """Linear patch embedding: images ``(N, C, H, W)`` -> tokens ``(N, P, D)``.

    ``tokens = patchify(x, p) @ weight + bias`` with ``weight: (C*p*p, D)`` and ``bias: (D,)``,
    initialised like PyTorch's ``Conv2d`` (uniform in +-1/sqrt(C*p*p)). The same weights in
    PyTorch are a ``Conv2d(C, D, p, stride=p)`` with weight ``(D, C, p, p)``: use
    :meth:`from_torch` / :meth:`to_torch` to move them across.
    """

    def __init__(self, image_size=28, patch_size: int = 7, in_channels: int = 1,
                 embed_dim: int = 32, *, rng=None, dtype=np.float32):
        where = "PatchEmbedding"
        self.image_size, self.patch_size = check_patch_size(image_size, patch_size, where=where)
        self.in_channels = _checks.check_int(in_channels, "in_channels", minimum=1, where=where)
        self.embed_dim = _checks.check_int(embed_dim, "embed_dim", minimum=1, where=where)
        dtype = _checks.check_float_dtype(dtype, where=where)
        rng = initializers.as_rng(rng)
        fan_in = self.in_channels * self.patch_size ** 2
        bound = 1 / math.sqrt(fan_in)
        self.weight = Parameter(rng.uniform(-bound, bound, (fan_in, self.embed_dim))
                                .astype(dtype), "weight")
        self.bias = Parameter(rng.uniform(-bound, bound, self.embed_dim).astype(dtype), "bias")
        self._patches = None

    @property
    def num_patches(self) -> int:
        h, w = self.image_size
        return (h // self.patch_size) * (w // self.patch_size)

    def forward(self, x):
        """x: (N, C, H, W) -> tokens (N, P, D)."""
        x = _check_images(x, layer_name(self), self.in_channels)
        if x.shape[2:] != self.image_size:
            raise ShapeError(f"{layer_name(self)}: built for {self.image_size[0]} x "
                             f"{self.image_size[1]} images, got {x.shape[2]} x {x.shape[3]} "
                             f"(x of shape {x.shape})")
        # a copy: the caller may change x before backward (the weight gradient needs it)
        patches = patchify(x, self.patch_size).astype(self.weight.data.dtype, copy=True)
        self._patches = patches                                  # (N, P, C*p*p)
        return patches @ self.weight.data + self.bias.data       # (N, P, D)

    def backward(self, grad_out):
        """grad_out: dL/dtokens (N, P, D) -> dL/dx (N, C, H, W); adds dL/dW and dL/db."""
        patches = require_forward(self._patches, self)
        n, num, k = patches.shape
        g = check_grad_out(grad_out, (n, num, self.embed_dim), self)
        self.weight.grad += patches.reshape(-1, k).T @ g.reshape(-1, self.embed_dim)
        self.bias.grad += g.sum(axis=(0, 1))
        grad_patches = g @ self.weight.data.T                    # (N, P, C*p*p)
        return unpatchify(grad_patches, self.image_size, self.patch_size, self.in_channels)

    def extra_repr(self) -> str:
        h, w = self.image_size
        return (f"image_size=({h}, {w}), patch_size={self.patch_size}, "
                f"in_channels={self.in_channels}, embed_dim={self.embed_dim}")

    # -- weights to and from PyTorch ---------------------------------------------------------------
    @classmethod
    def from_torch(cls, conv, image_size=28, dtype=None) -> PatchEmbedding:
        """A copy of a ``torch.nn.Conv2d(C, D, p, stride=p)`` (or of a module holding one as
        ``.proj``, like ``nnlib.models.vit.PatchEmbed``); dtype defaults to the torch layer's."""
        conv = getattr(conv, "proj", conv)
        p = conv.kernel_size[0]
        if conv.kernel_size != (p, p) or conv.stride != (p, p) or conv.padding not in ((0, 0),
                                                                                       "valid"):
            raise ValueError(f"PatchEmbedding.from_torch needs a Conv2d with a square kernel, "
                             f"stride equal to the kernel and no padding; got kernel_size="
                             f"{conv.kernel_size}, stride={conv.stride}, padding={conv.padding}")
        weight = conv.weight.detach().cpu().numpy()              # (D, C, p, p)
        dtype = weight.dtype if dtype is None else dtype
        out = cls(image_size, p, conv.in_channels, conv.out_channels, dtype=dtype)
        out.weight.data[...] = weight.reshape(conv.out_channels, -1).T
        out.bias.data[...] = (conv.bias.detach().cpu().numpy() if conv.bias is not None else 0)
        return out

    def to_torch(self):
        """The same layer as a ``torch.nn.Conv2d(C, D, p, stride=p)``."""
        import torch

        p, c, d = self.patch_size, self.in_channels, self.embed_dim
        dtype = torch.float64 if self.weight.data.dtype == np.float64 else torch.float32
        conv = torch.nn.Conv2d(c, d, p, stride=p).to(dtype)
        with torch.no_grad():
            conv.weight.copy_(torch.from_numpy(self.weight.data.T.reshape(d, c, p, p).copy()))
            conv.bias.copy_(torch.from_numpy(self.bias.data.copy()))
        return conv


class ViTEmbedding(Module):
    """A ViT's whole input layer: patches -> tokens, a class token in front, positions added.

    ``forward(x)``: images (N, C, H, W) -> ``z`` (N, 1 + P, D) with
    ``z[:, 0] = cls + pos[0]`` and ``z[:, 1 + i] = patch_i @ W + b + pos[1 + i]``.
    ``cls_token`` has shape (1, 1, D) and ``pos_embed`` (1, 1 + P, D), as in
    ``nnlib.models.vit.ViT`` (initialised with std 0.02).
    """

    def __init__(self, image_size=28, patch_size: int = 7, in_channels: int = 1,
                 embed_dim: int = 32, *, rng=None, dtype=np.float32):
        rng = initializers.as_rng(rng)
        self.patch_embed = PatchEmbedding(image_size, patch_size, in_channels, embed_dim,
                                          rng=rng, dtype=dtype)
        d, t = embed_dim, self.patch_embed.num_patches + 1
        self.cls_token = Parameter((0.02 * rng.standard_normal((1, 1, d))).astype(dtype),
                                   "cls_token")
        self.pos_embed = Parameter((0.02 * rng.standard_normal((1, t, d))).astype(dtype),
                                   "pos_embed")
        self._n = None

    def forward(self, x):
        """x: (N, C, H, W) -> (N, 1 + P, D)."""
        tokens = self.patch_embed.forward(x)                      # (N, P, D)
        n = tokens.shape[0]
        cls = np.broadcast_to(self.cls_token.data, (n, 1, tokens.shape[2]))   # (N, 1, D)
        self._n = n
        return np.concatenate([cls, tokens], axis=1) + self.pos_embed.data     # (N, 1 + P, D)

    def backward(self, grad_out):
        """grad_out: (N, 1 + P, D) -> dL/dx (N, C, H, W)."""
        n = require_forward(self._n, self)
        t, d = self.pos_embed.shape[1:]
        g = check_grad_out(grad_out, (n, t, d), self)
        self.pos_embed.grad += g.sum(axis=0, keepdims=True)      # every image uses all positions
        self.cls_token.grad += g[:, :1].sum(axis=0, keepdims=True)
        return self.patch_embed.backward(g[:, 1:])

    def extra_repr(self) -> str:
        return f"tokens={self.pos_embed.shape[1]}, embed_dim={self.pos_embed.shape[2]}"

    @classmethod
    def from_torch(cls, vit, dtype=None) -> ViTEmbedding:
        """The input layer of an ``nnlib.models.vit.ViT``: patch embedding, class token and
        position embedding copied (dtype defaults to the model's)."""
        cfg = vit.config
        weight = vit.patch_embed.proj.weight
        out = cls(cfg.image_size, cfg.patch_size, cfg.in_channels, cfg.embed_dim,
                  dtype=weight.detach().cpu().numpy().dtype if dtype is None else dtype)
        out.patch_embed = PatchEmbedding.from_torch(vit.patch_embed, cfg.image_size,
                                                    dtype=out.cls_token.dtype)
        out.cls_token.data[...] = vit.cls_token.detach().cpu().numpy()
        out.pos_embed.data[...] = vit.pos_embed.detach().cpu().numpy()
        return out
