"""Build the course as a static web book: ``python -m book.build [OUTDIR] [--student]``.

The pages are copies of the committed notebooks with their stored outputs (nothing is run).
On the way, each copy gets a label before every ``##`` section (for the glossary's links),
links for "notebook NN" in the prose, a text link to Colab and to the notebook file instead of
the badge image, a note under every widget (its picture is static here), and, under every
exercise, its worked solution from ``nnlib/solutions/`` collapsed (cells tagged ``solution``
are collapsed too; ``--student`` leaves both out). Then Sphinx (myst-nb, the book theme) writes
the site with offline search and a local copy of MathJax.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from book.terms import TERMS

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = ROOT / "notebooks"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
SOLUTION_TAG = "solution"
WIDGET_NOTE = "The picture above is the first view of an interactive widget."
PART_TWO_FROM = 13

_BADGE = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\(([^)]*)\)")
_NOTEBOOK_REF = re.compile(r"(?<![\[\w/])([Nn]otebooks?) (\d\d)\b")
_CHECK_CALL = re.compile(r"""\bcheck\(\s*["'](\d\d\.\d+)["']""")


def notebook_paths() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def section_label(number: str, index: int) -> str:
    return f"nb{number}-s{index}"


def _outside_code(text: str, fn) -> str:
    """Apply ``fn`` to the parts of markdown ``text`` that are not code spans or blocks."""
    parts = re.split(r"(```.*?```|`[^`\n]*`|\$\$.*?\$\$|\$[^$\n]*\$)", text, flags=re.DOTALL)
    return "".join(part if i % 2 else fn(part) for i, part in enumerate(parts))


_DISPLAY_MATH = re.compile(r"(?<!\\)\$\$(.+?)\$\$", re.DOTALL)


def separate_display_maths(text: str) -> str:
    """Give each ``$$…$$`` a block of its own, as MyST needs (Jupyter also accepts it inside
    a paragraph): blank lines around it, at the indentation of the line it starts on."""
    def repl(match):
        part = match.string
        line_start = part.rfind("\n", 0, match.start()) + 1
        indent = re.match(r"[ \t]*", part[line_start:]).group(0)
        return f"\n\n{indent}$${match.group(1).strip()}$$\n\n{indent}"
    parts = re.split(r"(```.*?```|`[^`\n]*`)", text, flags=re.DOTALL)
    return "".join(p if i % 2 else _DISPLAY_MATH.sub(repl, p) for i, p in enumerate(parts))


def link_notebooks(text: str, names: dict[str, str], own: str) -> str:
    """``notebook 04`` → a link to 04's page (not on its own page, not inside links)."""
    def repl(match):
        word, number = match.groups()
        if number == own or number not in names or word.endswith("s"):
            return match.group(0)
        return f"[{word} {number}]({names[number]})"
    return _outside_code(text, lambda part: _NOTEBOOK_REF.sub(repl, part))


def solution_cell(exercise_id: str) -> nbformat.NotebookNode | None:
    """A collapsed worked solution (HTML ``<details>``) for the book, or None if none exists."""
    from nnlib import solutions

    try:
        explanation, code = solutions.explanation(exercise_id), solutions.code(exercise_id)
    except KeyError:
        return None
    text = " ".join(explanation.split())
    return nbformat.v4.new_markdown_cell(
        f'<details class="solution">\n<summary>Solution {exercise_id}</summary>\n\n'
        f"{text}\n\n```python\n{code}\n```\n\n</details>")


def prepare_notebook(path: Path, names: dict[str, str], repo_blob: str,
                     student: bool) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    number = path.name[:2]
    cells, section = [], 0
    for index, cell in enumerate(nb.cells):
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "markdown":
            source = cell.source
            if index == 0:
                source = f"({section_label(number, 0)})=\n" + source.lstrip()
                source = _BADGE.sub(lambda m: f"[Open in Colab]({m.group(1)}) · "
                                    f"[the notebook file]({repo_blob}/{path.name})", source)
            if source.lstrip().startswith("## "):
                section += 1
                source = f"({section_label(number, section)})=\n" + source.lstrip()
            cell.source = link_notebooks(separate_display_maths(source), names, number)
        if SOLUTION_TAG in tags:
            if student:
                continue
            cell.metadata["tags"] = sorted(set(tags) | {"hide-cell"})
        cells.append(cell)
        if cell.cell_type == "code" and not student:
            for exercise_id in _CHECK_CALL.findall(cell.source):
                worked = solution_cell(exercise_id)
                if worked is not None:
                    cells.append(worked)
        if cell.cell_type == "code" and any(WIDGET_VIEW in out.get("data", {})
                                             for out in cell.get("outputs", [])):
            cells.append(nbformat.v4.new_markdown_cell(
                f"*{WIDGET_NOTE} Open the notebook in JupyterLab or Colab to move its "
                "controls live.*"))
    nb.cells = cells
    return nb


def _slug_sections(nb) -> list[tuple[str, str, str]]:
    """``(label, heading, text)`` of each ``##`` section of a prepared notebook."""
    sections, current = [], None
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        match = re.match(r"\((nb\d\d-s\d+)\)=\n##? (.*)", cell.source)
        if match:
            current = [match.group(1), match.group(2).strip(), ""]
            sections.append(current)
        if current is not None:
            current[2] += "\n" + cell.source
    return [tuple(s) for s in sections]


def find_term(term: str, sections) -> tuple[str, str] | None:
    """The first section whose text mentions ``term`` (case-insensitive, whole words)."""
    pattern = re.compile(rf"(?<![\w-]){re.escape(term)}", re.IGNORECASE)
    for label, heading, text in sections:
        if pattern.search(text):
            return label, heading
    return None


def glossary_page(prepared: dict[str, nbformat.NotebookNode]) -> tuple[str, list[str]]:
    """The glossary in MyST, and the terms that could not be placed (an empty list is right)."""
    lines, missing = ["# Glossary", "",
                      "Every term the course defines, with a link to where it is taught.", "",
                      ":::{glossary}"], []
    for term, number, definition in sorted(TERMS, key=lambda t: t[0].lower()):
        name = next((n for n in prepared if n.startswith(number + "_")), None)
        place = find_term(term, _slug_sections(prepared[name])) if name else None
        if place is None:
            missing.append(f"{term} (notebook {number})")
            continue
        label, _ = place
        lines += [term, f"  {definition} Taught in {{ref}}`notebook {number} <{label}>`.", ""]
    lines.append(":::")
    return "\n".join(lines) + "\n", missing


def index_page(prepared: dict[str, nbformat.NotebookNode]) -> str:
    part_one = [n for n in prepared if int(n[:2]) < PART_TWO_FROM]
    part_two = [n for n in prepared if int(n[:2]) >= PART_TWO_FROM]
    rows = []
    for name, nb in prepared.items():
        title = nb.cells[0].source.split("\n", 1)[0].lstrip("# ").strip()
        rows.append(f"| [{title}]({name}) |")
    text = ["# nnlib: neural networks from the perceptron to the Transformer", "",
            "An interactive course: every idea is built from scratch in NumPy first, then done "
            "the PyTorch way, and the two are checked against each other. These pages show "
            "the notebooks with their stored outputs; to run them and move the widgets, open "
            "them in JupyterLab or Colab (each page links to both).", "",
            "| Notebooks |", "|---|", *rows, "",
            "The {doc}`glossary` lists every term the course defines.", ""]
    for caption, names in (("Part I: from the perceptron to the Transformer", part_one),
                           ("Part II: beyond the Transformer", part_two)):
        if names:
            text += ["```{toctree}", f":caption: {caption}", ":maxdepth: 1", "",
                     *[n.removesuffix(".ipynb") for n in names], "```", ""]
    text += ["```{toctree}", ":caption: Reference", ":maxdepth: 1", "", "glossary", "```", ""]
    return "\n".join(text)


def vendor_mathjax(static: Path) -> None:
    """Copy MathJax 3's one-file SVG build (from the django-static-mathjax wheel, which
    ships MathJax 3.2.2 as static files and needs nothing else) into ``static/mathjax``."""
    from importlib import metadata

    try:
        dist = metadata.distribution("django-static-mathjax")
    except metadata.PackageNotFoundError:
        sys.exit("book: MathJax is missing; install the book's tools with "
                 "pip install -e \".[book]\" (make book does it for you)")
    source = Path(dist.locate_file("mathjax/static/mathjax/es5/tex-svg.js"))
    (static / "mathjax").mkdir(parents=True, exist_ok=True)
    shutil.copy(source, static / "mathjax" / "tex-svg.js")


def build(outdir: Path, student: bool = False) -> Path:
    from tests.course_links import repo_url

    src = outdir.parent / (outdir.name + "-src")
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    names = {p.name[:2]: p.name for p in notebook_paths()}
    repo_blob = f"{repo_url()}/blob/main/notebooks"
    prepared = {p.name: prepare_notebook(p, names, repo_blob, student) for p in notebook_paths()}
    for name, nb in prepared.items():
        nbformat.write(nb, src / name)
    glossary, missing = glossary_page(prepared)
    if missing:
        sys.exit("book: glossary terms not found in their notebooks: " + ", ".join(missing))
    (src / "glossary.md").write_text(glossary, encoding="utf-8")
    (src / "index.md").write_text(index_page(prepared), encoding="utf-8")
    shutil.copy(BOOK / "conf.py", src / "conf.py")
    shutil.copytree(BOOK / "_static", src / "_static")
    vendor_mathjax(src / "_static")
    shutil.rmtree(outdir, ignore_errors=True)
    result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W",
                             "--keep-going", str(src), str(outdir)])
    if result.returncode != 0:
        sys.exit(f"book: sphinx-build failed (exit {result.returncode}); see the messages above")
    return outdir / "index.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", nargs="?", default=str(ROOT / "build" / "book"))
    parser.add_argument("--student", action="store_true",
                        help="leave solution cells out (a student edition)")
    args = parser.parse_args(argv)
    index = build(Path(args.outdir).resolve(), student=args.student)
    print(f"book: open {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
