"""Checks for notebook 04 (backpropagation)."""

from __future__ import annotations

import numpy as np

from nnlib.exercises import checker


@checker("04.1")
def linear_backward(fn):
    """``fn(X, W, dY)`` -> ``(dX, dW, db)`` for Y = X @ W + b."""
    from nnlib.scratch import Linear

    rng = np.random.default_rng(41)
    for n, d_in, d_out in ((5, 3, 4), (2, 6, 1), (7, 4, 4)):
        layer = Linear(d_in, d_out, rng=rng, dtype=np.float64)
        X, dY = rng.normal(size=(n, d_in)), rng.normal(size=(n, d_out))
        layer(X)
        dX = layer.backward(dY)
        try:
            got = fn(X.copy(), layer.weight.data.copy(), dY.copy())
        except ValueError as exc:  # typically a matmul with the wrong orientation
            return False, (f"your function raised ValueError ({exc}) for X {X.shape}, "
                           f"W {(d_in, d_out)}, dY {dY.shape}: write the shape of each "
                           "product, e.g. dX (N, d_in) = dY (N, d_out) @ W.T (d_out, d_in)")
        if not isinstance(got, tuple) or len(got) != 3:
            return False, "return a tuple (dX, dW, db)"
        for name, value, expected in zip(("dX", "dW", "db"), got, (dX, layer.weight.grad,
                                                                   layer.bias.grad)):
            value = np.asarray(value)
            if value.shape != expected.shape:
                return False, (f"{name} must have the shape of {name[1:]}, {expected.shape}, "
                               f"got {value.shape} (N={n}, d_in={d_in}, d_out={d_out})")
            if not np.allclose(value, expected):
                hint = {"dX": "dX = dY @ W.T", "dW": "dW = X.T @ dY",
                        "db": "db = dY.sum(axis=0)"}[name]
                return False, f"{name} has the right shape but wrong values: {hint}"
    return True, "dX = dY Wᵀ, dW = Xᵀ dY, db = Σ over the batch of dY"


@checker("04.2")
def numerical_gradient(fn):
    """``fn(f, x)`` -> centred finite-difference gradient of the scalar f at x."""
    rng = np.random.default_rng(42)
    x = rng.normal(size=(3, 4))
    original = x.copy()

    def f(v):
        return float(np.sum(np.sin(v) * v**2))

    got = np.asarray(fn(f, x), dtype=np.float64)
    expected = np.cos(original) * original**2 + 2 * original * np.sin(original)
    if not np.array_equal(x, original):
        return False, "your function changed x: restore each entry after nudging it"
    if got.shape != x.shape:
        return False, f"the gradient must have x's shape {x.shape}, got {got.shape}"
    error = float(np.max(np.abs(got - expected)))
    if error < 1e-7:
        return True, f"max error {error:.1e}: the centred difference is accurate to O(eps²)"
    if error < 1e-3:
        return False, (f"close (max error {error:.1e}) but not accurate enough: use the "
                       "centred difference (f(x+eps) - f(x-eps)) / (2 eps), not a one-sided one")
    return False, f"max error {error:.2g}: nudge one entry at a time by ±eps, in float64"


@checker("04.3")
def bce_logits_grad(fn):
    """``fn(z, y)`` -> dL/dz of the mean sigmoid + binary cross-entropy over N scores."""
    from nnlib.scratch import BCEWithLogitsLoss

    rng = np.random.default_rng(43)
    z = rng.normal(scale=3, size=(8, 1))
    y = rng.integers(0, 2, size=(8, 1)).astype(np.float64)
    loss = BCEWithLogitsLoss()
    loss(z, y)
    expected = loss.backward()
    got = np.asarray(fn(z.copy(), y.copy()), dtype=np.float64)
    if got.shape != z.shape:
        return False, f"the gradient must have z's shape {z.shape}, got {got.shape}"
    if np.allclose(got, expected * len(z)):
        return False, "right up to a factor N: the loss is a mean over the batch, divide by N"
    if np.allclose(got, -expected):
        return False, "wrong sign: it is sigmoid(z) - y, prediction minus target"
    if not np.allclose(got, expected):
        return False, "expected (sigmoid(z) - y) / N"
    return True, "the sigmoid's derivative cancels the cross-entropy's 1/(a(1-a)): A - Y"


@checker("04.4")
def chain_rule_by_hand(answer):
    """Gradients of L = (a*b + c)**2 at a=2, b=-3, c=4, as {"a": .., "b": .., "c": ..}."""
    a, b, c = 2.0, -3.0, 4.0
    u = a * b + c
    expected = {"a": 2 * u * b, "b": 2 * u * a, "c": 2 * u}
    if not isinstance(answer, dict) or set(answer) != set(expected):
        return False, 'answer with a dict {"a": dL/da, "b": dL/db, "c": dL/dc}'
    wrong = [k for k in expected if not np.isclose(float(answer[k]), expected[k])]
    if not wrong:
        return True, "dL/du = 2u = -4 flows back: times b for a, times a for b, times 1 for c"
    if all(np.isclose(float(answer[k]), -expected[k]) for k in expected):
        return False, "all signs are flipped: u = a*b + c = -2, so dL/du = 2u = -4"
    return False, (f"check {', '.join(wrong)}: first compute u = a*b + c and dL/du = 2u, "
                   "then multiply by the local derivative of u")


@checker("04.5")
def softmax_backward(fn):
    """``fn(P, dP)`` -> dZ = P * (dP - sum(dP * P, axis=1)), checked against torch.autograd."""
    import torch

    rng = np.random.default_rng(45)
    for n, c in ((4, 3), (2, 6), (5, 5)):
        Z = rng.normal(scale=1.5, size=(n, c))
        dP = rng.normal(size=(n, c))
        zt = torch.tensor(Z, requires_grad=True)
        torch.softmax(zt, dim=1).backward(torch.from_numpy(dP))
        expected = zt.grad.numpy()
        P = torch.softmax(torch.from_numpy(Z), dim=1).numpy()
        got = np.asarray(fn(P.copy(), dP.copy()), dtype=float)
        if got.shape != Z.shape:
            return False, f"dZ has the shape of Z, {Z.shape}, got {got.shape}"
        if np.allclose(got, expected):
            continue
        if np.allclose(got, dP * P * (1 - P)):
            return False, ("that uses only the diagonal p_i (1 - p_i) of the Jacobian; softmax "
                           "mixes its inputs, so the - p_i p_j terms count too")
        if np.allclose(got, P * (dP - np.sum(dP * P, axis=0, keepdims=True))):
            return False, "the sum runs over the classes of each row: axis=1, keepdims=True"
        if np.allclose(got, dP - np.sum(dP * P, axis=1, keepdims=True)):
            return False, "close: multiply by P as well, dZ_i = p_i (dP_i - sum_j dP_j p_j)"
        return False, ("for one row, (J^T dp)_i = sum_k dp_k p_k (delta_ki - p_i) = "
                       "p_i (dp_i - sum_k dp_k p_k)")
    return True, ("dZ = P ⊙ (dP - Σ_j dP_j P_j): a C×C Jacobian is never formed, so the cost is "
                  "O(C) per row, not O(C²)")


@checker("04.6")
def relu_mlp_grads(fn):
    """``fn(X, Y, params)`` -> [(dW, db), ...] of a ReLU MLP with nnlib's MSELoss."""
    from nnlib.scratch import Linear, MSELoss
    from nnlib.widgets.mlp import build_mlp

    rng = np.random.default_rng(46)
    for sizes in ([2, 4, 4, 3], [3, 5, 2], [4, 6, 1]):  # d_out = 3 first: factors 2, 3 differ
        model = build_mlp(sizes, "relu", rng=rng)
        linears = [m for m in model if isinstance(m, Linear)]
        params = [(m.weight.data.copy(), m.bias.data.copy()) for m in linears]
        X = rng.normal(size=(7, sizes[0]))
        Y = rng.normal(size=(7, sizes[-1]))
        loss = MSELoss()
        model.zero_grad()
        loss(model(X), Y)
        model.backward(loss.backward())
        expected = [(m.weight.grad, m.bias.grad) for m in linears]
        got = fn(X.copy(), Y.copy(), [(W.copy(), b.copy()) for W, b in params])
        if not isinstance(got, (list, tuple)) or len(got) != len(expected):
            return False, f"return one (dW, db) pair per layer: {len(expected)} for sizes {sizes}"
        wrong = []
        for layer, ((dW, db), (eW, eb)) in enumerate(zip(got, expected), start=1):
            dW, db = np.asarray(dW, dtype=float), np.asarray(db, dtype=float)
            if dW.shape != eW.shape or db.shape != eb.shape:
                return False, (f"layer {layer} of {sizes}: dW must be {eW.shape} and db "
                               f"{eb.shape}, got {dW.shape} and {db.shape}")
            if not (np.allclose(dW, eW) and np.allclose(db, eb)):
                wrong.append((layer, dW, db, eW, eb))
        if not wrong:
            continue
        layer, dW, db, eW, eb = wrong[-1]
        if layer == len(expected):  # the top layer: the loss's delta is off
            if np.allclose(dW, eW * Y.shape[1]):
                return False, ("the mean runs over ALL N * d_out entries, not over the N rows "
                               "only: start from delta = 2 (out - Y) / out.size")
            if np.allclose(dW * 2, eW) or np.allclose(dW / 2, eW):
                return False, ("off by a factor 2: d/d out of mean((out - Y)**2) is "
                               "2 (out - Y) / out.size")
            return False, (f"the last layer of {sizes} is wrong: delta = 2 (out - Y) / out.size, "
                           "then dW = H_prev.T @ delta and db = delta.sum(axis=0)")
        return False, (f"the last layer is right but layer {layer} of {sizes} is not: going down, "
                       "delta = (delta @ W.T) * ReLU'(Z) with ReLU'(Z) = (Z > 0) of the layer "
                       "below, taken from the cache")
    return True, ("the same loop as for tanh: only the loss's delta, 2 (out - Y) / out.size, and "
                  "ReLU' = (Z > 0) change; the cache holds each layer's input (and Z or its sign)")
