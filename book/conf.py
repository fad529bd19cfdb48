"""Sphinx configuration of the course's web book (built by ``python -m book.build``).

The pages are the committed notebooks, rendered from their stored outputs (never re-run).
Everything the pages load is local, so the site works offline and from a USB stick.
"""

project = "nnlib: neural networks from the perceptron to the Transformer"
author = "The nnlib authors"
copyright = "the nnlib authors, MIT licence"

extensions = ["myst_nb"]
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

nb_execution_mode = "off"          # show the stored outputs, exactly as committed
nb_ipywidgets_js = {}              # no widget JavaScript from a CDN: widgets show as pictures
# A widget's output carries a static PNG beside its widget view: prefer the picture.
nb_mime_priority_overrides = [
    ("html", "image/png", 5),
    ("html", "application/vnd.jupyter.widget-view+json", 90),
]
nb_merge_streams = True

html_theme = "sphinx_book_theme"
html_title = "nnlib"
html_static_path = ["_static"]
html_theme_options = {
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "use_download_button": False,
    "use_fullscreen_button": False,
}
html_last_updated_fmt = None
html_favicon = "_static/favicon.svg"
html_context = {"default_mode": "light"}
# MathJax 3 (SVG output, one file, no fonts to fetch), copied in by the build: maths offline
mathjax_path = "mathjax/tex-svg.js"

exclude_patterns = ["_build", "**.ipynb_checkpoints"]
suppress_warnings = ["mystnb.unknown_mime_type"]
