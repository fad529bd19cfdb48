"""Training a language model on a stream of token ids (tiny Shakespeare in notebook 12).

* ``estimate_loss``: mean loss on the train and validation splits over FIXED seeded batches,
  so two evaluations differ only because the model changed.
* ``lr_multiplier`` / ``TrainConfig`` / ``train_lm``: AdamW, linear warmup then cosine decay
  (``torch.optim.lr_scheduler.LambdaLR``), gradient clipping, mixed precision on GPUs,
  evaluation every ``eval_interval`` steps, an optional wall-clock budget ``max_seconds``.
  The steps themselves are ``nnlib.train.core.run_steps``, the loop under ``fit``.
* ``generate_text``: a prompt in, a seeded sampled continuation out (text, not ids).
* ``shakespeare_recipe``: model and training settings for tiny Shakespeare.

The model is anything with ``model(idx, targets) -> (logits, loss)`` and a ``config.block_size``
(``nnlib.models.gpt.GPT``); a ``DistributedDataParallel`` wrapper works too (its ``.module`` is
used for the config and the optimizer): ``nnlib.distributed.train_ddp`` trains with this loop.
Batches come from ``nnlib.data.get_batch``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from nnlib._checks import (
    check_bool,
    check_callable,
    check_choice,
    check_float,
    check_float_pair,
    check_instance,
    check_int,
    check_optional_int,
    check_seed,
    check_torch_generator,
    describe,
)
from nnlib.data.batching import as_token_tensor, get_batch
from nnlib.train.core import model_device, progress_bar, run_steps, unwrap
from nnlib.train.precision import Precision, setup_precision
from nnlib.train_common import Callback, eval_mode

__all__ = ["LMHistory", "RECIPES", "TrainConfig", "estimate_loss", "generate_text",
           "lr_multiplier", "make_scheduler", "shakespeare_recipe", "train_lm"]


@torch.no_grad()
def estimate_loss(model: nn.Module, splits: dict, *, batch_size: int = 32, eval_iters: int = 10,
                  block_size: int | None = None, seed: int = 1234) -> dict[str, float]:
    """Mean loss of ``model`` on each split, e.g. ``{"train": train_ids, "val": val_ids}``.

    Every call draws the same ``eval_iters`` batches of (batch_size, block_size) windows per
    split (a generator seeded with ``seed``), so the numbers are comparable from one
    evaluation to the next. The model is put in eval mode (no dropout) and back.
    """
    where = "estimate_loss"
    inner = _check_lm(model, where)
    batch_size = check_int(batch_size, "batch_size", minimum=1, where=where)
    eval_iters = check_int(eval_iters, "eval_iters", minimum=1, where=where)
    block_size = check_optional_int(block_size, "block_size", minimum=1, where=where)
    seed = check_seed(seed, where=where, optional=False)
    if not isinstance(splits, dict) or not splits:
        raise TypeError(f"{where}: splits must be a non-empty dict such as "
                        f"{{'train': train_ids, 'val': val_ids}}, got {describe(splits)}")
    block_size = block_size or inner.config.block_size
    device = model_device(model)
    out = {}
    with eval_mode(model):
        for name, ids in splits.items():
            generator = torch.Generator().manual_seed(seed)
            total = 0.0
            for _ in range(eval_iters):
                x, y = get_batch(ids, batch_size=batch_size, block_size=block_size,
                                 generator=generator, device=device)
                _, loss = inner(x, y)
                total += loss.item()
            out[name] = total / eval_iters
    return out


@dataclass
class TrainConfig:
    """Everything ``train_lm`` needs besides the model and the data.

    The learning rate rises linearly from ~0 to ``lr`` over ``warmup_iters`` steps, then follows
    a half cosine down to ``min_lr`` at ``lr_decay_iters`` (default: ``max_iters``) and stays
    there. ``max_seconds`` stops training early once that much training time (evaluations not
    counted) has passed; leave it None for runs that must be reproducible step for step.
    """

    max_iters: int = 2000
    batch_size: int = 12
    lr: float = 1e-3
    min_lr: float = 1e-4
    warmup_iters: int = 100
    lr_decay_iters: int | None = None
    weight_decay: float = 0.1
    betas: tuple[float, float] = (0.9, 0.99)
    grad_clip: float | None = 1.0
    eval_interval: int = 250
    eval_iters: int = 10
    eval_batch_size: int = 32
    eval_seed: int = 1234
    max_seconds: float | None = None
    seed: int = 0

    def __post_init__(self):
        where = "TrainConfig"
        for name in ("max_iters", "batch_size", "eval_interval", "eval_iters", "eval_batch_size"):
            setattr(self, name, check_int(getattr(self, name), name, minimum=1, where=where))
        self.warmup_iters = check_int(self.warmup_iters, "warmup_iters", minimum=0, where=where)
        self.lr_decay_iters = check_optional_int(self.lr_decay_iters, "lr_decay_iters",
                                                 minimum=1, where=where)
        self.lr = check_float(self.lr, "lr", minimum=0, min_open=True, where=where)
        self.min_lr = check_float(self.min_lr, "min_lr", minimum=0, maximum=self.lr,
                                  where=where, hint="need min_lr <= lr (the floor of the schedule)")
        self.weight_decay = check_float(self.weight_decay, "weight_decay", minimum=0,
                                        where=where)
        self.betas = check_float_pair(self.betas, "betas", minimum=0, maximum=1, max_open=True,
                                      where=where)
        if self.grad_clip is not None:
            self.grad_clip = check_float(self.grad_clip, "grad_clip", minimum=0, min_open=True,
                                         where=where, hint="or None for no clipping")
        self.eval_seed = check_seed(self.eval_seed, "eval_seed", where=where, optional=False)
        if self.max_seconds is not None:
            self.max_seconds = check_float(self.max_seconds, "max_seconds", minimum=0,
                                           min_open=True, where=where,
                                           hint="or None for no time limit")
        self.seed = check_seed(self.seed, where=where, optional=False)

    @property
    def decay_iters(self) -> int:
        return self.lr_decay_iters or self.max_iters


def lr_multiplier(step: int, warmup_iters: int, decay_iters: int, min_ratio: float) -> float:
    """The factor applied to the peak learning rate after ``step`` optimizer steps.

    Linear warmup ``(step + 1) / warmup_iters``, then a half cosine from 1 down to ``min_ratio``
    at ``decay_iters``, then ``min_ratio``.
    """
    where = "lr_multiplier"
    step = check_int(step, "step", minimum=0, where=where)
    warmup_iters = check_int(warmup_iters, "warmup_iters", minimum=0, where=where)
    decay_iters = check_int(decay_iters, "decay_iters", minimum=0, where=where)
    min_ratio = check_float(min_ratio, "min_ratio", minimum=0, maximum=1, where=where)
    if step < warmup_iters:
        return (step + 1) / warmup_iters
    if step >= decay_iters:
        return min_ratio
    progress = (step - warmup_iters) / max(1, decay_iters - warmup_iters)   # 0 -> 1
    return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


def make_scheduler(optimizer: torch.optim.Optimizer, config: TrainConfig):
    """A ``LambdaLR`` following :func:`lr_multiplier`; call ``scheduler.step()`` after each step."""
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_multiplier(step, config.warmup_iters, config.decay_iters,
                                              config.min_lr / config.lr))


@dataclass
class LMHistory:
    """What happened during ``train_lm``: per-step training losses and learning rates, and the
    evaluations (step, training seconds so far, train loss, val loss)."""

    train_loss: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    eval_step: list[int] = field(default_factory=list)
    eval_seconds: list[float] = field(default_factory=list)
    eval_train: list[float] = field(default_factory=list)
    eval_val: list[float] = field(default_factory=list)
    seconds: float = 0.0       # training time, evaluations excluded
    steps: int = 0
    stopped_by_time: bool = False

    @property
    def best_val(self) -> float:
        return min(self.eval_val) if self.eval_val else float("nan")

    def first_reaching(self, val_loss: float) -> tuple[int, float] | None:
        """(step, training seconds) of the first evaluation with validation loss <= val_loss."""
        for step, seconds, value in zip(self.eval_step, self.eval_seconds, self.eval_val):
            if value <= val_loss:
                return step, seconds
        return None


def _log_line(step: int, losses: dict[str, float], lr: float) -> str:
    return (f"step {step:5d} | train loss {losses['train']:.3f} | val loss {losses['val']:.3f} "
            f"| lr {lr:.2e}")


class _TimeBudget(Callback):
    """Stops the steps once ``history.seconds`` plus this chunk's time reaches ``max_seconds``."""

    def __init__(self, history: LMHistory, max_seconds: float | None):
        self.history, self.max_seconds, self.start = history, max_seconds, time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def on_batch_end(self, info):
        return self.max_seconds is not None and \
            self.history.seconds + self.elapsed() >= self.max_seconds


def train_lm(model: nn.Module, config: TrainConfig, train_ids, val_ids, *,
             optimizer: torch.optim.Optimizer | None = None,
             generator: torch.Generator | None = None,
             log: Callable[[str], None] | None = print, eval_at_start: bool = True,
             precision: str | Precision = "auto", progress: bool = True) -> LMHistory:
    """Train ``model`` on random windows of ``train_ids``; evaluate on both splits.

    One step (``nnlib.train.core.run_steps``): sample a (batch_size, block_size) batch, forward
    to the loss (autocast on GPUs, see ``precision``), backward, clip the gradient norm to
    ``grad_clip``, AdamW step (``model.configure_optimizers`` decays only the 2-D weights),
    advance the warmup + cosine schedule. Evaluations (``estimate_loss``) run at step 0, every
    ``eval_interval`` steps and at the end; ``log`` receives one line each (pass ``log=None`` to
    stay silent, e.g. on all but one process of a distributed run). ``generator`` draws the
    training batches (default: seeded with ``config.seed``; give each process of a distributed
    run its own). ``progress`` shows a tqdm bar with the time left. A NaN/inf loss raises
    ``TrainingDivergedError``. Returns an :class:`LMHistory`.
    """
    where = "train_lm"
    check_instance(config, "config", TrainConfig, "a TrainConfig", where=where,
                   hint="e.g. TrainConfig(max_iters=500)")
    inner = _check_lm(model, where)
    check_instance(optimizer, "optimizer", torch.optim.Optimizer, "a torch.optim optimizer",
                   where=where, optional=True)
    generator = check_torch_generator(generator, where=where)
    check_callable(log, "log", where=where, optional=True)
    eval_at_start = check_bool(eval_at_start, "eval_at_start", where=where)
    progress = check_bool(progress, "progress", where=where)
    block_size = inner.config.block_size
    train_ids, val_ids = as_token_tensor(train_ids, "train_ids"), as_token_tensor(val_ids,
                                                                                  "val_ids")
    for name, ids in (("train_ids", train_ids), ("val_ids", val_ids)):
        if len(ids) <= block_size:
            raise ValueError(f"{where}: {name} has {len(ids)} tokens; it needs more than the "
                             f"model's block_size={block_size} to cut one training window")
    splits = {"train": train_ids, "val": val_ids}
    device = model_device(model)
    precision = setup_precision(device, precision)
    if optimizer is None:
        optimizer = inner.configure_optimizers(config.weight_decay, config.lr, config.betas)
    scheduler = make_scheduler(optimizer, config)
    if generator is None:
        generator = torch.Generator().manual_seed(config.seed)
    history = LMHistory()

    def evaluate(step: int) -> None:
        losses = estimate_loss(model, splits, batch_size=config.eval_batch_size,
                               eval_iters=config.eval_iters, block_size=block_size,
                               seed=config.eval_seed)
        history.eval_step.append(step)
        history.eval_seconds.append(history.seconds)
        history.eval_train.append(losses["train"])
        history.eval_val.append(losses["val"])
        if log is not None:
            log(_log_line(step, losses, optimizer.param_groups[0]["lr"]))

    def batches():
        while True:
            yield get_batch(train_ids, batch_size=config.batch_size, block_size=block_size,
                            generator=generator, device=device)

    stream = batches()
    bar = progress_bar(config.max_iters, progress, unit="step")
    try:
        if eval_at_start:
            evaluate(0)
        while history.steps < config.max_iters:
            chunk = min(config.eval_interval - history.steps % config.eval_interval,
                        config.max_iters - history.steps)
            budget = _TimeBudget(history, config.max_seconds)
            stats = run_steps(model, stream, optimizer, _lm_loss, steps=chunk,
                              precision=precision, scheduler=scheduler,
                              clip_grad_norm=config.grad_clip, hooks=[budget], bar=bar,
                              measure_grad_norm=False, name="train_ids",
                              advice=" or gradient clipping (TrainConfig.grad_clip)")
            history.seconds += budget.elapsed()
            history.train_loss += stats.losses
            history.lr += stats.lrs
            history.steps += stats.steps
            evaluate(history.steps)
            if stats.stopped:
                history.stopped_by_time = True
                break
    finally:
        if bar is not None:
            bar.close()
    return history


def _check_lm(model, where: str) -> nn.Module:
    """The model inside (a DDP wrapper looked through), checked: a torch module with a
    ``config.block_size``, as ``nnlib.models.gpt.GPT``."""
    check_instance(model, "model", nn.Module, "a torch.nn.Module such as GPT(GPTConfig(...))",
                   where=where)
    inner = unwrap(model)
    if not isinstance(getattr(getattr(inner, "config", None), "block_size", None), int):
        raise TypeError(f"{where}: model must have a config.block_size (a language model such "
                        f"as nnlib.models.gpt.GPT), got a {type(inner).__name__}")
    return inner


def _lm_loss(model, x, y):
    """The model computes its own loss: ``model(idx, targets) -> (logits, loss)``."""
    return model(x, y)[1], None


def generate_text(model: nn.Module, vocab, prompt: str, max_new_tokens: int,
                  temperature: float = 1.0, top_k: int | None = None, seed: int = 0) -> str:
    """The text ``model.generate`` writes after ``prompt`` (the prompt itself not included).

    ``vocab`` turns text into ids and back (``encode`` / ``decode``, e.g. ``CharVocab``).
    Sampling uses a generator seeded with ``seed``: same seed, same text.
    """
    where = "generate_text"
    _check_lm(model, where)
    if not (callable(getattr(vocab, "encode", None)) and callable(getattr(vocab, "decode",
                                                                           None))):
        raise TypeError(f"{where}: vocab must have encode and decode (e.g. a CharVocab), got "
                        f"{describe(vocab)}")
    if not isinstance(prompt, str) or not prompt:
        raise ValueError(f"{where}: the prompt must be a non-empty string, e.g. '\\n' or "
                         f"'ROMEO:', got {describe(prompt)}")
    seed = check_seed(seed, where=where, optional=False)
    ids = torch.as_tensor(vocab.encode(prompt), dtype=torch.long)[None]     # (1, T)
    ids = ids.to(model_device(model))
    out = unwrap(model).generate(ids, max_new_tokens, temperature=temperature, top_k=top_k,
                                  generator=torch.Generator().manual_seed(seed))
    return vocab.decode(out[0, ids.shape[1]:].cpu().numpy())


# -- recipes for tiny Shakespeare ---------------------------------------------------------------
RECIPES = ("nanogpt-cpu", "cpu", "gpu")


def shakespeare_recipe(name: str = "cpu", vocab_size: int = 65):
    """``(GPTConfig, TrainConfig)`` for character-level tiny Shakespeare.

    * "nanogpt-cpu": the CPU run in nanoGPT's README (4 layers, 4 heads, 128 channels, context
      64, batch 12, lr 1e-3, 2,000 steps, no dropout; the README reports val loss 1.88). It is
      the reference of ``benchmarks/bench_gpt.py``.
    * "cpu": tuned to learn as much as possible per second on 2 CPU cores
      (benchmarks/bench_gpt.py): 2 layers, batch 32, lr 6e-3, 750 steps (about 36 s there);
      notebook 12's default run shortens it to 400 steps of 16 sequences.
    * "gpu": nanoGPT's ``train_shakespeare_char.py`` (6 layers, 6 heads, 384 channels, context
      256, dropout 0.2, 5,000 steps of batch 64): the notebook's ``FULL_RUN``.
    """
    from nnlib.models.gpt import GPTConfig

    check_choice(name, "name", RECIPES, where="shakespeare_recipe")
    vocab_size = check_int(vocab_size, "vocab_size", minimum=1, where="shakespeare_recipe")
    if name == "nanogpt-cpu":
        model = GPTConfig(vocab_size=vocab_size, block_size=64, n_layer=4, n_head=4, n_embd=128,
                          dropout=0.0, bias=False)
        train = TrainConfig(max_iters=2000, batch_size=12, lr=1e-3, min_lr=1e-4,
                            warmup_iters=100, eval_interval=250)
    elif name == "cpu":
        # half the depth of nanoGPT's CPU run, 2.7x its batch, 6x its learning rate
        model = GPTConfig(vocab_size=vocab_size, block_size=64, n_layer=2, n_head=4, n_embd=128,
                          dropout=0.0, bias=False)
        train = TrainConfig(max_iters=750, batch_size=32, lr=6e-3, min_lr=6e-4,
                            warmup_iters=30, eval_interval=125)
    elif name == "gpu":
        model = GPTConfig(vocab_size=vocab_size, block_size=256, n_layer=6, n_head=6, n_embd=384,
                          dropout=0.2, bias=False)
        train = TrainConfig(max_iters=5000, batch_size=64, lr=1e-3, min_lr=1e-4,
                            warmup_iters=100, eval_interval=250, eval_iters=20)
    else:
        raise ValueError(f"unknown recipe {name!r}; choose one of {RECIPES}")
    return model, train
