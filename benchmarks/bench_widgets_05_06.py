"""Milliseconds per redraw of the widgets of notebooks 05 and 06 (not a test; prints numbers).

    python benchmarks/bench_widgets_05_06.py

The course's rule: with default sizes every control change redraws in under 1 s.
A redraw is ``InteractiveFigure.update()``: the draw function (for 06 that includes running
the optimizer) plus the PNG shown in the notebook. The CPU time to draw without the PNG
is printed next to it, since rendering usually dominates.
"""

from __future__ import annotations

import contextlib
import io
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matplotlib.figure import Figure

from nnlib.widgets.losses import LOSSES, _draw_loss, loss_explorer
from nnlib.widgets.optimizers import _draw_optimizer, optimizer_explorer


def ms(action, repeat: int = 3) -> tuple[float, float]:
    """Best of ``repeat`` runs of ``action()``: (wall-clock ms, CPU ms of this process).

    On a busy machine the wall clock includes waiting for a core; the CPU time does not, so it
    is close to what an idle laptop core would take.
    """
    best_wall = best_cpu = float("inf")
    for _ in range(repeat):
        with contextlib.redirect_stdout(io.StringIO()):
            wall, cpu = time.perf_counter(), time.process_time()
            action()
            best_wall = min(best_wall, time.perf_counter() - wall)
            best_cpu = min(best_cpu, time.process_time() - cpu)
    return 1000 * best_wall, 1000 * best_cpu


def row(label: str, redraw: tuple[float, float], draw_only: tuple[float, float]) -> str:
    return f"{label:64s} {redraw[0]:8.0f} {redraw[1]:8.0f} {draw_only[1]:10.0f}"


def main() -> None:
    print(f"{'':64s} {'redraw (ms)':>17s} {'draw only':>10s}")
    print(f"{'widget / setting':64s} {'wall':>8s} {'CPU':>8s} {'CPU (ms)':>10s}")
    with contextlib.redirect_stdout(io.StringIO()):
        losses = loss_explorer()
    for name in LOSSES:
        with contextlib.redirect_stdout(io.StringIO()):
            losses.controls["loss"].value = name
        draw_only = ms(lambda: _draw_loss(Figure(figsize=losses.figsize), **losses.values))
        print(row(f"05 loss explorer: {name}", ms(losses.update), draw_only))

    with contextlib.redirect_stdout(io.StringIO()):
        paths = optimizer_explorer()
    settings = [("bowl", "Momentum", 0.05, 100), ("bowl", "Adam", 0.1, 500),
                ("rosenbrock", "Nesterov", 1e-3, 500), ("rosenbrock", "SGD", 10.0, 500),
                ("saddle", "RMSprop", 0.05, 100), ("saddle", "AdamW", 0.1, 500)]
    for surface, optimizer, lr, steps in settings:
        with contextlib.redirect_stdout(io.StringIO()):
            for name, value in [("surface", surface), ("optimizer", optimizer), ("lr", lr),
                                ("steps", steps)]:
                paths.controls[name].value = value
        draw_only = ms(lambda: _draw_optimizer(Figure(figsize=paths.figsize), **paths.values))
        label = f"{surface}, {optimizer}, lr {lr:g}, {steps} steps"
        print(row(f"06 optimizer paths: {label}", ms(paths.update), draw_only)
              + ("   (diverged)" if "diverged" in paths.last_status else ""))


if __name__ == "__main__":
    main()
