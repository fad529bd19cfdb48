"""The toy Transformer of notebook 11: shapes, attention weights, masks, positions, input
checks, the accuracy helper, and that it actually learns to reverse sequences."""

import numpy as np
import pytest
import torch

from nnlib.data import copy_task, reverse_task
from nnlib.models.transformer_toy import (
    ToyTransformer,
    sequence_accuracy,
    token_loss,
    train_toy_transformer,
)


def tiny(positional="sinusoidal", seed=0, **kwargs):
    torch.manual_seed(seed)
    options = dict(d_model=16, num_heads=2, num_layers=2, dim_feedforward=32)
    options.update(kwargs)
    return ToyTransformer(7, 12, positional=positional, **options)


def test_shapes_and_attention_weights():
    model = tiny()
    idx = torch.randint(0, 7, (3, 9))
    logits, attention = model(idx, return_attention=True)
    assert logits.shape == (3, 9, 7)
    assert len(attention) == 2 and attention[0].shape == (3, 2, 9, 9)
    torch.testing.assert_close(attention[1].sum(-1), torch.ones(3, 2, 9))
    torch.testing.assert_close(model(idx), logits)


def test_padding_keys_get_no_attention():
    model = tiny()
    idx = torch.randint(0, 7, (2, 6))
    pad = torch.zeros(2, 6, dtype=torch.bool)
    pad[1, 4:] = True
    _, attention = model(idx, key_padding_mask=pad, return_attention=True)
    for weights in attention:
        assert torch.all(weights[1, :, :, 4:] == 0) and torch.all(weights[0] > 0)


def test_without_positions_the_model_cannot_see_order():
    idx = torch.randint(0, 7, (2, 8), generator=torch.Generator().manual_seed(0))
    order = torch.randperm(8, generator=torch.Generator().manual_seed(1))
    for positional, equivariant in [("none", True), ("sinusoidal", False), ("learned", False)]:
        model = tiny(positional)
        permuted_first = model(idx[:, order])
        permuted_after = model(idx)[:, order]
        assert torch.allclose(permuted_first, permuted_after, atol=1e-5) is equivariant


def test_learned_positions_are_parameters_and_sinusoidal_are_not():
    assert "pos_embed.weight" in dict(tiny("learned").named_parameters())
    model = tiny("sinusoidal")
    assert not any("pos" in name for name, _ in model.named_parameters())
    assert "pos_table" not in model.state_dict()


def test_bad_input_is_explained():
    model = tiny()
    with pytest.raises(TypeError, match="integer token ids"):
        model(torch.zeros(2, 3))
    with pytest.raises(ValueError, match=r"\[0, 6\]"):
        model(torch.full((1, 3), 7))
    with pytest.raises(ValueError, match="max_len=12"):
        model(torch.zeros(1, 13, dtype=torch.long))
    with pytest.raises(ValueError, match="positional"):
        ToyTransformer(7, 12, positional="rotary")
    with pytest.raises(ValueError, match="divisible"):
        ToyTransformer(7, 12, d_model=10, num_heads=4)
    with pytest.raises(ValueError, match=r"\(N, T\)"):
        train_toy_transformer(model, np.zeros((4, 3), np.int64), np.zeros((4, 2), np.int64), 1)


class Echo(torch.nn.Module):
    """Predicts its own input tokens (one-hot logits)."""

    def __init__(self):
        super().__init__()
        self.dummy = torch.nn.Parameter(torch.zeros(1))

    def forward(self, idx):
        return torch.nn.functional.one_hot(idx, 10).float()


def test_sequence_accuracy_counts_tokens_and_whole_sequences():
    inputs, targets = copy_task(50, 6, 10, seed=0)
    assert sequence_accuracy(Echo(), inputs, targets) == (1.0, 1.0)
    inputs, targets = reverse_task(50, 6, 10, seed=0)
    right = inputs == targets
    token, sequence = sequence_accuracy(Echo(), inputs, targets)
    assert token == pytest.approx(right.mean()) and sequence == pytest.approx(right.all(1).mean())


@pytest.fixture
def one_thread():
    """Tiny models train faster on one thread (and far faster on a busy machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.slow  # a training run: make test runs it, make unit-fast does not
def test_training_is_seeded_and_learns_to_reverse(one_thread):
    inputs, targets = reverse_task(2000, 6, 7, seed=0)
    test_inputs, test_targets = reverse_task(300, 6, 7, seed=1)
    model = tiny(d_model=32, dim_feedforward=64)
    before = token_loss(model, torch.as_tensor(inputs), torch.as_tensor(targets)).item()
    losses = train_toy_transformer(model, inputs, targets, steps=150, seed=0)
    assert len(losses) == 150 and losses[-1] < 0.2 * before
    token, sequence = sequence_accuracy(model, test_inputs, test_targets)
    assert token > 0.95 and sequence > 0.8
    again = train_toy_transformer(tiny(d_model=32, dim_feedforward=64), inputs, targets,
                                  steps=5, seed=0)
    assert again == losses[:5]
