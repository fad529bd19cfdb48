"""Issue 19: every exercise has a worked solution (nnlib/solutions/nbNN.py) that passes its own
checker, and no checker passes an empty or placeholder answer."""

import importlib
import pkgutil

import numpy as np
import pytest

import nnlib.exercises as ex
import nnlib.solutions as sol
from nnlib.exercises import evaluate

for info in pkgutil.iter_modules(ex.__path__):
    if info.name.startswith("nb"):
        importlib.import_module(f"nnlib.exercises.{info.name}")
EXERCISES = sorted(ex._CHECKERS)
SOLUTIONS = sol.load_all()

PLACEHOLDERS = {"None": None, "Ellipsis": ..., "0": 0, "0.0": 0.0, "empty string": "",
                "empty array": np.array([]), "empty list": [], "empty tuple": (),
                "empty dict": {}}
# No exemptions: an exercise whose right answer would be a placeholder (0, "", ...) must ask
# for something else (00.3 asks for the digit with the least ink, 1, not the most, 0).


def test_every_exercise_has_a_solution():
    missing = [e for e in EXERCISES if e not in SOLUTIONS]
    assert not missing, f"exercises without a worked solution in nnlib/solutions/: {missing}"


def test_every_solution_belongs_to_an_exercise():
    stale = [s for s in SOLUTIONS if s not in EXERCISES]
    assert not stale, f"solutions for exercises that no checker knows: {stale}"


@pytest.mark.parametrize("exercise", [e for e in EXERCISES if e in SOLUTIONS])
def test_the_solution_passes_its_checker(exercise):
    passed, message = evaluate(exercise, sol.answer(exercise))
    assert passed, f"solution {exercise} fails its checker: {message}"


@pytest.mark.parametrize("exercise", [e for e in EXERCISES if e in SOLUTIONS])
def test_the_solution_reads_as_notebook_code(exercise):
    text = sol.text(exercise)
    assert sol.explanation(exercise), f"{exercise}: the docstring explains the idea"
    assert f'check("{exercise}", ' in text.splitlines()[-1]
    compile(sol.code(exercise), f"solution {exercise}", "exec")   # valid Python on its own


@pytest.mark.parametrize("exercise", EXERCISES)
def test_a_placeholder_answer_is_rejected_with_a_message(exercise):
    for label, placeholder in PLACEHOLDERS.items():
        passed, message = evaluate(exercise, placeholder)
        assert passed is False, f"{exercise} accepts the placeholder {label}"
        assert isinstance(message, str) and len(message) > 10, (exercise, label, message)
        assert "\n" not in message and "Traceback" not in message, (exercise, label, message)


def test_solution_prints_only_after_an_attempt(capsys):
    from nnlib.exercises import check, solution

    ex._ATTEMPTED.discard("00.2")
    solution("00.2")
    out = capsys.readouterr().out
    assert "check(\"00.2\", your_answer)" in out and "sum(" not in out
    check("00.2", 5)
    capsys.readouterr()
    solution("00.2")
    out = capsys.readouterr().out
    assert "sum(d_in * d_out + d_out" in out and 'check("00.2", parameter_count)' in out
    ex._ATTEMPTED.discard("00.3")
    solution("00.3", now=True)
    assert "np.argmin" in capsys.readouterr().out
    with pytest.raises(KeyError, match="00.9"):
        solution("00.9", now=True)


def test_the_book_shows_each_solution_collapsed_under_its_exercise_and_the_student_edition_not():
    from book.build import notebook_paths, prepare_notebook

    path = next(p for p in notebook_paths() if p.name.startswith("04_"))
    names = {p.name[:2]: p.name for p in notebook_paths()}
    teacher = prepare_notebook(path, names, "https://example.org/blob", student=False)
    worked = [c.source for c in teacher.cells if c.source.startswith('<details class="solution">')]
    assert len(worked) == sum(e.startswith("04.") for e in SOLUTIONS) == 6
    assert "<summary>Solution 04.1</summary>" in worked[0] and 'check("04.1", ' in worked[0]
    assert worked[0].rstrip().endswith("</details>")
    student = prepare_notebook(path, names, "https://example.org/blob", student=True)
    assert not any("<details" in c.source for c in student.cells)


def test_a_wrong_answer_points_to_the_solution(capsys):
    from nnlib.exercises import check

    check("00.2", 5)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and 'solution("00.2")' in out
    check("00.2", 101_770)
    assert "solution(" not in capsys.readouterr().out
