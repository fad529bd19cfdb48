"""Conv2d, MaxPool2d, AvgPool2d and im2col vs torch (float64) and finite differences."""

import numpy as np
import pytest
import torch

import nnlib.scratch as S
from nnlib.scratch import NotForwardedError, ShapeError

RTOL = 1e-6

# batch, in_channels, out_channels, (H, W), kernel, stride, padding
CONV_CASES = [
    (1, 1, 1, (5, 5), 3, 1, 0),             # batch 1, one channel
    (2, 3, 4, (7, 6), 3, 2, 1),             # stride 2, padding, non-square image
    (3, 2, 5, (6, 8), (2, 3), 1, 0),        # non-square kernel
    (2, 2, 3, (9, 7), (3, 1), (2, 1), (1, 0)),  # per-axis stride and padding
    (1, 4, 2, (4, 4), 4, 1, 2),             # kernel as large as the image, wide padding
    (2, 1, 6, (8, 8), 5, 1, 2),             # LeNet's first layer, smaller image
    (2, 3, 2, (7, 7), 3, 3, 0),             # stride equal to the kernel: no overlap
]


def close(ours, theirs):
    if isinstance(theirs, torch.Tensor):
        theirs = theirs.detach().numpy()
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=1e-12)


def run_both(layer, torch_layer, x, seed=0):
    """Forward and backward with the same random grad_out on both sides."""
    xt = torch.tensor(x, requires_grad=True)
    yt = torch_layer(xt)
    grad_out = np.random.default_rng(seed + 100).standard_normal(tuple(yt.shape))
    yt.backward(torch.tensor(grad_out))
    layer.zero_grad()
    y = layer(x)
    assert y.shape == tuple(yt.shape)
    close(y, yt)
    close(layer.backward(grad_out), xt.grad)


@pytest.mark.parametrize("n, c, f, hw, k, s, p", CONV_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_matches_torch(n, c, f, hw, k, s, p, bias):
    torch.manual_seed(n * 10 + c)
    torch_layer = torch.nn.Conv2d(c, f, k, stride=s, padding=p, bias=bias, dtype=torch.float64)
    layer = S.Conv2d.from_torch(torch_layer)
    assert layer.weight.shape == tuple(torch_layer.weight.shape)  # same layout as torch
    x = np.random.default_rng(n + c).standard_normal((n, c, *hw))
    run_both(layer, torch_layer, x)
    close(layer.weight.grad, torch_layer.weight.grad)
    if bias:
        close(layer.bias.grad, torch_layer.bias.grad)
    else:
        assert layer.bias is None and len(layer.parameters()) == 1


@pytest.mark.parametrize("n, c, f, hw, k, s, p", CONV_CASES[:5])
def test_conv2d_gradients_match_finite_differences(n, c, f, hw, k, s, p):
    layer = S.Conv2d(c, f, k, stride=s, padding=p, rng=n + c, dtype=np.float64)
    x = np.random.default_rng(7).standard_normal((n, c, *hw))
    report = S.gradcheck(layer, x)
    assert set(report.errors) == {"input", "weight", "bias"}


def test_conv2d_functional_matches_torch_and_the_layer():
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 3, 8, 7)), rng.standard_normal((4, 3, 3, 2)), \
        rng.standard_normal(4)
    expected = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b),
                                          stride=(2, 1), padding=1)
    close(S.conv2d(x, w, b, stride=(2, 1), padding=1), expected)
    layer = S.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=1, dtype=np.float64)
    layer.weight.data[...], layer.bias.data[...] = w, b
    close(layer(x), expected)


def test_conv2d_accumulates_gradients_until_zero_grad():
    layer = S.Conv2d(2, 3, 3, rng=0, dtype=np.float64)
    x = np.random.default_rng(0).standard_normal((2, 2, 5, 5))
    g = np.random.default_rng(1).standard_normal((2, 3, 3, 3))
    layer(x)
    layer.backward(g)
    once = layer.weight.grad.copy()
    layer(x)
    layer.backward(g)
    close(layer.weight.grad, 2 * once)
    layer.zero_grad()
    assert not layer.weight.grad.any()


def test_conv2d_float32_default_init_bounds_and_torch_round_trip():
    layer = S.Conv2d(3, 8, 5, rng=0)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    bound = 1 / np.sqrt(3 * 5 * 5)  # torch's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    assert np.abs(layer.weight.data).max() <= bound and np.abs(layer.weight.data).max() > bound / 2
    np.testing.assert_array_equal(S.Conv2d(3, 8, 5, rng=0).weight.data, layer.weight.data)
    x = np.random.default_rng(1).standard_normal((2, 3, 9, 9))  # float64 in, float32 out
    y = layer(x)
    assert y.dtype == np.float32
    torch_layer = layer.to_torch()
    np.testing.assert_allclose(y, torch_layer(torch.tensor(x, dtype=torch.float32)).detach(),
                               rtol=1e-5, atol=1e-5)
    back = S.Conv2d.from_torch(torch_layer)
    np.testing.assert_array_equal(back.weight.data, layer.weight.data)
    assert repr(S.Conv2d(1, 6, 5, padding=2)) == "Conv2d(1, 6, kernel_size=5, padding=2)"
    assert repr(S.Conv2d(1, 6, (3, 1), stride=2, bias=False)) == \
        "Conv2d(1, 6, kernel_size=(3, 1), stride=2, bias=False)"


# -- pooling ---------------------------------------------------------------------------------
POOL_CASES = [
    (1, 1, (4, 4), 2, None),      # batch 1, the usual 2x2
    (2, 3, (7, 8), 2, None),      # odd size: the last row is dropped (floor)
    (2, 2, (7, 7), 3, 2),         # overlapping windows
    (3, 2, (6, 9), (2, 3), 1),    # non-square window, stride 1
    (2, 1, (9, 6), (3, 2), (2, 1)),
]


@pytest.mark.parametrize("n, c, hw, k, s", POOL_CASES)
@pytest.mark.parametrize("ours, theirs", [(S.MaxPool2d, torch.nn.MaxPool2d),
                                          (S.AvgPool2d, torch.nn.AvgPool2d)])
def test_pooling_matches_torch_and_finite_differences(n, c, hw, k, s, ours, theirs):
    x = np.random.default_rng(n * c).standard_normal((n, c, *hw))
    layer = ours(k, s)
    run_both(layer, theirs(k, s), x)
    assert layer.parameters() == []
    S.gradcheck(layer, x)


def test_max_pool_sends_the_gradient_to_the_max_only():
    x = np.array([[[[1.0, 5.0, 2.0, 0.0],
                    [3.0, 4.0, 9.0, 1.0]]]])
    pool = S.MaxPool2d(2)
    np.testing.assert_array_equal(pool(x), [[[[5.0, 9.0]]]])
    np.testing.assert_array_equal(pool.backward(np.array([[[[10.0, 20.0]]]])),
                                  [[[[0, 10, 0, 0], [0, 0, 20, 0]]]])


def test_max_pool_ties_go_to_the_first_position_like_torch():
    x = np.zeros((1, 1, 4, 4))
    xt = torch.tensor(x, requires_grad=True)
    torch.nn.MaxPool2d(2)(xt).sum().backward()
    pool = S.MaxPool2d(2)
    pool(x)
    np.testing.assert_array_equal(pool.backward(np.ones((1, 1, 2, 2))), xt.grad.numpy())


# -- im2col and output sizes -------------------------------------------------------------------
def test_im2col_rows_are_the_patches_and_col2im_is_its_adjoint():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 6, 5))
    k, s, p = (3, 2), (2, 1), (1, 0)
    cols = S.im2col(x, k, s, p)
    oh, ow = S.conv_output_size(6, 3, 2, 1), S.conv_output_size(5, 2, 1, 0)
    assert cols.shape == (2 * oh * ow, 3 * 3 * 2)
    x_pad = np.pad(x, ((0, 0), (0, 0), (1, 1), (0, 0)))
    for n, i, j in [(0, 0, 0), (1, oh - 1, ow - 1), (1, 1, 2)]:
        patch = x_pad[n, :, i * 2:i * 2 + 3, j:j + 2]
        np.testing.assert_array_equal(cols[(n * oh + i) * ow + j], patch.ravel())
    # <im2col(x), C> == <x, col2im(C)>: col2im is the transpose, hence im2col's gradient
    c = rng.standard_normal(cols.shape)
    back = S.col2im(c, x.shape, k, s, p)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.sum(cols * c), np.sum(x * back), rtol=1e-12)


@pytest.mark.parametrize("n, k, s, p", [(28, 5, 1, 0), (28, 5, 1, 2), (7, 3, 2, 1),
                                        (8, 3, 3, 0), (5, 5, 1, 0), (10, 4, 2, 1)])
def test_conv_output_size_matches_torch(n, k, s, p):
    out = torch.nn.functional.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k),
                                     stride=s, padding=p)
    assert S.conv_output_size(n, k, s, p) == out.shape[-1]


def test_small_cnn_in_sequential_matches_torch():
    torch.manual_seed(0)
    net_t = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(),
                                torch.nn.MaxPool2d(2), torch.nn.Conv2d(4, 6, 3),
                                torch.nn.ReLU(), torch.nn.AvgPool2d(2), torch.nn.Flatten(),
                                torch.nn.Linear(6, 3)).double()
    net = S.Sequential(S.Conv2d.from_torch(net_t[0]), S.ReLU(), S.MaxPool2d(2),
                       S.Conv2d.from_torch(net_t[3]), S.ReLU(), S.AvgPool2d(2), S.Flatten(),
                       S.Linear.from_torch(net_t[7]))
    x = np.random.default_rng(0).standard_normal((3, 1, 8, 8))
    run_both(net, net_t, x)
    close(net[0].weight.grad, net_t[0].weight.grad)
    close(net[3].bias.grad, net_t[3].bias.grad)


# -- mistakes get clear messages ---------------------------------------------------------------
@pytest.mark.parametrize("x_shape, words", [
    ((28, 28), ["(N, 1, H, W)", "got shape (28, 28)", "x[None, None]"]),
    ((4, 784), ["(N, 1, H, W)", "(4, 784)", "reshape(-1, 1, 28, 28)"]),
    ((4, 28, 28), ["(N, 1, H, W)", "(4, 28, 28)", "x[:, None]"]),
    ((2, 3, 28, 28), ["1 channel", "got shape (2, 3, 28, 28)"]),
    ((2, 28, 28, 1), ["channels last", "transpose(0, 3, 1, 2)"]),
    ((2, 1, 3, 3), ["3 x 3", "smaller than the kernel 5 x 5"]),
])
def test_conv2d_wrong_input_says_what_was_expected(x_shape, words):
    layer = S.Conv2d(1, 6, 5)
    with pytest.raises(ShapeError) as info:
        layer(np.zeros(x_shape))
    for word in words:
        assert word in str(info.value)
    assert "Conv2d(1, 6, kernel_size=5)" in str(info.value)


def test_pool_errors_and_backward_before_forward():
    with pytest.raises(ShapeError, match=r"smaller than the kernel 2 x 2"):
        S.MaxPool2d(2)(np.zeros((1, 1, 1, 5)))
    with pytest.raises(ShapeError, match=r"expected input of shape \(N, C, H, W\)"):
        S.AvgPool2d(2)(np.zeros((5, 5)))
    for layer in (S.Conv2d(1, 2, 3), S.MaxPool2d(2), S.AvgPool2d(2)):
        with pytest.raises(NotForwardedError, match="call forward"):
            layer.backward(np.zeros((1, 2, 2, 2)))


def test_bad_arguments_nan_and_wrong_grad_shape():
    with pytest.raises(ValueError, match="kernel_size must be an int >= 1 or a pair"):
        S.Conv2d(1, 2, 0)
    with pytest.raises(ValueError, match="padding must be an int >= 0"):
        S.Conv2d(1, 2, 3, padding=-1)
    with pytest.raises(ValueError, match="stride must be an int >= 1 or a pair"):
        S.MaxPool2d(2, stride=(1, 2, 3))
    layer = S.Conv2d(1, 2, 3)
    x = np.zeros((1, 1, 5, 5))
    x[0, 0, 2, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        layer(x)
    layer(np.zeros((1, 1, 5, 5)))
    with pytest.raises(ShapeError, match=r"expected grad_out of shape \(1, 2, 3, 3\)"):
        layer.backward(np.zeros((1, 2, 5, 5)))
    with pytest.raises(ShapeError, match="expected weight of shape"):
        S.conv2d(np.zeros((1, 1, 5, 5)), np.zeros((3, 3)))
