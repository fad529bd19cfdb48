"""Every notebook follows the conventions in CONTRIBUTING.md, and the lint really catches breaks."""

import re
from pathlib import Path

import nbformat
import pytest

from tests.notebook_tools import NAME_PATTERN, lint_notebook

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
START = NOTEBOOKS[0] if NOTEBOOKS else None


def test_there_are_notebooks_numbered_from_00_without_gaps():
    numbers = [int(NAME_PATTERN.match(p.name).group(1)) for p in NOTEBOOKS
               if NAME_PATTERN.match(p.name)]
    assert numbers and numbers == list(range(len(numbers)))
    assert NOTEBOOKS[0].name == "00_start_here.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_follows_conventions(path):
    assert lint_notebook(path) == []


def broken_copy(tmp_path, change, name="00_start_here.ipynb"):
    nb = nbformat.read(START, as_version=4)
    change(nb)
    target = tmp_path / name
    nbformat.write(nb, target)
    return lint_notebook(target)


def first_code(nb):
    return next(c for c in nb.cells if c.cell_type == "code")


def code_with_output(nb):
    return next(c for c in nb.cells if c.cell_type == "code" and c.outputs
                and "NBVAL" not in c.source)


def test_lint_accepts_the_unchanged_copy(tmp_path):
    assert broken_copy(tmp_path, lambda nb: None) == []


@pytest.mark.parametrize("change, expected", [
    (lambda nb: setattr(nb.cells[0], "source", nb.cells[0].source.replace("colab", "example")),
     "Colab badge"),
    (lambda nb: setattr(nb.cells[0], "source", nb.cells[0].source.replace("Learning objectives",
                                                                          "Goals")),
     "Learning objectives"),
    (lambda nb: setattr(first_code(nb), "source", first_code(nb).source.replace(
        "FULL_RUN = False", "BIG = False")), "scale knob"),
    (lambda nb: setattr(first_code(nb), "source", first_code(nb).source.replace(
        "@ git+https://", "@ git+http://")), "Colab install line"),
    (lambda nb: setattr(first_code(nb), "source", first_code(nb).source.replace(
        "set_seed(0)", "")), "seed"),
    (lambda nb: nb.cells.__setitem__(-1, nbformat.v4.new_markdown_cell("the end")) or
     [setattr(c, "source", c.source.replace("## Summary", "## Wrap-up"))
      for c in nb.cells if c.cell_type == "markdown"], "Summary"),
    (lambda nb: code_with_output(nb).outputs.append(
        nbformat.v4.new_output("stream", name="stderr", text="DeprecationWarning: x")), "stderr"),
    (lambda nb: code_with_output(nb).outputs.append(
        nbformat.v4.new_output("error", ename="ValueError", evalue="x", traceback=[])), "error"),
    (lambda nb: code_with_output(nb).outputs.append(
        nbformat.v4.new_output("stream", name="stdout", text="/home/me/data.npz")),
     "absolute path"),
    (lambda nb: setattr(code_with_output(nb), "execution_count", 99), "top-to-bottom"),
    (lambda nb: setattr(code_with_output(nb), "source",
                        "# NBVAL_SKIP\n" + code_with_output(nb).source), "NBVAL_SKIP"),
    (lambda nb: setattr(code_with_output(nb), "source",
                        "# NBVAL_IGNORE_OUTPUT\nx = 1"), "says why"),
    (lambda nb: nb.metadata.__setitem__("kernelspec", {"name": "myenv"}), "kernelspec"),
    (lambda nb: nb.cells.insert(1, nbformat.v4.new_markdown_cell(
        "The limit is $\\\\eta < 2/\\\\lambda_{\\\\max}$.")), "doubled backslash"),
])
def test_lint_catches_each_broken_convention(tmp_path, change, expected):
    problems = broken_copy(tmp_path, change)
    assert any(expected in p for p in problems), problems


def test_lint_catches_bad_names_and_big_files(tmp_path):
    assert any("NN_topic" in p for p in broken_copy(tmp_path, lambda nb: None, "Intro.ipynb"))

    def bloat(nb):
        nb.cells[0].source += "\n<!--" + "x" * 3_100_000 + "-->"
    assert any("cap is" in p for p in broken_copy(tmp_path, bloat))


def test_notebook_sources_have_no_trailing_semicolon_plots():
    # Under nbval a trailing ';' does not hide a plot's return value: end with plt.show().
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code" and re.search(r"plt\.\w+\(.*\);\s*$", cell.source):
                pytest.fail(f"{path.name}: a plot cell ends with ';' (use plt.show())")


def test_doubled_backslash_lint_flags_only_maths():
    from tests.notebook_tools import doubled_backslashes

    assert doubled_backslashes(r"step $\\eta$ and $$\\beta_1$$") == [r"$\\eta$", r"$$\\beta_1$$"]
    assert doubled_backslashes(r"fine: $\eta < 2/\lambda_{\max}$") == []
    assert doubled_backslashes("cases: $$a \\\\\n b \\\\ c$$") == []  # a LaTeX line break
    assert doubled_backslashes(r"code: `$\\eta$` and a Windows path C:\\Users") == []
