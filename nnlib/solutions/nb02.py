"""Worked solutions for notebook 02 (activation functions). Format: see ``nb00.py``."""

from __future__ import annotations

from nnlib.solutions import solution


@solution("02.1")
def silu_grad():
    """Product rule on f(x) = x * s(x) with s = sigmoid: f' = s + x * s', and s' = s (1 - s)
    from the notebook, so f'(x) = s(x) * (1 + x * (1 - s(x))). Compute s once with the
    stable sigmoid (F.sigmoid only ever evaluates exp(-|x|)): 1 / (1 + np.exp(-x)) overflows
    for x < -709 even when the final number would be fine."""
    from nnlib.scratch import functional as F

    def silu_grad(x):
        s = F.sigmoid(x)
        return s * (1 + x * (1 - s))

    return silu_grad


@solution("02.2")
def softmax_rows():
    """softmax(z) = softmax(z - c) for any constant c per row, so subtract each row's own
    maximum first: the largest exponent becomes exp(0) = 1, nothing overflows, and the sum is
    at least 1, so nothing divides by 0. keepdims=True keeps the (N, 1) shape that broadcasts
    against (N, C). One maximum for the whole array is not enough when rows sit at very
    different levels (+1000 and -1000)."""
    import numpy as np

    def softmax_rows(z):
        shifted = z - z.max(axis=-1, keepdims=True)      # (N, C), each row's max is 0
        e = np.exp(shifted)
        return e / e.sum(axis=-1, keepdims=True)

    return softmax_rows


@solution("02.3")
def dead_fraction():
    """A unit (a column) is dead when ReLU's input is <= 0 for every example (every row):
    `pre <= 0` marks inactive entries, .all(axis=0) asks "inactive in every row?" per column,
    and the mean of those booleans is the fraction. Exactly 0 counts as inactive: ReLU gives 0
    there and its derivative is 0."""
    import numpy as np

    def dead_fraction(pre):
        dead = np.all(pre <= 0, axis=0)          # (units,)
        return float(dead.mean())

    return dead_fraction


@solution("02.4")
def leaky_he_std():
    """Backward through one layer the gradient's variance is multiplied by
    d_in * Var(W) * E[slope^2]. Leaky ReLU's slope is 1 on half the inputs and a on the
    other half, so E[slope^2] = (1 + a^2) / 2. Keeping the factor at 1 needs
    Var(W) = 2 / ((1 + a^2) d_in): take the square root for the standard deviation.
    a = 0 gives He's sqrt(2 / d_in); a = 1 (no nonlinearity) gives sqrt(1 / d_in), so He
    init with slope 1 doubles the variance per layer and the widget's gradient grows with depth."""
    import numpy as np

    def leaky_he_std(d_in, a):
        mean_square_slope = (1 + a**2) / 2
        return np.sqrt(1 / (d_in * mean_square_slope))

    return leaky_he_std
