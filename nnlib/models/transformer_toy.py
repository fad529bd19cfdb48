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

import torch
from torch import nn

from nnlib.data.batching import random_rows
from nnlib.models.rnn import train_with_adam

__all__ = ["EncoderBlock", "ToyTransformer", "sequence_accuracy", "sinusoidal_table",
           "token_loss", "train_toy_transformer"]

POSITIONAL = ("sinusoidal", "learned", "none")


def sinusoidal_table(max_len: int, d_model: int, base: float = 10000.0) -> torch.Tensor:
    """(max_len, d_model) sinusoidal encodings: sin on even columns, cos on odd ones."""
    positions = torch.arange(max_len, dtype=torch.float64)[:, None]
    frequencies = base ** (-torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)
    angles = positions * frequencies                                   # (max_len, ceil(d/2))
    table = torch.zeros(max_len, d_model, dtype=torch.float64)
    table[:, 0::2] = torch.sin(angles)
    table[:, 1::2] = torch.cos(angles[:, :d_model // 2])
    return table.float()


class EncoderBlock(nn.Module):
    """Pre-norm Transformer block: (B, T, C) -> (B, T, C) and the weights (B, H, T, T)."""

    def __init__(self, d_model: int, num_heads: int, dim_feedforward: int,
                 dropout: float = 0.0):
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model)
        self.attn = nn.MultiheadAttention(d_model, num_heads, dropout=dropout, batch_first=True)
        self.norm2 = nn.LayerNorm(d_model)
        self.ff = nn.Sequential(nn.Linear(d_model, dim_feedforward), nn.GELU(),
                                nn.Linear(dim_feedforward, d_model), nn.Dropout(dropout))

    def forward(self, x: torch.Tensor, key_padding_mask: torch.Tensor | None = None):
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
        if positional not in POSITIONAL:
            raise ValueError(f"positional must be one of {POSITIONAL}, got {positional!r}")
        if d_model % num_heads:
            raise ValueError(f"d_model ({d_model}) must be divisible by num_heads ({num_heads})")
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
        if idx.ndim != 2 or idx.dtype != torch.long:
            raise ValueError(f"expected idx of shape (B, T) with dtype int64 (token ids), got "
                             f"shape {tuple(idx.shape)} and dtype {idx.dtype}")
        t = idx.shape[1]
        if t > self.max_len:
            raise ValueError(f"sequence length {t} exceeds max_len={self.max_len}")
        if idx.numel() and (idx.min() < 0 or idx.max() >= self.vocab_size):
            raise ValueError(f"token ids must lie in [0, {self.vocab_size - 1}], got values "
                             f"from {int(idx.min())} to {int(idx.max())}")
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
    """Mean cross-entropy over every position of every sequence."""
    logits = model(inputs)
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


@torch.no_grad()
def sequence_accuracy(model: nn.Module, inputs, targets) -> tuple[float, float]:
    """(token accuracy, sequence accuracy): the fraction of right tokens, and of sequences
    with every token right. inputs, targets: (N, T) int64 tensors or arrays."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    inputs, targets = torch.as_tensor(inputs).to(device), torch.as_tensor(targets).to(device)
    correct = model(inputs).argmax(-1) == targets                          # (N, T)
    model.train(was_training)
    return correct.float().mean().item(), correct.all(dim=1).float().mean().item()


def train_toy_transformer(model: nn.Module, inputs, targets, steps: int,
                          batch_size: int = 64, lr: float = 3e-3, seed: int = 0, *,
                          progress: bool = True) -> list[float]:
    """``steps`` Adam updates on random mini-batches of (inputs, targets) (N, T) int64;
    returns the training losses (``nnlib.models.rnn.train_with_adam`` does the loop)."""
    inputs, targets = torch.as_tensor(inputs), torch.as_tensor(targets)
    if inputs.shape != targets.shape or inputs.ndim != 2:
        raise ValueError(f"inputs and targets must both be (N, T); got {tuple(inputs.shape)} "
                         f"and {tuple(targets.shape)}")
    batches = random_rows(inputs, targets, batch_size=batch_size,
                          generator=torch.Generator().manual_seed(seed))
    return train_with_adam(model, lambda: next(batches), token_loss, steps, lr=lr,
                           clip_grad_norm=1.0, progress=progress)
