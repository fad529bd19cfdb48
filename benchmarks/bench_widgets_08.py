"""Milliseconds per redraw of notebook 08's training dashboard (not a test; prints numbers).

    python benchmarks/bench_widgets_08.py

The course's rule: with default sizes every control change redraws in under 1 s. Moving a
control of the dashboard only redraws; training runs when Train is pressed, so the time
per epoch (MNIST, 3,500 training digits, validation included, curves redrawn) is listed too.
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

import torch
from timing import ms

from nnlib.widgets.training import TrainingDashboard


def main() -> None:
    print(f"torch threads: {torch.get_num_threads()}")
    print("widget / change                                        ms")
    with contextlib.redirect_stdout(io.StringIO()):
        dash = TrainingDashboard(epochs=1, device="cpu")
        dash.train()  # the first optimizer pays torch's one-off imports
    dropouts = iter([0.1, 0.3] * 3)
    print(f"08 dashboard: change a control (redraw only)         "
          f"{ms(lambda: setattr(dash.controls['dropout'], 'value', next(dropouts))):6.0f}")
    print(f"08 dashboard: Train, 1 epoch (train + 2 redraws)     {ms(dash.train):6.0f}")
    with contextlib.redirect_stdout(io.StringIO()):
        dash.controls["epochs"].value = 3
    print(f"08 dashboard: Train, 3 epochs                        {ms(dash.train, 1):6.0f}")


if __name__ == "__main__":
    main()
