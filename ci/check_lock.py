"""CI job: the pinned lock resolves on Linux, macOS arm64 (14+) and Windows, not only here.

pip resolves for another platform without installing (``install --dry-run --platform ...
--only-binary=:all:``), asking the package index for each pin's wheels. It evaluates
environment markers (``; sys_platform == "linux"``) for the machine it runs on, so this script
first applies the lock's markers for the target platform itself. torch and torchvision are
resolved separately with ``--no-deps`` (their CUDA dependencies are Linux-only lines of the
lock, already resolved with the rest). Then it confirms that the pinned torch has no wheel
where ``ci/check_platform.py`` refuses the pinned route (Intel Macs, macOS 13).

This asks the package index (PyPI), so it is a CI job run by ``.ci/run`` (and ``make lock-check``),
not a unit test: ``pytest tests`` never touches the network. tests/test_lock_platforms.py
tests the marker logic offline.

    python ci/check_lock.py [--python-version 3.11.7] [--jobs 3]

Prints one line per check and a closing "N passed, N failed"; exit status 1 if any failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
LOCK = REPO / "requirements-lock.txt"
PLATFORMS = {  # pip platform tags, marker environment
    # pip takes a manylinux tag literally: name every glibc level up to torch's 2.28
    "linux-x86_64": ([f"manylinux_2_{minor}_x86_64" for minor in range(28, 4, -1)]
                     + ["manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"],
                     {"sys_platform": "linux", "platform_system": "Linux",
                      "platform_machine": "x86_64", "os_name": "posix"}),
    "macos-arm64": (["macosx_14_0_arm64"],
                    {"sys_platform": "darwin", "platform_system": "Darwin",
                     "platform_machine": "arm64", "os_name": "posix"}),
    "windows-amd64": (["win_amd64"],
                      {"sys_platform": "win32", "platform_system": "Windows",
                       "platform_machine": "AMD64", "os_name": "nt"}),
}
# where ci/check_platform.py refuses the pinned route: the pinned torch has no wheel there
REFUSED = ("macosx_10_15_x86_64", "macosx_13_0_arm64")
SEPARATE = {"torch", "torchvision"}
PYTHON = "3.11.7"  # the lock's Python (some pins need 3.11.5+, so not plain "3.11" = 3.11.0)


def pins(lock_text: str) -> dict[str, str]:
    """{name: version} of the lock's ``==`` pins (markers ignored)."""
    out = {}
    for line in lock_text.splitlines():
        if line.strip() and not line.startswith("#"):
            req = Requirement(line)
            out[req.name.lower()] = next(iter(req.specifier)).version
    return out


def lock_for(environment: dict, lock_text: str | None = None) -> tuple[list[str], list[str]]:
    """(pins that apply on ``environment`` except torch/torchvision, those two)."""
    text = LOCK.read_text(encoding="utf-8") if lock_text is None else lock_text
    rest, separate = [], []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate(environment):
            continue
        req.marker = None
        (separate if req.name.lower() in SEPARATE else rest).append(str(req))
    return rest, separate


PIP_PYTHON = [sys.executable]  # the Python whose pip resolves (see --pip-venv)
TIMEOUT = 1800


def pip(args: list[str], cwd: Path, python_version: str) -> subprocess.CompletedProcess:
    command = [*PIP_PYTHON, "-m", "pip", *args, "--python-version", python_version,
               "--only-binary=:all:", "--no-input", "--disable-pip-version-check"]
    for attempt in range(3):  # the index is far away: a dropped connection is tried again
        if attempt:
            time.sleep(60 * attempt)
        try:
            result = subprocess.run([*command, "--retries", "10"], capture_output=True,
                                    text=True, timeout=TIMEOUT, cwd=cwd)
        except subprocess.TimeoutExpired:
            result = subprocess.CompletedProcess(command, 1, "", f"pip took over {TIMEOUT} s")
        if result.returncode == 0 or not network_failure(result.stderr):
            return result
    return result


def network_failure(stderr: str) -> bool:
    """pip gave up because the connection failed, not because a pin has no wheel."""
    return ("(from versions: none)" in stderr and "after connection broken" in stderr) \
        or "pip took over" in stderr or "Read timed out" in stderr


def fresh_pip(venv: Path) -> None:
    """A virtual environment at ``venv`` with the newest pip, made once. pip 23.2 took over
    30 minutes for the Linux lock here (it downloads every wheel; the index serves no separate
    metadata), pip 26 about 12."""
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"],
                       check=True)
    PIP_PYTHON[:] = [str(python)]


def would_install(stdout: str) -> set[str]:
    """``name-version`` entries of pip's "Would install ..." line, names canonical."""
    for line in stdout.splitlines():
        if line.startswith("Would install "):
            items = (item.rsplit("-", 1) for item in line.split()[2:])
            return {f"{canonicalize_name(n)}-{v}" for n, v in items}
    return set()


def check_platform(name: str, python_version: str) -> tuple[bool, str]:
    tags, environment = PLATFORMS[name]
    platform = [arg for tag in tags for arg in ("--platform", tag)]
    rest, separate = lock_for(environment)
    added: set[str] = set()
    with tempfile.TemporaryDirectory(prefix=f"lock-{name}-") as tmp:
        tmp = Path(tmp)
        for label, reqs, extra in (("lock", rest, []), ("torch", separate, ["--no-deps"])):
            (tmp / f"{label}.txt").write_text("\n".join(reqs) + "\n")
            result = pip(["install", "--dry-run", "--ignore-installed", *extra, "--target",
                          str(tmp / "t"), *platform, "-r", f"{label}.txt"], tmp, python_version)
            if result.returncode != 0:
                return False, f"the {label} pins do not resolve:\n{result.stderr[-3000:]}"
            wanted = {canonicalize_name(r.name): next(iter(r.specifier)).version
                      for r in map(Requirement, reqs)}
            got = would_install(result.stdout)
            missing = {f"{n}-{v}" for n, v in wanted.items()} - got
            if missing:
                return False, f"pip would not install the pinned {sorted(missing)}"
            added |= {g for g in got if g.rsplit("-", 1)[0] not in wanted}
    # Platform-only dependencies (pywin32 on Windows, appnope on macOS...) are not in a lock
    # frozen on Linux: pip adds their newest version. Shown, not a failure.
    note = f"{len(rest) + len(separate)} pins resolve"
    return True, note + (f"; pip adds, unpinned: {' '.join(sorted(added))}" if added else "")


def check_refused(tag: str, python_version: str) -> tuple[bool, str]:
    torch = pins(LOCK.read_text(encoding="utf-8"))["torch"]
    with tempfile.TemporaryDirectory(prefix="lock-refused-") as tmp:
        result = pip(["install", "--dry-run", "--no-deps", "--ignore-installed", "--target",
                      str(Path(tmp) / "t"), "--platform", tag, f"torch=={torch}"],
                     Path(tmp), python_version)
    ok = (result.returncode != 0 and f"torch=={torch}" in result.stderr
          and not network_failure(result.stderr))
    return ok, (f"no torch {torch} wheel, as ci/check_platform.py says" if ok
                else f"expected no torch {torch} wheel for {tag}:\n{result.stdout[-1500:]}"
                     f"{result.stderr[-1500:]}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python-version", default=PYTHON)
    parser.add_argument("--pip-venv", type=Path, default=None,
                        help="resolve with the newest pip, in a virtual environment made here")
    parser.add_argument("--jobs", type=int, default=3, help="checks run at once (pip waits "
                        "on the network, not the CPU)")
    args = parser.parse_args(argv)
    if args.pip_venv:
        fresh_pip(args.pip_venv)
    version = subprocess.run([*PIP_PYTHON, "-m", "pip", "--version"], capture_output=True,
                             text=True).stdout.split(" from ")[0]
    print(f"lock: resolving {LOCK.name} with {version}, Python {args.python_version}", flush=True)
    checks = ([(f"resolves on {name}", check_platform, name) for name in sorted(PLATFORMS)]
              + [(f"pinned torch refused on {tag}", check_refused, tag) for tag in REFUSED])

    def timed(check):
        label, func, arg = check
        start = time.perf_counter()
        ok, note = func(arg, args.python_version)
        return label, ok, note, time.perf_counter() - start

    failed = 0
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for label, ok, note, seconds in pool.map(timed, checks):
            print(f"lock: {label}: {'ok' if ok else 'FAILED'} in {seconds:.0f} s  [{note}]"
                  if ok else f"lock: {label}: FAILED in {seconds:.0f} s\n{note}", flush=True)
            failed += not ok
    print(f"{len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
