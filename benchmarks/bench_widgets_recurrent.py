"""Milliseconds per redraw of notebook 10's widgets (not a test; prints numbers).

    python benchmarks/bench_widgets_recurrent.py

The course's rule: with default sizes every control change redraws in under 1 s. The
temperature widget is measured with an untrained character model of the notebook's size
(training changes the weights, not the cost of a redraw).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch
from timing import ms

from nnlib.data import CharVocab, load_shakespeare
from nnlib.models.rnn import CharRNN
from nnlib.widgets.recurrent import gradient_flow_explorer, temperature_explorer


def setter(widget, name, values):
    """Set the control to the next value of ``values`` that differs from its current one."""
    cycle = itertools.cycle(values)

    def change():
        control = widget.controls[name]
        value = next(cycle)
        if value == control.value:
            value = next(cycle)
        control.value = value
    return change


def main() -> None:
    torch.set_num_threads(1)  # as notebook 10 does on a CPU
    print(f"torch threads: {torch.get_num_threads()}")
    print("widget / change                                   ms per redraw")
    with contextlib.redirect_stdout(io.StringIO()):
        flow = gradient_flow_explorer()
    for name, values in [("radius", [0.5, 1.5]), ("seq_len", [100, 50]),
                         ("input_scale", [0.5, 1.0]), ("nonlinearity", ["relu", "tanh"])]:
        print(f"gradient flow: {name:12s} (default T = 50)         "
              f"{ms(setter(flow, name, values)):6.0f}")
    with contextlib.redirect_stdout(io.StringIO()):
        flow.controls["seq_len"].value = 300
    print(f"gradient flow: radius at the largest T = 300      "
          f"{ms(setter(flow, 'radius', [0.5, 1.5])):6.0f}")

    vocab = CharVocab(load_shakespeare())
    torch.manual_seed(0)
    model = CharRNN(len(vocab), 32, 64, "lstm")
    with contextlib.redirect_stdout(io.StringIO()):
        temp = temperature_explorer(model, vocab)
    print(f"temperature: temperature (120 sampled characters) "
          f"{ms(setter(temp, 'temperature', [0.5, 1.5])):6.0f}")
    print(f"temperature: seed                                 "
          f"{ms(setter(temp, 'seed', [1, 2])):6.0f}")


if __name__ == "__main__":
    main()
