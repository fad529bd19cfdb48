"""Each notebook-13 checker accepts a right answer and rejects plausible wrong ones."""

import numpy as np

from nnlib.exercises import evaluate


def kl(mu1, lv1, mu2, lv2):
    return 0.5 * np.sum(lv2 - lv1 + (np.exp(lv1) + (mu1 - mu2) ** 2) / np.exp(lv2) - 1, axis=1)


def test_13_1_general_gaussian_kl():
    assert evaluate("13.1", kl)[0] is True
    passed, message = evaluate("13.1", lambda a, b, c, d: kl(c, d, a, b))
    assert passed is False and "not symmetric" in message
    passed, message = evaluate("13.1", lambda *args: 2 * kl(*args))
    assert passed is False and "1/2" in message
    passed, message = evaluate("13.1", lambda *args: kl(*args)[:, None])
    assert passed is False and "one KL per example" in message


def test_13_2_log_sigma_reparameterization():
    assert evaluate("13.2", lambda g, ls, e: (g, g * np.exp(ls) * e))[0] is True
    passed, message = evaluate("13.2", lambda g, ls, e: (g, 0.5 * g * np.exp(ls) * e))
    assert passed is False and "1/2" in message
    passed, message = evaluate("13.2", lambda g, ls, e: (g, g * np.exp(ls)))
    assert passed is False and "eps" in message
    passed, message = evaluate("13.2", lambda g, ls, e: (g * e, g * np.exp(ls) * e))
    assert passed is False and "grad_mu" in message


def pca(X, k):
    mean = X.mean(axis=0)
    _, _, vt = np.linalg.svd(X - mean, full_matrices=False)
    return mean + (X - mean) @ vt[:k].T @ vt[:k]


def test_13_3_pca_reconstruction():
    assert evaluate("13.3", pca)[0] is True
    passed, message = evaluate("13.3", lambda X, k: pca(X, k) - X.mean(axis=0))
    assert passed is False and "mean back" in message

    def uncentred(X, k):
        _, _, vt = np.linalg.svd(X, full_matrices=False)
        return X @ vt[:k].T @ vt[:k]
    passed, message = evaluate("13.3", uncentred)
    assert passed is False and "centre first" in message
    assert evaluate("13.3", lambda X, k: pca(X, max(k - 1, 1)))[0] is False


def test_13_4_tpr_at_fpr():
    def right(normal, anomaly, fpr):
        return np.mean(anomaly > np.quantile(normal, 1 - fpr))
    assert evaluate("13.4", right)[0] is True
    passed, message = evaluate("13.4", lambda n, a, f: np.mean(a > np.quantile(n, f)))
    assert passed is False and "1 - fpr" in message
    passed, message = evaluate("13.4", lambda n, a, f: np.mean(n > np.quantile(n, 1 - f)))
    assert passed is False and "false-positive rate" in message
    passed, message = evaluate("13.4", lambda n, a, f: np.mean(a > np.quantile(a, 1 - f)))
    assert passed is False
