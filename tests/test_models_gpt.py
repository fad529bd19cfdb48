"""The GPT of notebook 12: shapes, causality, attention maths, weight tying, generation, errors."""

import math

import pytest
import torch
from torch.nn import functional as F

from nnlib.errors import ShapeError
from nnlib.models.gpt import GPT, MLP, Block, CausalSelfAttention, GPTConfig


def tiny_config(**overrides) -> GPTConfig:
    kwargs = dict(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=16, dropout=0.0)
    kwargs.update(overrides)
    return GPTConfig(**kwargs)


def tiny_model(seed: int = 0, **overrides) -> GPT:
    torch.manual_seed(seed)
    return GPT(tiny_config(**overrides))


def random_ids(shape, vocab_size=11, seed=1):
    return torch.randint(0, vocab_size, shape, generator=torch.Generator().manual_seed(seed))


# -- configuration and structure -------------------------------------------------------------
def test_config_rejects_heads_that_do_not_divide_the_width():
    with pytest.raises(ValueError, match=r"n_embd \(10\) must be divisible by n_head \(3\)"):
        GPTConfig(n_embd=10, n_head=3)


@pytest.mark.parametrize("field, value", [("n_layer", 0), ("block_size", -1), ("vocab_size", 2.5),
                                          ("dropout", 1.0), ("dropout", -0.1)])
def test_config_rejects_silly_values(field, value):
    with pytest.raises((TypeError, ValueError), match=field):
        GPTConfig(**{field: value})


def test_gpt_needs_a_config_object():
    with pytest.raises(TypeError, match="GPTConfig"):
        GPT({"n_layer": 2})


@pytest.mark.parametrize("bias", [True, False])
def test_parameter_names_follow_gpt2(bias):
    model = tiny_model(n_layer=1, bias=bias)
    names = set(dict(model.named_parameters()))
    expected = {"transformer.wte.weight", "transformer.wpe.weight",
                "transformer.h.0.ln_1.weight", "transformer.h.0.attn.c_attn.weight",
                "transformer.h.0.attn.c_proj.weight", "transformer.h.0.ln_2.weight",
                "transformer.h.0.mlp.c_fc.weight", "transformer.h.0.mlp.c_proj.weight",
                "transformer.ln_f.weight"}
    biases = {"transformer.h.0.ln_1.bias", "transformer.h.0.attn.c_attn.bias",
              "transformer.h.0.attn.c_proj.bias", "transformer.h.0.ln_2.bias",
              "transformer.h.0.mlp.c_fc.bias", "transformer.h.0.mlp.c_proj.bias",
              "transformer.ln_f.bias"}
    assert names == (expected | biases if bias else expected)
    # the tied output layer is reachable under its own name but is the embedding matrix
    assert model.lm_head.weight is model.transformer.wte.weight
    assert "lm_head.weight" in model.state_dict()


def test_shapes_of_the_weights():
    c = tiny_config()
    model = GPT(c)
    block = model.transformer.h[0]
    assert tuple(model.transformer.wte.weight.shape) == (c.vocab_size, c.n_embd)
    assert tuple(model.transformer.wpe.weight.shape) == (c.block_size, c.n_embd)
    assert tuple(block.attn.c_attn.weight.shape) == (3 * c.n_embd, c.n_embd)
    assert tuple(block.mlp.c_fc.weight.shape) == (4 * c.n_embd, c.n_embd)
    assert tuple(block.mlp.c_proj.weight.shape) == (c.n_embd, 4 * c.n_embd)


def test_parameter_count_formula():
    for bias in (True, False):
        c = tiny_config(bias=bias, n_layer=3)
        C, V, T, L = c.n_embd, c.vocab_size, c.block_size, c.n_layer
        per_block = 12 * C * C + (13 * C if bias else 2 * C)   # LN gains (+ biases)
        total = V * C + T * C + L * per_block + (2 * C if bias else C)
        model = GPT(c)
        assert model.num_parameters(non_embedding=False) == total
        assert model.num_parameters() == total - T * C


def test_residual_projections_get_the_smaller_init():
    model = tiny_model(n_layer=8, n_embd=64, n_head=4)
    std_fc = model.transformer.h[0].mlp.c_fc.weight.std().item()
    std_proj = torch.cat([b.mlp.c_proj.weight.flatten() for b in model.transformer.h]).std().item()
    assert std_fc == pytest.approx(0.02, rel=0.05)
    assert std_proj == pytest.approx(0.02 / math.sqrt(16), rel=0.05)


# -- forward ------------------------------------------------------------------------------------
def test_forward_shapes_and_initial_loss_is_uniform_guess():
    model = tiny_model(vocab_size=65, n_embd=32)
    idx, targets = random_ids((4, 8), 65), random_ids((4, 8), 65, seed=2)
    logits, loss = model(idx, targets)
    assert logits.shape == (4, 8, 65)
    # small initial weights -> nearly uniform predictions -> loss close to ln(65)
    assert loss.item() == pytest.approx(math.log(65), abs=0.05)
    logits2, none = model(idx)
    assert none is None and torch.equal(logits, logits2)


def test_loss_is_mean_cross_entropy_of_the_logits():
    model = tiny_model()
    idx, targets = random_ids((3, 5)), random_ids((3, 5), seed=4)
    logits, loss = model(idx, targets)
    expected = F.cross_entropy(logits.reshape(-1, 11), targets.reshape(-1))
    assert torch.allclose(loss, expected)


def test_position_t_only_depends_on_tokens_up_to_t():
    model = tiny_model().eval()
    idx = random_ids((1, 8))
    logits, _ = model(idx)
    for t in range(8):
        changed = idx.clone()
        changed[0, t] = (changed[0, t] + 1) % 11
        new_logits, _ = model(changed)
        assert torch.allclose(new_logits[0, :t], logits[0, :t], atol=1e-6), t
        assert not torch.allclose(new_logits[0, t:], logits[0, t:], atol=1e-6), t


def test_shorter_sequences_give_the_prefix_of_the_longer_ones():
    model = tiny_model().eval()
    idx = random_ids((2, 8))
    full, _ = model(idx)
    prefix, _ = model(idx[:, :5])
    assert torch.allclose(full[:, :5], prefix, atol=1e-6)


def manual_causal_attention(attn: CausalSelfAttention, x: torch.Tensor) -> torch.Tensor:
    """Masked softmax attention written out with explicit loops over heads."""
    B, T, C = x.shape
    H = attn.n_head
    D = C // H
    qkv = x @ attn.c_attn.weight.T + (attn.c_attn.bias if attn.c_attn.bias is not None else 0)
    q, k, v = qkv[..., :C], qkv[..., C:2 * C], qkv[..., 2 * C:]
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    heads = []
    for h in range(H):
        qh, kh, vh = (z[..., h * D:(h + 1) * D] for z in (q, k, v))
        scores = qh @ kh.transpose(1, 2) / math.sqrt(D)               # (B, T, T)
        scores = scores.masked_fill(~mask, float("-inf"))
        heads.append(torch.softmax(scores, dim=-1) @ vh)               # (B, T, D)
    y = torch.cat(heads, dim=-1)
    return y @ attn.c_proj.weight.T + (attn.c_proj.bias if attn.c_proj.bias is not None else 0)


@pytest.mark.parametrize("bias", [True, False])
def test_attention_equals_masked_softmax_written_out(bias):
    torch.manual_seed(0)
    attn = CausalSelfAttention(tiny_config(n_head=4, bias=bias)).double()
    for p in attn.parameters():   # larger weights than GPT's init, so the test has teeth
        torch.nn.init.normal_(p, std=0.3)
    x = torch.randn(2, 7, 16, dtype=torch.float64)
    assert torch.allclose(attn(x), manual_causal_attention(attn, x), atol=1e-10)


def test_block_is_pre_norm_with_residuals():
    torch.manual_seed(0)
    block = Block(tiny_config()).double()
    for p in block.parameters():
        torch.nn.init.normal_(p, std=0.3)
    x = torch.randn(2, 6, 16, dtype=torch.float64)
    h = x + manual_causal_attention(block.attn, F.layer_norm(x, (16,), block.ln_1.weight,
                                                             block.ln_1.bias))
    n = F.layer_norm(h, (16,), block.ln_2.weight, block.ln_2.bias)
    mlp = block.mlp
    expected = h + F.gelu(n @ mlp.c_fc.weight.T + mlp.c_fc.bias) @ mlp.c_proj.weight.T \
        + mlp.c_proj.bias
    assert torch.allclose(block(x), expected, atol=1e-10)


def test_mlp_expands_four_times():
    mlp = MLP(tiny_config())
    assert mlp(torch.randn(2, 3, 16)).shape == (2, 3, 16)
    assert mlp.c_fc.out_features == 64


def test_dropout_only_in_training_mode():
    model = tiny_model(dropout=0.5)
    idx = random_ids((2, 8))
    model.train()
    a, _ = model(idx)
    b, _ = model(idx)
    assert not torch.allclose(a, b)
    model.eval()
    c, _ = model(idx)
    d, _ = model(idx)
    assert torch.equal(c, d)


def test_gradients_reach_every_parameter():
    model = tiny_model()
    _, loss = model(random_ids((2, 8)), random_ids((2, 8), seed=3))
    loss.backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


@pytest.mark.slow  # a training run / stress test: make test runs it, make unit-fast does not
def test_can_overfit_one_batch():
    model = tiny_model(n_layer=1)
    idx, targets = random_ids((4, 8)), random_ids((4, 8), seed=5)
    optimizer = model.configure_optimizers(0.0, 2e-2)
    first = None
    for _ in range(100):
        _, loss = model(idx, targets)
        first = first if first is not None else loss.item()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert first > 2.0 and loss.item() < 0.25   # ln(11) = 2.4 at the start


# -- clear errors -------------------------------------------------------------------------------
def test_sequence_longer_than_block_size_is_refused():
    model = tiny_model()
    with pytest.raises(ValueError, match=r"T=9 is longer than block_size=8.*idx\[:, -8:\]"):
        model(random_ids((1, 9)))


@pytest.mark.parametrize("idx, error, message", [
    (torch.zeros(2, 3), TypeError,
     "integer token ids, got dtype torch.float32 \\(shape \\(2, 3\\)"),
    (torch.zeros(6, dtype=torch.long), ShapeError, "idx with 2 dimensions, got shape \\(6,\\)"),
    (torch.tensor([[1, 11]]), ValueError, r"\[0, 10\] \(vocab_size=11\), got values from 1 to 11"),
    (torch.tensor([[-1, 2]]), ValueError, "got values from -1 to 2"),
    (torch.zeros(2, 0, dtype=torch.long), ValueError, "T = 0"),
    (torch.zeros(2, 3, dtype=torch.int32), TypeError, "int64"),
])
def test_bad_token_ids_get_a_clear_message(idx, error, message):
    with pytest.raises(error, match=message):
        tiny_model()(idx)


def test_targets_of_the_wrong_shape_are_refused():
    message = r"targets must have the shape of idx \(2, 4\), got \(2, 3\)"
    with pytest.raises(ValueError, match=message):
        tiny_model()(random_ids((2, 4)), random_ids((2, 3)))


# -- generation ---------------------------------------------------------------------------------
def test_generate_appends_tokens_and_keeps_the_prompt():
    model = tiny_model()
    prompt = random_ids((2, 3))
    out = model.generate(prompt, 12, generator=torch.Generator().manual_seed(0))
    assert out.shape == (2, 15) and out.dtype == torch.long
    assert torch.equal(out[:, :3], prompt)
    assert out.min() >= 0 and out.max() < 11
    assert model.training  # generate restores the mode it found


def test_generate_is_reproducible_with_a_seeded_generator():
    model = tiny_model()
    prompt = random_ids((1, 2))
    a = model.generate(prompt, 30, generator=torch.Generator().manual_seed(3))
    b = model.generate(prompt, 30, generator=torch.Generator().manual_seed(3))
    c = model.generate(prompt, 30, generator=torch.Generator().manual_seed(4))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_temperature_zero_and_top_k_one_are_greedy():
    model = tiny_model(seed=2).eval()
    prompt = random_ids((1, 3))
    greedy = model.generate(prompt, 10, temperature=0)
    top1 = model.generate(prompt, 10, top_k=1, generator=torch.Generator().manual_seed(0))
    assert torch.equal(greedy, top1)
    idx = prompt
    for _ in range(10):   # the same thing by hand: always the argmax of the last position
        logits, _ = model(idx[:, -8:])
        idx = torch.cat([idx, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    assert torch.equal(greedy, idx)


def test_top_k_samples_only_among_the_k_most_likely():
    model = tiny_model(seed=1).eval()
    for p in model.parameters():   # sharper predictions than at initialisation
        torch.nn.init.normal_(p, std=0.5)
    out = model.generate(random_ids((4, 2)), 20, temperature=2.0, top_k=3,
                         generator=torch.Generator().manual_seed(0))
    for t in range(2, out.shape[1]):
        logits, _ = model(out[:, max(0, t - 8):t])
        allowed = logits[:, -1].topk(3).indices                        # (B, 3)
        assert (allowed == out[:, t:t + 1]).any(dim=1).all(), t


def test_generate_crops_the_context_to_block_size():
    model = tiny_model()
    out = model.generate(random_ids((1, 20)), 5, generator=torch.Generator().manual_seed(0))
    assert out.shape == (1, 25)


@pytest.mark.parametrize("kwargs, message", [
    (dict(max_new_tokens=-1), "max_new_tokens"),
    (dict(max_new_tokens=3, temperature=-0.5), "temperature"),
    (dict(max_new_tokens=3, temperature=float("nan")), "temperature"),
    (dict(max_new_tokens=3, top_k=0), "top_k"),
])
def test_generate_refuses_silly_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        tiny_model().generate(random_ids((1, 2)), **kwargs)


# -- optimizer ----------------------------------------------------------------------------------
def test_configure_optimizers_decays_only_matrices():
    model = tiny_model()
    optimizer = model.configure_optimizers(weight_decay=0.1, lr=3e-4, betas=(0.9, 0.99))
    assert isinstance(optimizer, torch.optim.AdamW)
    decay, no_decay = optimizer.param_groups
    assert decay["weight_decay"] == 0.1 and no_decay["weight_decay"] == 0.0
    assert all(p.dim() == 2 for p in decay["params"])
    assert all(p.dim() == 1 for p in no_decay["params"])
    ids = [id(p) for g in optimizer.param_groups for p in g["params"]]
    assert len(ids) == len(set(ids)) == len(list(model.parameters()))
    assert any(p is model.transformer.wte.weight for p in decay["params"])
    assert decay["lr"] == 3e-4 and decay["betas"] == (0.9, 0.99)
