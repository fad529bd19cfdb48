"""Worked solutions for notebook 16 (graph neural networks). Format: see ``nb00.py``."""

from __future__ import annotations

from nnlib.solutions import solution


@solution("16.1")
def my_gcn_norm():
    """Add the self-loops first, Ã = A + I: then every degree is at least 1 and nothing is
    divided by 0. With d = Ã.sum(axis=1), entry (i, j) of D̃^(-1/2) Ã D̃^(-1/2) is
    Ã_ij / sqrt(d_i d_j), so one outer product does both sides at once. The pitfalls: the
    degrees of A instead of Ã, and D̃^-1 Ã (the mean), which divides on one side only. The code
    compares the result with nnlib's gcn_norm on the karate club."""
    import numpy as np

    from nnlib.data.graphs import karate_club
    from nnlib.scratch.graph import gcn_norm

    def my_gcn_norm(A):
        A_tilde = A + np.eye(len(A))
        d = A_tilde.sum(axis=1)
        return A_tilde / np.sqrt(np.outer(d, d))

    A = karate_club().adjacency
    assert np.allclose(my_gcn_norm(A), gcn_norm(A))
    return my_gcn_norm


@solution("16.2")
def my_sage_layer():
    """A @ X sums the neighbours' rows (A has no self-loops here); dividing by each node's
    degree turns the sum into a mean. A node without neighbours has degree 0: np.divide with
    where= leaves its mean at 0 instead of 0/0. The node's own features take the other path,
    X @ W_self, so the layer can tell "me" from "my neighbours", which a GCN (which averages
    itself in) cannot: this helps on graphs where neighbours often differ (low homophily)."""
    import numpy as np

    def my_sage_layer(X, A, W_self, W_neigh):
        degree = A.sum(axis=1, keepdims=True)                      # (N, 1)
        mean_neigh = np.divide(A @ X, degree, out=np.zeros_like(A @ X), where=degree > 0)
        return X @ W_self + mean_neigh @ W_neigh                   # (N, out)

    return my_sage_layer


@solution("16.3")
def my_mean_backward():
    """Mean aggregation is Y = M X with M = D̃^-1 (A + I): row i of M holds 1/d_i for i and
    its neighbours. As for any matrix product Y = M X, dL/dX = M^T dL/dY. M is not symmetric
    (row i is divided by d_i, column j is not), so M @ grad_out would be wrong: node j gets
    back grad_out[i] / d_i from every node i that averaged it. The code checks the answer with
    nnlib's Aggregate layer, whose backward does the same."""
    import numpy as np

    from nnlib.scratch.graph import Aggregate

    def my_mean_backward(grad_out, A):
        A_tilde = A + np.eye(len(A))
        M = A_tilde / A_tilde.sum(axis=1, keepdims=True)           # D̃^-1 Ã
        return M.T @ grad_out

    rng = np.random.default_rng(0)
    A = np.triu(rng.random((6, 6)) < 0.5, k=1).astype(float)
    A = A + A.T
    X, G = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    layer = Aggregate("mean", adjacency=A)
    layer(X)
    assert np.allclose(my_mean_backward(G, A), layer.backward(G))
    return my_mean_backward


@solution("16.4")
def my_triangles():
    """(A^3)_ii counts the walks i -> j -> k -> i. A triangle {i, j, k} gives two of them,
    one in each direction (i j k i and i k j i), so the number of triangles at i is
    (A^3)_ii / 2. On the karate club the club's instructor, node 0, is in the most: 18."""
    import numpy as np

    from nnlib.data.graphs import karate_club

    def my_triangles(A):
        return np.diag(A @ A @ A) / 2

    counts = my_triangles(karate_club().adjacency)
    assert int(np.argmax(counts)) == 0
    return my_triangles


@solution("16.5")
def my_propagate_with_restart():
    """Each round first averages over the neighbourhood (A_hat @ H), then mixes a share alpha
    of the STARTING features X back in. Plain propagation (alpha = 0) drives every node to the
    same direction; with a restart the limit is a weighted sum of many hops (a personalised
    PageRank, the idea of APPNP), which still depends on each node's own features. The code
    measures that on a stochastic block model: after 64 rounds the spread stays well above 0."""

    from nnlib.data.graphs import stochastic_block_model
    from nnlib.scratch.graph import gcn_norm, mean_pairwise_distance

    def my_propagate_with_restart(X, A_hat, k, alpha):
        H = X
        for _ in range(k):
            H = (1 - alpha) * A_hat @ H + alpha * X
        return H

    sbm = stochastic_block_model(0.2, seed=0)
    A_hat = gcn_norm(sbm.adjacency)
    plain = mean_pairwise_distance(my_propagate_with_restart(sbm.x, A_hat, 64, 0.0))
    restart = mean_pairwise_distance(my_propagate_with_restart(sbm.x, A_hat, 64, 0.1))
    assert restart > 10 * plain
    return my_propagate_with_restart
