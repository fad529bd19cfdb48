"""Does the GPU path work? A few minutes on a machine with CUDA (a Colab T4 session will do).

    python benchmarks/gpu_check.py              # every check, 30 steps each
    python benchmarks/gpu_check.py --steps 10   # quicker
    python benchmarks/gpu_check.py --device cpu --steps 2   # the same code on the CPU (a test)

For each notebook's FULL_RUN model (08 MLP, 09 CNN, 10 character GRU, 11 toy Transformer,
12 GPT; 13+ when their models exist) it trains a few steps on random data of the full run's
shapes with the mixed precision that ``nnlib.train.precision.setup_precision`` picks (bf16 on
GPUs that support it, fp16 + GradScaler otherwise, TF32 on Ampere+), then prints a line:
steps, throughput, peak memory, first and last loss. Then it runs the DDP script
(``nnlib.distributed.train_ddp``) under torchrun on one GPU with NCCL.

Without a CUDA GPU it prints one line saying so and exits with status 0 (skipped).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F


def _classifier(model, batch: int, shape: tuple[int, ...]) -> Callable:
    def step_data(device):
        x = torch.randn(batch, *shape, device=device)
        y = torch.randint(0, 10, (batch,), device=device)
        return x, y, lambda: F.cross_entropy(model(x), y)
    return step_data


def checks(quick: bool) -> list[tuple[str, Callable[[], torch.nn.Module], Callable, int, str]]:
    """(name, model factory, batch maker, items per step, unit) for each FULL_RUN path."""
    from nnlib.models import MLP
    from nnlib.models.cnn import DeepCNN
    from nnlib.models.gpt import GPT
    from nnlib.models.rnn import CharRNN
    from nnlib.models.transformer_toy import ToyTransformer
    from nnlib.scratch.gpt import GPTConfig

    small = 4 if quick else 1  # --device cpu: the same code with smaller batches
    out = []

    def add(name, make, batch_fn, items, unit):
        out.append((name, make, batch_fn, items, unit))

    b = 256 // small
    add("08 MLP 784-512-256-10", lambda: MLP([784, 512, 256, 10], batchnorm=True, dropout=0.1),
        lambda m: _classifier(m, b, (1, 28, 28)), b, "images")
    add("09 DeepCNN", lambda: DeepCNN(depth=8, width=32, residual=True),
        lambda m: _classifier(m, b, (1, 28, 28)), b, "images")

    def lm(model, batch, seq, vocab, call):
        def step_data(device):
            x = torch.randint(0, vocab, (batch, seq), device=device)
            y = torch.randint(0, vocab, (batch, seq), device=device)
            return x, y, lambda: call(model, x, y)
        return step_data

    def rnn_loss(model, x, y):
        logits = model(x)[0]
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))

    def toy_loss(model, x, y):
        logits = model(x)
        logits = logits[0] if isinstance(logits, tuple) else logits
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))

    bs, seq = 64 // small, 128 // small
    add("10 char GRU 512", lambda: CharRNN(65, 64, 512, cell="gru", num_layers=2),
        lambda m: lm(m, bs, seq, 65, rnn_loss), bs * seq, "tokens")
    add("11 toy Transformer", lambda: ToyTransformer(12, 32, d_model=128, num_layers=4,
                                                      dim_feedforward=512),
        lambda m: lm(m, bs, 32, 12, toy_loss), bs * 32, "tokens")
    config = GPTConfig(vocab_size=65, block_size=256 // small, n_layer=6, n_head=6, n_embd=384,
                       dropout=0.2)
    add("12 GPT 6x384 (10.7M)", lambda: GPT(config),
        lambda m: lm(m, bs, 256 // small, 65, lambda mm, x, y: mm(x, y)[1]),
        bs * (256 // small), "tokens")
    return out


def run_one(name, make, batch_fn, items, unit, device, steps) -> str:
    from nnlib.train.precision import setup_precision

    torch.manual_seed(0)
    model = make().to(device)
    precision = setup_precision(device, "auto" if device.type == "cuda" else "float32")
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
    x, y, loss_fn = batch_fn(model)(device)
    losses = []
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    start = None
    for step in range(steps + 1):  # step 0 warms up (kernels, cuDNN autotuning)
        if step == 1:
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        with precision.autocast():
            loss = loss_fn()
        precision.backward(loss)
        precision.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        precision.step(optimizer)
        losses.append(float(loss.detach()))
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        memory = f"peak {torch.cuda.max_memory_allocated(device) / 2**20:,.0f} MiB"
    else:
        memory = "peak memory n/a on the CPU"
    seconds = time.perf_counter() - start
    if not all(map(lambda v: v == v and abs(v) != float("inf"), losses)):
        raise RuntimeError(f"{name}: a loss became NaN or infinite: {losses}")
    return (f"{name:<24} {precision!s:<22} {steps} steps, {items * steps / seconds:,.0f} "
            f"{unit}/s, {memory}, loss {losses[0]:.3f} -> {losses[-1]:.3f}")


def run_ddp(steps: int) -> str:
    """The DDP script on one GPU with NCCL, as `torchrun --nproc_per_node=1` starts it."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                   "--nproc_per_node=1", "-m", "nnlib.distributed.train_ddp",
                   "--max-iters", str(steps), "--eval-interval", str(steps), "--eval-iters", "2",
                   "--out-dir", out]
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, timeout=900)
        seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError("DDP script failed:\n" + (result.stdout + result.stderr)[-3000:])
    backend = "nccl" if "nccl" in (result.stdout + result.stderr).lower() else "see its output"
    last = [line for line in result.stdout.splitlines() if line.strip()][-1:]
    return (f"{'12 DDP, 1 GPU (torchrun)':<24} backend {backend}, {steps} steps in "
            f"{seconds:.0f} s (with start-up); last line: {last[0] if last else ''}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda",
                        help="cpu runs the same code on the CPU, small, in float32 (a test)")
    parser.add_argument("--no-ddp", action="store_true", help="skip the torchrun check")
    args = parser.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        print("gpu_check: no CUDA GPU is visible here; nothing to check (skipped). "
              "Run it on a machine with an NVIDIA GPU, e.g. Colab with a T4 runtime.")
        return 0
    device = torch.device(args.device)
    if device.type == "cuda":
        print(f"gpu_check: {torch.cuda.get_device_name(device)}, torch {torch.__version__}, "
              f"CUDA {torch.version.cuda}")
    else:
        torch.set_num_threads(1)
    failed = 0
    for name, make, batch_fn, items, unit in checks(quick=device.type == "cpu"):
        try:
            print(run_one(name, make, batch_fn, items, unit, device, args.steps), flush=True)
        except Exception as error:  # report every path, then fail
            failed += 1
            print(f"{name:<24} FAILED: {type(error).__name__}: {error}", flush=True)
    if device.type == "cuda" and not args.no_ddp:
        try:
            print(run_ddp(args.steps), flush=True)
        except Exception as error:
            failed += 1
            print(f"DDP FAILED: {error}", flush=True)
    print(f"gpu_check: {'all ok' if not failed else f'{failed} FAILED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
