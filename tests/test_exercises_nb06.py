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


def adagrad_sum_after_step(param, grad, sum_sq, lr, eps):
    new_param = param - lr * grad / (np.sqrt(sum_sq) + eps)  # uses the old sum: off by a step
    return new_param, sum_sq + grad**2


def cosine(t, base_lr, t_max):
    return base_lr * (1 + math.cos(math.pi * t / t_max)) / 2


@pytest.mark.parametrize("exercise, right, wrong, hint", [
    ("06.1", adagrad, adagrad_that_forgets, "leaves torch.optim.Adagrad"),
    ("06.1", adagrad, adagrad_sum_after_step, "leaves torch.optim.Adagrad at step 1"),
    ("06.2", 0.01, 0.01 * 0.1 / math.sqrt(0.001), "without bias correction"),
    ("06.2", -0.01, 0.05, "plain SGD's step"),
    ("06.3", 0.4, 2 / 3, "diagonal entry 3"),
    ("06.3", 2 / 5, 2.0, "flat direction"),
    ("06.3", 0.4, 0.2, "1 / curvature"),
    ("06.3", 0.4, 0.3999, "one GD step along an eigenvector"),
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


def test_06_3_answer_is_the_limit_of_convergence():
    # the accepted value really is where gradient descent stops converging on the tilted bowl
    H = np.array([[3.0, 2.0], [2.0, 3.0]])

    def final_size(lr, steps=400):
        p = np.array([1.0, -0.3])
        for _ in range(steps):
            p = p - lr * H @ p
        return np.linalg.norm(p)

    assert final_size(0.39) < 1e-6 and final_size(0.41) > 1e3
    assert evaluate("06.3", 0.4)[0] is True
