"""Notebook 06's exercise checkers accept right answers and reject wrong ones with a hint."""

import math

import numpy as np
import pytest

from nnlib.exercises import evaluate


def adagrad(param, grad, sum_sq, lr, eps):
    sum_sq = sum_sq + grad**2
    return param - lr * grad / (np.sqrt(sum_sq) + eps), sum_sq


def adagrad_that_forgets(param, grad, sum_sq, lr, eps):
    sum_sq = 0.9 * sum_sq + 0.1 * grad**2  # that is RMSprop
    return param - lr * grad / (np.sqrt(sum_sq) + eps), sum_sq


def cosine(t, base_lr, t_max):
    return base_lr * (1 + math.cos(math.pi * t / t_max)) / 2


@pytest.mark.parametrize("exercise, right, wrong, hint", [
    ("06.1", adagrad, adagrad_that_forgets, "leaves torch.optim.Adagrad"),
    ("06.2", 0.01, 0.01 * 0.1 / math.sqrt(0.001), "without bias correction"),
    ("06.2", -0.01, 0.05, "plain SGD's step"),
    ("06.3", 0.2, 0.1, "1 / curvature"),
    ("06.3", 2 / 10, 2.0, "flat direction"),
    ("06.4", cosine, lambda t, lr, T: lr * (1 - t / T), "use base_lr * (1 + cos"),
    ("06.4", cosine, lambda t, lr, T: (1 + math.cos(math.pi * t / T)) / 2, "should be base_lr"),
])
def test_checker_accepts_right_and_rejects_wrong(exercise, right, wrong, hint):
    passed, message = evaluate(exercise, right)
    assert passed is True, message
    passed, message = evaluate(exercise, wrong)
    assert passed is False and hint in message


def test_wrong_shape_is_explained():
    passed, message = evaluate("06.1", lambda p, g, s, lr, eps: (np.sum(p), s))
    assert passed is False and "shape (5,)" in message
