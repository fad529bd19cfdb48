"""Graph neural networks in plain PyTorch (notebook 16): GCN and GAT layers, node and graph
classifiers, and adapters that let ``nnlib.train.fit`` train them.

A graph is ``x`` (N, F) node features and ``edge_index`` (2, E) int64: column e is the edge
``edge_index[0, e] -> edge_index[1, e]`` (message from source to target; an undirected edge
appears once in each direction). Messages are summed with ``Tensor.index_add_``, so the cost
grows with the number of edges, not with N². Several graphs form one batch as one big graph
with disconnected parts and a ``batch`` vector (N,) naming each node's graph, the layout of
PyTorch Geometric, the library to use next (it adds many more layers, data sets and fast
sparse kernels).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from nnlib import _checks
from nnlib.data.graphs import Graph, batch_graphs, check_edge_index
from nnlib.errors import ShapeError

__all__ = ["AGGREGATIONS", "GATConv", "GCNConv", "GNNConfig", "GraphClassifier", "GraphSet",
           "NodeClassifier", "OnGraph", "add_self_loops", "aggregate", "gcn_norm",
           "readout", "to_tensor_graph"]

AGGREGATIONS = ("mean", "sum", "max")


def _check_graph(x: torch.Tensor, edge_index: torch.Tensor, where: str) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{where}: x must be a torch tensor (N, F), got {_checks.describe(x)}")
    if x.ndim != 2:
        raise ShapeError(f"{where}: expected x of shape (N, F), one row per node, got shape "
                         f"{tuple(x.shape)}")
    if not isinstance(edge_index, torch.Tensor):
        raise TypeError(f"{where}: edge_index must be a torch tensor (2, E) of int64, got "
                        f"{_checks.describe(edge_index)}")
    if edge_index.dtype != torch.int64 or edge_index.ndim != 2 or edge_index.shape[0] != 2 \
            or (edge_index.numel() and (int(edge_index.min()) < 0
                                        or int(edge_index.max()) >= len(x))):
        check_edge_index(edge_index.detach().cpu().numpy(), len(x), where=where)
        if edge_index.dtype != torch.int64:
            raise TypeError(f"{where}: edge_index must have dtype torch.int64, got "
                            f"{edge_index.dtype}; use edge_index.long()")


def _check_edges(edge_index, num_nodes, where: str) -> int:
    """``num_nodes`` (an int >= 1) after checking ``edge_index``: a (2, E) int64 tensor with
    every entry in [0, num_nodes)."""
    num_nodes = _checks.check_int(num_nodes, "num_nodes", minimum=1, where=where)
    _checks.check_tensor(edge_index, "edge_index", where=where, shape=(2, None),
                         shape_text="(2, E) of int64", floating=False)
    if edge_index.numel() and (int(edge_index.min()) < 0
                               or int(edge_index.max()) >= num_nodes):
        check_edge_index(edge_index.detach().cpu().numpy(), num_nodes, where=where)
    return num_nodes


def add_self_loops(edge_index: torch.Tensor, num_nodes: int) -> torch.Tensor:
    """``edge_index`` plus the edges i -> i for every node: (2, E + N)."""
    _check_edges(edge_index, num_nodes, "add_self_loops")
    loops = torch.arange(num_nodes, device=edge_index.device).expand(2, num_nodes)
    return torch.cat([edge_index, loops], dim=1)


def gcn_norm(edge_index: torch.Tensor, num_nodes: int, self_loops: bool = True,
             dtype=torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """Edges with self-loops and their weights ``1 / sqrt(d_src d_dst)``: ((2, E'), (E',)).

    ``d`` counts the edges arriving at each node (its degree, self-loop included): the same
    numbers as the entries of ``D̃^(-1/2) (A + I) D̃^(-1/2)`` in ``nnlib.scratch.graph``.
    """
    _check_edges(edge_index, num_nodes, "gcn_norm")
    self_loops = _checks.check_bool(self_loops, "self_loops", where="gcn_norm")
    if not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise TypeError(f"gcn_norm: dtype must be a floating torch dtype such as "
                        f"torch.float32, got {_checks.describe(dtype)}")
    if self_loops:
        edge_index = add_self_loops(edge_index, num_nodes)
    src, dst = edge_index
    deg = torch.zeros(num_nodes, dtype=dtype, device=edge_index.device)
    deg.index_add_(0, dst, torch.ones(dst.shape, dtype=dtype, device=edge_index.device))
    inv_sqrt = deg.pow(-0.5).masked_fill(deg == 0, 0.0)
    return edge_index, inv_sqrt[src] * inv_sqrt[dst]


def aggregate(x: torch.Tensor, edge_index: torch.Tensor, how: str = "sum",
              weight: torch.Tensor | None = None) -> torch.Tensor:
    """Every node collects the messages ``x[src]`` (times ``weight``) sent to it: (N, F).

    ``how``: "sum" (``index_add_``), "mean" (sum / number of messages), "max" (largest value
    per feature, ``scatter_reduce``). A node that receives nothing gets zeros.
    """
    _checks.check_choice(how, "how", AGGREGATIONS, where="aggregate")
    _check_graph(x, edge_index, "aggregate")
    if weight is not None:
        _checks.check_tensor(weight, "weight", where="aggregate",
                             shape=(edge_index.shape[1],), floating=True,
                             shape_text=f"({edge_index.shape[1]},), one weight per edge")
    src, dst = edge_index
    messages = x[src] if weight is None else x[src] * weight[:, None]    # (E, F)
    out = torch.zeros_like(x)
    if how == "max":
        index = dst[:, None].expand_as(messages)
        return out.scatter_reduce(0, index, messages, reduce="amax", include_self=False)
    out = out.index_add(0, dst, messages)                                # (N, F)
    if how == "mean":
        count = torch.zeros(len(x), dtype=x.dtype, device=x.device)
        count.index_add_(0, dst, torch.ones(len(dst), dtype=x.dtype, device=x.device))
        out = out / count.clamp(min=1)[:, None]
    return out


class GCNConv(nn.Module):
    """Graph convolution ``Y = Â X W + b`` with ``Â`` from :func:`gcn_norm`: (N, in) -> (N, out).

    Transform first (``X W``, cheaper when out < in), then each node sums the normalised
    messages of its neighbours and itself. Glorot-uniform weights and a zero bias, as PyTorch
    Geometric's ``GCNConv``.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True):
        super().__init__()
        self.in_features = _checks.check_int(in_features, "in_features", minimum=1,
                                             where="GCNConv")
        self.out_features = _checks.check_int(out_features, "out_features", minimum=1,
                                              where="GCNConv")
        bias = _checks.check_bool(bias, "bias", where="GCNConv")
        self.linear = nn.Linear(in_features, out_features, bias=False)
        self.bias = nn.Parameter(torch.zeros(out_features)) if bias else None
        nn.init.xavier_uniform_(self.linear.weight)
        self._cache: tuple | None = None   # (edge_index, N, dtype, edges, weights) of last call

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        _check_graph(x, edge_index, "GCNConv")
        _check_width(x, self.in_features, "GCNConv")
        if not torch.is_autocast_enabled():  # under autocast torch casts the input itself
            _checks.check_tensor_dtype(x, self.linear.weight, where=type(self).__name__)
        h = self.linear(x)                                                   # (N, out)
        cache = self._cache
        if cache is None or cache[0] is not edge_index or cache[1:3] != (len(x), h.dtype):
            # the same graph again (full-batch training): reuse its normalisation
            cache = (edge_index, len(x), h.dtype, *gcn_norm(edge_index, len(x), dtype=h.dtype))
            self._cache = cache
        edges, weight = cache[3], cache[4]
        out = aggregate(h, edges, "sum", weight)                             # (N, out)
        return out if self.bias is None else out + self.bias


class GATConv(nn.Module):
    """Graph attention (Velickovic et al., 2018), one head: attention restricted to the edges.

    ``e_ij = LeakyReLU(a_dst . W h_i + a_src . W h_j)`` for every edge j -> i (self-loops
    added), softmax over the edges arriving at i, then ``h_i' = sum_j alpha_ij W h_j``.
    """

    def __init__(self, in_features: int, out_features: int, negative_slope: float = 0.2):
        super().__init__()
        where = "GATConv"
        in_features = _checks.check_int(in_features, "in_features", minimum=1, where=where)
        out_features = _checks.check_int(out_features, "out_features", minimum=1, where=where)
        negative_slope = _checks.check_float(negative_slope, "negative_slope", minimum=0,
                                             where=where)
        self.in_features, self.out_features = in_features, out_features
        self.linear = nn.Linear(in_features, out_features, bias=False)
        self.att_src = nn.Parameter(torch.randn(out_features) / out_features ** 0.5)
        self.att_dst = nn.Parameter(torch.randn(out_features) / out_features ** 0.5)
        self.bias = nn.Parameter(torch.zeros(out_features))
        self.negative_slope = negative_slope
        self.last_attention: torch.Tensor | None = None   # (E,) weights of the last forward

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        _check_graph(x, edge_index, "GATConv")
        _check_width(x, self.in_features, "GATConv")
        if not torch.is_autocast_enabled():  # under autocast torch casts the input itself
            _checks.check_tensor_dtype(x, self.linear.weight, where=type(self).__name__)
        h = self.linear(x)                                                   # (N, out)
        src, dst = edges = add_self_loops(edge_index, len(x))
        score = F.leaky_relu(h[dst] @ self.att_dst + h[src] @ self.att_src,
                             self.negative_slope)                            # (E,)
        top = torch.full((len(x),), -torch.inf, dtype=h.dtype, device=h.device)
        top = top.scatter_reduce(0, dst, score, reduce="amax")               # per target
        weight = torch.exp(score - top[dst])
        total = torch.zeros(len(x), dtype=h.dtype, device=h.device).index_add(0, dst, weight)
        alpha = weight / total[dst]                                          # softmax per i
        self.last_attention = alpha.detach()
        return aggregate(h, edges, "sum", alpha) + self.bias


def readout(x: torch.Tensor, batch: torch.Tensor, num_graphs: int,
            how: str = "mean") -> torch.Tensor:
    """One vector per graph: ``how`` (mean, sum, max) over its nodes: (G, F)."""
    where = "readout"
    _checks.check_choice(how, "how", AGGREGATIONS, where=where)
    _checks.check_tensor(x, "x", where=where, ndim=2, shape_text="(N, F)", floating=True)
    _checks.check_tensor(batch, "batch", where=where, shape=(len(x),), floating=False,
                         shape_text=f"({len(x)},), the graph of every node")
    num_graphs = _checks.check_int(num_graphs, "num_graphs", minimum=1, where=where)
    if batch.numel() and (int(batch.min()) < 0 or int(batch.max()) >= num_graphs):
        raise ValueError(f"{where}: batch must hold graph ids in 0 .. num_graphs - 1 = "
                         f"{num_graphs - 1}, got values from {int(batch.min())} to "
                         f"{int(batch.max())}")
    out = torch.zeros(num_graphs, x.shape[1], dtype=x.dtype, device=x.device)
    if how == "max":
        return out.scatter_reduce(0, batch[:, None].expand_as(x), x, reduce="amax",
                                  include_self=False)
    out = out.index_add(0, batch, x)
    if how == "mean":
        count = torch.bincount(batch, minlength=num_graphs).clamp(min=1).to(x.dtype)
        out = out / count[:, None]
    return out


@dataclass
class GNNConfig:
    """Sizes of a :class:`NodeClassifier` or :class:`GraphClassifier`.

    ``layers`` graph layers of width ``hidden`` (ReLU and dropout between them), ``conv``:
    "gcn" or "gat"; ``readout`` (graph classifier only): mean, sum or max over the nodes.
    """

    in_features: int
    num_classes: int
    hidden: int = 16
    layers: int = 2
    dropout: float = 0.5
    conv: str = "gcn"
    readout: str = "mean"

    def __post_init__(self):
        where = "GNNConfig"
        for name in ("in_features", "hidden", "layers"):
            _checks.check_int(getattr(self, name), name, minimum=1, where=where)
        _checks.check_int(self.num_classes, "num_classes", minimum=2, where=where)
        _checks.check_float(self.dropout, "dropout", minimum=0, maximum=1, max_open=True,
                            where=where)
        _checks.check_choice(self.conv, "conv", ("gcn", "gat"), where=where)
        _checks.check_choice(self.readout, "readout", AGGREGATIONS, where=where)


def _check_width(x, in_features: int, where: str) -> None:
    if x.shape[1] != in_features:
        raise ShapeError(f"{where}: expected x of shape (N, {in_features}), {in_features} "
                         f"features per node, got shape {tuple(x.shape)}")


def _check_config(config, where: str) -> GNNConfig:
    return _checks.check_instance(config, "config", GNNConfig, "a GNNConfig(...)",
                                  where=where)


def _convs(config: GNNConfig, widths) -> nn.ModuleList:
    conv = GCNConv if config.conv == "gcn" else GATConv
    return nn.ModuleList(conv(a, b) for a, b in zip(widths[:-1], widths[1:]))


class NodeClassifier(nn.Module):
    """``layers`` graph convolutions; the last one outputs class scores per node: (N, C)."""

    def __init__(self, config: GNNConfig):
        super().__init__()
        self.config = _check_config(config, "NodeClassifier")
        widths = [config.in_features] + [config.hidden] * (config.layers - 1) \
            + [config.num_classes]
        self.convs = _convs(config, widths)
        self.dropout = nn.Dropout(config.dropout)

    def embed(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        """The node embeddings before the last layer: (N, hidden) (x itself for one layer)."""
        if not isinstance(x, torch.Tensor):  # dropout comes first and would say "input"
            raise TypeError(f"{type(self).__name__}: x must be a torch tensor (N, F), got "
                            f"{_checks.describe(x)}; convert it with torch.as_tensor(x)")
        for conv in self.convs[:-1]:
            x = torch.relu(conv(self.dropout(x), edge_index))
        return x

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        return self.convs[-1](self.dropout(self.embed(x, edge_index)), edge_index)


class GraphClassifier(nn.Module):
    """Graph convolutions, a readout, then a linear layer: one score vector per graph (G, C)."""

    def __init__(self, config: GNNConfig):
        super().__init__()
        self.config = _check_config(config, "GraphClassifier")
        self.convs = _convs(config, [config.in_features] + [config.hidden] * config.layers)
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden, config.num_classes)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor, batch: torch.Tensor,
                num_graphs: int | None = None) -> torch.Tensor:
        for conv in self.convs:
            x = torch.relu(conv(x, edge_index))                              # (N, hidden)
        num_graphs = int(batch.max()) + 1 if num_graphs is None else num_graphs
        pooled = readout(x, batch, num_graphs, self.config.readout)          # (G, hidden)
        return self.head(self.dropout(pooled))                               # (G, C)


# -- adapters for nnlib.train.fit ---------------------------------------------------------
def to_tensor_graph(graph, dtype=torch.float32) -> tuple[torch.Tensor, torch.Tensor,
                                                         torch.Tensor]:
    """A ``nnlib.data.graphs.Graph`` as tensors ``(x, edge_index, y)``."""
    _checks.check_instance(graph, "graph", Graph, "a nnlib.data.graphs.Graph",
                           where="to_tensor_graph")
    check_edge_index(graph.edge_index, graph.num_nodes, where="to_tensor_graph")
    return (torch.as_tensor(np.asarray(graph.x), dtype=dtype),
            torch.as_tensor(graph.edge_index, dtype=torch.int64),
            torch.as_tensor(np.asarray(graph.y), dtype=torch.int64))


class OnGraph(nn.Module):
    """A node classifier bound to one graph: ``forward(node_ids) -> scores of those nodes``.

    Full-batch node classification then looks like any classification to ``nnlib.train.fit``:
    the data is ``[(train_ids, y[train_ids])]`` (one batch per epoch), and every forward runs
    the GNN on the whole graph (a node needs its neighbours) but keeps the requested rows.
    """

    def __init__(self, model: nn.Module, x: torch.Tensor, edge_index: torch.Tensor):
        super().__init__()
        _checks.check_instance(model, "model", nn.Module, "a torch.nn.Module (e.g. a "
                               "NodeClassifier)", where="OnGraph")
        _check_graph(x, edge_index, "OnGraph")
        self.model = model
        self.register_buffer("x", x)
        self.register_buffer("edge_index", edge_index)

    def forward(self, node_ids: torch.Tensor) -> torch.Tensor:
        return self.model(self.x, self.edge_index)[node_ids]                 # (B, C)


class GraphSet(nn.Module):
    """A graph classifier bound to a list of graphs: ``forward(graph_ids) -> (B, C)``.

    The DataLoader yields ``(graph_ids, labels)``; this module batches those graphs into one
    big graph (:func:`nnlib.data.graphs.batch_graphs`) and runs the classifier on it.
    """

    def __init__(self, model: nn.Module, graphs):
        super().__init__()
        where = "GraphSet"
        _checks.check_instance(model, "model", nn.Module, "a torch.nn.Module (e.g. a "
                               "GraphClassifier)", where=where)
        _checks.check_iterable(graphs, "graphs", where=where,
                               hint="pass a list of nnlib.data.graphs.Graph objects")
        self.model = model
        self.graphs = list(graphs)
        if not self.graphs:
            raise ValueError(f"{where}: graphs is empty; pass a non-empty list of Graph "
                             "objects")
        for i, g in enumerate(self.graphs):
            _checks.check_instance(g, f"graphs[{i}]", Graph, "a nnlib.data.graphs.Graph",
                                   where=where)

    def forward(self, graph_ids: torch.Tensor) -> torch.Tensor:
        chosen = [self.graphs[i] for i in graph_ids.tolist()]
        x, edge_index, batch, _ = batch_graphs(chosen)
        device = self.model.head.weight.device if hasattr(self.model, "head") else None
        as_t = lambda a, dt: torch.as_tensor(a, dtype=dt, device=device)
        return self.model(as_t(x, torch.float32), as_t(edge_index, torch.int64),
                          as_t(batch, torch.int64), len(chosen))
