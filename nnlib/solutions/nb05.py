"""Worked solutions for notebook 05 (loss functions). Format: see ``nb00.py``."""

from __future__ import annotations

from nnlib.solutions import solution


@solution("05.1")
def mse_answer():
    """Square the differences element by element and average over every entry (not only over
    the rows): np.mean does that for any shape. Return a Python float."""
    import numpy as np

    def mse(pred, target):
        return float(np.mean((pred - target) ** 2))

    mse_answer = mse
    return mse_answer


@solution("05.2")
def bce_logit_grad():
    """With p = sigmoid(z): dL/dp = -y/p + (1 - y)/(1 - p) = (p - y) / (p (1 - p)), and
    dp/dz = p (1 - p). The two p (1 - p) cancel: dL/dz = p - y. No division remains, so it is
    finite even for confident predictions."""
    from nnlib.scratch import functional as F

    def bce_logit_grad(z, y):
        return F.sigmoid(z) - y

    return bce_logit_grad


@solution("05.3")
def log_softmax_rows():
    """log softmax(x)_j = x_j - log sum_k exp(x_k). Subtract each row's max m first (it cancels)
    and compute log-sum-exp as m + log sum exp(x - m): every exponent is <= 0, the largest is
    exactly 1, so the sum is in [1, C] and its log is exact. Do it per row (axis=1,
    keepdims=True) so rows at different levels do not interfere. Never compute
    log(softmax(x)): the softmax underflows to 0 for entries hundreds below the max."""
    import numpy as np

    def log_softmax_rows(x):
        m = x.max(axis=1, keepdims=True)                     # (N, 1)
        shifted = x - m
        return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))

    return log_softmax_rows


@solution("05.4")
def best_constant():
    """The MAE's derivative in c is mean(sign(c - data)): it is zero where as many points lie
    above c as below, the median. Confirm on a fine grid: mean(|data - c|) is smallest at 5.
    The outlier 40 does not move it (the mean, 11.4, would minimise the MSE)."""
    import numpy as np

    data = np.array([2, 3, 5, 7, 40])
    grid = np.linspace(0, 45, 4501)                         # steps of 0.01
    mae = np.abs(data[None, :] - grid[:, None]).mean(axis=1)
    best_constant = float(grid[np.argmin(mae)])
    assert best_constant == np.median(data)
    return best_constant


@solution("05.5")
def steepest_logit():
    """With s = sigmoid(z), |g| = 2 (1 - s)^2 s for y = 1 (s in (0, 1)). d/ds [s (1 - s)^2]
    = (1 - s)(1 - 3s) = 0 at s = 1/3 (s = 1 is a minimum). sigmoid(z) = 1/3 means
    z = log(s / (1 - s)) = log(1/2) = -ln 2, about -0.693: the gradient is largest on a
    mildly wrong prediction and vanishes on a confident mistake. The grid confirms it."""
    import numpy as np

    from nnlib.scratch import functional as F

    s = 1 / 3
    steepest_logit = float(np.log(s / (1 - s)))             # -ln 2
    z = np.linspace(-6, 6, 120_001)
    sz = F.sigmoid(z)
    g = 2 * (sz - 1) * sz * (1 - sz)
    assert abs(z[np.argmax(np.abs(g))] - steepest_logit) < 1e-3
    return steepest_logit


@solution("05.6")
def smoothed_ce_grad():
    """For one example, -sum_j q_j log p_j with log p_j = z_j - logsumexp(z) has gradient
    -q_j + p_j * sum_k q_k = p_j - q_j, because the soft target sums to 1. The mean over N
    examples divides by N. Build q from the one-hot labels: (1 - eps) * one_hot + eps / C."""
    import numpy as np

    from nnlib.scratch import functional as F

    def smoothed_ce_grad(logits, labels, eps):
        N, C = logits.shape
        one_hot = np.zeros((N, C))
        one_hot[np.arange(N), labels] = 1.0
        q = (1 - eps) * one_hot + eps / C
        p = F.softmax(logits, axis=1)
        return (p - q) / N

    return smoothed_ce_grad
