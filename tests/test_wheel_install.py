"""A notebook needs nothing from the repository but the installed nnlib.

Take the session's wheel (built once: tests/conftest.py), install it into a fresh virtual
environment (its third-party dependencies are borrowed from the current one through a path
file, so nothing is downloaded), copy a notebook to a folder far from the repository and run
it there under nbval, strictly.
"""

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a fresh virtual environment and a notebook run

REPO = Path(__file__).resolve().parents[1]


def run(*args, cwd=None):
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


def test_notebook_runs_from_an_installed_wheel_outside_the_repository(tmp_path, built_wheel):
    wheel = built_wheel

    env = tmp_path / "env"
    assert run(sys.executable, "-m", "venv", "--without-pip", env).returncode == 0
    python = env / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
                .stdout.strip())
    installed = run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
                    "--no-index", wheel)
    assert installed.returncode == 0, installed.stderr[-2000:]
    # third-party packages come from the current environment, after the wheel's own nnlib
    (site / "zz_borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    where = run(python, "-c", "import nnlib, nnlib.data; print(nnlib.__file__)",
                cwd=tmp_path)
    assert where.returncode == 0, where.stderr[-2000:]
    assert Path(where.stdout.strip()).is_relative_to(site), where.stdout

    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    notebook = shutil.copy(REPO / "notebooks" / "00_start_here.ipynb", elsewhere)
    result = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
                 "--nbval-current-env", "--nbval-sanitize-with",
                 REPO / "tests" / "nbval_sanitize.cfg", notebook, cwd=elsewhere)
    assert result.returncode == 0, result.stdout[-3000:]
