"""Checks for notebook 11 (attention). Each calls the learner's function on random inputs
and compares it with nnlib's NumPy attention (itself tested against PyTorch)."""

from __future__ import annotations

import numpy as np

from nnlib.exercises import checker
from nnlib.scratch.attention import (
    causal_mask,
    scaled_dot_product_attention_backward,
    scaled_dot_product_attention_forward,
)

_SHAPES = [(4, 4, 8, 3), (3, 6, 16, 5), (1, 2, 2, 1)]   # (Tq, Tk, d, dv)


def _qkv(rng, t_q, t_k, d, dv):
    return rng.normal(size=(t_q, d)), rng.normal(size=(t_k, d)), rng.normal(size=(t_k, dv))


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


def _alibi_reference(size: int, heads: int, first_slope_power: int = 1, sign: float = -1.0,
                     causal: bool = True) -> np.ndarray:
    slopes = 2.0 ** (-8.0 * (np.arange(heads) + first_slope_power) / heads)   # (H,)
    distance = np.arange(size)[:, None] - np.arange(size)[None, :]            # i - j
    bias = sign * slopes[:, None, None] * (distance if causal else np.abs(distance))
    if causal:
        bias = np.where(distance[None] >= 0, bias, -np.inf)
    return bias


@checker("11.1")
def alibi_function(alibi):
    """``alibi(T, num_heads) -> (H, T, T)``: -s_h (i - j) for j <= i, -inf above the diagonal,
    with slopes s_h = 2 ** (-8 (h + 1) / H)."""
    for size, heads in ((5, 4), (3, 8), (7, 2)):
        got = np.asarray(alibi(size, heads), dtype=float)
        want = _alibi_reference(size, heads)
        if got.shape != want.shape:
            return False, (f"alibi({size}, {heads}) must have shape (H, T, T) = {want.shape}, "
                           f"got {got.shape}")
        if np.array_equal(np.isinf(got), np.isinf(want)) and np.allclose(
                np.where(np.isinf(want), 0, got), np.where(np.isinf(want), 0, want)):
            continue
        if np.isfinite(got).all():
            return False, ("it is a causal model: key j > i must be blocked with -inf (the "
                           "bias replaces no mask)")
        finite = np.isfinite(want)
        if np.allclose(got[finite], -want[finite]):
            return False, ("wrong sign: the bias is a penalty, -s_h * (i - j), so far keys get "
                           "lower scores")
        if np.allclose(got[finite], _alibi_reference(size, heads, 0)[finite]):
            return False, "the first head's slope is 2 ** (-8 / H), not 1: use h + 1 for h = 0.."
        if np.allclose(got[finite], _alibi_reference(size, heads)[::-1][finite]):
            return False, "the heads are in reverse order: head 0 has the largest slope"
        return False, "wrong values; bias[h, i, j] = -(2 ** (-8 * (h + 1) / H)) * (i - j)"
    return True, ("ALiBi: add it to the scores before the softmax, and no position embeddings "
                  "are needed")


def _rope_reference(x: np.ndarray, base: float = 10000.0, start: int = 0,
                    direction: float = 1.0, halves: bool = False) -> np.ndarray:
    size, d = x.shape
    angles = (np.arange(size)[:, None] + start) * base ** (-np.arange(0, d, 2) / d)  # (T, d/2)
    cos, sin = np.cos(angles), direction * np.sin(angles)
    if halves:
        a, b = x[:, :d // 2], x[:, d // 2:]
        return np.concatenate([a * cos - b * sin, a * sin + b * cos], axis=1)
    a, b = x[:, 0::2], x[:, 1::2]
    out = np.empty_like(x)
    out[:, 0::2], out[:, 1::2] = a * cos - b * sin, a * sin + b * cos
    return out


@checker("11.3")
def rope_function(rope):
    """``rope(x (T, d)) -> (T, d)``: rotate feature pair (2i, 2i+1) at position p by the angle
    p * 10000 ** (-2i / d)."""
    rng = np.random.default_rng(13)
    for size, d in ((6, 4), (9, 16), (3, 2)):
        x = rng.normal(size=(size, d))
        got = np.asarray(rope(x.copy()), dtype=float)
        want = _rope_reference(x)
        if got.shape != want.shape:
            return False, f"rope(x) keeps x's shape {x.shape}, got {got.shape}"
        if np.allclose(got, want, atol=1e-9):
            continue
        if np.allclose(got, _rope_reference(x, direction=-1.0), atol=1e-9):
            return False, ("you rotate the other way: (a, b) -> (a cos - b sin, a sin + b cos), "
                           "counter-clockwise by a positive angle")
        if np.allclose(got, _rope_reference(x, start=1), atol=1e-9):
            return False, "positions start at 0: the first row is not rotated at all"
        if d > 2 and np.allclose(got, _rope_reference(x, halves=True), atol=1e-9):
            return False, ("you paired column i with column i + d/2 (the 'rotate_half' layout "
                           "some libraries use); here pair i is columns 2i and 2i + 1")
        return False, ("wrong values; angle = p * 10000 ** (-2i / d) for position p and pair i "
                       "(columns 2i, 2i + 1)")
    return True, ("rotated queries and keys: their dot products now depend only on the "
                  "distance between positions")
