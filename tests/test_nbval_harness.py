"""The notebook harness compares outputs strictly: a changed output must fail the run."""

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
SANITIZE = REPO / "tests" / "nbval_sanitize.cfg"

pytestmark = pytest.mark.slow  # runs notebooks under nbval in subprocesses


def run_nbval(notebook: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
         "--nbval-current-env", "--nbval-sanitize-with", str(SANITIZE), str(notebook)],
        cwd=notebook.parent, capture_output=True, text=True, timeout=300)


def executed_notebook(tmp_path: Path, sources_and_outputs) -> Path:
    cells = []
    for count, (source, text) in enumerate(sources_and_outputs, start=1):
        cell = nbformat.v4.new_code_cell(source, execution_count=count)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        cells.append(cell)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = tmp_path / "harness.ipynb"
    nbformat.write(nb, path)
    return path


def test_matching_outputs_pass_and_a_changed_output_fails(tmp_path):
    good = executed_notebook(tmp_path, [("print(6 * 7)", "42\n")])
    assert run_nbval(good).returncode == 0
    bad = executed_notebook(tmp_path, [("print(6 * 7)", "41\n")])
    result = run_nbval(bad)
    assert result.returncode == 1
    assert "41" in result.stdout and "42" in result.stdout


def test_sanitizer_hides_timings_and_addresses_but_not_numbers(tmp_path):
    source = ("import time\nprint(f'took {time.perf_counter() % 7 + 1:.2f} s at 0x7f3a2b')")
    assert run_nbval(executed_notebook(tmp_path, [(source, "took 3.25 s at 0xdeadbeef\n")])
                     ).returncode == 0
    changed = executed_notebook(tmp_path, [("print('loss 0.5')", "loss 0.6\n")])
    assert run_nbval(changed).returncode == 1


def test_a_changed_output_in_a_course_notebook_fails(tmp_path):
    source = REPO / "notebooks" / "00_start_here.ipynb"
    copy = tmp_path / source.name
    shutil.copy(source, copy)
    assert run_nbval(copy).returncode == 0
    nb = nbformat.read(copy, as_version=4)
    target = next(c for c in nb.cells if c.cell_type == "code" and "X @ W + b" in c.source
                  and c.outputs and c.outputs[0].get("name") == "stdout")
    target.outputs[0].text = target.outputs[0].text.replace("(4, 2)", "(4, 3)")
    nbformat.write(nb, copy)
    result = run_nbval(copy)
    assert result.returncode == 1 and "(4, 3)" in result.stdout
