"""The NumPy GPT against nnlib.models.gpt.GPT: logits, loss and every parameter gradient
(float64, torch.autograd), the tied embedding's two gradient halves, finite differences,
bad input."""

import numpy as np
import pytest
import torch

from nnlib.models.gpt import GPT as TorchGPT
from nnlib.models.gpt import GPTConfig
from nnlib.scratch import GPT, NotForwardedError, ShapeError
from nnlib.scratch.gradcheck import max_relative_error, numerical_gradient

CONFIG = dict(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=16, dropout=0.0)


def make_pair(seed=0, scale=0.3, **overrides):
    """A float64 torch GPT with large random weights (not GPT-2's tiny init, which would
    leave LayerNorm gradients near 0 and make the comparison weak) and its NumPy copy."""
    torch.manual_seed(seed)
    theirs = TorchGPT(GPTConfig(**{**CONFIG, **overrides})).double()
    with torch.no_grad():
        for p in theirs.parameters():
            p.add_(scale * torch.randn_like(p))
    return GPT.from_torch(theirs), theirs


def batch(rng, b=3, t=8, vocab=11):
    return rng.integers(0, vocab, size=(b, t)), rng.integers(0, vocab, size=(b, t))


@pytest.mark.parametrize("t", [8, 5, 1])
def test_logits_loss_and_every_gradient_match_torch_autograd(t):
    ours, theirs = make_pair()
    idx, targets = batch(np.random.default_rng(t), t=t)
    logits, loss = ours(idx, targets)
    ours.backward()

    logits_t, loss_t = theirs(torch.from_numpy(idx), torch.from_numpy(targets))
    loss_t.backward()
    assert logits.shape == (3, t, 11) and logits.dtype == np.float64
    assert np.max(np.abs(logits - logits_t.detach().numpy())) < 1e-10
    assert isinstance(loss, float) and loss == pytest.approx(loss_t.item(), rel=1e-12)

    grads = ours.torch_layout("grad")
    expected = {name: p.grad.numpy() for name, p in theirs.named_parameters()}
    assert grads.keys() == expected.keys()
    for name, grad in expected.items():
        assert np.abs(grad).max() > 1e-8, f"{name}: torch's gradient is ~0, a weak comparison"
        np.testing.assert_allclose(grads[name], grad, rtol=1e-6, atol=1e-12, err_msg=name)


def test_weights_are_copied_in_torch_layout_and_independent():
    ours, theirs = make_pair()
    weights = ours.torch_layout("data")
    for name, p in theirs.named_parameters():
        np.testing.assert_array_equal(weights[name], p.detach().numpy(), err_msg=name)
    # a Linear weight is (in, out) in nnlib, (out, in) in torch
    assert ours.transformer.h[0].attn.c_attn.weight.shape == (16, 48)
    ours.transformer.wte.weight.data[...] = 0.0
    assert theirs.transformer.wte.weight.abs().max() > 0


def test_tied_embedding_gets_the_lookup_and_the_output_layer_gradients():
    ours, theirs = make_pair(seed=1)
    idx, targets = batch(np.random.default_rng(2))
    ours(idx, targets)
    ours.backward()

    # untie a torch copy: its two matrices then hold the two halves separately
    untied = TorchGPT(theirs.config).double()
    untied.load_state_dict(theirs.state_dict())
    untied.lm_head.weight = torch.nn.Parameter(theirs.lm_head.weight.detach().clone())
    _, loss = untied(torch.from_numpy(idx), torch.from_numpy(targets))
    loss.backward()
    from_lookup = untied.transformer.wte.weight.grad.numpy()
    from_output = untied.lm_head.weight.grad.numpy()
    assert np.abs(from_lookup).max() > 1e-6 and np.abs(from_output).max() > 1e-6
    tied_grad = ours.transformer.wte.weight.grad
    np.testing.assert_allclose(tied_grad, from_lookup + from_output, rtol=1e-6, atol=1e-12)
    assert not np.allclose(tied_grad, from_output) and not np.allclose(tied_grad, from_lookup)


def test_backward_of_any_upstream_gradient_matches_torch():
    ours, theirs = make_pair(seed=2)
    rng = np.random.default_rng(3)
    idx, _ = batch(rng, t=6)
    logits, loss = ours(idx)
    assert loss is None
    grad_logits = rng.normal(size=logits.shape)
    assert ours.backward(grad_logits) is None

    logits_t, _ = theirs(torch.from_numpy(idx))
    (logits_t * torch.from_numpy(grad_logits)).sum().backward()
    grads = ours.torch_layout("grad")
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(grads[name], p.grad.numpy(), rtol=1e-6, atol=1e-12,
                                   err_msg=name)


def test_gradients_accumulate_until_zero_grad():
    ours, _ = make_pair()
    idx, targets = batch(np.random.default_rng(4))
    ours(idx, targets)
    ours.backward()
    once = ours.torch_layout("grad")
    ours(idx, targets)
    ours.backward()
    for name, grad in ours.torch_layout("grad").items():
        np.testing.assert_allclose(grad, 2 * once[name], rtol=1e-12, atol=0, err_msg=name)
    ours.zero_grad()
    assert all(not p.grad.any() for p in ours.parameters())


@pytest.mark.parametrize("name", ["transformer.wte.weight", "transformer.wpe.weight",
                                  "transformer.h.0.attn.c_attn.bias",
                                  "transformer.h.1.mlp.c_fc.bias", "transformer.h.1.ln_2.weight"])
def test_gradients_match_centred_finite_differences(name):
    ours, _ = make_pair(seed=3)
    idx, targets = batch(np.random.default_rng(5), b=2, t=4)
    param = dict(ours.named_parameters())[name]
    ours(idx, targets)
    ours.backward()
    numeric = numerical_gradient(lambda: ours(idx, targets)[1], param.data)
    assert max_relative_error(param.grad, numeric) < 1e-6


def test_fresh_model_uses_gpt2_init_and_float32():
    model = GPT(GPTConfig(vocab_size=50, block_size=16, n_layer=3, n_head=2, n_embd=32), rng=0)
    params = dict(model.named_parameters())
    assert all(p.dtype == np.float32 for p in params.values())
    assert params["transformer.wte.weight"].data.std() == pytest.approx(0.02, rel=0.1)
    c_proj = params["transformer.h.0.mlp.c_proj.weight"].data
    assert c_proj.std() == pytest.approx(0.02 / np.sqrt(6), rel=0.1)
    assert not params["transformer.h.0.attn.c_attn.bias"].data.any()
    np.testing.assert_array_equal(params["transformer.ln_f.weight"].data, 1.0)
    same = GPT(GPTConfig(vocab_size=50, block_size=16, n_layer=3, n_head=2, n_embd=32), rng=0)
    np.testing.assert_array_equal(same.transformer.wte.weight.data, params[
        "transformer.wte.weight"].data)
    logits, loss = model(np.zeros((2, 16), dtype=np.int64), np.ones((2, 16), dtype=np.int64))
    assert logits.dtype == np.float32 and loss == pytest.approx(np.log(50), rel=0.05)


def test_float32_copy_matches_a_float32_torch_model():
    torch.manual_seed(0)
    theirs = TorchGPT(GPTConfig(**CONFIG))
    ours = GPT.from_torch(theirs)
    assert ours.transformer.wte.weight.dtype == np.float32
    idx, targets = batch(np.random.default_rng(6))
    logits, loss = ours(idx, targets)
    logits_t, loss_t = theirs(torch.from_numpy(idx), torch.from_numpy(targets))
    np.testing.assert_allclose(logits, logits_t.detach().numpy(), rtol=1e-4, atol=1e-5)
    assert loss == pytest.approx(loss_t.item(), rel=1e-5)


def test_bad_input_gets_a_clear_message():
    ours, _ = make_pair()
    with pytest.raises(TypeError, match=r"idx must be integer token ids, got dtype float64"):
        ours(np.zeros((2, 4)))                       # floats, not ids
    with pytest.raises(ShapeError, match=r"idx of shape 2 dimensions, got shape \(4,\)"):
        ours(np.zeros(4, dtype=np.int64))            # no batch axis
    with pytest.raises(ShapeError, match="block_size=8"):
        ours(np.zeros((1, 9), dtype=np.int64))
    with pytest.raises(ValueError, match=r"\[0, 10\]"):
        ours(np.full((1, 3), 11))
    with pytest.raises(ShapeError, match="targets must have the shape of idx"):
        ours(np.zeros((2, 4), dtype=np.int64), np.zeros((2, 3), dtype=np.int64))


def test_backward_without_forward_or_loss_explains_what_to_do():
    ours, _ = make_pair()
    with pytest.raises(NotForwardedError, match="call forward"):
        ours.backward()
    ours(np.zeros((2, 4), dtype=np.int64))
    with pytest.raises(ValueError, match="no targets"):
        ours.backward()
    with pytest.raises(ShapeError, match=r"\(2, 4, 11\)"):
        ours.backward(np.zeros((2, 4, 10)))


def test_from_torch_rejects_what_it_cannot_copy():
    with pytest.raises(TypeError, match="nnlib.models.gpt.GPT"):
        GPT.from_torch(torch.nn.Linear(2, 3))
    torch.manual_seed(0)
    with pytest.raises(ValueError, match="bias=True"):
        GPT.from_torch(TorchGPT(GPTConfig(**{**CONFIG, "bias": False})))
    untied = TorchGPT(GPTConfig(**CONFIG))
    untied.lm_head.weight = torch.nn.Parameter(untied.lm_head.weight.detach().clone())
    with pytest.raises(ValueError, match="untied"):
        GPT.from_torch(untied)
    with pytest.raises(ValueError, match="divisible"):
        GPT(GPTConfig(n_head=3, n_embd=16))
