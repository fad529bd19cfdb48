"""Each notebook-09 checker accepts a right answer and rejects wrong ones with a hint."""

import numpy as np

from nnlib.exercises import evaluate


def test_09_1_output_size():
    assert evaluate("09.1", lambda n, k, s, p: (n + 2 * p - k) // s + 1)[0] is True
    passed, message = evaluate("09.1", lambda n, k, s, p: (n + p - k) // s + 1)
    assert passed is False and "padding on both sides" in message
    passed, message = evaluate("09.1", lambda n, k, s, p: (n + 2 * p - k) // s)
    assert passed is False and "+ 1" in message
    passed, message = evaluate("09.1", lambda n, k, s, p: (n + 2 * p - k) / s + 1)
    assert passed is False and "whole number" in message


def loops(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def test_09_2_cross_correlation():
    assert evaluate("09.2", loops)[0] is True
    passed, message = evaluate("09.2", lambda image, kernel: loops(image, kernel[::-1, ::-1]))
    assert passed is False and "flipped the kernel" in message
    passed, message = evaluate("09.2", lambda image, kernel: loops(np.pad(image, 1), kernel))
    assert passed is False and "no padding" in message
    passed, message = evaluate("09.2", lambda image, kernel: loops(image, kernel) + 0.1)
    assert passed is False and "wrong values" in message


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


def rf(layers):
    r, jump = 1, 1
    for k, s, d in layers:
        r += d * (k - 1) * jump
        jump *= s
    return r


def test_09_5_receptive_field_dilated():
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
