"""Checks for notebook 02 (activation functions)."""

from __future__ import annotations

import numpy as np

from nnlib.exercises import checker


@checker("02.1")
def silu_grad(fn):
    """``fn(x)`` -> d/dx [x * sigmoid(x)] element-wise, checked against torch.autograd.

    The inputs reach ±1000 and overflow is an error here: a sigmoid computed as
    1 / (1 + exp(-x)) overflows at x = -1000 even when its result happens to be right.
    """
    import torch

    from nnlib.scratch import functional as F

    rng = np.random.default_rng(21)
    x = np.concatenate([rng.uniform(-8, 8, size=200),
                        [-1000.0, -750.0, -30.0, -1.0, 0.0, 1.0, 30.0, 750.0, 1000.0]])
    xt = torch.tensor(x, requires_grad=True)
    torch.nn.functional.silu(xt).sum().backward()
    expected = xt.grad.numpy()
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            got = np.asarray(fn(x.copy()), dtype=float)
    except FloatingPointError as exc:
        return False, (f"NumPy reports {exc} for inputs up to ±1000: exp(-x) overflows for "
                       "x < -709; use the stable sigmoid, which only ever computes exp(-|x|)")
    if got.shape != x.shape:
        return False, f"return one derivative per input: shape {x.shape}, got {got.shape}"
    if np.allclose(got, expected, atol=1e-8):
        return True, ("sigmoid(x) * (1 + x * (1 - sigmoid(x))): the product rule, checked by "
                      "autograd, with no overflow at ±1000")
    s = F.sigmoid(x)
    if np.allclose(got, s):
        return False, "that is only half of the product rule: d/dx [x * s(x)] = s(x) + x * s'(x)"
    if np.allclose(got, s * (1 - s)):
        return False, "that is sigmoid'(x); SiLU is x * sigmoid(x): use the product rule"
    if not np.all(np.isfinite(got)):
        return False, "your derivative gives NaN/inf for large |x|: use a stable sigmoid"
    return False, "use the product rule with s = sigmoid(x) and s' = s * (1 - s)"


@checker("02.2")
def stable_softmax(fn):
    """``fn(z)`` -> softmax along the last axis of (N, C) scores, stable for huge scores."""
    from nnlib.scratch import functional as F

    rng = np.random.default_rng(22)
    cases = [rng.normal(size=(5, 4)), rng.normal(size=(3, 7)) * 10,
             rng.normal(size=(4, 3)) + 1000.0, np.array([[1000.0, 0.0, -1000.0]]),
             np.array([[1000.0, 999.0, 998.0], [-1000.0, -999.0, -998.0]])]
    for z in cases:
        with np.errstate(all="ignore"):
            got = np.asarray(fn(z.copy()), dtype=float)
        expected = F.softmax(z)
        if got.shape != z.shape:
            return False, f"softmax keeps the shape: for z of shape {z.shape} got {got.shape}"
        if not np.all(np.isfinite(got)):
            if np.ptp(z) > 1500:  # rows far apart: one shift for the whole array underflows
                return False, ("NaN for rows whose scores are far apart (around +1000 and -1000):"
                               " one shift for the whole array makes a row's exponentials all 0;"
                               " subtract each row's own max (axis=-1, keepdims=True)")
            return False, ("NaN or inf for scores around 1000: exp overflows; subtract each row's "
                           "max first (softmax(z - c) = softmax(z))")
        if np.allclose(got, F.softmax(z, axis=0)) and not np.allclose(got, expected):
            return False, "you normalised the columns: sum over the last axis, keepdims=True"
        if not np.allclose(got, expected):
            return False, (f"wrong values for z of shape {z.shape}: exp(z - max) / sum of "
                           "exp(z - max) over each row")
    return True, "right values, rows sum to 1, and no overflow at scores of 1000"


@checker("02.3")
def dead_fraction(fn):
    """``fn(pre)`` -> fraction of units (columns) whose pre-activation is <= 0 for every row."""
    rng = np.random.default_rng(23)
    for n, units in ((50, 8), (7, 30), (1, 5)):
        pre = rng.normal(size=(n, units)) - rng.uniform(0, 3, size=units)
        pre[:, 0] = -np.abs(pre[:, 0]) - 0.1  # at least one dead unit
        pre[0, -1] = 0.0  # exactly 0 counts as inactive (ReLU'(0) = 0)
        expected = float(np.mean(np.all(pre <= 0, axis=0)))
        got = float(fn(pre.copy()))
        if np.isclose(got, expected):
            continue
        if np.isclose(got, np.mean(pre <= 0)):
            return False, ("that is the fraction of inactive *entries*; a unit is dead only if it "
                           "is inactive for every example: all(..., axis=0) per column")
        if np.isclose(got, np.mean(np.all(pre < 0, axis=0))):
            return False, ("an input of exactly 0 also counts as inactive (ReLU gives 0 and its "
                           "derivative there is 0): use <= 0, not < 0")
        if np.isclose(got, np.sum(np.all(pre <= 0, axis=0))):
            return False, "return the fraction of units (a number in [0, 1]), not their count"
        if np.isclose(got, np.mean(np.any(pre <= 0, axis=0))):
            return False, "use all(), not any(): dead means inactive for *every* example"
        if np.isclose(got, np.mean(np.all(pre <= 0, axis=1))):
            return False, "units are the columns (axis 1); reduce over the examples, axis=0"
        return False, (f"for pre-activations of shape {pre.shape} expected {expected:.3f}, "
                       f"got {got:.3f}")
    return True, "a unit is dead when ReLU's input is <= 0 for every example: its gradient is 0"


@checker("02.4")
def leaky_he_std(fn):
    """``fn(d_in, a)`` -> sqrt(2 / ((1 + a**2) * d_in))."""
    cases = [(64, 0.0), (100, 0.1), (256, 0.5), (10, 1.0), (784, 0.01)]
    for d_in, a in cases:
        expected = np.sqrt(2 / ((1 + a**2) * d_in))
        got = float(fn(d_in, a))
        if np.isclose(got, expected, rtol=1e-6):
            continue
        if np.isclose(got, expected**2, rtol=1e-6):
            return False, (f"for d_in={d_in}, a={a} you returned the variance "
                           f"{expected**2:.4g}; the question asks for the standard deviation")
        if np.isclose(got, np.sqrt(2 / d_in), rtol=1e-6):
            return False, (f"for a={a} that is ReLU's He init, sqrt(2 / d_in): the negative "
                           "half now passes back a**2 of the squared gradient too")
        if np.isclose(got, np.sqrt(2 / ((1 + a) * d_in)), rtol=1e-6):
            return False, ("close: the squared gradient is what adds up, so the negative half "
                           "contributes a**2, not a")
        return False, (f"for d_in={d_in}, a={a} expected {expected:.4g}, got {got:.4g}: the mean "
                       "squared slope is (1 + a**2) / 2; choose Var(W) so that d_in * Var(W) "
                       "times it equals 1")
    return True, ("sqrt(2 / ((1 + a²) d_in)): a = 0 gives He's rule, a = 1 (the identity) gives "
                  "sqrt(1 / d_in), which keeps a purely linear stack's gradient size")
