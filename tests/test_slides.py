"""`make slides`: every notebook becomes a reveal.js deck; solutions and set-up stay out."""

import html
import re
from pathlib import Path

import nbformat
import pytest

from tests.course_links import colab_install_line
from tests.notebook_tools import default_slide_type, slides

pytestmark = pytest.mark.slow  # builds a reveal.js deck per notebook

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def top_level_sections(deck: str) -> int:
    body = deck.split('<div class="slides">', 1)[1]
    depth, count = 0, 0
    for tag in re.finditer(r"<(/?)section\b", body):
        if tag.group(1):
            depth -= 1
        else:
            count += depth == 0
            depth += 1
    return count


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_builds_a_deck(tmp_path, path):
    deck = slides(path, tmp_path).read_text(encoding="utf-8")
    nb = nbformat.read(path, as_version=4)
    setup = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    expected = sum(
        c.metadata.get("slideshow", {}).get("slide_type", default_slide_type(i, c, setup))
        == "slide" for i, c in enumerate(nb.cells))
    assert top_level_sections(deck) == expected
    assert "Reveal.initialize" in deck
    assert colab_install_line().strip() not in html.unescape(deck)  # the set-up is skipped


def test_solution_cells_are_left_out_and_teacher_choices_kept(tmp_path):
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    solution = nbformat.v4.new_code_cell("answer = 'SECRET-SOLUTION-42'")
    solution.metadata["tags"] = ["solution"]
    chosen = nbformat.v4.new_markdown_cell("A point the teacher wants on its own slide")
    chosen.metadata["slideshow"] = {"slide_type": "slide"}
    nb.cells += [chosen, solution]
    path = tmp_path / NOTEBOOKS[0].name
    nbformat.write(nb, path)
    plain = top_level_sections(slides(NOTEBOOKS[0], tmp_path / "plain").read_text())
    deck = slides(path, tmp_path / "decks").read_text(encoding="utf-8")
    assert "SECRET-SOLUTION-42" not in deck
    assert top_level_sections(deck) == plain + 1


def test_local_libraries_replace_the_cdn(tmp_path):
    deck = slides(NOTEBOOKS[0], tmp_path, local_libs="libs").read_text(encoding="utf-8")
    for local in ('"libs/reveal.js/dist/reveal.js"', 'src="libs/requirejs/require.js"',
                  'src="libs/jquery/dist/jquery.min.js"', "libs/html-manager/dist/embed-amd.js",
                  "libs/mathjax/MathJax.js"):
        assert local in deck
    assert not re.search(r"unpkg\.com/(reveal|@jupyter-widgets/html-manager)", deck)
    assert not re.search(r"cdnjs\.cloudflare\.com/ajax/libs/(jquery|require|mathjax)", deck)


def test_speaker_notes_reach_the_speaker_view(tmp_path, monkeypatch):
    import tests.notebook_tools as tools

    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    title = nb.cells[0].source.split("\n", 1)[0].lstrip("#").strip()
    section = next(c.source.split("\n", 1)[0][3:].strip() for c in nb.cells
                   if c.cell_type == "markdown" and c.source.startswith("## "))
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / f"{NOTEBOOKS[0].stem}.md").write_text(
        f"# Notes\n\n## {title}\nSay hello: NOTE-ONE.\n\n## {section}\n- Ask the class: NOTE-TWO\n")
    monkeypatch.setattr(tools, "SPEAKER_NOTES", notes)
    deck = slides(NOTEBOOKS[0], tmp_path / "deck").read_text(encoding="utf-8")
    asides = re.findall(r'<aside class="notes">(.*?)</aside>', deck, re.S)
    assert len(asides) == 2 and "NOTE-ONE" in asides[0] and "NOTE-TWO" in asides[1]
    monkeypatch.setattr(tools, "SPEAKER_NOTES", tmp_path / "none")  # notes add no slides
    assert top_level_sections(deck) == top_level_sections(
        slides(NOTEBOOKS[0], tmp_path / "plain").read_text(encoding="utf-8"))


def test_stale_speaker_notes_are_an_error(tmp_path, monkeypatch):
    import tests.notebook_tools as tools

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / f"{NOTEBOOKS[0].stem}.md").write_text("## A heading that is not there\nText\n")
    monkeypatch.setattr(tools, "SPEAKER_NOTES", notes)
    with pytest.raises(ValueError, match="A heading that is not there"):
        slides(NOTEBOOKS[0], tmp_path)
