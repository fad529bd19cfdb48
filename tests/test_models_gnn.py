"""PyTorch GNN layers and models: shapes, GAT's softmax, readouts, training through nnlib.train."""

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from nnlib import train
from nnlib.data import graphs as g
from nnlib.errors import ShapeError
from nnlib.models import gnn


def test_gcn_norm_matches_dense_formula():
    club = g.karate_club()
    edges, weight = gnn.gcn_norm(torch.from_numpy(club.edge_index), 34, dtype=torch.float64)
    dense = np.zeros((34, 34))
    dense[edges[1].numpy(), edges[0].numpy()] = weight.numpy()
    at = club.adjacency + np.eye(34)
    d = at.sum(axis=1)
    np.testing.assert_allclose(dense, at / np.sqrt(np.outer(d, d)))


def test_gat_attention_sums_to_one_per_node_and_is_softmax_of_edges():
    torch.manual_seed(0)
    sbm = g.stochastic_block_model(0.2, nodes_per_block=10)
    x, ei, _ = gnn.to_tensor_graph(sbm)
    layer = gnn.GATConv(8, 4)
    out = layer(x, ei)
    assert out.shape == (30, 4)
    alpha = layer.last_attention
    dst = gnn.add_self_loops(ei, 30)[1]
    totals = torch.zeros(30).index_add(0, dst, alpha)
    torch.testing.assert_close(totals, torch.ones(30))


def test_gat_on_complete_graph_is_attention_with_additive_scores():
    torch.manual_seed(1)
    n = 5
    src, dst = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="xy")
    keep = src != dst
    ei = torch.stack([src[keep], dst[keep]])      # every pair; the layer adds self-loops
    layer = gnn.GATConv(3, 2).double()
    x = torch.randn(n, 3, dtype=torch.float64)
    z = layer.linear(x)
    raw = (z @ layer.att_dst)[:, None] + (z @ layer.att_src)[None]     # row i: target i
    scores = torch.nn.functional.leaky_relu(raw, 0.2)
    want = torch.softmax(scores, dim=1) @ z + layer.bias
    torch.testing.assert_close(layer(x, ei), want)


@pytest.mark.parametrize("how", ["mean", "sum", "max"])
def test_graph_classifier_shapes_and_permutation_invariance(how):
    torch.manual_seed(0)
    graphs = g.graph_families(6, seed=0)
    model = gnn.GraphClassifier(gnn.GNNConfig(8, 3, hidden=8, readout=how, dropout=0.0))
    net = gnn.GraphSet(model, graphs).eval()
    out = net(torch.tensor([0, 3, 5]))
    assert out.shape == (3, 3)
    gr = graphs[3]
    perm = np.random.default_rng(0).permutation(gr.num_nodes)
    inverse = np.argsort(perm)
    renumbered = g.Graph(gr.x[perm], inverse[gr.edge_index], gr.y)
    net2 = gnn.GraphSet(model, [renumbered]).eval()
    torch.testing.assert_close(net2(torch.tensor([0])), out[1:2], atol=1e-5, rtol=1e-5)


def test_node_classifier_trains_with_nnlib_fit_on_graph():
    torch.manual_seed(0)
    sbm = g.stochastic_block_model(0.0, nodes_per_block=20, feature_signal=1.0)
    x, ei, y = gnn.to_tensor_graph(sbm)
    train_ids, _, test_ids = (torch.from_numpy(i) for i in g.split_nodes(sbm.y, 5))
    net = gnn.OnGraph(gnn.NodeClassifier(gnn.GNNConfig(8, 3)), x, ei)
    opt = torch.optim.Adam(net.parameters(), lr=0.02)
    history = train.fit(net, [(train_ids, y[train_ids])], opt, epochs=60, device="cpu",
                        progress=False, verbose=False)
    assert history.train_loss[-1] < history.train_loss[0]
    assert train.evaluate(net, [(test_ids, y[test_ids])])[1] > 0.8


def test_graph_classifier_trains_with_a_dataloader():
    torch.manual_seed(0)
    graphs = g.graph_families(60, seed=0)
    labels = torch.tensor([gr.y for gr in graphs])
    net = gnn.GraphSet(gnn.GraphClassifier(gnn.GNNConfig(8, 3, hidden=16, dropout=0.0)), graphs)
    loader = DataLoader(TensorDataset(torch.arange(60), labels), batch_size=20, shuffle=True,
                        generator=torch.Generator().manual_seed(0))
    history = train.fit(net, loader, torch.optim.Adam(net.parameters(), lr=0.02), epochs=8,
                        device="cpu", progress=False, verbose=False)
    assert history.train_loss[-1] < history.train_loss[0]


def test_bad_input():
    layer = gnn.GCNConv(3, 2)
    x = torch.ones(4, 3)
    with pytest.raises(ValueError, match=r"edge 1 -> 4.*4 nodes"):
        layer(x, torch.tensor([[0, 1], [1, 4]]))
    with pytest.raises(ShapeError, match=r"\(2, E\)"):
        layer(x, torch.tensor([[0, 1, 2]]))
    with pytest.raises(TypeError, match="int64|integer"):
        layer(x, torch.tensor([[0.0], [1.0]]))
    with pytest.raises(ShapeError, match=r"\(N, F\)"):
        layer(torch.ones(3), torch.tensor([[0], [1]]))
    with pytest.raises(ValueError, match="conv"):
        gnn.GNNConfig(3, 2, conv="sage")
    with pytest.raises(ValueError, match="readout"):
        gnn.GNNConfig(3, 2, readout="median")
