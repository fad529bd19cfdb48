"""Milliseconds per redraw of notebook 12's text-generation widget (not a test; prints numbers).

    python benchmarks/bench_widgets_generation.py

The course's rule: with default sizes every control change redraws in under 1 s. Each redraw
samples ``length`` characters, one forward pass of the GPT per character, so the time grows
with the length slider; the notebook's model is the "cpu" recipe of ``nnlib.train.lm``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from nnlib.data import shakespeare_splits
from nnlib.models.gpt import GPT
from nnlib.train.lm import shakespeare_recipe
from nnlib.widgets.generation import generation_explorer


def ms_per_change(widget, name, values) -> float:
    """Best time of setting control ``name`` to each of ``values`` (redraw included), in ms."""
    best = float("inf")
    for value in values:
        start = time.perf_counter()
        widget.controls[name].value = value
        best = min(best, time.perf_counter() - start)
        assert widget.last_error is None, widget.last_status
    return 1000 * best


def main() -> None:
    print(f"torch threads: {torch.get_num_threads()}")
    _, _, vocab = shakespeare_splits()
    torch.manual_seed(0)
    model = GPT(shakespeare_recipe("cpu", len(vocab))[0])
    widget = generation_explorer(model, vocab)          # notebook defaults: 200 characters
    print(f"temperature: {ms_per_change(widget, 'temperature', [0.5, 1.0, 1.5]):7.1f} ms")
    print(f"top-k:       {ms_per_change(widget, 'top_k', [5, 10, 0]):7.1f} ms")
    print(f"seed:        {ms_per_change(widget, 'seed', [1, 2, 3]):7.1f} ms")
    print(f"prompt:      {ms_per_change(widget, 'prompt', ['JULIET:', 'To be', 'KING']):7.1f} ms")
    for length in (200, 600):
        print(f"length {length}:  {ms_per_change(widget, 'length', [length - 20, length]):7.1f} ms")


if __name__ == "__main__":
    main()
