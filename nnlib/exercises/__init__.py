"""Automatic checks for the exercises at the end of each notebook.

In a notebook::

    from nnlib.exercises import check
    answer = ...            # your work
    check("00.1", answer)   # prints whether it is right, with a hint if not

Each notebook's checkers live in ``nnlib/exercises/nbNN.py`` and are registered
with :func:`checker`. A checker receives the learner's answer and returns
``(passed, message)``; it should test behaviour (e.g. compare a learner's
function with nnlib's on random inputs), not match text.
"""

from __future__ import annotations

import inspect
import re
import warnings
from collections.abc import Callable

import numpy as np

from nnlib._checks import check_bool, check_callable, describe
from nnlib.exercises._helpers import Registry

_REGISTRY = Registry("nnlib.exercises", "no exercise")
_CHECKERS: dict[str, Callable[[object], tuple[bool, str]]] = _REGISTRY.functions
_ATTEMPTED: set[str] = set()  # exercises check() has seen a real answer for (solution() asks)


_EXERCISE_ID = re.compile(r"\d\d\.\d+")


def _check_exercise_id(exercise_id, where: str) -> str:
    """An exercise id such as "04.2": the notebook's two digits, a dot, the exercise number."""
    if not isinstance(exercise_id, str):
        raise TypeError(f"{where}: exercise_id must be a str such as \"04.2\", got "
                        f"{describe(exercise_id)}")
    if not _EXERCISE_ID.fullmatch(exercise_id):
        raise ValueError(f"{where}: exercise_id must look like \"04.2\" (the notebook's two "
                         f"digits, a dot, the exercise's number), got {exercise_id!r}")
    return exercise_id


def checker(exercise_id: str):
    """Register the decorated function as the checker of ``exercise_id`` (e.g. "04.2")."""
    register = _REGISTRY.register(_check_exercise_id(exercise_id, "checker"))

    def decorate(fn):
        return register(check_callable(fn, "fn", where=f"checker({exercise_id!r})"))
    return decorate


_find = _REGISTRY.find


def evaluate(exercise_id: str, answer) -> tuple[bool, str]:
    """``(passed, message)`` for ``answer``; ``None`` or ``...`` counts as not attempted."""
    fn = _find(exercise_id)
    if answer is None or answer is Ellipsis:
        return False, "not attempted yet: replace the placeholder with your answer and re-run"
    try:
        # a learner's overflowing function should get a verdict, not a screen of warnings
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            passed, message = fn(answer)
    except Exception as exc:  # a broken answer gets one friendly line, never a traceback
        return False, _friendly(fn, answer, exc)
    return bool(passed), _one_line(str(message))


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _expected(fn) -> str:
    """What a checker wants, from its docstring's first sentence or its argument's name."""
    doc = inspect.getdoc(fn)
    if doc:
        return _one_line(doc.split("\n\n")[0].replace("``", "`"), 140).rstrip(".")
    params = list(inspect.signature(fn).parameters)
    return f"`{params[0]}`" if params else "an answer"


def _friendly(fn, answer, exc: Exception) -> str:
    if not callable(answer) and "not callable" in str(exc):
        return _one_line(f"expected a function, {_expected(fn)}; got {describe(answer)}")
    kind = "your function" if callable(answer) else f"your answer, {describe(answer)},"
    return _one_line(f"{kind} failed the check with {type(exc).__name__}: {exc} (expected: "
                     f"{_expected(fn)})")


def check(exercise_id: str, answer) -> None:
    """Print a one-line verdict for ``answer`` (use :func:`evaluate` to get it as a value)."""
    if answer is None or answer is Ellipsis:
        _find(exercise_id)  # an unknown id should fail even before an attempt
        print(f"Exercise {exercise_id}: not attempted yet. Replace the placeholder with your "
              "answer and run the cell again.")
        return
    passed, message = evaluate(exercise_id, answer)
    _ATTEMPTED.add(exercise_id)
    stuck = "" if passed or not _has_solution(exercise_id) else \
        f' (Stuck after trying the hint? solution("{exercise_id}") shows a worked solution.)'
    print(f"Exercise {exercise_id}: {'✓ correct' if passed else '✗ not yet'}. {message}{stuck}")


def _has_solution(exercise_id: str) -> bool:
    from nnlib import solutions

    try:
        solutions.find(exercise_id)
    except KeyError:
        return False
    return True


def solution(exercise_id: str, *, now: bool = False) -> None:
    """Print the worked solution of ``exercise_id`` (from ``nnlib/solutions/nbNN.py``).

    A hint first: until ``check`` has seen an answer of yours it only says so; ``now=True``
    shows the solution anyway (for a teacher, or when you are really stuck).
    """
    from nnlib import solutions

    _check_exercise_id(exercise_id, "solution")
    now = check_bool(now, "now", where="solution")
    _find(exercise_id)  # an unknown id fails at once
    if exercise_id not in _ATTEMPTED and not now:
        print(f"Exercise {exercise_id}: try it first. Run check(\"{exercise_id}\", your_answer) "
              f"and read its hint; still stuck? solution(\"{exercise_id}\") then shows the "
              f"worked solution (or solution(\"{exercise_id}\", now=True) right away).")
        return
    print(solutions.text(exercise_id))
