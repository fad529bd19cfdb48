"""Layers and activation layers vs torch.nn (float64) and finite differences."""

import math

import numpy as np
import pytest
import torch

import nnlib.scratch as S
from nnlib.scratch import init
from nnlib.utils import set_seed

RTOL = 1e-6
BATCH_SHAPES = [(1, 4), (2, 3), (5, 6), (8, 2)]


def close(ours, theirs):
    if isinstance(theirs, torch.Tensor):
        theirs = theirs.detach().numpy()
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=1e-12)


def run_both(layer, torch_layer, x, seed=0):
    """Forward and backward with the same random grad_out; returns both sides' results."""
    xt = torch.tensor(x, requires_grad=True)
    yt = torch_layer(xt)  # once only: in training mode batch norm updates its statistics
    grad_out = np.random.default_rng(seed + 100).standard_normal(tuple(yt.shape))
    yt.backward(torch.tensor(grad_out))
    layer.zero_grad()
    y = layer(x)
    grad_x = layer.backward(grad_out)
    close(y, yt)
    close(grad_x, xt.grad)
    return y, grad_x


def away_from_kinks(x):
    return np.where(np.abs(x) < 1e-3, 0.01, x)


# -- Linear ---------------------------------------------------------------------------------
@pytest.mark.parametrize("n, d_in, d_out", [(1, 3, 2), (4, 5, 3), (7, 1, 4), (3, 6, 1)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch_and_finite_differences(n, d_in, d_out, bias):
    torch.manual_seed(n + d_in)
    torch_layer = torch.nn.Linear(d_in, d_out, bias=bias, dtype=torch.float64)
    layer = S.Linear.from_torch(torch_layer)
    assert layer.weight.shape == (d_in, d_out) and layer.weight.dtype == np.float64
    x = np.random.default_rng(n).standard_normal((n, d_in))
    run_both(layer, torch_layer, x)
    close(layer.weight.grad, torch_layer.weight.grad.T)  # torch stores W as (out, in)
    if bias:
        close(layer.bias.grad, torch_layer.bias.grad)
    else:
        assert layer.bias is None and len(layer.parameters()) == 1
    assert S.gradcheck(layer, x)


def test_linear_accepts_extra_leading_axes_like_torch():
    torch.manual_seed(0)
    torch_layer = torch.nn.Linear(4, 3, dtype=torch.float64)
    layer = S.Linear.from_torch(torch_layer)
    x = np.random.default_rng(0).standard_normal((2, 5, 4))
    run_both(layer, torch_layer, x)
    close(layer.weight.grad, torch_layer.weight.grad.T)
    close(layer.bias.grad, torch_layer.bias.grad)


def test_linear_to_torch_round_trip_and_float32_default():
    layer = S.Linear(5, 3, rng=0)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    torch_layer = layer.to_torch()
    assert torch_layer.weight.shape == (3, 5) and torch_layer.weight.dtype == torch.float32
    x = np.random.default_rng(1).standard_normal((4, 5))  # float64 data is cast to float32
    y = layer(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, torch_layer(torch.tensor(x, dtype=torch.float32)).detach(),
                               rtol=1e-5, atol=1e-6)
    back = S.Linear.from_torch(torch_layer)
    np.testing.assert_array_equal(back.weight.data, layer.weight.data)
    np.testing.assert_array_equal(back.bias.data, layer.bias.data)


def test_linear_default_init_is_torchs_uniform_one_over_sqrt_fan_in():
    layer = S.Linear(400, 300, rng=0)
    bound = 1 / math.sqrt(400)
    torch_weight = torch.nn.Linear(400, 300).weight.detach().numpy()
    for w in (layer.weight.data, torch_weight):
        assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
        assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert np.abs(layer.bias.data).max() <= bound


def test_linear_init_is_reproducible_with_set_seed_and_rng():
    set_seed(3)
    a = S.Linear(4, 3)
    set_seed(3)
    b = S.Linear(4, 3)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(S.Linear(4, 3, rng=7).bias.data,
                                  S.Linear(4, 3, rng=7).bias.data)
    assert not np.array_equal(S.Linear(4, 3, rng=7).weight.data,
                              S.Linear(4, 3, rng=8).weight.data)


def test_gradients_accumulate_until_zero_grad():
    layer = S.Linear(3, 2, rng=0).double()
    x = np.ones((2, 3))
    g = np.ones((2, 2))
    layer(x)
    layer.backward(g)
    once = layer.weight.grad.copy()
    layer(x)
    layer.backward(g)
    np.testing.assert_allclose(layer.weight.grad, 2 * once)
    layer.zero_grad()
    assert np.all(layer.weight.grad == 0)


# -- init ---------------------------------------------------------------------------------
@pytest.mark.parametrize("nonlinearity, param", [
    ("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2)])
def test_calculate_gain_matches_torch(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-12)


def _torch_sample(fn, d_in, d_out, **kwargs):
    w = torch.empty(d_out, d_in, dtype=torch.float64)  # torch layout (out, in)
    torch.manual_seed(0)
    fn(w, **kwargs)
    return w.numpy()


@pytest.mark.parametrize("ours, theirs, kwargs, expected_std", [
    (init.xavier_uniform, torch.nn.init.xavier_uniform_, {},
     math.sqrt(2 / (500 + 300))),
    (init.xavier_normal, torch.nn.init.xavier_normal_, {"gain": 5 / 3},
     5 / 3 * math.sqrt(2 / (500 + 300))),
    (init.kaiming_uniform, torch.nn.init.kaiming_uniform_, {"nonlinearity": "relu"},
     math.sqrt(2 / 500)),
    (init.kaiming_normal, torch.nn.init.kaiming_normal_, {"nonlinearity": "relu"},
     math.sqrt(2 / 500)),
    (init.kaiming_normal, torch.nn.init.kaiming_normal_,
     {"mode": "fan_out", "nonlinearity": "relu"}, math.sqrt(2 / 300)),
    (init.kaiming_uniform, torch.nn.init.kaiming_uniform_, {"a": math.sqrt(5)},
     1 / math.sqrt(3 * 500)),
])
def test_init_std_matches_torch_and_formula(ours, theirs, kwargs, expected_std):
    d_in, d_out = 500, 300
    w = ours((d_in, d_out), rng=0, dtype=np.float64, **kwargs)
    assert w.shape == (d_in, d_out)
    tw = _torch_sample(theirs, d_in, d_out, **kwargs)
    # 150 000 samples: the sample std is within 1% of the true one with huge probability
    assert w.std() == pytest.approx(expected_std, rel=0.01)
    assert tw.std() == pytest.approx(expected_std, rel=0.01)
    assert abs(w.mean()) < 0.01 * expected_std * 3
    if "uniform" in ours.__name__:  # uniform: support is exactly [-sqrt(3) std, sqrt(3) std]
        bound = math.sqrt(3) * expected_std
        assert np.abs(w).max() <= bound and np.abs(tw).max() <= bound
        assert np.abs(w).max() > 0.999 * bound


# -- activation layers ----------------------------------------------------------------------
ACTIVATIONS = [
    (S.Sigmoid(), torch.nn.Sigmoid()),
    (S.Tanh(), torch.nn.Tanh()),
    (S.ReLU(), torch.nn.ReLU()),
    (S.LeakyReLU(0.1), torch.nn.LeakyReLU(0.1)),
    (S.ELU(0.7), torch.nn.ELU(0.7)),
    (S.GELU(), torch.nn.GELU()),
    (S.GELU("tanh"), torch.nn.GELU("tanh")),
    (S.Softmax(), torch.nn.Softmax(dim=-1)),
    (S.Softmax(dim=0), torch.nn.Softmax(dim=0)),
    (S.LogSoftmax(), torch.nn.LogSoftmax(dim=-1)),
]


@pytest.mark.parametrize("pair", ACTIVATIONS, ids=lambda p: repr(p[0]))
@pytest.mark.parametrize("shape", BATCH_SHAPES)
def test_activation_layers_match_torch_and_finite_differences(pair, shape):
    layer, torch_layer = pair
    x = away_from_kinks(np.random.default_rng(shape[1]).standard_normal(shape) * 2)
    run_both(layer, torch_layer, x)
    assert S.gradcheck(layer, x)


def test_step_layer_outputs_zero_or_one_and_passes_no_gradient():
    step = S.Step()
    y = step(np.array([[-1.0, 0.0, 2.0]]))
    np.testing.assert_array_equal(y, [[0, 0, 1]])
    np.testing.assert_array_equal(step.backward(np.ones((1, 3))), np.zeros((1, 3)))


# -- Dropout ----------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
@pytest.mark.parametrize("shape", [(1, 5), (6, 4), (3, 2, 4)])
def test_dropout_matches_torch_with_the_same_mask(p, shape):
    drop = S.Dropout(p, rng=0)
    x = np.random.default_rng(1).standard_normal(shape)
    grad_out = np.random.default_rng(2).standard_normal(shape)
    y = drop(x)
    mask = drop.mask
    assert set(np.unique(mask)) <= {0.0, 1 / (1 - p)}
    xt = torch.tensor(x, requires_grad=True)
    yt = xt * torch.tensor(mask)  # torch's dropout with our mask: drop, then scale 1/(1-p)
    yt.backward(torch.tensor(grad_out))
    close(y, yt)
    close(drop.backward(grad_out), xt.grad)


def test_dropout_statistics_and_eval_mode():
    drop = S.Dropout(0.3, rng=0)
    x = np.ones((200, 500))
    y = drop(x)
    assert np.mean(y == 0) == pytest.approx(0.3, abs=0.005)
    assert y.mean() == pytest.approx(1.0, abs=0.01)  # inverted dropout keeps the mean
    drop.eval()
    np.testing.assert_array_equal(drop(x), x)
    np.testing.assert_array_equal(drop.backward(x), x)
    assert S.gradcheck(S.Dropout(0.5).eval(), np.random.default_rng(0).standard_normal((3, 4)))


def test_dropout_masks_are_reproducible_and_keep_float32():
    x = np.ones((4, 6), dtype=np.float32)
    a, b = S.Dropout(0.5, rng=3)(x), S.Dropout(0.5, rng=3)(x)
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32
    drop = S.Dropout(0.5, rng=3)
    assert not np.array_equal(drop(x), drop(x))  # a new mask at every call
    np.testing.assert_array_equal(S.Dropout(0.0)(x), x)


# -- BatchNorm1d / LayerNorm -----------------------------------------------------------------
def _random_affine(layer, torch_layer, seed):
    rng = np.random.default_rng(seed)
    n = layer.weight.shape[0]
    layer.weight.data[...] = rng.uniform(0.5, 1.5, n)
    layer.bias.data[...] = rng.standard_normal(n)
    with torch.no_grad():
        torch_layer.weight.copy_(torch.tensor(layer.weight.data))
        torch_layer.bias.copy_(torch.tensor(layer.bias.data))


@pytest.mark.parametrize("n, features", [(2, 3), (5, 4), (16, 1)])
@pytest.mark.parametrize("momentum", [0.1, 0.3])
def test_batchnorm_train_then_eval_matches_torch_including_running_stats(n, features, momentum):
    bn = S.BatchNorm1d(features, momentum=momentum).double()
    torch_bn = torch.nn.BatchNorm1d(features, momentum=momentum, dtype=torch.float64)
    _random_affine(bn, torch_bn, n)
    rng = np.random.default_rng(n)
    for step in range(4):  # several training steps update the running statistics
        x = rng.standard_normal((n, features)) * 3 + step
        run_both(bn, torch_bn, x, seed=step)
        close(bn.weight.grad, torch_bn.weight.grad)
        close(bn.bias.grad, torch_bn.bias.grad)
        torch_bn.zero_grad()
        close(bn.running_mean, torch_bn.running_mean)
        close(bn.running_var, torch_bn.running_var)
    bn.eval()
    torch_bn.eval()
    for batch in (1, n):  # eval works for a single example too
        x = rng.standard_normal((batch, features))
        run_both(bn, torch_bn, x, seed=batch)
        close(bn.weight.grad, torch_bn.weight.grad)
        close(bn.bias.grad, torch_bn.bias.grad)
        torch_bn.zero_grad()
    assert S.gradcheck(bn, x)
    assert S.gradcheck(bn.train(), rng.standard_normal((n, features)))


def test_batchnorm_buffers_follow_dtype():
    bn = S.BatchNorm1d(3)
    assert bn.running_mean.dtype == np.float32
    bn.double()
    assert bn.running_mean.dtype == np.float64 and bn.running_var.dtype == np.float64
    assert bn.weight.dtype == np.float64


@pytest.mark.parametrize("shape", [(1, 4), (3, 5), (2, 3, 6), (4, 1, 2)])
def test_layernorm_matches_torch_in_train_and_eval(shape):
    ln = S.LayerNorm(shape[-1]).double()
    torch_ln = torch.nn.LayerNorm(shape[-1], dtype=torch.float64)
    _random_affine(ln, torch_ln, shape[-1])
    x = np.random.default_rng(len(shape)).standard_normal(shape) * 2 + 1
    for mode in (True, False):
        ln.train(mode)
        torch_ln.train(mode)
        torch_ln.zero_grad()
        run_both(ln, torch_ln, x)
        close(ln.weight.grad, torch_ln.weight.grad)
        close(ln.bias.grad, torch_ln.bias.grad)
    assert S.gradcheck(ln, x)


# -- Flatten / Sequential -------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(1, 3), (2, 3, 4), (2, 1, 3, 2)])
def test_flatten_matches_torch(shape):
    x = np.random.default_rng(0).standard_normal(shape)
    y, _ = run_both(S.Flatten(), torch.nn.Flatten(), x)
    assert y.shape == (shape[0], math.prod(shape[1:]))


def _mlp_pair(seed):
    torch.manual_seed(seed)
    torch_mlp = torch.nn.Sequential(
        torch.nn.Linear(6, 8), torch.nn.BatchNorm1d(8), torch.nn.Tanh(),
        torch.nn.Linear(8, 5), torch.nn.LayerNorm(5), torch.nn.GELU(), torch.nn.Dropout(0.5),
        torch.nn.Linear(5, 3)).double()
    ours = S.Sequential(
        S.Linear.from_torch(torch_mlp[0]), S.BatchNorm1d(8), S.Tanh(),
        S.Linear.from_torch(torch_mlp[3]), S.LayerNorm(5), S.GELU(), S.Dropout(0.5))
    ours.append(S.Linear.from_torch(torch_mlp[7]))
    ours.double()
    return ours, torch_mlp


@pytest.mark.parametrize("n", [2, 9])
def test_sequential_mlp_matches_torch_in_eval_and_train(n):
    ours, torch_mlp = _mlp_pair(n)
    x = np.random.default_rng(n).standard_normal((n, 6))
    for training in (True, False):
        ours.train(training)
        ours[6].eval()  # dropout off so both sides compute the same function
        torch_mlp.train(training)
        torch_mlp[6].eval()
        torch_mlp.zero_grad()
        run_both(ours, torch_mlp, x)
        for (name, p), (tname, tp) in zip(ours.named_parameters(), torch_mlp.named_parameters(),
                                          strict=True):
            assert name == tname
            close(p.grad, tp.grad.T if p.data.ndim == 2 else tp.grad)
    assert S.gradcheck(ours.eval(), x)


def test_sequential_behaves_like_a_list():
    seq = S.Sequential(S.Linear(4, 3, rng=0), S.ReLU())
    assert len(seq) == 2 and isinstance(seq[0], S.Linear) and isinstance(seq[-1], S.ReLU)
    seq.append(S.Linear(3, 2, rng=1))
    assert [type(layer).__name__ for layer in seq] == ["Linear", "ReLU", "Linear"]
    head = seq[:2]
    assert isinstance(head, S.Sequential) and head[0] is seq[0]
    assert [name for name, _ in seq.named_parameters()] == [
        "0.weight", "0.bias", "2.weight", "2.bias"]
    assert seq.num_parameters() == 4 * 3 + 3 + 3 * 2 + 2
    state = seq.state_dict()
    other = S.Sequential(S.Linear(4, 3, rng=5), S.ReLU(), S.Linear(3, 2, rng=6))
    other.load_state_dict(state)
    x = np.random.default_rng(0).standard_normal((2, 4))
    np.testing.assert_array_equal(other(x), seq(x))
    assert "Linear(4, 3)" in repr(seq)


def test_state_dict_carries_batchnorm_running_stats_and_restores_them():
    from nnlib.scratch import BatchNorm1d, Linear, Sequential

    model = Sequential(Linear(3, 4, rng=0), BatchNorm1d(4)).double()
    x = np.random.default_rng(1).normal(size=(8, 3))
    model(x)
    saved = model.state_dict()
    assert sorted(saved) == ["0.bias", "0.weight", "1.bias", "1.running_mean",
                             "1.running_var", "1.weight"]
    model(x * 3 + 1)  # moves the running statistics
    assert not np.allclose(model[1].running_mean, saved["1.running_mean"])
    model.load_state_dict(saved)
    np.testing.assert_array_equal(model[1].running_mean, saved["1.running_mean"])
    np.testing.assert_array_equal(model[1].running_var, saved["1.running_var"])
    assert model.float()[1].running_var.dtype == np.float32
