"""Widgets a reader can see without a kernel, and test plumbing out of the learner's code.

* each widget's display output carries a static image/png next to the widget view, so an
  HTML export without widget JavaScript (as GitHub shows notebooks) shows a picture for every
  widget, while a front end that runs widgets picks the widget view (shown once);
* ``tests.notebook_tools tags`` turns ``# NBVAL_IGNORE_OUTPUT`` comment lines into the
  ``nbval-ignore-output`` cell tag with the reason in the cell's metadata, and the lint
  checks both that and the static pictures.
"""

from __future__ import annotations

import base64
import re

import nbformat
import pytest

from nnlib.widgets import InteractiveFigure, slider
from nnlib.widgets.core import WIDGET_VIEW_MIME
from nnlib.widgets.losses import loss_explorer
from nnlib.widgets.perceptron import perceptron_widget
from nnlib.widgets.playground import Playground
from tests.notebook_tools import (
    IGNORE_TAG,
    REASON_KEY,
    lint_notebook,
    markers_to_tags,
)


def draw_line(fig, slope):
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, slope])
    return f"slope {slope:g}"


def widgets_to_show():
    return [InteractiveFigure(draw_line, {"slope": slider("slope", 1.0, -2, 2, 0.5)},
                              title="a line"),
            perceptron_widget(), loss_explorer(), Playground()]


def test_the_display_bundle_holds_the_widget_view_and_the_current_picture():
    for widget in widgets_to_show():
        bundle = widget._repr_mimebundle_()
        assert bundle[WIDGET_VIEW_MIME]["model_id"] == widget.widget.model_id
        assert base64.b64decode(bundle["image/png"]) == widget.to_png()
        assert "interactive widget" in bundle["text/plain"]


def test_the_bundle_follows_the_latest_picture():
    widget = widgets_to_show()[0]
    widget.controls["slope"].value = -2.0
    assert base64.b64decode(widget._repr_mimebundle_()["image/png"]) == widget.to_png()


def _notebook_with_widget_outputs(with_state: bool):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    shown = widgets_to_show()
    for widget in shown:
        cell = nbformat.v4.new_code_cell("widget", execution_count=1)
        cell.outputs = [nbformat.v4.new_output("display_data",
                                               data=widget._repr_mimebundle_())]
        nb.cells.append(cell)
    if with_state:  # what JupyterLab saves: the state of every widget model
        state = {w.widget.model_id: {"model_name": "VBoxModel", "state": {}} for w in shown}
        nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json":
                                  {"state": state, "version_major": 2, "version_minor": 0}}
    return nb, shown


@pytest.mark.slow  # builds every widget: make test runs it, make unit-fast does not
def test_html_export_without_widget_javascript_shows_a_picture_for_every_widget():
    from nbconvert import HTMLExporter

    nb, shown = _notebook_with_widget_outputs(with_state=False)
    body, _ = HTMLExporter().from_notebook_node(nb)
    pictures = re.findall(r'<img[^>]* src="data:image/png;base64,([^"]+)"', body)
    assert len(pictures) == len(shown)
    for picture, widget in zip(pictures, shown):
        assert base64.b64decode(picture) == widget.to_png()


def test_a_front_end_with_widgets_shows_each_widget_once():
    """With the widget state saved, the widget view outranks the picture (not both)."""
    from nbconvert import HTMLExporter

    nb, shown = _notebook_with_widget_outputs(with_state=True)
    body, _ = HTMLExporter().from_notebook_node(nb)
    assert body.count(f'<script type="{WIDGET_VIEW_MIME}">') == len(shown)
    assert not re.search(r"<img[^>]* src=\"data:image/png", body)


@pytest.mark.slow
def test_a_kernel_displays_the_bundle(tmp_path):
    """IPython itself uses the bundle: the stored output has the view and the picture."""
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(
        "from nnlib.widgets.losses import loss_explorer\nloss_explorer()"))
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    data = nb.cells[0].outputs[0]["data"]
    assert WIDGET_VIEW_MIME in data and data["image/png"]


# -- tags instead of comment markers ----------------------------------------------------
def _cell(source, **metadata):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata.update(metadata)
    return cell


def test_markers_become_tags_with_the_reason_in_metadata():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        _cell("# NBVAL_IGNORE_OUTPUT\n# A live widget: drawn by the browser.\nwidget"),
        _cell("# NBVAL_IGNORE_OUTPUT\n# Versions differ\n# from machine to machine.\n"
              "print(versions)"),
        _cell("# an ordinary comment\nx = 1"),
    ]
    assert markers_to_tags(nb) == 2
    first, second, plain = nb.cells
    assert first.source == "widget" and first.metadata.tags == [IGNORE_TAG]
    assert first.metadata[REASON_KEY] == "A live widget: drawn by the browser."
    assert second.source == "print(versions)"
    assert second.metadata[REASON_KEY] == "Versions differ from machine to machine."
    assert plain.source == "# an ordinary comment\nx = 1" and "tags" not in plain.metadata
    assert markers_to_tags(nb) == 0  # idempotent


def _lint_cells(tmp_path, cells):
    from tests.course_links import colab_badge

    nb = nbformat.v4.new_notebook()
    path = tmp_path / "99_example.ipynb"
    intro = (f"# 99 · Example\n{colab_badge(path.name)}\n## Learning objectives\n"
             "## Prerequisites")
    nb.cells = [nbformat.v4.new_markdown_cell(intro), *cells]
    nbformat.write(nb, path)
    return lint_notebook(path)


def test_lint_wants_tags_with_reasons_and_static_pictures(tmp_path):
    marker = _lint_cells(tmp_path, [_cell("# NBVAL_IGNORE_OUTPUT\n# why\nx")])
    assert any("use the cell tag 'nbval-ignore-output'" in p for p in marker)
    no_reason = _lint_cells(tmp_path, [_cell("x", tags=[IGNORE_TAG])])
    assert any("without a reason" in p for p in no_reason)
    fine = _lint_cells(tmp_path, [_cell("x", tags=[IGNORE_TAG], **{REASON_KEY: "a widget"})])
    assert not any("nbval" in p for p in fine)
    bare = _cell("w")
    bare.outputs = [nbformat.v4.new_output("display_data", data={
        WIDGET_VIEW_MIME: {"model_id": "abc", "version_major": 2, "version_minor": 0},
        "text/plain": "VBox(children=(IntSlider(value=0),))"})]
    assert any("without its static image/png" in p for p in _lint_cells(tmp_path, [bare]))
    bare.outputs[0]["data"]["image/png"] = "iVBORw0KGgo="
    assert not any("static image/png" in p for p in _lint_cells(tmp_path, [bare]))
    progress = _cell("fit(...)")  # a progress bar's own text is a fine static fallback
    progress.outputs = [nbformat.v4.new_output("display_data", data={
        WIDGET_VIEW_MIME: {"model_id": "def", "version_major": 2, "version_minor": 0},
        "text/plain": "100%|##########| 10/10 [00:01<00:00, 9.5it/s]"})]
    assert not any("static image/png" in p for p in _lint_cells(tmp_path, [progress]))
