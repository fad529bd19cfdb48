"""The distribution name, the repository address (tests/course_links.py), and what
`notebook_tools sync` writes."""

import importlib.util
import shutil
import sys
import types
from pathlib import Path

import nbformat
import pytest
import torch
from IPython.core.inputtransformer2 import TransformerManager

from nnlib import utils
from tests import course_links as course
from tests import notebook_tools

REPO = Path(__file__).resolve().parents[1]


def test_the_distribution_has_its_own_name_and_pip_line():
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert f'name = "{course.DISTRIBUTION}"' in text
    assert course.DISTRIBUTION != "nnlib"  # PyPI's nnlib is someone else's project
    assert course.pip_requirement() == f"nnlib-course @ git+{course.repo_url()}"
    line = course.colab_install_line()
    assert " -U " not in line and "--upgrade" not in line  # never upgrades Colab's packages


def test_course_links_come_from_pyproject():
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert f'Repository = "{course.repo_url()}"' in text
    url = course.colab_url("01_perceptron.ipynb")
    owner_repo = course.repo_url().removeprefix("https://github.com/")
    assert url == ("https://colab.research.google.com/github/"
                   f"{owner_repo}/blob/main/notebooks/01_perceptron.ipynb")
    assert f"({url})" in course.colab_badge("01_perceptron.ipynb")
    assert course.repo_url() in course.colab_install_line()


def test_nnlib_itself_carries_no_repository_tooling():
    assert importlib.util.find_spec("nnlib.course") is None  # it lives in tests/ (issue 11)


def test_set_repo_url_rewrites_the_one_line(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project.urls]\nRepository = "https://github.com/a/b"\n')
    assert course.set_repo_url("https://github.com/me/fork.git/", pyproject) == \
        "https://github.com/a/b"
    assert pyproject.read_text() == '[project.urls]\nRepository = "https://github.com/me/fork"\n'
    with pytest.raises(ValueError, match="must look like https://github.com/OWNER/NAME"):
        course.set_repo_url("git@github.com:me/fork", pyproject)
    assert course.repo_url(pyproject) == "https://github.com/me/fork"
    pyproject.write_text("[project]\n")
    with pytest.raises(RuntimeError, match="no \\[project.urls\\] Repository"):
        course.repo_url(pyproject)


def test_wants_gpu_from_notebook_08_on():
    assert not course.wants_gpu("07_autograd_and_pytorch.ipynb")
    assert course.wants_gpu("08_training_deep_networks.ipynb")
    assert course.wants_gpu("notebooks/16_x.ipynb")
    assert course.device_line("01_a.ipynb") == "device = get_device(announce=True)"


def synced_copy(tmp_path, name):
    target = tmp_path / name
    shutil.copy(REPO / "notebooks" / name, target)
    notebook_tools.sync(target)
    return target, nbformat.read(target, as_version=4)


def test_sync_writes_setup_block_device_line_and_gpu_metadata(tmp_path):
    path, nb = synced_copy(tmp_path, "08_training_deep_networks.ipynb")
    setup = next(c for c in nb.cells if c.cell_type == "code").source
    assert course.colab_setup_block() in setup
    assert "import importlib.util\nimport sys\n" in setup
    assert "device = get_device(announce=True, gpu_hint=True)" in setup
    assert nb.metadata["accelerator"] == "GPU" and nb.metadata["colab"]["gpuType"] == "T4"
    assert notebook_tools.sync(path) is False  # a second sync changes nothing
    path, nb = synced_copy(tmp_path, "01_perceptron.ipynb")
    assert "accelerator" not in nb.metadata
    setup = next(c for c in nb.cells if c.cell_type == "code").source
    assert "device = get_device(announce=True)  # not needed here" in setup
    assert not [p for p in notebook_tools.lint_notebook(path) if "setup cell" in p]


def run_colab_block(monkeypatch, installed: bool):
    """The synced Colab block as IPython runs it, with a stand-in google.colab and %pip."""
    calls = []
    shell = types.SimpleNamespace(run_line_magic=lambda name, line: calls.append((name, line)))
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: (real(name, *a) if installed or name != "nnlib"
                                          else None))
    code = TransformerManager().transform_cell("import importlib.util\nimport sys\n"
                                               + course.colab_setup_block())
    exec(code, {"get_ipython": lambda: shell})
    return calls


def test_colab_block_installs_only_when_nnlib_is_missing(monkeypatch):
    assert run_colab_block(monkeypatch, installed=True) == []


def test_colab_block_says_in_one_line_when_the_install_failed(monkeypatch):
    with pytest.raises(ImportError, match=r"^Installing nnlib failed .*Restart session") as error:
        run_colab_block(monkeypatch, installed=False)
    assert "\n" not in str(error.value)


def test_get_device_announces_and_hints_on_colab(monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(utils, "_mps_available", lambda: False)
    assert utils.get_device(announce=True).type == "cpu"
    assert capsys.readouterr().out == "Device: cpu\n"
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    utils.get_device(announce=True, gpu_hint=True)
    assert "Runtime > Change runtime type > T4 GPU" in capsys.readouterr().out
    utils.get_device(announce=True)  # notebooks 00-07 do not push anyone to a GPU
    assert capsys.readouterr().out == "Device: cpu\n"


def test_nnlib_device_pins_the_device(monkeypatch, capsys):
    monkeypatch.setenv("NNLIB_DEVICE", "cpu")
    assert utils.get_device(announce=True).type == "cpu"
    assert capsys.readouterr().out == "Device: cpu\n"


def test_full_run_notice(monkeypatch, capsys):
    cpu = torch.device("cpu")
    assert utils.full_run_notice(False, 30, device=cpu) is None
    assert capsys.readouterr().out == ""
    text = utils.full_run_notice(True, 30, device=cpu, estimate_minutes_gpu=2)
    assert "about 30 minutes (a GPU needs about 2 minutes)" in text
    assert capsys.readouterr().out == text + "\n"
    assert "2.0 hours" in utils.full_run_notice(True, 120, device=cpu)
    assert utils.full_run_notice(True, 30, device=torch.device("cuda")) is None
    with pytest.raises(TypeError, match="full_run must be True or False"):
        utils.full_run_notice("yes", 30)
    with pytest.raises(ValueError, match="estimate_minutes_cpu must be"):
        utils.full_run_notice(True, 0)
