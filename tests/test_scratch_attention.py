"""NumPy attention against PyTorch (values and autograd, float64) and finite differences:
scaled dot-product attention, MultiHeadAttention (incl. masks), Embedding, LayerNorm on
(B, T, C), positional encodings; bad input gets clear errors."""

import numpy as np
import pytest
import torch

from nnlib.models.transformer_toy import sinusoidal_table
from nnlib.scratch import (
    Embedding,
    LayerNorm,
    LearnedPositionalEmbedding,
    Module,
    MultiHeadAttention,
    NotForwardedError,
    PositionalEncoding,
    ShapeError,
    causal_mask,
    gradcheck,
    scaled_dot_product_attention,
    scaled_dot_product_attention_backward,
    scaled_dot_product_attention_forward,
    sinusoidal_positional_encoding,
)
from nnlib.scratch.gradcheck import max_relative_error, numerical_gradient

RTOL = 1e-6


def close(a, b, rtol=RTOL, atol=1e-10):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def t(x, grad=False):
    return torch.tensor(x, dtype=torch.float64, requires_grad=grad)


# -- scaled dot-product attention --------------------------------------------------------------
def sdpa_case(name, rng):
    """(q, k, v, attn_mask, is_causal) for a named situation."""
    b, h, tq, tk, d, dv = 2, 3, 5, 5, 4, 6
    if name == "batch1":
        b = 1
    if name == "cross":
        tk = 7
    q = rng.normal(size=(b, h, tq, d))
    k = rng.normal(size=(b, h, tk, d))
    v = rng.normal(size=(b, h, tk, dv))
    mask, causal = None, False
    if name == "causal":
        causal = True
    elif name == "bool_mask":
        mask = rng.random((b, 1, tq, tk)) > 0.4
        mask[..., 0] = True  # every query keeps at least one key
    elif name == "float_mask":
        mask = rng.normal(size=(tq, tk))
        mask[0, 1:] = -np.inf
    elif name == "cross":
        causal = True  # top-left aligned when Tq != Tk, as in PyTorch
    return q, k, v, mask, causal


SDPA_CASES = ["plain", "batch1", "causal", "bool_mask", "float_mask", "cross"]


@pytest.mark.parametrize("case", SDPA_CASES)
def test_sdpa_matches_torch_values_and_autograd(case):
    rng = np.random.default_rng(SDPA_CASES.index(case))
    q, k, v, mask, causal = sdpa_case(case, rng)
    out, cache = scaled_dot_product_attention_forward(q, k, v, mask, causal)
    qt, kt, vt = t(q, True), t(k, True), t(v, True)
    mask_t = None if mask is None else torch.tensor(mask)
    out_t = torch.nn.functional.scaled_dot_product_attention(qt, kt, vt, attn_mask=mask_t,
                                                             is_causal=causal)
    close(out, out_t.detach().numpy())
    close(scaled_dot_product_attention(q, k, v, mask, causal), out)
    assert np.allclose(cache.weights.sum(-1), 1.0)
    grad_out = rng.normal(size=out.shape)
    (out_t * t(grad_out)).sum().backward()
    for ours, theirs in zip(scaled_dot_product_attention_backward(grad_out, cache),
                            (qt, kt, vt)):
        close(ours, theirs.grad.numpy())


@pytest.mark.parametrize("case", ["plain", "causal", "float_mask", "cross"])
def test_sdpa_backward_matches_finite_differences(case):
    rng = np.random.default_rng(10)
    q, k, v, mask, causal = sdpa_case(case, rng)
    q, k, v = q[:, :1], k[:, :1], v[:, :1]  # one head keeps it quick
    weights = rng.normal(size=(q.shape[0], 1, q.shape[2], v.shape[-1]))

    def f():
        return np.sum(scaled_dot_product_attention(q, k, v, mask, causal) * weights)

    _, cache = scaled_dot_product_attention_forward(q, k, v, mask, causal)
    grads = scaled_dot_product_attention_backward(weights, cache)
    for analytic, x in zip(grads, (q, k, v)):
        assert max_relative_error(analytic, numerical_gradient(f, x)) < 1e-7


def test_sdpa_masked_weights_are_exactly_zero_and_scale_is_used():
    rng = np.random.default_rng(0)
    q, k, v = rng.normal(size=(3, 4, 8)), rng.normal(size=(3, 4, 8)), rng.normal(size=(3, 4, 2))
    _, cache = scaled_dot_product_attention_forward(q, k, v, is_causal=True)
    assert np.all(cache.weights[:, ~causal_mask(4)] == 0.0)
    assert cache.weights[0, 0, 0] == 1.0  # the first token sees only itself
    _, unscaled = scaled_dot_product_attention_forward(q, k, v, scale=1.0)
    expected = np.exp(q @ k.transpose(0, 2, 1))
    close(unscaled.weights, expected / expected.sum(-1, keepdims=True))


def test_causal_mask_shape_and_alignment():
    assert causal_mask(3).tolist() == [[True, False, False], [True, True, False],
                                       [True, True, True]]
    assert causal_mask(2, 4).tolist() == [[True, False, False, False],
                                          [True, True, False, False]]
    with pytest.raises(ValueError, match="t_q must be an int >= 1"):
        causal_mask(0)


def test_sdpa_bad_input_gets_clear_messages():
    rng = np.random.default_rng(0)
    q = rng.normal(size=(2, 3, 4))
    with pytest.raises(ValueError, match="may attend to no key"):
        mask = np.ones((3, 3), bool)
        mask[1] = False
        scaled_dot_product_attention(q, q, q, attn_mask=mask)
    with pytest.raises(ShapeError, match="same last dimension"):
        scaled_dot_product_attention(q, rng.normal(size=(2, 3, 5)), q)
    with pytest.raises(ShapeError, match="one value per key"):
        scaled_dot_product_attention(q, q, rng.normal(size=(2, 4, 4)))
    with pytest.raises(ShapeError, match="same leading"):
        scaled_dot_product_attention(q, q[:1], q[:1])
    with pytest.raises(ShapeError, match="does not broadcast"):
        scaled_dot_product_attention(q, q, q, attn_mask=np.ones((2, 2), bool))
    with pytest.raises(TypeError, match="astype\\(bool\\)"):
        scaled_dot_product_attention(q, q, q, attn_mask=np.ones((3, 3), int))
    with pytest.raises(ValueError, match="NaN"):
        scaled_dot_product_attention(q, q, np.full_like(q, np.nan))
    _, cache = scaled_dot_product_attention_forward(q, q, q)
    with pytest.raises(ShapeError, match=r"expected grad_out of shape \(2, 3, 4\)"):
        scaled_dot_product_attention_backward(np.ones((2, 4, 4)), cache)


# -- MultiHeadAttention ---------------------------------------------------------------------------
def mha_pair(embed_dim, num_heads, causal=False, seed=0, bias=True):
    torch.manual_seed(seed)
    theirs = torch.nn.MultiheadAttention(embed_dim, num_heads, bias=bias, batch_first=True,
                                         dtype=torch.float64)
    with torch.no_grad():  # torch starts biases at 0: randomise so they are tested too
        for p in theirs.parameters():
            p.normal_(0.0, 0.5)
    return MultiHeadAttention.from_torch(theirs, causal=causal), theirs


def torch_grads_as_ours(theirs, num_heads):
    """torch's parameter gradients, renamed and transposed to nnlib's layout."""
    c = theirs.embed_dim
    w, out = theirs.in_proj_weight.grad.numpy(), theirs.out_proj.weight.grad.numpy()
    grads = {f"{n}_proj.weight": w[i * c:(i + 1) * c].T for i, n in enumerate("qkv")}
    grads["out_proj.weight"] = out.T
    if theirs.in_proj_bias is not None:
        b = theirs.in_proj_bias.grad.numpy()
        grads.update({f"{n}_proj.bias": b[i * c:(i + 1) * c] for i, n in enumerate("qkv")})
        grads["out_proj.bias"] = theirs.out_proj.bias.grad.numpy()
    return grads


MASKS = ["none", "causal", "padding", "causal+padding", "float_attn_mask", "bool_per_head"]


def make_masks(kind, b, t_q, t_k, num_heads, rng):
    """(our kwargs, torch kwargs); both use True = blocked here."""
    ours, theirs = {}, {}
    if "padding" in kind:
        pad = np.zeros((b, t_k), bool)
        pad[-1, t_k - 2:] = True  # the last sequence ends with two padding tokens
        ours["key_padding_mask"], theirs["key_padding_mask"] = pad, torch.tensor(pad)
    if "causal" in kind:
        blocked = ~causal_mask(t_q, t_k)
        theirs["attn_mask"] = torch.tensor(blocked)  # torch needs the mask itself
    if kind == "float_attn_mask":
        mask = rng.normal(size=(t_q, t_k))
        ours["attn_mask"], theirs["attn_mask"] = mask, t(mask)
    if kind == "bool_per_head":
        mask = rng.random((b * num_heads, t_q, t_k)) < 0.3
        mask[..., 0] = False
        ours["attn_mask"], theirs["attn_mask"] = mask, torch.tensor(mask)
    return ours, theirs


@pytest.mark.parametrize("num_heads", [1, 2, 4])
@pytest.mark.parametrize("mask_kind", MASKS)
@pytest.mark.parametrize("batch", [1, 3])
def test_mha_matches_torch_values_weights_and_autograd(num_heads, mask_kind, batch):
    c, seq = 8, 5
    rng = np.random.default_rng(num_heads * 10 + batch)
    ours, theirs = mha_pair(c, num_heads, causal="causal" in mask_kind)
    our_masks, torch_masks = make_masks(mask_kind, batch, seq, seq, num_heads, rng)
    x = rng.normal(size=(batch, seq, c))
    y = ours(x, **our_masks)
    xt = t(x, True)
    yt, wt = theirs(xt, xt, xt, need_weights=True, average_attn_weights=False, **torch_masks)
    close(y, yt.detach().numpy())
    close(ours.attn_weights, wt.detach().numpy())
    grad_out = rng.normal(size=y.shape)
    (yt * t(grad_out)).sum().backward()
    close(ours.backward(grad_out), xt.grad.numpy())
    expected = torch_grads_as_ours(theirs, num_heads)
    for name, p in ours.named_parameters():
        close(p.grad, expected[name])


def test_mha_cross_attention_matches_torch():
    rng = np.random.default_rng(3)
    ours, theirs = mha_pair(6, 3)
    query, memory = rng.normal(size=(2, 4, 6)), rng.normal(size=(2, 7, 6))
    pad = np.zeros((2, 7), bool)
    pad[0, 5:] = True
    y = ours(query, memory, memory, key_padding_mask=pad)
    qt, kt, vt = t(query, True), t(memory, True), t(memory, True)
    yt, _ = theirs(qt, kt, vt, key_padding_mask=torch.tensor(pad))
    close(y, yt.detach().numpy())
    grad_out = rng.normal(size=y.shape)
    (yt * t(grad_out)).sum().backward()
    grads = ours.backward(grad_out)
    assert isinstance(grads, tuple) and len(grads) == 3
    for ours_g, theirs_t in zip(grads, (qt, kt, vt)):
        close(ours_g, theirs_t.grad.numpy())


class WithMasks(Module):
    """Self-attention with fixed masks, so gradcheck can call forward(x)."""

    def __init__(self, attention, **masks):
        self.attention, self.masks = attention, masks

    def forward(self, x):
        return self.attention(x, **self.masks)

    def backward(self, grad_out):
        return self.attention.backward(grad_out)


@pytest.mark.parametrize("num_heads,causal", [(1, False), (2, True), (4, True)])
def test_mha_passes_finite_difference_gradcheck(num_heads, causal):
    rng = np.random.default_rng(num_heads)
    layer = MultiHeadAttention(8, num_heads, causal=causal, rng=1).double()
    pad = np.zeros((2, 4), bool)
    pad[1, 3] = True
    report = gradcheck(WithMasks(layer, key_padding_mask=pad), rng.normal(size=(2, 4, 8)))
    assert report.passed
    assert set(report.errors) == {"input"} | {f"attention.{n}" for n, _ in
                                              layer.named_parameters()}


def test_mha_gradients_accumulate_and_default_dtype_is_float32():
    rng = np.random.default_rng(0)
    layer = MultiHeadAttention(4, 2, rng=0)
    assert all(p.dtype == np.float32 for p in layer.parameters())
    x = rng.normal(size=(2, 3, 4))
    y = layer(x)
    assert y.dtype == np.float32 and y.shape == (2, 3, 4)
    assert layer.attn_weights.shape == (2, 2, 3, 3)
    g = rng.normal(size=y.shape)
    layer.backward(g)
    once = layer.q_proj.weight.grad.copy()
    with pytest.raises(NotForwardedError, match="twice for one forward"):
        layer.backward(g)          # would add the gradients twice
    layer(x)
    layer.backward(g)
    close(layer.q_proj.weight.grad, 2 * once, rtol=1e-5)
    assert layer.num_parameters() == 4 * (4 * 4 + 4)


def test_mha_is_permutation_equivariant_without_positions():
    rng = np.random.default_rng(0)
    layer = MultiHeadAttention(8, 2, rng=0).double()
    x = rng.normal(size=(1, 6, 8))
    order = rng.permutation(6)
    close(layer(x[:, order]), layer(x)[:, order])
    causal = MultiHeadAttention(8, 2, causal=True, rng=0).double()
    assert not np.allclose(causal(x[:, order]), causal(x)[:, order])


def test_mha_round_trip_to_torch():
    rng = np.random.default_rng(0)
    layer = MultiHeadAttention(6, 2, rng=0).double()
    x = rng.normal(size=(2, 5, 6))
    theirs = layer.to_torch()
    close(layer(x), theirs(t(x), t(x), t(x))[0].detach().numpy())
    no_bias = MultiHeadAttention(6, 3, bias=False, rng=0)
    again = MultiHeadAttention.from_torch(no_bias.to_torch())
    assert again.q_proj.bias is None
    close(again(x), no_bias(x), rtol=1e-5)


def test_mha_bad_input_gets_clear_messages():
    layer = MultiHeadAttention(8, 2, rng=0)
    with pytest.raises(ValueError, match="divisible by num_heads"):
        MultiHeadAttention(10, 4)
    with pytest.raises(NotForwardedError, match="call forward"):
        layer.backward(np.zeros((1, 3, 8)))
    with pytest.raises(ShapeError, match=r"x\[None\]"):
        layer(np.zeros((3, 8)))
    with pytest.raises(ShapeError, match="last dimension 8"):
        layer(np.zeros((1, 3, 6)))
    with pytest.raises(ShapeError, match=r"key_padding_mask must have shape \(B, Tk\) = \(1, 3\)"):
        layer(np.zeros((1, 3, 8)), key_padding_mask=np.zeros((3,), bool))
    with pytest.raises(ShapeError, match="attn_mask must have shape"):
        layer(np.zeros((1, 3, 8)), attn_mask=np.zeros((2, 3), bool))
    with pytest.raises(ValueError, match="may attend to no key"):
        layer(np.zeros((1, 3, 8)), key_padding_mask=np.ones((1, 3), bool))
    layer(np.zeros((2, 3, 8)))
    with pytest.raises(ShapeError, match=r"expected grad_out of shape \(2, 3, 8\)"):
        layer.backward(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="kdim = vdim"):
        MultiHeadAttention.from_torch(torch.nn.MultiheadAttention(8, 2, kdim=4, vdim=4))


# -- Embedding and LayerNorm -----------------------------------------------------------------------
def test_embedding_matches_torch_with_repeated_ids_and_padding():
    torch.manual_seed(0)
    theirs = torch.nn.Embedding(7, 3, padding_idx=0, dtype=torch.float64)
    ours = Embedding.from_torch(theirs)
    idx = np.array([[1, 2, 1, 0], [6, 1, 1, 3]])  # token 1 appears four times
    y = ours(idx)
    yt = theirs(torch.tensor(idx))
    close(y, yt.detach().numpy())
    g = np.random.default_rng(0).normal(size=y.shape)
    (yt * t(g)).sum().backward()
    assert ours.backward(g) is None
    close(ours.weight.grad, theirs.weight.grad.numpy())
    assert np.all(ours.weight.grad[0] == 0) and np.all(ours.weight.data[0] == 0)
    close(ours.weight.grad[1], g[0, 0] + g[0, 2] + g[1, 1] + g[1, 2])
    close(Embedding.from_torch(ours.to_torch()).weight.data, ours.weight.data)


def test_embedding_weight_gradient_matches_finite_differences():
    ours = Embedding(5, 3, rng=0).double()
    idx = np.array([[0, 4, 4], [2, 0, 1]])
    g = np.random.default_rng(1).normal(size=(2, 3, 3))
    ours(idx)
    ours.backward(g)
    numeric = numerical_gradient(lambda: np.sum(ours(idx) * g), ours.weight.data)
    assert max_relative_error(ours.weight.grad, numeric) < 1e-8


def test_embedding_bad_input():
    emb = Embedding(5, 3, rng=0)
    assert emb.weight.dtype == np.float32
    with pytest.raises(TypeError, match="astype"):
        emb(np.array([[0.0, 1.0]]))
    with pytest.raises(ValueError, match=r"\[0, 4\] \(vocab_size=5\), got values from 0 to 5"):
        emb(np.array([[0, 5]]))
    with pytest.raises(NotForwardedError):
        Embedding(5, 3).backward(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="padding_idx"):
        Embedding(5, 3, padding_idx=5)


def test_layernorm_on_sequences_matches_torch_and_gradcheck():
    rng = np.random.default_rng(0)
    theirs = torch.nn.LayerNorm(6, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.normal_()
        theirs.bias.normal_()
    ours = LayerNorm(6).double()
    ours.weight.data[...] = theirs.weight.detach().numpy()
    ours.bias.data[...] = theirs.bias.detach().numpy()
    x = rng.normal(size=(2, 5, 6)) * 3 + 1
    xt = t(x, True)
    yt = theirs(xt)
    close(ours(x), yt.detach().numpy())
    g = rng.normal(size=x.shape)
    (yt * t(g)).sum().backward()
    close(ours.backward(g), xt.grad.numpy())
    close(ours.weight.grad, theirs.weight.grad.numpy())
    close(ours.bias.grad, theirs.bias.grad.numpy())
    assert gradcheck(LayerNorm(6).double(), x[:1, :3]).passed


# -- positional encodings --------------------------------------------------------------------------
def test_sinusoidal_table_follows_the_formula():
    pe = sinusoidal_positional_encoding(50, 16)
    pos, i = 7, 3
    angle = pos / 10000 ** (2 * i / 16)
    assert pe[pos, 2 * i] == pytest.approx(np.sin(angle))
    assert pe[pos, 2 * i + 1] == pytest.approx(np.cos(angle))
    close(pe[:, 0], np.sin(np.arange(50)))
    odd = sinusoidal_positional_encoding(10, 5)
    assert odd.shape == (10, 5)
    close(odd[:, 3], np.cos(np.arange(10) / 10000 ** (2 / 5)))
    close(odd[:, 4], np.sin(np.arange(10) / 10000 ** (4 / 5)))
    close(sinusoidal_table(50, 16).numpy(), pe, rtol=1e-6, atol=1e-6)  # the torch model's


def test_sinusoidal_similarity_depends_only_on_the_offset():
    pe = sinusoidal_positional_encoding(64, 32)
    sim = pe @ pe.T
    close(np.diag(sim), np.full(64, 16.0))  # |PE[p]|^2 = sum of sin^2 + cos^2 = d / 2
    close(np.diag(sim, 5), np.full(59, sim[0, 5]))
    assert sim[0, 1] > sim[0, 5] > sim[0, 20]


def test_positional_encoding_adds_the_table_and_passes_gradients():
    x = np.random.default_rng(0).normal(size=(2, 6, 8))
    enc = PositionalEncoding(8, max_len=10)
    close(enc(x), x + sinusoidal_positional_encoding(10, 8)[:6])
    assert enc(x.astype(np.float32)).dtype == np.float32
    g = np.ones_like(x)
    close(enc.backward(g), g)
    assert enc.parameters() == []
    with pytest.raises(ShapeError, match="max_len=10"):
        enc(np.zeros((1, 11, 8)))
    with pytest.raises(ShapeError, match=r"x\[None\]"):
        enc(np.zeros((6, 8)))


def test_learned_positions_match_torch_and_gradcheck():
    rng = np.random.default_rng(0)
    ours = LearnedPositionalEmbedding(4, 8, rng=0).double()
    table = t(ours.weight.data, True)
    x = rng.normal(size=(3, 5, 4))
    xt = t(x, True)
    yt = xt + table[:5]
    close(ours(x), yt.detach().numpy())
    g = rng.normal(size=x.shape)
    (yt * t(g)).sum().backward()
    close(ours.backward(g), xt.grad.numpy())
    close(ours.weight.grad, table.grad.numpy())
    assert np.all(ours.weight.grad[5:] == 0)
    assert gradcheck(LearnedPositionalEmbedding(3, 6, rng=1).double(),
                     rng.normal(size=(2, 4, 3))).passed
