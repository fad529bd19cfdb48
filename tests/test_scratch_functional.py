"""Activation functions and their derivatives vs PyTorch and finite differences (float64)."""

import math
import warnings

import numpy as np
import pytest
import torch

from nnlib.scratch import functional as F
from nnlib.scratch.gradcheck import numerical_gradient

RTOL = 1e-6
SHAPES = [(1, 1), (1, 7), (5, 3), (4, 3, 2)]
SEEDS = [0, 1]

# name -> (our f, our f', torch f, keyword arguments)
ELEMENTWISE = {
    "sigmoid": (F.sigmoid, F.sigmoid_grad, torch.sigmoid, {}),
    "tanh": (F.tanh, F.tanh_grad, torch.tanh, {}),
    "relu": (F.relu, F.relu_grad, torch.relu, {}),
    "leaky_relu": (F.leaky_relu, F.leaky_relu_grad, torch.nn.functional.leaky_relu, {}),
    "leaky_relu_0.2": (F.leaky_relu, F.leaky_relu_grad, torch.nn.functional.leaky_relu,
                       {"negative_slope": 0.2}),
    "elu": (F.elu, F.elu_grad, torch.nn.functional.elu, {}),
    "elu_0.5": (F.elu, F.elu_grad, torch.nn.functional.elu, {"alpha": 0.5}),
    "gelu": (F.gelu, F.gelu_grad, torch.nn.functional.gelu, {}),
    "gelu_tanh": (F.gelu, F.gelu_grad, torch.nn.functional.gelu, {"approximate": "tanh"}),
}


def random_input(shape, seed, scale=2.0):
    """Normal values, kept 1e-3 away from the kinks at 0 (finite differences straddle them)."""
    x = np.random.default_rng(seed).standard_normal(shape) * scale
    return np.where(np.abs(x) < 1e-3, 0.01, x)


def centred_difference(f, x, eps=1e-6):
    """Element-wise derivative of an element-wise function, all entries at once."""
    return (f(x + eps) - f(x - eps)) / (2 * eps)


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("seed", SEEDS)
def test_elementwise_value_and_derivative_match_torch(name, shape, seed):
    f, f_grad, torch_f, kwargs = ELEMENTWISE[name]
    x = random_input(shape, seed)
    xt = torch.tensor(x, requires_grad=True)
    yt = torch_f(xt, **kwargs)
    yt.sum().backward()
    np.testing.assert_allclose(f(x, **kwargs), yt.detach().numpy(), rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(f_grad(x, **kwargs), xt.grad.numpy(), rtol=RTOL, atol=1e-12)


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("seed", SEEDS)
def test_elementwise_derivative_matches_finite_differences(name, seed):
    f, f_grad, _, kwargs = ELEMENTWISE[name]
    x = random_input((6, 5), seed)
    numeric = centred_difference(lambda v: f(v, **kwargs), x)
    np.testing.assert_allclose(f_grad(x, **kwargs), numeric, rtol=RTOL, atol=1e-9)


@pytest.mark.parametrize("name, expected", [
    ("relu", 0.0), ("leaky_relu_0.2", 0.2), ("elu_0.5", 0.5)])
def test_derivative_at_the_kink_follows_torch(name, expected):
    f, f_grad, torch_f, kwargs = ELEMENTWISE[name]
    xt = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    torch_f(xt, **kwargs).sum().backward()
    np.testing.assert_array_equal(f_grad(np.zeros(3), **kwargs), xt.grad.numpy())
    assert f_grad(np.zeros(1), **kwargs)[0] == expected


def test_step_is_heaviside_with_zero_gradient():
    x = np.array([-2.0, -1e-9, 0.0, 1e-9, 3.0])
    expected = torch.heaviside(torch.tensor(x), torch.tensor(0.0, dtype=torch.float64))
    np.testing.assert_array_equal(F.step(x), expected.numpy())
    np.testing.assert_array_equal(F.step_grad(x), np.zeros(5))


def test_erf_and_erfc_match_math_module():
    x = np.concatenate([np.linspace(-30, 30, 20001), [0.0, 1e-300, -1e-8, 1.0, -1.0]])
    np.testing.assert_allclose(F.erf(x), [math.erf(v) for v in x], rtol=1e-13, atol=1e-15)
    # erfc keeps *relative* accuracy far into the tail (erfc(25) ~ 1e-273) ...
    below = x < 26
    np.testing.assert_allclose(F.erfc(x[below]), [math.erfc(v) for v in x[below]],
                               rtol=1e-12, atol=0)
    # ... and is flushed to 0 beyond 26, where the true value is below 1e-295
    assert np.all(F.erfc(x[~below]) == 0) and math.erfc(26) < 1e-295


def test_gelu_matches_torch_to_1e12_and_exact_formula_in_the_tail():
    x = np.linspace(-12, 12, 24001)
    torch_y = torch.nn.functional.gelu(torch.tensor(x)).numpy()
    np.testing.assert_allclose(F.gelu(x), torch_y, rtol=1e-12, atol=1e-14)
    # x * Phi(x) with Phi from math.erfc: relative accuracy even where Phi(x) ~ 1e-33
    exact = np.array([v * 0.5 * math.erfc(-v / math.sqrt(2)) for v in x])
    np.testing.assert_allclose(F.gelu(x), exact, rtol=1e-12, atol=0)


@pytest.mark.parametrize("axis", [-1, 0])
@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (4, 3), (3, 4, 2)])
@pytest.mark.parametrize("log", [False, True])
def test_softmax_and_log_softmax_backward_match_torch(axis, shape, log):
    rng = np.random.default_rng(sum(shape))
    x = rng.standard_normal(shape) * 3
    grad_out = rng.standard_normal(shape)
    xt = torch.tensor(x, requires_grad=True)
    torch_f = torch.log_softmax if log else torch.softmax
    yt = torch_f(xt, dim=axis)
    yt.backward(torch.tensor(grad_out))
    if log:
        y = F.log_softmax(x, axis=axis)
        grad_x = F.log_softmax_backward(grad_out, y, axis=axis)
    else:
        y = F.softmax(x, axis=axis)
        grad_x = F.softmax_backward(grad_out, y, axis=axis)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(grad_x, xt.grad.numpy(), rtol=RTOL, atol=1e-12)
    f = F.log_softmax if log else F.softmax
    numeric = numerical_gradient(lambda: np.sum(f(x, axis=axis) * grad_out), x)
    np.testing.assert_allclose(grad_x, numeric, rtol=RTOL, atol=1e-9)


def test_softmax_rows_sum_to_one_and_logsumexp_matches_torch():
    x = np.random.default_rng(0).standard_normal((5, 7)) * 10
    np.testing.assert_allclose(F.softmax(x).sum(axis=1), np.ones(5), rtol=1e-12)
    np.testing.assert_allclose(F.logsumexp(x, axis=1),
                               torch.logsumexp(torch.tensor(x), dim=1).numpy(), rtol=1e-12)
    assert F.logsumexp(x, axis=0, keepdims=True).shape == (1, 7)


ALL_FUNCTIONS = [(f, kw) for f, _, _, kw in ELEMENTWISE.values()] + [
    (F.step, {}), (F.softmax, {}), (F.log_softmax, {}), (F.logsumexp, {})]
ALL_DERIVATIVES = [(g, kw) for _, g, _, kw in ELEMENTWISE.values()] + [(F.step_grad, {})]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stable_at_plus_minus_1000_without_any_warning(dtype):
    x = np.array([[-1000.0, 1000.0, 0.0, -1000.0]], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        for f, kwargs in ALL_FUNCTIONS + ALL_DERIVATIVES:
            y = f(x, **kwargs)
            assert np.all(np.isfinite(y)), f.__name__
        np.testing.assert_array_equal(F.sigmoid(x), [[0, 1, 0.5, 0]])
        np.testing.assert_array_equal(F.softmax(x), [[0, 1, 0, 0]])
        np.testing.assert_allclose(F.log_softmax(x), [[-2000, 0, -1000, -2000]])
        np.testing.assert_allclose(F.gelu(x), [[0, 1000, 0, 0]], atol=0)
        np.testing.assert_array_equal(F.gelu_grad(x), [[0, 1, 0.5, 0]])
        np.testing.assert_array_equal(F.elu(x), [[-1, 1000, 0, -1]])
        logits = np.array([[1000.0, -1000.0]], dtype=dtype)
        grad = F.log_softmax_backward(np.ones_like(logits), F.log_softmax(logits))
        np.testing.assert_allclose(grad, [[-1, 1]])


@pytest.mark.parametrize("f, kwargs", ALL_FUNCTIONS + ALL_DERIVATIVES)
def test_float32_stays_float32(f, kwargs):
    x = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    assert f(x, **kwargs).dtype == np.float32


def test_integer_input_is_treated_as_float64():
    np.testing.assert_allclose(F.sigmoid(np.array([0, 2])), [0.5, 1 / (1 + math.exp(-2))])
    assert F.relu(np.array([-1, 2])).dtype == np.float64
