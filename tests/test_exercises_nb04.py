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

    def shape_guess(X, W, dZ):  # picks the product whose shape fits: wrong for a square W
        dX = dZ @ W if dZ.shape[1] == W.shape[0] else dZ @ W.T
        return dX, X.T @ dZ, dZ.sum(axis=0)
    passed, message = evaluate("04.1", shape_guess)
    assert passed is False and "dX = dY @ W.T" in message


def one_sided(f, x, eps=1e-6):
    grad = np.zeros_like(x)
    base = f(x)
    for i in range(x.size):
        old = x.flat[i]
        x.flat[i] = old + eps
        grad.flat[i] = (f(x) - base) / eps
        x.flat[i] = old
    return grad


def test_04_2_numerical_gradient(solved):
    centred = solved("04.2")
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


def softmax_rows(Z):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_04_5_softmax_backward():
    assert evaluate("04.5", lambda P, dP: P * (dP - np.sum(dP * P, axis=1, keepdims=True)))[0]
    passed, message = evaluate("04.5", lambda P, dP: dP * P * (1 - P))
    assert passed is False and "only the diagonal" in message
    passed, message = evaluate("04.5",
                               lambda P, dP: P * (dP - np.sum(dP * P, axis=0, keepdims=True)))
    assert passed is False and "axis=1" in message
    passed, message = evaluate("04.5", lambda P, dP: dP - np.sum(dP * P, axis=1, keepdims=True))
    assert passed is False and "multiply by P" in message


def relu_grads(X, Y, params, loss_scale=None, derivative="relu"):
    Hs, Zs, H = [], [], X
    for i, (W, b) in enumerate(params):
        Hs.append(H)
        Z = H @ W + b
        Zs.append(Z)
        H = Z if i == len(params) - 1 else np.maximum(Z, 0)
    scale = H.size if loss_scale is None else loss_scale(H)
    delta = 2 * (H - Y) / scale
    grads = []
    for i in range(len(params) - 1, -1, -1):
        grads.append((Hs[i].T @ delta, delta.sum(axis=0)))
        if i > 0:
            slope = (Zs[i - 1] > 0) if derivative == "relu" else 1 - Hs[i] ** 2
            delta = (delta @ params[i][0].T) * slope
    return grads[::-1]


def test_04_6_relu_mlp_grads():
    passed, message = evaluate("04.6", relu_grads)
    assert passed is True, message
    passed, message = evaluate("04.6", lambda X, Y, p: relu_grads(X, Y, p, lambda H: len(H)))
    assert passed is False and "ALL N * d_out entries" in message
    passed, message = evaluate("04.6", lambda X, Y, p: relu_grads(X, Y, p, lambda H: 2 * H.size))
    assert passed is False and "factor 2" in message
    passed, message = evaluate("04.6", lambda X, Y, p: relu_grads(X, Y, p, derivative="tanh"))
    assert passed is False and "ReLU'(Z) = (Z > 0)" in message
    passed, message = evaluate("04.6", lambda X, Y, p: relu_grads(X, Y, p)[:-1])
    assert passed is False and "one (dW, db) pair per layer" in message
