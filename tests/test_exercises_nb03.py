"""Notebook 03's checkers accept right answers and reject wrong ones with a hint."""

import numpy as np
import torch

from nnlib.exercises import evaluate


def right_count(sizes):
    return sum(a * b + b for a, b in zip(sizes, sizes[1:]))


def test_03_1_parameter_count():
    assert evaluate("03.1", right_count)[0] is True
    passed, message = evaluate("03.1", lambda s: sum(a * b for a, b in zip(s, s[1:])))
    assert passed is False and "add one bias" in message
    passed, message = evaluate("03.1", lambda s: sum(s))
    assert passed is False and "d_in*d_out weights and d_out biases" in message


def right_forward(X, params):
    H = X
    for i, (W, b) in enumerate(params):
        H = H @ W + b
        if i < len(params) - 1:
            H = np.tanh(H)
    return H


def test_03_2_forward_pass():
    assert evaluate("03.2", right_forward)[0] is True
    passed, message = evaluate("03.2", lambda X, p: np.tanh(right_forward(X, p)))
    assert passed is False and "no activation after the last layer" in message
    passed, message = evaluate("03.2", lambda X, p: right_forward(X, p)[:, :1])
    assert passed is False and "must have shape" in message

    def relu_forward(X, params):
        H = X
        for W, b in params[:-1]:
            H = np.maximum(H @ W + b, 0)
        return H @ params[-1][0] + params[-1][1]
    passed, message = evaluate("03.2", relu_forward)
    assert passed is False and "wrong values" in message


OR_AND = (np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([-0.5, -1.5]))


def test_03_3_xnor_by_hand():
    W1, b1 = OR_AND
    assert evaluate("03.3", (W1, b1, np.array([-1.0, 1.0]), 0.5))[0] is True
    passed, message = evaluate("03.3", (W1, b1, np.array([1.0, -1.0]), -0.5))  # XOR
    assert passed is False and "that computes XOR" in message
    passed, message = evaluate("03.3", (W1, b1, np.array([1.0, 1.0]), -0.5))   # OR
    assert passed is False and "wrong output for inputs" in message
    passed, message = evaluate("03.3", (W1, b1, np.array([-1.0, 1.0])))        # b2 missing
    assert passed is False and "four arrays" in message


def test_03_4_copy_to_torch():
    def right(layer, torch_layer):
        with torch.no_grad():
            torch_layer.weight.copy_(torch.from_numpy(layer.weight.data.T))
            torch_layer.bias.copy_(torch.from_numpy(layer.bias.data))

    def no_transpose(layer, torch_layer):
        with torch.no_grad():
            torch_layer.weight.copy_(torch.from_numpy(layer.weight.data.reshape(
                torch_layer.weight.shape)))
            torch_layer.bias.copy_(torch.from_numpy(layer.bias.data))

    assert evaluate("03.4", right)[0] is True
    passed, message = evaluate("03.4", no_transpose)
    assert passed is False and "transpose" in message
    passed, message = evaluate("03.4", lambda layer, torch_layer: None)
    assert passed is False and "copy the transpose" in message

    def forgets_bias(layer, torch_layer):
        with torch.no_grad():
            torch_layer.weight.copy_(torch.from_numpy(layer.weight.data.T))
    passed, message = evaluate("03.4", forgets_bias)
    assert passed is False and "copy the bias" in message

    def without_no_grad(layer, torch_layer):
        torch_layer.weight.copy_(torch.from_numpy(layer.weight.data.T))
        torch_layer.bias.copy_(torch.from_numpy(layer.bias.data))
    passed, message = evaluate("03.4", without_no_grad)
    assert passed is False and "torch.no_grad()" in message

    def untransposed_when_not_square(layer, torch_layer):
        W = layer.weight.data
        with torch.no_grad():
            torch_layer.weight.copy_(torch.from_numpy(W.T if W.shape[0] == W.shape[1] else W))
            torch_layer.bias.copy_(torch.from_numpy(layer.bias.data))
    passed, message = evaluate("03.4", untransposed_when_not_square)
    assert passed is False and "shape mismatch" in message and "copy W.T" in message


def test_03_5_count_orderings():
    import math

    right = lambda hidden: math.prod(math.factorial(h) for h in hidden)
    assert evaluate("03.5", right)[0] is True
    passed, message = evaluate("03.5", lambda hidden: math.factorial(sum(hidden)))
    assert passed is False and "cannot move between layers" in message
    passed, message = evaluate("03.5", lambda hidden: sum(math.factorial(h) for h in hidden))
    assert passed is False and "multiply, do not add" in message
    passed, message = evaluate("03.5", lambda hidden: right(hidden) - 1)
    assert passed is False and "original ordering too" in message
    passed, message = evaluate("03.5", lambda hidden: math.prod(hidden))
    assert passed is False and "h! ways" in message
