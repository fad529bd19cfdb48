"""Notebook 01's exercise checkers accept right answers and reject wrong ones with a hint."""

import numpy as np

from nnlib.exercises import evaluate
from nnlib.scratch import Perceptron


def train_variant(X, y, lr, epochs, *, early_stop=True, bias=True):
    """The perceptron loop with one of two ingredients left out (wrong answers for 01.1)."""
    w, b, mistakes = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        wrong = 0
        for x_i, y_i in zip(X, y):
            error = y_i - int(x_i @ w + b > 0)
            w, wrong = w + lr * error * x_i, wrong + (error != 0)
            b += lr * error if bias else 0.0
        mistakes.append(wrong)
        if early_stop and wrong == 0:
            break
    return w, b, mistakes


def test_01_1_training_loop(solved):
    passed, message = evaluate("01.1", solved("01.1"))
    assert passed, message
    assert evaluate("01.1", train_variant)[0] is True     # both ingredients: right again
    passed, message = evaluate("01.1", lambda *a: train_variant(*a, early_stop=False))
    assert not passed and "stop after the first epoch with 0 mistakes" in message
    passed, message = evaluate("01.1", lambda *a: train_variant(*a, bias=False))
    assert not passed and "expected mistakes per epoch" in message
    passed, message = evaluate("01.1", lambda X, y, lr, epochs: (np.zeros(2), 0.0))
    assert not passed and "triple" in message


def test_01_2_nor_weights():
    assert evaluate("01.2", (np.array([-1.0, -1.0]), 0.5))[0] is True
    passed, message = evaluate("01.2", (np.array([1.0, 1.0]), -0.5))
    assert not passed and "compute OR" in message
    passed, message = evaluate("01.2", (np.array([-1.0, 1.0]), 0.5))
    assert not passed and "NOR needs" in message
    passed, message = evaluate("01.2", (np.zeros(3), 0.5))
    assert not passed and "shape (2,)" in message
    passed, message = evaluate("01.2", np.array([-1.0, -1.0, 0.5]))  # not a (w, b) pair
    assert not passed and "pair (w, b)" in message


def separable_by_perceptron(X, y, epochs=20):
    p = Perceptron(X.shape[1])
    p.fit(X, y, epochs=epochs, shuffle=False)
    return p.converged


def test_01_3_linear_separability():
    passed, message = evaluate("01.3", separable_by_perceptron)
    assert passed, message
    # a looked-up answer for two bits (all but XOR and XNOR) fails on three bits
    passed, message = evaluate("01.3", lambda X, y: tuple(y) not in {(0, 1, 1, 0), (1, 0, 0, 1)})
    assert not passed and "3-input" in message
    passed, message = evaluate("01.3", lambda X, y: True)
    assert not passed and "should give False" in message
    passed, message = evaluate("01.3", lambda X, y: separable_by_perceptron(X, y, epochs=2))
    assert not passed and "enough epochs" in message


def test_01_3_reference_counts():
    from nnlib.exercises.nb01 import _separable_labelings

    assert len(_separable_labelings(2)) == 14 and len(_separable_labelings(3)) == 104
