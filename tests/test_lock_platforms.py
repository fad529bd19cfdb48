"""The pinned lock resolves on Linux, macOS arm64 (14+) and Windows, not only on this machine.

pip can resolve for another platform without installing (``--dry-run --platform ...``), but
it evaluates environment markers (``; sys_platform == "linux"``) for the machine it runs on,
so the test first applies the lock's markers for the target platform itself. torch and
torchvision are checked separately with ``--no-deps`` (their CUDA dependencies are Linux-only
lines of the lock). These tests fetch package metadata from PyPI (minutes): they run when
NNLIB_LOCK_TEST=1 is set (not yet part of .ci/run: see README, "Tests"), and are marked slow.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[1]
PLATFORMS = {  # pip platform tag, marker environment
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
SEPARATE = {"torch", "torchvision"}
PYTHON = "3.11.7"  # the lock's Python (some pins need 3.11.5+, so not plain "3.11" = 3.11.0)
online = pytest.mark.skipif(os.environ.get("NNLIB_LOCK_TEST") != "1",
                            reason="asks PyPI: set NNLIB_LOCK_TEST=1 to run it")


def lock_for(environment: dict) -> tuple[list[str], list[str]]:
    """(pins that apply on ``environment`` except torch/torchvision, those two)."""
    rest, separate = [], []
    for line in (REPO / "requirements-lock.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate(environment):
            continue
        req.marker = None
        (separate if req.name.lower() in SEPARATE else rest).append(str(req))
    return rest, separate


def pip(*args, cwd):
    return subprocess.run([sys.executable, "-m", "pip", *args, "--python-version", PYTHON,
                           "--only-binary=:all:", "--no-input", "--disable-pip-version-check"],
                          capture_output=True, text=True, timeout=1200, cwd=cwd)


def test_markers_keep_cuda_off_macos_and_windows():
    for name in ("macos-arm64", "windows-amd64"):
        rest, _ = lock_for(PLATFORMS[name][1])
        assert not [r for r in rest if r.startswith(("nvidia", "cuda", "triton"))]
    rest, _ = lock_for(PLATFORMS["linux-x86_64"][1])
    assert any(r.startswith("nvidia-cublas") for r in rest)


@pytest.mark.slow
@online
@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_lock_resolves_on(name, tmp_path):
    tags, environment = PLATFORMS[name]
    platform = [arg for tag in tags for arg in ("--platform", tag)]
    rest, separate = lock_for(environment)
    (tmp_path / "lock.txt").write_text("\n".join(rest) + "\n")
    result = pip("install", "--dry-run", "--ignore-installed", "--target", str(tmp_path / "t"),
                 *platform, "-r", "lock.txt", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    (tmp_path / "torch.txt").write_text("\n".join(separate) + "\n")
    result = pip("install", "--dry-run", "--no-deps", "--ignore-installed", "--target",
                 str(tmp_path / "t"), *platform, "-r", "torch.txt", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "torch-2.15.0" in result.stdout and "torchvision-0.29.2" in result.stdout


@pytest.mark.slow
@online
@pytest.mark.parametrize("tag", ["macosx_10_15_x86_64", "macosx_13_0_arm64"])
def test_the_pinned_torch_has_no_wheel_where_make_refuses(tag, tmp_path):
    """ci/check_platform.py refuses Intel Macs and macOS < 14: that is why."""
    result = pip("install", "--dry-run", "--no-deps", "--ignore-installed", "--target",
                 str(tmp_path / "t"), "--platform", tag, "torch==2.15.0", cwd=tmp_path)
    assert result.returncode != 0 and "torch==2.15.0" in result.stderr
