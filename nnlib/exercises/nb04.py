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
