"""The CI jobs' package lists agree with pyproject, and the platform check says what to do."""

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from ci.check_platform import problems

REPO = Path(__file__).resolve().parents[1]


def runtime_requirements() -> list[Requirement]:
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(r"^dependencies = \[(.*?)\]", text, re.S | re.M).group(1)
    return [Requirement(item) for item in re.findall(r'"([^"]+)"', block)]


def pinned(name: str) -> dict[str, Version]:
    lines = (REPO / "ci" / name).read_text(encoding="utf-8").splitlines()
    pins = [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]
    return {req.name.lower(): Version(next(iter(req.specifier)).version) for req in pins}


def linux_requirements():
    env = {"sys_platform": "linux", "platform_machine": "x86_64"}
    return [req for req in runtime_requirements() if req.marker is None or req.marker.evaluate(env)]


def test_min_versions_job_installs_exactly_the_lower_bounds():
    minimums = pinned("min-packages.txt")
    for req in linux_requirements():
        lower = [s.version for s in req.specifier if s.operator == ">="]
        assert lower, f"{req} has no lower bound"
        assert minimums.get(req.name.lower()) == Version(lower[0]), \
            f"ci/min-packages.txt must pin {req.name}=={lower[0]} (pyproject: {req})"
    assert set(minimums) == {req.name.lower() for req in linux_requirements()}


def test_colabs_versions_satisfy_every_bound_so_the_install_changes_nothing():
    colab = pinned("colab-packages.txt")
    for req in linux_requirements():
        have = colab.get(req.name.lower())
        if have is not None:
            assert req.specifier.contains(have), \
                f"Colab's {req.name} {have} is outside {req}: pip would replace it"
    assert colab["ipywidgets"].major == 7  # Colab's front end needs the 7.x widgets it ships


def test_intel_macs_get_numpy_1_for_torch_2_2():
    env = {"sys_platform": "darwin", "platform_machine": "x86_64"}
    numpy = [r for r in runtime_requirements() if r.name == "numpy"
             and (r.marker is None or r.marker.evaluate(env))]
    assert any(not r.specifier.contains("2.0") for r in numpy)


@pytest.mark.parametrize("version, system, machine, mac, ok", [
    ((3, 11), "Linux", "x86_64", "", True),
    ((3, 13), "Darwin", "arm64", "14.5", True),
    ((3, 12), "Windows", "AMD64", "", True),
    ((3, 10), "Linux", "x86_64", "", False),   # the lock needs 3.11+
    ((3, 9), "Linux", "x86_64", "", False),
    ((3, 11), "Darwin", "x86_64", "13.6", False),  # Intel Mac: no torch 2.15 wheel
    ((3, 11), "Darwin", "arm64", "13.6", False),   # macOS < 14: no torch 2.15 wheel
    ((3, 11, 4), "Linux", "x86_64", "", False),    # some pins need 3.11.5+
    ((3, 11, 7), "Linux", "x86_64", "", True),
])
def test_platform_check(version, system, machine, mac, ok):
    errors, _ = problems(version, system, machine, mac)
    assert (not errors) == ok, errors
    for text in errors:  # every refusal names another way that works
        assert "Colab" in text and ("pip route" in text or "PYTHON=" in text)


def test_platform_check_warns_on_windows_and_new_pythons():
    assert "PowerShell" in problems((3, 11), "Windows", "AMD64")[1][0]
    errors, warnings = problems((3, 14), "Linux", "x86_64")
    assert not errors and "newer than the tested" in warnings[0]


def test_no_test_waits_for_an_opt_in():
    """Resolving the lock asks PyPI: a CI script (ci/check_lock.py), not a skipped test."""
    for path in (REPO / "tests").glob("test_*.py"):
        assert "NNLIB_" + "LOCK_TEST" not in path.read_text(encoding="utf-8"), path.name
