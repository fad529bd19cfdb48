"""Shared timing helper for the benchmark scripts (not a test; they print numbers)."""

from __future__ import annotations

import contextlib
import io
import time


def ms(action, repeat: int = 3) -> float:
    """Best of ``repeat`` runs of ``action()``, in milliseconds, with stdout silenced.

    The best run is the honest figure on a shared machine: other processes only add time.
    """
    best = float("inf")
    for _ in range(repeat):
        with contextlib.redirect_stdout(io.StringIO()):
            start = time.perf_counter()
            action()
            best = min(best, time.perf_counter() - start)
    return 1000 * best
