"""Each notebook-12 checker accepts a right answer and rejects wrong ones with a hint."""

import math

import torch

from nnlib.exercises import evaluate
from nnlib.models.gpt import GPT


def attention(q, k, v):
    T, D = q.shape[-2], q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(D)
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    return torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1) @ v


def test_12_1_causal_attention():
    assert evaluate("12.1", attention)[0] is True
    passed, message = evaluate("12.1", lambda q, k, v: torch.softmax(
        q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1) @ v)
    assert passed is False and "future leaks" in message
    passed, message = evaluate("12.1", lambda q, k, v: attention(q * math.sqrt(q.shape[-1]), k, v))
    assert passed is False and "sqrt(D)" in message
    passed, message = evaluate("12.1", lambda q, k, v: attention(q, k, v).transpose(-2, -1))
    assert passed is False


def top_p(logits, p):
    probs, order = torch.sort(torch.softmax(logits, dim=-1), dim=-1, descending=True)
    drop_sorted = probs.cumsum(-1) - probs >= p
    drop = drop_sorted.scatter(-1, order, drop_sorted)
    return logits.masked_fill(drop, float("-inf"))


def test_12_2_top_p_filter():
    assert evaluate("12.2", top_p)[0] is True

    def too_small(logits, p):          # drops the token that crosses p
        probs, order = torch.sort(torch.softmax(logits, dim=-1), dim=-1, descending=True)
        drop_sorted = probs.cumsum(-1) > p
        drop = drop_sorted.scatter(-1, order, drop_sorted)
        return logits.masked_fill(drop, float("-inf"))
    passed, message = evaluate("12.2", too_small)
    assert passed is False and "reaches p" in message
    passed, message = evaluate("12.2", lambda logits, p: top_p(logits, min(1.0, p + 0.2)))
    assert passed is False and "smallest" in message
    passed, message = evaluate("12.2", lambda logits, p: top_p(logits, p).nan_to_num(neginf=-1e9))
    assert passed is False and "-inf" in message
    passed, message = evaluate("12.2", lambda logits, p: top_p(logits / 2, p))
    assert passed is False and "unchanged" in message


def count(config):
    C, L = config.n_embd, config.n_layer
    per_block = 12 * C * C + (13 * C if config.bias else 2 * C)
    return (config.vocab_size * C + config.block_size * C + L * per_block
            + (2 * C if config.bias else C))


def test_12_3_parameter_count():
    assert evaluate("12.3", count)[0] is True
    assert evaluate("12.3", lambda c: GPT(c).num_parameters(non_embedding=False))[0] is True
    passed, message = evaluate("12.3", lambda c: count(c) + c.vocab_size * c.n_embd)
    assert passed is False and "tied" in message
    passed, message = evaluate("12.3", lambda c: count(c) - c.block_size * c.n_embd)
    assert passed is False and "position embeddings" in message
    passed, message = evaluate("12.3", lambda c: 12 * c.n_embd ** 2 * c.n_layer)
    assert passed is False and "per block" in message
    passed, message = evaluate("12.3", lambda c: float(count(c)))
    assert passed is False and "int" in message
    # a NumPy integer is a right answer too (issue 13: it was rejected)
    import numpy as np
    assert evaluate("12.3", lambda c: np.int64(count(c)))[0] is True


def kv(config, batch, context):
    return 2 * config.n_layer * batch * context * config.n_embd


def test_12_4_kv_cache_size():
    import numpy as np
    assert evaluate("12.4", kv)[0] is True
    assert evaluate("12.4", lambda *a: np.int64(kv(*a)))[0] is True
    passed, message = evaluate("12.4", lambda *a: kv(*a) // 2)
    assert passed is False and "keys AND the values" in message
    passed, message = evaluate("12.4", lambda c, b, t: kv(c, b, t) // c.n_layer)
    assert passed is False and "n_layer" in message
    passed, message = evaluate("12.4", lambda c, b, t: kv(c, b, t) * c.n_head)
    assert passed is False and "split" in message
    passed, message = evaluate("12.4", lambda c, b, t: float(kv(c, b, t)))
    assert passed is False and "whole number" in message


def test_12_counts_must_be_whole_numbers(solved):
    passed, message = evaluate("12.3", lambda config: float(solved("12.3")(config)))
    assert passed is False and "whole number (an int), got float" in message
    passed, message = evaluate("12.4", lambda config, batch, context: True)
    assert passed is False and "whole number (an int), got bool" in message
