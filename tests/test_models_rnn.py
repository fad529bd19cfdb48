"""PyTorch recurrent models of notebook 10: shapes, device-safe initial states (meta device),
state continuation, seeded sampling, batches, losses and a short training run."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from nnlib.data import adding_problem, get_batch
from nnlib.models import rnn as rnn_models
from nnlib.models.rnn import (
    CharRNN,
    SequenceRegressor,
    char_loss,
    last_layer_state,
    next_char_loss,
    regression_loss,
    train_with_adam,
    zeros_state,
)

CELLS = ["rnn", "lstm", "gru"]


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("layers, bidirectional", [(1, False), (2, False), (2, True)])
def test_regressor_predicts_one_number_per_sequence(cell, layers, bidirectional):
    torch.manual_seed(0)
    model = SequenceRegressor(2, 8, cell, num_layers=layers, bidirectional=bidirectional)
    assert model(torch.randn(5, 7, 2)).shape == (5,)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_initial_state_follows_the_input_to_any_device(cell, bidirectional):
    # on the meta device a CPU-only torch.zeros(...) state would raise "not at the same device"
    model = SequenceRegressor(2, 8, cell, num_layers=2, bidirectional=bidirectional).to("meta")
    out = model(torch.empty(4, 6, 2, device="meta"))
    assert out.device.type == "meta" and out.shape == (4,)
    lm = CharRNN(10, 4, 8, cell if cell != "rnn" else "gru").to("meta")
    logits, _ = lm(torch.zeros(3, 5, dtype=torch.long, device="meta"))
    assert logits.device.type == "meta" and logits.shape == (3, 5, 10)


def test_a_cpu_state_really_fails_on_the_meta_device():
    # the check above is only meaningful if torch rejects a state on the wrong device
    rnn = nn.GRU(2, 8, batch_first=True).to("meta")
    with pytest.raises(RuntimeError, match="same device"):
        rnn(torch.empty(4, 6, 2, device="meta"), torch.zeros(1, 4, 8))


def test_zeros_state_shape_dtype_and_lstm_pair():
    lstm = nn.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True,
                   dtype=torch.float64)
    h0, c0 = zeros_state(lstm, torch.ones(4, 6, 3, dtype=torch.float64))
    assert h0.shape == c0.shape == (4, 4, 5)
    assert h0.dtype == torch.float64 and not h0.any() and h0 is not c0
    gru = nn.GRU(3, 5, batch_first=True)
    assert zeros_state(gru, torch.ones(2, 6, 3)).shape == (1, 2, 5)


def test_bidirectional_final_state_is_forward_end_and_backward_start():
    torch.manual_seed(0)
    rnn = nn.GRU(2, 4, num_layers=2, bidirectional=True, batch_first=True)
    x = torch.randn(3, 5, 2)
    out, h_n = rnn(x)
    features = last_layer_state(rnn, h_n)
    # forward direction finished at t = T-1, backward direction finished at t = 0
    torch.testing.assert_close(features, torch.cat([out[:, -1, :4], out[:, 0, 4:]], dim=1))


def test_bad_shapes_and_cells_get_clear_messages():
    with pytest.raises(ValueError, match="cell must be one of"):
        SequenceRegressor(cell="transformer")
    with pytest.raises(ValueError, match=r"\(N, T, 2\).*got \(7, 2\)"):
        SequenceRegressor()(torch.zeros(7, 2))
    lm = CharRNN(10)
    with pytest.raises(TypeError, match="integer token ids"):
        lm(torch.zeros(2, 3))
    with pytest.raises(ValueError, match=r"\[0, 9\].*to 12"):
        lm(torch.tensor([[1, 12]]))
    with pytest.raises(ValueError, match="temperature"):
        lm.generate([1], 5, temperature=-1.0)
    with pytest.raises(ValueError, match="prompt"):
        lm.generate([], 5)
    with pytest.raises(ValueError, match="needs more than block_size=5"):
        get_batch(torch.arange(5), batch_size=2, block_size=5)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_char_model_state_continues_a_sequence(cell):
    torch.manual_seed(0)
    lm = CharRNN(12, 6, 10, cell)
    idx = torch.randint(0, 12, (2, 9))
    whole, _ = lm(idx)
    first, state = lm(idx[:, :4])
    second, _ = lm(idx[:, 4:], state)
    torch.testing.assert_close(torch.cat([first, second], 1), whole)


def test_generation_is_seeded_and_temperature_zero_is_greedy():
    torch.manual_seed(0)
    lm = CharRNN(12, 6, 10)
    a = lm.generate([1, 2], 30, 1.0, generator=torch.Generator().manual_seed(3))
    b = lm.generate([1, 2], 30, 1.0, generator=torch.Generator().manual_seed(3))
    c = lm.generate([1, 2], 30, 1.0, generator=torch.Generator().manual_seed(4))
    assert a == b and a != c and len(a) == 30 and all(0 <= i < 12 for i in a)
    greedy = lm.generate([1, 2], 10, 0.0)
    ids = [1, 2]
    for _ in range(10):   # rerun the whole prefix each time: no state shortcuts
        logits, _ = lm(torch.tensor([ids]))
        ids.append(int(logits[0, -1].argmax()))
    assert greedy == ids[2:]
    assert lm.training  # generate restores the mode


def test_get_batch_targets_are_inputs_shifted_by_one():
    ids = torch.arange(100)
    x, y = get_batch(ids, batch_size=4, block_size=10, generator=torch.Generator().manual_seed(0))
    assert x.shape == y.shape == (4, 10)
    torch.testing.assert_close(y, x + 1)   # ids are 0..99, so the next id is id + 1


def test_char_loss_of_a_uniform_model_is_log_vocab():
    lm = CharRNN(20, 4, 8)
    with torch.no_grad():
        lm.head.weight.zero_()
        lm.head.bias.zero_()
    ids = torch.randint(0, 20, (500,), generator=torch.Generator().manual_seed(0))
    assert char_loss(lm, ids, seq_len=50) == pytest.approx(math.log(20), rel=1e-6)
    assert char_loss(lm, ids, seq_len=50, max_windows=2) == pytest.approx(math.log(20), rel=1e-6)
    with pytest.raises(ValueError, match="more than seq_len"):
        char_loss(lm, ids[:10], seq_len=50)


def test_char_loss_equals_cross_entropy_over_windows():
    torch.manual_seed(1)
    lm = CharRNN(8, 4, 6)
    ids = torch.randint(0, 8, (41,))
    logits, _ = lm(ids[:40].view(4, 10))
    expected = nn.functional.cross_entropy(logits.reshape(-1, 8), ids[1:41])
    assert char_loss(lm, ids, seq_len=10) == pytest.approx(expected.item(), rel=1e-6)
    assert next_char_loss(lm, ids[:40].view(4, 10), ids[1:41].view(4, 10)).item() == \
        pytest.approx(expected.item(), rel=1e-6)


@pytest.fixture
def one_thread():
    # tiny sequential models: on a busy CPU extra threads only wait for each other
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.slow  # a training run: make test runs it, make unit-fast does not
def test_training_clips_every_step_and_learns_the_adding_problem(monkeypatch, one_thread):
    calls = []
    original = nn.utils.clip_grad_norm_

    def spy(params, max_norm):
        calls.append(max_norm)
        return original(params, max_norm)

    monkeypatch.setattr(rnn_models.nn.utils, "clip_grad_norm_", spy)
    inputs, targets = (torch.tensor(a, dtype=torch.float32) for a in adding_problem(512, 8, 0))
    torch.manual_seed(0)
    model = SequenceRegressor(2, 16, "gru")
    g = torch.Generator().manual_seed(0)

    def batch():
        idx = torch.randint(0, 512, (32,), generator=g)
        return inputs[idx], targets[idx]

    losses = train_with_adam(model, batch, regression_loss, steps=150, lr=0.02,
                             clip_grad_norm=0.5)
    assert calls == [0.5] * 150
    with torch.no_grad():
        mse = regression_loss(model, inputs, targets).item()
    assert mse < 0.05 < 1 / 6 and len(losses) == 150 and np.isfinite(losses).all()
    calls.clear()
    train_with_adam(model, batch, regression_loss, steps=3, clip_grad_norm=None)
    assert calls == []


def test_train_with_adam_names_a_wrong_argument():
    model = SequenceRegressor(2, 4, "rnn")

    def batch():
        return torch.zeros(2, 3, 2), torch.zeros(2)

    for kwargs, error, text in (
            ({"steps": None}, TypeError, "steps"),         # would loop forever
            ({"steps": 0}, ValueError, "steps"),
            ({"lr": -1.0}, ValueError, "lr"),
            ({"batch_fn": [batch()]}, TypeError, "batch_fn"),
            ({"clip_grad_norm": 0.0}, ValueError, "clip_grad_norm")):
        arguments = {"model": model, "batch_fn": batch, "loss_fn": regression_loss, "steps": 1,
                     "progress": False, **kwargs}
        with pytest.raises(error, match=text):
            train_with_adam(**arguments)
