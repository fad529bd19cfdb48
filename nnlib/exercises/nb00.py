"""Checks for notebook 00 (start here)."""

from __future__ import annotations

import numpy as np

from nnlib.exercises import checker


@checker("00.1")
def weight_shape(answer):
    if tuple(answer) == (784, 128):
        return True, "W maps 784 inputs to 128 outputs, so W has shape (d_in, d_out)"
    if tuple(answer) == (128, 784):
        return False, "that is PyTorch's storage order; in our notation W is (d_in, d_out)"
    return False, "X has shape (N, 784) and X @ W must have shape (N, 128)"


@checker("00.2")
def parameter_count(answer):
    sizes = [784, 128, 10]
    expected = sum(d_in * d_out + d_out for d_in, d_out in zip(sizes, sizes[1:]))
    if int(answer) == expected:
        return True, f"{expected:,} parameters: each layer has d_in*d_out weights + d_out biases"
    without_bias = sum(d_in * d_out for d_in, d_out in zip(sizes, sizes[1:]))
    if int(answer) == without_bias:
        return False, "close: you counted the weights; add one bias per output unit"
    return False, "count d_in*d_out + d_out for each of the two layers and add them"


@checker("00.3")
def sevens_in_test_split(answer):
    from nnlib.data import load_mnist

    _, y = load_mnist("test")
    expected = int(np.sum(y == 7))
    if int(answer) == expected:
        return True, f"{expected} sevens: the split is stratified, 100 images per class"
    return False, "load the test split with load_mnist('test') and count the labels equal to 7"
