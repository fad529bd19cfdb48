"""Where the course lives: links to the repository, Colab badges and the install line.

The repository's address is kept in one place, ``[project.urls] Repository`` in
pyproject.toml; everything here is derived from it.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

NOTEBOOK_DIR = "notebooks"
BRANCH = "main"


def repo_url() -> str:
    """The repository's https address, e.g. ``https://github.com/OWNER/NAME``."""
    try:
        urls = metadata.metadata("nnlib").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        urls = []
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "repository":
            return url.strip().rstrip("/")
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    match = re.search(r'^Repository\s*=\s*"([^"]+)"', pyproject.read_text(encoding="utf-8"),
                      flags=re.MULTILINE)
    if not match:
        raise RuntimeError("pyproject.toml has no [project.urls] Repository entry")
    return match.group(1).rstrip("/")


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
    return f"nnlib @ git+{repo_url()}"


def colab_install_line() -> str:
    """The line a notebook's setup cell runs on Colab to install nnlib."""
    return f'    %pip install -q "{pip_requirement()}"'
