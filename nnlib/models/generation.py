"""Faster and better sampling from ``nnlib.models.gpt.GPT`` (notebook 12): a KV cache, top-p.

**KV cache.** ``GPT.generate`` runs the whole context through the model for every new token,
although the keys and values of the earlier positions do not change (the mask is causal: a
position never sees later ones). :func:`generate_with_kv_cache` computes the prompt once
(the *prefill*), keeps every layer's keys and values ``(B, H, t, D)``, and then feeds only
the newest token through the model, appending its key and value to the cache. Each new token
then costs one position's work instead of ``t`` positions'. The price is memory:
2 x layers x t x C numbers per sequence.

The GPT's position embeddings are absolute and end at ``block_size``, so the cached
generation stops there (sliding the window would change every cached position); models with
relative positions (RoPE, ALiBi) can keep their cached keys when the window slides.

**Top-p** (nucleus) sampling (Holtzman et al., 2020) keeps the smallest set of most likely
tokens whose probabilities add up to at least ``p``: few tokens where the model is sure, many
where it is not (top-k keeps ``k`` whatever the distribution looks like).
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

from nnlib import _checks
from nnlib._checks import check_token_tensor
from nnlib.errors import NonFiniteError, ShapeError

__all__ = ["generate_with_kv_cache", "sample_next", "top_p_filter"]


def top_p_filter(logits: torch.Tensor, p: float) -> torch.Tensor:
    """Set to -inf every logit outside the nucleus of each row of ``logits`` (rows, vocab).

    The nucleus is the smallest set of most likely tokens whose probabilities sum to at
    least ``p`` (always at least the most likely token); ``p = 1`` keeps everything.
    """
    where = "top_p_filter"
    _checks.check_tensor(logits, "logits", where=where, floating=True, allow_empty=False,
                         ndim=(1, 2), shape_text="(rows, vocab) or (vocab,)")
    return _top_p_filter(logits, _check_top_p(p, "p", where))


def _check_top_p(p, name: str, where: str) -> float:
    return _checks.check_float(p, name, minimum=0, maximum=1, min_open=True, where=where,
                               hint="the probability mass kept; 1 keeps every token")


def _top_p_filter(logits: torch.Tensor, p: float) -> torch.Tensor:
    sorted_logits, order = torch.sort(logits, dim=-1, descending=True)    # (rows, vocab)
    probs = F.softmax(sorted_logits, dim=-1)
    before = probs.cumsum(dim=-1) - probs              # probability of the tokens ranked higher
    drop_sorted = before >= p                          # the nucleus is already complete
    drop = drop_sorted.scatter(-1, order, drop_sorted)  # back to the vocabulary's order
    return logits.masked_fill(drop, float("-inf"))


def _check_sampling(temperature, top_k, top_p, generator, where: str):
    """The sampling options, checked once (before a generation loop, not at every token)."""
    temperature = _checks.check_float(temperature, "temperature", minimum=0, where=where,
                                      hint="0 = always the most likely token")
    top_k = _checks.check_optional_int(top_k, "top_k", minimum=1, where=where)
    top_p = None if top_p is None else _check_top_p(top_p, "top_p", where)
    _checks.check_torch_generator(generator, where=where)
    return temperature, top_k, top_p


def sample_next(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None,
                top_p: float | None = None,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """One token id per row of ``logits`` (B, vocab) -> (B, 1), as ``GPT.generate`` draws it:
    temperature (0 = greedy), then top-k, then top-p, then a draw with ``generator``."""
    where = "sample_next"
    _checks.check_tensor(logits, "logits", where=where, ndim=2, shape_text="(B, vocab)",
                         floating=True, allow_empty=False)
    if torch.isnan(logits).any() or not torch.isfinite(logits.amax(dim=-1)).all():
        raise NonFiniteError(f"{where}: logits contain NaN, +inf or a row of only -inf (no "
                             "token left to draw); check the model or the filtering")
    return _sample_next(logits, *_check_sampling(temperature, top_k, top_p, generator, where),
                        generator)


def _sample_next(logits, temperature, top_k, top_p, generator) -> torch.Tensor:
    logits = logits.float().cpu()
    if temperature == 0:
        return logits.argmax(dim=-1, keepdim=True)                         # (B, 1)
    logits = logits / temperature
    if top_k is not None and top_k < logits.shape[-1]:
        kth = torch.topk(logits, top_k, dim=-1).values[:, -1:]             # (B, 1)
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p is not None:
        logits = _top_p_filter(logits, top_p)
    probs = F.softmax(logits, dim=-1)                                      # (B, vocab)
    return torch.multinomial(probs, 1, generator=generator)                # (B, 1)


def _attend_with_cache(block, x: torch.Tensor, cache: list | None):
    """One GPT block on the new positions ``x`` (B, t, C), reading and extending ``cache``
    ``[k, v]`` (B, H, P, D) of the P earlier positions. Returns (B, t, C) and the cache."""
    attn = block.attn
    B, t, C = x.shape
    H = attn.n_head
    q, k, v = attn.c_attn(block.ln_1(x)).split(C, dim=2)                  # 3 x (B, t, C)
    q, k, v = (z.view(B, t, H, C // H).transpose(1, 2) for z in (q, k, v))  # (B, H, t, D)
    if cache is not None:
        k = torch.cat([cache[0], k], dim=2)                                # (B, H, P + t, D)
        v = torch.cat([cache[1], v], dim=2)
    P = k.shape[2] - t
    if t == 1:
        y = F.scaled_dot_product_attention(q, k, v)       # the newest token sees everything
    else:   # new query i sits at position P + i and may see keys 0 .. P + i
        allowed = torch.ones(t, P + t, dtype=torch.bool, device=x.device).tril(P)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)      # (B, H, t, D)
    y = y.transpose(1, 2).reshape(B, t, C)                                 # (B, t, C)
    x = x + attn.c_proj(y)
    x = x + block.mlp(block.ln_2(x))                                       # (B, t, C)
    return x, [k, v]


@torch.no_grad()
def _forward_cached(model, idx: torch.Tensor, start: int, caches: list):
    """Logits of the last position after feeding ``idx`` (B, t) at positions start.. ."""
    tr = model.transformer
    pos = torch.arange(start, start + idx.shape[1], device=idx.device)
    x = tr.wte(idx) + tr.wpe(pos)                                          # (B, t, C)
    for layer, block in enumerate(tr.h):
        x, caches[layer] = _attend_with_cache(block, x, caches[layer])
    return model.lm_head(tr.ln_f(x[:, -1:]))[:, -1]                       # (B, vocab)


@torch.no_grad()
def generate_with_kv_cache(model, idx: torch.Tensor, max_new_tokens: int,
                           temperature: float = 1.0, top_k: int | None = None,
                           top_p: float | None = None,
                           generator: torch.Generator | None = None) -> torch.Tensor:
    """Like ``model.generate`` (same tokens for the same seed), with a KV cache and top-p.

    ``model`` is an ``nnlib.models.gpt.GPT``; ``idx`` (B, T) int64. The prompt plus the new
    tokens must fit in ``block_size``. Returns (B, T + max_new_tokens).
    """
    from nnlib.models.gpt import GPT

    where = "generate_with_kv_cache"
    _checks.check_instance(model, "model", GPT, "an nnlib.models.gpt.GPT", where=where)
    check_token_tensor(idx, "idx", vocab_size=model.config.vocab_size, where=where, ndim=2)
    if idx.shape[1] == 0:
        raise ShapeError(f"{where}: generation needs a prompt of at least one token (idx is "
                         f"{tuple(idx.shape)})")
    max_new_tokens = _checks.check_int(max_new_tokens, "max_new_tokens", minimum=0, where=where)
    sampling = _check_sampling(temperature, top_k, top_p, generator, where)
    block_size = model.config.block_size
    if idx.shape[1] + max_new_tokens > block_size:
        raise ValueError(f"prompt ({idx.shape[1]} tokens) + max_new_tokens ({max_new_tokens}) "
                         f"exceeds block_size={block_size}: the cached positions cannot slide "
                         f"with absolute position embeddings; use model.generate for longer text")
    if max_new_tokens == 0:
        return idx
    was_training = model.training
    model.eval()
    caches = [None] * len(model.transformer.h)
    logits = _forward_cached(model, idx, 0, caches)                        # prefill
    for step in range(max_new_tokens):
        next_id = _sample_next(logits, *sampling, generator).to(idx.device)
        idx = torch.cat([idx, next_id], dim=1)                             # (B, T + 1)
        if step < max_new_tokens - 1:
            logits = _forward_cached(model, next_id, idx.shape[1] - 1, caches)
    model.train(was_training)
    return idx
