"""Checks for notebook 03 (multilayer networks)."""

from __future__ import annotations

import numpy as np

from nnlib.exercises import checker


def _expected_count(sizes) -> int:
    return sum(d_in * d_out + d_out for d_in, d_out in zip(sizes, sizes[1:]))


@checker("03.1")
def count_parameters(fn):
    """``fn(sizes)`` -> number of weights and biases of an MLP with those layer sizes."""
    rng = np.random.default_rng(31)
    cases = [[2, 3, 1], [784, 128, 10], [1, 1]] + [
        list(rng.integers(1, 50, size=rng.integers(2, 6))) for _ in range(5)]
    for sizes in cases:
        sizes = [int(s) for s in sizes]
        got, expected = int(fn(list(sizes))), _expected_count(sizes)
        if got != expected:
            weights_only = sum(a * b for a, b in zip(sizes, sizes[1:]))
            if got == weights_only:
                return False, (f"for sizes {sizes} you counted {got}: the weights only; add "
                               "one bias per output unit of each layer")
            return False, (f"for sizes {sizes} expected {expected}, got {got}: each layer "
                           "(d_in -> d_out) has d_in*d_out weights and d_out biases")
    return True, "every layer contributes d_in*d_out + d_out parameters"


@checker("03.2")
def mlp_forward(fn):
    """``fn(X, params)`` with params = [(W1, b1), ...]: tanh between layers, none at the end."""
    from nnlib.widgets.mlp import build_mlp

    rng = np.random.default_rng(32)
    for sizes in ([3, 5, 2], [4, 6, 6, 1], [2, 1]):
        model = build_mlp(sizes, "tanh", rng=rng)
        linears = [layer for layer in model if hasattr(layer, "weight")]
        params = [(lin.weight.data.copy(), lin.bias.data.copy()) for lin in linears]
        X = rng.normal(size=(7, sizes[0]))
        expected = model(X)
        got = np.asarray(fn(X.copy(), params))
        if got.shape != expected.shape:
            return False, (f"for layer sizes {sizes} and X of shape {X.shape} the output must "
                           f"have shape {expected.shape}, got {got.shape}")
        if np.allclose(got, np.tanh(expected)):
            return False, "no activation after the last layer: it outputs raw scores"
        if not np.allclose(got, expected):
            return False, (f"wrong values for layer sizes {sizes}: compute H = tanh(H @ W + b) "
                           "for every layer but the last, then H @ W + b")
    return True, "your forward pass matches nnlib's Sequential on random networks"


@checker("03.3")
def xnor_weights(answer):
    """``(W1, b1, W2, b2)`` of a step-activation network computing XNOR."""
    from nnlib.data import logic_gate

    if not (isinstance(answer, (tuple, list)) and len(answer) == 4):
        return False, "answer a tuple of four arrays (W1, b1, W2, b2)"
    W1, b1, W2, b2 = (np.asarray(a, dtype=np.float64) for a in answer)
    X, y = logic_gate("XNOR")
    if W1.ndim != 2 or W1.shape[0] != 2:
        return False, f"W1 must have shape (2, hidden), got {W1.shape}"
    H = (X @ W1 + b1 > 0).astype(np.float64)          # (4, hidden)
    out = (H @ W2.reshape(H.shape[1], -1) + b2 > 0).astype(int).ravel()
    if out.shape != y.shape:
        return False, f"the network must give one output per input, got shape {out.shape}"
    if np.array_equal(out, y):
        return True, "XNOR = NOT XOR: e.g. hidden OR and AND units, output fires unless OR xor AND"
    if np.array_equal(out, 1 - y):
        return False, "that computes XOR; flip the output unit (negate W2 and b2)"
    wrong = [tuple(int(v) for v in X[i]) for i in np.flatnonzero(out != y)]
    return False, f"wrong output for inputs {wrong}; XNOR is 1 for 00 and 11"


@checker("03.4")
def copy_to_torch(fn):
    """``fn(layer, torch_layer)`` copies an nnlib Linear's weights into a torch.nn.Linear."""
    import torch

    from nnlib.scratch import Linear

    rng = np.random.default_rng(34)
    # the square layer first: copying W untransposed then fails by value, not by shape
    for d_in, d_out in ((4, 4), (3, 5), (1, 2)):
        layer = Linear(d_in, d_out, rng=rng, dtype=np.float64)
        torch_layer = torch.nn.Linear(d_in, d_out, dtype=torch.float64)
        try:
            fn(layer, torch_layer)
        except RuntimeError as exc:
            if "leaf Variable" in str(exc):
                return False, ("torch refuses in-place changes of a parameter that requires "
                               "grad: do the copy inside `with torch.no_grad():`")
            if "size" in str(exc):
                return False, (f"shape mismatch for Linear({d_in}, {d_out}): our W is "
                               f"(d_in, d_out) = {layer.weight.data.shape}, torch's weight is "
                               f"(d_out, d_in) = {tuple(torch_layer.weight.shape)}: copy W.T")
            raise
        X = rng.normal(size=(6, d_in))
        got = torch_layer(torch.from_numpy(X)).detach().numpy()
        if not np.allclose(got, layer(X)):
            weight = torch_layer.weight.detach().numpy()
            if not np.allclose(weight, layer.weight.data.T):
                return False, (f"for Linear({d_in}, {d_out}) torch's weight differs from W.T: "
                               "torch stores weight as (d_out, d_in), so copy the transpose")
            return False, "the weights match but the outputs differ: copy the bias too"
    return True, "torch's weight is our W transposed; the bias is the same"


@checker("03.5")
def count_orderings(fn):
    """``fn(hidden)`` -> product of the factorials of the hidden widths."""
    import math

    cases = [[4], [2], [1], [8, 3], [3, 3, 2], [5, 1, 4]]
    for hidden in cases:
        expected = math.prod(math.factorial(h) for h in hidden)
        got = int(fn(list(hidden)))
        if got == expected:
            continue
        if got == math.factorial(sum(hidden)):
            return False, (f"for widths {hidden}: units cannot move between layers, so count the "
                           "orderings of each layer separately and multiply")
        if got == sum(math.factorial(h) for h in hidden):
            return False, (f"for widths {hidden}: each layer's order can be combined with every "
                           "order of the others: multiply, do not add")
        if got == expected - 1:
            return False, "count the original ordering too"
        return False, (f"for widths {hidden} expected {expected}, got {got}: a layer of h units "
                       "can be ordered in h! ways")
    return True, ("h1! · h2! · ...: already 8! · 3! = 241,920 equivalent weight vectors for widths "
                  "[8, 3], each a minimum if one of them is")
