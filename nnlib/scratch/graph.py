"""Message passing in NumPy (notebook 16): graph convolution, aggregations, readout, measures.

Nodes are the batch axis: node features ``X`` have shape ``(N, F)``. A graph is given by its
dense adjacency ``A`` (N, N), ``A[i, j] = 1`` for an edge between i and j. Small graphs only:
dense matrices keep every formula one line; ``nnlib.models.gnn`` does the same with edge lists.

* :func:`gcn_norm`: ``Â = D̃^(-1/2) (A + I) D̃^(-1/2)``, the graph convolution's propagation
  matrix (self-loops, then symmetric normalisation by the degrees ``D̃`` of ``A + I``);
* :class:`GCNConv`: ``Y = Â X W + b`` with its backward pass (Kipf & Welling, 2017);
* :class:`Aggregate`: ``h_i = AGG{x_j : j a neighbour of i, or i itself}`` with AGG = mean,
  sum or max, with its backward pass;
* :class:`GraphReadout`: one vector per graph (mean, sum or max over its nodes);
* :class:`SelectNodes`: the rows of some nodes (train on the labelled ones only);
* :func:`dirichlet_energy` and :func:`mean_pairwise_distance`: how different neighbouring
  (or all) node embeddings are, to measure over-smoothing.

The layers follow the Module contract: a layer holds its graph (``set_graph``), ``forward(x)``
keeps what ``backward(grad_out)`` needs, and the parameter gradients are added into ``.grad``.
"""

from __future__ import annotations

import numpy as np

from nnlib import _checks
from nnlib.data.graphs import check_adjacency
from nnlib.errors import ShapeError
from nnlib.scratch import init as initializers
from nnlib.scratch.layers import check_grad_out, layer_name, require_forward
from nnlib.scratch.module import Module, Parameter

__all__ = ["AGGREGATIONS", "Aggregate", "GCNConv", "GraphReadout", "SelectNodes",
           "aggregate", "dirichlet_energy", "gcn_norm", "mean_pairwise_distance", "propagate",
           "readout"]

AGGREGATIONS = ("mean", "sum", "max")


def gcn_norm(adjacency, add_self_loops: bool = True) -> np.ndarray:
    """``D̃^(-1/2) Ã D̃^(-1/2)`` with ``Ã = A + I`` (or ``A`` without self-loops): (N, N).

    ``adjacency`` must be symmetric (an undirected graph): the symmetric normalisation is
    defined for it. A node without any edge (and no self-loop) keeps a zero row.
    """
    a = check_adjacency(adjacency, symmetric=True, where="gcn_norm")
    if _checks.check_bool(add_self_loops, "add_self_loops", where="gcn_norm"):
        a = a + np.eye(len(a), dtype=a.dtype)
    deg = a.sum(axis=1)
    with np.errstate(divide="ignore"):
        inv_sqrt = np.where(deg > 0, 1.0 / np.sqrt(deg), 0.0)
    return inv_sqrt[:, None] * a * inv_sqrt[None, :]


def _node_features(x, n: int, where: str) -> np.ndarray:
    x = _checks.check_array(x, "x", where=where, ndim=2, shape_text="(N, F)")
    if len(x) != n:
        raise ShapeError(f"{where}: x has {len(x)} rows but the graph has {n} nodes; pass one "
                         "row of features per node, shape (N, F)")
    return x


# -- graph convolution ---------------------------------------------------------------------
class GCNConv(Module):
    """Graph convolution ``Y = Â X W + b``: (N, in_features) -> (N, out_features).

    ``Â = gcn_norm(adjacency)``: each node averages its own and its neighbours' features,
    weighted by ``1 / sqrt(d_i d_j)``, then a shared linear map ``W`` (in, out) mixes them.
    Set the graph at construction (``adjacency=``) or later with :meth:`set_graph`.
    Weights: Glorot-uniform (as PyTorch Geometric), bias zero.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, *,
                 adjacency=None, add_self_loops: bool = True, rng=None, dtype=np.float32):
        where = "GCNConv"
        self.in_features = _checks.check_int(in_features, "in_features", minimum=1, where=where)
        self.out_features = _checks.check_int(out_features, "out_features", minimum=1,
                                              where=where)
        bias = _checks.check_bool(bias, "bias", where=where)
        self.add_self_loops = _checks.check_bool(add_self_loops, "add_self_loops", where=where)
        dtype = _checks.check_float_dtype(dtype, where=where)
        shape = (self.in_features, self.out_features)
        self.weight = Parameter(initializers.xavier_uniform(shape, rng=initializers.as_rng(rng),
                                                            dtype=dtype), "weight")
        self.bias = Parameter(np.zeros(self.out_features, dtype=dtype), "bias") if bias else None
        self.norm_adj = None
        self._saved = None
        if adjacency is not None:
            self.set_graph(adjacency)

    def set_graph(self, adjacency) -> GCNConv:
        """Use this graph from now on (its normalised adjacency is computed once)."""
        self.norm_adj = gcn_norm(adjacency, self.add_self_loops)
        return self

    def forward(self, x):
        if self.norm_adj is None:
            raise ValueError(f"{layer_name(self)}: no graph yet; pass adjacency=A when building "
                             "the layer or call layer.set_graph(A) first")
        x = _node_features(x, len(self.norm_adj), layer_name(self))
        if x.shape[1] != self.in_features:
            raise ShapeError(f"{layer_name(self)}: expected x of shape (N, {self.in_features}),"
                             f" got shape {x.shape}")
        dtype = self.weight.data.dtype
        ax = self.norm_adj.astype(dtype) @ x.astype(dtype)   # (N, in): aggregate first
        self._saved = ax
        y = ax @ self.weight.data                           # (N, out)
        if self.bias is not None:
            y = y + self.bias.data
        return y

    def backward(self, grad_out):
        ax = require_forward(self._saved, self)
        g = check_grad_out(grad_out, (len(ax), self.out_features), self)
        self.weight.grad += ax.T @ g                        # (in, out)
        if self.bias is not None:
            self.bias.grad += g.sum(axis=0)
        # y = Â X W: dL/dX = Â^T G W^T (Â is symmetric, written as Â^T for the chain rule)
        return self.norm_adj.T.astype(g.dtype) @ (g @ self.weight.data.T)

    def extra_repr(self) -> str:
        return (f"{self.in_features}, {self.out_features}"
                + ("" if self.bias is not None else ", bias=False"))


# -- aggregations -------------------------------------------------------------------------
def _neighbourhoods(adjacency, self_loops: bool, where: str) -> np.ndarray:
    a = check_adjacency(adjacency, where=where) > 0
    if self_loops:
        a = a | np.eye(len(a), dtype=bool)
    return a


def aggregate(x, adjacency, how: str = "mean", *, self_loops: bool = True) -> np.ndarray:
    """``h_i = how{x_j : A[i, j] > 0}`` (plus ``x_i`` itself with ``self_loops``): (N, F).

    A node with no neighbour (and no self-loop) gets zeros.
    """
    return Aggregate(how, adjacency=adjacency, self_loops=self_loops).forward(x)


class Aggregate(Module):
    """Message passing without weights: (N, F) -> (N, F), ``how`` in mean, sum or max.

    mean: ``D̃^-1 Ã X``; sum: ``Ã X``; max: the largest value of each feature among the
    neighbours (its gradient goes to the neighbour that held it). ``Ã = A + I`` with
    ``self_loops`` (a node hears itself), else ``A``.
    """

    def __init__(self, how: str = "mean", *, adjacency=None, self_loops: bool = True):
        self.how = _checks.check_choice(how, "how", AGGREGATIONS, where="Aggregate")
        self.self_loops = _checks.check_bool(self_loops, "self_loops", where="Aggregate")
        self.mask = None
        self._saved = None
        if adjacency is not None:
            self.set_graph(adjacency)

    def set_graph(self, adjacency) -> Aggregate:
        self.mask = _neighbourhoods(adjacency, self.self_loops, "Aggregate")   # (N, N) bool
        return self

    def _matrix(self) -> np.ndarray:
        m = self.mask.astype(np.float64)
        if self.how == "mean":
            deg = m.sum(axis=1, keepdims=True)
            m = np.divide(m, deg, out=np.zeros_like(m), where=deg > 0)
        return m

    def forward(self, x):
        if self.mask is None:
            raise ValueError(f"{layer_name(self)}: no graph yet; pass adjacency=A or call "
                             "set_graph(A) first")
        x = _node_features(x, len(self.mask), layer_name(self))
        if self.how != "max":
            m = self._matrix().astype(x.dtype)
            self._saved = (x.shape, m)
            return m @ x
        masked = np.where(self.mask[:, :, None], x[None, :, :], -np.inf)   # (N, N, F)
        arg = masked.argmax(axis=1)                                          # (N, F)
        out = np.take_along_axis(x, arg, axis=0)
        empty = ~self.mask.any(axis=1)
        out[empty] = 0.0
        self._saved = (x.shape, (arg, empty))
        return out

    def backward(self, grad_out):
        shape, saved = require_forward(self._saved, self)
        g = check_grad_out(grad_out, shape, self)
        if self.how != "max":
            return saved.T.astype(g.dtype) @ g
        arg, empty = saved
        grad_x = np.zeros(shape, dtype=g.dtype)
        g = np.where(empty[:, None], 0.0, g)
        cols = np.broadcast_to(np.arange(shape[1]), arg.shape)
        np.add.at(grad_x, (arg, cols), g)          # each winner collects its gradient
        return grad_x

    def extra_repr(self) -> str:
        return f"{self.how!r}" + ("" if self.self_loops else ", self_loops=False")


def propagate(x, adjacency, steps: int, how: str = "gcn") -> list[np.ndarray]:
    """``[X, P X, P^2 X, ...]`` (``steps + 1`` arrays): repeated message passing without weights.

    ``how``: ``"gcn"`` (P = Â, symmetric normalisation), ``"mean"``, ``"sum"`` or ``"max"``
    (see :class:`Aggregate`). With ``"sum"`` the values grow like the largest eigenvalue of
    ``Ã`` to the power ``k``; each step is divided by its largest absolute value to stay finite.
    """
    where = "propagate"
    how = _checks.check_choice(how, "how", ("gcn",) + AGGREGATIONS, where=where)
    steps = _checks.check_int(steps, "steps", minimum=0, where=where)
    a = check_adjacency(adjacency, symmetric=(how == "gcn"), where=where)
    x = _node_features(x, len(a), where).astype(np.float64)
    if how == "gcn":
        p = gcn_norm(a)
        step = lambda h: p @ h
    else:
        step = Aggregate(how, adjacency=a).forward
    out = [x]
    for _ in range(steps):
        h = step(out[-1])
        if how == "sum":
            h = h / max(float(np.abs(h).max()), 1e-300)
        out.append(h)
    return out


# -- readout -------------------------------------------------------------------------------
def readout(x, batch=None, how: str = "mean", num_graphs: int | None = None) -> np.ndarray:
    """One vector per graph: ``how`` over the rows of each graph's nodes: (G, F).

    ``batch`` (N,) says which graph each node belongs to (None: all nodes are one graph).
    """
    return GraphReadout(how).forward(x, batch, num_graphs)


class GraphReadout(Module):
    """(N, F) node features -> (G, F) graph features, ``how`` in mean, sum or max.

    ``forward(x, batch=None, num_graphs=None)``: ``batch[i]`` is the graph of node i (from
    ``nnlib.data.graphs.batch_graphs``). Any order of the nodes gives the same result: the
    readout is permutation invariant, as a graph's output must be.
    """

    def __init__(self, how: str = "mean"):
        self.how = _checks.check_choice(how, "how", AGGREGATIONS, where="GraphReadout")
        self._saved = None

    def forward(self, x, batch=None, num_graphs=None):
        where = layer_name(self)
        x = _checks.check_array(x, "x", where=where, ndim=2, shape_text="(N, F)",
                                allow_empty=False)
        if batch is None:
            batch = np.zeros(len(x), dtype=np.int64)
        batch = _checks.check_array(batch, "batch", where=where, ndim=1, dtype="int")
        if len(batch) != len(x):
            raise ShapeError(f"{where}: batch has {len(batch)} entries but x has {len(x)} rows;"
                             " give the graph id of every node")
        if batch.min() < 0:
            raise ValueError(f"{where}: batch holds graph ids >= 0, got {int(batch.min())}")
        g = int(batch.max()) + 1 if num_graphs is None else _checks.check_int(
            num_graphs, "num_graphs", minimum=int(batch.max()) + 1, where=where)
        one_hot = np.zeros((g, len(x)), dtype=x.dtype)
        one_hot[batch, np.arange(len(x))] = 1.0                # (G, N) membership
        if self.how == "max":
            masked = np.where(one_hot[:, :, None] > 0, x[None], -np.inf)   # (G, N, F)
            arg = masked.argmax(axis=1)                                     # (G, F)
            out = np.take_along_axis(x, arg, axis=0)
            empty = one_hot.sum(axis=1) == 0
            out[empty] = 0.0
            self._saved = (x.shape, "max", (arg, empty))
            return out
        if self.how == "mean":
            counts = one_hot.sum(axis=1, keepdims=True)
            one_hot = np.divide(one_hot, counts, out=np.zeros_like(one_hot), where=counts > 0)
        self._saved = (x.shape, self.how, one_hot)
        return one_hot @ x

    def backward(self, grad_out):
        shape, how, saved = require_forward(self._saved, self)
        if how != "max":
            g = check_grad_out(grad_out, (len(saved), shape[1]), self)
            return saved.T @ g
        arg, empty = saved
        g = check_grad_out(grad_out, arg.shape, self)
        g = np.where(empty[:, None], 0.0, g)
        grad_x = np.zeros(shape, dtype=g.dtype)
        np.add.at(grad_x, (arg, np.broadcast_to(np.arange(shape[1]), arg.shape)), g)
        return grad_x

    def extra_repr(self) -> str:
        return repr(self.how)


class SelectNodes(Module):
    """The rows of the nodes in ``index``: (N, F) -> (len(index), F); its backward scatters.

    Put it last in a model to compute the loss on the labelled nodes only; set
    ``layer.index = None`` to get every node back (for predictions).
    """

    def __init__(self, index=None):
        self.index = None if index is None else _checks.check_array(
            index, "index", where="SelectNodes", ndim=1, dtype="int")
        self._shape = None

    def forward(self, x):
        x = _checks.check_array(x, "x", where="SelectNodes", ndim=2, shape_text="(N, F)")
        self._shape = x.shape
        if self.index is None:
            return x
        if self.index.size and (self.index.min() < 0 or self.index.max() >= len(x)):
            raise ValueError(f"SelectNodes: index holds node {int(self.index.max())} (or a "
                             f"negative one), but x has {len(x)} nodes")
        return x[self.index]

    def backward(self, grad_out):
        shape = require_forward(self._shape, self)
        if self.index is None:
            return check_grad_out(grad_out, shape, self)
        g = check_grad_out(grad_out, (len(self.index), shape[1]), self)
        grad_x = np.zeros(shape, dtype=g.dtype)
        np.add.at(grad_x, self.index, g)
        return grad_x

    def extra_repr(self) -> str:
        return "all nodes" if self.index is None else f"{len(self.index)} nodes"


# -- over-smoothing measures -----------------------------------------------------------------
def dirichlet_energy(x, adjacency, *, normalized: bool = True) -> float:
    """How much node embeddings differ across edges: ``1/2 sum_ij A_ij |x_i/√d_i - x_j/√d_j|²``.

    This is ``trace(X^T L X)`` with the normalised Laplacian ``L = I - D^-1/2 A D^-1/2``. With
    ``normalized`` it is divided by ``|X|²`` (squared Frobenius norm), so scaling X does not
    change it: 0 means "smooth" (no difference along edges), larger values "rough".
    """
    normalized = _checks.check_bool(normalized, "normalized", where="dirichlet_energy")
    a = check_adjacency(adjacency, symmetric=True, where="dirichlet_energy")
    x = _node_features(x, len(a), "dirichlet_energy").astype(np.float64)
    lap = np.eye(len(a)) - gcn_norm(a, add_self_loops=False)
    energy = float(np.sum(x * (lap @ x)))
    if normalized:
        total = float(np.sum(x * x))
        return energy / total if total > 0 else 0.0
    return energy


def mean_pairwise_distance(x, *, normalize: bool = True) -> float:
    """Mean Euclidean distance between all pairs of rows of ``x`` (N, F).

    With ``normalize`` each row is first scaled to length 1, so the result measures how
    different the *directions* of the embeddings are (0 to 2): it falls to 0 when every node's
    embedding points the same way, whatever their lengths.
    """
    x = _checks.check_array(x, "x", where="mean_pairwise_distance", ndim=2,
                            shape_text="(N, F)").astype(np.float64)
    normalize = _checks.check_bool(normalize, "normalize", where="mean_pairwise_distance")
    n = len(x)
    if n < 2:
        return 0.0
    if normalize:
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        x = np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)
    sq = np.sum(x * x, axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * x @ x.T, 0.0)
    return float(np.sqrt(d2).sum() / (n * (n - 1)))
