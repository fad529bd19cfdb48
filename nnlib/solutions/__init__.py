"""Worked solutions of the exercises, one module per notebook: ``nnlib/solutions/nbNN.py``.

Each solution is a function registered with :func:`solution`. Its docstring explains the idea
in a few lines; its body is the work a learner could write with what the notebook taught so
far; it returns exactly what the exercise passes to ``check("NN.k", answer)``. The answers are
computed, never typed in, and CI runs every solution through its own checker
(``tests/test_solutions.py``).

A learner asks for one from a notebook with ``nnlib.exercises.solution("04.2")`` (after a
hint from ``check``); :func:`text` gives the same text, ready to paste into the exercise's
cell, and the web book shows it collapsed under each exercise.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable

from nnlib.exercises._helpers import Registry

_REGISTRY = Registry(__name__, "no worked solution for exercise")
_SOLUTIONS: dict[str, Callable[[], object]] = _REGISTRY.functions


def solution(exercise_id: str):
    """Register the decorated function (no arguments, returns the answer) for ``exercise_id``."""
    return _REGISTRY.register(exercise_id)


load_all = _REGISTRY.load_all   # import every nbNN module; {exercise_id: solution function}
find = _REGISTRY.find


def answer(exercise_id: str):
    """Run the worked solution and return its answer (what goes into ``check``)."""
    return find(exercise_id)()


def explanation(exercise_id: str) -> str:
    """The solution's docstring: the idea in words."""
    return inspect.getdoc(find(exercise_id)) or ""


def code(exercise_id: str) -> str:
    """The solution's body as notebook code: its final ``return x`` becomes ``check(id, x)``."""
    fn = find(exercise_id)
    source = textwrap.dedent(inspect.getsource(fn))
    tree = ast.parse(source).body[0]
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]                        # the docstring is the explanation, not code
    lines = source.splitlines()
    last = body[-1]
    head = lines[body[0].lineno - 1:last.lineno - 1]
    if isinstance(last, ast.Return) and last.value is not None:
        indent = lines[last.lineno - 1][:last.col_offset]
        value = ast.get_source_segment(source, last.value)
        tail = [f'{indent}check("{exercise_id}", {value})']
    else:
        tail = lines[last.lineno - 1:last.end_lineno]
    return textwrap.dedent("\n".join(head + tail)).strip("\n")


def text(exercise_id: str) -> str:
    """Explanation, then the code (what ``nnlib.exercises.solution`` prints)."""
    return (f"Exercise {exercise_id}, a worked solution\n\n{explanation(exercise_id)}\n\n"
            f"from nnlib.exercises import check\n\n{code(exercise_id)}\n")
