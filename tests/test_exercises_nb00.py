"""Notebook 00's exercise checkers accept right answers and reject plausible wrong ones."""

import pytest

from nnlib.exercises import evaluate


@pytest.mark.parametrize("exercise, right, wrong, hint", [
    ("00.1", (784, 128), (128, 784), "PyTorch's storage order"),
    ("00.1", (784, 128), (784,), "X @ W must have shape (N, 128)"),
    ("00.2", 101_770, 101_632, "add one bias per output unit"),
    ("00.2", 101_770, 912, "count d_in*d_out + d_out"),
    ("00.3", 1, 0, "the *most* ink"),
    ("00.3", 1, 7, "take the smallest"),
    ("00.3", 1, "1", "one digit"),
    ("00.3", 1, 1.0, "one digit"),
    ("00.4", " ", "e", "letters are not the most common"),
    ("00.4", " ", "\n", "something occurs more often"),
    ("00.4", " ", "  ", "one character"),
])
def test_checker_accepts_right_and_rejects_wrong(exercise, right, wrong, hint):
    passed, message = evaluate(exercise, right)
    assert passed is True, message
    passed, message = evaluate(exercise, wrong)
    assert passed is False and hint in message
