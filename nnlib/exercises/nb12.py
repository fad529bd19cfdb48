"""Checks for notebook 12 (Transformer). Each calls the learner's function on random inputs and
compares with PyTorch or with nnlib's GPT."""

from __future__ import annotations

import math

from nnlib.exercises import checker
from nnlib.exercises._helpers import whole_number_problem


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
def top_p_filter(filter_fn):
    """``filter_fn(logits, p) -> logits``: the nucleus of each row kept, -inf elsewhere."""
    import torch

    from nnlib.models.generation import top_p_filter as reference

    generator = torch.Generator().manual_seed(3)
    cases = [(torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]])), 0.7)]
    for rows, vocab, p in [(4, 65, 0.9), (3, 10, 0.5), (2, 20, 0.99), (2, 8, 0.05)]:
        cases.append((torch.randn(rows, vocab, generator=generator) * 2, p))
    for logits, p in cases:
        got = filter_fn(logits.clone(), p)
        if not isinstance(got, torch.Tensor) or got.shape != logits.shape:
            return False, f"return a tensor of the input's shape {tuple(logits.shape)}"
        want = reference(logits, p)
        keep = torch.isfinite(want)
        if torch.equal(torch.isfinite(got), keep) and torch.equal(got[keep], logits[keep]):
            continue
        if torch.isfinite(got).all():
            return False, "set the logits outside the nucleus to float('-inf')"
        if not torch.equal(got[torch.isfinite(got)], logits[torch.isfinite(got)]):
            return False, "leave the kept logits unchanged"
        probs = torch.softmax(logits, dim=-1)
        kept_mass = (probs * torch.isfinite(got)).sum(-1)
        if (kept_mass < p - 1e-6).any():
            return False, (f"with p={p} a row keeps only {kept_mass.min().item():.3f} of the "
                           "probability: keep adding tokens, most likely first, until the "
                           "kept probability reaches p (the token that crosses p stays)")
        return False, (f"with p={p} you keep more than the smallest such set: sort the "
                       "probabilities in descending order and drop a token once the tokens "
                       "before it already sum to p or more")
    return True, "the nucleus: few tokens where the model is sure, many where it is not"


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
        if problem := whole_number_problem(got):
            return False, problem
        got = int(got)
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


@checker("12.4")
def kv_cache_size(size_fn):
    """``size_fn(config, batch_size, context) -> int``: the numbers a KV cache holds."""
    from nnlib.models.gpt import GPTConfig

    configs = [GPTConfig(vocab_size=11, block_size=8, n_layer=3, n_head=4, n_embd=16),
               GPTConfig(vocab_size=65, block_size=64, n_layer=2, n_head=4, n_embd=128),
               GPTConfig(vocab_size=50257, block_size=1024, n_layer=12, n_head=12, n_embd=768)]
    for config, batch, context in zip(configs, (3, 1, 8), (5, 64, 1024)):
        got = size_fn(config, batch, context)
        if problem := whole_number_problem(got):
            return False, problem
        want = 2 * config.n_layer * batch * context * config.n_embd
        if got == want:
            continue
        if got * 2 == want:
            return False, "a cache keeps two tensors per layer: the keys AND the values"
        if got * config.n_layer == want:
            return False, "every layer has its own keys and values: multiply by n_layer"
        if got == want * config.n_head:
            return False, ("the heads split the n_embd channels (D = n_embd / n_head each), so "
                           "all heads together store n_embd numbers per position, not "
                           "n_head * n_embd")
        return False, (f"for {config}, batch {batch}, context {context} the cache holds "
                       f"{want:,} numbers, you said {got:,}; per layer: keys and values, each "
                       "(B, H, T, D) with H * D = n_embd")
    return True, ("2 x layers x batch x context x n_embd: GPT-2 small needs 75 MB in float32 "
                  "for one 1,024-token sequence")
