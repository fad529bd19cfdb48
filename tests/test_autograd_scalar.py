"""The scalar engine ``Value``: every operation against torch.autograd in float64, random
expressions against torch and centred finite differences, accumulation, deep graphs, errors."""

import math

import numpy as np
import pytest
import torch

from nnlib.autograd import Value, draw_graph, topological_order

OPS = {  # name -> (function usable on Value and on a torch scalar, inputs a, b)
    "add": (lambda a, b: a + b, 1.3, -0.7),
    "sub": (lambda a, b: a - b, 1.3, -0.7),
    "mul": (lambda a, b: a * b, 1.3, -0.7),
    "div": (lambda a, b: a / b, 1.3, -0.7),
    "pow3": (lambda a, b: a**3 * b, -1.3, 0.4),
    "pow_neg": (lambda a, b: a**-2 + b, -1.3, 0.4),
    "sqrt": (lambda a, b: a**0.5 * b, 2.3, 0.4),
    "exp": (lambda a, b: (a * b).exp(), 1.3, -0.7),
    "log": (lambda a, b: (a * b).log(), 1.3, 0.7),
    "tanh": (lambda a, b: (a + b).tanh(), 0.3, -0.1),
    "relu_pos": (lambda a, b: (a * b).relu(), 1.3, 0.7),
    "relu_neg": (lambda a, b: (a * b).relu() + b, 1.3, -0.7),
    "neg": (lambda a, b: -a * b, 1.3, -0.7),
    "radd": (lambda a, b: 2 + a * b, 1.3, -0.7),
    "rsub": (lambda a, b: 2 - a * b, 1.3, -0.7),
    "rmul": (lambda a, b: 2 * a * b, 1.3, -0.7),
    "rdiv": (lambda a, b: 2 / (a * b), 1.3, -0.7),
    "div_const": (lambda a, b: (a - b) / 3, 1.3, -0.7),
}


def torch_grads(fn, *inputs):
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    out = fn(*leaves)
    out.backward()
    return out.item(), [0.0 if leaf.grad is None else leaf.grad.item() for leaf in leaves]


@pytest.mark.parametrize("name", OPS)
def test_each_operation_matches_torch(name):
    fn, a_in, b_in = OPS[name]
    a, b = Value(a_in), Value(b_in)
    out = fn(a, b)
    out.backward()
    expected_out, (expected_a, expected_b) = torch_grads(fn, a_in, b_in)
    assert out.data == pytest.approx(expected_out, rel=1e-12)
    assert a.grad == pytest.approx(expected_a, rel=1e-12, abs=1e-15)
    assert b.grad == pytest.approx(expected_b, rel=1e-12, abs=1e-15)


def random_expression(seed, leaves):
    """Apply 25 random operations to earlier results (so results get reused); works on
    Values and on torch scalars alike; keeps every input inside its function's domain."""
    rng = np.random.default_rng(seed)
    nodes = list(leaves)
    data = (lambda v: v.data) if isinstance(leaves[0], Value) else (lambda t: t.item())
    for _ in range(25):
        a, b = (nodes[i] for i in rng.integers(len(nodes), size=2))
        choice = rng.integers(10)
        if choice == 0:
            out = a + b
        elif choice == 1:
            out = a - 0.5 * b
        elif choice == 2:
            out = a * b
        elif choice == 3 and abs(data(b)) > 0.3:
            out = a / b
        elif choice == 4 and abs(data(a)) < 3:
            out = a.exp()
        elif choice == 5 and data(a) > 0.3:
            out = a.log()
        elif choice == 6:
            out = a.tanh()
        elif choice == 7 and abs(data(a)) > 1e-3:
            out = a.relu() + 0.1 * a
        elif choice == 8 and abs(data(a)) < 3:
            out = a**2 - 1.5
        else:
            out = 1.5 - a / 4
        nodes.append(out)
    return sum(nodes[-5:], start=nodes[0] * 0.0).tanh()


@pytest.mark.parametrize("seed", range(12))
def test_random_expressions_match_torch_and_finite_differences(seed):
    inputs = list(np.random.default_rng(100 + seed).uniform(-2, 2, size=4))
    values = [Value(x) for x in inputs]
    out = random_expression(seed, values)
    out.backward()
    expected_out, expected_grads = torch_grads(lambda *t: random_expression(seed, t), *inputs)
    assert out.data == pytest.approx(expected_out, rel=1e-12, abs=1e-14)
    np.testing.assert_allclose([v.grad for v in values], expected_grads, rtol=1e-10, atol=1e-13)

    def f(x):
        return random_expression(seed, [Value(v) for v in x]).data

    eps = 1e-6
    for i in range(len(inputs)):
        up, down = list(inputs), list(inputs)
        up[i] += eps
        down[i] -= eps
        numeric = (f(up) - f(down)) / (2 * eps)
        assert values[i].grad == pytest.approx(numeric, rel=1e-5, abs=1e-8)


def test_a_value_used_twice_gets_the_sum_of_both_contributions():
    a = Value(3.0)
    (a * a).backward()  # d(a^2)/da = 2a
    assert a.grad == 6.0
    b = Value(3.0)
    (b + b).backward()
    assert b.grad == 2.0


def test_gradients_accumulate_over_backward_calls_until_zero_grad_like_torch():
    a, b = Value(1.5), Value(-2.0)
    for _ in range(2):
        out = (a * b + a).tanh()
        out.backward()
    ta = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(-2.0, dtype=torch.float64, requires_grad=True)
    for _ in range(2):
        (ta * tb + ta).tanh().backward()
    assert a.grad == pytest.approx(ta.grad.item(), rel=1e-12)
    assert b.grad == pytest.approx(tb.grad.item(), rel=1e-12)
    # calling backward twice on the *same* graph: intermediate grads restart from zero
    c = Value(2.0)
    out = c * 3 + 1
    out.backward()
    out.backward()
    assert c.grad == 6.0
    c.zero_grad()
    assert c.grad == 0.0


@pytest.mark.slow  # a training run / stress test: make test runs it, make unit-fast does not
def test_a_chain_of_100_000_operations_needs_no_recursion():
    x = Value(0.5)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    assert x.grad == pytest.approx(1.00001**100_000, rel=1e-9)


def test_topological_order_lists_each_node_once_after_its_inputs():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c  # a diamond: c is reached twice
    order = topological_order(e)
    assert len(order) == len({id(n) for n in order}) == 5
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        assert all(position[id(p)] < position[id(node)] for p in node._prev)
    assert order[-1] is e


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_input_is_refused_with_a_clear_message(bad):
    with pytest.raises(ValueError, match="finite"):
        Value(bad)
    with pytest.raises(ValueError, match="finite"):
        Value(1.0) + bad


def test_errors_for_values_outside_an_operation_domain():
    with pytest.raises(ValueError, match="log needs a positive number, got -2"):
        Value(-2.0).log()
    with pytest.raises(ValueError, match="equal to 0"):  # NonFiniteError
        Value(1.0) / Value(0.0)
    with pytest.raises(TypeError, match="needs a .finite. number k"):
        Value(2.0) ** Value(3.0)
    with pytest.raises(ValueError, match="no real, finite derivative"):
        Value(-2.0) ** 0.5
    with pytest.raises(TypeError, match="use it directly"):
        Value(Value(1.0))


def test_repr_and_labels():
    v = Value(2.0, label="w")
    assert repr(v) == "Value(w: data=2, grad=0)"
    assert "(" in repr(Value(math.pi)) and "3.142" in repr(Value(math.pi))


def test_draw_graph_shows_every_value_and_operation():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    out = (a * b).tanh()
    out.label = "out"
    out.backward()
    fig = draw_graph(out)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert sum(t.startswith(("a\n", "b\n", "out\n", "·\n")) for t in texts) == 4
    assert {"*", "tanh"} <= set(texts)
    assert any("grad 1.0000" in t for t in texts)
    long = Value(1.0)
    for _ in range(50):
        long = long + 1
    with pytest.raises(ValueError, match="at most"):
        draw_graph(long)
