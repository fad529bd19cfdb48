"""Each notebook-14 checker accepts a right answer and rejects plausible wrong ones."""

import numpy as np

from nnlib.exercises import evaluate


def test_14_1_optimal_discriminator():
    assert evaluate("14.1", lambda p, q: p / (p + q))[0] is True
    passed, message = evaluate("14.1", lambda p, q: q / (p + q))
    assert passed is False and "real" in message
    passed, message = evaluate("14.1", lambda p, q: p / q)
    assert passed is False and "[0, 1]" in message
    assert evaluate("14.1", lambda p, q: np.full(p.shape, 0.5))[0] is False


def test_14_2_predict_x0():
    assert evaluate("14.2", lambda x, e, ab: (x - np.sqrt(1 - ab) * e) / np.sqrt(ab))[0] is True
    passed, message = evaluate("14.2", lambda x, e, ab: (x - (1 - ab) * e) / ab)
    assert passed is False and "square roots" in message
    passed, message = evaluate("14.2", lambda x, e, ab: x - np.sqrt(1 - ab) * e)
    assert passed is False and "divide" in message


def cosine(T, s=0.008):
    f = np.cos((np.arange(T + 1) / T + s) / (1 + s) * np.pi / 2) ** 2
    return f[1:] / f[0]


def test_14_3_cosine_schedule():
    assert evaluate("14.3", cosine)[0] is True
    passed, message = evaluate("14.3", lambda T, s=0.008: cosine(T, s) * np.cos(
        s / (1 + s) * np.pi / 2) ** 2)
    assert passed is False and "f(0)" in message
    passed, message = evaluate("14.3", lambda T, s=0.008: cosine(T, 0.0))
    assert passed is False and "offset" in message
    passed, message = evaluate("14.3", lambda T, s=0.008: np.concatenate([[1.0], cosine(T)[:-1]]))
    assert passed is False and "t = 1" in message


def posterior(betas):
    ab = np.cumprod(1 - betas)
    ab_prev = np.concatenate([[1.0], ab[:-1]])
    return (1 - ab_prev) / (1 - ab) * betas


def test_14_4_posterior_variance():
    assert evaluate("14.4", posterior)[0] is True
    passed, message = evaluate("14.4", lambda b: b)
    assert passed is False and "smaller variance" in message
    passed, message = evaluate("14.4", lambda b: np.concatenate([[b[0]], posterior(b)[1:]]))
    assert passed is False and "variance is 0" in message


def test_14_wrong_shapes_are_named(solved):
    passed, message = evaluate("14.4", lambda b: posterior(b)[:-1])
    assert passed is False and "one variance per step, shape (5,), got (4,)" in message
    passed, message = evaluate("14.2", lambda x_t, eps, ab: solved("14.2")(x_t, eps, ab).T)
    assert passed is False and "x0 with x_t's shape, shape (6, 2), got (2, 6)" in message
