"""Checks for notebook 12 (Transformer). Each calls the learner's function on random inputs and
compares with PyTorch or with nnlib's GPT."""

from __future__ import annotations

import math

from nnlib.exercises import checker


@checker("12.1")
def causal_attention(attention):
    """``attention(q, k, v) -> y``: masked softmax attention on (B, H, T, D) tensors."""
    import torch
    from torch.nn import functional as F

    generator = torch.Generator().manual_seed(12)
    for shape in [(2, 3, 5, 4), (1, 1, 1, 8), (3, 2, 7, 16)]:
        q, k, v = (torch.randn(*shape, generator=generator, dtype=torch.float64)
                   for _ in range(3))
        got = attention(q.clone(), k.clone(), v.clone())
        if not isinstance(got, torch.Tensor) or tuple(got.shape) != shape:
            return False, (f"for q, k, v of shape {shape} return a tensor of that shape, got "
                           f"{tuple(got.shape) if isinstance(got, torch.Tensor) else type(got)}")
        want = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        if torch.allclose(got, want, atol=1e-10):
            continue
        T, D = shape[2], shape[3]
        scores = q @ k.transpose(-2, -1)
        no_mask = torch.softmax(scores / math.sqrt(D), dim=-1) @ v
        no_scale = F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=1.0)
        if T > 1 and torch.allclose(got, no_mask, atol=1e-10):
            return False, ("the future leaks in: mask the scores above the diagonal with -inf "
                           "(torch.tril) before the softmax")
        if torch.allclose(got, no_scale, atol=1e-10):
            return False, "divide the scores by sqrt(D) (D = q.shape[-1]) before the softmax"
        return False, (f"the values differ from softmax(q k^T / sqrt(D) + mask) v for shape "
                       f"{shape}; is the softmax over the last axis (the keys)?")
    return True, "it matches F.scaled_dot_product_attention(q, k, v, is_causal=True)"


@checker("12.2")
def top_k_filter(filter_fn):
    """``filter_fn(logits, k) -> logits`` keeping the k largest of each row, -inf elsewhere."""
    import torch

    generator = torch.Generator().manual_seed(3)
    for rows, vocab, k in [(1, 10, 3), (4, 65, 5), (3, 7, 7), (2, 20, 1)]:
        logits = torch.randn(rows, vocab, generator=generator) * 3
        got = filter_fn(logits.clone(), k)
        if not isinstance(got, torch.Tensor) or got.shape != logits.shape:
            return False, f"return a tensor of the input's shape {tuple(logits.shape)}"
        kth = torch.topk(logits, k, dim=-1).values[:, -1:]
        top = logits >= kth                                          # (rows, vocab)
        same = got == logits
        exactly = (f"with k={k} each row must keep exactly its {k} largest logits; your rows "
                   f"keep {same.sum(dim=-1).tolist()}. torch.topk(logits, k).values[:, -1:] "
                   "is the k-th largest of each row")
        if not torch.all(same[top]):
            return False, exactly if torch.isinf(got[top]).any() else (
                "leave the kept logits unchanged")
        if same[~top].any():
            return False, exactly
        if not torch.all(got[~top] == float("-inf")):
            return False, "set the other logits to float('-inf') so softmax gives them 0"
    return True, "softmax of the result puts all probability on the k most likely tokens"


@checker("12.3")
def parameter_count(count_fn):
    """``count_fn(config) -> int``: all parameters of ``GPT(config)``, tied weights once."""
    from nnlib.models.gpt import GPT, GPTConfig

    configs = [GPTConfig(vocab_size=65, block_size=64, n_layer=4, n_head=4, n_embd=128,
                         bias=False),
               GPTConfig(vocab_size=50, block_size=32, n_layer=2, n_head=2, n_embd=48, bias=True),
               GPTConfig(vocab_size=11, block_size=8, n_layer=3, n_head=1, n_embd=16,
                         bias=False)]
    for config in configs:
        got = count_fn(config)
        want = GPT(config).num_parameters(non_embedding=False)
        if not isinstance(got, int) or isinstance(got, bool):
            return False, f"return an int, got {type(got).__name__}"
        if got == want:
            continue
        C, V = config.n_embd, config.vocab_size
        if got == want + V * C:
            return False, ("you counted the output layer separately: it is tied to wte (the "
                           "same matrix), so it adds no parameters")
        if got == want - config.block_size * C:
            return False, "include the position embeddings wpe: (block_size, n_embd)"
        return False, (f"for {config} the model has {want:,} parameters, you said {got:,}; per "
                       "block: c_attn C x 3C, c_proj C x C, c_fc C x 4C, mlp.c_proj 4C x C, two "
                       "LayerNorms (and the biases when config.bias)")
    return True, "12 C^2 per block plus embeddings: the formula matches GPT.num_parameters"
