"""Worked solutions for notebook 03 (multilayer networks). Format: see ``nb00.py``."""

from __future__ import annotations

from nnlib.solutions import solution


@solution("03.1")
def count_parameters():
    """Neighbouring sizes form the layers: zip(sizes, sizes[1:]) gives each (d_in, d_out).
    A layer has d_in * d_out weights and d_out biases. For [3, 4, 4, 2]:
    (12 + 4) + (16 + 4) + (8 + 2) = 46."""
    def count_parameters(sizes):
        return sum(d_in * d_out + d_out for d_in, d_out in zip(sizes, sizes[1:]))

    return count_parameters


@solution("03.2")
def mlp_forward():
    """Section 2's loop: H = tanh(H @ W + b) for every layer but the last, whose raw
    scores are the output (no activation there). Enumerate the layers to know which one is
    last."""
    import numpy as np

    def mlp_forward(X, params):
        H = X                                     # (N, d_0)
        for i, (W, b) in enumerate(params):
            Z = H @ W + b                         # (N, d_out)
            H = np.tanh(Z) if i < len(params) - 1 else Z
        return H

    return mlp_forward


@solution("03.3")
def xnor_weights():
    """XNOR is NOT XOR. Section 4 built XOR from two hidden step units, OR and AND:
    XOR = OR and not AND, i.e. output = step(h_or - h_and - 0.5). Negating the output unit's
    weights and bias flips every output: step(-h_or + h_and + 0.5) is 1 when OR and AND
    agree, which happens exactly for 00 (both 0) and 11 (both 1)."""
    import numpy as np

    from nnlib.data import logic_gate

    W1 = np.array([[1.0, 1.0],      # column 0: OR, column 1: AND
                   [1.0, 1.0]])
    b1 = np.array([-0.5, -1.5])
    W2 = np.array([[-1.0], [1.0]])  # XOR's output weights (1, -1), negated
    b2 = np.array([0.5])            # XOR's -0.5, negated
    X, y = logic_gate("XNOR")
    hidden = (X @ W1 + b1 > 0).astype(float)
    output = (hidden @ W2 + b2 > 0).astype(int).ravel()
    assert np.array_equal(output, y)     # 1, 0, 0, 1
    xnor_weights = (W1, b1, W2, b2)
    return xnor_weights


@solution("03.4")
def copy_to_torch():
    """torch.nn.Linear stores its weight as (d_out, d_in), ours is (d_in, d_out): copy the
    transpose. The bias has the same shape in both. Parameters that require grad may not be
    changed in place while autograd records, hence torch.no_grad()."""
    import torch

    def copy_to_torch(layer, torch_layer):
        with torch.no_grad():
            torch_layer.weight.copy_(torch.from_numpy(layer.weight.data.T))
            torch_layer.bias.copy_(torch.from_numpy(layer.bias.data))

    return copy_to_torch


@solution("03.5")
def count_orderings():
    """A layer of h units can be put in h! orders (h choices for the first place, h - 1 for
    the second, ...). Units stay in their own layer and every layer's order combines with
    every order of the others, so multiply: h1! * h2! * ... The original order is one of them."""
    import math

    def count_orderings(hidden):
        return math.prod(math.factorial(h) for h in hidden)

    return count_orderings
