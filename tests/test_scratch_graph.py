"""NumPy message passing: gradchecked, equal to the PyTorch layers in float64, bad input refused."""

import numpy as np
import pytest
import torch

from nnlib.data.graphs import adjacency_to_edge_index, karate_club, stochastic_block_model
from nnlib.errors import ShapeError
from nnlib.models import gnn
from nnlib.scratch import Adam, ReLU, Sequential, fit, gradcheck
from nnlib.scratch.graph import (
    Aggregate,
    GCNConv,
    GraphReadout,
    SelectNodes,
    aggregate,
    dirichlet_energy,
    gcn_norm,
    mean_pairwise_distance,
    propagate,
    readout,
)


def small_graph(n=7, seed=0, isolated=False):
    rng = np.random.default_rng(seed)
    upper = np.triu(rng.random((n, n)) < 0.4, k=1)
    a = (upper | upper.T).astype(float)
    if isolated:
        a[-1] = a[:, -1] = 0.0
    return a


def test_gcn_norm_is_the_formula_and_symmetric():
    a = small_graph(isolated=True)
    at = a + np.eye(len(a))
    d = at.sum(axis=1)
    np.testing.assert_allclose(gcn_norm(a), at / np.sqrt(np.outer(d, d)))
    assert np.isclose(np.linalg.eigvalsh(gcn_norm(a)).max(), 1.0)
    no_loops = gcn_norm(a, add_self_loops=False)
    assert np.all(no_loops[-1] == 0)           # an isolated node keeps a zero row, no NaN


@pytest.mark.parametrize("bias", [True, False])
def test_gcn_conv_gradcheck(bias):
    a = small_graph(isolated=True)
    layer = GCNConv(3, 2, bias=bias, adjacency=a, rng=0, dtype=np.float64)
    x = np.random.default_rng(1).normal(size=(len(a), 3))
    assert gradcheck(layer, x).passed


@pytest.mark.parametrize("how", ["mean", "sum", "max"])
@pytest.mark.parametrize("self_loops", [True, False])
def test_aggregate_gradcheck_and_matches_torch(how, self_loops):
    a = small_graph(8, seed=2, isolated=True)
    x = np.random.default_rng(3).normal(size=(8, 3))
    layer = Aggregate(how, adjacency=a, self_loops=self_loops)
    assert gradcheck(layer, x).passed
    edges = torch.from_numpy(adjacency_to_edge_index(a))
    if self_loops:
        edges = gnn.add_self_loops(edges, 8)
    got = gnn.aggregate(torch.from_numpy(x), edges, how).numpy()
    np.testing.assert_allclose(aggregate(x, a, how, self_loops=self_loops), got, atol=1e-12)


def test_gcn_conv_matches_torch_forward_and_backward_float64():
    club = karate_club()
    x = np.random.default_rng(0).normal(size=(34, 5))
    layer = GCNConv(5, 3, adjacency=club.adjacency, rng=2, dtype=np.float64)
    layer.bias.data[:] = [0.1, -0.2, 0.3]
    torch_layer = gnn.GCNConv(5, 3).double()
    with torch.no_grad():
        torch_layer.linear.weight.copy_(torch.from_numpy(layer.weight.data.T))
        torch_layer.bias.copy_(torch.from_numpy(layer.bias.data))
    x_t = torch.tensor(x, requires_grad=True)
    y_t = torch_layer(x_t, torch.from_numpy(club.edge_index))
    grad = np.random.default_rng(1).normal(size=y_t.shape)
    y_t.backward(torch.from_numpy(grad))
    y = layer(x)
    np.testing.assert_allclose(y, y_t.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.backward(grad), x_t.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.weight.grad, torch_layer.linear.weight.grad.numpy().T,
                               atol=1e-12)
    np.testing.assert_allclose(layer.bias.grad, torch_layer.bias.grad.numpy(), atol=1e-12)


def test_gcn_is_permutation_equivariant():
    a = small_graph(9, seed=4)
    x = np.random.default_rng(5).normal(size=(9, 3))
    perm = np.random.default_rng(6).permutation(9)
    p = np.eye(9)[perm]
    y = GCNConv(3, 2, adjacency=a, rng=0, dtype=np.float64)(x)
    y_perm = GCNConv(3, 2, adjacency=p @ a @ p.T, rng=0, dtype=np.float64)(p @ x)
    np.testing.assert_allclose(y_perm, p @ y, atol=1e-12)


@pytest.mark.parametrize("how", ["mean", "sum", "max"])
def test_readout_gradcheck_matches_torch_and_is_invariant(how):
    x = np.random.default_rng(7).normal(size=(10, 4))
    batch = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2, 2])
    out = readout(x, batch, how)
    assert out.shape == (3, 4)
    np.testing.assert_allclose(
        out, gnn.readout(torch.from_numpy(x), torch.from_numpy(batch), 3, how).numpy())
    perm = np.random.default_rng(8).permutation(10)
    np.testing.assert_allclose(readout(x[perm], batch[perm], how), out)

    class Bound(GraphReadout):   # gradcheck calls forward(x): bind the batch vector
        def forward(self, x):
            return super().forward(x, batch)

    assert gradcheck(Bound(how), x).passed
    # one graph: batch None
    np.testing.assert_allclose(readout(x, None, how), readout(x, np.zeros(10, int), how))


def test_select_nodes_gradcheck_and_fit_trains_on_labelled_nodes_only():
    x = np.random.default_rng(0).normal(size=(6, 3))
    assert gradcheck(SelectNodes(np.array([4, 1, 4])), x).passed
    club = karate_club()
    leaders = club.info["leaders"]
    select = SelectNodes(leaders)
    model = Sequential(GCNConv(34, 8, adjacency=club.adjacency, rng=0), ReLU(),
                       GCNConv(8, 2, adjacency=club.adjacency, rng=1), select)
    history = fit(model, [(club.x, club.y[leaders])], Adam(model.parameters(), lr=0.01),
                  epochs=60, verbose=False)
    assert history.train_loss[-1] < history.train_loss[0]
    select.index = None
    pred = model(club.x).argmax(axis=1)
    assert pred.shape == (34,) and np.mean(pred == club.y) > 0.8


def test_over_smoothing_measures():
    sbm = stochastic_block_model(0.2, nodes_per_block=20, seed=1)
    a = sbm.adjacency
    for how in ("gcn", "mean", "sum", "max"):
        layers = propagate(sbm.x, a, 40, how)
        assert len(layers) == 41
        spread = [mean_pairwise_distance(h) for h in layers]
        assert spread[40] < 0.05 * spread[0]
    x = sbm.x.astype(float)
    assert mean_pairwise_distance(np.ones((5, 3))) == 0.0
    assert mean_pairwise_distance(3 * x) == pytest.approx(mean_pairwise_distance(x))
    assert dirichlet_energy(3 * x, a) == pytest.approx(dirichlet_energy(x, a))
    # the unnormalised energy is 1/2 sum_ij A_ij |x_i/sqrt(d_i) - x_j/sqrt(d_j)|^2
    d = a.sum(axis=1)
    ok = d > 0
    xs = np.where(ok[:, None], x / np.sqrt(np.where(ok, d, 1))[:, None], 0)
    diff = ((xs[:, None] - xs[None]) ** 2).sum(axis=2)
    assert dirichlet_energy(x, a, normalized=False) == pytest.approx(0.5 * np.sum(a * diff))


def test_bad_input_gets_clear_errors():
    a = small_graph()
    with pytest.raises(ValueError, match="symmetric"):
        gcn_norm(np.triu(a))
    with pytest.raises(ShapeError, match=r"\(N, N\)"):
        gcn_norm(np.ones((3, 4)))
    layer = GCNConv(3, 2, adjacency=a)
    with pytest.raises(ShapeError, match="7 nodes"):
        layer(np.ones((6, 3)))
    with pytest.raises(ShapeError, match=r"\(N, 3\)"):
        layer(np.ones((7, 4)))
    with pytest.raises(ValueError, match="no graph yet"):
        GCNConv(3, 2)(np.ones((7, 3)))
    with pytest.raises(ValueError, match="how"):
        Aggregate("median")
    with pytest.raises(ShapeError, match="batch"):
        readout(np.ones((4, 2)), np.zeros(3, int))
    with pytest.raises(ValueError, match="index holds node"):
        SelectNodes(np.array([9]))(np.ones((4, 2)))
