"""Graph data helpers: conversions, checks with clear messages, seeded generators."""

import numpy as np
import pytest

from nnlib.data import graphs as g
from nnlib.errors import ShapeError


def test_edge_index_and_adjacency_round_trip():
    a = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=float)
    ei = g.adjacency_to_edge_index(a)
    assert ei.shape == (2, 4) and ei.dtype == np.int64
    np.testing.assert_array_equal(g.edge_index_to_adjacency(ei, 3), a)
    np.testing.assert_array_equal(g.degree(a), [1, 2, 1])
    np.testing.assert_array_equal(g.degree_matrix(a), np.diag([1, 2, 1]))
    und = g.to_undirected(np.array([[0, 1], [1, 2]]), 3)
    np.testing.assert_array_equal(g.edge_index_to_adjacency(und, 3), a)


def test_edge_index_out_of_range_names_the_edge_and_the_node_count():
    with pytest.raises(ValueError, match=r"column 1 is the edge 1 -> 5.*3 nodes"):
        g.check_edge_index(np.array([[0, 1], [1, 5]]), 3)
    with pytest.raises(ValueError, match="3 nodes"):
        g.check_edge_index(np.array([[0, -1], [1, 2]]), 3)
    with pytest.raises(ShapeError, match=r"\(2, E\).*transpose"):
        g.check_edge_index(np.array([[0, 1], [1, 2], [2, 0]]), 3)
    with pytest.raises(TypeError, match="integer"):
        g.check_edge_index(np.array([[0.0, 1.0], [1.0, 2.0]]), 3)


def test_adjacency_checks():
    with pytest.raises(ShapeError, match="square"):
        g.check_adjacency(np.ones((3, 4)))
    with pytest.raises(ShapeError):
        g.check_adjacency(np.ones(3))
    with pytest.raises(ShapeError, match="5 nodes"):
        g.check_adjacency(np.ones((3, 3)), num_nodes=5)
    with pytest.raises(ValueError, match=r"symmetric.*\[0, 1\]"):
        g.check_adjacency(np.array([[0, 1], [0, 0]]), symmetric=True)
    with pytest.raises(ValueError, match="negative"):
        g.check_adjacency(-np.ones((2, 2)))


def test_karate_club():
    club = g.karate_club()
    assert club.num_nodes == 34 and club.num_edges == 156
    a = club.adjacency
    assert np.array_equal(a, a.T) and a.sum() == 156
    assert club.y[0] == 0 and club.y[33] == 1 and np.bincount(club.y).tolist() == [17, 17]


def test_sbm_difficulty_knob_and_seed():
    easy = g.stochastic_block_model(0.0, seed=0)
    hard = g.stochastic_block_model(0.9, seed=0)
    for graph in (easy, hard):
        a = graph.adjacency
        assert np.array_equal(a, a.T) and np.all(np.diag(a) == 0)

    def share_out(graph):
        src, dst = graph.edge_index
        return np.mean(graph.y[src] != graph.y[dst])

    assert share_out(easy) == 0.0 and share_out(hard) > 0.8
    again = g.stochastic_block_model(0.0, seed=0)
    np.testing.assert_array_equal(easy.edge_index, again.edge_index)
    np.testing.assert_array_equal(easy.x, again.x)
    with pytest.raises(ValueError, match="difficulty"):
        g.stochastic_block_model(1.5)
    with pytest.raises(ValueError, match="too high"):
        g.stochastic_block_model(0.0, nodes_per_block=4, degree=8.0)


def test_graph_families_and_batching():
    graphs = g.graph_families(30, seed=1)
    assert len(graphs) == 30 and sorted({gr.y for gr in graphs}) == [0, 1, 2]
    for gr in graphs:
        a = gr.adjacency
        assert np.array_equal(a, a.T) and 12 <= gr.num_nodes <= 24
        np.testing.assert_array_equal(gr.x.argmax(axis=1), np.minimum(a.sum(axis=1), 7))
    again = g.graph_families(30, seed=1)
    assert all(np.array_equal(x.edge_index, y.edge_index) for x, y in zip(graphs, again))
    x, ei, batch, y = g.batch_graphs(graphs[:3])
    n0, n1 = graphs[0].num_nodes, graphs[1].num_nodes
    assert x.shape[0] == len(batch) == n0 + n1 + graphs[2].num_nodes
    assert y.tolist() == [gr.y for gr in graphs[:3]]
    e0 = graphs[0].num_edges
    np.testing.assert_array_equal(ei[:, e0:e0 + graphs[1].num_edges], graphs[1].edge_index + n0)
    assert np.all(batch[ei[0]] == batch[ei[1]])      # no edge joins two graphs
    with pytest.raises(ValueError, match="no graphs"):
        g.batch_graphs([])


def test_split_nodes():
    y = np.repeat([0, 1, 2], 20)
    train, val, test = g.split_nodes(y, 5, seed=0)
    assert np.bincount(y[train]).tolist() == [5, 5, 5]
    assert len(set(train) | set(val) | set(test)) == 60 and len(val) + len(test) == 45
