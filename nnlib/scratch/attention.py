"""Attention in NumPy: embeddings, scaled dot-product attention, multi-head attention and
positional encodings, each with a forward and a backward pass.

Shapes are batch-first: a batch of ``B`` sequences of ``T`` vectors of size ``C`` is
``(B, T, C)``. Inside attention, heads get their own axis: ``(B, H, T, D)`` with
``D = C // H``.

Masks follow PyTorch, which (careful!) uses two opposite conventions for boolean masks:

* :func:`scaled_dot_product_attention`, like ``torch.nn.functional.scaled_dot_product_attention``:
  ``attn_mask`` True = **may attend**;
* :class:`MultiHeadAttention`, like ``torch.nn.MultiheadAttention``: ``attn_mask`` and
  ``key_padding_mask`` True = **blocked** (a padding position, a future token).

A float mask is added to the scores in both (``-inf`` blocks). A query that may attend to no
key at all has no defined output (softmax of nothing) and raises a ``ValueError``.
LayerNorm lives in ``layers.py`` and works on ``(B, T, C)`` as it is.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from nnlib import _checks
from nnlib.errors import NonFiniteError
from nnlib.scratch import functional as F
from nnlib.scratch import init as initializers
from nnlib.scratch.layers import Linear, check_grad_out, layer_name, require_forward
from nnlib.scratch.module import Module, Parameter, ShapeError, check_array

__all__ = [
    "AttentionCache", "Embedding", "LearnedPositionalEmbedding", "MultiHeadAttention",
    "MultiheadAttention",
    "PositionalEncoding", "causal_mask", "scaled_dot_product_attention",
    "scaled_dot_product_attention_backward", "scaled_dot_product_attention_forward",
    "sinusoidal_positional_encoding",
]


# -- masks --------------------------------------------------------------------------------
def causal_mask(t_q: int, t_k: int | None = None) -> np.ndarray:
    """Boolean ``(t_q, t_k)``, True where query i may attend to key j, i.e. j <= i.

    Lower-triangular, aligned at the top-left corner as in PyTorch's ``is_causal=True``.
    """
    t_q = _checks.check_int(t_q, "t_q", minimum=1, where="causal_mask")
    t_k = t_q if t_k is None else _checks.check_int(t_k, "t_k", minimum=1, where="causal_mask")
    return np.tril(np.ones((t_q, t_k), dtype=bool))


def _as_bias(mask, allowed_if_true: bool, dtype, name: str) -> np.ndarray:
    """A boolean or float mask as an additive bias: 0 where allowed, -inf where blocked."""
    if isinstance(mask, (bool, np.bool_)):
        raise TypeError(f"{name} must be a boolean or float array (..., Tq, Tk), got {mask!r} "
                        "(a bool)")
    mask = _checks.check_array(mask, name, dtype="any", finite=False)
    if mask.ndim == 0:
        raise ShapeError(f"{name} must be an array that broadcasts to the scores (..., Tq, Tk), "
                         f"got a single number {mask.item()!r}")
    if mask.dtype == bool:
        blocked = ~mask if allowed_if_true else mask
        return np.where(blocked, -np.inf, 0.0).astype(dtype)
    if not np.issubdtype(mask.dtype, np.floating):
        raise TypeError(f"{name} must be boolean or float (added to the scores), got dtype "
                        f"{mask.dtype}; for 0/1 integers use mask.astype(bool)")
    if np.any(np.isnan(mask)) or np.any(mask == np.inf):
        raise ValueError(f"{name} may hold finite values and -inf only (NaN or +inf found)")
    return mask.astype(dtype, copy=False)


# -- scaled dot-product attention ------------------------------------------------------------
class AttentionCache(NamedTuple):
    """What the backward pass needs: inputs, the attention ``weights`` (..., Tq, Tk), scale."""

    q: np.ndarray
    k: np.ndarray
    v: np.ndarray
    weights: np.ndarray
    scale: float


def _check_qkv(q, k, v, where: str):
    q = check_array(q, "q", layer=where)
    k = check_array(k, "k", layer=where)
    v = check_array(v, "v", layer=where)
    for name, arr in (("q", q), ("k", k), ("v", v)):
        if arr.ndim >= 2 and arr.shape[-2] == 0:
            raise ShapeError(f"{where}: {name} has no positions (shape {arr.shape}); "
                             "attention needs at least one query and one key")
    if q.ndim < 2 or k.ndim != q.ndim or v.ndim != q.ndim:
        raise ShapeError(f"{where}: q, k, v need the same rank >= 2, (..., T, D); got shapes "
                         f"{q.shape}, {k.shape}, {v.shape}")
    if q.shape[:-2] != k.shape[:-2] or q.shape[:-2] != v.shape[:-2]:
        raise ShapeError(f"{where}: q, k, v need the same leading (batch, head) axes; got "
                         f"shapes {q.shape}, {k.shape}, {v.shape}")
    if q.shape[-1] != k.shape[-1]:
        raise ShapeError(f"{where}: q and k need the same last dimension (their dot product "
                         f"is the score); got q {q.shape} and k {k.shape}")
    if k.shape[-2] != v.shape[-2]:
        raise ShapeError(f"{where}: k and v need the same length (one value per key); got k "
                         f"{k.shape} and v {v.shape}")
    dtype = np.result_type(q.dtype, k.dtype, v.dtype)
    # copies: the backward pass needs q, k, v as they were, even if the caller changes them
    return q.astype(dtype, copy=True), k.astype(dtype, copy=True), v.astype(dtype, copy=True)


def _attend(q, k, v, bias, scale, where: str):
    """softmax(q k^T * scale + bias) v with ``bias`` an additive mask (or None)."""
    with np.errstate(over="ignore", invalid="ignore"):
        scores = q @ np.swapaxes(k, -1, -2) * scale             # (..., Tq, Tk)
    if not np.all(np.isfinite(scores)):
        raise NonFiniteError(f"{where}: the scores q k^T * scale overflowed (scale={scale:g}); "
                             "use a smaller scale (default 1 / sqrt(D)) or smaller inputs")
    if bias is not None:
        try:
            scores = scores + bias
        except ValueError:
            raise ShapeError(f"{where}: the mask (attn_mask, or key_padding_mask in "
                             f"MultiheadAttention) of shape {np.shape(bias)} does not broadcast "
                             f"to the scores' shape {scores.shape} (..., Tq, Tk)") from None
    if np.any(np.all(np.isneginf(scores), axis=-1)):
        raise ValueError(f"{where}: some query may attend to no key at all (its whole row of "
                         "the mask is blocked), so its softmax is undefined; check the masks "
                         "(is a sequence all padding? is True meaning 'attend' or 'block'?)")
    weights = F.softmax(scores, axis=-1)                          # (..., Tq, Tk), rows sum to 1
    return weights @ v, AttentionCache(q, k, v, weights, scale)   # (..., Tq, Dv)


def scaled_dot_product_attention_forward(q, k, v, attn_mask=None, is_causal: bool = False,
                                         scale: float | None = None):
    """``out = softmax(q k^T / sqrt(D) + mask) v`` and the cache for the backward pass.

    q: (..., Tq, D), k: (..., Tk, D), v: (..., Tk, Dv) -> out: (..., Tq, Dv).
    attn_mask (broadcasts to (..., Tq, Tk)): boolean, True = may attend (PyTorch's
    ``F.scaled_dot_product_attention`` convention), or float, added to the scores.
    is_causal: query i sees keys j <= i only. scale: default 1 / sqrt(D).
    Returns ``(out, cache)``; ``cache.weights`` are the attention weights (..., Tq, Tk).
    """
    where = "scaled_dot_product_attention"
    is_causal = _checks.check_bool(is_causal, "is_causal", where=where)
    if scale is not None:
        scale = _checks.check_float(scale, "scale", minimum=0, min_open=True, where=where,
                                    hint="None gives the usual 1 / sqrt(D)")
    q, k, v = _check_qkv(q, k, v, where)
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    bias = None
    if attn_mask is not None:
        bias = _as_bias(attn_mask, True, q.dtype, "attn_mask")
    if is_causal:
        causal = _as_bias(causal_mask(q.shape[-2], k.shape[-2]), True, q.dtype, "causal")
        bias = causal if bias is None else bias + causal
    return _attend(q, k, v, bias, scale, where)


def scaled_dot_product_attention(q, k, v, attn_mask=None, is_causal: bool = False,
                                 scale: float | None = None) -> np.ndarray:
    """Like ``torch.nn.functional.scaled_dot_product_attention`` (no dropout): the output only.

    See :func:`scaled_dot_product_attention_forward` for shapes and masks.
    """
    return scaled_dot_product_attention_forward(q, k, v, attn_mask, is_causal, scale)[0]


def _check_cache(cache: AttentionCache):
    """The cache's fields, checked (cheap: dtype kinds and shapes, no pass over the values):
    a hand-built or edited cache gets an error naming the field, not a NumPy one."""
    where = "scaled_dot_product_attention_backward: cache"
    q, k, v, weights, scale = cache
    arrays = {}
    for name, value in (("q", q), ("k", k), ("v", v), ("weights", weights)):
        if not isinstance(value, np.ndarray) or value.dtype.kind != "f":
            raise TypeError(f"{where}.{name} must be a float array (as the forward returns "
                            f"it), got {_checks.describe(value)}")
        arrays[name] = value
    scale = _checks.check_float(scale, "scale", minimum=0, min_open=True, where=where)
    if q.ndim < 2 or any(a.ndim != q.ndim for a in arrays.values()):
        raise ShapeError(f"{where}: q, k, v and weights need the same rank >= 2, got shapes "
                         f"{q.shape}, {k.shape}, {v.shape}, {weights.shape}")
    want = q.shape[:-1] + (k.shape[-2],)
    if (q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]
            or weights.shape != want or q.shape[:-2] != v.shape[:-2]):
        raise ShapeError(f"{where}: inconsistent shapes q {q.shape}, k {k.shape}, v {v.shape}, "
                         f"weights {weights.shape} (weights should be {want}); pass the cache "
                         "that scaled_dot_product_attention_forward returned")
    return q, k, v, weights, scale


def scaled_dot_product_attention_backward(grad_out, cache: AttentionCache):
    """``(grad_q, grad_k, grad_v)`` from dL/d(out) (..., Tq, Dv) and the forward's cache.

    With P the weights and S the scaled scores:
    dV = P^T dO,  dP = dO V^T,  dS = P * (dP - rowsum(dP * P)),
    dQ = dS K * scale,  dK = dS^T Q * scale.  (Blocked entries have P = 0, so dS = 0.)
    """
    if not isinstance(cache, AttentionCache):
        raise TypeError("scaled_dot_product_attention_backward: cache must be the "
                        "AttentionCache returned by scaled_dot_product_attention_forward, got "
                        f"{_checks.describe(cache)}")
    q, k, v, weights, scale = _check_cache(cache)
    expected = weights.shape[:-1] + (v.shape[-1],)
    grad_out = _checks.check_array(grad_out, "grad_out",
                                   where="scaled_dot_product_attention_backward", finite=False)
    if grad_out.shape != expected:
        raise ShapeError(f"scaled_dot_product_attention backward: expected grad_out of shape "
                         f"{expected} (the shape of the output), got {grad_out.shape}")
    grad_v = np.swapaxes(weights, -1, -2) @ grad_out                # (..., Tk, Dv)
    grad_weights = grad_out @ np.swapaxes(v, -1, -2)                # (..., Tq, Tk)
    grad_scores = F._softmax_vjp(grad_weights, weights, -1) * scale
    grad_q = grad_scores @ k                                        # (..., Tq, D)
    grad_k = np.swapaxes(grad_scores, -1, -2) @ q                   # (..., Tk, D)
    return grad_q, grad_k, grad_v


# -- multi-head attention ------------------------------------------------------------------
class MultiheadAttention(Module):
    """Multi-head attention, like ``torch.nn.MultiheadAttention(batch_first=True)``.

    ``MultiheadAttention(embed_dim, num_heads, *, bias=True, causal=False, rng, dtype)``:
    the first two arguments as in PyTorch, the rest keyword-only (PyTorch's third positional
    argument is ``dropout``, which this class does not have). ``MultiHeadAttention`` is the
    same class under its old name.

    ``forward(x)`` is self-attention: (B, T, C) -> (B, T, C); ``backward`` returns dL/dx.
    ``forward(query, key, value)`` is cross-attention (query (B, Tq, C), key and value
    (B, Tk, C)); ``backward`` then returns ``(grad_query, grad_key, grad_value)``.

    Each of the ``num_heads`` heads attends in its own ``D = C // num_heads`` dimensions:
    q = query W_q + b_q, split (B, Tq, C) -> (B, H, Tq, D); same for k and v; attention per
    head; heads concatenated back to (B, Tq, C); then the output projection W_o.
    The four projections are nnlib ``Linear`` layers ``q_proj, k_proj, v_proj, out_proj``.

    Masks (True = blocked, as in PyTorch's nn.MultiheadAttention; float masks are added):
    ``causal=True`` blocks keys after the query; ``key_padding_mask`` (B, Tk) marks padding
    keys; ``attn_mask`` is (Tq, Tk) or (B * num_heads, Tq, Tk).
    After ``forward``, ``attn_weights`` holds the weights of every head, (B, H, Tq, Tk).

    Weights from PyTorch: ``MultiheadAttention.from_torch(mha)``. PyTorch packs the three
    input projections into ``in_proj_weight`` (3C, C) stored as (out, in) and
    ``in_proj_bias`` (3C,): rows ``[0:C]`` are W_q, ``[C:2C]`` W_k, ``[2C:3C]`` W_v, so
    ``q_proj.weight = in_proj_weight[:C].T`` and so on; ``out_proj.weight = out_proj.weight.T``.
    """

    def __init__(self, embed_dim: int, num_heads: int, *, bias: bool = True,
                 causal: bool = False, rng=None, dtype=np.float32):
        where = "MultiheadAttention"
        self.embed_dim = _checks.check_int(embed_dim, "embed_dim", minimum=1, where=where)
        self.num_heads = _checks.check_int(num_heads, "num_heads", minimum=1, where=where)
        bias = _checks.check_bool(bias, "bias", where=where)
        causal = _checks.check_bool(causal, "causal", where=where)
        if embed_dim % num_heads:
            raise ValueError(f"{where}: embed_dim must be divisible by num_heads (each head gets "
                             f"embed_dim // num_heads dimensions); {embed_dim} % {num_heads} = "
                             f"{embed_dim % num_heads}")
        self.head_dim = embed_dim // num_heads
        self.causal = bool(causal)
        rng = initializers.as_rng(rng)
        self.q_proj = Linear(embed_dim, embed_dim, bias, rng=rng, dtype=dtype)
        self.k_proj = Linear(embed_dim, embed_dim, bias, rng=rng, dtype=dtype)
        self.v_proj = Linear(embed_dim, embed_dim, bias, rng=rng, dtype=dtype)
        self.out_proj = Linear(embed_dim, embed_dim, bias, rng=rng, dtype=dtype)
        self.attn_weights = None
        self._cache = None

    def __call__(self, query, key=None, value=None, **masks):
        return self.forward(query, key, value, **masks)

    # -- heads ----------------------------------------------------------------------------
    def _split(self, x):
        """(B, T, C) -> (B, H, T, D)."""
        b, t, _ = x.shape
        return x.reshape(b, t, self.num_heads, self.head_dim).transpose(0, 2, 1, 3)

    @staticmethod
    def _merge(x):
        """(B, H, T, D) -> (B, T, H * D)."""
        b, h, t, d = x.shape
        return x.transpose(0, 2, 1, 3).reshape(b, t, h * d)

    def _check_input(self, x, name):
        x = check_array(x, name, layer=layer_name(self))
        if x.ndim != 3:
            hint = " (a single sequence? use x[None] to add a batch axis)" if x.ndim == 2 else ""
            raise ShapeError(f"{layer_name(self)}: expected {name} of shape (B, T, "
                             f"{self.embed_dim}), got shape {x.shape}{hint}")
        x = check_array(x, name, last_dim=self.embed_dim, layer=layer_name(self))
        if x.shape[1] == 0:
            raise ShapeError(f"{layer_name(self)}: {name} has no positions (shape {x.shape}); "
                             "pass at least one")
        return x

    def _bias(self, b, t_q, t_k, key_padding_mask, attn_mask, dtype):
        """All masks as one additive array broadcasting to (B, H, Tq, Tk), or None."""
        where = layer_name(self)
        bias = None
        if self.causal:
            bias = _as_bias(causal_mask(t_q, t_k), True, dtype, "causal")
        if attn_mask is not None:
            mask = _as_bias(attn_mask, False, dtype, "attn_mask")
            if mask.shape == (b * self.num_heads, t_q, t_k):
                mask = mask.reshape(b, self.num_heads, t_q, t_k)
            elif mask.shape != (t_q, t_k):
                raise ShapeError(f"{where}: attn_mask must have shape (Tq, Tk) = {(t_q, t_k)} "
                                 f"or (B * num_heads, Tq, Tk) = {(b * self.num_heads, t_q, t_k)}"
                                 f", got {mask.shape}")
            bias = mask if bias is None else bias + mask
        if key_padding_mask is not None:
            mask = _as_bias(key_padding_mask, False, dtype, "key_padding_mask")
            if mask.shape != (b, t_k):
                raise ShapeError(f"{where}: key_padding_mask must have shape (B, Tk) = "
                                 f"{(b, t_k)} (True marks padding), got {mask.shape}")
            mask = mask[:, None, None, :]                            # (B, 1, 1, Tk)
            bias = mask if bias is None else bias + mask
        return bias

    # -- forward and backward ---------------------------------------------------------------
    def forward(self, query, key=None, value=None, *, key_padding_mask=None, attn_mask=None):
        self_attention = key is None and value is None
        query = self._check_input(query, "query")
        key = query if key is None else self._check_input(key, "key")
        value = key if value is None else self._check_input(value, "value")
        if key.shape[:2] != value.shape[:2] or key.shape[0] != query.shape[0]:
            raise ShapeError(f"{layer_name(self)}: key and value need the same (B, Tk) and "
                             f"query the same B; got query {query.shape}, key {key.shape}, "
                             f"value {value.shape}")
        b, t_q, _ = query.shape
        t_k = key.shape[1]
        q = self._split(self.q_proj(query))                          # (B, H, Tq, D)
        k = self._split(self.k_proj(key))                            # (B, H, Tk, D)
        v = self._split(self.v_proj(value))                          # (B, H, Tk, D)
        bias = self._bias(b, t_q, t_k, key_padding_mask, attn_mask, q.dtype)
        heads, cache = _attend(q, k, v, bias, 1 / math.sqrt(self.head_dim), layer_name(self))
        self.attn_weights = cache.weights                            # (B, H, Tq, Tk)
        self._cache = (cache, self_attention)
        return self.out_proj(self._merge(heads))                     # (B, Tq, C)

    def backward(self, grad_out):
        cache, self_attention = require_forward(self._cache, self)
        b, _, t_q, _ = cache.q.shape
        grad_out = check_grad_out(grad_out, (b, t_q, self.embed_dim), self)
        grad_heads = self._split(self.out_proj.backward(grad_out))   # (B, H, Tq, D)
        grad_q, grad_k, grad_v = scaled_dot_product_attention_backward(grad_heads, cache)
        grad_query = self.q_proj.backward(self._merge(grad_q))       # (B, Tq, C)
        grad_key = self.k_proj.backward(self._merge(grad_k))         # (B, Tk, C)
        grad_value = self.v_proj.backward(self._merge(grad_v))       # (B, Tk, C)
        if self_attention:  # x fed all three projections: its gradient is the sum
            return grad_query + grad_key + grad_value
        return grad_query, grad_key, grad_value

    def extra_repr(self) -> str:
        return (f"{self.embed_dim}, {self.num_heads}"
                + (", bias=False" if self.q_proj.bias is None else "")
                + (", causal=True" if self.causal else ""))

    # -- weights to and from PyTorch -------------------------------------------------------
    @classmethod
    def from_torch(cls, mha, causal: bool = False, dtype=None) -> MultiheadAttention:
        """A copy of a ``torch.nn.MultiheadAttention`` (its in_proj split into q, k, v)."""
        if not mha._qkv_same_embed_dim or mha.bias_k is not None:
            raise ValueError("from_torch supports nn.MultiheadAttention with kdim = vdim = "
                             "embed_dim and add_bias_kv=False")
        c = mha.embed_dim
        w_in = mha.in_proj_weight.detach().cpu().numpy()            # (3C, C), rows = outputs
        dtype = w_in.dtype if dtype is None else dtype
        has_bias = mha.in_proj_bias is not None
        out = cls(c, mha.num_heads, bias=has_bias, causal=bool(causal), rng=0, dtype=dtype)
        for i, proj in enumerate((out.q_proj, out.k_proj, out.v_proj)):
            proj.weight.data[...] = w_in[i * c:(i + 1) * c].T
            if has_bias:
                proj.bias.data[...] = mha.in_proj_bias.detach().cpu().numpy()[i * c:(i + 1) * c]
        out.out_proj.weight.data[...] = mha.out_proj.weight.detach().cpu().numpy().T
        if has_bias:
            out.out_proj.bias.data[...] = mha.out_proj.bias.detach().cpu().numpy()
        return out

    def to_torch(self):
        """A ``torch.nn.MultiheadAttention(batch_first=True)`` with the same weights."""
        import torch

        dtype = torch.float64 if self.q_proj.weight.dtype == np.float64 else torch.float32
        has_bias = self.q_proj.bias is not None
        mha = torch.nn.MultiheadAttention(self.embed_dim, self.num_heads, bias=has_bias,
                                          batch_first=True, dtype=dtype)
        projections = (self.q_proj, self.k_proj, self.v_proj)
        with torch.no_grad():
            mha.in_proj_weight.copy_(torch.from_numpy(
                np.concatenate([p.weight.data.T for p in projections])))
            mha.out_proj.weight.copy_(torch.from_numpy(
                np.ascontiguousarray(self.out_proj.weight.data.T)))
            if has_bias:
                mha.in_proj_bias.copy_(torch.from_numpy(
                    np.concatenate([p.bias.data for p in projections])))
                mha.out_proj.bias.copy_(torch.from_numpy(self.out_proj.bias.data))
        return mha


MultiHeadAttention = MultiheadAttention  # the name nnlib used before matching PyTorch's


# -- embeddings -------------------------------------------------------------------------------
class Embedding(Module):
    """A lookup table: token ids (any shape, e.g. (B, T)) -> rows of ``weight`` (..., dim).

    ``weight`` is (num_embeddings, embedding_dim), initialised N(0, 1) as in PyTorch.
    Looking up row i is the same as one_hot(i) @ weight, so the backward pass adds each
    position's gradient into the row it read (a token used twice gets both gradients).
    ``backward`` returns None: there is no gradient for integer ids.
    ``padding_idx``: that row starts at zero and never gets a gradient (as in PyTorch).
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 *, rng=None, dtype=np.float32):
        where = "Embedding"
        self.num_embeddings = _checks.check_int(num_embeddings, "num_embeddings", minimum=1,
                                                where=where)
        self.embedding_dim = _checks.check_int(embedding_dim, "embedding_dim", minimum=1,
                                               where=where)
        if padding_idx is not None:
            # PyTorch also takes a negative padding_idx, counted from the end
            padding_idx = _checks.check_int(padding_idx, "padding_idx",
                                            minimum=-self.num_embeddings,
                                            maximum=self.num_embeddings - 1, where=where)
            padding_idx %= self.num_embeddings
        self.padding_idx = padding_idx
        dtype = _checks.check_float_dtype(dtype, where=where)
        weight = initializers.as_rng(rng).standard_normal((num_embeddings, embedding_dim))
        if padding_idx is not None:
            weight[padding_idx] = 0.0
        self.weight = Parameter(weight.astype(dtype), "weight")
        self._idx = None

    def forward(self, idx):
        # a copy (int64): the backward pass needs the ids as they were
        idx = np.array(_checks.check_token_ids(idx, "idx", vocab_size=self.num_embeddings,
                                               where=layer_name(self)), copy=True)
        self._idx = idx
        return self.weight.data[idx]                                 # (..., embedding_dim)

    def backward(self, grad_out):
        idx = require_forward(self._idx, self)
        grad_out = check_grad_out(grad_out, idx.shape + (self.embedding_dim,), self)
        grad = np.zeros_like(self.weight.grad)
        # np.add.at, not grad[idx] += g: with repeated ids the latter keeps only one of them
        np.add.at(grad, idx.reshape(-1), grad_out.reshape(-1, self.embedding_dim))
        if self.padding_idx is not None:
            grad[self.padding_idx] = 0.0
        self.weight.grad += grad
        return None

    def extra_repr(self) -> str:
        return (f"{self.num_embeddings}, {self.embedding_dim}"
                + ("" if self.padding_idx is None else f", padding_idx={self.padding_idx}"))

    @classmethod
    def from_torch(cls, layer, dtype=None) -> Embedding:
        """A copy of a ``torch.nn.Embedding`` (same (num, dim) layout, no transpose)."""
        weight = layer.weight.detach().cpu().numpy()
        out = cls(layer.num_embeddings, layer.embedding_dim, layer.padding_idx, rng=0,
                  dtype=weight.dtype if dtype is None else dtype)
        out.weight.data[...] = weight
        return out

    def to_torch(self):
        import torch

        layer = torch.nn.Embedding(self.num_embeddings, self.embedding_dim, self.padding_idx,
                                   dtype=torch.from_numpy(self.weight.data).dtype)
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(self.weight.data))
        return layer


# -- positional encodings -------------------------------------------------------------------
def sinusoidal_positional_encoding(max_len: int, d_model: int,
                                   base: float = 10000.0) -> np.ndarray:
    """(max_len, d_model) float64 table of Vaswani et al. (2017):

    PE[pos, 2i] = sin(pos / base^(2i / d_model)),  PE[pos, 2i + 1] = cos(same angle).
    Pair i turns like a clock hand with a wavelength from 2*pi (i = 0) to ~2*pi*base.
    """
    where = "sinusoidal_positional_encoding"
    max_len = _checks.check_int(max_len, "max_len", minimum=1, where=where)
    d_model = _checks.check_int(d_model, "d_model", minimum=1, where=where)
    base = _checks.check_float(base, "base", minimum=1, min_open=True, where=where,
                               hint="the wavelengths grow as powers of base; 10000 is usual")
    positions = np.arange(max_len)[:, None]                         # (max_len, 1)
    frequencies = base ** (-np.arange(0, d_model, 2) / d_model)      # (ceil(d/2),)
    angles = positions * frequencies                                 # (max_len, ceil(d/2))
    pe = np.zeros((max_len, d_model))
    pe[:, 0::2] = np.sin(angles)
    pe[:, 1::2] = np.cos(angles[:, :d_model // 2])
    return pe


class _AddPositions(Module):
    """x (B, T, C) -> x + table[:T]; subclasses set ``self.d_model`` and ``_table()``."""

    max_len: int
    d_model: int

    def _table(self) -> np.ndarray:
        raise NotImplementedError

    def forward(self, x):
        x = check_array(x, "x", layer=layer_name(self))
        if x.ndim != 3:
            hint = " (a single sequence? use x[None] to add a batch axis)" if x.ndim == 2 else ""
            raise ShapeError(f"{layer_name(self)}: expected x of shape (B, T, {self.d_model}), "
                             f"got shape {x.shape}{hint}")
        x = check_array(x, "x", last_dim=self.d_model, layer=layer_name(self))
        if x.shape[1] > self.max_len:
            raise ShapeError(f"{layer_name(self)}: the sequence has {x.shape[1]} positions but "
                             f"the table covers max_len={self.max_len}; build it with a larger "
                             "max_len")
        self._shape = x.shape
        return self._add(x, self._table()[:x.shape[1]])

    def _add(self, x, table):
        return x.astype(table.dtype, copy=False) + table

    def extra_repr(self) -> str:
        return f"{self.d_model}, {self.max_len}"


class PositionalEncoding(_AddPositions):
    """Adds the fixed sinusoidal table (see :func:`sinusoidal_positional_encoding`) to
    x (B, T, d_model), in x's dtype. Nothing to learn; the backward pass is the identity.

    Arguments ``(d_model, max_len)``, the same order as :class:`LearnedPositionalEmbedding`.
    """

    def __init__(self, d_model: int, max_len: int = 512):
        self.max_len = _checks.check_int(max_len, "max_len", minimum=1,
                                         where="PositionalEncoding")
        self.d_model = _checks.check_int(d_model, "d_model", minimum=1,
                                         where="PositionalEncoding")
        self.pe = sinusoidal_positional_encoding(max_len, d_model)   # (max_len, d_model)
        self._shape = None

    def _table(self):
        return self.pe

    def _add(self, x, table):
        return x + table.astype(x.dtype)

    def backward(self, grad_out):
        return check_grad_out(grad_out, require_forward(self._shape, self), self)

    def extra_repr(self) -> str:
        return f"d_model={self.d_model}, max_len={self.max_len}"


class LearnedPositionalEmbedding(_AddPositions):
    """Adds a learned vector per position: x (B, T, d_model) -> x + weight[:T].

    ``weight`` (max_len, d_model), initialised N(0, std^2) (std 1 as ``nn.Embedding``; GPT-2
    uses 0.02). Equivalent to an ``Embedding(max_len, d_model)`` looked up at 0 .. T-1.
    Positions beyond the longest training sequence never get a gradient: unlike the
    sinusoidal table, it cannot say anything about longer sequences.

    Arguments ``(d_model, max_len)``, the same order as :class:`PositionalEncoding`.
    """

    def __init__(self, d_model: int, max_len: int = 512, std: float = 1.0, *, rng=None,
                 dtype=np.float32):
        where = "LearnedPositionalEmbedding"
        self.max_len = _checks.check_int(max_len, "max_len", minimum=1, where=where)
        self.d_model = _checks.check_int(d_model, "d_model", minimum=1, where=where)
        std = _checks.check_float(std, "std", minimum=0, maximum=1e30, where=where,
                                  hint="GPT-2 uses 0.02")
        dtype = _checks.check_float_dtype(dtype, where=where)
        weight = initializers.as_rng(rng).normal(0.0, std, size=(max_len, d_model))
        self.weight = Parameter(weight.astype(dtype), "weight")
        self._shape = None

    def _table(self):
        return self.weight.data

    def backward(self, grad_out):
        shape = require_forward(self._shape, self)
        grad_out = check_grad_out(grad_out, shape, self)
        self.weight.grad[:shape[1]] += grad_out.sum(axis=0)          # same table for each b
        return grad_out
