"""Checks for notebook 11 (attention). Each calls the learner's function on random inputs
and compares it with nnlib's NumPy attention (itself tested against PyTorch)."""

from __future__ import annotations

import numpy as np

from nnlib.exercises import checker
from nnlib.scratch.attention import (
    causal_mask,
    scaled_dot_product_attention_backward,
    scaled_dot_product_attention_forward,
    sinusoidal_positional_encoding,
)

_SHAPES = [(4, 4, 8, 3), (3, 6, 16, 5), (1, 2, 2, 1)]   # (Tq, Tk, d, dv)


def _qkv(rng, t_q, t_k, d, dv):
    return rng.normal(size=(t_q, d)), rng.normal(size=(t_k, d)), rng.normal(size=(t_k, dv))


@checker("11.1")
def attention_function(attention):
    """``attention(Q (Tq, d), K (Tk, d), V (Tk, dv)) -> (Tq, dv)``, scaled, no mask."""
    rng = np.random.default_rng(11)
    for t_q, t_k, d, dv in _SHAPES:
        q, k, v = _qkv(rng, t_q, t_k, d, dv)
        got = np.asarray(attention(q.copy(), k.copy(), v.copy()))
        want, cache = scaled_dot_product_attention_forward(q, k, v)
        if got.shape != want.shape:
            return False, (f"for Q {q.shape}, K {k.shape}, V {v.shape} the output must have "
                           f"shape {want.shape} (one row per query, V's width), got {got.shape}")
        if np.allclose(got, want, rtol=1e-6, atol=1e-9):
            continue
        unscaled = scaled_dot_product_attention_forward(q, k, v, scale=1.0)[0]
        if np.allclose(got, unscaled, rtol=1e-6, atol=1e-9):
            return False, "almost: divide the scores Q @ K.T by sqrt(d) before the softmax"
        by_d = scaled_dot_product_attention_forward(q, k, v, scale=1.0 / d)[0]
        if np.allclose(got, by_d, rtol=1e-6, atol=1e-9):
            return False, "divide the scores by sqrt(d), not by d"
        if dv != d:
            by_dv = scaled_dot_product_attention_forward(q, k, v, scale=1.0 / np.sqrt(dv))[0]
            if np.allclose(got, by_dv, rtol=1e-6, atol=1e-9):
                return False, ("d is the width of the queries and keys (Q.shape[1]), not of "
                               "the values")
        column_softmax = np.exp(q @ k.T / np.sqrt(d))
        column_softmax /= column_softmax.sum(axis=0, keepdims=True)
        if np.allclose(got, column_softmax @ v, rtol=1e-6, atol=1e-9):
            return False, ("the softmax must run over the keys, i.e. along each row "
                           "(axis=-1): every query's weights sum to 1")
        return False, "wrong values; the recipe is softmax(Q @ K.T / sqrt(d), axis=-1) @ V"
    return True, "softmax(Q Kᵀ / √d) V, the heart of every Transformer"


@checker("11.2")
def causal_mask_function(make_mask):
    """``make_mask(T) -> (T, T)`` bool, True where query i may attend to key j (j <= i)."""
    for size in (5, 2, 9, 1):
        got = np.asarray(make_mask(size))
        want = causal_mask(size)
        if got.shape != want.shape:
            return False, f"make_mask({size}) must have shape {want.shape}, got {got.shape}"
        if got.dtype != bool:
            return False, f"return booleans (dtype bool), got dtype {got.dtype}; try .astype(bool)"
        if np.array_equal(got, want):
            continue
        if np.array_equal(got, want.T):
            return False, ("transposed: row i is query i and may see keys j <= i, the LOWER "
                           "triangle (np.tril)")
        if np.array_equal(got, np.tril(want, -1)):
            return False, "a token may attend to itself: keep the diagonal"
        if np.array_equal(got, ~want):
            return False, "inverted: here True means 'may attend', so the future must be False"
        return False, f"make_mask({size}) differs from the lower-triangular pattern"
    return True, "each token sees itself and the past, never the future"


@checker("11.3")
def positional_encoding_function(encoding):
    """``encoding(max_len, d_model) -> (max_len, d_model)`` sinusoidal table."""
    for max_len, d_model in ((10, 4), (50, 16), (7, 64)):
        got = np.asarray(encoding(max_len, d_model), dtype=float)
        want = sinusoidal_positional_encoding(max_len, d_model)
        if got.shape != want.shape:
            return False, (f"encoding({max_len}, {d_model}) must have shape {want.shape} "
                           f"(one row per position), got {got.shape}")
        if np.allclose(got, want, atol=1e-9):
            continue
        swapped = want.copy()
        swapped[:, 0::2], swapped[:, 1::2] = want[:, 1::2], want[:, 0::2]
        if np.allclose(got, swapped, atol=1e-9):
            return False, "sin goes in the even columns (0, 2, ...), cos in the odd ones"
        halves = np.concatenate([want[:, 0::2], want[:, 1::2]], axis=1)
        if np.allclose(got, halves, atol=1e-9):
            return False, ("the sines and cosines are interleaved, not in two halves: column 2i "
                           "is sin, column 2i + 1 the cos of the same frequency")
        if np.allclose(got[:, 0], want[:, 0]) and np.allclose(got[:, 1], want[:, 1]):
            return False, ("the first pair is right but the frequencies are not: column pair "
                           "i uses pos / 10000 ** (2 * i / d_model)")
        return False, "wrong values; PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos"
    return True, "every position gets a unique pattern of clock hands turning at different speeds"


@checker("11.4")
def attention_backward_function(backward):
    """``backward(dO, Q, K, V) -> (dQ, dK, dV)`` for out = softmax(Q K^T / sqrt(d)) V."""
    rng = np.random.default_rng(4)
    for t_q, t_k, d, dv in _SHAPES:
        q, k, v = _qkv(rng, t_q, t_k, d, dv)
        out, cache = scaled_dot_product_attention_forward(q, k, v)
        grad_out = rng.normal(size=out.shape)
        got = backward(grad_out.copy(), q.copy(), k.copy(), v.copy())
        if not isinstance(got, (tuple, list)) or len(got) != 3:
            return False, "return three arrays: (dQ, dK, dV)"
        want = scaled_dot_product_attention_backward(grad_out, cache)
        for name, g, w in zip(("dQ", "dK", "dV"), got, want):
            g = np.asarray(g)
            if g.shape != w.shape:
                return False, f"{name} must have the shape of {name[1]}: {w.shape}, got {g.shape}"
            if np.allclose(g, w, rtol=1e-6, atol=1e-9):
                continue
            if name != "dV" and np.allclose(g, w * np.sqrt(d), rtol=1e-6, atol=1e-9):
                return False, (f"{name} is off by a factor sqrt(d): the scores were divided by "
                               "sqrt(d), so the chain rule divides their gradient too")
            hints = {"dV": "dV = Pᵀ dO (P = the attention weights)",
                     "dQ": "dS = P * (dP - sum(dP * P, axis=-1)), dP = dO Vᵀ, dQ = dS K / √d",
                     "dK": "dK = dSᵀ Q / √d (keys are on the columns of the scores)"}
            return False, f"{name} is wrong; {hints[name]}"
    return True, "your backward pass agrees with nnlib's (which agrees with torch.autograd)"
