"""Each notebook-16 checker accepts a right answer and rejects plausible wrong ones."""

import numpy as np

from nnlib.exercises import evaluate


def gcn_norm(A):
    at = A + np.eye(len(A))
    d = at.sum(axis=1)
    return at / np.sqrt(np.outer(d, d))


def test_16_1_gcn_norm():
    assert evaluate("16.1", gcn_norm)[0] is True

    def no_self_loops(A):
        d = A.sum(axis=1)
        return A / np.sqrt(np.outer(d, d))
    passed, message = evaluate("16.1", no_self_loops)
    assert passed is False and "self-loops" in message

    def mean_norm(A):
        at = A + np.eye(len(A))
        return at / at.sum(axis=1, keepdims=True)
    passed, message = evaluate("16.1", mean_norm)
    assert passed is False and "random-walk" in message
    assert evaluate("16.1", lambda A: A + np.eye(len(A)))[0] is False


def sage(X, A, W_self, W_neigh):
    deg = A.sum(axis=1, keepdims=True)
    mean = np.divide(A @ X, deg, out=np.zeros_like(A @ X), where=deg > 0)
    return X @ W_self + mean @ W_neigh


def test_16_2_sage_layer():
    assert evaluate("16.2", sage)[0] is True
    passed, message = evaluate("16.2", lambda X, A, ws, wn: X @ ws + (A @ X) @ wn)
    assert passed is False and "degree" in message

    def with_self(X, A, ws, wn):
        at = A + np.eye(len(A))
        return X @ ws + (at @ X / at.sum(axis=1, keepdims=True)) @ wn
    passed, message = evaluate("16.2", with_self)
    assert passed is False and "without the node" in message

    def zero_division(X, A, ws, wn):
        return X @ ws + (A @ X / A.sum(axis=1, keepdims=True)) @ wn
    passed, message = evaluate("16.2", zero_division)
    assert passed is False and "0/0" in message


def mean_matrix(A):
    at = A + np.eye(len(A))
    return at / at.sum(axis=1, keepdims=True)


def test_16_3_mean_backward():
    assert evaluate("16.3", lambda g, A: mean_matrix(A).T @ g)[0] is True
    passed, message = evaluate("16.3", lambda g, A: mean_matrix(A) @ g)
    assert passed is False and "not symmetric" in message
    passed, message = evaluate("16.3", lambda g, A: (A + np.eye(len(A))) @ g)
    assert passed is False and "1/degree" in message
    assert evaluate("16.3", lambda g, A: g)[0] is False


def test_16_4_triangles():
    assert evaluate("16.4", lambda A: np.diag(A @ A @ A) / 2)[0] is True
    passed, message = evaluate("16.4", lambda A: np.diag(A @ A @ A))
    assert passed is False and "twice" in message
    passed, message = evaluate("16.4", lambda A: np.full(len(A), np.trace(A @ A @ A) / 6))
    assert passed is False and "whole graph" in message
    assert evaluate("16.4", lambda A: np.diag(A @ A) / 2)[0] is False


def test_solutions_pass_their_checkers():
    from nnlib.solutions import find

    for k in (1, 2, 3, 4, 5):
        passed, message = evaluate(f"16.{k}", find(f"16.{k}")())
        assert passed is True, message


def appnp(X, A_hat, k, alpha):
    H = X
    for _ in range(k):
        H = (1 - alpha) * A_hat @ H + alpha * X
    return H


def test_16_5_propagation_with_restart():
    assert evaluate("16.5", appnp)[0] is True

    def current_not_start(X, A_hat, k, alpha):
        H = X
        for _ in range(k):
            H = (1 - alpha) * A_hat @ H + alpha * H
        return H
    passed, message = evaluate("16.5", current_not_start)
    assert passed is False and "STARTING" in message
    passed, message = evaluate("16.5", lambda X, A, k, a: appnp(X, A, k, 1 - a))
    assert passed is False and "share of X" in message
    passed, message = evaluate("16.5", lambda X, A, k, a: appnp(X, A, k + 1, a))
    assert passed is False and "exactly k rounds" in message


def test_16_wrong_shapes_are_named():
    passed, message = evaluate("16.1", lambda a: a[:, :-1])
    assert passed is False and "an (N, N) matrix, shape (5, 5), got (5, 4)" in message
    passed, message = evaluate("16.4", lambda a: np.diag(a @ a @ a)[None] / 2)
    assert passed is False and "one count per node, shape (6,), got (1, 6)" in message
