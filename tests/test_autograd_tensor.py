"""The array engine ``Tensor``: operations, broadcasting, reductions, indexing and the loss
against torch.autograd in float64 (and centred finite differences), accumulation, deep
graphs, error messages, and an MLP trained by three engines from identical weights."""

import numpy as np
import pytest
import torch

import nnlib.scratch as scratch
from nnlib.autograd import Tensor, cross_entropy, nn, unbroadcast
from nnlib.scratch.gradcheck import numerical_gradient
from nnlib.scratch.module import ShapeError


def compare_with_torch(fn, *arrays, torch_fn=None, rtol=1e-10, atol=1e-12):
    """Run ``fn`` on Tensors and ``torch_fn`` (default: ``fn``) on torch tensors; compare the
    output and the gradient of every input, with a random seed gradient for non-scalars."""
    tensors = [Tensor(a) for a in arrays]
    out = fn(*tensors)
    leaves = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    expected = (torch_fn or fn)(*leaves)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=rtol, atol=atol)
    seed = np.random.default_rng(0).normal(size=out.shape)
    out.backward(seed)
    expected.backward(torch.from_numpy(seed))
    for t, leaf in zip(tensors, leaves):
        want = np.zeros_like(t.data) if leaf.grad is None else leaf.grad.numpy()
        assert t.grad.shape == t.shape
        np.testing.assert_allclose(t.grad, want, rtol=rtol, atol=atol)
    return tensors


def normal(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def positive(*shape, seed=0):
    return np.random.default_rng(seed).uniform(0.5, 2.0, size=shape)


BROADCAST_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)),
                    ((4,), (2, 3, 4)), ((), (3, 2)), ((1,), (3, 2)), ((2, 1, 4), (1, 3, 1))]
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "mixed": lambda a, b: (a * b - a) / (b + 3.0),
}


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
def test_elementwise_binary_ops_with_broadcasting_match_torch(name, shapes):
    a, b = normal(*shapes[0], seed=1), positive(*shapes[1], seed=2)
    ta, tb = compare_with_torch(BINARY[name], a, b)
    assert ta.grad.shape == a.shape and tb.grad.shape == b.shape


UNARY = {
    "exp": lambda a: a.exp(),
    "log": lambda a: (a * a + 0.1).log(),
    "tanh": lambda a: a.tanh(),
    "relu": lambda a: a.relu(),
    "square": lambda a: a**2,
    "cube": lambda a: a**3,
    "sqrt": lambda a: (a * a + 1.0) ** 0.5,
    "reciprocal": lambda a: (a * a + 1.0) ** -1,
    "neg": lambda a: -a,
    "reflected": lambda a: 2.0 - 3.0 * a + 1.0 / (a * a + 1.0),
    "numpy_on_the_left": lambda a: np.full(a.shape, 2.0) * a - np.ones(a.shape[-1]),
}


@pytest.mark.parametrize("name", UNARY)
def test_unary_and_reflected_ops_match_torch(name):
    fn = UNARY[name]
    torch_fn = None
    if name == "numpy_on_the_left":  # torch needs tensors on the left
        def torch_fn(a):
            return torch.full(a.shape, 2.0, dtype=torch.float64) * a - torch.ones(
                a.shape[-1], dtype=torch.float64)
    compare_with_torch(fn, normal(3, 4, seed=3), torch_fn=torch_fn)


@pytest.mark.parametrize("shapes", [((5, 3), (3, 2)), ((2, 5, 3), (3, 2)), ((5, 3), (2, 3, 4)),
                                    ((1, 5, 3), (4, 3, 2)), ((2, 1, 5, 3), (3, 3, 2)),
                                    ((1, 1), (1, 7))], ids=str)
def test_matmul_with_batch_broadcasting_matches_torch(shapes):
    ta, tb = compare_with_torch(lambda a, b: a @ b, normal(*shapes[0], seed=4),
                                normal(*shapes[1], seed=5))
    assert ta.grad.shape == shapes[0] and tb.grad.shape == shapes[1]


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_sum_and_mean_over_any_axes_match_torch(axis, keepdims, reduction):
    def fn(a):
        return getattr(a.tanh(), reduction)(axis=axis, keepdims=keepdims)
    compare_with_torch(fn, normal(2, 3, 4, seed=6))


def test_reshape_transpose_and_T_match_torch():
    compare_with_torch(lambda a: a.reshape(4, 6).T * 2.0, normal(2, 3, 4, seed=7),
                       torch_fn=lambda a: a.reshape(4, 6).T * 2.0)
    compare_with_torch(lambda a: a.transpose(2, 0, 1).reshape(-1).exp(), normal(2, 3, 4, seed=8),
                       torch_fn=lambda a: a.permute(2, 0, 1).reshape(-1).exp())
    t = Tensor(normal(2, 3, 4))
    assert t.transpose().shape == (4, 3, 2) and t.transpose((1, 0, 2)).shape == (3, 2, 4)


@pytest.mark.parametrize("index", [
    (slice(None), 1), (np.array([0, 2, 0, 0]),), (np.array([1, 1, 0]), np.array([2, 2, 3])),
    (Ellipsis, slice(1, 3)),
], ids=["column", "repeated_rows", "repeated_pairs", "ellipsis_slice"])
def test_indexing_matches_torch_and_repeated_entries_add_up(index):
    arrays = normal(3, 4, seed=9)
    torch_index = tuple(torch.from_numpy(i) if isinstance(i, np.ndarray) else i for i in index)
    compare_with_torch(lambda a: a[index] * 3.0, arrays, torch_fn=lambda a: a[torch_index] * 3.0)


def test_an_entry_picked_three_times_gets_three_contributions():
    t = Tensor(normal(3, 4))
    t[np.array([0, 2, 0, 0])].sum().backward()
    np.testing.assert_array_equal(t.grad, [[3.0] * 4, [0.0] * 4, [1.0] * 4])


def test_boolean_mask_indexing_matches_torch():
    a = normal(3, 4, seed=10)
    mask = a > 0
    compare_with_torch(lambda t: t[mask].exp(), a,
                       torch_fn=lambda t: t[torch.from_numpy(mask)].exp())


def test_log_softmax_and_cross_entropy_match_torch():
    logits = normal(6, 4, seed=11) * 5
    targets = np.array([0, 3, 1, 1, 2, 3])
    compare_with_torch(lambda z: z.log_softmax(axis=1), logits,
                       torch_fn=lambda z: torch.log_softmax(z, dim=1))
    compare_with_torch(lambda z: z.log_softmax(axis=0), logits,
                       torch_fn=lambda z: torch.log_softmax(z, dim=0))
    compare_with_torch(lambda z: cross_entropy(z, targets), logits,
                       torch_fn=lambda z: torch.nn.functional.cross_entropy(
                           z, torch.from_numpy(targets)))


def test_cross_entropy_is_stable_for_huge_logits():
    logits = Tensor(np.array([[1000.0, 0.0], [0.0, -1000.0]]))
    loss = cross_entropy(logits, np.array([1, 1]))
    loss.backward()
    assert loss.item() == pytest.approx(1000.0)  # both rows: the true class is 1000 behind
    assert np.all(np.isfinite(logits.grad))


def random_tensor_expression(seed, x, w, b):
    """A random composition of most operations; same code for Tensors and torch tensors."""
    rng = np.random.default_rng(seed)
    h = x @ w + b                                          # (5, 3) @ (3, 4) + (4,)
    for choice in rng.permutation(6):
        if choice == 0:
            h = h.tanh() * h
        elif choice == 1:
            h = (h * h + 0.5).log() - h.mean(axis=0, keepdims=True)
        elif choice == 2:
            h = h.relu() + 0.1 * h
        elif choice == 3:
            h = h / (1.0 + h.exp().sum(axis=1, keepdims=True))
        elif choice == 4:
            h = (h.reshape(4, 5).T - b[0]) ** 2 @ w[:, :4].T.T.reshape(4, 3)[:, :1] * 0.1 + h
        else:
            h = h - h[np.array([0, 0, 1])].mean(axis=0)
    return h.mean()


@pytest.mark.parametrize("seed", range(6))
def test_random_expressions_match_torch_and_finite_differences(seed):
    x, w, b = normal(5, 3, seed=seed), normal(3, 4, seed=seed + 50), normal(4, seed=seed + 99)

    def torch_fn(*t):
        return random_tensor_expression(seed, *t)
    tensors = compare_with_torch(lambda *t: random_tensor_expression(seed, *t), x, w, b,
                                 torch_fn=torch_fn)
    arrays = [x.copy(), w.copy(), b.copy()]
    for tensor, array in zip(tensors, arrays):
        def f():
            return random_tensor_expression(seed, *(Tensor(a) for a in arrays)).item()
        # the seed gradient was random, so compare d(seed * out)/d input: here out is a scalar
        seed_value = np.random.default_rng(0).normal(size=())
        numeric = numerical_gradient(f, array) * seed_value
        np.testing.assert_allclose(tensor.grad, numeric, rtol=1e-6, atol=1e-8)


def test_unbroadcast_sums_back_to_the_input_shape():
    grad = np.arange(24.0).reshape(2, 3, 4)
    assert unbroadcast(grad, (2, 3, 4)) is grad
    np.testing.assert_array_equal(unbroadcast(grad, (4,)), grad.sum(axis=(0, 1)))
    np.testing.assert_array_equal(unbroadcast(grad, (3, 1)), grad.sum(axis=(0, 2))[:, None])
    np.testing.assert_array_equal(unbroadcast(grad, ()), grad.sum())
    np.testing.assert_array_equal(unbroadcast(grad, (2, 1, 4)), grad.sum(axis=1, keepdims=True))


def test_a_tensor_used_twice_gets_both_contributions_and_grads_accumulate():
    a = Tensor(np.array([1.0, -2.0, 3.0]))
    (a * a).sum().backward()
    np.testing.assert_array_equal(a.grad, 2 * a.data)
    a.zero_grad()
    np.testing.assert_array_equal(a.grad, 0.0)
    out = (a * 3.0).sum()
    out.backward()
    out.backward()  # same graph twice: the leaf gets 3 + 3, intermediates restart from zero
    np.testing.assert_array_equal(a.grad, 6.0)


@pytest.mark.slow  # a training run / stress test: make test runs it, make unit-fast does not
def test_a_chain_of_100_000_operations_needs_no_recursion():
    x = Tensor(np.array([0.5, 2.0]))
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 1.00001**100_000, rtol=1e-9)


def test_float32_tensors_stay_float32_and_integers_become_float64():
    t = Tensor(np.ones(3, dtype=np.float32))
    out = (2 * t + 1.5) / 3
    assert out.dtype == np.float32
    out.sum().backward()
    assert t.grad.dtype == np.float32
    assert Tensor([1, 2]).dtype == np.float64


def test_leaf_tensors_copy_their_data():
    array = np.ones(3)
    t = Tensor(array)
    array[0] = 5.0
    assert t.data[0] == 1.0


# -- clear errors ------------------------------------------------------------------------------
def test_backward_on_a_non_scalar_needs_a_seed_gradient():
    out = Tensor(normal(4, 3)) * 2.0
    with pytest.raises(RuntimeError, match=r"shape \(4, 3\) needs a seed gradient.*out.sum\(\)"):
        out.backward()
    with pytest.raises(ShapeError, match=r"\(4, 3\), got \(3,\)"):
        out.backward(np.ones(3))


def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(ShapeError, match=r"\(5, 3\) @ \(4, 2\).*\(3\).*\(4\)"):
        Tensor(normal(5, 3)) @ Tensor(normal(4, 2))
    with pytest.raises(ShapeError, match=r"at least 2 axes, got shapes \(3,\) and \(3, 2\)"):
        Tensor(normal(3)) @ Tensor(normal(3, 2))
    with pytest.raises(ShapeError, match=r"cannot broadcast shapes \(2, 5, 3\) and \(4, 3, 2\)"):
        Tensor(normal(2, 5, 3)) @ Tensor(normal(4, 3, 2))


def test_elementwise_shape_mismatch_names_both_shapes():
    with pytest.raises(ShapeError, match=r"'\+' cannot broadcast shapes \(3, 4\) and \(3,\)"):
        Tensor(normal(3, 4)) + Tensor(normal(3))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_input_is_refused(bad):
    data = normal(2, 2)
    data[1, 0] = bad
    with pytest.raises(ValueError, match="1 NaN or infinite"):
        Tensor(data)
    with pytest.raises(ValueError, match="NaN or infinite"):
        Tensor(normal(2, 2)) * data
    with pytest.raises(ValueError, match="NaN or infinite"):
        (Tensor(normal(2, 2)) * 2.0).backward(data)


def test_domain_and_type_errors_say_what_to_fix():
    with pytest.raises(ValueError, match="has 1 entries <= 0"):
        Tensor(np.array([1.0, 0.0])).log()
    with pytest.raises(ValueError, match="zero entries"):  # NonFiniteError
        Tensor(np.ones(2)) / Tensor(np.array([1.0, 0.0]))
    with pytest.raises(TypeError, match="not a Tensor"):
        Tensor(np.ones(3))[Tensor(np.zeros(1))]
    with pytest.raises(TypeError, match="numeric array"):
        Tensor(["a", "b"])
    with pytest.raises(TypeError, match=r"cross_entropy: targets must hold integers"):
        cross_entropy(Tensor(normal(2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(ShapeError, match=r"targets must be integer class labels of shape \(2,\)"):
        cross_entropy(Tensor(normal(2, 3)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="in 0..2, got 0..3"):
        cross_entropy(Tensor(normal(2, 3)), np.array([0, 3]))


# -- the tiny nn on top, and three engines that agree ------------------------------------------
def test_nn_linear_draws_the_same_initial_weights_as_scratch_linear():
    ours = nn.Linear(5, 3, rng=7)
    theirs = scratch.Linear(5, 3, rng=7, dtype=np.float64)
    np.testing.assert_array_equal(ours.weight.data, theirs.weight.data)
    np.testing.assert_array_equal(ours.bias.data, theirs.bias.data)


def test_state_dict_round_trip_and_mismatch_errors():
    model = nn.Sequential(nn.Linear(2, 4, rng=0), nn.Tanh(), nn.Linear(4, 3, rng=1))
    state = model.state_dict()
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    other = nn.Sequential(nn.Linear(2, 4, rng=5), nn.Tanh(), nn.Linear(4, 3, rng=6))
    other.load_state_dict(state)
    x = normal(3, 2)
    np.testing.assert_array_equal(other(x).data, model(x).data)
    with pytest.raises(KeyError, match="mismatch"):
        other.load_state_dict({"0.weight": state["0.weight"]})
    with pytest.raises(ShapeError, match=r"0.weight: expected shape \(2, 4\), got \(4, 2\)"):
        other.load_state_dict({**state, "0.weight": state["0.weight"].T})


def train_three_ways(steps=20, lr=0.5):
    """The same MLP (2 -> 16 -> 3) trained by nnlib.scratch, nnlib.autograd and PyTorch."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 2))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)  # 3 classes by quadrant
    reference = scratch.Sequential(scratch.Linear(2, 16, rng=1), scratch.ReLU(),
                                   scratch.Linear(16, 3, rng=2)).double()
    state = reference.state_dict()

    manual_loss_fn, manual_opt = scratch.CrossEntropyLoss(), scratch.SGD(reference.parameters(), lr)
    ours = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    ours.load_state_dict(state)
    our_opt = nn.SGD(ours.parameters(), lr)
    theirs = torch.nn.Sequential(reference[0].to_torch(), torch.nn.ReLU(), reference[2].to_torch())
    torch_opt = torch.optim.SGD(theirs.parameters(), lr)
    X_torch, y_torch = torch.from_numpy(X), torch.from_numpy(y)

    losses = np.zeros((steps, 3))
    for step in range(steps):
        manual_opt.zero_grad()
        losses[step, 0] = manual_loss_fn(reference(X), y)
        reference.backward(manual_loss_fn.backward())
        manual_opt.step()

        our_opt.zero_grad()
        loss = cross_entropy(ours(X), y)
        loss.backward()
        our_opt.step()
        losses[step, 1] = loss.item()

        torch_opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(theirs(X_torch), y_torch)
        loss.backward()
        torch_opt.step()
        losses[step, 2] = loss.item()
    return losses, reference, ours, theirs


def test_the_same_mlp_trained_by_three_engines_gives_the_same_losses_and_weights():
    losses, reference, ours, theirs = train_three_ways()
    assert losses[-1, 0] < 0.8 * losses[0, 0]  # it does learn
    np.testing.assert_allclose(losses[:, 1], losses[:, 0], rtol=1e-12)
    np.testing.assert_allclose(losses[:, 2], losses[:, 0], rtol=1e-12)
    np.testing.assert_allclose(ours[0].weight.data, reference[0].weight.data, rtol=1e-11)
    np.testing.assert_allclose(theirs[0].weight.detach().numpy().T, reference[0].weight.data,
                               rtol=1e-11)
