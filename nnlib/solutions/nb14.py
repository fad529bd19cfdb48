"""Worked solutions for notebook 14 (GANs and diffusion). Format: see ``nb00.py``."""

from __future__ import annotations

from nnlib.solutions import solution


@solution("14.1")
def my_optimal_d():
    """At each x maximise g(D) = a log D + b log(1 - D) with a = p_data(x), b = p_g(x).
    g'(D) = a / D - b / (1 - D) = 0 gives D* = a / (a + b); g'' < 0, so it is a maximum.
    Where the generator matches the data (a = b), D* = 1/2 everywhere: the discriminator can
    only guess."""
    def my_optimal_d(p_data, p_g):
        return p_data / (p_data + p_g)

    return my_optimal_d


@solution("14.2")
def my_predict_x0():
    """Solve x_t = sqrt(ab) x0 + sqrt(1 - ab) eps for x0, with the predicted noise in place of
    eps: x0 = (x_t - sqrt(1 - ab) eps_hat) / sqrt(ab). Near t = T, ab is tiny and this divides
    by a small number, so early predictions of x0 are rough."""
    import numpy as np

    def my_predict_x0(x_t, eps_hat, alpha_bar):
        return (x_t - np.sqrt(1 - alpha_bar) * eps_hat) / np.sqrt(alpha_bar)

    return my_predict_x0


@solution("14.3")
def my_cosine_alpha_bars():
    """Evaluate f at t = 0, 1, ..., T in one vectorised expression, divide by f(0) so that
    alpha_bar_0 = 1, and drop t = 0 to return alpha_bar_1 .. alpha_bar_T. Plotted against a linear
    schedule's alpha_bars, the cosine curve stays near 1 for the first steps, falls almost
    linearly in the middle and flattens again near T, so fewer steps are spent on inputs
    that are already almost pure noise."""
    import numpy as np

    def my_cosine_alpha_bars(T, s=0.008):
        t = np.arange(T + 1)                                   # 0 .. T
        f = np.cos(((t / T + s) / (1 + s)) * np.pi / 2) ** 2
        return f[1:] / f[0]                                    # (T,)

    return my_cosine_alpha_bars


@solution("14.4")
def my_posterior_variance():
    """alpha_bar_t is the running product of alphas = 1 - betas (np.cumprod). The previous
    one, alpha_bar_{t-1}, is the same array shifted right by one with 1 in front (before the
    first step nothing is noised). Then beta_tilde = (1 - ab_prev) / (1 - ab) * beta; the
    first entry is 0: given x_1 and x_0, x_0 is known exactly."""
    import numpy as np

    def my_posterior_variance(betas):
        alpha_bars = np.cumprod(1 - betas)                         # (T,)
        alpha_bars_prev = np.concatenate([[1.0], alpha_bars[:-1]])  # (T,)
        return (1 - alpha_bars_prev) / (1 - alpha_bars) * betas

    return my_posterior_variance
