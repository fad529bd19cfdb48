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


def top_k(logits, k):
    kth = torch.topk(logits, k, dim=-1).values[:, -1:]
    return logits.masked_fill(logits < kth, float("-inf"))


def test_12_2_top_k_filter():
    assert evaluate("12.2", top_k)[0] is True
    passed, message = evaluate("12.2", lambda logits, k: top_k(logits, k + 1))
    assert passed is False and "exactly its" in message
    passed, message = evaluate("12.2", lambda logits, k: top_k(logits, k).nan_to_num(neginf=-1e9))
    assert passed is False and "-inf" in message
    passed, message = evaluate("12.2", lambda logits, k: top_k(logits, k) / 2)
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
