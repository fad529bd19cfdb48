"""Train nnlib's GPT with DistributedDataParallel: one process per GPU, or several on a CPU.

Launch with ``torchrun``, which starts ``--nproc_per_node`` copies of this script and tells
each its ``RANK``, ``LOCAL_RANK`` and ``WORLD_SIZE``::

    torchrun --standalone --nproc_per_node=4 -m nnlib.distributed.train_ddp      # 4 GPUs
    torchrun --standalone --nproc_per_node=2 -m nnlib.distributed.train_ddp --max-iters 50
    python -m nnlib.distributed.train_ddp --max-iters 50                         # 1 process

What each process does: build the same GPT (same seed; DDP also copies rank 0's weights to
every process at the start), sample its OWN batches (seed + rank), and train. During
``backward`` DDP averages the gradients of all processes with an all-reduce, so every
optimizer step sees the gradient of the global batch ``batch_size * world_size`` and all
replicas stay identical. Rank 0 alone evaluates, prints and saves the checkpoint.

The training loop is ``nnlib.train.lm.train_lm`` (the one notebook 12 uses on one process),
given the DDP-wrapped model; its steps are ``nnlib.train.core.run_steps``, the loop under every
PyTorch training function in nnlib.

Backends: NCCL between GPUs, Gloo between CPU processes. Mixed precision (``--dtype``) runs
on GPUs only: bfloat16 where supported, else float16 with a ``GradScaler`` (float16's small
range would let small gradients underflow to 0 without loss scaling); see
``nnlib.train.precision``.

The checkpoint (``--out-dir``/ckpt.pt) is ``nnlib.train.save_checkpoint``'s format, the same as
single-process training: ``torch.load(path, weights_only=True)`` reads it and
:func:`load_gpt_checkpoint` rebuilds the model from its metadata.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from nnlib.models.gpt import GPT, GPTConfig
from nnlib.train.checkpoint import read_checkpoint, save_checkpoint
from nnlib.train.lm import TrainConfig, train_lm
from nnlib.train.precision import resolve_dtype, setup_precision

__all__ = ["build_parser", "load_gpt_checkpoint", "main", "parameter_digest", "resolve_dtype"]

CHECKPOINT_NAME = "ckpt.pt"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="torchrun --standalone --nproc_per_node=N -m nnlib.distributed.train_ddp",
        description="Train a character-level GPT on tiny Shakespeare (or --text) with "
                    "DistributedDataParallel: one process per GPU, or several CPU processes.",
        epilog="Examples: torchrun --standalone --nproc_per_node=2 -m "
               "nnlib.distributed.train_ddp --max-iters 100 ; without torchrun it runs as "
               "a single process.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    model = parser.add_argument_group("model")
    model.add_argument("--block-size", type=int, default=64, help="context length T")
    model.add_argument("--n-layer", type=int, default=4)
    model.add_argument("--n-head", type=int, default=4)
    model.add_argument("--n-embd", type=int, default=128)
    model.add_argument("--dropout", type=float, default=0.0)
    train = parser.add_argument_group("training")
    train.add_argument("--max-iters", type=int, default=1000, help="optimizer steps")
    train.add_argument("--batch-size", type=int, default=12,
                       help="sequences per process and step; the global batch is this times "
                            "the number of processes")
    train.add_argument("--lr", type=float, default=1e-3, help="peak learning rate")
    train.add_argument("--min-lr", type=float, default=1e-4)
    train.add_argument("--warmup-iters", type=int, default=100)
    train.add_argument("--weight-decay", type=float, default=0.1)
    train.add_argument("--grad-clip", type=float, default=1.0, help="0 turns clipping off")
    train.add_argument("--eval-interval", type=int, default=250)
    train.add_argument("--eval-iters", type=int, default=10)
    train.add_argument("--seed", type=int, default=0,
                       help="model seed; process r samples its batches with seed + r")
    train.add_argument("--dtype", choices=["auto", "float32", "bfloat16", "float16"],
                       default="auto", help="autocast dtype on GPUs (auto: bfloat16 on GPUs "
                                            "that have it in hardware, else float16 with a "
                                            "GradScaler); CPUs use float32")
    train.add_argument("--cpu", action="store_true", help="use the CPU (Gloo) even with GPUs")
    io = parser.add_argument_group("input and output")
    io.add_argument("--text", type=Path, default=None,
                    help="a UTF-8 text file to train on instead of tiny Shakespeare "
                         "(the last 10%% is held out)")
    io.add_argument("--out-dir", type=Path, default=Path("out-ddp"),
                    help=f"where rank 0 writes {CHECKPOINT_NAME}")
    io.add_argument("--digest-dir", type=Path, default=None,
                    help="every rank writes rank<r>.json there: digests of its initial and "
                         "final weights and its own losses (to check the replicas agree)")
    return parser


def parameter_digest(model: nn.Module) -> str:
    """SHA-256 of every parameter's name and bytes: equal digests mean identical weights."""
    sha = hashlib.sha256()
    for name, p in model.named_parameters():
        sha.update(name.encode())
        sha.update(p.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    return sha.hexdigest()


def load_data(text_path: Path | None):
    """``(train_ids, val_ids, vocab_chars)`` of a text file, or of tiny Shakespeare."""
    from nnlib.data import CharVocab, shakespeare_splits

    if text_path is None:
        train_ids, val_ids, vocab = shakespeare_splits()
        return train_ids, val_ids, "".join(vocab.chars)
    text = Path(text_path).read_text(encoding="utf-8")
    vocab = CharVocab(text)
    ids = vocab.encode(text)
    cut = int(len(ids) * 0.9)
    return ids[:cut], ids[cut:], "".join(vocab.chars)


def _setup(args) -> tuple[int, int, torch.device]:
    """Join the process group started by torchrun: (rank, world_size, device)."""
    if "RANK" not in os.environ:                       # plain `python -m`: one process
        use_cuda = torch.cuda.is_available() and not args.cpu
        return 0, 1, torch.device("cuda" if use_cuda else "cpu")
    rank, world_size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    local_rank = int(os.environ["LOCAL_RANK"])
    if torch.cuda.is_available() and not args.cpu:
        if local_rank >= torch.cuda.device_count():
            raise RuntimeError(f"process {local_rank} has no GPU: this machine has "
                               f"{torch.cuda.device_count()}; lower --nproc_per_node")
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
        dist.init_process_group(backend="nccl")
    else:
        device = torch.device("cpu")
        dist.init_process_group(backend="gloo")
    return rank, world_size, device


def train(args, rank: int, world_size: int, device: torch.device) -> dict:
    """Train on one process with ``train_lm``; returns what this rank saw (``--digest-dir``)."""
    log = (lambda line: print(line, flush=True)) if rank == 0 else None
    precision = setup_precision(device, args.dtype)
    train_ids, val_ids, chars = load_data(args.text)
    config = GPTConfig(vocab_size=len(chars), block_size=args.block_size,
                       n_layer=args.n_layer, n_head=args.n_head, n_embd=args.n_embd,
                       dropout=args.dropout)
    tc = TrainConfig(max_iters=args.max_iters, batch_size=args.batch_size, lr=args.lr,
                     min_lr=args.min_lr, warmup_iters=args.warmup_iters,
                     weight_decay=args.weight_decay, grad_clip=args.grad_clip or None,
                     eval_interval=args.eval_interval, eval_iters=args.eval_iters,
                     seed=args.seed)
    torch.manual_seed(args.seed)                       # the same model on every rank
    raw_model = GPT(config).to(device)
    initial_digest = parameter_digest(raw_model)
    model = raw_model
    if world_size > 1:                                 # DDP broadcasts rank 0's weights here
        model = DistributedDataParallel(raw_model,
                                        device_ids=[device.index] if device.type == "cuda"
                                        else None)
    optimizer = raw_model.configure_optimizers(tc.weight_decay, tc.lr, tc.betas)
    generator = torch.Generator().manual_seed(args.seed + rank)  # different batches per rank
    backend = dist.get_backend() if world_size > 1 else "no"
    if log is not None:
        log(f"{world_size} process(es) on {device.type} ({backend} backend), precision "
            f"{precision}, {raw_model.num_parameters():,} parameters, global batch "
            f"{tc.batch_size} x {world_size} = {tc.batch_size * world_size} sequences")
    # every rank evaluates the same fixed batches (cheap, and no rank waits for another);
    # during backward DDP all-reduces the gradients, so the replicas stay identical
    history = train_lm(model, tc, train_ids, val_ids, optimizer=optimizer, generator=generator,
                       log=log, precision=precision, progress=rank == 0)
    final_digest = parameter_digest(raw_model)
    if world_size > 1:
        digests = [None] * world_size
        dist.all_gather_object(digests, final_digest)
        log is not None and log(f"all {world_size} replicas hold identical weights: "
                                f"{len(set(digests)) == 1}")
    if rank == 0:
        args.out_dir.mkdir(parents=True, exist_ok=True)
        path = args.out_dir / CHECKPOINT_NAME
        save_checkpoint(raw_model, path, config=asdict(config), vocab=chars,
                        step=history.steps, world_size=world_size,
                        args={k: str(v) if isinstance(v, Path) else v
                              for k, v in vars(args).items()})
        log(f"saved {path}")
    return {"rank": rank, "world_size": world_size, "initial": initial_digest,
            "final": final_digest, "losses": history.train_loss}


def load_gpt_checkpoint(path, map_location="cpu") -> tuple[GPT, str, dict]:
    """``(model, vocab_chars, metadata)`` from a ``ckpt.pt`` written by this script."""
    checkpoint = read_checkpoint(path, map_location)
    metadata = checkpoint["metadata"]
    model = GPT(GPTConfig(**metadata["config"]))
    model.load_state_dict(checkpoint["model"])
    return model, metadata["vocab"], metadata


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.max_iters < 1 or args.batch_size < 1 or args.eval_interval < 1:
        parser.error("--max-iters, --batch-size and --eval-interval must be >= 1")
    rank, world_size, device = _setup(args)
    try:
        try:
            resolve_dtype(args.dtype, device)
        except ValueError as e:
            parser.error(str(e))
        report = train(args, rank, world_size, device)
        if args.digest_dir is not None:
            args.digest_dir.mkdir(parents=True, exist_ok=True)
            (args.digest_dir / f"rank{rank}.json").write_text(json.dumps(report))
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
