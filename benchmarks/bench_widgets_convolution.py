"""Milliseconds per redraw of notebook 09's kernel explorer (not a test; prints numbers).

    python benchmarks/bench_widgets_convolution.py

The course's rule: with default sizes every control change redraws in under 1 s.
A redraw includes the convolution and the PNG shown in the notebook.
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

from nnlib.widgets.convolution import CUSTOM, convolution_widget


def main() -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        widget = convolution_widget()
    changes = [("kernel", ["box blur", "Sobel y (horizontal edges)"]), ("index", [5, 6]),
               ("stride", [2, 1]), ("padding", [1, 0]), ("relu", [True, False])]
    print("09 kernel explorer: control change              ms")
    for name, values in changes:
        cycle = iter(values * 10)

        def change(name=name, cycle=cycle):
            widget.controls[name].value = next(cycle)
        print(f"  {name:<46}{ms(change):6.0f}")
    widget.controls["kernel"].value = CUSTOM
    values = iter(range(1, 100))

    def custom():
        widget.controls["k11"].value = float(next(values))
    print(f"  {'custom kernel number':<46}{ms(custom):6.0f}")


if __name__ == "__main__":
    main()
