"""A GPT in NumPy: the forward AND backward pass of ``nnlib.models.gpt.GPT``, from the engine.

Built only from nnlib's NumPy pieces (``Embedding``, ``LayerNorm``, ``Linear``, ``GELU``,
``scaled_dot_product_attention_forward/backward``, ``CrossEntropyLoss``), with the same
parameter names as the PyTorch model (``transformer.wte.weight``,
``transformer.h.0.attn.c_attn.weight``, ...), so that ``GPT.from_torch(torch_gpt)`` copies the
weights one to one and every gradient can be compared with ``torch.autograd``'s.

Shapes: B batch, T sequence length, C = n_embd channels, H = n_head heads, D = C // H,
V = vocab_size. As everywhere in nnlib, a ``Linear`` weight is (in, out), the transpose of
PyTorch's (out, in); :meth:`GPT.torch_layout` transposes them back for comparisons.

The output layer is tied to the token embedding: ``logits = x @ wte.weight.T``. The tied
matrix therefore collects gradient from two places, the embedding lookup at the bottom and
the output layer at the top, and ``backward`` adds both into ``wte.weight.grad``.
There is no dropout: the model equals the PyTorch one in eval mode (or with dropout=0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnlib import _checks
from nnlib.scratch import init as initializers
from nnlib.scratch.activations import GELU
from nnlib.scratch.attention import (
    Embedding,
    scaled_dot_product_attention_backward,
    scaled_dot_product_attention_forward,
)
from nnlib.scratch.layers import LayerNorm, Linear, check_grad_out, layer_name, require_forward
from nnlib.scratch.losses import CrossEntropyLoss
from nnlib.scratch.module import Module, ShapeError

__all__ = ["GPT", "GPTBlock", "GPTCausalSelfAttention", "GPTConfig", "GPTMLP"]


@dataclass
class GPTConfig:
    """Sizes of a GPT, shared by both GPTs: ``nnlib.scratch.GPT(config)`` (NumPy) and
    ``nnlib.models.gpt.GPT(config)`` (PyTorch) take the same object (it lives here, free of
    torch, so that the NumPy half can use it). The defaults are a small character-level
    model that trains on a CPU. The NumPy GPT needs ``dropout=0`` and ``bias=True``.
    """

    vocab_size: int = 65      # tiny Shakespeare has 65 distinct characters
    block_size: int = 64      # the longest context the model can read (T <= block_size)
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    bias: bool = True         # biases in the Linear and LayerNorm layers (GPT-2 has them)

    def __post_init__(self):
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            setattr(self, name, _checks.check_int(getattr(self, name), name, minimum=1,
                                                  where="GPTConfig"))
        if self.n_embd % self.n_head:
            raise ValueError(f"GPTConfig: n_embd ({self.n_embd}) must be divisible by n_head "
                             f"({self.n_head}): each head gets n_embd // n_head channels")
        self.dropout = _checks.check_float(self.dropout, "dropout", minimum=0, maximum=1,
                                           max_open=True, where="GPTConfig")
        self.bias = _checks.check_bool(self.bias, "bias", where="GPTConfig")


def _check_config(config, where: str) -> GPTConfig:
    if not isinstance(config, GPTConfig):
        raise TypeError(f"{where}: config must be a GPTConfig, got {_checks.describe(config)}; "
                        "e.g. GPTConfig(n_embd=32, n_head=4)")
    return config


def _split_heads(x: np.ndarray, n_head: int) -> np.ndarray:
    """(B, T, C) -> (B, H, T, D)."""
    b, t, c = x.shape
    return x.reshape(b, t, n_head, c // n_head).transpose(0, 2, 1, 3)


def _merge_heads(x: np.ndarray) -> np.ndarray:
    """(B, H, T, D) -> (B, T, H * D): the heads side by side."""
    b, h, t, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(b, t, h * d)


class GPTCausalSelfAttention(Module):
    """Causal multi-head self-attention with one packed q/k/v projection: (B, T, C) -> same.

    ``c_attn`` (C, 3C) computes queries, keys and values of all heads at once (columns
    ``[0:C]`` are q, ``[C:2C]`` k, ``[2C:3C]`` v); ``c_proj`` (C, C) mixes the heads.
    """

    def __init__(self, config: GPTConfig, *, rng=None, dtype=np.float32):
        config = _check_config(config, "GPTCausalSelfAttention")
        self.n_embd, self.n_head = n_embd, _ = config.n_embd, config.n_head
        self.c_attn = Linear(n_embd, 3 * n_embd, init="zeros", rng=rng, dtype=dtype)
        self.c_proj = Linear(n_embd, n_embd, init="zeros", rng=rng, dtype=dtype)
        self.attn_weights = None     # (B, H, T, T) after forward, for plots
        self._cache = None

    def forward(self, x):
        x = _checks.check_array(x, "x", where=layer_name(self), ndim=3, last_dim=self.n_embd,
                                shape_text=f"(B, T, {self.n_embd})")
        q, k, v = np.split(self.c_attn(x), 3, axis=-1)                  # 3 x (B, T, C)
        heads, cache = scaled_dot_product_attention_forward(
            _split_heads(q, self.n_head), _split_heads(k, self.n_head),
            _split_heads(v, self.n_head), is_causal=True)               # (B, H, T, D)
        self._cache = cache
        self.attn_weights = cache.weights
        return self.c_proj(_merge_heads(heads))                          # (B, T, C)

    def backward(self, grad_out):
        cache = require_forward(self._cache, self)
        grad_heads = _split_heads(self.c_proj.backward(grad_out), self.n_head)  # (B, H, T, D)
        grad_q, grad_k, grad_v = scaled_dot_product_attention_backward(grad_heads, cache)
        grad_qkv = np.concatenate([_merge_heads(grad_q), _merge_heads(grad_k),
                                   _merge_heads(grad_v)], axis=-1)      # (B, T, 3C)
        return self.c_attn.backward(grad_qkv)                            # (B, T, C)

    def extra_repr(self) -> str:
        return f"{self.n_embd}, {self.n_head}"


def _check_gelu(gelu_approximate, where: str) -> str:
    return _checks.check_choice(gelu_approximate, "gelu_approximate", ("none", "tanh"),
                                where=where)


class GPTMLP(Module):
    """Position-wise feed-forward network: (B, T, C) -> 4C -> GELU -> (B, T, C)."""

    def __init__(self, config: GPTConfig, *, gelu_approximate: str = "none", rng=None,
                 dtype=np.float32):
        n_embd = _check_config(config, "GPTMLP").n_embd
        _check_gelu(gelu_approximate, "GPTMLP")
        self.c_fc = Linear(n_embd, 4 * n_embd, init="zeros", rng=rng, dtype=dtype)
        self.gelu = GELU(gelu_approximate)
        self.c_proj = Linear(4 * n_embd, n_embd, init="zeros", rng=rng, dtype=dtype)

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))                      # (B, T, C)

    def backward(self, grad_out):
        return self.c_fc.backward(self.gelu.backward(self.c_proj.backward(grad_out)))


class GPTBlock(Module):
    """Pre-norm block: x + attn(ln_1(x)), then + mlp(ln_2(x)); (B, T, C) -> same.

    Backward: a residual connection copies the gradient past its branch, so each branch's
    input gradient is added to the gradient that flows straight through.
    """

    def __init__(self, config: GPTConfig, *, eps: float = 1e-5, gelu_approximate: str = "none",
                 rng=None, dtype=np.float32):
        n_embd = _check_config(config, "GPTBlock").n_embd
        _check_gelu(gelu_approximate, "GPTBlock")
        eps = _checks.check_float(eps, "eps", minimum=0, min_open=True, where="GPTBlock")
        self.ln_1 = LayerNorm(n_embd, eps, dtype=dtype)
        self.attn = GPTCausalSelfAttention(config, rng=rng, dtype=dtype)
        self.ln_2 = LayerNorm(n_embd, eps, dtype=dtype)
        self.mlp = GPTMLP(config, gelu_approximate=gelu_approximate, rng=rng, dtype=dtype)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))                                  # (B, T, C)
        return x + self.mlp(self.ln_2(x))                                # (B, T, C)

    def backward(self, grad_out):
        grad = grad_out + self.ln_2.backward(self.mlp.backward(grad_out))
        return grad + self.ln_1.backward(self.attn.backward(grad))


class _Transformer(Module):
    """Holds the layers under the names PyTorch's GPT uses (``transformer.wte`` ...)."""

    def __init__(self, wte, wpe, h, ln_f):
        self.wte, self.wpe, self.h, self.ln_f = wte, wpe, h, ln_f


class GPT(Module):
    """Token ids (B, T) -> next-token logits (B, T, V) and, given targets, the mean loss.

    ``GPT(GPTConfig(vocab_size=65, block_size=64, ...))``, as ``nnlib.models.gpt.GPT``.
    ``logits, loss = model(idx, targets)``; then ``model.backward()`` fills every
    ``param.grad`` with d(loss)/d(param). Or ``model(idx)`` and
    ``model.backward(grad_logits)`` with any upstream gradient (B, T, V).
    Weights start as in GPT-2 (normal with std 0.02, the residual projections ``c_proj``
    shrunk by 1 / sqrt(2 * n_layer), biases 0, LayerNorm gains 1); ``GPT.from_torch``
    copies a trained PyTorch model instead.
    """

    def __init__(self, config: GPTConfig | None = None, *, eps: float = 1e-5,
                 gelu_approximate: str = "none", rng=None, dtype=np.float32):
        config = GPTConfig() if config is None else config
        if not isinstance(config, GPTConfig):
            raise TypeError(f"GPT: config must be a GPTConfig, got {_checks.describe(config)}; "
                            "e.g. GPT(GPTConfig(vocab_size=65, block_size=64))")
        if config.dropout != 0 or not config.bias:
            raise ValueError(f"GPT: the NumPy GPT has no dropout and always has biases; got "
                             f"dropout={config.dropout}, bias={config.bias}: use "
                             "GPTConfig(dropout=0.0, bias=True)")
        self.config = config
        self.vocab_size, self.block_size = config.vocab_size, config.block_size
        self.n_layer, self.n_head, self.n_embd = config.n_layer, config.n_head, config.n_embd
        vocab_size, block_size, n_layer = self.vocab_size, self.block_size, self.n_layer
        n_embd = self.n_embd
        eps = _checks.check_float(eps, "eps", minimum=0, min_open=True, where="GPT")
        _check_gelu(gelu_approximate, "GPT")
        rng = initializers.as_rng(rng)
        self.transformer = _Transformer(
            wte=Embedding(vocab_size, n_embd, rng=rng, dtype=dtype),
            wpe=Embedding(block_size, n_embd, rng=rng, dtype=dtype),
            h=[GPTBlock(config, eps=eps, gelu_approximate=gelu_approximate, rng=rng, dtype=dtype)
               for _ in range(n_layer)],
            ln_f=LayerNorm(n_embd, eps, dtype=dtype))
        self.criterion = CrossEntropyLoss()
        for name, p in self.named_parameters():
            if p.data.ndim == 2:        # matrices and embeddings; 1-D biases and gains stay
                std = 0.02 / np.sqrt(2 * n_layer) if name.endswith("c_proj.weight") else 0.02
                p.data[...] = rng.normal(0.0, std, size=p.shape)
        self._cache = None

    def __call__(self, idx, targets=None):
        return self.forward(idx, targets)

    def extra_repr(self) -> str:
        return (f"vocab_size={self.vocab_size}, block_size={self.block_size}, "
                f"n_layer={self.n_layer}, n_head={self.n_head}, n_embd={self.n_embd}")

    # -- forward and backward ---------------------------------------------------------------
    def _check_ids(self, ids, name: str) -> np.ndarray:
        return _checks.check_token_ids(ids, name, vocab_size=self.vocab_size, where="GPT",
                                       ndim=2)

    def forward(self, idx, targets=None):
        """idx (B, T) int, 1 <= T <= block_size; targets (B, T) int or None.

        Returns ``(logits, loss)``: logits (B, T, V) and the mean cross-entropy over all
        B * T positions as a float (None without targets).
        """
        idx = self._check_ids(idx, "idx")
        b, t = idx.shape
        if not 1 <= t <= self.block_size:
            raise ShapeError(f"GPT: sequence length T={t} must lie in [1, block_size="
                             f"{self.block_size}]; for longer text pass "
                             f"idx[:, -{self.block_size}:]")
        tr = self.transformer
        x = tr.wte(idx) + tr.wpe(np.arange(t))                           # (B, T, C)
        for block in tr.h:
            x = block(x)                                                 # (B, T, C)
        x = tr.ln_f(x)                                                   # (B, T, C)
        logits = x @ tr.wte.weight.data.T                                # (B, T, V): tied
        loss = None
        if targets is not None:
            targets = self._check_ids(targets, "targets")
            if targets.shape != idx.shape:
                raise ShapeError(f"GPT: targets must have the shape of idx {idx.shape}, got "
                                 f"{targets.shape}")
            loss = self.criterion(logits.reshape(b * t, -1), targets.reshape(b * t))
        self._cache = (x, loss is not None)
        return logits, loss

    def backward(self, grad_logits=None):
        """Add every parameter's gradient into ``param.grad``; returns None (ids have none).

        ``grad_logits`` (B, T, V) is dL/d(logits); leave it None to backpropagate the loss
        of the last ``forward(idx, targets)``.
        """
        x, has_loss = require_forward(self._cache, self)                 # x: (B, T, C)
        b, t, c = x.shape
        if grad_logits is None:
            if not has_loss:
                raise ValueError("GPT.backward(): the last forward had no targets, so there is "
                                 "no loss to differentiate; call model(idx, targets) first or "
                                 "pass grad_logits of shape (B, T, vocab_size)")
            grad_logits = self.criterion.backward().reshape(b, t, self.vocab_size)
        grad_logits = check_grad_out(grad_logits, (b, t, self.vocab_size), self)
        tr = self.transformer
        # output layer, logits = x @ W.T with W = wte.weight (V, C): the first half of its grad
        tr.wte.weight.grad += (grad_logits.reshape(-1, self.vocab_size).T
                               @ x.reshape(-1, c))                       # (V, C)
        grad = tr.ln_f.backward(grad_logits @ tr.wte.weight.data)        # (B, T, C)
        for block in reversed(tr.h):
            grad = block.backward(grad)                                  # (B, T, C)
        tr.wte.backward(grad)                        # the lookup: the second half of its grad
        tr.wpe.backward(grad.sum(axis=0))            # the same positions in every sequence
        return None

    # -- weights to and from PyTorch -------------------------------------------------------
    def _linear_weight_names(self) -> set[str]:
        return {prefix + "weight" for prefix, module in self.named_modules()
                if isinstance(module, Linear)}

    def torch_layout(self, what: str = "data") -> dict[str, np.ndarray]:
        """Copies of every parameter's ``data`` (or ``grad``) keyed by name, in PyTorch's
        layout: Linear weights transposed to (out, in). The keys are those of
        ``torch_gpt.named_parameters()`` (the tied ``lm_head.weight`` is ``wte``'s)."""
        if what not in ("data", "grad"):
            raise ValueError(f"what must be 'data' or 'grad', got {what!r}")
        transposed = self._linear_weight_names()
        return {name: np.array(getattr(p, what).T if name in transposed else getattr(p, what))
                for name, p in self.named_parameters()}

    @classmethod
    def from_torch(cls, torch_gpt, dtype=None) -> GPT:
        """A NumPy copy of an ``nnlib.models.gpt.GPT`` (dtype defaults to the model's:
        float64 for ``torch_gpt.double()``, else float32)."""
        import torch

        config = getattr(torch_gpt, "config", None)
        if config is None or not hasattr(torch_gpt, "transformer"):
            raise TypeError(f"from_torch needs an nnlib.models.gpt.GPT, got "
                            f"{type(torch_gpt).__name__}")
        if not config.bias:
            raise ValueError("the NumPy GPT has biases in every Linear and LayerNorm: build "
                             "the PyTorch model with GPTConfig(bias=True)")
        wte = torch_gpt.transformer.wte.weight
        if torch_gpt.lm_head.weight is not wte:
            raise ValueError("the NumPy GPT ties lm_head.weight to transformer.wte.weight, but "
                             "this PyTorch model has them untied")
        if dtype is None:
            dtype = np.float64 if wte.dtype == torch.float64 else np.float32
        numpy_config = GPTConfig(config.vocab_size, config.block_size, config.n_layer,
                                 config.n_head, config.n_embd)
        out = cls(numpy_config, eps=torch_gpt.transformer.ln_f.eps,
                  gelu_approximate=torch_gpt.transformer.h[0].mlp.gelu.approximate,
                  rng=0, dtype=dtype)
        state = torch_gpt.state_dict()
        transposed = out._linear_weight_names()
        for name, p in out.named_parameters():
            value = state[name].detach().cpu().to(torch.float64).numpy()
            p.data[...] = value.T if name in transposed else value
        return out
