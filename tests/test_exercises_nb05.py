"""Notebook 05's exercise checkers accept right answers and reject wrong ones with a hint."""

import numpy as np
import pytest

from nnlib.exercises import evaluate


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _naive_log_softmax(x):
    return np.log(np.exp(x) / np.sum(np.exp(x), axis=1, keepdims=True))


def _log_of_stable_softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return np.log(e / e.sum(axis=1, keepdims=True))


def _stable_log_softmax(x):
    m = x.max(axis=1, keepdims=True)
    return x - (m + np.log(np.sum(np.exp(x - m), axis=1, keepdims=True)))


def _one_shift_for_all_rows(x):
    m = x.max()
    return x - (m + np.log(np.sum(np.exp(x - m), axis=1, keepdims=True)))


@pytest.mark.parametrize("exercise, right, wrong, hint", [
    ("05.1", lambda p, t: np.mean((p - t) ** 2), lambda p, t: np.sum((p - t) ** 2),
     "sum of squared errors"),
    ("05.1", lambda p, t: np.mean((p - t) ** 2), lambda p, t: np.sqrt(np.mean((p - t) ** 2)),
     "RMSE"),
    ("05.1", lambda p, t: np.mean((p - t) ** 2), lambda p, t: np.mean(np.abs(p - t)),
     "mean((pred - target)**2)"),
    ("05.2", lambda z, y: _sigmoid(z) - y, lambda z, y: y - _sigmoid(z), "sign is flipped"),
    ("05.2", lambda z, y: _sigmoid(z) - y,
     lambda z, y: (_sigmoid(z) - y) * _sigmoid(z) * (1 - _sigmoid(z)), "MSE after a sigmoid"),
    ("05.2", lambda z, y: _sigmoid(z) - y, lambda z, y: (_sigmoid(z) - y) / len(z),
     "do not divide by N"),
    ("05.3", _stable_log_softmax, _naive_log_softmax, "subtract each row's max"),
    ("05.3", _stable_log_softmax, _one_shift_for_all_rows, "each row's own max"),
    ("05.3", _stable_log_softmax, _log_of_stable_softmax, "underflowed to 0"),
    ("05.3", _stable_log_softmax, lambda x: _stable_log_softmax(x)[:, 0], "one log-probability"),
    ("05.3", _stable_log_softmax, lambda x: x - x.max(axis=1, keepdims=True), "finite but wrong"),
    ("05.4", 5, 11.4, "that is the mean"),
    ("05.4", 5.0, 7, "try a few constants"),
])
def test_checker_accepts_right_and_rejects_wrong(exercise, right, wrong, hint):
    passed, message = evaluate(exercise, right)
    assert passed is True, message
    passed, message = evaluate(exercise, wrong)
    assert passed is False and hint in message


def test_naive_log_softmax_is_rejected_without_warnings(recwarn):
    assert evaluate("05.3", _naive_log_softmax)[0] is False
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def _softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _smoothed(logits, labels, eps):
    c = logits.shape[1]
    q = (1 - eps) * np.eye(c)[labels] + eps / c
    return (_softmax(logits) - q) / len(labels)


def _unsmoothed(logits, labels, eps):
    return (_softmax(logits) - np.eye(logits.shape[1])[labels]) / len(labels)


def _no_uniform_part(logits, labels, eps):
    return (_softmax(logits) - (1 - eps) * np.eye(logits.shape[1])[labels]) / len(labels)


def _spread_over_others(logits, labels, eps):
    c = logits.shape[1]
    one_hot = np.eye(c)[labels]
    q = (1 - eps) * one_hot + eps / (c - 1) * (1 - one_hot)
    return (_softmax(logits) - q) / len(labels)


@pytest.mark.parametrize("exercise, right, wrong, hint", [
    ("05.5", -np.log(2), 0.0, "maximise s (1 - s)²"),
    ("05.5", -0.6931, np.log(2), "sign is flipped"),
    ("05.5", -np.log(2), 1 / 3, "answer the logit z itself"),
    ("05.5", -np.log(2), -5.0, "set its derivative in s to 0"),
    ("05.6", _smoothed, _unsmoothed, "gradient without smoothing"),
    ("05.6", _smoothed, _no_uniform_part, "eps / C that every class receives"),
    ("05.6", _smoothed, _spread_over_others, "eps / C each"),
    ("05.6", _smoothed, lambda lg, lb, eps: _smoothed(lg, lb, eps) * len(lb), "factor N"),
])
def test_new_exercises_accept_right_and_reject_wrong(exercise, right, wrong, hint):
    passed, message = evaluate(exercise, right)
    assert passed is True, message
    passed, message = evaluate(exercise, wrong)
    assert passed is False and hint in message
