"""KV-cache generation equals GPT.generate; top-p keeps the nucleus."""

import pytest
import torch

from nnlib.models.generation import generate_with_kv_cache, sample_next, top_p_filter
from nnlib.models.gpt import GPT, GPTConfig


@pytest.fixture(scope="module")
def gpt():
    torch.manual_seed(0)
    return GPT(GPTConfig(vocab_size=11, block_size=16, n_layer=2, n_head=2, n_embd=16,
                         bias=True)).double().eval()


def test_kv_cache_equals_generate(gpt):
    prompt = torch.tensor([[1, 2, 3], [4, 5, 6]])
    for temperature, top_k in [(0.0, None), (1.0, None), (0.8, 4)]:
        want = gpt.generate(prompt, 10, temperature, top_k,
                            generator=torch.Generator().manual_seed(0))
        got = generate_with_kv_cache(gpt, prompt, 10, temperature, top_k,
                                     generator=torch.Generator().manual_seed(0))
        assert torch.equal(got, want)
    assert torch.equal(generate_with_kv_cache(gpt, prompt, 0), prompt)


def test_kv_cache_refuses_beyond_block_size(gpt):
    with pytest.raises(ValueError, match="block_size"):
        generate_with_kv_cache(gpt, torch.tensor([[1, 2, 3]]), 14)
    with pytest.raises(TypeError):
        generate_with_kv_cache(gpt, torch.tensor([[1.0, 2.0]]), 2)
    with pytest.raises(ValueError):
        generate_with_kv_cache(gpt, torch.tensor([[1, 11]]), 2)        # id >= vocab_size


def test_top_p_filter():
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05], [0.05, 0.15, 0.3, 0.5]]))
    kept = torch.isfinite(top_p_filter(logits, 0.7))
    assert kept.tolist() == [[True, True, False, False], [False, False, True, True]]
    assert torch.isfinite(top_p_filter(logits, 0.85)).sum().item() == 6   # 0.5 + 0.3 < 0.85
    assert torch.isfinite(top_p_filter(logits, 0.1)).sum(-1).tolist() == [1, 1]
    assert torch.isfinite(top_p_filter(logits, 1.0)).all()
    f = top_p_filter(logits, 0.7)
    assert torch.equal(f[kept], logits[kept])
    with pytest.raises(ValueError):
        top_p_filter(logits, 0.0)


def test_sample_next_top_p_draws_only_from_the_nucleus():
    logits = torch.log(torch.tensor([[0.6, 0.3, 0.06, 0.04]])).repeat(500, 1)
    ids = sample_next(logits, 1.0, top_p=0.85, generator=torch.Generator().manual_seed(0))
    assert set(ids.flatten().tolist()) == {0, 1}
    assert sample_next(logits[:1], 0.0).item() == 0
