"""Checks for notebook 13 (autoencoders and VAEs). Each calls the learner's function on random
inputs and compares it with a reference computed here."""

from __future__ import annotations

import numpy as np

from nnlib.exercises import checker


def _kl_reference(mu1, logvar1, mu2, logvar2):
    """KL(N(mu1, e^logvar1) || N(mu2, e^logvar2)) per example, summed over axes: (N,)."""
    var1, var2 = np.exp(logvar1), np.exp(logvar2)
    return 0.5 * np.sum(logvar2 - logvar1 + (var1 + (mu1 - mu2) ** 2) / var2 - 1, axis=1)


@checker("13.1")
def gaussian_kl_general(kl_fn):
    """``kl_fn(mu1, logvar1, mu2, logvar2) -> (N,)``: KL between two diagonal Gaussians."""
    rng = np.random.default_rng(13)
    for n, k in [(4, 3), (1, 1), (6, 2)]:
        mu1, lv1, mu2, lv2 = (rng.normal(size=(n, k)) for _ in range(4))
        got = np.asarray(kl_fn(mu1, lv1, mu2, lv2), dtype=float)
        if got.shape != (n,):
            return False, (f"return one KL per example, shape ({n},) for inputs of shape "
                           f"({n}, {k}); sum over the latent axis (axis=1), got {got.shape}")
        want = _kl_reference(mu1, lv1, mu2, lv2)
        if np.allclose(got, want, rtol=1e-6, atol=1e-9):
            continue
        if np.allclose(got, _kl_reference(mu2, lv2, mu1, lv1), rtol=1e-6):
            return False, ("that is KL(q2 || q1): KL is not symmetric; the first Gaussian is "
                           "the one the expectation is taken under")
        if np.allclose(got, 2 * want, rtol=1e-6):
            return False, "twice the right value: the formula has a factor 1/2 in front"
        return False, ("the values differ from 1/2 sum(log s2^2 - log s1^2 + (s1^2 + (mu1 - "
                       "mu2)^2) / s2^2 - 1); with mu2 = 0, logvar2 = 0 it must equal section 5's "
                       "closed form -1/2 sum(1 + logvar - mu^2 - e^logvar) for each example")
    if not np.allclose(kl_fn(mu1, lv1, mu1, lv1), 0, atol=1e-9):
        return False, "KL of a Gaussian with itself must be 0"
    return True, "it matches the closed form (and is 0 for two equal Gaussians)"


@checker("13.2")
def log_sigma_reparameterization(grad_fn):
    """``grad_fn(grad_z, log_sigma, eps) -> (grad_mu, grad_log_sigma)`` for
    z = mu + exp(log_sigma) * eps."""
    rng = np.random.default_rng(2)
    grad_z, log_sigma, eps = (rng.normal(size=(5, 3)) for _ in range(3))
    got = grad_fn(grad_z, log_sigma, eps)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return False, "return a pair (grad_mu, grad_log_sigma), e.g. a tuple of two arrays"
    g_mu, g_ls = (np.asarray(g, dtype=float) for g in got)
    if not np.allclose(g_mu, grad_z):
        return False, "dz/dmu = 1, so grad_mu is grad_z itself"
    want = grad_z * np.exp(log_sigma) * eps
    if np.allclose(g_ls, want):
        return True, "dz/dlog_sigma = sigma * eps: the noise is fixed, sigma carries the gradient"
    if np.allclose(g_ls, 0.5 * want):
        return False, ("the factor 1/2 belongs to the log-variance form (sigma = exp(logvar / "
                       "2)); here sigma = exp(log_sigma)")
    if np.allclose(g_ls, grad_z * np.exp(log_sigma)):
        return False, "z depends on log_sigma through sigma * eps: multiply by eps too"
    return False, "use the chain rule: dz/dlog_sigma = exp(log_sigma) * eps"


@checker("13.3")
def pca_reconstruction(recon_fn):
    """``recon_fn(X, k) -> X_hat``: project onto the top-k principal components and back."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 8)) @ rng.normal(size=(8, 8)) + 3.0
    for k in (1, 3, 8):
        got = np.asarray(recon_fn(X.copy(), k), dtype=float)
        if got.shape != X.shape:
            return False, f"return an array of X's shape {X.shape}, got {got.shape}"
        mean = X.mean(axis=0)
        _, _, vt = np.linalg.svd(X - mean, full_matrices=False)
        want = mean + (X - mean) @ vt[:k].T @ vt[:k]
        if np.allclose(got, want, atol=1e-8):
            continue
        _, _, vt_raw = np.linalg.svd(X, full_matrices=False)
        if np.allclose(got, X @ vt_raw[:k].T @ vt_raw[:k], atol=1e-8):
            return False, ("centre first: subtract the column means, project, then add them "
                           "back (PCA's directions are those of the centred data)")
        if np.allclose(got, (X - mean) @ vt[:k].T @ vt[:k], atol=1e-8):
            return False, "add the mean back after projecting"
        return False, (f"for k={k} the reconstruction differs from mean + (X - mean) V_k V_k^T "
                       "with V_k the top-k right singular vectors of X - mean")
    return True, "with k = all dimensions the reconstruction is exact, as it should be"


@checker("13.4")
def tpr_at_fpr(rate_fn):
    """``rate_fn(normal_scores, anomaly_scores, fpr) -> float``: the detection rate when the
    threshold lets through a fraction ``fpr`` of normal examples as false alarms."""
    rng = np.random.default_rng(4)
    normal = rng.normal(0.0, 1.0, 4000)
    anomaly = rng.normal(1.5, 1.0, 3000)
    for fpr in (0.05, 0.01, 0.2):
        threshold = np.quantile(normal, 1 - fpr)
        want = float(np.mean(anomaly > threshold))
        got = float(rate_fn(normal.copy(), anomaly.copy(), fpr))
        if abs(got - want) <= 0.005:
            continue
        if abs(got - fpr) <= 0.005:
            return False, ("that is the false-positive rate itself; return the fraction of "
                           "anomalies whose score is above the threshold")
        if abs(got - float(np.mean(anomaly > np.quantile(normal, fpr)))) <= 0.005:
            return False, ("the threshold must leave only a fraction fpr of the normal scores "
                           "above it: np.quantile(normal, 1 - fpr)")
        if abs(got - float(np.mean(anomaly > np.quantile(anomaly, 1 - fpr)))) <= 0.005:
            return False, "set the threshold from the normal scores, not the anomalies"
        return False, (f"with fpr={fpr} the detection rate should be about {want:.3f}, "
                       f"got {got:.3f}")
    return True, "threshold from the normal scores, rate measured on the anomalies"
