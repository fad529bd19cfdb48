"""Each notebook-11 checker accepts a right answer and rejects wrong ones with a hint."""

import numpy as np

from nnlib.exercises import evaluate
from nnlib.scratch import sinusoidal_positional_encoding


def softmax_rows(s):
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def attention(q, k, v):
    return softmax_rows(q @ k.T / np.sqrt(q.shape[-1])) @ v


def test_11_1_attention():
    assert evaluate("11.1", attention)[0] is True
    passed, message = evaluate("11.1", lambda q, k, v: softmax_rows(q @ k.T) @ v)
    assert passed is False and "sqrt(d)" in message

    def column_softmax(q, k, v):
        s = np.exp(q @ k.T / np.sqrt(q.shape[-1]))
        return s / s.sum(axis=0, keepdims=True) @ v
    passed, message = evaluate("11.1", column_softmax)
    assert passed is False and "axis=-1" in message
    passed, message = evaluate("11.1", lambda q, k, v: softmax_rows(q @ k.T) @ v.T)
    assert passed is False


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


def pe_with(exponent):
    def encoding(max_len, d_model):
        pos = np.arange(max_len)[:, None]
        i = np.arange(d_model // 2)
        angle = pos / 10000 ** (exponent(i) / d_model)
        pe = np.zeros((max_len, d_model))
        pe[:, 0::2], pe[:, 1::2] = np.sin(angle), np.cos(angle)
        return pe
    return encoding


def test_11_3_positional_encoding():
    assert evaluate("11.3", pe_with(lambda i: 2 * i))[0] is True
    assert evaluate("11.3", sinusoidal_positional_encoding)[0] is True
    passed, message = evaluate("11.3", pe_with(lambda i: i))
    assert passed is False and "frequencies" in message

    def swapped(max_len, d_model):
        pe = sinusoidal_positional_encoding(max_len, d_model)
        return np.concatenate([pe[:, 1::2], pe[:, 0::2]], axis=1).reshape(
            max_len, 2, d_model // 2).transpose(0, 2, 1).reshape(max_len, d_model)
    passed, message = evaluate("11.3", swapped)
    assert passed is False and "even columns" in message
    passed, message = evaluate("11.3", lambda n, d: np.zeros((d, n)))
    assert passed is False and "one row per position" in message


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


def test_11_1_names_the_wrong_scale():
    passed, message = evaluate("11.1", lambda q, k, v: softmax_rows(q @ k.T / q.shape[-1]) @ v)
    assert passed is False and "not by d" in message
    passed, message = evaluate(
        "11.1", lambda q, k, v: softmax_rows(q @ k.T / np.sqrt(v.shape[-1])) @ v)
    assert passed is False and "not of the values" in message


def test_11_3_names_sin_cos_halves():
    def halves(max_len, d_model):
        pe = sinusoidal_positional_encoding(max_len, d_model)
        return np.concatenate([pe[:, 0::2], pe[:, 1::2]], axis=1)
    passed, message = evaluate("11.3", halves)
    assert passed is False and "interleaved" in message
