"""Install JupyterLab settings that keep nnlib's widgets drawing reliably.

    python -m nnlib.jupyter_settings

JupyterLab 4.6 with ipykernel 7 can run widget callbacks on a second kernel
thread ("comms over subshells"); matplotlib is not thread-safe, and redrawn
plots then sometimes come out blank. This writes a settings override into the
current environment (``<prefix>/share/jupyter/lab/settings/overrides.json``)
that keeps callbacks on the main thread. Existing overrides are kept.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OVERRIDES = {"@jupyterlab/apputils-extension:kernels-settings": {"commsOverSubshells": "disabled"}}


def overrides_path(prefix: str | None = None) -> Path:
    return Path(prefix or sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


def install(prefix: str | None = None) -> Path:
    path = overrides_path(prefix)
    current = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    for plugin, settings in OVERRIDES.items():
        current.setdefault(plugin, {}).update(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    print(f"JupyterLab settings written to {install()}")
