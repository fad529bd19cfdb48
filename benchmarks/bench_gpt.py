"""Quality at equal time: notebook 12's CPU recipe against nanoGPT's CPU recipe, on this machine.

The reference is the CPU run of nanoGPT's README (4 layers, 4 heads, 128 channels, context 64,
batch 12, lr 1e-3, 2,000 steps, dropout 0; the README reports val loss 1.88), trained here with
nnlib's GPT and loop. It runs first; its training time T_ref (evaluations excluded) sets the
budget T_ref / 2 for our recipe (``nnlib.train.lm.shakespeare_recipe("cpu")``), whose number of
steps is sized from its measured speed so that its learning-rate schedule ends inside the budget.

Both are evaluated the same way: the mean loss over the same 20 seeded batches of 64 windows of
each split (``nnlib.train.lm.estimate_loss``), each model at its own context length.

Usage::

    python benchmarks/bench_gpt.py                 # ~2 x T_ref of wall time
    python benchmarks/bench_gpt.py --reference-seconds 160 --reference-loss 1.92   # reuse a run
    python benchmarks/bench_gpt.py --quick         # a smoke test: 200 reference steps

Timings depend on the load: the script prints the load average before and after each run.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace

import torch

from nnlib.data import shakespeare_splits
from nnlib.models.gpt import GPT
from nnlib.train.lm import shakespeare_recipe, train_lm

EVAL = dict(eval_iters=20, eval_batch_size=64, eval_seed=1234)


def load_average() -> str:
    if not hasattr(os, "getloadavg"):
        return "n/a"
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def build(model_config, seed: int = 0) -> GPT:
    torch.manual_seed(seed)
    return GPT(model_config)


def seconds_per_step(model_config, train_config, train_ids, val_ids, steps: int = 30) -> float:
    """Training time per step of a fresh model (after 5 warm-up steps)."""
    model = build(model_config)
    warm = replace(train_config, max_iters=5, warmup_iters=1)
    train_lm(model, warm, train_ids, val_ids, log=None, eval_at_start=False, progress=False)
    timed = replace(train_config, max_iters=steps, warmup_iters=1, eval_interval=10**9,
                    eval_iters=1, eval_batch_size=1)
    history = train_lm(build(model_config), timed, train_ids, val_ids, log=None,
                       eval_at_start=False, progress=False)
    return history.seconds / steps     # training time only, the final evaluation excluded


def run(name: str, model_config, train_config, train_ids, val_ids):
    print(f"\n{name}: {model_config}\n  {train_config}\n  load average before: {load_average()}",
          flush=True)
    model = build(model_config)
    print(f"  {model.num_parameters() / 1e6:.2f}M parameters (without position embeddings)")
    wall = time.perf_counter()
    history = train_lm(model, train_config, train_ids, val_ids,
                       log=lambda line: print("  " + line, flush=True), progress=False)
    wall = time.perf_counter() - wall
    print(f"  {history.steps} steps, {history.seconds:.1f} s of training "
          f"({1000 * history.seconds / history.steps:.1f} ms/step, {wall:.1f} s with evaluations)"
          f"; load average after: {load_average()}")
    for step, seconds, val in zip(history.eval_step, history.eval_seconds, history.eval_val):
        print(f"    step {step:5d}  {seconds:7.1f} s  val {val:.4f}")
    return history


def val_at(history, seconds: float) -> tuple[int, float, float]:
    """The last evaluation made within ``seconds`` of training: (step, seconds, val loss)."""
    rows = [row for row in zip(history.eval_step, history.eval_seconds, history.eval_val)
            if row[1] <= seconds]
    return rows[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--target", type=float, default=1.88)
    parser.add_argument("--reference-seconds", type=float, default=None,
                        help="skip the reference run and use this training time")
    parser.add_argument("--reference-loss", type=float, default=None)
    parser.add_argument("--quick", action="store_true", help="200 reference steps (smoke test)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    train_ids, val_ids, vocab = shakespeare_splits(0.1)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, float32, "
          f"load average {load_average()}")

    ref_model, ref_train = shakespeare_recipe("nanogpt-cpu", len(vocab))
    ref_train = replace(ref_train, eval_interval=100, **EVAL)
    if args.quick:
        ref_train = replace(ref_train, max_iters=200, lr_decay_iters=200, eval_interval=50)
    if args.reference_seconds is None:
        reference = run("Reference: nanoGPT's CPU recipe", ref_model, ref_train, train_ids,
                        val_ids)
        ref_seconds, ref_loss = reference.seconds, reference.eval_val[-1]
    else:
        reference, ref_seconds, ref_loss = None, args.reference_seconds, args.reference_loss
    budget = ref_seconds / 2

    our_model, our_train = shakespeare_recipe("cpu", len(vocab))
    per_step = seconds_per_step(our_model, our_train, train_ids, val_ids)
    steps = max(1, int(0.97 * budget / per_step))
    print(f"\nour recipe: {1000 * per_step:.1f} ms/step measured -> {steps} steps fit in "
          f"{budget:.1f} s")
    our_train = replace(our_train, max_iters=steps, warmup_iters=min(our_train.warmup_iters,
                                                                      steps // 10),
                        eval_interval=max(1, steps // 20), max_seconds=budget, **EVAL)
    ours = run("Ours: nnlib.train.lm.shakespeare_recipe('cpu')", our_model, our_train, train_ids,
               val_ids)

    print("\n== Quality at equal time ==")
    print(f"reference: {ref_train.max_iters} steps in {ref_seconds:.1f} s of training, "
          f"val loss {ref_loss:.4f} at the end (nanoGPT's README: 1.88)")
    if reference is not None:
        step, seconds, val = val_at(reference, budget)
        print(f"reference after {budget:.1f} s (half its time): val loss {val:.4f} "
              f"(step {step}, {seconds:.1f} s)")
        hit = reference.first_reaching(args.target)
        print(f"reference first at val loss <= {args.target}: "
              + (f"step {hit[0]}, {hit[1]:.1f} s" if hit else "never"))
    print(f"ours after {ours.seconds:.1f} s (budget {budget:.1f} s): val loss "
          f"{ours.eval_val[-1]:.4f} after {ours.steps} steps")
    hit = ours.first_reaching(args.target)
    print(f"ours first at val loss <= {args.target}: "
          + (f"step {hit[0]}, {hit[1]:.1f} s = {hit[1] / ref_seconds:.2f} x the reference's time"
             if hit else "not within the budget"))


if __name__ == "__main__":
    main()
