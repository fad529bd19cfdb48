"""Worked solutions for notebook 01 (the perceptron). Format: see ``nnlib/solutions/nb00.py``."""

from __future__ import annotations

from nnlib.solutions import solution


@solution("01.1")
def train_perceptron():
    """Wrap section 2's loop in a function: start from zero weights, visit the examples in
    their order, count the updates that changed something, and stop after the first epoch
    with no mistake. The learning rule itself is the notebook's `update`, written out here
    so the function stands on its own: w += lr * (y - y_hat) * x and b += lr * (y - y_hat).
    Pitfall: append the epoch's count before testing for zero, so the last (clean) epoch is in
    the list."""
    import numpy as np

    def train_perceptron(X, y, lr, epochs):
        w, b = np.zeros(X.shape[1]), 0.0
        mistakes = []
        for _ in range(epochs):
            count = 0
            for x_i, y_i in zip(X, y):
                y_hat = int(x_i @ w + b > 0)        # step(w . x + b)
                error = int(y_i) - y_hat             # -1, 0 or +1
                if error:
                    w = w + lr * error * x_i
                    b = b + lr * error
                    count += 1
            mistakes.append(count)
            if count == 0:
                break
        return w, b, mistakes

    return train_perceptron


@solution("01.2")
def nor_weights():
    """NOR is 1 only for input 00. With step(w . x + b): for 00 the output is step(b), so b
    must be positive; each input that is 1 must push the sum below zero on its own, so each
    weight must be smaller than -b. w = (-1, -1), b = 0.5 works: the sums are 0.5, -0.5,
    -0.5, -1.5. (NOR is NOT OR: negate OR's weights and bias.)"""
    import numpy as np

    from nnlib.data import logic_gate

    w, b = np.array([-1.0, -1.0]), 0.5
    X, y = logic_gate("NOR")
    assert np.array_equal((X @ w + b > 0).astype(int), y)   # check on all four inputs
    nor_weights = (w, b)
    return nor_weights


@solution("01.3")
def is_linearly_separable():
    """The convergence theorem says a perceptron on separable data makes finitely many
    mistakes, and on d bits with small integer margins the bound is small. So train nnlib's
    Perceptron for enough epochs and ask whether it converged: converged means separable, no
    convergence means not. Keep the examples in a fixed order and give it a generous
    number of epochs (100 is plenty for 2 and 3 bits; too few epochs would call a separable
    function inseparable)."""
    from nnlib.scratch import Perceptron

    def is_linearly_separable(X, y):
        p = Perceptron(X.shape[1], lr=1.0)
        p.fit(X, y, epochs=100, shuffle=False)
        return bool(p.converged)

    return is_linearly_separable
