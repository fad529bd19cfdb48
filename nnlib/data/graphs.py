"""Graphs as data (notebook 16): adjacency and degree helpers, edge lists, and seeded graphs.

A graph with ``N`` nodes is stored two ways:

* a dense **adjacency matrix** ``A`` of shape ``(N, N)``: ``A[i, j] = 1`` if there is an edge
  from node ``i`` to node ``j`` (symmetric for an undirected graph);
* an **edge index** of shape ``(2, E)`` (PyTorch Geometric's layout): column ``e`` is the edge
  ``edge_index[0, e] -> edge_index[1, e]`` (source, target). An undirected edge appears twice,
  once in each direction.

Node features are ``x`` of shape ``(N, F)``: nodes play the role of the batch axis.

Everything is offline and seeded: Zachary's karate club comes from networkx (installed with
nnlib), the stochastic block model and the graph families are generated here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nnlib import _checks
from nnlib.errors import ShapeError

__all__ = [
    "FAMILY_NAMES", "Graph", "adjacency_to_edge_index", "batch_graphs", "check_adjacency",
    "check_edge_index", "degree", "degree_matrix", "edge_index_to_adjacency",
    "graph_families", "karate_club", "split_nodes", "stochastic_block_model", "to_undirected",
]

FAMILY_NAMES = ("ring", "hubs", "two communities")


@dataclass
class Graph:
    """One graph: node features ``x`` (N, F), ``edge_index`` (2, E) and labels ``y``.

    ``y`` is ``(N,)`` node labels (node classification) or a single int (graph classification).
    """

    x: np.ndarray
    edge_index: np.ndarray
    y: np.ndarray | int
    name: str = ""
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        where = "Graph"
        self.x = _checks.check_array(self.x, "x", where=where, ndim=2, dtype="any",
                                     shape_text="(N, F), one row of features per node")
        if len(self.x) == 0:
            raise ShapeError(f"{where}: x has no rows; a graph needs at least one node")
        self.edge_index = check_edge_index(self.edge_index, len(self.x), where=where)
        y = self.y
        if _checks.is_int(y) or (isinstance(y, np.ndarray) and y.ndim == 0):
            self.y = _checks.check_int(int(y) if isinstance(y, np.ndarray) and y.dtype.kind
                                       in "iu" else y, "y", minimum=0, where=where)
        else:
            if isinstance(y, (bool, np.bool_, str)) or y is None or not hasattr(y, "__len__"):
                raise TypeError(f"{where}: y must be an int (the graph's class) or an array "
                                f"of {len(self.x)} node labels, got {_checks.describe(y)}")
            self.y = _checks.check_array(y, "y", where=where, dtype="int",
                                         shape=(len(self.x),),
                                         shape_text=f"({len(self.x)},), one label per node")
        if not isinstance(self.name, str):
            raise TypeError(f"{where}: name must be a str, got {_checks.describe(self.name)}")
        _checks.check_instance(self.info, "info", dict, "a dict", where=where)

    @property
    def num_nodes(self) -> int:
        return len(self.x)

    @property
    def num_edges(self) -> int:
        """Directed edges (an undirected edge counts twice)."""
        return self.edge_index.shape[1]

    @property
    def adjacency(self) -> np.ndarray:
        """The dense ``(N, N)`` adjacency matrix."""
        return edge_index_to_adjacency(self.edge_index, self.num_nodes)

    def __repr__(self) -> str:
        label = f"y={self.y}" if np.ndim(self.y) == 0 else f"y: {np.shape(self.y)}"
        return (f"Graph({self.name + ', ' if self.name else ''}{self.num_nodes} nodes, "
                f"{self.num_edges} directed edges, x: {self.x.shape}, {label})")


# -- checks ------------------------------------------------------------------------------------
def check_edge_index(edge_index, num_nodes: int, *, name: str = "edge_index",
                     where: str = "") -> np.ndarray:
    """``edge_index`` as an int64 array of shape (2, E) with every entry in [0, num_nodes)."""
    num_nodes = _checks.check_int(num_nodes, "num_nodes", minimum=1, where=where)
    if isinstance(edge_index, (bool, np.bool_, str)) or edge_index is None or np.ndim(
            edge_index) == 0:
        raise TypeError(f"{where + ': ' if where else ''}{name} must be an integer array of "
                        f"shape (2, E), got {_checks.describe(edge_index)}")
    ei = _checks._as_ndarray(edge_index, name, where)
    p = f"{where}: " if where else ""
    if ei.dtype.kind not in "iu":
        raise TypeError(f"{p}{name} must hold integer node indices, got dtype {ei.dtype}"
                        + ("; use edge_index.astype(np.int64)" if ei.dtype.kind == "f" else ""))
    if ei.ndim != 2 or ei.shape[0] != 2:
        hint = "; transpose it (edge_index.T)" if ei.ndim == 2 and ei.shape[1] == 2 else ""
        raise ShapeError(f"{p}expected {name} of shape (2, E) (row 0 sources, row 1 targets), "
                         f"got shape {ei.shape}{hint}")
    if ei.size:
        bad = np.flatnonzero((ei < 0).any(axis=0) | (ei >= num_nodes).any(axis=0))
        if bad.size:
            e = int(bad[0])
            raise ValueError(f"{p}{name} column {e} is the edge {int(ei[0, e])} -> "
                             f"{int(ei[1, e])}, but the graph has num_nodes={num_nodes} nodes "
                             f"(indices 0 to {num_nodes - 1}); {bad.size} edge(s) are out of "
                             "range")
    return ei.astype(np.int64, copy=False)


def check_adjacency(adjacency, name: str = "adjacency", *, num_nodes: int | None = None,
                    symmetric: bool = False, where: str = "") -> np.ndarray:
    """``adjacency`` as a float (N, N) array; ``symmetric=True`` also requires ``A == A.T``."""
    a = _checks.check_array(adjacency, name, where=where, ndim=2, shape_text="(N, N)")
    num_nodes = _checks.check_optional_int(num_nodes, "num_nodes", minimum=1, where=where)
    symmetric = _checks.check_bool(symmetric, "symmetric", where=where)
    p = f"{where}: " if where else ""
    if a.shape[0] != a.shape[1]:
        raise ShapeError(f"{p}expected {name} of shape (N, N), a square matrix with one row "
                         f"and one column per node, got shape {a.shape}")
    if num_nodes is not None and a.shape[0] != num_nodes:
        raise ShapeError(f"{p}{name} has shape {a.shape} but there are num_nodes={num_nodes} "
                         f"nodes: it must be ({num_nodes}, {num_nodes})")
    if np.any(a < 0):
        raise ValueError(f"{p}{name} must not hold negative edge weights, got a minimum of "
                         f"{a.min():g}")
    if symmetric and not np.allclose(a, a.T):
        i, j = np.argwhere(~np.isclose(a, a.T))[0]
        raise ValueError(f"{p}{name} must be symmetric (an undirected graph), but "
                         f"{name}[{i}, {j}] = {a[i, j]:g} and {name}[{j}, {i}] = {a[j, i]:g}; "
                         "use np.maximum(A, A.T) to make every edge go both ways")
    return a


# -- conversions ---------------------------------------------------------------------------
def edge_index_to_adjacency(edge_index, num_nodes: int) -> np.ndarray:
    """Dense float64 adjacency (N, N) with ``A[src, dst] = 1`` per edge (repeats count once)."""
    ei = check_edge_index(edge_index, num_nodes, where="edge_index_to_adjacency")
    a = np.zeros((num_nodes, num_nodes))
    a[ei[0], ei[1]] = 1.0
    return a


def adjacency_to_edge_index(adjacency) -> np.ndarray:
    """The (2, E) edge index of the nonzero entries of ``adjacency`` (row-major order)."""
    a = check_adjacency(adjacency, where="adjacency_to_edge_index")
    src, dst = np.nonzero(a)
    return np.stack([src, dst]).astype(np.int64)


def to_undirected(edge_index, num_nodes: int) -> np.ndarray:
    """Every edge in both directions, duplicates removed, sorted: (2, E')."""
    ei = check_edge_index(edge_index, num_nodes, where="to_undirected")
    both = np.concatenate([ei, ei[::-1]], axis=1)
    return np.unique(both, axis=1) if both.size else both


def degree(adjacency) -> np.ndarray:
    """Degree of every node, the row sums of ``adjacency``: (N,)."""
    return check_adjacency(adjacency, where="degree").sum(axis=1)


def degree_matrix(adjacency) -> np.ndarray:
    """The diagonal degree matrix D = diag(A 1): (N, N)."""
    return np.diag(degree(adjacency))


# -- data sets -----------------------------------------------------------------------------
def karate_club() -> Graph:
    """Zachary's karate club (34 members, 78 friendships), from networkx.

    Labels: the club each member joined after the split (0 = Mr. Hi's, 1 = the officer's).
    Features: the identity matrix (each node only knows who it is), as in Kipf & Welling's
    demonstration; ``info["leaders"]`` holds the two leaders' node ids (0 and 33).
    """
    import networkx as nx

    g = nx.karate_club_graph()
    n = g.number_of_nodes()
    edges = np.array(sorted(g.edges()), dtype=np.int64).T
    y = np.array([0 if g.nodes[i]["club"] == "Mr. Hi" else 1 for i in range(n)])
    return Graph(np.eye(n, dtype=np.float32), to_undirected(edges, n), y, "karate club",
                 {"leaders": np.array([0, 33])})


def stochastic_block_model(difficulty: float = 0.5, *, blocks: int = 3,
                           nodes_per_block: int = 50, degree: float = 8.0,
                           features: int = 8, feature_signal: float = 0.5,
                           seed: int = 0) -> Graph:
    """A graph with ``blocks`` communities; node labels are the communities.

    ``difficulty`` in [0, 1] sets how many of a node's edges leave its community: 0 means none
    (communities are disconnected islands), ``(blocks - 1) / blocks`` means as many as chance
    (the edges say nothing), 1 means every edge leaves. The expected degree is ``degree``.
    Node features: a noisy hint of the community (its one-hot code in the first ``blocks``
    entries times ``feature_signal``, plus standard normal noise in all ``features`` entries),
    weak enough that a classifier that ignores the edges makes many mistakes.
    """
    where = "stochastic_block_model"
    difficulty = _checks.check_float(difficulty, "difficulty", minimum=0, maximum=1, where=where)
    blocks = _checks.check_int(blocks, "blocks", minimum=2, where=where)
    per = _checks.check_int(nodes_per_block, "nodes_per_block", minimum=2, where=where)
    degree = _checks.check_float(degree, "degree", minimum=0, min_open=True, where=where)
    features = _checks.check_int(features, "features", minimum=blocks, where=where,
                                 hint="the first `blocks` features carry the hint")
    feature_signal = _checks.check_float(feature_signal, "feature_signal", minimum=0,
                                         maximum=1e6, where=where,
                                         hint="the hint added to the noise, e.g. 0.5")
    seed = _checks.check_seed(seed, where=where, optional=False)
    rng = np.random.default_rng(seed)
    n = blocks * per
    y = np.repeat(np.arange(blocks), per)
    p_in = degree * (1 - difficulty) / (per - 1)
    p_out = degree * difficulty / (n - per)
    if max(p_in, p_out) > 1:
        raise ValueError(f"{where}: degree={degree:g} is too high for nodes_per_block={per} "
                         f"(an edge probability would be {max(p_in, p_out):.2f} > 1)")
    same = y[:, None] == y[None, :]
    upper = np.triu(rng.random((n, n)) < np.where(same, p_in, p_out), k=1)
    a = (upper | upper.T).astype(np.float64)
    x = rng.standard_normal((n, features))
    x[np.arange(n), y] += feature_signal
    return Graph(x.astype(np.float32), adjacency_to_edge_index(a), y,
                 f"SBM (difficulty {difficulty:g})",
                 {"p_in": p_in, "p_out": p_out, "difficulty": difficulty})


def split_nodes(labels, train_per_class: int, val_fraction: float = 0.5, *,
                seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Node indices (train, val, test): ``train_per_class`` labelled nodes per class, then the
    rest split into validation (``val_fraction``) and test, all seeded."""
    where = "split_nodes"
    y = _checks.check_array(labels, "labels", where=where, ndim=1, dtype="int",
                            allow_empty=False, shape_text="(N,), one class per node")
    train_per_class = _checks.check_int(train_per_class, "train_per_class", minimum=1,
                                        where=where)
    val_fraction = _checks.check_float(val_fraction, "val_fraction", minimum=0, maximum=1,
                                       where=where)
    rng = np.random.default_rng(_checks.check_seed(seed, optional=False, where=where))
    classes, counts = np.unique(y, return_counts=True)
    if counts.min() < train_per_class:
        c = int(classes[counts.argmin()])
        raise ValueError(f"{where}: class {c} of labels has only {int(counts.min())} nodes, "
                         "fewer than "
                         f"train_per_class={train_per_class}; choose a smaller "
                         "train_per_class")
    train = np.concatenate([rng.permutation(np.flatnonzero(y == c))[:train_per_class]
                            for c in classes])
    rest = rng.permutation(np.setdiff1d(np.arange(len(y)), train))
    cut = int(round(val_fraction * len(rest)))
    return np.sort(train), np.sort(rest[:cut]), np.sort(rest[cut:])


def _family_graph(family: int, n: int, rng) -> np.ndarray:
    """The adjacency of one graph of ``family`` with ``n`` nodes (about 1.8 edges per node)."""
    import networkx as nx

    seed = int(rng.integers(2**31))
    if family == 0:    # a ring where each node knows its 2 nearest on each side, a few rewired,
        g = nx.connected_watts_strogatz_graph(n, 4, 0.1, seed=seed)
        drop = [e for e in g.edges() if rng.random() < 0.1]   # and about 10 % of edges removed
        g.remove_edges_from(drop)
    elif family == 1:  # preferential attachment: a few hubs with many links
        g = nx.barabasi_albert_graph(n, 2, seed=seed)
    else:              # two dense halves joined by a few edges
        half = n // 2
        while True:
            g = nx.stochastic_block_model([half, n - half], [[0.4, 0.04], [0.04, 0.4]],
                                          seed=seed)
            if nx.is_connected(g):
                break
            seed += 1
    a = nx.to_numpy_array(g, nodelist=range(n))
    perm = rng.permutation(n)  # node order carries no information
    return a[np.ix_(perm, perm)]


def graph_families(n_graphs: int = 300, *, min_nodes: int = 12, max_nodes: int = 24,
                   max_degree: int = 7, seed: int = 0) -> list[Graph]:
    """``n_graphs`` graphs, a third from each family in :data:`FAMILY_NAMES`, shuffled.

    Label = the family: 0 "ring" (Watts-Strogatz small world), 1 "hubs" (Barabasi-Albert),
    2 "two communities" (a two-block SBM). All have about 1.8 edges per node on average, so
    counting edges does not give the family away. Node features: the node's degree, one-hot,
    with every degree of ``max_degree`` or more in the last column: (N, max_degree + 1).
    Nothing else is known about a node, so what separates the families is the structure.
    """
    where = "graph_families"
    n_graphs = _checks.check_int(n_graphs, "n_graphs", minimum=1, where=where)
    lo = _checks.check_int(min_nodes, "min_nodes", minimum=6, where=where)
    hi = _checks.check_int(max_nodes, "max_nodes", minimum=lo, where=where)
    max_degree = _checks.check_int(max_degree, "max_degree", minimum=1, where=where)
    rng = np.random.default_rng(_checks.check_seed(seed, where=where, optional=False))
    labels = rng.permutation(np.arange(n_graphs) % len(FAMILY_NAMES))
    graphs = []
    for label in labels:
        n = int(rng.integers(lo, hi + 1))
        a = _family_graph(int(label), n, rng)
        deg = np.minimum(a.sum(axis=1).astype(int), max_degree)
        x = np.eye(max_degree + 1, dtype=np.float32)[deg]                 # (n, max_degree + 1)
        graphs.append(Graph(x, adjacency_to_edge_index(a), int(label), FAMILY_NAMES[label]))
    return graphs


def batch_graphs(graphs) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Many graphs as one big graph with disconnected parts (how GNN libraries batch).

    Returns ``x`` (sum N, F), ``edge_index`` (2, sum E) with each graph's indices shifted by the
    nodes before it, ``batch`` (sum N,) the graph each node belongs to, and ``y`` (G,).
    """
    _checks.check_iterable(graphs, "graphs", where="batch_graphs",
                           hint="pass a list of Graph objects")
    graphs = list(graphs)
    if not graphs:
        raise ValueError("batch_graphs: got no graphs (graphs is empty); pass a non-empty list "
                         "of Graph objects")
    for i, g in enumerate(graphs):
        _checks.check_instance(g, f"graphs[{i}]", Graph, "a Graph", where="batch_graphs")
    offsets = np.cumsum([0] + [g.num_nodes for g in graphs[:-1]])
    x = np.concatenate([g.x for g in graphs])
    edge_index = np.concatenate([g.edge_index + off for g, off in zip(graphs, offsets)],
                                axis=1)
    batch = np.concatenate([np.full(g.num_nodes, i) for i, g in enumerate(graphs)])
    y = np.array([g.y for g in graphs])
    return x, edge_index.astype(np.int64), batch.astype(np.int64), y
