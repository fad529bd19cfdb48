"""Each notebook-10 checker accepts a right answer and rejects wrong ones with a hint."""

import numpy as np
import torch

from nnlib.exercises import evaluate
from nnlib.scratch.recurrent import gru_step


def rnn_forward(x, h0, W_x, W_h, b):  # noqa: N803
    h, states = h0, []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ W_x + h @ W_h + b)
        states.append(h)
    return np.stack(states, axis=1)


def test_10_1_rnn_forward():
    assert evaluate("10.1", rnn_forward)[0] is True

    def always_h0(x, h0, W_x, W_h, b):  # noqa: N803
        return np.stack([np.tanh(x[:, t] @ W_x + h0 @ W_h + b) for t in range(x.shape[1])], 1)
    passed, message = evaluate("10.1", always_h0)
    assert passed is False and "carry the state" in message

    passed, message = evaluate("10.1", lambda *args: rnn_forward(*args)[:, -1])
    assert passed is False and "every hidden state" in message

    def no_bias(x, h0, W_x, W_h, b):  # noqa: N803
        return rnn_forward(x, h0, W_x, W_h, 0 * b)
    passed, message = evaluate("10.1", no_bias)
    assert passed is False and "h_1 is already wrong" in message


def clip(grads, max_norm):
    total = np.sqrt(sum(np.sum(g**2) for g in grads))
    return [g * min(1.0, max_norm / total) for g in grads]


def test_10_2_clip_by_global_norm():
    assert evaluate("10.2", clip)[0] is True
    # the same as torch's, on the same numbers
    grads = [np.arange(6.0).reshape(2, 3), np.ones(3)]
    params = [torch.zeros(2, 3, dtype=torch.float64, requires_grad=True),
              torch.zeros(3, dtype=torch.float64, requires_grad=True)]
    for p, g in zip(params, grads):
        p.grad = torch.tensor(g)
    torch.nn.utils.clip_grad_norm_(params, 2.0)
    for mine, p in zip(clip(grads, 2.0), params):
        np.testing.assert_allclose(mine, p.grad.numpy(), rtol=1e-5)

    passed, message = evaluate("10.2", lambda gs, m: [g * m / np.linalg.norm(g) for g in gs])
    assert passed is False and "clipped each array on its own" in message

    def always_rescale(gs, m):
        total = np.sqrt(sum(np.sum(g**2) for g in gs))
        return [g * m / total for g in gs]
    passed, message = evaluate("10.2", always_rescale)
    assert passed is False and "never scale up" in message


def test_10_3_lstm_parameter_count():
    right = sum(p.numel() for p in torch.nn.LSTM(10, 20).parameters())
    assert evaluate("10.3", right)[0] is True
    assert "two bias vectors" in evaluate("10.3", 4 * (200 + 400 + 20))[1]
    assert "four" in evaluate("10.3", 200 + 400 + 40)[1]
    assert evaluate("10.3", 12345)[0] is False


def gru_cell(x, h, W_x, W_h, b_x, b_h):  # noqa: N803
    H = h.shape[1]  # noqa: N806
    ax, ah = x @ W_x + b_x, h @ W_h + b_h
    r = 1 / (1 + np.exp(-(ax[:, :H] + ah[:, :H])))
    z = 1 / (1 + np.exp(-(ax[:, H:2 * H] + ah[:, H:2 * H])))
    n = np.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
    return (1 - z) * n + z * h


def test_10_4_gru_cell():
    assert evaluate("10.4", gru_cell)[0] is True
    # the reference itself equals torch.nn.GRUCell
    rng = np.random.default_rng(0)
    cell = torch.nn.GRUCell(4, 5, dtype=torch.float64)
    x, h = rng.normal(size=(3, 4)), rng.normal(size=(3, 5))
    want = cell(torch.tensor(x), torch.tensor(h)).detach().numpy()
    got, _ = gru_step(x, h, cell.weight_ih.detach().numpy().T, cell.weight_hh.detach().numpy().T,
                      cell.bias_ih.detach().numpy(), cell.bias_hh.detach().numpy())
    np.testing.assert_allclose(got, want, rtol=1e-10)

    def swapped(x, h, W_x, W_h, b_x, b_h):  # noqa: N803
        new = gru_cell(x, h, W_x, W_h, b_x, b_h)
        H = h.shape[1]  # noqa: N806
        z = 1 / (1 + np.exp(-((x @ W_x + b_x)[:, H:2 * H] + (h @ W_h + b_h)[:, H:2 * H])))
        n = (new - z * h) / (1 - z)
        return z * n + (1 - z) * h
    passed, message = evaluate("10.4", swapped)
    assert passed is False and "swapped" in message

    def bias_outside(x, h, W_x, W_h, b_x, b_h):  # noqa: N803
        H = h.shape[1]  # noqa: N806
        ax, ah = x @ W_x + b_x, h @ W_h + b_h
        r = 1 / (1 + np.exp(-(ax[:, :H] + ah[:, :H])))
        z = 1 / (1 + np.exp(-(ax[:, H:2 * H] + ah[:, H:2 * H])))
        n = np.tanh(ax[:, 2 * H:] + r * (h @ W_h[:, 2 * H:]) + b_h[2 * H:])
        return (1 - z) * n + z * h
    passed, message = evaluate("10.4", bias_outside)
    assert passed is False and "inside the reset product" in message

    passed, message = evaluate("10.4", lambda x, h, *w: np.tanh(x @ w[0])[:, :h.shape[1]])
    assert passed is False and "split the pre-activations" in message


def test_10_3_rejects_non_integer_and_non_numbers():
    right = sum(p.numel() for p in torch.nn.LSTM(10, 20).parameters())
    assert evaluate("10.3", str(right))[0] is True
    passed, message = evaluate("10.3", right + 0.9)
    assert passed is False and "whole number" in message
    passed, message = evaluate("10.3", "many")
    assert passed is False and "as a number" in message


def test_10_4_names_swapped_gate_blocks():
    def r_z_swapped(x, h, W_x, W_h, b_x, b_h):  # noqa: N803
        H = h.shape[1]  # noqa: N806
        ax, ah = x @ W_x + b_x, h @ W_h + b_h
        z = 1 / (1 + np.exp(-(ax[:, :H] + ah[:, :H])))
        r = 1 / (1 + np.exp(-(ax[:, H:2 * H] + ah[:, H:2 * H])))
        n = np.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
        return (1 - z) * n + z * h
    passed, message = evaluate("10.4", r_z_swapped)
    assert passed is False and "(r, z, n)" in message
