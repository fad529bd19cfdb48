"""Where the course lives: links to the repository, Colab badges and the setup cell's install.

Repository tooling, not part of the nnlib package: ``notebook_tools sync`` writes these into
the notebooks, ``book/build.py`` links to the repository. The address is kept in one place,
``[project.urls] Repository`` in pyproject.toml; everything here is derived from it. A fork
sets its own with one command, ``python -m tests.notebook_tools set-repo
https://github.com/OWNER/NAME``.

The distribution is called ``nnlib-course`` (PyPI's ``nnlib`` is an unrelated project);
the import name stays ``nnlib``.
"""

from __future__ import annotations

import re
from pathlib import Path

DISTRIBUTION = "nnlib-course"
NOTEBOOK_DIR = "notebooks"
BRANCH = "main"
# Notebooks from this number on train PyTorch models that profit from a GPU: Colab opens
# them on a GPU runtime and their setup cell says how to switch to one.
FIRST_GPU_NOTEBOOK = 8
_PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
_REPOSITORY_LINE = re.compile(r'^(Repository\s*=\s*")([^"]+)(")', flags=re.MULTILINE)


def repo_url(pyproject: Path = _PYPROJECT) -> str:
    """The repository's https address, e.g. ``https://github.com/OWNER/NAME``.

    Read from pyproject.toml each time, so a changed address takes effect at once.
    """
    match = _REPOSITORY_LINE.search(pyproject.read_text(encoding="utf-8"))
    if not match:
        raise RuntimeError(f"{pyproject} has no [project.urls] Repository entry")
    return match.group(2).rstrip("/")


def set_repo_url(url: str, pyproject: Path = _PYPROJECT) -> str:
    """Write ``url`` (``https://github.com/OWNER/NAME``) into pyproject.toml; return the old."""
    url = url.strip().rstrip("/")
    if url.endswith(".git"):
        url = url[:-4]
    if not re.fullmatch(r"https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", url):
        raise ValueError(f"url must look like https://github.com/OWNER/NAME, got {url!r}")
    text = pyproject.read_text(encoding="utf-8")
    match = _REPOSITORY_LINE.search(text)
    if not match:
        raise RuntimeError(f"{pyproject} has no [project.urls] Repository entry")
    pyproject.write_text(_REPOSITORY_LINE.sub(lambda m: m.group(1) + url + m.group(3), text,
                                              count=1), encoding="utf-8")
    return match.group(2)


def _github_path() -> str:
    url = repo_url()
    prefix = "https://github.com/"
    if not url.startswith(prefix):
        raise RuntimeError(f"Colab links need a GitHub repository URL, got {url}")
    return url[len(prefix):]


def colab_url(notebook: str) -> str:
    """The Colab address that opens ``notebook`` (a file name in notebooks/)."""
    return (f"https://colab.research.google.com/github/{_github_path()}/blob/{BRANCH}/"
            f"{NOTEBOOK_DIR}/{notebook}")


def colab_badge(notebook: str) -> str:
    """Markdown for the "Open in Colab" badge of ``notebook``."""
    return (f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
            f"({colab_url(notebook)})")


def pip_requirement() -> str:
    """What ``pip install`` needs to get nnlib straight from the repository."""
    return f"{DISTRIBUTION} @ git+{repo_url()}"


def colab_install_line() -> str:
    """The line a notebook's setup cell runs on Colab to install nnlib.

    No ``-U``: pip then installs only what is missing and keeps every package Colab has
    (pyproject's lower bounds are all below Colab's versions; a CI job checks it).
    """
    return f'    %pip install -q "{pip_requirement()}"'


INSTALL_FAILED = ("Installing nnlib failed (pip says why above): check the connection, ",
                  "then Runtime > Restart session and run this cell again.")


def colab_setup_block() -> str:
    """The setup cell's Colab part: install nnlib once, and say so in one line if it failed."""
    return ('if "google.colab" in sys.modules and importlib.util.find_spec("nnlib") is None:\n'
            f"{colab_install_line()}\n"
            '    if importlib.util.find_spec("nnlib") is None:\n'
            f'        raise ImportError("{INSTALL_FAILED[0]}"\n'
            f'                          "{INSTALL_FAILED[1]}")')


def wants_gpu(notebook: str) -> bool:
    """True for notebooks that train PyTorch models big enough to profit from a GPU."""
    match = re.match(r"(\d+)_", Path(notebook).name)
    return bool(match) and int(match.group(1)) >= FIRST_GPU_NOTEBOOK


def device_line(notebook: str) -> str:
    """The setup cell's device line: pick the device and print which one it is."""
    hint = ", gpu_hint=True" if wants_gpu(notebook) else ""
    return f"device = get_device(announce=True{hint})"
