"""Worked solutions for notebook 09 (convolutional networks). Format: see ``nb00.py``."""

from __future__ import annotations

from nnlib.solutions import solution


@solution("09.1")
def input_sizes():
    """Section 3's formula n_out = floor((n + 2p - k) / s) + 1 rounds down, so several n can
    give the same n_out. The smallest n makes the last window end exactly at the last pixel:
    (n_out - 1) s + k - 2p; each of the next s - 1 sizes only adds pixels that no window
    reaches. Rather than trusting that, try every candidate size with the forward formula and
    keep those that give n_out: n never needs to exceed n_out * s + k."""
    def output_size(n, k, s, p):
        return (n + 2 * p - k) // s + 1

    def input_sizes(n_out, kernel_size, stride, padding):
        sizes = []
        for n in range(1, n_out * stride + kernel_size + 1):
            if n + 2 * padding >= kernel_size and \
                    output_size(n, kernel_size, stride, padding) == n_out:
                sizes.append(n)
        return sizes

    assert input_sizes(3, 3, 2, 0) == [7, 8]
    return input_sizes


@solution("09.2")
def corr2d_backward():
    """out[i, j] = sum_{a, b} image[i + a, j + b] * kernel[a, b]: the window at (i, j) used
    the pixels image[i:i+kH, j:j+kW] with the weights kernel. So d out[i, j] / d image[i+a,
    j+b] = kernel[a, b], and the chain rule sends grad_out[i, j] * kernel back into that
    window. Windows overlap, and a pixel used by several windows gets the SUM of their
    contributions: scatter-add (+=) each window. (This is a "full" convolution of grad_out
    with the kernel, the transposed convolution.)"""
    import numpy as np

    def corr2d_backward(grad_out, kernel):
        OH, OW = grad_out.shape
        kH, kW = kernel.shape
        grad_image = np.zeros((OH + kH - 1, OW + kW - 1))
        for i in range(OH):
            for j in range(OW):
                grad_image[i:i + kH, j:j + kW] += grad_out[i, j] * kernel
        return grad_image

    return corr2d_backward


@solution("09.3")
def conv_parameters():
    """The weight tensor is (out_channels, in_channels, k, k): every output channel has one
    k x k kernel per input channel. The bias adds one number per output channel, only when
    bias=True. The image size does not appear: the same weights slide everywhere."""
    def conv_parameters(in_channels, out_channels, kernel_size, bias):
        weights = out_channels * in_channels * kernel_size * kernel_size
        return weights + (out_channels if bias else 0)

    return conv_parameters


@solution("09.4")
def max_pool_2x2():
    """Drop an odd last row and column (2 x 2 pooling ignores them), then reshape
    (N, C, H, W) to (N, C, H//2, 2, W//2, 2): axes 3 and 5 index the position inside each
    2 x 2 block. One max over those two axes pools every block at once, with no loop."""
    def max_pool_2x2(x):
        N, C, H, W = x.shape
        x = x[:, :, :H // 2 * 2, :W // 2 * 2]
        blocks = x.reshape(N, C, H // 2, 2, W // 2, 2)
        return blocks.max(axis=(3, 5))

    return max_pool_2x2


@solution("09.5")
def receptive_field():
    """Section 5 tracks two numbers from the input up: r, the receptive field, and j, the
    jump (how many input pixels one step of the current layer moves). A layer with kernel k
    and dilation d spans d (k - 1) + 1 positions of its input, so it grows r by d (k - 1)
    steps of the current jump; its stride then multiplies the jump. WaveNet's pattern
    [(3, 1, 1), (3, 1, 2), (3, 1, 4)] gives 1 + 2 + 4 + 8 = 15."""
    def receptive_field(layers):
        r, jump = 1, 1
        for kernel, stride, dilation in layers:
            r += dilation * (kernel - 1) * jump
            jump *= stride
        return r

    assert receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)]) == 15
    return receptive_field
