"""Issue 19: every notebook has speaker notes (speaker_notes/NN_name.md) for its title and every
`##` section, and every note names a heading the notebook has (else `make slides` stops)."""

from pathlib import Path

import nbformat
import pytest

from tests.notebook_tools import SPEAKER_NOTES, add_speaker_notes, speaker_notes

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# 00-14 must have notes; a later notebook is checked once its notes file exists
WITH_NOTES = [p for p in NOTEBOOKS
              if int(p.name[:2]) <= 14 or (SPEAKER_NOTES / f"{p.stem}.md").exists()]


def headings(nb, level: str) -> list[str]:
    """The headings a note can name: the first line of a markdown cell starting with ``level``."""
    found = []
    for cell in nb.cells:
        first = cell.source.lstrip().split("\n", 1)[0]
        if cell.cell_type == "markdown" and first.startswith(level):
            found.append(first.lstrip("#").strip())
    return found


@pytest.mark.parametrize("path", WITH_NOTES, ids=lambda p: p.name)
def test_every_section_has_notes_and_every_note_a_section(path):
    notes_path = SPEAKER_NOTES / f"{path.stem}.md"
    assert notes_path.exists(), f"no speaker notes for {path.name}: write {notes_path.name}"
    notes = speaker_notes(notes_path)
    nb = nbformat.read(path, as_version=4)
    add_speaker_notes(nb, notes, notes_path.name)    # raises for a heading the notebook lacks
    wanted = headings(nb, "# ")[:1] + headings(nb, "## ")
    missing = [h for h in wanted if h not in notes]
    assert not missing, f"{notes_path.name}: no notes for the sections {missing}"
    empty = [h for h, text in notes.items() if len(text) < 80]
    assert not empty, f"{notes_path.name}: notes too short to help a presenter: {empty}"


def test_no_notes_without_a_notebook():
    stems = {p.stem for p in NOTEBOOKS}
    stray = [p.name for p in SPEAKER_NOTES.glob("*.md")
             if p.name != "README.md" and p.stem not in stems]
    assert not stray, f"speaker notes for notebooks that do not exist: {stray}"
