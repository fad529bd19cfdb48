"""A quick check (well under a minute) that an nnlib install works: `make check`.

    python -m tests.check_install        # from the repository folder (Windows too)

1. imports nnlib's parts and the libraries it needs, and prints their versions;
2. runs notebook 00 top to bottom in a fresh kernel (a copy; nothing is written back);
3. drives one widget: changes a control and checks that the figure was redrawn.
Prints one line per step and "check: ok" at the end; exit status 1 at the first failure.
"""

from __future__ import annotations

import importlib
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PARTS = ("nnlib.scratch", "nnlib.autograd", "nnlib.models", "nnlib.data", "nnlib.widgets",
         "nnlib.exercises", "nnlib.plotting", "nnlib.utils")


def step_imports() -> str:
    import nnlib
    from nnlib.utils import environment_report

    for name in PARTS:
        importlib.import_module(name)
    return "imports ok\n" + environment_report() + f"\nnnlib from  {Path(nnlib.__file__).parent}"


def step_notebook() -> str:
    import nbformat
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory() as folder:
        path = Path(shutil.copy(REPO / "notebooks" / "00_start_here.ipynb", folder))
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, timeout=120, kernel_name="python3",
                                resources={"metadata": {"path": folder}})
        client.widget_registry = {}  # see ci/run_notebooks.py (nbclient#312)
        client.execute()
    return f"notebook 00 ran ({len(nb.cells)} cells)"


def step_widget() -> str:
    import matplotlib

    matplotlib.use("Agg")
    from nnlib.widgets.activations import activation_widget

    widget = activation_widget()
    before = widget.to_png()
    widget.controls["activation"].value = "ReLU"
    if widget.last_error is not None:
        raise RuntimeError(f"the widget reported an error: {widget.last_error}")
    if widget.to_png() == before:
        raise RuntimeError("changing the activation did not redraw the figure")
    return f"widget driven: {widget.last_status.splitlines()[0][:70]}"


def main() -> int:
    start = time.perf_counter()
    for name, step in (("imports", step_imports), ("notebook 00", step_notebook),
                       ("widget", step_widget)):
        try:
            print(step(), flush=True)
        except Exception as error:  # report what failed and what to do, then stop
            print(f"check FAILED at {name}: {type(error).__name__}: {error}\n"
                  "What to do: see README.md, 'Troubleshooting' (reinstall with `make clean "
                  "setup`, or `pip install -e \".[lab]\"` in your environment).", flush=True)
            return 1
    print(f"check: ok in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
