"""A GPT-style decoder-only Transformer in PyTorch (notebook 12), one small readable file.

The model reads token ids ``idx`` of shape (B, T) and predicts, at every position, the token
that comes next: logits of shape (B, T, vocab_size). It is a stack of identical pre-norm blocks::

    x = x + attn(ln_1(x))     # tokens look at earlier tokens (causal self-attention)
    x = x + mlp(ln_2(x))      # each token thinks on its own (Linear -> GELU -> Linear)

Parameter names follow GPT-2 (``transformer.wte``, ``transformer.h.0.attn.c_attn``, ...), so
weights can be compared one to one with other implementations, such as nnlib's NumPy GPT.
Shapes: B batch, T sequence length, C = n_embd channels, H = n_head heads, D = C // H.
"""

from __future__ import annotations

import inspect
import math

import torch
from torch import nn
from torch.nn import functional as F

from nnlib import _checks
from nnlib.errors import ShapeError
from nnlib.scratch.gpt import GPTConfig  # one config for both GPTs (torch-free, so it lives there)

__all__ = ["GPT", "GPTBlock", "GPTCausalSelfAttention", "GPTConfig", "GPTMLP",
           "Block", "CausalSelfAttention", "MLP"]


def _check_config(config, where: str) -> GPTConfig:
    return _checks.check_instance(config, "config", GPTConfig, "a GPTConfig", where=where,
                                  hint="e.g. GPTConfig(vocab_size=65, n_embd=32, n_head=4)")


def _check_x(x, n_embd: int, where: str) -> None:
    _checks.check_tensor(x, "x", where=where, shape=(None, None, n_embd),
                         shape_text=f"(B, T, {n_embd})", floating=True)


class GPTCausalSelfAttention(nn.Module):
    """Multi-head self-attention where position t only sees positions <= t: (B, T, C) -> same."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        _check_config(config, "GPTCausalSelfAttention")
        self.n_head, self.n_embd, self.dropout = config.n_head, config.n_embd, config.dropout
        # queries, keys and values of all heads in one matrix multiplication
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.resid_dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_x(x, self.n_embd, "GPTCausalSelfAttention")
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)                # 3 x (B, T, C)
        # split the channels into heads: (B, T, C) -> (B, H, T, D)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)    # (B, H, T, D)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)    # (B, H, T, D)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)    # (B, H, T, D)
        # softmax(q k^T / sqrt(D) + causal mask) v in one fused call
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True,
                                           dropout_p=self.dropout if self.training else 0.0)
        # put the heads back side by side: (B, H, T, D) -> (B, T, H, D) -> (B, T, C)
        y = y.transpose(1, 2).contiguous().view(B, T, C)                   # (B, T, C)
        return self.resid_dropout(self.c_proj(y))                          # (B, T, C)


class GPTMLP(nn.Module):
    """Position-wise feed-forward network: C -> 4C -> GELU -> C, on (B, T, C)."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        _check_config(config, "GPTMLP")
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_x(x, self.c_fc.in_features, "GPTMLP")
        h = self.gelu(self.c_fc(x))                                        # (B, T, 4C)
        return self.dropout(self.c_proj(h))                                # (B, T, C)


class GPTBlock(nn.Module):
    """One pre-norm Transformer block: attention then MLP, each added to a residual stream."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        _check_config(config, "GPTBlock")
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = GPTCausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = GPTMLP(config)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_x(x, self.attn.n_embd, "GPTBlock")
        x = x + self.attn(self.ln_1(x))                                    # (B, T, C)
        x = x + self.mlp(self.ln_2(x))                                     # (B, T, C)
        return x


class GPT(nn.Module):
    """Token ids (B, T) -> next-token logits (B, T, vocab_size), and the loss given targets."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        _check_config(config, "GPT")
        self.config = config
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(config.vocab_size, config.n_embd),    # token embeddings
            wpe=nn.Embedding(config.block_size, config.n_embd),    # learned position embeddings
            drop=nn.Dropout(config.dropout),
            h=nn.ModuleList(GPTBlock(config) for _ in range(config.n_layer)),
            ln_f=nn.LayerNorm(config.n_embd, bias=config.bias),
        ))
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        # weight tying: the output layer reuses the token embedding matrix (vocab, C)
        self.lm_head.weight = self.transformer.wte.weight
        self.apply(self._init_weights)
        # GPT-2: shrink the layers that write into the residual stream, so that its variance
        # does not grow with depth (2 such writes per block)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def num_parameters(self, non_embedding: bool = True) -> int:
        """Number of parameters (tied weights counted once); by default without ``wpe``."""
        n = sum(p.numel() for p in self.parameters())
        return n - self.transformer.wpe.weight.numel() if non_embedding else n

    def _check_ids(self, idx: torch.Tensor, name: str) -> None:
        if isinstance(idx, torch.Tensor) and idx.device.type == "meta":
            return
        _checks.check_token_tensor(idx, name, vocab_size=self.config.vocab_size, where="GPT",
                                   ndim=2)
        if idx.dtype != torch.long:  # nn.Embedding takes int32 too, cross_entropy does not
            raise TypeError(f"GPT: {name} must be int64 token ids, got dtype {idx.dtype}; "
                            f"use {name}.long()")

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None):
        """idx: (B, T) int64, T <= block_size; targets: (B, T) int64 or None.

        Returns ``(logits, loss)``: logits (B, T, vocab_size) and the mean cross-entropy over
        all B * T positions (None without targets).
        """
        self._check_ids(idx, "idx")
        B, T = idx.shape
        if T > self.config.block_size:
            raise ValueError(f"sequence length T={T} is longer than block_size="
                             f"{self.config.block_size}: the model has no position embedding "
                             f"beyond that; pass idx[:, -{self.config.block_size}:]")
        if T == 0:
            raise ValueError("idx has no tokens (T = 0): pass at least one token per sequence")
        pos = torch.arange(T, device=idx.device)                           # (T,)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)          # (B, T, C)
        x = self.transformer.drop(x)
        for block in self.transformer.h:
            x = block(x)                                                   # (B, T, C)
        x = self.transformer.ln_f(x)                                       # (B, T, C)
        logits = self.lm_head(x)                                           # (B, T, vocab)
        loss = None
        if targets is not None:
            self._check_ids(targets, "targets")
            if targets.shape != idx.shape:
                raise ShapeError(f"GPT: targets must have the shape of idx {tuple(idx.shape)}, "
                                 f"got {tuple(targets.shape)}")
            loss = F.cross_entropy(logits.view(B * T, -1), targets.reshape(B * T))
        return logits, loss

    @torch.no_grad()
    def generate(self, idx: torch.Tensor, max_new_tokens: int, temperature: float = 1.0,
                 top_k: int | None = None, generator: torch.Generator | None = None):
        """Append ``max_new_tokens`` sampled tokens to idx (B, T); returns (B, T + max_new_tokens).

        Each step reads the last ``block_size`` tokens, divides the last position's logits by
        ``temperature`` (below 1: safer and more repetitive; above 1: more surprising; 0: always
        the most likely token) and, with ``top_k``, keeps only the k most likely tokens.
        Sampling runs on the CPU with ``generator``, so a seeded generator gives the same
        text on every device.
        """
        self._check_ids(idx, "idx")
        if idx.shape[1] == 0:
            raise ValueError("generate needs a prompt of at least one token (idx is (B, 0))")
        where = "GPT.generate"
        max_new_tokens = _checks.check_int(max_new_tokens, "max_new_tokens", minimum=0,
                                           where=where)
        temperature = _checks.check_float(temperature, "temperature", minimum=0, where=where,
                                          hint="0 = always the most likely token")
        top_k = _checks.check_optional_int(top_k, "top_k", minimum=1, where=where)
        _checks.check_torch_generator(generator, where=where)
        was_training = self.training
        self.eval()
        for _ in range(max_new_tokens):
            context = idx[:, -self.config.block_size:]                    # (B, <= block_size)
            logits, _ = self(context)
            logits = logits[:, -1, :].float().cpu()                        # (B, vocab)
            if temperature == 0:
                next_id = logits.argmax(dim=-1, keepdim=True)              # (B, 1)
            else:
                logits = logits / temperature
                if top_k is not None and top_k < logits.shape[-1]:
                    kth = torch.topk(logits, top_k, dim=-1).values[:, -1:]  # (B, 1)
                    logits = logits.masked_fill(logits < kth, float("-inf"))
                probs = F.softmax(logits, dim=-1)                          # (B, vocab)
                next_id = torch.multinomial(probs, 1, generator=generator)  # (B, 1)
            idx = torch.cat([idx, next_id.to(idx.device)], dim=1)          # (B, T + 1)
        self.train(was_training)
        return idx

    def configure_optimizers(self, weight_decay: float, lr: float,
                             betas: tuple[float, float] = (0.9, 0.95)) -> torch.optim.AdamW:
        """AdamW with weight decay on the 2-D weights (matrices, embeddings) only.

        Biases and LayerNorm gains are 1-D: decaying them towards 0 would only hurt, so they
        go into a second group with ``weight_decay=0``.
        """
        where = "GPT.configure_optimizers"
        weight_decay = _checks.check_float(weight_decay, "weight_decay", minimum=0, where=where)
        lr = _checks.check_float(lr, "lr", minimum=0, where=where)
        betas = _checks.check_float_pair(betas, "betas", minimum=0, maximum=1, max_open=True,
                                         where=where)
        params = [p for p in self.parameters() if p.requires_grad]   # tied weights appear once
        decay = [p for p in params if p.dim() >= 2]
        no_decay = [p for p in params if p.dim() < 2]
        groups = [{"params": decay, "weight_decay": weight_decay},
                  {"params": no_decay, "weight_decay": 0.0}]
        # the fused kernel updates all tensors in one call: ~4x faster steps on a CPU; it
        # exists for CUDA tensors and, from torch 2.4 on, for CPU tensors (see fused_adamw_ok)
        fused = fused_adamw_ok([p.device.type for p in params])
        return torch.optim.AdamW(groups, lr=lr, betas=betas, fused=fused or None)


def fused_adamw_ok(device_types) -> bool:
    """Whether ``torch.optim.AdamW(fused=True)`` supports parameters on these device types in
    the installed torch: CUDA always (when AdamW has the option at all), CPU from torch 2.4."""
    if "fused" not in inspect.signature(torch.optim.AdamW).parameters:
        return False
    version = tuple(int(part) for part in torch.__version__.split("+")[0].split(".")[:2])
    supported = {"cuda"} | ({"cpu"} if version >= (2, 4) else set())
    types = set(device_types)
    return bool(types) and types <= supported


# the names nnlib used before the NumPy and PyTorch GPTs shared theirs
Block, CausalSelfAttention, MLP = GPTBlock, GPTCausalSelfAttention, GPTMLP
