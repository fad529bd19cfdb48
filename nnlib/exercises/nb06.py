"""Checks for notebook 06 (optimizers)."""

from __future__ import annotations

import numpy as np

from nnlib.exercises import checker
from nnlib.scratch.lr_scheduler import CosineAnnealingLR, lr_schedule_values
from nnlib.scratch.module import Parameter
from nnlib.scratch.optim import Adam

_STEPS = 20


def _quadratic(seed):
    """A random f(p) = sum(a/2 p^2) - b.p: start, curvatures a, shift b (shape (5,))."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=5), rng.uniform(0.5, 3.0, size=5), rng.normal(size=5)


@checker("06.1")
def adagrad_step(step_fn):
    import torch

    lr, eps = 0.3, 1e-10
    start, a, b = _quadratic(61)
    theirs = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adagrad([theirs], lr=lr, eps=eps)
    param, sum_sq = start.copy(), np.zeros_like(start)
    for t in range(1, _STEPS + 1):
        optimizer.zero_grad()
        theirs.grad = torch.from_numpy(a * theirs.detach().numpy() - b)
        optimizer.step()
        param, sum_sq = step_fn(param, a * param - b, sum_sq, lr, eps)
        param = np.asarray(param, dtype=float)
        if param.shape != start.shape:
            return False, f"return the new parameter with shape {start.shape}, got {param.shape}"
        if not np.allclose(param, theirs.detach().numpy(), rtol=1e-9, atol=1e-12):
            return False, (f"the path leaves torch.optim.Adagrad at step {t}: sum_sq += grad**2 "
                           "(never forgets, unlike RMSprop), then param -= lr * grad / "
                           "(sqrt(sum_sq) + eps)")
    return True, (f"{_STEPS} steps identical to torch.optim.Adagrad; its step sizes only shrink, "
                  "which RMSprop fixes by forgetting old gradients")


@checker("06.2")
def first_adam_step(answer):
    lr, beta1, beta2, grad = 0.01, 0.9, 0.999, 5.0
    param = Parameter(np.zeros(1))
    optimizer = Adam([param], lr=lr, betas=(beta1, beta2))
    param.grad += grad
    optimizer.step()
    expected = abs(param.data.item())
    value = abs(float(answer))
    if np.isclose(value, expected, rtol=1e-4):
        return True, ("exactly lr: bias correction makes m_hat = g and v_hat = g**2, so the first "
                      "step is lr * g / |g|, whatever the size of g")
    if np.isclose(value, lr * (1 - beta1) / np.sqrt(1 - beta2), rtol=1e-3):
        return False, ("that is the step without bias correction: divide m by 1 - beta1**t and "
                       "v by 1 - beta2**t")
    if np.isclose(value, lr * grad, rtol=1e-3):
        return False, "that is plain SGD's step, lr * g; Adam divides by sqrt(v_hat)"
    return False, ("after one step m = (1 - beta1) g and v = (1 - beta2) g**2: apply the bias "
                   "correction")


_TILTED_HESSIAN = np.array([[3.0, 2.0], [2.0, 3.0]])  # f = (3x² + 4xy + 3y²) / 2


@checker("06.3")
def largest_stable_lr(answer):
    """lr_max of plain GD on the tilted bowl: the supremum of the learning rates that converge."""
    curvatures = np.linalg.eigvalsh(_TILTED_HESSIAN)    # (1, 5)
    steep, flat = curvatures.max(), curvatures.min()
    value = float(answer)
    if np.isclose(value, 2 / steep):
        return True, (f"2 / {steep:g}: the Hessian [[3, 2], [2, 3]] has eigenvalues {flat:g} and "
                      f"{steep:g}; along the steep eigenvector (1, 1) each step multiplies the "
                      f"error by 1 - lr * {steep:g}, which must lie strictly inside (-1, 1)")
    if np.isclose(value, 2 / _TILTED_HESSIAN[0, 0]):
        return False, ("that uses the diagonal entry 3 as if the valley were along an axis; the "
                       "4xy term tilts it: take the eigenvalues of [[3, 2], [2, 3]]")
    if np.isclose(value, 2 / flat):
        return False, "that uses the flat direction; the steep one blows up first"
    if np.isclose(value, 1 / steep):
        return False, ("1 / curvature lands on the minimum in one step along the steep direction; "
                       "a larger lr still converges, overshooting back and forth")
    return False, ("one GD step along an eigenvector with curvature lam multiplies the error by "
                   "(1 - lr * lam): for which lr does that shrink for both eigenvalues?")


@checker("06.4")
def cosine_schedule(lr_fn):
    base_lr, t_max = 0.3, 40
    expected = lr_schedule_values(lambda opt: CosineAnnealingLR(opt, T_max=t_max), t_max + 1,
                                  lr=base_lr)
    got = np.array([float(lr_fn(t, base_lr, t_max)) for t in range(t_max + 1)])
    if np.allclose(got, expected, rtol=1e-9, atol=1e-12):
        return True, "equal to CosineAnnealingLR at every step from 0 to T_max"
    if not np.isclose(got[0], base_lr):
        return False, f"at t = 0 the lr should be base_lr = {base_lr}, got {got[0]:.4g}"
    if not np.isclose(got[-1], 0, atol=1e-12):
        return False, f"at t = T_max the lr should reach 0, got {got[-1]:.4g}"
    return False, "use base_lr * (1 + cos(pi * t / T_max)) / 2"
