"""Notebook 02's exercise checkers accept right answers and reject wrong ones with a hint."""

import numpy as np

from nnlib.exercises import evaluate
from nnlib.scratch import functional as F


def test_02_1_silu_derivative():
    def right(x):
        s = F.sigmoid(x)
        return s * (1 + x * (1 - s))

    assert evaluate("02.1", right)[0] is True
    passed, message = evaluate("02.1", F.sigmoid)
    assert not passed and "half of the product rule" in message
    passed, message = evaluate("02.1", F.sigmoid_grad)
    assert not passed and "that is sigmoid'(x)" in message
    passed, message = evaluate("02.1", lambda x: x[:3])
    assert not passed and "one derivative per input" in message

    def unstable(x):  # the textbook sigmoid: right values, but exp(-x) overflows at x = -1000
        s = 1 / (1 + np.exp(-x))
        return s * (1 + x * (1 - s))
    passed, message = evaluate("02.1", unstable)
    assert not passed and "use the stable sigmoid" in message

    def unstable_quotient(x):  # e^{-x} / (1 + e^{-x})^2 form: inf / inf at x = -1000
        e = np.exp(-x)
        return 1 / (1 + e) + x * e / (1 + e) ** 2
    passed, message = evaluate("02.1", unstable_quotient)
    assert not passed and "overflow" in message


def test_02_2_stable_softmax():
    def right(z):
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def naive(z):
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    def columns(z):
        e = np.exp(z - z.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)

    assert evaluate("02.2", right)[0] is True
    passed, message = evaluate("02.2", naive)
    assert not passed and "subtract each row's max" in message
    passed, message = evaluate("02.2", columns)
    assert not passed and "normalised the columns" in message

    def one_shift_for_all_rows(z):  # right maths, but one row of exp() underflows to all 0
        e = np.exp(z - z.max())
        return e / e.sum(axis=-1, keepdims=True)

    passed, message = evaluate("02.2", one_shift_for_all_rows)
    assert not passed and "each row's own max" in message


def test_02_3_dead_fraction():
    assert evaluate("02.3", lambda pre: np.mean(np.all(pre <= 0, axis=0)))[0] is True
    passed, message = evaluate("02.3", lambda pre: np.mean(pre <= 0))
    assert not passed and "inactive *entries*" in message
    passed, message = evaluate("02.3", lambda pre: np.mean(np.any(pre <= 0, axis=0)))
    assert not passed and "use all(), not any()" in message
    passed, message = evaluate("02.3", lambda pre: np.mean(np.all(pre < 0, axis=0)))
    assert not passed and "use <= 0" in message
    passed, message = evaluate("02.3", lambda pre: np.sum(np.all(pre <= 0, axis=0)))
    assert not passed and "not their count" in message
    passed, message = evaluate("02.3", lambda pre: np.median(pre))
    assert not passed and "expected" in message


def test_02_4_leaky_he_std():
    assert evaluate("02.4", lambda d_in, a: np.sqrt(2 / ((1 + a**2) * d_in)))[0] is True
    passed, message = evaluate("02.4", lambda d_in, a: 2 / ((1 + a**2) * d_in))
    assert not passed and "variance" in message
    passed, message = evaluate("02.4", lambda d_in, a: np.sqrt(2 / d_in))
    assert not passed and "ReLU's He init" in message
    passed, message = evaluate("02.4", lambda d_in, a: np.sqrt(2 / ((1 + a) * d_in)))
    assert not passed and "a**2, not a" in message
    passed, message = evaluate("02.4", lambda d_in, a: np.sqrt(1 / d_in))
    assert not passed and "mean squared slope" in message
