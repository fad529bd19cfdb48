"""nnlib.distributed.train_ddp: two Gloo processes on this machine (loopback only) end with
identical, trained weights; the checkpoint loads with weights_only=True; the script imports
without side effects; mixed precision is refused on CPUs."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from nnlib.distributed import train_ddp
from nnlib.distributed.train_ddp import load_gpt_checkpoint, parameter_digest, resolve_dtype

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--max-iters", "4", "--batch-size", "4", "--block-size", "16", "--n-layer", "2",
         "--n-head", "2", "--n-embd", "32", "--eval-interval", "2", "--eval-iters", "2",
         "--warmup-iters", "2", "--seed", "3"]


def loopback_env() -> dict:
    """The environment for child processes: nnlib importable, all traffic on 127.0.0.1."""
    env = dict(os.environ, MASTER_ADDR="127.0.0.1", OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    for key in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "MASTER_PORT"):
        env.pop(key, None)
    if hasattr(socket, "if_nameindex"):     # Gloo would otherwise pick the hostname's address
        loopback = [name for _, name in socket.if_nameindex() if name.startswith("lo")]
        if loopback:
            env["GLOO_SOCKET_IFNAME"] = loopback[0]
    return env


@pytest.mark.slow  # subprocesses or a short training run
def test_two_gloo_processes_train_identical_replicas(tmp_path):
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               "--nproc_per_node=2", "--local-addr=127.0.0.1",
               "-m", "nnlib.distributed.train_ddp", *SMALL, "--cpu",
               "--out-dir", str(tmp_path / "out"), "--digest-dir", str(tmp_path / "digests")]
    result = subprocess.run(command, cwd=tmp_path, env=loopback_env(), capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr

    reports = [json.loads((tmp_path / "digests" / f"rank{r}.json").read_text())
               for r in range(2)]
    assert [r["rank"] for r in reports] == [0, 1]
    assert all(r["world_size"] == 2 for r in reports)
    assert reports[0]["initial"] == reports[1]["initial"]
    assert reports[0]["final"] == reports[1]["final"], "the replicas drifted apart"
    assert reports[0]["final"] != reports[0]["initial"], "training did not change the weights"
    # seed + rank: each process saw its own batches, hence its own losses
    assert len(reports[0]["losses"]) == 4
    assert reports[0]["losses"] != reports[1]["losses"]

    # rank 0 alone logs and saves; the checkpoint holds the final (shared) weights
    assert result.stdout.count("saved ") == 1
    assert "all 2 replicas hold identical weights: True" in result.stdout
    model, vocab, metadata = load_gpt_checkpoint(tmp_path / "out" / "ckpt.pt")
    assert parameter_digest(model) == reports[0]["final"]
    assert metadata["world_size"] == 2 and metadata["step"] == 4
    assert model.config.n_embd == 32 and len(vocab) == model.config.vocab_size == 65


@pytest.mark.slow  # subprocesses or a short training run
def test_single_process_run_without_torchrun(tmp_path, monkeypatch, capsys):
    for key in ("RANK", "LOCAL_RANK", "WORLD_SIZE"):
        monkeypatch.delenv(key, raising=False)
    text = tmp_path / "abc.txt"
    text.write_text("abcab cabba " * 50, encoding="utf-8")
    assert train_ddp.main([*SMALL, "--cpu", "--text", str(text), "--out-dir",
                           str(tmp_path / "out"), "--digest-dir", str(tmp_path / "d")]) == 0
    assert "1 process(es) on cpu" in capsys.readouterr().out
    report = json.loads((tmp_path / "d" / "rank0.json").read_text())
    checkpoint = torch.load(tmp_path / "out" / "ckpt.pt", weights_only=True)
    assert set(checkpoint) == {"model", "optimizer", "metadata"}   # nnlib.train's format
    assert checkpoint["metadata"]["vocab"] == " abc"
    model, _, _ = load_gpt_checkpoint(tmp_path / "out" / "ckpt.pt")
    assert parameter_digest(model) == report["final"] != report["initial"]


@pytest.mark.slow  # subprocesses or a short training run
def test_import_has_no_side_effects_and_help_explains_the_launch(tmp_path):
    code = "import nnlib.distributed.train_ddp as t; import torch.distributed as d; " \
           "print(d.is_initialized())"
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=loopback_env(),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
    assert list(tmp_path.iterdir()) == []            # no checkpoint directory appeared
    help_text = train_ddp.build_parser().format_help()
    assert "torchrun --standalone --nproc_per_node=N" in help_text
    assert "--batch-size" in help_text and "global batch" in help_text


def test_mixed_precision_needs_a_gpu():
    cpu = torch.device("cpu")
    assert resolve_dtype("auto", cpu) == torch.float32
    assert resolve_dtype("float32", cpu) == torch.float32
    for name in ("float16", "bfloat16"):
        with pytest.raises(ValueError, match="needs a CUDA GPU"):
            resolve_dtype(name, cpu)


def test_bad_arguments_are_refused(capsys):
    with pytest.raises(SystemExit):
        train_ddp.main(["--max-iters", "0"])
    assert "--max-iters" in capsys.readouterr().err
