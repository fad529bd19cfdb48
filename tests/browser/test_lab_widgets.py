"""Widgets in a real JupyterLab, driven by headless Chromium as a learner would.

For every notebook whose stored outputs contain a widget: open it in JupyterLab, clear the
outputs, run all cells, check that every widget renders (no "Error displaying widget" or
"model not found"), move one control of each interactive figure and check that its picture
really changes. Screenshots go to test-artifacts/browser/.

Needs Debian's chromium (`apt-get install chromium`, as .ci/run does) and the Python
playwright package; no browser is downloaded. Set NNLIB_CHROMIUM to use another binary.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow  # JupyterLab and a real browser
NOTEBOOKS = REPO / "notebooks"
ARTIFACTS = REPO / "test-artifacts" / "browser"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
RUN_TIMEOUT_MS = 240_000


def widget_notebooks() -> list[Path]:
    found = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        if any(WIDGET_MIME in out.get("data", {}) for cell in nb.cells
               if cell.cell_type == "code" for out in cell.get("outputs", [])):
            found.append(path)
    return found


def chromium_path() -> str:
    path = os.environ.get("NNLIB_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        message = ("Chromium is not installed, so the real-browser widget test did NOT run. "
                   "Install it (Debian/Ubuntu: apt-get install chromium) or point "
                   "NNLIB_CHROMIUM at a Chromium binary.")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 serving notebooks/, with fresh settings folders."""
    yield from _serve(tmp_path_factory.mktemp("lab"), NOTEBOOKS)


def _serve(home, root):
    """Run JupyterLab on ``root`` with settings under ``home``; yields (base URL, token)."""
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    # never autosave: a long run would otherwise write half-run outputs into notebooks/
    docmanager = home / "settings" / "@jupyterlab" / "docmanager-extension"
    docmanager.mkdir(parents=True)
    (docmanager / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": False}))
    port, token = free_port(), "nnlib-browser-test"
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"))
    log = open(home / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
         f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={root}", "--LabApp.news_url=None",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         "--LabApp.expose_app_in_browser=True"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("JupyterLab did not start:\n" + (home / "server.log").read_text())
            time.sleep(0.3)
    yield base, token
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
    log.close()


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


KERNEL_READY = """(name) => { const w = window.jupyterapp?.shell.currentWidget,
  c = w?.sessionContext, k = c?.session?.kernel;
  return !!(w?.context?.path === name && c?.isReady && k?.connectionStatus === 'connected'
            && k.status === 'idle'); }"""

ALL_RAN = """() => { const w = window.jupyterapp.shell.currentWidget,
  k = w.sessionContext.session?.kernel;
  if (!k || k.status !== 'idle') return false;
  return w.content.widgets.every(c => c.model.type !== 'code'
      || c.model.sharedModel.getSource().trim() === '' || c.model.executionCount !== null); }"""

# The interactive figures on the page: each has controls and its picture in an Image widget.
FIGURES = ".jp-OutputArea-output .widget-vbox:has(> img.widget-image)"
PICTURE = "img.widget-image"


def shut_down_kernels(base: str, token: str) -> None:
    """Stop every kernel the server runs, so notebooks never compete for the two cores."""
    with urllib.request.urlopen(f"{base}/api/kernels?token={token}", timeout=10) as response:
        kernels = json.loads(response.read())
    for kernel in kernels:
        request = urllib.request.Request(f"{base}/api/kernels/{kernel['id']}?token={token}",
                                         method="DELETE")
        urllib.request.urlopen(request, timeout=30).close()


def image_source(figure) -> str:
    return figure.locator(PICTURE).first.get_attribute("src") or ""


def move_one_control(page, figure) -> str:
    """Change the first dropdown (else the first slider) of ``figure``; describe what moved.

    A dashboard whose picture only changes when it trains (a "Train" button) gets the button.
    """
    train = figure.locator("button.widget-button", has_text="Train")
    if train.count():
        train.first.click()
        return "Train button"
    # a control that only applies from the next training step (the playground's engine) would
    # leave the picture as it is: move another one
    dropdowns = figure.locator(".widget-dropdown").filter(
        has_not=page.locator("label", has_text=re.compile(r"^\s*engine\s*$")))
    select = dropdowns.locator("select:not([disabled])")
    if select.count():
        # pick by position: option values are widget indices, not the labels shown
        count = select.first.locator("option").count()
        current = select.first.evaluate("el => el.selectedIndex")
        choice = (current + 1) % count
        select.first.select_option(index=choice)
        label = select.first.locator("option").nth(choice).inner_text()
        return f"dropdown -> {label}"
    handle = figure.locator(".noUi-handle")
    if handle.count():
        # one step, so there is exactly one redraw to wait for
        handle.first.focus()
        page.keyboard.press("ArrowRight")
        return "slider -> one step right"
    pytest.fail("an interactive figure has neither a dropdown nor a slider")


@pytest.mark.parametrize("notebook", widget_notebooks(), ids=lambda p: p.name)
def test_widgets_render_and_respond(lab, browser, notebook):
    base, token = lab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        # a workspace of its own, reset: only this notebook is open and current
        page.goto(f"{base}/lab/workspaces/{notebook.stem}/tree/{notebook.name}"
                  f"?token={token}&reset")
        page.wait_for_function(KERNEL_READY, arg=notebook.name, timeout=60_000)
        page.evaluate("window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_function(ALL_RAN, timeout=RUN_TIMEOUT_MS, polling=500)
        text = "\n".join(page.locator(".jp-OutputArea").all_inner_texts())
        for bad in ("Error displaying widget", "model not found", "Traceback"):
            assert bad not in text, f"{notebook.name}: '{bad}' on the page"
        figures = page.locator(FIGURES)
        count = figures.count()
        assert count >= 1, f"{notebook.name}: no interactive figure rendered"
        for i in range(count):
            figure = figures.nth(i)
            figure.scroll_into_view_if_needed()
            before = image_source(figure)
            assert before.startswith(("blob:", "data:image/png")), f"figure {i} shows no picture"
            moved = move_one_control(page, figure)
            figure.locator(PICTURE).first.wait_for(state="attached")
            try:
                page.wait_for_function(
                    """([el, before]) => { const img = el.querySelector('img.widget-image');
                       return img && img.src !== before && img.complete && img.naturalWidth > 0;
                    }""", arg=[figure.element_handle(), before], timeout=90_000)
            except Exception:
                figure.screenshot(path=str(ARTIFACTS / f"{notebook.stem}-figure{i}-stuck.png"))
                pytest.fail(f"{notebook.name} figure {i}: {moved} did not redraw within 90 s; "
                            f"widget text: {figure.inner_text()[:300]!r}")
            figure.screenshot(path=str(ARTIFACTS / f"{notebook.stem}-figure{i}.png"))
            assert image_source(figure) != before, f"figure {i}: {moved} did not redraw"
        page.screenshot(path=str(ARTIFACTS / f"{notebook.stem}-page.png"))
    finally:
        page.close()
        shut_down_kernels(base, token)


# -- a slider dragged continuously, and the playground ------------------------------------
DRAG_NOTEBOOK = [
    "from nnlib.widgets import InteractiveFigure, slider\n"
    "def draw(fig, x):\n"
    "    ax = fig.add_subplot()\n"
    "    ax.bar([0], [x])\n"
    "    ax.set_ylim(0, 10)\n"
    "    return f'value {x:g}'\n"
    "w = InteractiveFigure(draw, {'x': slider('x', 0.0, 0.0, 10.0, 0.5)}, figsize=(3, 2))\n"
    "w",
    "from nnlib.widgets.playground import Playground\nPlayground()",
]


@pytest.fixture(scope="module")
def lab_scratch(tmp_path_factory):
    """A JupyterLab server on a folder holding one synthetic notebook (drag.ipynb)."""
    root = tmp_path_factory.mktemp("drag-root")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in DRAG_NOTEBOOK]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, root / "drag.ipynb")
    yield from _serve(tmp_path_factory.mktemp("lab2"), root)


def _status_text(figure) -> str:
    return figure.locator(".widget-html").last.inner_text()


def _colour_share(png: bytes, colour) -> float:
    import io

    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    return float(np.mean(np.abs(rgb - np.array(colour)).sum(axis=-1) < 90))


def test_dragging_a_slider_redraws_as_it_moves_and_ends_at_the_final_value(lab_scratch,
                                                                         browser):
    base, token = lab_scratch
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{base}/lab/workspaces/drag/tree/drag.ipynb?token={token}&reset")
        page.wait_for_function(KERNEL_READY, arg="drag.ipynb", timeout=90_000)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_function(ALL_RAN, timeout=RUN_TIMEOUT_MS, polling=500)
        figures = page.locator(FIGURES)
        figures.first.wait_for(timeout=60_000)
        wave = figures.nth(0)
        assert _status_text(wave) == "value 0"
        handle = wave.locator(".noUi-handle").first
        track = wave.locator(".noUi-target").first
        box_handle, box_track = handle.bounding_box(), track.bounding_box()
        y = box_handle["y"] + box_handle["height"] / 2
        page.mouse.move(box_handle["x"] + box_handle["width"] / 2, y)
        page.mouse.down()
        seen, pictures = set(), set()
        steps = 20
        for k in range(1, steps + 1):  # a continuous drag to the right end, one move at a time
            page.mouse.move(box_track["x"] + box_track["width"] * k / steps, y)
            page.wait_for_timeout(150)
            seen.add(_status_text(wave))
            pictures.add(image_source(wave))
        page.mouse.move(box_track["x"] + box_track["width"] + 20, y)
        page.mouse.up()
        page.wait_for_function(
            """el => el.querySelector('.widget-readout').textContent.trim() !== ''
                     && [...el.querySelectorAll('.widget-html')].pop().innerText
                        === 'value ' + Number(el.querySelector('.widget-readout')
                                              .textContent.trim())""",
            arg=wave.element_handle(), timeout=60_000)
        readout = float(wave.locator(".widget-readout").first.inner_text())
        assert readout == 10.0
        assert _status_text(wave) == "value 10"
        # the picture followed the drag: several intermediate redraws, not only the last one
        assert len(seen - {"value 0", "value 10"}) >= 2, seen
        assert len(pictures) >= 3
        wave.screenshot(path=str(ARTIFACTS / "drag-final.png"))

        # the playground: neuron maps and input features
        pg = figures.nth(1)
        pg.scroll_into_view_if_needed()
        picture = pg.locator(PICTURE).first
        shot = picture.screenshot()
        assert _colour_share(shot, (0x08, 0x77, 0xbd)) > 0.002  # blue neuron maps, weights
        assert _colour_share(shot, (0xf5, 0x93, 0x22)) > 0.002  # orange
        assert "2 → 4 → 2 → 1" in _status_text(pg)
        pg.locator("button.widget-toggle-button", has_text="x₁²").click()
        page.wait_for_function(
            "el => [...el.querySelectorAll('.widget-html')].pop().innerText"
            ".includes('3 → 4 → 2 → 1')", arg=pg.element_handle(), timeout=60_000)
        pg.locator("button.widget-button", has_text="step").click()
        page.wait_for_function(
            "el => [...el.querySelectorAll('.widget-html')].pop().innerText"
            ".startsWith('epoch 1 ')", arg=pg.element_handle(), timeout=60_000)
        pg.screenshot(path=str(ARTIFACTS / "playground-features.png"))
        text = "\n".join(page.locator(".jp-OutputArea").all_inner_texts())
        for bad in ("Error displaying widget", "model not found", "Traceback"):
            assert bad not in text
    finally:
        page.close()
        shut_down_kernels(base, token)
