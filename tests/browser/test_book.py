"""The web book (`make book`) in a real browser: built offline, read as a learner would.

Builds the site from the committed notebooks into a temporary folder, serves it on
127.0.0.1 and opens every page in headless Chromium: no console errors or failed requests,
maths typeset (no raw ``$`` left in the prose), every image loaded, every internal link and
anchor resolves, and the offline search finds the right pages.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest

from book.build import WIDGET_NOTE, build
from tests.browser.test_lab_widgets import CHROMIUM_ARGS, chromium_path

pytestmark = pytest.mark.slow

# Prose text with code, maths and scripts removed: a "$" left there is untypeset maths.
PROSE_DOLLARS = """() => {
  const main = document.querySelector('main') || document.body;
  const copy = main.cloneNode(true);
  copy.querySelectorAll('pre, code, script, style, mjx-container, .cell_output, '
                        + '.output, .highlight').forEach(e => e.remove());
  return (copy.innerText.match(/\\$|\\\\\\(/g) || []).length;
}"""
# MathJax 3 replaces each formula's text by an <mjx-container>.
TYPESET = """() => Array.from(document.querySelectorAll('span.math, div.math'))
  .every(e => e.querySelector('mjx-container'))"""
BROKEN_IMAGES = """() => Array.from(document.images)
  .filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src)"""
LINKS = """() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("book") / "html"
    build(outdir)
    handler = functools.partial(QuietHandler, directory=str(outdir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield outdir, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_every_page_loads_cleanly_with_maths_images_and_links(site, browser):
    outdir, base = site
    pages = sorted(p.name for p in outdir.glob("*.html") if p.name not in ("genindex.html",))
    assert "index.html" in pages and "glossary.html" in pages and "search.html" in pages
    assert sum(name[:2].isdigit() for name in pages) >= 13
    page = browser.new_page()
    problems, links, anchors = [], set(), {}
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" else None)
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}")
            if r.status >= 400 else None)
    for name in pages:
        page.goto(base + name)
        page.wait_for_load_state("load")
        if name[:2].isdigit() or name == "glossary.html":
            page.wait_for_function(TYPESET, timeout=30_000)
            dollars = page.evaluate(PROSE_DOLLARS)
            if dollars:
                problems.append(f"{name}: {dollars} '$' left untypeset in the prose")
        broken = page.evaluate(BROKEN_IMAGES)
        problems += [f"{name}: image did not load: {src}" for src in broken]
        anchors[name] = set(page.evaluate("() => Array.from(document.querySelectorAll("
                                          "'[id]')).map(e => e.id)"))
        for href in page.evaluate(LINKS):
            if href.startswith(base):
                links.add((name, href))
    for source, href in sorted(links):
        url, fragment = urldefrag(href)
        target = urlparse(url).path.lstrip("/") or "index.html"
        if target.endswith("/"):
            target += "index.html"
        if not (outdir / target).exists():
            problems.append(f"{source}: link to a missing page {href}")
        elif fragment and target in anchors and fragment not in anchors[target]:
            problems.append(f"{source}: link to a missing anchor {href}")
    assert not problems, "\n".join(sorted(set(problems))[:40])


def test_offline_search_finds_the_right_pages(site, browser):
    _, base = site
    page = browser.new_page()
    for term, expected in (("backpropagation", "04_backpropagation.html"),
                           ("convolution", "09_convolutional_networks.html"),
                           ("perceptron", "01_perceptron.html")):
        page.goto(urljoin(base, f"search.html?q={term}"))
        page.wait_for_selector("ul.search li a", timeout=20_000)
        hits = page.evaluate("() => Array.from(document.querySelectorAll('ul.search li a'))"
                             ".map(a => a.getAttribute('href'))")
        pages = [h.split("#")[0] for h in hits]
        assert expected in pages[:5], f"search for {term!r} gave {pages[:8]}"


def test_glossary_links_every_term_to_its_notebook(site):
    from book.terms import TERMS

    outdir, _ = site
    html = (outdir / "glossary.html").read_text(encoding="utf-8")
    entries = re.findall(r'<dt id="term-[^"]+">(.*?)<', html)
    assert sorted(entries, key=str.lower) == sorted((t[0] for t in TERMS), key=str.lower)
    for term, number, _ in TERMS:
        definition = html.split(f">{term}<", 1)[1].split("</dd>", 1)[0]
        assert re.search(rf'href="{number}_[a-z0-9_]+\.html(#nb{number}-s\d+)?"', definition), term


def test_widgets_appear_as_pictures_with_a_note(site):
    outdir, _ = site
    widget_pages = [p for p in sorted(outdir.glob("[0-9][0-9]_*.html"))
                    if WIDGET_NOTE in p.read_text(encoding="utf-8")]
    assert widget_pages, "no page shows a widget note"
    for page in widget_pages:
        text = page.read_text(encoding="utf-8")
        assert "unpkg.com" not in text and "cdn.jsdelivr" not in text, page.name


def test_nothing_is_loaded_from_outside(site):
    outdir, _ = site
    for page in outdir.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        for tag in ("<script src=\"http", "<link href=\"http", "rel=\"stylesheet\" href=\"http"):
            assert tag not in text, f"{page.name} loads {tag}"
    assert (outdir / "_static" / "mathjax" / "tex-svg.js").exists()
    assert Path(outdir / "searchindex.js").exists()
