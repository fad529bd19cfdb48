"""Tools for the course notebooks: run them, sync their Colab links, check the conventions.

    python -m tests.notebook_tools execute notebooks/*.ipynb   # fresh kernel, store outputs
    python -m tests.notebook_tools sync notebooks/*.ipynb      # Colab links from pyproject
    python -m tests.notebook_tools lint notebooks/*.ipynb      # report convention problems

The conventions are written down in CONTRIBUTING.md; ``lint_notebook`` enforces them.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import nbformat

from nnlib.course import colab_badge, colab_install_line

NAME_PATTERN = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
MAX_NOTEBOOK_BYTES = 3_000_000
ABSOLUTE_PATH = re.compile(r"(/home/|/root/|/work/|/tmp/|/Users/|[A-Z]:\\\\Users|site-packages)")
SCALE_KNOB = re.compile(r"^FULL_RUN = False\b", re.MULTILINE)
IGNORE_MARKER = "# NBVAL_IGNORE_OUTPUT"
FORBIDDEN_MARKERS = ("# NBVAL_SKIP", "# NBVAL_RAISES_EXCEPTION")
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def _first_code_cell(nb):
    return next((c for c in nb.cells if c.cell_type == "code"), None)


def _markdown_text(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def lint_notebook(path: Path) -> list[str]:
    """Every way ``path`` breaks the course conventions (empty list: none)."""
    path = Path(path)
    problems: list[str] = []
    if not NAME_PATTERN.match(path.name):
        problems.append("name must look like NN_topic.ipynb (two digits, lower-case words)")
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        problems.append(f"file is {path.stat().st_size:,} bytes; the cap is {MAX_NOTEBOOK_BYTES:,}"
                        " (smaller figures: lower dpi or fewer images)")
    nb = nbformat.read(path, as_version=4)
    if not nb.cells or nb.cells[0].cell_type != "markdown":
        return problems + ["the first cell must be markdown with title, badge and objectives"]
    intro = nb.cells[0].source
    if not intro.startswith("# "):
        problems.append("the first cell must start with a '# Title' line")
    if colab_badge(path.name) not in intro:
        problems.append("the first cell lacks the Colab badge generated from pyproject "
                        "(run: python -m tests.notebook_tools sync)")
    for heading in ("Learning objectives", "Prerequisites"):
        if heading.lower() not in intro.lower():
            problems.append(f"the first cell lacks a '{heading}' section")
    setup = _first_code_cell(nb)
    if setup is None:
        problems.append("no code cells")
    else:
        src = setup.source
        needed = {
            "Colab guard": '"google.colab" in sys.modules',
            "Colab install line": colab_install_line(),
            "seed": "set_seed(",
            "device": "get_device(",
        }
        for what, text in needed.items():
            if text not in src:
                problems.append(f"the setup cell (first code cell) lacks the {what}: {text!r}")
        if not SCALE_KNOB.search(src):
            problems.append("the setup cell lacks the scale knob line 'FULL_RUN = False'")
    markdown = _markdown_text(nb).lower()
    for heading in ("## summary", "## exercises"):
        if heading not in markdown:
            problems.append(f"no '{heading[3:].title()}' section ('{heading}' heading)")
    counts = []
    for index, cell in enumerate(nb.cells):
        where = f"cell {index}"
        if cell.cell_type != "code":
            continue
        for marker in FORBIDDEN_MARKERS:
            if marker in cell.source:
                problems.append(f"{where}: '{marker}' is not allowed (no cell is skipped)")
        if IGNORE_MARKER in cell.source:
            lines = cell.source.splitlines()
            if lines[0].strip() != IGNORE_MARKER or len(lines) < 2 \
                    or not lines[1].lstrip().startswith("#"):
                problems.append(f"{where}: '{IGNORE_MARKER}' must be the first line, followed by"
                                " a comment that says why the output varies")
        if "raises-exception" in cell.metadata.get("tags", []):
            problems.append(f"{where}: error cells are not allowed; catch and print the message")
        if ABSOLUTE_PATH.search(cell.source):
            problems.append(f"{where}: an absolute path in the code")
        if cell.source.strip():
            counts.append(cell.execution_count)
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "error":
                problems.append(f"{where}: an error output ({output.get('ename')})")
            elif kind == "stream" and output.get("name") == "stderr":
                problems.append(f"{where}: stderr output (a warning?): {output.get('text')[:80]!r}")
            text = str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))
            if ABSOLUTE_PATH.search(text):
                problems.append(f"{where}: an absolute path in the output")
    if counts and counts != list(range(1, len(counts) + 1)):
        problems.append("outputs are not from one fresh top-to-bottom run "
                        "(run: python -m tests.notebook_tools execute)")
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    if kernel != "python3":
        problems.append(f"kernelspec must be 'python3', got {kernel!r}")
    return problems


def execute(path: Path, timeout: int = 600) -> float:
    """Run ``path`` top to bottom in a fresh kernel (cwd = its folder) and save the outputs."""
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                 "name": "python3"}
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    seconds = time.perf_counter() - start
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nb.metadata.get("language_info", {}).pop("version", None)
    nbformat.write(nb, path)
    return seconds


def sync(path: Path) -> bool:
    """Rewrite the Colab badge and install line from pyproject; True if the file changed."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    before = nbformat.writes(nb)
    badge = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\)")
    nb.cells[0].source = badge.sub(lambda _: colab_badge(path.name), nb.cells[0].source)
    setup = _first_code_cell(nb)
    if setup is not None:
        setup.source = re.sub(r'^ *%pip install -q "nnlib @ git\+[^"]*"', colab_install_line(),
                              setup.source, flags=re.MULTILINE)
    if nbformat.writes(nb) == before:
        return False
    nbformat.write(nb, path)
    return True


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in {"execute", "sync", "lint"}:
        print(__doc__)
        return 2
    command, paths = argv[0], [Path(p) for p in argv[1:]]
    status = 0
    for path in paths:
        if command == "execute":
            print(f"{path.name}: executed in {execute(path):.1f} s")
        elif command == "sync":
            print(f"{path.name}: {'updated' if sync(path) else 'already in sync'}")
        else:
            problems = lint_notebook(path)
            status |= bool(problems)
            for problem in problems or ["ok"]:
                print(f"{path.name}: {problem}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
