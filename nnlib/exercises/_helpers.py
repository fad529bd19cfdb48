"""What the exercise checkers and the worked solutions share: one registry class (ids such as
"04.2" mapped to functions, loaded per notebook from ``nbNN`` modules) and the first steps of
a checker (is the answer a whole number, an array of the right shape)."""

from __future__ import annotations

import importlib
import numbers
import pkgutil
from collections.abc import Callable

import numpy as np


class Registry:
    """Functions registered per exercise id, imported on demand from ``<package>.nbNN``."""

    def __init__(self, package: str, missing: str):
        self.package = package
        self.missing = missing          # the KeyError's words, e.g. "no exercise"
        self.functions: dict[str, Callable] = {}

    def register(self, exercise_id: str):
        """Decorator: register the function under ``exercise_id``."""
        def register(fn):
            self.functions[exercise_id] = fn
            return fn
        return register

    def load_all(self) -> dict[str, Callable]:
        """Import every ``nbNN`` module; ``{exercise_id: function}``, sorted."""
        package = importlib.import_module(self.package)
        for info in pkgutil.iter_modules(package.__path__):
            if info.name.startswith("nb"):
                importlib.import_module(f"{self.package}.{info.name}")
        return dict(sorted(self.functions.items()))

    def find(self, exercise_id: str) -> Callable:
        notebook = exercise_id.split(".")[0]
        if exercise_id not in self.functions and notebook.isdigit():
            try:
                importlib.import_module(f"{self.package}.nb{notebook}")
            except ModuleNotFoundError:
                pass
        if exercise_id not in self.functions:
            known = ", ".join(sorted(self.functions)) or "none loaded"
            raise KeyError(f"{self.missing} {exercise_id!r} (known: {known})")
        return self.functions[exercise_id]


def whole_number_problem(value) -> str | None:
    """``None`` when ``value`` is an int (not a bool), else what a checker tells the learner."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return None
    return f"return a whole number (an int), got {type(value).__name__}"


def as_array(value, shape: tuple, what: str) -> tuple[np.ndarray | None, str | None]:
    """The learner's answer as a float array of ``shape``: ``(array, None)``, or
    ``(None, message)`` naming ``what`` was wanted when the shape differs."""
    got = np.asarray(value, dtype=float)
    if got.shape != tuple(shape):
        return None, f"return {what}, shape {tuple(shape)}, got {got.shape}"
    return got, None
