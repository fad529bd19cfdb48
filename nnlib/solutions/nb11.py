"""Worked solutions for notebook 11 (attention). Format: see ``nb00.py``."""

from __future__ import annotations

from nnlib.solutions import solution


@solution("11.1")
def alibi():
    """Build the distance table i - j once with broadcasting, (T, 1) - (1, T) -> (T, T), and
    the slopes s_h, shape (H,). Their product, (H, 1, 1) * (1, T, T), is the (H, T, T) bias
    with the minus sign. Then the causal part: where j > i (a negative distance) put -inf,
    with np.where. Each head gets a different slope, so some heads look far and others near."""
    import numpy as np

    def alibi(T, num_heads):
        slopes = 2.0 ** (-8.0 * (np.arange(num_heads) + 1) / num_heads)   # (H,)
        distance = np.arange(T)[:, None] - np.arange(T)[None, :]          # (T, T): i - j
        bias = -slopes[:, None, None] * distance                          # (H, T, T)
        return np.where(distance >= 0, bias, -np.inf)

    return alibi


@solution("11.2")
def causal_mask():
    """np.tril keeps the lower triangle, diagonal included: exactly the keys j <= i that
    query i may see. Start from a (T, T) array of True."""
    import numpy as np

    def causal_mask(T):
        return np.tril(np.ones((T, T), dtype=bool))

    return causal_mask


@solution("11.3")
def rope():
    """Angles: position p (a column of 0 .. T-1) times the frequencies 10000 ** (-2i / d) for
    i = 0 .. d/2 - 1, shape (T, d/2). The pairs are the even and the odd features,
    a = x[:, 0::2] and b = x[:, 1::2]; rotate them and write them back in the same places.
    The check: rotating q at position m and k at position n by angles m w and n w leaves
    their dot product depending on the difference (m - n) w only."""
    import numpy as np

    def rope(x):
        T, d = x.shape
        freqs = 10000.0 ** (-np.arange(0, d, 2) / d)          # (d/2,)
        angles = np.arange(T)[:, None] * freqs[None, :]       # (T, d/2)
        cos, sin = np.cos(angles), np.sin(angles)
        a, b = x[:, 0::2], x[:, 1::2]
        out = np.empty_like(x, dtype=float)
        out[:, 0::2] = a * cos - b * sin
        out[:, 1::2] = a * sin + b * cos
        return out

    rng = np.random.default_rng(0)
    q, k = rng.normal(size=8), rng.normal(size=8)
    Q, K = rope(np.tile(q, (6, 1))), rope(np.tile(k, (6, 1)))
    scores = Q @ K.T                                          # (6, 6)
    assert np.allclose(scores[3, 1], scores[5, 3]) and np.allclose(scores[2, 2], scores[4, 4])
    return rope


@solution("11.4")
def attention_backward():
    """Forward again, keeping the pieces: S = Q K^T / sqrt(d), P = softmax(S) row by row,
    out = P V. Backward through each product as in notebook 04: dV = P^T dO and dP = dO V^T.
    Through the row softmax (exercise 04.5): dS = P * (dP - sum(dP * P, axis=1)). Through
    the scaled product: dQ = dS K / sqrt(d) and dK = dS^T Q / sqrt(d)."""
    import numpy as np

    def attention_backward(dO, Q, K, V):
        d = Q.shape[1]
        S = Q @ K.T / np.sqrt(d)                                 # (Tq, Tk)
        S = S - S.max(axis=1, keepdims=True)
        P = np.exp(S)
        P /= P.sum(axis=1, keepdims=True)
        dV = P.T @ dO                                            # (Tk, dv)
        dP = dO @ V.T                                            # (Tq, Tk)
        dS = P * (dP - np.sum(dP * P, axis=1, keepdims=True))
        dQ = dS @ K / np.sqrt(d)                                 # (Tq, d)
        dK = dS.T @ Q / np.sqrt(d)                               # (Tk, d)
        return dQ, dK, dV

    return attention_backward
