"""Checks for notebook 16 (graph neural networks). Each calls the learner's function on random
graphs and compares it with a reference computed here."""

from __future__ import annotations

import numpy as np

from nnlib.exercises import checker
from nnlib.exercises._helpers import as_array


def _random_graph(rng, n: int, p: float = 0.3, isolated: bool = False) -> np.ndarray:
    upper = np.triu(rng.random((n, n)) < p, k=1)
    a = (upper | upper.T).astype(float)
    if isolated:
        a[-1, :] = a[:, -1] = 0.0   # a node without edges
    return a


def _gcn_norm(a):
    a = a + np.eye(len(a))
    d = a.sum(axis=1)
    return a / np.sqrt(np.outer(d, d))


@checker("16.1")
def gcn_normalisation(norm_fn):
    """``norm_fn(A) -> Â``: D̃^(-1/2) (A + I) D̃^(-1/2) for a symmetric adjacency A (N, N)."""
    rng = np.random.default_rng(16)
    for n in (5, 8, 1):
        a = _random_graph(rng, n, isolated=n > 1)
        got, problem = as_array(norm_fn(a.copy()), (n, n), "an (N, N) matrix")
        if problem:
            return False, problem
        want = _gcn_norm(a)
        if np.allclose(got, want):
            continue
        d = a.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            no_loops = a / np.sqrt(np.outer(d, d))
        if np.allclose(got, np.nan_to_num(no_loops)) or not np.all(np.isfinite(got)):
            return False, ("add the self-loops first (Ã = A + I) and take the degrees of Ã: "
                           "then no degree is 0 and every node keeps part of its own features")
        at = a + np.eye(n)
        if np.allclose(got, at / at.sum(axis=1, keepdims=True)):
            return False, ("that is D̃^-1 Ã, the mean (random-walk) normalisation; the GCN "
                           "divides by sqrt(d_i d_j) on both sides")
        return False, "compute d = Ã.sum(axis=1), then Ã / sqrt(outer(d, d))"
    return True, "it matches D̃^(-1/2) (A + I) D̃^(-1/2), isolated nodes included"


@checker("16.2")
def sage_layer(layer_fn):
    """``layer_fn(X, A, W_self, W_neigh) -> (N, out)``: X W_self + (mean of the neighbours'
    rows of X) W_neigh, without self-loops; a node without neighbours adds nothing."""
    rng = np.random.default_rng(2)
    for n, f, out in [(6, 3, 2), (9, 4, 5)]:
        a = _random_graph(rng, n, p=0.4, isolated=True)
        x = rng.normal(size=(n, f))
        w_self, w_neigh = rng.normal(size=(f, out)), rng.normal(size=(f, out))
        got, problem = as_array(layer_fn(x, a, w_self, w_neigh), (n, out), "one row per node")
        if problem:
            return False, problem
        deg = a.sum(axis=1, keepdims=True)
        mean_neigh = np.divide(a @ x, deg, out=np.zeros_like(x), where=deg > 0)
        want = x @ w_self + mean_neigh @ w_neigh
        if np.allclose(got, want):
            continue
        if np.allclose(got, x @ w_self + (a @ x) @ w_neigh):
            return False, ("that sums the neighbours; divide by each node's degree to get "
                           "their mean")
        at = a + np.eye(n)
        if np.allclose(got, x @ w_self + (at @ x / at.sum(axis=1, keepdims=True)) @ w_neigh):
            return False, ("the mean should be over the neighbours only, without the node "
                           "itself: X W_self already carries the node's own features")
        if not np.all(np.isfinite(got)):
            return False, "a node with no neighbours gives 0/0: let its neighbour mean be 0"
        return False, ("compute mean_neigh = (A @ X) / degree, then "
                       "X @ W_self + mean_neigh @ W_neigh")
    return True, "right: the node's own features and the mean of its neighbours get two weights"


@checker("16.3")
def mean_aggregation_backward(backward_fn):
    """``backward_fn(grad_out, A) -> dL/dX`` for ``Y = D̃^-1 Ã X`` (mean over each node's
    neighbours and itself), grad_out and X of shape (N, F)."""
    rng = np.random.default_rng(3)
    for n, f in [(5, 2), (7, 3)]:
        a = _random_graph(rng, n, p=0.4)
        at = a + np.eye(n)
        m = at / at.sum(axis=1, keepdims=True)
        g = rng.normal(size=(n, f))
        got, problem = as_array(backward_fn(g.copy(), a.copy()), (n, f), "dL/dX with X's shape")
        if problem:
            return False, problem
        if np.allclose(got, m.T @ g):
            continue
        if np.allclose(got, m @ g):
            return False, ("that is M @ grad_out; the chain rule through Y = M X gives "
                           "M.T @ grad_out, and M = D̃^-1 Ã is not symmetric")
        if np.allclose(got, at @ g):
            return False, "include the 1/degree of each receiving node: M = D̃^-1 Ã"
        return False, "with M = D̃^-1 (A + I), dL/dX = M.T @ grad_out"
    return True, "right: each node gets back the gradient of every node that averaged it"


@checker("16.4")
def triangles_per_node(count_fn):
    """``count_fn(A) -> (N,)``: how many triangles each node belongs to."""
    rng = np.random.default_rng(4)
    for n in (6, 10):
        a = _random_graph(rng, n, p=0.5)
        got, problem = as_array(count_fn(a.copy()), (n,), "one count per node")
        if problem:
            return False, problem
        want = np.diag(a @ a @ a) / 2
        if np.allclose(got, want):
            continue
        if np.allclose(got, 2 * want):
            return False, ("each triangle is walked around in two directions: (A³)_ii counts "
                           "it twice")
        if np.allclose(got, np.full(n, np.trace(a @ a @ a) / 6)):
            return False, "that is the number of triangles in the whole graph; give one per node"
        return False, "(A³)_ii counts the closed walks of length 3 from node i"
    return True, "right: diag(A³) / 2, closed walks of length 3 counted once per direction pair"


def _appnp(x, a_hat, k, alpha):
    h = x
    for _ in range(k):
        h = (1 - alpha) * a_hat @ h + alpha * x
    return h


@checker("16.5")
def propagate_with_restart(prop_fn):
    """``prop_fn(X, A_hat, k, alpha) -> (N, F)``: k rounds of
    H <- (1 - alpha) A_hat H + alpha X, starting from H = X."""
    rng = np.random.default_rng(5)
    for n, f, k, alpha in [(6, 2, 3, 0.1), (8, 3, 5, 0.5), (5, 2, 0, 0.2)]:
        a_hat = _gcn_norm(_random_graph(rng, n, p=0.5))
        x = rng.normal(size=(n, f))
        got, problem = as_array(prop_fn(x.copy(), a_hat.copy(), k, alpha), (n, f),
                                "H with X's shape")
        if problem:
            return False, problem
        want = _appnp(x, a_hat, k, alpha)
        if np.allclose(got, want):
            continue
        h = x
        for _ in range(k):
            h = (1 - alpha) * a_hat @ h + alpha * h
        if np.allclose(got, h):
            return False, ("mix in the STARTING features X at every round, not the current H: "
                           "that is what keeps each node's own information")
        if np.allclose(got, _appnp(x, a_hat, k, 1 - alpha)):
            return False, "alpha is the share of X: H <- (1 - alpha) A_hat H + alpha X"
        if k and (np.allclose(got, _appnp(x, a_hat, k - 1, alpha))
                  or np.allclose(got, _appnp(x, a_hat, k + 1, alpha))):
            return False, f"do exactly k rounds (k = {k}), starting from H = X"
        return False, "start from H = X and repeat k times: H = (1 - alpha) A_hat @ H + alpha * X"
    return True, ("right: with a restart the embeddings stop collapsing (a personalised "
                  "PageRank propagation, as in APPNP)")
