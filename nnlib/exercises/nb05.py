"""Checks for notebook 05 (loss functions)."""

from __future__ import annotations

import numpy as np

from nnlib.exercises import checker
from nnlib.scratch import functional as F
from nnlib.scratch.losses import BCEWithLogitsLoss, MSELoss


def _close(a, b) -> bool:
    a = np.asarray(a, dtype=float)
    return a.shape == np.shape(b) and bool(np.allclose(a, b, rtol=1e-6, atol=1e-9))


@checker("05.1")
def mse_function(mse):
    rng = np.random.default_rng(51)
    for shape in [(7,), (5, 3)]:
        pred, target = rng.normal(size=shape), rng.normal(size=shape)
        expected = MSELoss()(pred, target)
        got = float(mse(pred, target))
        if np.isclose(got, expected):
            continue
        if np.isclose(got, expected * pred.size):
            return False, "that is the sum of squared errors: divide by the number of entries"
        if np.isclose(got, np.sqrt(expected)):
            return False, "that is the root of the MSE (RMSE): leave out the square root"
        return False, (f"for shape {shape} expected {expected:.4f}, got {got:.4f}: "
                       "mean((pred - target)**2)")
    return True, "mse(pred, target) = mean((pred - target)**2) agrees with nnlib's MSELoss"


@checker("05.2")
def bce_logit_gradient(grad_fn):
    rng = np.random.default_rng(52)
    z = rng.normal(scale=4, size=9)
    y = rng.integers(0, 2, size=9).astype(float)
    loss_fn = BCEWithLogitsLoss()
    loss_fn(z, y)
    expected = loss_fn.backward() * z.size  # per-example gradient (the mean divides by N)
    got = np.asarray(grad_fn(z, y), dtype=float)
    if _close(got, expected):
        return True, "d/dz of the per-example BCE is sigmoid(z) - y: no vanishing factor"
    if _close(got, -expected):
        return False, "the sign is flipped: the gradient points uphill, sigmoid(z) - y"
    if _close(got, expected / z.size):
        return False, ("right up to a factor 1/N: this is ONE example's loss, not a batch "
                       "mean, so do not divide by N")
    p = F.sigmoid(z)
    if _close(got, (p - y) * p * (1 - p)) or _close(got, 2 * (p - y) * p * (1 - p)):
        return False, ("that is the gradient of MSE after a sigmoid; for cross-entropy the "
                       "sigmoid's derivative cancels")
    return False, "work out d/dz of -[y log σ(z) + (1 - y) log(1 - σ(z))] using σ' = σ(1 - σ)"


@checker("05.3")
def stable_log_softmax(log_softmax):
    rng = np.random.default_rng(53)
    cases = [rng.normal(size=(4, 5)), rng.normal(size=(3, 6)) * 300 + 1000,
             -1000 + rng.normal(size=(2, 4)),
             np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -1002.0]])]
    for x in cases:
        rows_far_apart = np.ptp(x.max(axis=1)) > 700  # one shift for all rows cannot work
        expected = F.log_softmax(x, axis=1)
        with np.errstate(all="ignore"):
            got = np.asarray(log_softmax(x.copy()), dtype=float)
        if got.shape != expected.shape:
            return False, (f"for x of shape {x.shape} return one log-probability per entry, "
                           f"shape {expected.shape}, got {got.shape}")
        if rows_far_apart and not np.allclose(got, expected, rtol=1e-9, atol=1e-9):
            return False, ("wrong for rows at very different levels (one near +1000, one "
                           "near -1000): subtract each row's own max, "
                           "x.max(axis=1, keepdims=True), not one max of the whole array")
        if np.any(np.isnan(got)) or np.any(got == np.inf):
            return False, ("got nan or inf for logits near ±1000: subtract each row's max "
                           "before exp")
        if np.any(got == -np.inf):
            return False, ("got -inf: a softmax probability underflowed to 0 before the log; "
                           "never form the probability, compute x - logsumexp(x) per row")
        if not np.allclose(got, expected, rtol=1e-9, atol=1e-9):
            return False, "finite but wrong: each row should be x - logsumexp(x) of that row"
    return True, "finite and exact for logits of ±1000 and gaps of hundreds, equal to nnlib's"


@checker("05.4")
def mae_minimiser(answer):
    data = np.array([2.0, 3.0, 5.0, 7.0, 40.0])
    value = float(answer)
    if np.isclose(value, np.median(data)):
        return True, "the median: the 40 does not pull it, which is why MAE is robust"
    if np.isclose(value, data.mean()):
        return False, "that is the mean, which minimises the MSE; MAE is minimised elsewhere"
    return False, "try a few constants c and compute mean(|data - c|); which c is smallest?"


@checker("05.5")
def steepest_mse_sigmoid_logit(answer):
    """The logit z < 0 where |2 (σ(z) - 1) σ(z) (1 - σ(z))| peaks: σ(z) = 1/3, z = -ln 2."""
    value = float(answer)
    expected = -np.log(2.0)
    if np.isclose(value, expected, atol=1e-3):
        return True, ("z = -ln 2 ≈ -0.693: |g| = 2 s (1 - s)² peaks at s = 1/3. Left of it the "
                      "gradient shrinks although the mistake grows: the plateau of section 4")
    if np.isclose(value, expected, atol=0.03):
        return False, ("close: a grid gives about -0.69; the exact peak is where σ(z) = 1/3, "
                       "so answer z = log(s / (1 - s)) exactly")
    if np.isclose(value, 0.0, atol=1e-3):
        return False, ("at z = 0 the sigmoid's slope σ(1 - σ) peaks, but the gradient also has "
                       "the factor (σ - 1): maximise s (1 - s)² over s = σ(z)")
    if np.isclose(value, np.log(2.0), atol=1e-3):
        return False, "the sign is flipped: the peak is where σ(z) = 1/3, which is below 0.5"
    if np.isclose(value, 1 / 3, atol=1e-3):
        return False, "1/3 is the value of σ(z) at the peak; answer the logit z itself"
    return False, ("write |g| = 2 s (1 - s)² with s = σ(z), set its derivative in s to 0, then "
                   "turn s back into z = log(s / (1 - s))")


@checker("05.6")
def label_smoothing_gradient(grad_fn):
    """``grad_fn(logits, labels, eps)`` -> (p - q) / N, checked against torch's label_smoothing."""
    import torch

    rng = np.random.default_rng(56)
    for n, c, eps in ((6, 4, 0.1), (3, 10, 0.3), (5, 2, 0.0)):
        logits = rng.normal(scale=2.0, size=(n, c))
        labels = rng.integers(0, c, size=n)
        t = torch.tensor(logits, requires_grad=True)
        torch.nn.functional.cross_entropy(t, torch.from_numpy(labels),
                                          label_smoothing=eps).backward()
        expected = t.grad.numpy()
        got = np.asarray(grad_fn(logits.copy(), labels.copy(), eps), dtype=float)
        if got.shape != logits.shape:
            return False, f"return one gradient per logit, shape {logits.shape}, got {got.shape}"
        if _close(got, expected):
            continue
        p = F.softmax(logits, axis=1)
        one_hot = np.eye(c)[labels]
        if _close(got, expected * n):
            return False, "right up to a factor N: the loss is a mean over the batch, divide by N"
        if _close(got, (p - one_hot) / n):
            return False, (f"that is the gradient without smoothing (eps = {eps}): the target "
                           "is q = (1 - eps) one_hot + eps / C, and the gradient is p - q")
        if _close(got, (p - (1 - eps) * one_hot) / n):
            return False, "you left out the eps / C that every class receives in q"
        if _close(got, (p - (1 - eps) * one_hot - eps / (c - 1) * (1 - one_hot)) / n):
            return False, "q spreads eps over all C classes (eps / C each), the true one included"
        return False, (f"wrong values for N={n}, C={c}, eps={eps}: since q sums to 1, the "
                       "gradient is (softmax(logits) - q) / N")
    return True, ("(p - q) / N, equal to torch's cross_entropy(..., label_smoothing=eps): the same "
                  "prediction-minus-target form, with a soft target")
