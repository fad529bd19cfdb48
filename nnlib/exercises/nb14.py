"""Checks for notebook 14 (GANs and diffusion). Each calls the learner's function on random
inputs and compares it with a reference computed here."""

from __future__ import annotations

import numpy as np

from nnlib.exercises import checker
from nnlib.exercises._helpers import as_array


@checker("14.1")
def optimal_discriminator(d_fn):
    """``d_fn(p_data, p_g) -> D*``: the best discriminator for fixed densities."""
    rng = np.random.default_rng(14)
    p_data, p_g = rng.uniform(0.01, 2, 50), rng.uniform(0.01, 2, 50)
    got, problem = as_array(d_fn(p_data.copy(), p_g.copy()), p_data.shape, "one value per point")
    if problem:
        return False, problem
    want = p_data / (p_data + p_g)
    if np.allclose(got, want):
        equal = np.asarray(d_fn(np.ones(3), np.ones(3)), dtype=float)
        if np.allclose(equal, 0.5):
            return True, "D* = p_data / (p_data + p_g): 1/2 everywhere once p_g = p_data"
    if np.allclose(got, p_g / (p_data + p_g)):
        return False, "that is the probability of 'generated'; D(x) is the probability of 'real'"
    if np.allclose(got, p_data / p_g):
        return False, ("a probability must stay in [0, 1]: maximise p_data log D + p_g log(1 - D) "
                       "pointwise in D")
    return False, "maximise p_data(x) log D + p_g(x) log(1 - D) over D for each x"


@checker("14.2")
def predict_x0(fn):
    """``fn(x_t, eps_hat, alpha_bar) -> x0_hat``, inverting x_t = sqrt(ab) x0 + sqrt(1-ab) eps."""
    rng = np.random.default_rng(2)
    x0, eps = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    for ab in (0.9, 0.3, 0.01):
        x_t = np.sqrt(ab) * x0 + np.sqrt(1 - ab) * eps
        got, problem = as_array(fn(x_t.copy(), eps.copy(), ab), x0.shape, "x0 with x_t's shape")
        if problem:
            return False, problem
        if np.allclose(got, x0):
            continue
        if np.allclose(got, (x_t - (1 - ab) * eps) / ab):
            return False, ("the closed form has square roots: sqrt(alpha_bar) and "
                           "sqrt(1 - alpha_bar)")
        if np.allclose(got, x_t - np.sqrt(1 - ab) * eps):
            return False, "after removing the noise, divide by sqrt(alpha_bar) to undo the scaling"
        return False, f"with alpha_bar={ab} your x0 does not give back x_t; solve for x0"
    return True, "x0 = (x_t - sqrt(1 - alpha_bar) eps) / sqrt(alpha_bar)"


def _cosine_reference(T, s=0.008):
    f = np.cos((np.arange(T + 1) / T + s) / (1 + s) * np.pi / 2) ** 2
    return f[1:] / f[0]


@checker("14.3")
def cosine_schedule(fn):
    """``fn(T, s=0.008) -> alpha_bars (T,)`` of the cosine schedule."""
    for T in (10, 100, 1000):
        got, problem = as_array(fn(T), (T,), "alpha_bar_1 .. alpha_bar_T")
        if problem:
            return False, problem
        want = _cosine_reference(T)
        if np.allclose(got, want, rtol=1e-6, atol=1e-9):
            continue
        f = np.cos((np.arange(T + 1) / T + 0.008) / 1.008 * np.pi / 2) ** 2
        if np.allclose(got, f[1:], rtol=1e-6):
            return False, "divide by f(0) so that alpha_bar starts just below 1"
        if np.allclose(got, f[:-1] / f[0], rtol=1e-6):
            return False, "start at t = 1: alpha_bar_0 = 1 is the data itself, not a step"
        if np.allclose(got, _cosine_reference(T, 0.0), rtol=1e-6, atol=1e-9):
            return False, "use the small offset s in (t / T + s) / (1 + s)"
        return False, "alpha_bar_t = f(t) / f(0) with f(t) = cos(((t / T + s) / (1 + s)) pi / 2)^2"
    return True, "alpha_bar falls slowly at both ends, unlike the linear schedule"


@checker("14.4")
def posterior_variance(fn):
    """``fn(betas) -> (T,)``: beta_tilde_t = (1 - ab_{t-1}) / (1 - ab_t) beta_t, ab_{-1} = 1."""
    rng = np.random.default_rng(4)
    for T in (5, 50):
        betas = np.sort(rng.uniform(1e-4, 0.2, T))
        got, problem = as_array(fn(betas.copy()), (T,), "one variance per step")
        if problem:
            return False, problem
        ab = np.cumprod(1 - betas)
        ab_prev = np.concatenate([[1.0], ab[:-1]])
        want = (1 - ab_prev) / (1 - ab) * betas
        if np.allclose(got, want):
            continue
        if np.allclose(got, betas):
            return False, ("that is DDPM's other choice sigma^2 = beta_t; the posterior "
                           "q(x_{t-1} | x_t, x_0) has a smaller variance")
        if np.allclose(got[1:], ((1 - ab[:-1]) / (1 - ab[1:]) * betas[1:])) or np.allclose(
                got, (1 - ab) / (1 - ab) * betas):
            return False, "the first step has alpha_bar_{t-1} = 1, so its variance is 0"
        return False, "use beta_t (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t)"
    return True, "beta_tilde_0 = 0 and beta_tilde_t < beta_t: the posterior is narrower"
