"""A tiny encoder-only Transformer in PyTorch for toy sequence tasks (notebook 11).

``ToyTransformer`` reads a sequence of token ids (B, T) and predicts one token per position
(B, T, vocab): enough for tasks whose output has the input's length, such as reversing or
sorting (``nnlib.data.reverse_task`` / ``sort_task``). Every position sees every other one
(no causal mask), so position t can fetch the token it needs from anywhere in the input.

Each block is pre-norm (as in GPT-2 and most models since)::

    x = x + MultiHeadAttention(LayerNorm(x))
    x = x + FeedForward(LayerNorm(x))          # Linear -> GELU -> Linear

Blocks use ``nn.MultiheadAttention`` so that the attention weights of every head can be
returned (``model(idx, return_attention=True)``) and looked at.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from nnlib import _checks
from nnlib.data.batching import random_rows
from nnlib.errors import ShapeError
from nnlib.models.rnn import _UNCHECKED, _check_token_targets, train_with_adam

__all__ = ["EncoderBlock", "ToyTransformer", "sequence_accuracy", "sinusoidal_table",
           "token_loss", "train_toy_transformer"]

POSITIONAL = ("sinusoidal", "learned", "none")


def sinusoidal_table(max_len: int, d_model: int, base: float = 10000.0) -> torch.Tensor:
    """(max_len, d_model) sinusoidal encodings: sin on even columns, cos on odd ones."""
    where = "sinusoidal_table"
    max_len = _checks.check_int(max_len, "max_len", minimum=1, where=where)
    d_model = _checks.check_int(d_model, "d_model", minimum=1, where=where)
    base = _checks.check_float(base, "base", minimum=1, min_open=True, where=where,
                               hint="the wavelengths grow as powers of base; 10000 is usual")
    positions = torch.arange(max_len, dtype=torch.float64)[:, None]
    frequencies = base ** (-torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)
    angles = positions * frequencies                                   # (max_len, ceil(d/2))
    table = torch.zeros(max_len, d_model, dtype=torch.float64)
    table[:, 0::2] = torch.sin(angles)
    table[:, 1::2] = torch.cos(angles[:, :d_model // 2])
    return table.float()


def check_block_input(x, mask, d_model: int, where: str, mask_name: str,
                      x_name: str = "x") -> None:
    """A block's input ``x`` (B, T, d_model) (float) and its padding mask (B, T) (bool, True =
    padding) or None."""
    _checks.check_tensor(x, x_name, where=where, shape=(None, None, d_model),
                         shape_text=f"(B, T, {d_model})", floating=True)
    if mask is not None:
        _checks.check_tensor(mask, mask_name, where=where, shape=tuple(x.shape[:2]),
                             shape_text=f"(B, T) = {tuple(x.shape[:2])}")
        if mask.dtype != torch.bool:
            raise TypeError(f"{where}: {mask_name} must be a bool tensor (True = padding), got "
                            f"dtype {mask.dtype}")


def check_block_sizes(where: str, d_model, num_heads, dim_feedforward, dropout):
    """A Transformer block's sizes (ints >= 1, ``d_model`` divisible by ``num_heads``) and
    dropout in [0, 1), checked before ``nn.MultiheadAttention`` asserts on them."""
    d_model = _checks.check_int(d_model, "d_model", minimum=1, where=where)
    num_heads = _checks.check_int(num_heads, "num_heads", minimum=1, where=where)
    dim_feedforward = _checks.check_int(dim_feedforward, "dim_feedforward", minimum=1,
                                        where=where)
    dropout = _checks.check_float(dropout, "dropout", minimum=0, maximum=1, max_open=True,
                                  where=where)
    if d_model % num_heads:
        raise ValueError(f"{where}: d_model ({d_model}) must be divisible by num_heads "
                         f"({num_heads}): each head gets d_model // num_heads channels")
    return d_model, num_heads, dim_feedforward, dropout


class EncoderBlock(nn.Module):
    """Pre-norm Transformer block: (B, T, C) -> (B, T, C) and the weights (B, H, T, T).

    ``forward(x, key_padding_mask=None)``: the mask is a bool (B, T), True = padding. (A float
    mask, which ``nn.MultiheadAttention`` would add to the scores, is refused: a 0/1 float mask
    meant as padding would silently block nothing.)
    """

    def __init__(self, d_model: int, num_heads: int, dim_feedforward: int,
                 dropout: float = 0.0):
        super().__init__()
        d_model, num_heads, dim_feedforward, dropout = check_block_sizes(
            "EncoderBlock", d_model, num_heads, dim_feedforward, dropout)
        self.norm1 = nn.LayerNorm(d_model)
        self.attn = nn.MultiheadAttention(d_model, num_heads, dropout=dropout, batch_first=True)
        self.norm2 = nn.LayerNorm(d_model)
        self.ff = nn.Sequential(nn.Linear(d_model, dim_feedforward), nn.GELU(),
                                nn.Linear(dim_feedforward, d_model), nn.Dropout(dropout))

    def forward(self, x: torch.Tensor, key_padding_mask: torch.Tensor | None = None):
        check_block_input(x, key_padding_mask, self.norm1.normalized_shape[0], "EncoderBlock",
                          "key_padding_mask")
        h = self.norm1(x)
        a, weights = self.attn(h, h, h, key_padding_mask=key_padding_mask, need_weights=True,
                               average_attn_weights=False)
        x = x + a
        return x + self.ff(self.norm2(x)), weights


class ToyTransformer(nn.Module):
    """Token ids (B, T) -> logits (B, T, vocab_size): embedding + positions, blocks, head.

    positional: "sinusoidal" (fixed table), "learned" (one trained vector per position) or
    "none" (then the model cannot tell positions apart: try it on the reverse task).
    ``forward(idx, key_padding_mask=None, return_attention=False)``; with
    ``return_attention`` also returns a list (one per layer) of weights (B, H, T, T).
    """

    def __init__(self, vocab_size: int, max_len: int, d_model: int = 64, num_heads: int = 4,
                 num_layers: int = 2, dim_feedforward: int = 128, dropout: float = 0.0,
                 positional: str = "sinusoidal"):
        super().__init__()
        where = "ToyTransformer"
        _checks.check_choice(positional, "positional", POSITIONAL, where=where)
        vocab_size = _checks.check_int(vocab_size, "vocab_size", minimum=1, where=where)
        max_len = _checks.check_int(max_len, "max_len", minimum=1, where=where)
        num_layers = _checks.check_int(num_layers, "num_layers", minimum=0, where=where)
        d_model, num_heads, dim_feedforward, dropout = check_block_sizes(
            where, d_model, num_heads, dim_feedforward, dropout)
        self.vocab_size, self.max_len, self.positional = vocab_size, max_len, positional
        self.d_model = d_model
        self.embed = nn.Embedding(vocab_size, d_model)
        if positional == "learned":
            self.pos_embed = nn.Embedding(max_len, d_model)
        else:
            table = sinusoidal_table(max_len, d_model) * (positional == "sinusoidal")
            self.register_buffer("pos_table", table, persistent=False)
        self.blocks = nn.ModuleList(EncoderBlock(d_model, num_heads, dim_feedforward, dropout)
                                    for _ in range(num_layers))
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)

    def forward(self, idx: torch.Tensor, key_padding_mask: torch.Tensor | None = None,
                return_attention: bool = False):
        where = "ToyTransformer"
        _checks.check_token_tensor(idx, "idx", vocab_size=self.vocab_size, where=where, ndim=2)
        if idx.dtype != torch.long:
            raise TypeError(f"{where}: expected idx (B, T) of dtype int64 (token ids), got dtype "
                            f"{idx.dtype}; use idx.long()")
        t = idx.shape[1]
        if t > self.max_len:
            raise ShapeError(f"{where}: idx has sequence length {t}, which exceeds "
                             f"max_len={self.max_len}")
        if key_padding_mask is not None:
            _checks.check_tensor(key_padding_mask, "key_padding_mask", where=where,
                                 shape=tuple(idx.shape), shape_text="(B, T) like idx")
            if key_padding_mask.dtype != torch.bool:
                raise TypeError(f"{where}: key_padding_mask must be a bool tensor (True = "
                                f"padding), got dtype {key_padding_mask.dtype}")
        return_attention = _checks.check_bool(return_attention, "return_attention", where=where)
        x = self.embed(idx)                                                # (B, T, C)
        if self.positional == "learned":
            x = x + self.pos_embed.weight[:t]
        else:
            x = x + self.pos_table[:t]
        attention = []
        for block in self.blocks:
            x, weights = block(x, key_padding_mask)
            attention.append(weights)
        logits = self.head(self.norm(x))                                   # (B, T, vocab)
        return (logits, attention) if return_attention else logits


def token_loss(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over every position of every sequence: ``model(inputs)`` gives
    logits (N, T, vocab); ``targets`` (N, T) int64 ids."""
    where = "token_loss"
    _checks.check_callable(model, "model", where=where)
    _checks.check_tensor(inputs, "inputs", where=where)
    logits = model(inputs)
    _check_token_targets(targets, logits, where)
    return _token_loss(model, inputs, targets, logits)


def _token_loss(model, inputs, targets, logits=None) -> torch.Tensor:
    logits = model(inputs) if logits is None else logits
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


_UNCHECKED[token_loss] = _token_loss   # train_with_adam checks the first batch only


def _as_id_pair(inputs, targets, where: str, names=("inputs", "targets"), *,
                same_shape: bool = False):
    """Two (N, T) int64 tensors of token ids (arrays are converted), checked; with
    ``same_shape`` also of one shape (seq2seq's source and target lengths may differ)."""
    out = []
    for name, value in zip(names, (inputs, targets)):
        if isinstance(value, (np.ndarray, list, tuple)):
            value = torch.from_numpy(_checks.check_token_ids(value, name, where=where))
        _checks.check_token_tensor(value, name, where=where, ndim=2)
        if value.shape[0] == 0 or value.shape[1] == 0:
            raise ShapeError(f"{where}: {name} is empty (shape {tuple(value.shape)})")
        out.append(value.long())
    if same_shape and out[0].shape != out[1].shape:
        raise ShapeError(f"{where}: {names[0]} and {names[1]} must both be (N, T) of one "
                         f"shape; got {tuple(out[0].shape)} and {tuple(out[1].shape)}")
    return out


@torch.no_grad()
def sequence_accuracy(model: nn.Module, inputs, targets) -> tuple[float, float]:
    """(token accuracy, sequence accuracy): the fraction of right tokens, and of sequences
    with every token right. inputs, targets: (N, T) int64 tensors or arrays."""
    where = "sequence_accuracy"
    _checks.check_instance(model, "model", nn.Module, "a torch.nn.Module", where=where)
    inputs, targets = _as_id_pair(inputs, targets, where, same_shape=True)
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    inputs, targets = inputs.to(device), targets.to(device)
    correct = model(inputs).argmax(-1) == targets                          # (N, T)
    model.train(was_training)
    return correct.float().mean().item(), correct.all(dim=1).float().mean().item()


def train_toy_transformer(model: nn.Module, inputs, targets, steps: int,
                          batch_size: int = 64, lr: float = 3e-3, seed: int = 0, *,
                          progress: bool = True) -> list[float]:
    """``steps`` Adam updates on random mini-batches of (inputs, targets) (N, T) int64;
    returns the training losses (``nnlib.models.rnn.train_with_adam`` does the loop)."""
    where = "train_toy_transformer"
    _checks.check_instance(model, "model", nn.Module, "a torch.nn.Module", where=where)
    inputs, targets = _as_id_pair(inputs, targets, where, same_shape=True)
    vocab_size = getattr(model, "vocab_size", None)
    if isinstance(vocab_size, int):
        _checks.check_token_tensor(inputs, "inputs", vocab_size=vocab_size, where=where)
        _checks.check_token_tensor(targets, "targets", vocab_size=vocab_size, where=where)
    max_len = getattr(model, "max_len", None)
    if isinstance(max_len, int) and inputs.shape[1] > max_len:
        raise ShapeError(f"{where}: inputs have length {inputs.shape[1]}, beyond the model's "
                         f"max_len={max_len}")
    batch_size = _checks.check_int(batch_size, "batch_size", minimum=1, where=where)
    seed = _checks.check_seed(seed, optional=False, where=where)
    batches = random_rows(inputs, targets, batch_size=batch_size,
                          generator=torch.Generator().manual_seed(seed))
    return train_with_adam(model, lambda: next(batches), _token_loss, steps, lr=lr,
                           clip_grad_norm=1.0, progress=progress)
