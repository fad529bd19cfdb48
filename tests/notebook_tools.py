"""Tools for the course notebooks: run them, sync their Colab links, check the conventions.

    python -m tests.notebook_tools execute notebooks/*.ipynb   # fresh kernel, store outputs
    python -m tests.notebook_tools sync notebooks/*.ipynb      # Colab links from pyproject
    python -m tests.notebook_tools set-repo https://github.com/OWNER/NAME  # a fork's address
    python -m tests.notebook_tools lint notebooks/*.ipynb      # report convention problems
    python -m tests.notebook_tools tags notebooks/*.ipynb      # NBVAL comments -> cell tags
    python -m tests.notebook_tools slides OUTDIR [--local-libs=DIR] notebooks/*.ipynb  # decks
    python -m tests.notebook_tools lecture OUTDIR notebooks/*.ipynb  # copies for live slides

The conventions are written down in CONTRIBUTING.md; ``lint_notebook`` enforces them.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import nbformat

from tests.course_links import (
    colab_badge,
    colab_install_line,
    colab_setup_block,
    device_line,
    set_repo_url,
    wants_gpu,
)

NAME_PATTERN = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
MAX_NOTEBOOK_BYTES = 3_000_000
ABSOLUTE_PATH = re.compile(r"(/home/|/root/|/work/|/tmp/|/Users/|[A-Z]:\\\\Users|site-packages)")
SCALE_KNOB = re.compile(r"^FULL_RUN = False\b", re.MULTILINE)
IGNORE_MARKER = "# NBVAL_IGNORE_OUTPUT"
FORBIDDEN_MARKERS = ("# NBVAL_SKIP", "# NBVAL_RAISES_EXCEPTION")
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
IGNORE_TAG = "nbval-ignore-output"
# a widget whose only fallback is its repr ("VBox(children=...)") shows nothing useful
# without widget JavaScript; a progress bar's text/plain ("100%|####| 10/10") does
WIDGET_REPR = re.compile(r"^\s*$|^[A-Za-z_][\w.]*\(|^<[\w.]+ object at ")
REASON_KEY = "nbval_reason"  # cell metadata: why nbval may not compare this cell's output


def ignore_output_reason(cell) -> str | None:
    """The reason a cell tagged ``nbval-ignore-output`` gives (None: untagged or no reason)."""
    if IGNORE_TAG not in cell.metadata.get("tags", []):
        return None
    return str(cell.metadata.get(REASON_KEY, "")).strip()


def markers_to_tags(nb) -> int:
    """Turn ``# NBVAL_IGNORE_OUTPUT`` + reason-comment lines into the ``nbval-ignore-output``
    tag and ``metadata.nbval_reason``, taking both lines out of the code; returns the count."""
    changed = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        lines = cell.source.splitlines()
        if not lines or lines[0].strip() != IGNORE_MARKER:
            continue
        reason, body = [], lines[1:]
        while body and body[0].lstrip().startswith("#"):  # the comment lines saying why
            reason.append(body.pop(0).lstrip().lstrip("#").strip())
            if reason[-1].endswith((".", "!", "?")):
                break
        cell.source = "\n".join(body).lstrip("\n")
        tags = cell.metadata.setdefault("tags", [])
        if IGNORE_TAG not in tags:
            tags.append(IGNORE_TAG)
        cell.metadata[REASON_KEY] = " ".join(reason) or "output varies (reason not given)"
        changed += 1
    return changed


def tags(path: Path) -> int:
    """:func:`markers_to_tags` on the notebook at ``path``, saved in place; returns the count."""
    nb = nbformat.read(path, as_version=4)
    count = markers_to_tags(nb)
    if count:
        nbformat.write(nb, path)
    return count
# Maths in markdown: $$...$$ or $...$, after code spans and fenced blocks are removed.
MATH_SPAN = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.DOTALL)
CODE_SPAN = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
DOUBLED_BACKSLASH = re.compile(r"\\\\[A-Za-z]")  # "\\eta" renders as the letters "eta"


def doubled_backslashes(markdown: str) -> list[str]:
    """Each maths span of ``markdown`` holding a doubled backslash before a letter."""
    text = CODE_SPAN.sub("", markdown)
    return [m.group(0) for m in MATH_SPAN.finditer(text)
            if DOUBLED_BACKSLASH.search(m.group(1) or m.group(2))]


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
            "Colab block (run: python -m tests.notebook_tools sync)": colab_setup_block(),
            "device line (run: python -m tests.notebook_tools sync)": device_line(path.name),
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
        if cell.cell_type == "markdown":
            for span in doubled_backslashes(cell.source):
                problems.append(f"{where}: a doubled backslash in maths renders as plain letters:"
                                f" {span[:60]!r} (write one backslash)")
        if cell.cell_type != "code":
            continue
        for marker in FORBIDDEN_MARKERS:
            if marker in cell.source:
                problems.append(f"{where}: '{marker}' is not allowed (no cell is skipped)")
        if IGNORE_MARKER in cell.source:
            problems.append(f"{where}: '{IGNORE_MARKER}' is test plumbing in the learner's code;"
                            f" use the cell tag '{IGNORE_TAG}' with the reason in metadata"
                            f" '{REASON_KEY}' (run: python -m tests.notebook_tools tags)")
        if ignore_output_reason(cell) == "":
            problems.append(f"{where}: tagged '{IGNORE_TAG}' without a reason: set cell "
                            f"metadata '{REASON_KEY}' to why the output varies")
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
            if WIDGET_MIME in output.get("data", {}) and "image/png" not in output["data"] \
                    and WIDGET_REPR.match(str(output["data"].get("text/plain", ""))):
                problems.append(f"{where}: a widget output without its static image/png "
                                "(invisible on GitHub and in HTML exports; re-execute with "
                                "the current nnlib)")
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
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
    nb.metadata.get("language_info", {}).pop("version", None)
    nbformat.write(nb, path)
    return seconds


def coalesce_streams(outputs: list) -> list:
    """Join consecutive stdout (or stderr) pieces into one output: how the text arrives in
    chunks depends on the machine's load, and the stored notebook should not."""
    merged = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and previous is not None
                and previous.get("output_type") == "stream"
                and previous.get("name") == output.get("name")):
            previous["text"] += output["text"]
        else:
            merged.append(output)
    return merged


def sync(path: Path) -> bool:
    """Regenerate what pyproject and tests/course_links.py decide; True if the file changed.

    The Colab badge; the setup cell's Colab block (install nnlib only if it is missing, one
    clear line if that failed); its device line (prints the device, and from notebook 08 on
    tells a GPU-less Colab session how to get a GPU); Colab's GPU-runtime metadata (08 on).
    """
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    before = nbformat.writes(nb)
    badge = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\)")
    nb.cells[0].source = badge.sub(lambda _: colab_badge(path.name), nb.cells[0].source)
    setup = _first_code_cell(nb)
    if setup is not None:
        setup.source = _sync_setup_source(setup.source, path.name)
    if wants_gpu(path.name):
        nb.metadata["accelerator"] = "GPU"
        nb.metadata.setdefault("colab", {})["gpuType"] = "T4"
    else:
        nb.metadata.pop("accelerator", None)
        nb.metadata.get("colab", {}).pop("gpuType", None)
        if nb.metadata.get("colab") == {}:
            del nb.metadata["colab"]
    if nbformat.writes(nb) == before:
        return False
    nbformat.write(nb, path)
    return True


def _sync_setup_source(source: str, name: str) -> str:
    lines, out, index = source.split("\n"), [], 0
    while index < len(lines):
        line = lines[index]
        if line.startswith('if "google.colab" in sys.modules'):
            index += 1  # the block ends at the first line that is not indented
            while index < len(lines) and lines[index].startswith((" ", "\t")):
                index += 1
            out.extend(colab_setup_block().split("\n"))
            continue
        out.append(line)
        index += 1
    source = "\n".join(out)
    if "import importlib.util" not in source:
        source = re.sub(r"^import sys$", "import importlib.util\nimport sys", source, count=1,
                        flags=re.MULTILINE)
    return re.sub(r"^device = get_device\([^)\n]*\)", device_line(name), source, count=1,
                  flags=re.MULTILINE)


def set_repo(url: str, notebooks: list[Path]) -> int:
    """Point the course at another repository (a fork): pyproject, then every notebook."""
    old = set_repo_url(url)
    print(f"pyproject.toml: Repository {old} -> {url}")
    for path in notebooks:
        print(f"{path.name}: {'updated' if sync(path) else 'already in sync'}")
    return 0


SOLUTION_TAG = "solution"
LONG_CODE_LINES = 12


def default_slide_type(index: int, cell, setup_index: int | None) -> str:
    """Where a cell goes in the deck when the notebook does not say (``slideshow`` metadata).

    Title cell and each ``##`` section start a slide, ``###`` a sub-slide (down arrow);
    the setup cell is skipped; long code starts a sub-slide; everything else follows on.
    """
    if index == 0:
        return "slide"
    if cell.cell_type == "markdown":
        first = cell.source.lstrip().split("\n", 1)[0]
        if first.startswith("## "):
            return "slide"
        if first.startswith("### "):
            return "subslide"
        return "-"
    if index == setup_index:
        return "skip"
    return "subslide" if len(cell.source.splitlines()) > LONG_CODE_LINES else "-"


SPEAKER_NOTES = Path(__file__).resolve().parents[1] / "speaker_notes"


def speaker_notes(notes_path: Path) -> dict[str, str]:
    """``{heading: notes}`` from a speaker-notes file: each ``## HEADING`` names a heading of
    the notebook (its title or a section, exactly as written there); the text below it is
    what the presenter sees for that slide in the speaker view (press S)."""
    notes, heading = {}, None
    for line in notes_path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            heading = line[3:].strip()
            notes[heading] = ""
        elif heading is not None:
            notes[heading] += line + "\n"
    return {key: text.strip() for key, text in notes.items()}


def add_speaker_notes(nb, notes: dict[str, str], name: str) -> None:
    """Insert each note as a ``notes`` cell after the heading it names; a note whose heading
    the notebook no longer has is an error (the notes would silently go missing)."""
    def heading_of(cell):
        first = cell.source.lstrip().split("\n", 1)[0]
        return first.lstrip("#").strip() if cell.cell_type == "markdown" \
            and first.startswith("#") else None
    headings = [heading_of(cell) for cell in nb.cells]
    stale = [key for key in notes if key not in headings]
    if stale:
        raise ValueError(f"{name}: speaker notes for headings the notebook does not have: "
                         f"{stale}; rename them to match the notebook's headings")
    for key, text in notes.items():
        note = nbformat.v4.new_markdown_cell(text)
        note.metadata["slideshow"] = {"slide_type": "notes"}
        nb.cells.insert(headings.index(key) + 1, note)
        headings.insert(headings.index(key) + 1, None)


def deck_notebook(path: Path):
    """``path`` as a deck: every cell's slide type (its own, else :func:`default_slide_type`),
    the speaker notes as ``notes`` cells, cells tagged ``solution`` left out. ``make slides``
    and the live slides of ``make lecture`` (RISE) both use it, so they split alike."""
    nb = nbformat.read(path, as_version=4)
    setup = _first_code_cell(nb)
    setup_index = nb.cells.index(setup) if setup is not None else None
    for index, cell in enumerate(nb.cells):
        slideshow = cell.metadata.setdefault("slideshow", {})
        slideshow.setdefault("slide_type", default_slide_type(index, cell, setup_index))
    notes_path = SPEAKER_NOTES / f"{Path(path).stem}.md"
    if notes_path.exists():
        add_speaker_notes(nb, speaker_notes(notes_path), notes_path.name)
    nb.cells = [c for c in nb.cells if SOLUTION_TAG not in c.metadata.get("tags", [])]
    return nb


def lecture_copy(path: Path, outdir: Path) -> Path:
    """Write :func:`deck_notebook` of ``path`` to ``outdir/NAME.ipynb`` for RISE (``make
    lecture``): the course's notebooks carry no slide metadata of their own."""
    outdir.mkdir(parents=True, exist_ok=True)
    target = outdir / Path(path).name
    nbformat.write(deck_notebook(path), target)
    return target


def slides(path: Path, outdir: Path, local_libs: str | None = None) -> Path:
    """Build a reveal.js deck ``outdir/NAME.slides.html`` from ``path``.

    Speaker notes come from ``speaker_notes/NAME.md`` (see :func:`speaker_notes`).
    Cells keep any slide type set in the notebook (View → Cell Toolbar → Slideshow in
    Jupyter); the others get :func:`default_slide_type`. Cells tagged ``solution`` are left
    out, so a teacher can keep worked solutions in the notebook without showing them.
    ``local_libs`` names a folder (relative to the deck) holding reveal.js, requirejs, jquery,
    mathjax and html-manager (static widget pictures) as unpacked npm packages, for
    presenting offline (default: their CDNs).
    """
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    nb = deck_notebook(path)
    config = Config()
    config.SlidesExporter.reveal_scroll = True
    config.SlidesExporter.reveal_theme = "white"
    if local_libs:
        config.SlidesExporter.reveal_url_prefix = f"{local_libs}/reveal.js"
        config.SlidesExporter.require_js_url = f"{local_libs}/requirejs/require.js"
        config.SlidesExporter.jquery_url = f"{local_libs}/jquery/dist/jquery.min.js"
        config.SlidesExporter.mathjax_url = (f"{local_libs}/mathjax/MathJax.js"
                                             "?config=TeX-AMS_CHTML-full,Safe")
        config.SlidesExporter.widget_renderer_url = f"{local_libs}/html-manager/dist/embed-amd.js"
    config.TagRemovePreprocessor.remove_cell_tags = {SOLUTION_TAG}
    config.TagRemovePreprocessor.enabled = True
    body, _ = SlidesExporter(config=config).from_notebook_node(nb)
    outdir.mkdir(parents=True, exist_ok=True)
    target = outdir / f"{path.stem}.slides.html"
    target.write_text(body, encoding="utf-8")
    return target


def main(argv: list[str]) -> int:
    if len(argv) >= 3 and argv[0] == "slides":
        outdir, paths, prefix = Path(argv[1]), argv[2:], None
        if paths[0].startswith("--local-libs="):
            prefix, paths = paths[0].split("=", 1)[1], paths[1:]
        for path in paths:
            print(f"{Path(path).name}: {slides(Path(path), outdir, prefix).name}")
        return 0
    if len(argv) >= 3 and argv[0] == "lecture":
        for path in argv[2:]:
            print(f"{Path(path).name}: {lecture_copy(Path(path), Path(argv[1]))}")
        return 0
    if len(argv) == 2 and argv[0] == "set-repo":
        folder = Path(__file__).resolve().parent.parent / "notebooks"
        return set_repo(argv[1], sorted(folder.glob("[0-9][0-9]_*.ipynb")))
    if len(argv) < 2 or argv[0] not in {"execute", "sync", "lint", "tags"}:
        print(__doc__)
        return 2
    command, paths = argv[0], [Path(p) for p in argv[1:]]
    status = 0
    for path in paths:
        if command == "execute":
            print(f"{path.name}: executed in {execute(path):.1f} s")
        elif command == "tags":
            print(f"{path.name}: {tags(path)} cell(s) now tagged {IGNORE_TAG}")
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
