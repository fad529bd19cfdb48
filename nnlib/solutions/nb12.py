"""Worked solutions for notebook 12 (Transformer). Format: see ``nb00.py``."""

from __future__ import annotations

from nnlib.solutions import solution


@solution("12.1")
def my_causal_attention():
    """Scores q k^T / sqrt(D) over the last two axes, (B, H, T, T). The mask: a lower
    triangular (T, T) boolean from torch.tril; masked_fill puts -inf where j > i, so the
    softmax gives those keys weight exactly 0. Softmax over the last axis (the keys), then
    multiply by v. Scale before the softmax, mask before the softmax."""
    import math

    import torch

    def my_causal_attention(q, k, v):
        T, D = q.shape[-2], q.shape[-1]
        scores = q @ k.transpose(-2, -1) / math.sqrt(D)           # (B, H, T, T)
        allowed = torch.tril(torch.ones(T, T, dtype=torch.bool, device=q.device))
        scores = scores.masked_fill(~allowed, float("-inf"))
        return torch.softmax(scores, dim=-1) @ v                  # (B, H, T, D)

    return my_causal_attention


@solution("12.2")
def my_top_p_filter():
    """Sort each row's probabilities in descending order and take the running sum. A token is
    dropped when the tokens BEFORE it already reach p: cumulative - own probability >= p (so
    the token that crosses p stays, and the most likely token always stays). Mark those in
    sorted order, then scatter the mask back to vocabulary order with the sort's indices and
    fill the dropped logits with -inf."""
    import torch

    def my_top_p_filter(logits, p):
        probs = torch.softmax(logits, dim=-1)
        sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
        before = torch.cumsum(sorted_probs, dim=-1) - sorted_probs   # mass of the tokens before
        drop_sorted = before >= p
        drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
        return logits.masked_fill(drop, float("-inf"))

    return my_top_p_filter


@solution("12.3")
def my_parameter_count():
    """Embeddings: tokens V x C and positions block_size x C. Each block: two LayerNorms
    (weight C, plus bias C when bias), attention's c_attn C x 3C and c_proj C x C, the MLP's
    c_fc C x 4C and c_proj 4C x C (each Linear with its bias when bias): 12 C^2 weights per
    block. A final LayerNorm. lm_head shares the token embedding's matrix, so it adds nothing.
    The code checks the count against GPT(config).num_parameters(non_embedding=False)."""
    from nnlib.models.gpt import GPT, GPTConfig

    def my_parameter_count(config):
        C, V, b = config.n_embd, config.vocab_size, int(config.bias)
        layer_norm = C + b * C
        attention = C * 3 * C + b * 3 * C + C * C + b * C
        mlp = C * 4 * C + b * 4 * C + 4 * C * C + b * C
        block = 2 * layer_norm + attention + mlp
        embeddings = V * C + config.block_size * C
        return embeddings + config.n_layer * block + layer_norm

    config = GPTConfig(vocab_size=65, block_size=32, n_layer=2, n_head=2, n_embd=32, bias=True)
    assert my_parameter_count(config) == GPT(config).num_parameters(non_embedding=False)
    return my_parameter_count


@solution("12.4")
def my_kv_cache_size():
    """Every layer stores one key and one value vector for every position so far, for every
    sequence; the heads together hold n_head x head_size = n_embd numbers per vector. So
    2 x n_layer x batch_size x context x n_embd. GPT-2 small, one sequence of 1,024 tokens:
    2 x 12 x 1 x 1024 x 768 = 18,874,368 numbers, x 4 bytes = 75.5 MB (72 MiB)."""
    from nnlib.models.gpt import GPTConfig

    def my_kv_cache_size(config, batch_size, context):
        return 2 * config.n_layer * batch_size * context * config.n_embd

    gpt2_small = GPTConfig(vocab_size=50257, block_size=1024, n_layer=12, n_head=12, n_embd=768)
    megabytes = my_kv_cache_size(gpt2_small, 1, 1024) * 4 / 1e6
    assert round(megabytes, 1) == 75.5
    return my_kv_cache_size
