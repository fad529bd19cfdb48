"""Milliseconds per redraw of the widgets of notebooks 03 and 04 (not a test; prints numbers).

    python benchmarks/bench_widgets_03_04.py

The course's rule: with default sizes every control change redraws in under 1 s.
A redraw here includes any training it triggers and the PNG shown in the notebook.
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import ms

from nnlib.widgets.mlp import hidden_units_widget
from nnlib.widgets.playground import Playground


def main() -> None:
    print("widget / change                                   ms")
    with contextlib.redirect_stdout(io.StringIO()):
        widget = hidden_units_widget()
    units = iter(range(4, 50))

    def new_units():  # a setting never seen: trains a fresh network
        widget.controls["hidden_units"].value = next(units)

    print(f"03 hidden units: new setting (trains 500 steps)  {ms(new_units):6.0f}")
    print(f"03 hidden units: cached setting (redraw only)    "
          f"{ms(widget.update):6.0f}")
    with contextlib.redirect_stdout(io.StringIO()):
        widget.controls["problem"].value = "XOR"
    print(f"03 hidden units: XOR decision region, cached      {ms(widget.update):6.0f}")

    with contextlib.redirect_stdout(io.StringIO()):
        pg = Playground()
    print(f"04 playground: one play tick ({pg.epochs_per_tick} epochs + redraw)  "
          f"{ms(lambda: pg.step(pg.epochs_per_tick)):6.0f}")
    print(f"04 playground: step button (1 epoch + redraw)      {ms(pg.step):6.0f}")
    print(f"04 playground: training only, 5 epochs             "
          f"{ms(lambda: pg._train(5)):6.0f}")
    datasets = iter(["spiral", "XOR", "Gaussian", "circle"] * 2)
    print(f"04 playground: change data set (rebuild + redraw)  "
          f"{ms(lambda: setattr(pg.controls['dataset'], 'value', next(datasets))):6.0f}")
    with contextlib.redirect_stdout(io.StringIO()):
        pg.controls["hidden"].value = "8, 8, 8, 8, 8, 8"
    print(f"04 playground: tick with 6 layers of 8 neurons     "
          f"{ms(lambda: pg.step(pg.epochs_per_tick)):6.0f}")


if __name__ == "__main__":
    main()
