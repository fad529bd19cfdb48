"""Live slides on the projector: notebook 00 as a RISE slideshow with its widget running.

What a teacher does with ``make lecture``: run the notebook in JupyterLab, open it as slides
(RISE, ``/rise/<notebook>``), go to the widget's slide, move its slider, and the picture on
the slide changes. The notebook is the lecture copy that ``make lecture`` writes
(``tests.notebook_tools.lecture_copy``: the slide split of ``make slides`` and the speaker notes).

RISE's slide view (jupyterlab-rise 0.43.1, the newest release) cannot load the ipywidgets 8
widget manager of the course's own environment ("Shared module @jupyterlab/console doesn't
exist in shared scope default", upstream jupyterlab-contrib/rise#119), so lectures run from a
second small environment with ipywidgets 7 (``make lecture`` builds ``.venv-lecture``). This
test uses that environment: ``NNLIB_LECTURE_PYTHON`` or ``.venv-lecture/bin/python``; without
one it is skipped (``make lecture`` once, then run it).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.browser.test_lab_widgets import (  # noqa: F401  (fixtures used by name)
    ALL_RAN,
    ARTIFACTS,
    KERNEL_READY,
    NOTEBOOKS,
    REPO,
    _serve,
    browser,
    shut_down_kernels,
)
from tests.notebook_tools import lecture_copy

pytestmark = pytest.mark.slow  # JupyterLab and a real browser
NOTEBOOK = "00_start_here.ipynb"
PRESENT = ".reveal .slides section.present"


@pytest.fixture(scope="module")
def lecture_python() -> str:
    import os

    python = os.environ.get("NNLIB_LECTURE_PYTHON") or str(REPO / ".venv-lecture" / "bin"
                                                          / "python")
    if not os.path.exists(python):
        # in CI the environment is built (.ci/run: make lecture-env): missing there is a failure
        assert not os.environ.get("CI"), (
            f"CI: no lecture environment at {python}: run `make lecture-env`")
        pytest.skip("no lecture environment: run `make lecture` once (or set "
                    "NNLIB_LECTURE_PYTHON to a Python with jupyterlab-rise and ipywidgets 7)")
    probe = subprocess.run(
        [python, "-c", "import jupyterlab_rise, ipywidgets, nnlib; print(ipywidgets.__version__)"],
        capture_output=True, text=True, timeout=120)
    assert probe.returncode == 0, f"{python} lacks jupyterlab-rise or nnlib:\n{probe.stderr}"
    assert probe.stdout.startswith("7."), (
        f"{python} has ipywidgets {probe.stdout.strip()}: RISE's slides need ipywidgets 7")
    return python


@pytest.fixture(scope="module")
def rise_lab(tmp_path_factory, lecture_python):
    """JupyterLab with RISE from the lecture environment, serving the lecture copy of 00."""
    root = tmp_path_factory.mktemp("rise-root")
    lecture_copy(NOTEBOOKS / NOTEBOOK, root)
    served = _serve(tmp_path_factory.mktemp("rise-lab"), root)
    real = sys.executable
    sys.executable = lecture_python  # _serve starts `sys.executable -m jupyterlab`
    try:
        address = next(served)
    finally:
        sys.executable = real
    yield address
    next(served, None)


def test_a_widget_on_a_rise_slide_is_live(rise_lab, browser):  # noqa: F811
    base, token = rise_lab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        # 1. as the teacher: run the notebook in JupyterLab and save it
        page.goto(f"{base}/lab/workspaces/rise/tree/{NOTEBOOK}?token={token}&reset")
        page.wait_for_function(KERNEL_READY, arg=NOTEBOOK, timeout=90_000)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_function(ALL_RAN, timeout=240_000, polling=500)
        page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
        page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty",
                               timeout=30_000)

        # 2. open it as slides: RISE joins the same kernel (the setup cell, left off the
        #    slides, has run there)
        page.goto(f"{base}/rise/{NOTEBOOK}?token={token}")
        page.locator(PRESENT).first.wait_for(timeout=90_000)
        title = page.locator(PRESENT).first.inner_text()
        assert "Start here" in title, title[:200]
        seen = []
        for _ in range(40):  # forward, slide by slide, to the widget's slide
            if "InteractiveFigure(" in page.locator(PRESENT).last.inner_text():
                break
            seen.append(page.locator(PRESENT).last.inner_text()[:40])
            page.keyboard.press("Space")
            page.wait_for_timeout(400)
        else:
            pytest.fail(f"no slide showed the widget's cell; slides seen: {seen!r}")
        # the widget's cell is a sub-slide of its section (the split of `make slides`)
        assert "Do widgets work here?" in page.locator(PRESENT).first.inner_text()
        # 3. run the cell on the slide (click it, Ctrl+Enter): its widget appears, live
        cell = page.locator(f"{PRESENT} .jp-CodeCell").last
        cell.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Control+Enter")
        picture = page.locator(f"{PRESENT} img.widget-image")
        try:
            picture.first.wait_for(state="visible", timeout=90_000)
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "rise-no-widget.png"))
            pytest.fail(f"the widget's slide shows no picture: "
                        f"{page.locator(PRESENT).last.inner_text()[-300:]!r}")
        page.wait_for_function("el => el.complete && el.naturalWidth > 0",
                               arg=picture.first.element_handle(), timeout=60_000)
        before = picture.first.get_attribute("src")
        page.screenshot(path=str(ARTIFACTS / "rise-widget-slide.png"))

        # 4. click its slider's track further right (the arrow keys belong to the slides):
        #    the picture on the slide changes (ipywidgets 7 draws the slider with jQuery UI)
        track = page.locator(f"{PRESENT} .ui-slider, {PRESENT} .noUi-target").first
        box = track.bounding_box()
        page.mouse.click(box["x"] + 0.6 * box["width"], box["y"] + box["height"] / 2)
        page.wait_for_function(
            """([selector, before]) => { const img = [...document.querySelectorAll(selector)].pop();
                 return img && img.src !== before && img.complete && img.naturalWidth > 0; }""",
            arg=[f"{PRESENT} img.widget-image", before], timeout=90_000)
        readout = page.locator(f"{PRESENT} .widget-readout").last
        assert readout.inner_text().strip() not in ("", "2.00", "2"), readout.inner_text()
        page.screenshot(path=str(ARTIFACTS / "rise-widget-moved.png"))
        text = "\n".join(page.locator(f"{PRESENT} .jp-OutputArea").all_inner_texts())
        for bad in ("Error displaying widget", "model not found", "Traceback"):
            assert bad not in text, f"'{bad}' on the widget's slide"
    finally:
        page.close()
        shut_down_kernels(base, token)


def test_the_lecture_copy_splits_like_the_decks(tmp_path):
    """`make lecture`'s copy carries the slide types `make slides` uses, and the notes."""
    import nbformat

    from tests.notebook_tools import SOLUTION_TAG, default_slide_type

    copy = nbformat.read(lecture_copy(NOTEBOOKS / NOTEBOOK, tmp_path), as_version=4)
    original = nbformat.read(NOTEBOOKS / NOTEBOOK, as_version=4)
    types = [c.metadata["slideshow"]["slide_type"] for c in copy.cells]
    assert types[0] == "slide" and types.count("notes") >= 5
    kept = [c for c in copy.cells if c.metadata["slideshow"]["slide_type"] != "notes"]
    originals = [c for c in original.cells if SOLUTION_TAG not in c.metadata.get("tags", [])]
    assert [c.source for c in kept] == [c.source for c in originals]
    setup = next(i for i, c in enumerate(originals) if c.cell_type == "code")
    for index, (cell, source) in enumerate(zip(kept, originals)):
        expected = source.metadata.get("slideshow", {}).get("slide_type") \
            or default_slide_type(index, source, setup)
        assert cell.metadata["slideshow"]["slide_type"] == expected, (index, source.source[:40])
    assert any("InteractiveFigure(" in c.source and c.metadata["slideshow"]["slide_type"]
               == "subslide" for c in kept)
