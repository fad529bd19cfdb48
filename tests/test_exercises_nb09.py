"""Each notebook-09 checker accepts a right answer and rejects wrong ones with a hint."""

import numpy as np
import torch

from nnlib.exercises import evaluate


def right_sizes(n_out, k, s, p):
    return [n for n in range(1, 400) if n + 2 * p >= k and (n + 2 * p - k) // s + 1 == n_out]


def test_09_1_input_sizes():
    assert right_sizes(3, 3, 2, 0) == [7, 8]                   # the notebook's example
    assert evaluate("09.1", right_sizes)[0] is True
    smallest = lambda n_out, k, s, p: (n_out - 1) * s + k - 2 * p
    assert evaluate("09.1", lambda *a: range(smallest(*a), smallest(*a) + a[2]))[0] is True
    assert evaluate("09.1", lambda *a: np.arange(smallest(*a), smallest(*a) + a[2]))[0] is True
    for n_out, k, s, p in [(3, 3, 2, 0), (14, 3, 2, 1), (112, 7, 2, 3)]:
        for n in right_sizes(n_out, k, s, p):                   # torch agrees
            assert torch.nn.functional.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k),
                                              stride=s, padding=p).shape[-1] == n_out

    passed, message = evaluate("09.1", lambda *a: [smallest(*a)])         # forgets the floor
    assert passed is False and "the floor" in message
    passed, message = evaluate("09.1", smallest)                          # one number
    assert passed is False and "return a list" in message
    passed, message = evaluate("09.1", lambda *a: list(range(smallest(*a), smallest(*a) + a[2]
                                                             + 1)))
    assert passed is False and "one too many" in message
    passed, message = evaluate("09.1", lambda n_out, k, s, p: list(range(
        (n_out - 1) * s + k - p, (n_out - 1) * s + k - p + s)))           # p on one side only
    assert passed is False and "BOTH sides" in message
    passed, message = evaluate("09.1", lambda n_out, k, s, p: list(range(
        n_out * s + k - 2 * p, n_out * s + k - 2 * p + s)))     # n_out steps, not n_out - 1
    assert passed is False and "n_out - 1" in message


def corr2d(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def scatter(grad_out, kernel, assign=False):
    kh, kw = kernel.shape
    grad = np.zeros((grad_out.shape[0] + kh - 1, grad_out.shape[1] + kw - 1))
    for i in range(grad_out.shape[0]):
        for j in range(grad_out.shape[1]):
            if assign:
                grad[i:i + kh, j:j + kw] = grad_out[i, j] * kernel
            else:
                grad[i:i + kh, j:j + kw] += grad_out[i, j] * kernel
    return grad


def test_09_2_corr2d_backward():
    assert evaluate("09.2", scatter)[0] is True
    # the same thing seen as a 'full' cross-correlation with the flipped kernel
    assert evaluate("09.2", lambda g, k: corr2d(np.pad(g, [(k.shape[0] - 1,) * 2,
                                                           (k.shape[1] - 1,) * 2]),
                                                k[::-1, ::-1]))[0] is True

    passed, message = evaluate("09.2", lambda g, k: scatter(g, k[::-1, ::-1]))
    assert passed is False and "flipped" in message
    passed, message = evaluate("09.2", lambda g, k: corr2d(np.pad(g, [(k.shape[0] - 1,) * 2,
                                                                      (k.shape[1] - 1,) * 2]),
                                                           k))          # no flip on this side
    assert passed is False and "flipped" in message
    passed, message = evaluate("09.2", lambda g, k: scatter(g, k, assign=True))
    assert passed is False and "(+=)" in message
    passed, message = evaluate("09.2", lambda g, k: g * k.sum())          # output's shape
    assert passed is False and "(OH + kH - 1, OW + kW - 1)" in message


def test_09_3_conv_parameters():
    assert evaluate("09.3", lambda c_in, c_out, k, bias: c_out * c_in * k * k
                    + (c_out if bias else 0))[0] is True
    passed, message = evaluate("09.3", lambda c_in, c_out, k, bias: c_out * k * k + c_out * bias)
    assert passed is False and "multiply by in_channels" in message
    passed, message = evaluate("09.3", lambda c_in, c_out, k, bias: c_out * c_in * k * k + c_out)
    assert passed is False and "only when bias=True" in message
    passed, message = evaluate("09.3", lambda c_in, c_out, k, bias: c_out * c_in * k + c_out * bias)
    assert passed is False and "k * k weights" in message


def right_pool(x):
    n, c, h, w = x.shape
    x = x[:, :, :h // 2 * 2, :w // 2 * 2]
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def test_09_4_max_pool():
    assert evaluate("09.4", right_pool)[0] is True

    def mean_pool(x):
        n, c, h, w = x.shape
        x = x[:, :, :h // 2 * 2, :w // 2 * 2]
        return x.reshape(n, c, h // 2, 2, w // 2, 2).mean(axis=(3, 5))
    passed, message = evaluate("09.4", mean_pool)
    assert passed is False and "average pooling" in message
    passed, message = evaluate("09.4", lambda x: x[:, :, ::2, ::2])
    assert passed is False and "wrong values" in message  # every other pixel is not a max

    def wrong_axes(x):  # reshapes without keeping the 2 x 2 blocks together
        n, c, h, w = x.shape
        x = x[:, :, :h // 2 * 2, :w // 2 * 2]
        return x.reshape(n, c, 2, h // 2, 2, w // 2).max(axis=(2, 4))
    passed, message = evaluate("09.4", wrong_axes)
    assert passed is False and "wrong values" in message


def test_09_4_loops_are_refused():
    def with_loops(x):  # right values, but a loop over the output pixels
        n, c, h, w = x.shape
        out = np.empty((n, c, h // 2, w // 2))
        for i in range(h // 2):
            for j in range(w // 2):
                out[:, :, i, j] = x[:, :, 2 * i:2 * i + 2, 2 * j:2 * j + 2].max(axis=(2, 3))
        return out
    passed, message = evaluate("09.4", with_loops)
    assert passed is False and "a for loop" in message and "no loops" in message

    def with_comprehension(x):
        n, c, h, w = x.shape
        return np.stack([x[:, :, 2 * i:2 * i + 2, :w // 2 * 2].reshape(n, c, 2, w // 2, 2)
                         .max(axis=(2, 4)) for i in range(h // 2)], axis=2)
    passed, message = evaluate("09.4", with_comprehension)
    assert passed is False and "comprehension" in message


def test_09_4_pooling_libraries_are_refused():
    def with_torch(x):      # right values, but the library does the work
        return torch.nn.functional.max_pool2d(torch.from_numpy(x), 2).numpy()
    passed, message = evaluate("09.4", with_torch)
    assert passed is False and "max_pool2d" in message

    def with_nnlib(x):
        from nnlib.scratch import MaxPool2d
        return MaxPool2d(2)(x)
    passed, message = evaluate("09.4", with_nnlib)
    assert passed is False and "MaxPool2d" in message


def test_09_5_receptive_field_dilated(solved):
    rf = solved("09.5")
    assert evaluate("09.5", rf)[0] is True
    passed, message = evaluate("09.5", lambda layers: rf([(k, s, 1) for k, s, _ in layers]))
    assert passed is False and "dilation is ignored" in message
    passed, message = evaluate("09.5", lambda layers: rf([(k, 1, d) for k, _, d in layers]))
    assert passed is False and "strides are ignored" in message
    passed, message = evaluate("09.5", lambda layers: 1 + sum(d * (k - 1) * s
                                                             for k, s, d in layers))
    assert passed is False and "BEFORE it" in message
    passed, message = evaluate("09.5", lambda layers: sum(k for k, _, _ in layers))
    assert passed is False and "r_l = r_(l-1)" in message
