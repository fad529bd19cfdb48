"""Exercise checks accept right answers, reject wrong ones with a hint, and explain misuse."""

import pytest

from nnlib.exercises import check, evaluate


@pytest.mark.parametrize("exercise, right, wrong, hint", [
    ("00.1", (784, 128), (128, 784), "PyTorch's storage order"),
    ("00.2", 101_770, 101_632, "add one bias per output unit"),
])
def test_notebook_00_checks(exercise, right, wrong, hint):
    assert evaluate(exercise, right)[0] is True
    passed, message = evaluate(exercise, wrong)
    assert passed is False and hint in message


def test_placeholder_is_not_attempted(capsys):
    check("00.1", None)
    assert "not attempted yet" in capsys.readouterr().out
    assert evaluate("00.1", ...)[0] is False


def test_an_answer_that_raises_gets_a_message(capsys):
    check("05.5", "many")
    out = capsys.readouterr().out
    assert "✗ not yet" in out and "ValueError" in out


@pytest.mark.parametrize("answer", [101_770.7, "101770", True])
def test_a_count_must_be_a_whole_number(answer):
    passed, message = evaluate("00.2", answer)
    assert passed is False and "whole number" in message


def test_unknown_exercise_lists_known_ones():
    with pytest.raises(KeyError, match="no exercise '00.9'.*00.1"):
        check("00.9", 1)
