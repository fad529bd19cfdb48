"""Milliseconds per redraw of the notebook-11 widgets at their default sizes (not a test).

    .venv/bin/python benchmarks/bench_widgets_attention.py

The course's rule: with default sizes every control change redraws in under 1 s.
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

import torch

from nnlib.data import reverse_task
from nnlib.models.transformer_toy import ToyTransformer
from nnlib.widgets.attention import attention_map_explorer, scaling_explorer


def ms(action) -> float:
    """One run of ``action()`` in milliseconds (stdout silenced)."""
    with contextlib.redirect_stdout(io.StringIO()):
        start = time.perf_counter()
        action()
        return 1000 * (time.perf_counter() - start)


def report(name, build, changes) -> None:
    holder = {}
    print(f"{name}: built in {ms(lambda: holder.setdefault('w', build())):.0f} ms")
    widget = holder["w"]
    for control, value in changes:
        def change(control=control, value=value):
            widget.controls[control].value = value
            widget.to_png()  # outside Jupyter the widget does not render: do it here
        print(f"  {control} = {value!r}: {ms(change):.0f} ms")


def main() -> None:
    print(f"torch threads: {torch.get_num_threads()}")
    torch.manual_seed(0)
    inputs, targets = reverse_task(20, 10, 10, seed=1)
    model = ToyTransformer(10, 10, d_model=32, num_heads=4, num_layers=2, dim_feedforward=64)
    report("attention_map_explorer", lambda: attention_map_explorer(model, inputs, targets),
           [("example", 3), ("head", "head 2"), ("head", "mean of heads"),
            ("layer", "layer 2")])
    report("scaling_explorer", scaling_explorer,
           [("d", 4096), ("d", 16), ("scaling", "÷ √d"), ("seed", 3), ("d", 4096)])


if __name__ == "__main__":
    main()
