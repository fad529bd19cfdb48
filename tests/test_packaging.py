"""The wheel carries the data; the lock, pyproject and environment.yml agree."""

import re
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^\s*(?:-\s*)?([A-Za-z0-9_.-]+)==([^\s;#]+)", re.MULTILINE)


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(text: str) -> dict[str, str]:
    return {normalise(name): version for name, version in PIN.findall(text)}


def declared_dependencies() -> set[str]:
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    names = set()
    for block in re.findall(r"^(?:dependencies|lab|dev) = \[(.*?)\]", text, re.S | re.M):
        names |= {normalise(re.split(r"[<>=!~ ]", item)[0])
                  for item in re.findall(r'"([^"]+)"', block)}
    return names


@pytest.fixture(scope="module")
def wheel(built_wheel) -> Path:
    """The session's wheel (tests/conftest.py builds it once for all tests)."""
    return built_wheel


@pytest.mark.slow  # builds the wheel
def test_wheel_contains_the_data_and_the_code(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for required in ("nnlib/data/files/mnist_5k.npz", "nnlib/data/files/tinyshakespeare.txt.gz",
                     "nnlib/scratch/module.py", "nnlib/widgets/core.py",
                     "nnlib/exercises/nb00.py"):
        assert required in names
    assert not any(name.startswith(("tests/", "notebooks/")) for name in names)


@pytest.mark.slow  # builds the wheel
def test_wheel_metadata_has_the_repository_url(wheel):
    from tests.course_links import repo_url

    meta = next(n for n in zipfile.ZipFile(wheel).namelist() if n.endswith("METADATA"))
    text = zipfile.ZipFile(wheel).read(meta).decode()
    assert f"Project-URL: Repository, {repo_url()}" in text


def test_lock_pins_torch_and_torchvision_pair():
    lock = pins((REPO / "requirements-lock.txt").read_text(encoding="utf-8"))
    assert lock["torch"] == "2.15.0" and lock["torchvision"] == "0.29.2"


def test_lock_covers_every_declared_dependency():
    lock = pins((REPO / "requirements-lock.txt").read_text(encoding="utf-8"))
    missing = declared_dependencies() - lock.keys()
    assert not missing, f"add these to the environment and run `make lock`: {sorted(missing)}"


def test_environment_yml_agrees_with_the_lock():
    lock = pins((REPO / "requirements-lock.txt").read_text(encoding="utf-8"))
    env_text = (REPO / "environment.yml").read_text(encoding="utf-8")
    env = pins(env_text)
    assert env, "environment.yml pins nothing"
    disagree = {name: (version, lock.get(name)) for name, version in env.items()
                if lock.get(name) != version}
    assert not disagree, f"environment.yml vs lock: {disagree}"
    missing = declared_dependencies() - env.keys()
    assert not missing, f"environment.yml lacks {sorted(missing)}"
    assert "- -e ." in env_text


def test_lock_keeps_linux_only_cuda_wheels_off_other_platforms():
    for line in (REPO / "requirements-lock.txt").read_text(encoding="utf-8").splitlines():
        if re.match(r"(nvidia-|cuda-|triton)", line):
            assert line.endswith('sys_platform == "linux"'), line
