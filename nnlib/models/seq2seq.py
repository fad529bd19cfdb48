"""An encoder-decoder Transformer with cross-attention, for small seq2seq tasks (notebook 11).

The architecture of *Attention Is All You Need* (Vaswani et al., 2017), pre-norm and small::

    source ids (B, S) -> embedding + sinusoidal positions
                      -> N x EncoderBlock   [ x + SelfAttn(LN(x)), x + FFN(LN(x)) ]
                      -> LayerNorm = memory (B, S, C)
    target ids (B, T) -> embedding + sinusoidal positions
                      -> N x DecoderBlock   [ y + CausalSelfAttn(LN(y)),
                                              y + CrossAttn(LN(y), memory),   <- new
                                              y + FFN(LN(y)) ]
                      -> LayerNorm -> Linear -> logits (B, T, vocab)

The encoder's self-attention sees the whole source (only padding is hidden); the decoder's
self-attention is causal; **cross-attention** takes its queries from the decoder and its keys
and values from the encoder's output, with weights of its own. Blocks use
``nn.MultiheadAttention``, so that every head's weights can be returned and drawn, and the
sinusoidal table of ``nnlib.models.transformer_toy``.

Training uses **teacher forcing**: the decoder reads the *true* previous target tokens
(``[BOS] + target[:-1]``) and predicts every target position in one pass
(:func:`seq2seq_loss`). Generation (:meth:`Seq2SeqTransformer.greedy_decode`) has no true
tokens: it feeds back its own predictions, one position at a time.
Shapes: B batch, S source length, T target length, C = d_model, H = num_heads.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from nnlib import _checks
from nnlib._checks import check_token_tensor
from nnlib.errors import ShapeError
from nnlib.models.rnn import _UNCHECKED, _check_token_targets, train_with_adam
from nnlib.models.transformer_toy import (
    _as_id_pair,
    check_block_input,
    check_block_sizes,
    sinusoidal_table,
)

__all__ = ["DecoderBlock", "EncoderBlock", "Seq2SeqConfig", "Seq2SeqTransformer",
           "seq2seq_accuracy", "seq2seq_loss", "shift_right", "train_seq2seq"]


@dataclass
class Seq2SeqConfig:
    """Sizes of a :class:`Seq2SeqTransformer`. ``pad_id`` marks source padding; ``bos_id``
    starts every decoder input."""

    src_vocab_size: int
    tgt_vocab_size: int
    max_src_len: int = 32
    max_tgt_len: int = 16
    d_model: int = 64
    num_heads: int = 4
    num_encoder_layers: int = 2
    num_decoder_layers: int = 2
    dim_feedforward: int = 128
    dropout: float = 0.0
    pad_id: int = 0
    bos_id: int = 1

    def __post_init__(self):
        where = "Seq2SeqConfig"
        for name in ("src_vocab_size", "tgt_vocab_size", "max_src_len", "max_tgt_len",
                     "num_encoder_layers", "num_decoder_layers"):
            setattr(self, name, _checks.check_int(getattr(self, name), name, minimum=1,
                                                  where=where))
        self.d_model, self.num_heads, self.dim_feedforward, self.dropout = check_block_sizes(
            where, self.d_model, self.num_heads, self.dim_feedforward, self.dropout)
        self.pad_id = _checks.check_int(self.pad_id, "pad_id", minimum=0,
                                        maximum=self.src_vocab_size - 1, where=where,
                                        hint="an id of the source vocabulary")
        self.bos_id = _checks.check_int(self.bos_id, "bos_id", minimum=0,
                                        maximum=self.tgt_vocab_size - 1, where=where,
                                        hint="an id of the target vocabulary")


def _feed_forward(d_model: int, dim_feedforward: int, dropout: float) -> nn.Sequential:
    return nn.Sequential(nn.Linear(d_model, dim_feedforward), nn.GELU(),
                         nn.Linear(dim_feedforward, d_model), nn.Dropout(dropout))


class EncoderBlock(nn.Module):
    """Pre-norm encoder block: self-attention over the whole source, then feed-forward.

    ``forward(x (B, S, C), padding (B, S) bool, True = pad)`` returns the new ``x`` (B, S, C) and
    the attention weights (B, H, S, S). (Asking PyTorch for the weights also selects its plain
    softmax path, which for these tiny shapes is faster on a CPU than the fused kernel.)
    """

    def __init__(self, d_model: int, num_heads: int, dim_feedforward: int,
                 dropout: float = 0.0):
        super().__init__()
        d_model, num_heads, dim_feedforward, dropout = check_block_sizes(
            "EncoderBlock", d_model, num_heads, dim_feedforward, dropout)
        self.norm1 = nn.LayerNorm(d_model)
        self.self_attn = nn.MultiheadAttention(d_model, num_heads, dropout=dropout,
                                               batch_first=True)
        self.norm2 = nn.LayerNorm(d_model)
        self.ff = _feed_forward(d_model, dim_feedforward, dropout)

    def forward(self, x: torch.Tensor, padding: torch.Tensor | None = None):
        check_block_input(x, padding, self.norm1.normalized_shape[0], "EncoderBlock",
                          "padding")
        h = self.norm1(x)
        a, weights = self.self_attn(h, h, h, key_padding_mask=padding, need_weights=True,
                                    average_attn_weights=False)           # (B, S, C)
        x = x + a
        return x + self.ff(self.norm2(x)), weights


class DecoderBlock(nn.Module):
    """Pre-norm decoder block: causal self-attention, cross-attention, feed-forward.

    ``forward(y (B, T, C), memory (B, S, C), memory_padding_mask (B, S) bool or None)`` returns the
    new ``y`` (B, T, C), the self-attention weights (B, H, T, T) and the cross-attention
    weights (B, H, T, S).
    """

    def __init__(self, d_model: int, num_heads: int, dim_feedforward: int,
                 dropout: float = 0.0):
        super().__init__()
        d_model, num_heads, dim_feedforward, dropout = check_block_sizes(
            "DecoderBlock", d_model, num_heads, dim_feedforward, dropout)
        self.norm1 = nn.LayerNorm(d_model)
        self.self_attn = nn.MultiheadAttention(d_model, num_heads, dropout=dropout,
                                               batch_first=True)
        self.norm2 = nn.LayerNorm(d_model)
        # its own weights: queries from the decoder, keys and values from the encoder
        self.cross_attn = nn.MultiheadAttention(d_model, num_heads, dropout=dropout,
                                                batch_first=True)
        self.norm3 = nn.LayerNorm(d_model)
        self.ff = _feed_forward(d_model, dim_feedforward, dropout)

    def forward(self, y: torch.Tensor, memory: torch.Tensor,
                memory_padding_mask: torch.Tensor | None = None):
        where, d_model = "DecoderBlock", self.norm1.normalized_shape[0]
        _checks.check_tensor(y, "y", where=where, shape=(None, None, d_model),
                             shape_text=f"(B, T, {d_model})", floating=True)
        check_block_input(memory, memory_padding_mask, d_model, where, "memory_padding_mask",
                          "memory")
        if len(memory) != len(y):
            raise ShapeError(f"{where}: memory must have y's batch size {len(y)}, got shape "
                             f"{tuple(memory.shape)}")
        T = y.shape[1]
        # nn.MultiheadAttention: True = blocked, so block every key j > i
        future = torch.ones(T, T, dtype=torch.bool, device=y.device).triu(1)   # (T, T)
        h = self.norm1(y)
        a, self_weights = self.self_attn(h, h, h, attn_mask=future, need_weights=True,
                                         average_attn_weights=False)       # (B, T, C)
        y = y + a
        h = self.norm2(y)
        a, cross_weights = self.cross_attn(h, memory, memory,
                                           key_padding_mask=memory_padding_mask,
                                           need_weights=True,
                                           average_attn_weights=False)     # (B, T, C)
        y = y + a
        y = y + self.ff(self.norm3(y))                                     # (B, T, C)
        return y, self_weights, cross_weights


class Seq2SeqTransformer(nn.Module):
    """Source ids (B, S) and decoder input ids (B, T) -> logits (B, T, tgt_vocab_size).

    Source positions equal to ``config.pad_id`` are padding: no encoder query and no decoder
    query attends to them. ``forward(src, tgt_in, return_attention=False)``; with
    ``return_attention`` it also returns a dict of weight lists, one entry per layer:
    ``"encoder"`` (B, H, S, S), ``"decoder"`` (B, H, T, T) and ``"cross"`` (B, H, T, S).
    """

    def __init__(self, config: Seq2SeqConfig):
        super().__init__()
        _checks.check_instance(config, "config", Seq2SeqConfig, "a Seq2SeqConfig",
                               where="Seq2SeqTransformer",
                               hint="e.g. Seq2SeqConfig(src_vocab_size=40, tgt_vocab_size=40)")
        self.config = c = config
        self.src_embed = nn.Embedding(c.src_vocab_size, c.d_model)
        self.tgt_embed = nn.Embedding(c.tgt_vocab_size, c.d_model)
        self.register_buffer("pos_table", sinusoidal_table(max(c.max_src_len, c.max_tgt_len),
                                                           c.d_model), persistent=False)
        self.encoder = nn.ModuleList(EncoderBlock(c.d_model, c.num_heads, c.dim_feedforward,
                                                  c.dropout)
                                     for _ in range(c.num_encoder_layers))
        self.encoder_norm = nn.LayerNorm(c.d_model)
        self.decoder = nn.ModuleList(DecoderBlock(c.d_model, c.num_heads, c.dim_feedforward,
                                                  c.dropout)
                                     for _ in range(c.num_decoder_layers))
        self.decoder_norm = nn.LayerNorm(c.d_model)
        self.head = nn.Linear(c.d_model, c.tgt_vocab_size)

    def _check_ids(self, ids: torch.Tensor, name: str, vocab_size: int, max_len: int) -> None:
        check_token_tensor(ids, name, vocab_size=vocab_size, where="Seq2SeqTransformer",
                           ndim=2)
        if not 1 <= ids.shape[1] <= max_len:
            raise ShapeError(f"Seq2SeqTransformer: {name} has length {ids.shape[1]}; it must "
                             f"lie in [1, {max_len}] (raise the config's max length)")

    def encode(self, src: torch.Tensor, return_attention: bool = False):
        """(B, S) source ids -> memory (B, S, C), the padding mask (B, S) and the weights."""
        c = self.config
        self._check_ids(src, "src", c.src_vocab_size, c.max_src_len)
        padding = src == c.pad_id                                          # (B, S) True = pad
        if padding.all(dim=1).any():
            row = int(padding.all(dim=1).nonzero()[0])
            raise ValueError(f"Seq2SeqTransformer: src row {row} is all padding (pad_id="
                             f"{c.pad_id}): nothing to attend to")
        x = self.src_embed(src) + self.pos_table[:src.shape[1]]            # (B, S, C)
        weights = []
        for block in self.encoder:
            x, w = block(x, padding)                                       # (B, S, C)
            weights.append(w)                                              # (B, H, S, S)
        memory = self.encoder_norm(x)                                      # (B, S, C)
        return (memory, padding, weights) if return_attention else (memory, padding)

    def decode(self, tgt_in: torch.Tensor, memory: torch.Tensor, padding: torch.Tensor,
               return_attention: bool = False):
        """Decoder input ids (B, T) and the encoder's memory -> logits (B, T, vocab)."""
        c = self.config
        self._check_ids(tgt_in, "tgt_in", c.tgt_vocab_size, c.max_tgt_len)
        y = self.tgt_embed(tgt_in) + self.pos_table[:tgt_in.shape[1]]      # (B, T, C)
        self_weights, cross_weights = [], []
        for block in self.decoder:
            y, w_self, w_cross = block(y, memory, padding)                 # (B, T, C)
            self_weights.append(w_self)                                    # (B, H, T, T)
            cross_weights.append(w_cross)                                  # (B, H, T, S)
        logits = self.head(self.decoder_norm(y))                           # (B, T, vocab)
        return (logits, self_weights, cross_weights) if return_attention else logits

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor, return_attention: bool = False):
        return_attention = _checks.check_bool(return_attention, "return_attention",
                                              where="Seq2SeqTransformer")
        if not return_attention:
            memory, padding = self.encode(src)
            return self.decode(tgt_in, memory, padding)
        memory, padding, enc_w = self.encode(src, return_attention=True)
        logits, dec_w, cross_w = self.decode(tgt_in, memory, padding, return_attention=True)
        return logits, {"encoder": enc_w, "decoder": dec_w, "cross": cross_w}

    @torch.no_grad()
    def greedy_decode(self, src: torch.Tensor, length: int, return_attention: bool = False):
        """Generate ``length`` target ids for each source (B, S): start from BOS, append the
        most likely next token, repeat. The encoder runs once. Returns (B, length) ids, and
        with ``return_attention`` the attention of the last step (all positions)."""
        where = "Seq2SeqTransformer.greedy_decode"
        length = _checks.check_int(length, "length", minimum=1,
                                   maximum=self.config.max_tgt_len, where=where,
                                   hint="at most the config's max_tgt_len")
        return_attention = _checks.check_bool(return_attention, "return_attention",
                                              where=where)
        was_training = self.training
        self.eval()
        memory, padding = self.encode(src)
        out = src.new_full((src.shape[0], 1), self.config.bos_id)          # (B, 1): BOS
        for _ in range(length):
            logits = self.decode(out, memory, padding)                     # (B, t, vocab)
            out = torch.cat([out, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
        self.train(was_training)
        if not return_attention:
            return out[:, 1:]                                              # (B, length)
        _, attention = self(src, out[:, :-1], return_attention=True)
        return out[:, 1:], attention


def shift_right(tgt: torch.Tensor, bos_id: int) -> torch.Tensor:
    """Teacher forcing's decoder input: ``[BOS] + tgt[:, :-1]``, shape (B, T) like ``tgt``."""
    check_token_tensor(tgt, "tgt", where="shift_right", ndim=2)
    bos_id = _checks.check_int(bos_id, "bos_id", minimum=0, where="shift_right")
    return _shift_right(tgt, bos_id)


def _shift_right(tgt: torch.Tensor, bos_id: int) -> torch.Tensor:
    bos = tgt.new_full((tgt.shape[0], 1), bos_id)
    return torch.cat([bos, tgt[:, :-1]], dim=1)


def seq2seq_loss(model: Seq2SeqTransformer, src: torch.Tensor, tgt: torch.Tensor):
    """Mean cross-entropy over every target position, with teacher forcing: ``src`` (B, S) and
    ``tgt`` (B, T) int64 ids."""
    where = "seq2seq_loss"
    _checks.check_instance(model, "model", Seq2SeqTransformer, "a Seq2SeqTransformer",
                           where=where)
    check_token_tensor(src, "src", vocab_size=model.config.src_vocab_size, where=where, ndim=2)
    check_token_tensor(tgt, "tgt", vocab_size=model.config.tgt_vocab_size, where=where, ndim=2)
    if len(tgt) != len(src):
        raise ShapeError(f"{where}: src and tgt must have the same number of rows, got "
                         f"{tuple(src.shape)} and {tuple(tgt.shape)}")
    logits = model(src, _shift_right(tgt, model.config.bos_id))            # (B, T, vocab)
    _check_token_targets(tgt, logits, where)
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1))


def _seq2seq_loss(model, src, tgt):
    logits = model(src, _shift_right(tgt, model.config.bos_id))            # (B, T, vocab)
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1))


_UNCHECKED[seq2seq_loss] = _seq2seq_loss   # train_with_adam checks the first batch only


@torch.no_grad()
def seq2seq_accuracy(model: Seq2SeqTransformer, src, tgt) -> tuple[float, float]:
    """(character accuracy, sequence accuracy) of greedy decoding against ``tgt`` (N, T):
    the model's own predictions are fed back, no teacher forcing."""
    where = "seq2seq_accuracy"
    _checks.check_instance(model, "model", Seq2SeqTransformer, "a Seq2SeqTransformer",
                           where=where)
    src, tgt = _check_pair(model, src, tgt, where)
    device = next(model.parameters()).device
    src, tgt = src.to(device), tgt.to(device)
    pred = model.greedy_decode(src, tgt.shape[1])
    correct = pred == tgt                                                  # (N, T)
    return correct.float().mean().item(), correct.all(dim=1).float().mean().item()


def train_seq2seq(model: Seq2SeqTransformer, src, tgt, steps: int, batch_size: int = 64,
                  lr: float = 3e-3, seed: int = 0, *, progress: bool = True) -> list[float]:
    """``steps`` Adam updates (gradient norm clipped at 1) on random mini-batches of
    (src (N, S), tgt (N, T)) with teacher forcing; returns the training losses.
    ``progress`` shows a tqdm bar (``nnlib.models.rnn.train_with_adam`` runs the loop)."""
    where = "train_seq2seq"
    _checks.check_instance(model, "model", Seq2SeqTransformer, "a Seq2SeqTransformer",
                           where=where)
    src, tgt = _check_pair(model, src, tgt, where)
    batch_size = _checks.check_int(batch_size, "batch_size", minimum=1, where=where)
    seed = _checks.check_seed(seed, optional=False, where=where)
    generator = torch.Generator().manual_seed(seed)

    def batch():
        rows = torch.randint(0, len(src), (batch_size,), generator=generator)
        return src[rows], tgt[rows]

    return train_with_adam(model, batch, _seq2seq_loss, steps, lr=lr, clip_grad_norm=1.0,
                           progress=progress)


def _check_pair(model: Seq2SeqTransformer, src, tgt, where: str):
    """src (N, S) and tgt (N, T) as int64 tensors that fit the model's config."""
    c = model.config
    src, tgt = _as_id_pair(src, tgt, where, names=("src", "tgt"))
    if len(src) != len(tgt):
        raise ShapeError(f"{where}: src and tgt must be (N, S) and (N, T) with the same N; got "
                         f"{tuple(src.shape)} and {tuple(tgt.shape)}")
    for name, ids, vocab, max_len in (("src", src, c.src_vocab_size, c.max_src_len),
                                      ("tgt", tgt, c.tgt_vocab_size, c.max_tgt_len)):
        check_token_tensor(ids, name, vocab_size=vocab, where=where)
        if ids.shape[1] > max_len:
            raise ShapeError(f"{where}: {name} has length {ids.shape[1]}, beyond the config's "
                             f"max length {max_len}")
    return src, tgt
