"""Seeds, devices, the environment report and JupyterLab settings."""

import json
import random

import numpy as np
import pytest
import torch

import nnlib
from nnlib import jupyter_settings
from nnlib.utils import environment_report, get_device, get_rng, set_seed


def draw_everything():
    return (random.random(), np.random.rand(), get_rng().normal(), torch.rand(1).item())


def test_set_seed_makes_every_generator_repeat():
    set_seed(7)
    first = draw_everything()
    set_seed(7)
    assert draw_everything() == first
    set_seed(8)
    assert all(a != b for a, b in zip(draw_everything(), first))


@pytest.mark.parametrize("bad, error", [(-1, ValueError), (1.5, TypeError), ("0", TypeError),
                                        (True, TypeError), (None, TypeError),
                                        (2**64, ValueError)])
def test_set_seed_rejects_bad_seeds(bad, error):
    with pytest.raises(error, match="set_seed: seed must be an int in \\[0, "):
        set_seed(bad)


def test_get_device_on_this_machine(monkeypatch):
    monkeypatch.delenv("NNLIB_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert get_device().type == expected
    assert get_device("cpu").type == "cpu"
    monkeypatch.setenv("NNLIB_DEVICE", "CPU")
    assert get_device().type == "cpu"


def test_get_device_errors_say_what_to_do(monkeypatch):
    with pytest.raises(ValueError, match="device must be 'cpu', 'cuda' or 'mps'"):
        get_device("gpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="no CUDA GPU is visible; use 'cpu'"):
        get_device("cuda")


def test_environment_report_names_versions_and_device():
    report = environment_report()
    assert f"nnlib       {nnlib.__version__}" in report
    assert f"NumPy       {np.__version__}" in report
    assert f"PyTorch     {torch.__version__}" in report
    assert "Device      " in report


def test_jupyter_settings_merge_existing_overrides(tmp_path):
    path = jupyter_settings.overrides_path(str(tmp_path))
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"@jupyterlab/other:plugin": {"x": 1}}))
    jupyter_settings.install(str(tmp_path))
    data = json.loads(path.read_text())
    assert data["@jupyterlab/other:plugin"] == {"x": 1}
    plugin = data["@jupyterlab/apputils-extension:kernels-settings"]
    assert plugin["commsOverSubshells"] == "disabled"
