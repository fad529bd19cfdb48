"""Issue 16: every exercise checker answers a wrong type, shape or dtype with ONE friendly line
(what was expected, what was received), never a traceback."""

import importlib
import pkgutil
import time

import numpy as np
import pytest

import nnlib.exercises as ex
from nnlib.exercises import check, evaluate

for info in pkgutil.iter_modules(ex.__path__):
    if info.name.startswith("nb"):
        importlib.import_module(f"nnlib.exercises.{info.name}")
EXERCISES = sorted(ex._CHECKERS)

BAD_ANSWERS = {
    "int": 42,
    "str": "my answer",
    "list": [1, 2, 3],
    "dict": {"a": 1},
    "empty array": np.zeros((0,)),
    "2x2 int array": np.arange(4).reshape(2, 2),
    "complex array": np.ones(3, dtype=complex),
    "float16 array": np.ones((2, 3), dtype=np.float16),
    "function returning None": lambda *args, **kwargs: None,
    "function returning a string": lambda *args, **kwargs: "x",
    "function raising": lambda *args, **kwargs: 1 / 0,
    "function of no arguments": lambda: 0.0,
}


def test_every_notebook_with_exercises_has_checkers():
    assert len(EXERCISES) >= 40


@pytest.mark.parametrize("exercise", EXERCISES)
def test_wrong_kinds_of_answer_get_one_friendly_line(exercise):
    start = time.perf_counter()
    for label, answer in BAD_ANSWERS.items():
        passed, message = evaluate(exercise, answer)
        assert passed is False, (exercise, label)
        assert isinstance(message, str) and message, (exercise, label)
        assert "\n" not in message and "Traceback" not in message, (exercise, label, message)
        assert len(message) <= 300, (exercise, label)
    assert time.perf_counter() - start < 60, exercise   # generous: the machine is shared


def test_the_friendly_line_says_what_was_expected_and_received(capsys):
    passed, message = evaluate("05.1", 42)
    assert not passed
    assert message.startswith("expected a function") and "got 42" in message
    check("05.1", "text")
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "✗ not yet" in out and "got 'text' (a str)" in out


def test_placeholders_count_as_not_attempted():
    assert evaluate("05.1", None) == (False, "not attempted yet: replace the placeholder with "
                                             "your answer and re-run")
    assert evaluate("05.1", ...)[0] is False
