"""Notebook 04's checkers accept right answers and reject wrong ones with a hint."""

import numpy as np

from nnlib.exercises import evaluate
from nnlib.scratch import functional as F


def test_04_1_linear_backward():
    assert evaluate("04.1", lambda X, W, dY: (dY @ W.T, X.T @ dY, dY.sum(axis=0)))[0] is True
    passed, message = evaluate("04.1", lambda X, W, dY: (dY @ W.T, X.T @ dY, dY.mean(axis=0)))
    assert passed is False and "db = dY.sum(axis=0)" in message
    passed, message = evaluate("04.1", lambda X, W, dY: (dY @ W.T, dY.T @ X, dY.sum(axis=0)))
    assert passed is False and "dW must have the shape" in message
    passed, message = evaluate("04.1", lambda X, W, dY: dY @ W.T)
    assert passed is False and "tuple" in message
    passed, message = evaluate("04.1", lambda X, W, dY: (dY @ W, X.T @ dY, dY.sum(axis=0)))
    assert passed is False and "dX (N, d_in) = dY (N, d_out) @ W.T" in message


def centred(f, x, eps=1e-6):
    grad = np.zeros_like(x)
    for i in range(x.size):
        old = x.flat[i]
        x.flat[i] = old + eps
        up = f(x)
        x.flat[i] = old - eps
        down = f(x)
        x.flat[i] = old
        grad.flat[i] = (up - down) / (2 * eps)
    return grad


def one_sided(f, x, eps=1e-6):
    grad = np.zeros_like(x)
    base = f(x)
    for i in range(x.size):
        old = x.flat[i]
        x.flat[i] = old + eps
        grad.flat[i] = (f(x) - base) / eps
        x.flat[i] = old
    return grad


def test_04_2_numerical_gradient():
    assert evaluate("04.2", centred)[0] is True
    passed, message = evaluate("04.2", one_sided)
    assert passed is False and "centred difference" in message

    def forgets_to_restore(f, x, eps=1e-6):
        grad = centred(f, x, eps)
        x += eps
        return grad
    passed, message = evaluate("04.2", forgets_to_restore)
    assert passed is False and "changed x" in message


def test_04_3_bce_logits_grad():
    assert evaluate("04.3", lambda z, y: (F.sigmoid(z) - y) / len(z))[0] is True
    passed, message = evaluate("04.3", lambda z, y: F.sigmoid(z) - y)
    assert passed is False and "divide by N" in message
    passed, message = evaluate("04.3", lambda z, y: (y - F.sigmoid(z)) / len(z))
    assert passed is False and "wrong sign" in message


def test_04_4_chain_rule_by_hand():
    assert evaluate("04.4", {"a": 12, "b": -8, "c": -4})[0] is True
    passed, message = evaluate("04.4", {"a": -12, "b": 8, "c": 4})
    assert passed is False and "signs are flipped" in message
    passed, message = evaluate("04.4", {"a": 12, "b": -8, "c": 4})
    assert passed is False and "check c" in message
    passed, message = evaluate("04.4", [12, -8, -4])
    assert passed is False and "dict" in message
