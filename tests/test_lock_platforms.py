"""The lock's per-platform markers (offline). Resolving the lock for Linux, macOS arm64 and
Windows asks the package index, so it is a separate job, ci/check_lock.py (`make lock-check`),
run by hand: PyPI resets connections here (README, "Tests")."""

from ci.check_lock import PLATFORMS, REFUSED, lock_for, pins, would_install
from ci.check_platform import problems

LOCK = """\
# a comment
numpy==2.4.6
nvidia-cublas==13.1.0.3 ; sys_platform == "linux"
torch==2.15.0
torchvision==0.29.2
"""


def test_markers_keep_cuda_off_macos_and_windows():
    for name in ("macos-arm64", "windows-amd64"):
        rest, _ = lock_for(PLATFORMS[name][1])
        assert not [r for r in rest if r.startswith(("nvidia", "cuda", "triton"))]
    rest, _ = lock_for(PLATFORMS["linux-x86_64"][1])
    assert any(r.startswith("nvidia-cublas") for r in rest)


def test_lock_for_splits_torch_off_and_drops_markers():
    rest, separate = lock_for(PLATFORMS["linux-x86_64"][1], LOCK)
    assert rest == ["numpy==2.4.6", "nvidia-cublas==13.1.0.3"]
    assert separate == ["torch==2.15.0", "torchvision==0.29.2"]
    assert lock_for(PLATFORMS["windows-amd64"][1], LOCK)[0] == ["numpy==2.4.6"]
    assert pins(LOCK)["torch"] == "2.15.0"


def test_would_install_reads_pips_dry_run_line():
    out = "Collecting x\nWould install Jinja2-3.1.6 MarkupSafe-3.0.4 torch-2.15.0\n"
    assert would_install(out) == {"jinja2-3.1.6", "markupsafe-3.0.4", "torch-2.15.0"}
    assert would_install("nothing") == set()


def test_the_refused_platforms_are_those_check_platform_refuses():
    for tag in REFUSED:
        mac = "13.6" if "13_0" in tag else "14.5"
        machine = "x86_64" if "x86_64" in tag else "arm64"
        errors, _ = problems((3, 11, 7), "Darwin", machine, mac)
        assert errors, tag
