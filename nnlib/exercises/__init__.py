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

import importlib
from collections.abc import Callable

_CHECKERS: dict[str, Callable[[object], tuple[bool, str]]] = {}


def checker(exercise_id: str):
    """Register the decorated function as the checker of ``exercise_id`` (e.g. "04.2")."""
    def register(fn):
        _CHECKERS[exercise_id] = fn
        return fn
    return register


def _find(exercise_id: str):
    notebook = exercise_id.split(".")[0]
    if exercise_id not in _CHECKERS and notebook.isdigit():
        try:
            importlib.import_module(f"nnlib.exercises.nb{notebook}")
        except ModuleNotFoundError:
            pass
    if exercise_id not in _CHECKERS:
        known = ", ".join(sorted(_CHECKERS)) or "none loaded"
        raise KeyError(f"no exercise {exercise_id!r} (known: {known})")
    return _CHECKERS[exercise_id]


def evaluate(exercise_id: str, answer) -> tuple[bool, str]:
    """``(passed, message)`` for ``answer``; ``None`` or ``...`` counts as not attempted."""
    fn = _find(exercise_id)
    if answer is None or answer is Ellipsis:
        return False, "not attempted yet: replace the placeholder with your answer and re-run"
    try:
        return fn(answer)
    except Exception as exc:  # a broken answer gets a hint, not a traceback
        return False, f"your answer raised {type(exc).__name__}: {exc}"


def check(exercise_id: str, answer) -> None:
    """Print a one-line verdict for ``answer`` (use :func:`evaluate` to get it as a value)."""
    if answer is None or answer is Ellipsis:
        _find(exercise_id)  # an unknown id should fail even before an attempt
        print(f"Exercise {exercise_id}: not attempted yet. Replace the placeholder with your "
              "answer and run the cell again.")
        return
    passed, message = evaluate(exercise_id, answer)
    print(f"Exercise {exercise_id}: {'✓ correct' if passed else '✗ not yet'}. {message}")
