"""Can this machine use the pinned classroom environment (requirements-lock.txt)?

`make lab`, `make test` and `make check` run this first, with the Python that will create
.venv. It needs nothing but the standard library. Exit status 0: go ahead (perhaps after a
warning); 1: this route cannot work here, and the message says what to do instead.

    python ci/check_platform.py
"""

from __future__ import annotations

import platform
import sys

LOCK_PYTHONS = ((3, 11), (3, 12), (3, 13))  # the lock's pins have wheels for these
DECLARED = ((3, 10), (3, 13))  # pyproject: requires-python >= 3.10, tested up to 3.13
OTHER_ROUTES = ("Other routes (README.md, 'Other ways to install'): the pip route "
                "(pip install -e \".[lab]\", newest versions that fit), the conda route "
                "(environment.yml), or Google Colab (each notebook's Open in Colab badge).")


def problems(version: tuple[int, ...], system: str, machine: str,
             mac_version: str = "") -> tuple[list[str], list[str]]:
    """(errors, warnings) for a Python ``version`` on ``system``/``machine``."""
    errors: list[str] = []
    warnings: list[str] = []
    shown = f"{version[0]}.{version[1]}"
    minor = version[:2]
    if minor < DECLARED[0]:
        errors.append(f"Python {shown} is too old: nnlib needs Python 3.10 or newer "
                      "(3.11-3.13 for `make`). Install a newer Python, then run "
                      "`make PYTHON=python3.12 lab` (or the name of that Python), or open the "
                      "notebooks in Google Colab.")
    elif minor < LOCK_PYTHONS[0]:
        errors.append(f"Python {shown}: the pinned versions (requirements-lock.txt) need "
                      "Python 3.11-3.13. Run `make PYTHON=python3.11 lab` with a newer Python "
                      "if you have one. " + OTHER_ROUTES)
    elif version[:2] == (3, 11) and len(version) > 2 and version[2] < 5:
        errors.append(f"Python 3.11.{version[2]}: some pinned versions need Python 3.11.5 or "
                      "newer. Update Python, or run `make PYTHON=python3.12 lab`. "
                      + OTHER_ROUTES)
    elif minor > DECLARED[1]:
        warnings.append(f"Python {shown} is newer than the tested 3.10-3.13: if installing "
                        "fails, use Python 3.11-3.13 (`make PYTHON=python3.13 lab`). "
                        + OTHER_ROUTES)
    if system == "Darwin":
        major = int((mac_version or "0").split(".")[0] or 0)
        if machine == "x86_64":
            errors.append("This is an Intel Mac: the pinned PyTorch (2.15) has no wheel for it "
                          "(Intel Macs stop at torch 2.2.2). Use the pip route with "
                          "`pip install \"torch==2.2.2\" \"torchvision==0.17.2\" \"numpy<2\"` "
                          "first, or the conda route, or Colab. " + OTHER_ROUTES)
        elif major and major < 14:
            errors.append(f"macOS {mac_version}: the pinned PyTorch (2.15) needs macOS 14 or "
                          "newer on Apple silicon. Update macOS, or use the pip route "
                          "(pip picks a PyTorch for your macOS), or Colab. " + OTHER_ROUTES)
    elif system == "Windows":
        warnings.append("On Windows use the PowerShell commands in README.md ('Windows') "
                        "instead of make.")
    elif system == "Linux" and machine not in ("x86_64", "AMD64"):
        warnings.append(f"Linux on {machine}: the lock was tested on x86_64 only; if "
                        "installing fails, " + OTHER_ROUTES[0].lower() + OTHER_ROUTES[1:])
    elif system not in ("Linux",):
        warnings.append(f"{system} is untested. " + OTHER_ROUTES)
    return errors, warnings


def main() -> int:
    errors, warnings = problems(tuple(sys.version_info[:3]), platform.system(), platform.machine(),
                                platform.mac_ver()[0])
    for text in warnings:
        print(f"warning: {text}", file=sys.stderr)
    for text in errors:
        print(f"error: {text}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
