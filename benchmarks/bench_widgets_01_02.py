"""Milliseconds per redraw of the widgets of notebooks 01 and 02 (not a test; prints numbers).

    python benchmarks/bench_widgets_01_02.py

The course's rule: with default sizes every control change redraws in under 1 s.
A redraw includes the computation it triggers (perceptron epochs, the gradient through
N layers) and rendering the PNG shown in the notebook.
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

from nnlib.widgets.activations import activation_widget, gradient_norms_through_depth
from nnlib.widgets.perceptron import perceptron_trace, perceptron_widget


def set_control(widget, name, values):
    values = iter(values)
    return lambda: setattr(widget.controls[name], "value", next(values))


def main() -> None:
    print("widget / change                                        ms")
    with contextlib.redirect_stdout(io.StringIO()):
        perceptron = perceptron_widget()
    print(f"01 perceptron: epoch slider                         "
          f"{ms(set_control(perceptron, 'epoch', [3, 9, 15])):6.0f}")
    print(f"01 perceptron: gate dropdown                        "
          f"{ms(set_control(perceptron, 'gate', ['XOR', 'OR', 'NAND'])):6.0f}")
    print(f"01 perceptron: training only (20 epochs)            "
          f"{ms(lambda: perceptron_trace('XOR', 1.0, 20)):6.0f}")

    with contextlib.redirect_stdout(io.StringIO()):
        activations = activation_widget()
    print(f"02 activations: activation dropdown (20 layers)     "
          f"{ms(set_control(activations, 'activation', ['tanh', 'ReLU', 'GELU'])):6.0f}")
    print(f"02 activations: depth slider to 50 layers           "
          f"{ms(set_control(activations, 'depth', [50, 49, 48])):6.0f}")
    print(f"02 activations: gradient only, GELU, 50 layers      "
          f"{ms(lambda: gradient_norms_through_depth('GELU', 50)):6.0f}")


if __name__ == "__main__":
    main()
