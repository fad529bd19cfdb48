"""Worked solutions for notebook 06 (optimizers). Format: see ``nb00.py``."""

from __future__ import annotations

from nnlib.solutions import solution


@solution("06.1")
def adagrad_step():
    """Exactly the two lines of the exercise, without changing the inputs in place (return
    new arrays). Because sum_sq only grows, every parameter's step keeps shrinking: that is
    why RMSprop replaced the sum by a moving average."""
    import numpy as np

    def adagrad_step(param, grad, sum_sq, lr, eps):
        sum_sq = sum_sq + grad**2
        param = param - lr * grad / (np.sqrt(sum_sq) + eps)
        return param, sum_sq

    return adagrad_step


@solution("06.2")
def first_step_size():
    """After one step m = (1 - beta1) g and v = (1 - beta2) g^2. Bias correction divides
    them by 1 - beta1^1 and 1 - beta2^1, giving m_hat = g and v_hat = g^2, so the step is
    lr * g / |g| = lr: 0.01, whatever the gradient's size. Computed from the equations below
    and then confirmed with nnlib's Adam."""
    import numpy as np

    from nnlib.scratch import Adam, Parameter

    lr, beta1, beta2, g, t = 0.01, 0.9, 0.999, 5.0, 1
    m = (1 - beta1) * g
    v = (1 - beta2) * g**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    first_step_size = lr * m_hat / np.sqrt(v_hat)

    param = Parameter(np.zeros(1))
    optimizer = Adam([param], lr=lr)
    param.grad += g
    optimizer.step()
    assert np.isclose(abs(param.data.item()), first_step_size)
    return first_step_size


@solution("06.3")
def largest_lr():
    """f(p) = p^T H p / 2 with the Hessian H = [[3, 2], [2, 3]]. One GD step multiplies the
    component of the error along an eigenvector with curvature lam by (1 - lr * lam); all of
    them shrink only if |1 - lr * lam| < 1 for every lam, i.e. lr < 2 / lam_max. H's
    eigenvalues are 1 and 5 (eigenvectors (1, -1) and (1, 1)), so lr_max = 2 / 5 = 0.4; using
    the diagonal 3 as if the valley were along an axis would give 2/3, too large. A few steps
    just below and above confirm it."""
    import numpy as np

    H = np.array([[3.0, 2.0], [2.0, 3.0]])
    largest_lr = 2 / np.linalg.eigvalsh(H).max()

    def distance_after(lr, steps=2000):
        p = np.array([1.0, 0.5])
        for _ in range(steps):
            p = p - lr * (H @ p)                 # the gradient of f is H p
        return np.linalg.norm(p)

    assert distance_after(0.99 * largest_lr) < 1e-6 and distance_after(1.01 * largest_lr) > 1e6
    return largest_lr


@solution("06.4")
def cosine_lr():
    """Half a cosine period from t = 0 to T_max: (1 + cos(pi t / T_max)) / 2 goes from 1 to 0,
    scale it by base_lr. It falls slowly at first, fastest in the middle, slowly at the end."""
    import math

    def cosine_lr(t, base_lr, T_max):
        return base_lr * (1 + math.cos(math.pi * t / T_max)) / 2

    return cosine_lr
