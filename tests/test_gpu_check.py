"""benchmarks/gpu_check.py skips cleanly without CUDA, and its code runs (on the CPU here)."""

import importlib.util
from pathlib import Path

import pytest
import torch

PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_check.py"


def load():
    spec = importlib.util.spec_from_file_location("gpu_check", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_without_cuda_it_says_so_and_succeeds(monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert load().main([]) == 0
    out = capsys.readouterr().out
    assert "no CUDA GPU is visible here" in out and "skipped" in out
    assert out.count("\n") == 1


@pytest.mark.slow
def test_every_path_runs_a_step_on_the_cpu(capsys):
    torch.set_num_threads(1)
    assert load().main(["--device", "cpu", "--steps", "1", "--no-ddp"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "gpu_check: all ok"
    assert len([line for line in lines if " steps, " in line]) >= 5
