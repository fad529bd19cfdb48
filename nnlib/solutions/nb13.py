"""Worked solutions for notebook 13 (autoencoders and VAEs). Format: see ``nb00.py``."""

from __future__ import annotations

from nnlib.solutions import solution


@solution("13.1")
def my_kl():
    """Per latent axis, with q = N(mu1, s1^2) and p = N(mu2, s2^2):
    E_q[log q - log p] = log(s2 / s1) + (s1^2 + (mu1 - mu2)^2) / (2 s2^2) - 1/2.
    In log-variances: 1/2 (logvar2 - logvar1 + (exp(logvar1) + (mu1 - mu2)^2) / exp(logvar2)
    - 1). The axes are independent, so sum over them (axis=1) for one value per example.
    With mu2 = 0, logvar2 = 0 this is the notebook's -1/2 sum(1 + logvar - mu^2 - exp(logvar));
    the code checks that against nnlib's gaussian_kl (which also averages over the batch)."""
    import numpy as np

    from nnlib.scratch.generative import gaussian_kl

    def my_kl(mu1, logvar1, mu2, logvar2):
        var1, var2 = np.exp(logvar1), np.exp(logvar2)
        per_axis = 0.5 * (logvar2 - logvar1 + (var1 + (mu1 - mu2) ** 2) / var2 - 1)
        return per_axis.sum(axis=1)                      # (N,)

    rng = np.random.default_rng(0)
    mu, logvar = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    zeros = np.zeros_like(mu)
    assert np.isclose(my_kl(mu, logvar, zeros, zeros).mean(), gaussian_kl(mu, logvar))
    return my_kl


@solution("13.2")
def my_reparam_grads():
    """z = mu + exp(log_sigma) * eps. dz/dmu = 1, so dL/dmu = dL/dz. dz/dlog_sigma =
    exp(log_sigma) * eps = sigma * eps, so dL/dlog_sigma = dL/dz * sigma * eps (element-wise).
    Compare the notebook's log-variance version, where sigma = exp(logvar / 2) brings a
    factor 1/2."""
    import numpy as np

    def my_reparam_grads(grad_z, log_sigma, eps):
        grad_mu = grad_z
        grad_log_sigma = grad_z * np.exp(log_sigma) * eps
        return grad_mu, grad_log_sigma

    return my_reparam_grads


@solution("13.3")
def my_pca_reconstruction():
    """Centre the data (PCA's directions are those of the centred cloud), take the SVD of the
    centred matrix: the rows of vt are the principal directions, best first. Encoding is the
    projection onto the first k of them, Xc @ V_k^T (N, k); decoding maps back,
    codes @ V_k (N, D); then add the mean again. With k = D nothing is lost."""
    import numpy as np

    def my_pca_reconstruction(X, k):
        mean = X.mean(axis=0)                              # (D,)
        Xc = X - mean
        _, _, vt = np.linalg.svd(Xc, full_matrices=False)  # vt (D, D), rows = directions
        V_k = vt[:k]                                       # (k, D)
        codes = Xc @ V_k.T                                 # (N, k): the "bottleneck"
        return codes @ V_k + mean                          # (N, D)

    return my_pca_reconstruction


@solution("13.4")
def my_tpr_at_fpr():
    """The threshold is the (1 - fpr) quantile of the normal scores: then a fraction fpr of
    normal examples score above it (the false alarms). The detection rate is the fraction of
    anomalies scoring above the same threshold. Set it from the normal scores only: in use
    you rarely have anomalies to tune on."""
    import numpy as np

    def my_tpr_at_fpr(normal_scores, anomaly_scores, fpr):
        threshold = np.quantile(normal_scores, 1 - fpr)
        return float(np.mean(anomaly_scores > threshold))

    return my_tpr_at_fpr
