"""Each notebook-11 checker accepts a right answer and rejects wrong ones with a hint."""

import numpy as np

from nnlib.exercises import evaluate


def softmax_rows(s):
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def attention(q, k, v):
    return softmax_rows(q @ k.T / np.sqrt(q.shape[-1])) @ v


def alibi(size, heads):
    slopes = 2.0 ** (-8.0 * np.arange(1, heads + 1) / heads)
    distance = np.arange(size)[:, None] - np.arange(size)[None, :]
    return np.where(distance >= 0, -slopes[:, None, None] * distance, -np.inf)


def test_11_1_alibi():
    assert evaluate("11.1", alibi)[0] is True
    passed, message = evaluate("11.1", lambda t, h: -alibi(t, h))
    assert passed is False and "wrong sign" in message

    def symmetric(size, heads):
        slopes = 2.0 ** (-8.0 * np.arange(1, heads + 1) / heads)
        distance = np.abs(np.arange(size)[:, None] - np.arange(size)[None, :])
        return -slopes[:, None, None] * distance
    passed, message = evaluate("11.1", symmetric)
    assert passed is False and "-inf" in message

    def slopes_from_one(size, heads):
        slopes = 2.0 ** (-8.0 * np.arange(heads) / heads)
        distance = np.arange(size)[:, None] - np.arange(size)[None, :]
        return np.where(distance >= 0, -slopes[:, None, None] * distance, -np.inf)
    passed, message = evaluate("11.1", slopes_from_one)
    assert passed is False and "slope" in message
    passed, message = evaluate("11.1", lambda t, h: alibi(t, h)[::-1])
    assert passed is False and "reverse order" in message


def test_11_2_causal_mask():
    assert evaluate("11.2", lambda n: np.tril(np.ones((n, n), dtype=bool)))[0] is True
    passed, message = evaluate("11.2", lambda n: np.triu(np.ones((n, n), dtype=bool)))
    assert passed is False and "LOWER" in message
    passed, message = evaluate("11.2", lambda n: np.tril(np.ones((n, n))))
    assert passed is False and "dtype bool" in message
    passed, message = evaluate("11.2", lambda n: np.tril(np.ones((n, n), dtype=bool), -1))
    assert passed is False and "diagonal" in message
    passed, message = evaluate("11.2", lambda n: ~np.tril(np.ones((n, n), dtype=bool)))
    assert passed is False and "inverted" in message


def rope(x, start=0, sign=1.0):
    size, d = x.shape
    angles = (np.arange(size)[:, None] + start) * 10000.0 ** (-np.arange(0, d, 2) / d)
    cos, sin = np.cos(angles), sign * np.sin(angles)
    out = np.empty_like(x)
    out[:, 0::2] = x[:, 0::2] * cos - x[:, 1::2] * sin
    out[:, 1::2] = x[:, 0::2] * sin + x[:, 1::2] * cos
    return out


def test_11_3_rope():
    assert evaluate("11.3", rope)[0] is True
    # the point of RoPE: scores depend only on the offset between positions
    rng = np.random.default_rng(0)
    q, k = rng.normal(size=(1, 8)), rng.normal(size=(1, 8))
    q_all, k_all = rope(np.repeat(q, 10, 0)), rope(np.repeat(k, 10, 0))
    assert np.isclose(q_all[5] @ k_all[2], q_all[7] @ k_all[4])
    passed, message = evaluate("11.3", lambda x: rope(x, sign=-1.0))
    assert passed is False and "other way" in message
    passed, message = evaluate("11.3", lambda x: rope(x, start=1))
    assert passed is False and "start at 0" in message

    def rotate_half(x):
        size, d = x.shape
        angles = np.arange(size)[:, None] * 10000.0 ** (-np.arange(0, d, 2) / d)
        a, b = x[:, :d // 2], x[:, d // 2:]
        return np.concatenate([a * np.cos(angles) - b * np.sin(angles),
                               a * np.sin(angles) + b * np.cos(angles)], axis=1)
    passed, message = evaluate("11.3", rotate_half)
    assert passed is False and "rotate_half" in message
    passed, message = evaluate("11.3", lambda x: x)
    assert passed is False


def backward(grad_out, q, k, v, scale_fix=True):
    d = q.shape[-1]
    p = softmax_rows(q @ k.T / np.sqrt(d))
    grad_v = p.T @ grad_out
    grad_p = grad_out @ v.T
    grad_s = p * (grad_p - (grad_p * p).sum(axis=-1, keepdims=True))
    scale = 1 / np.sqrt(d) if scale_fix else 1.0
    return grad_s @ k * scale, grad_s.T @ q * scale, grad_v


def test_11_4_attention_backward():
    assert evaluate("11.4", backward)[0] is True
    passed, message = evaluate("11.4", lambda *a: backward(*a, scale_fix=False))
    assert passed is False and "factor sqrt(d)" in message

    def no_softmax_jacobian(grad_out, q, k, v):
        d = q.shape[-1]
        p = softmax_rows(q @ k.T / np.sqrt(d))
        grad_s = grad_out @ v.T
        return grad_s @ k / np.sqrt(d), grad_s.T @ q / np.sqrt(d), p.T @ grad_out
    passed, message = evaluate("11.4", no_softmax_jacobian)
    assert passed is False and "dS = P" in message
    passed, message = evaluate("11.4", lambda g, q, k, v: backward(g, q, k, v)[:2])
    assert passed is False and "three arrays" in message
