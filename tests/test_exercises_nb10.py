"""Each notebook-10 checker accepts a right answer and rejects wrong ones with a hint."""

import numpy as np
import torch

from nnlib.exercises import evaluate
from nnlib.scratch.recurrent import gru_step


def rnn_states(x, W_x, W_h, b, reverse=False):
    h, states = np.zeros((x.shape[0], W_h.shape[0])), {}
    order = reversed(range(x.shape[1])) if reverse else range(x.shape[1])
    for t in order:
        h = np.tanh(x[:, t] @ W_x + h @ W_h + b)
        states[t] = h
    return np.stack([states[t] for t in range(x.shape[1])], axis=1)


def birnn(x, Wf_x, Wf_h, bf, Wb_x, Wb_h, bb):
    return np.concatenate([rnn_states(x, Wf_x, Wf_h, bf),
                           rnn_states(x, Wb_x, Wb_h, bb, reverse=True)], axis=-1)


def test_10_1_bidirectional_rnn():
    assert evaluate("10.1", birnn)[0] is True
    # the same as torch's bidirectional RNN with copied weights
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 5, 3))
    torch.manual_seed(0)
    net = torch.nn.RNN(3, 4, batch_first=True, bidirectional=True, dtype=torch.float64)
    weights = []
    for suffix in ("", "_reverse"):
        weights += [getattr(net, f"weight_ih_l0{suffix}").detach().numpy().T,
                    getattr(net, f"weight_hh_l0{suffix}").detach().numpy().T,
                    (getattr(net, f"bias_ih_l0{suffix}") + getattr(net, f"bias_hh_l0{suffix}"))
                    .detach().numpy()]
    np.testing.assert_allclose(birnn(x, *weights), net(torch.from_numpy(x))[0].detach().numpy(),
                               atol=1e-12)

    def reading_order(x, *w):
        out = birnn(x, *w)
        out[..., out.shape[-1] // 2:] = out[:, ::-1, out.shape[-1] // 2:]
        return out
    passed, message = evaluate("10.1", reading_order)
    assert passed is False and "reading order" in message

    def shared(x, Wf_x, Wf_h, bf, Wb_x, Wb_h, bb):
        return birnn(x, Wf_x, Wf_h, bf, Wf_x, Wf_h, bf)
    passed, message = evaluate("10.1", shared)
    assert passed is False and "own weights" in message

    passed, message = evaluate("10.1", lambda x, *w: rnn_states(x, *w[:3]))
    assert passed is False and "(N, T, 2H)" in message


def truncated(x, W_x, W_h, b, G, k):
    hs = [np.zeros((x.shape[0], W_h.shape[0]))]
    for t in range(x.shape[1]):
        hs.append(np.tanh(x[:, t] @ W_x + hs[-1] @ W_h + b))
    grad, dh = np.zeros_like(W_h), G
    T = x.shape[1]
    for t in range(T, max(T - k, 0), -1):
        da = dh * (1 - hs[t] ** 2)
        grad += hs[t - 1].T @ da
        dh = da @ W_h.T
    return grad


def test_10_2_truncated_bptt():
    assert evaluate("10.2", truncated)[0] is True
    # with k >= T it is full BPTT: the same as torch.autograd
    rng = np.random.default_rng(1)
    x, W_x, W_h = rng.normal(size=(2, 4, 3)), rng.normal(size=(3, 5)), rng.normal(size=(5, 5))
    b, G = rng.normal(size=5), rng.normal(size=(2, 5))
    W_h_t = torch.tensor(W_h, requires_grad=True)
    h = torch.zeros(2, 5, dtype=torch.float64)
    for t in range(4):
        h = torch.tanh(torch.tensor(x[:, t]) @ torch.tensor(W_x) + h @ W_h_t + torch.tensor(b))
    (h * torch.tensor(G)).sum().backward()
    np.testing.assert_allclose(truncated(x, W_x, W_h, b, G, 10), W_h_t.grad.numpy())

    passed, message = evaluate("10.2", lambda *a: truncated(*a[:5], 100))
    assert passed is False and "full BPTT" in message
    passed, message = evaluate("10.2", lambda *a: truncated(*a[:5], a[5] + 1))
    assert passed is False and "count step T itself" in message
    passed, message = evaluate("10.2", lambda *a: truncated(*a) * 2)
    assert passed is False and "wrong values" in message


def test_10_3_lstm_parameter_count():
    right = sum(p.numel() for p in torch.nn.LSTM(10, 20).parameters())
    assert evaluate("10.3", right)[0] is True
    assert "two bias vectors" in evaluate("10.3", 4 * (200 + 400 + 20))[1]
    assert "four" in evaluate("10.3", 200 + 400 + 40)[1]
    assert evaluate("10.3", 12345)[0] is False


def gru_variant(x, h, W_x, W_h, b_x, b_h, *, swap_rz=False, bias_outside=False):
    """A GRU cell with the r and z blocks swapped or b_h's n block outside the reset product
    (wrong answers for 10.4); with neither it is right."""
    H = h.shape[1]
    ax, ah = x @ W_x + b_x, h @ W_h + b_h
    r = 1 / (1 + np.exp(-(ax[:, :H] + ah[:, :H])))
    z = 1 / (1 + np.exp(-(ax[:, H:2 * H] + ah[:, H:2 * H])))
    if swap_rz:
        r, z = z, r
    if bias_outside:
        n = np.tanh(ax[:, 2 * H:] + r * (h @ W_h[:, 2 * H:]) + b_h[2 * H:])
    else:
        n = np.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
    return (1 - z) * n + z * h


def test_10_4_gru_cell(solved):
    gru_cell = solved("10.4")
    assert evaluate("10.4", gru_cell)[0] is True
    assert evaluate("10.4", gru_variant)[0] is True
    # the reference itself equals torch.nn.GRUCell
    rng = np.random.default_rng(0)
    cell = torch.nn.GRUCell(4, 5, dtype=torch.float64)
    x, h = rng.normal(size=(3, 4)), rng.normal(size=(3, 5))
    want = cell(torch.tensor(x), torch.tensor(h)).detach().numpy()
    got, _ = gru_step(x, h, cell.weight_ih.detach().numpy().T, cell.weight_hh.detach().numpy().T,
                      cell.bias_ih.detach().numpy(), cell.bias_hh.detach().numpy())
    np.testing.assert_allclose(got, want, rtol=1e-10)

    def swapped(x, h, W_x, W_h, b_x, b_h):
        new = gru_cell(x, h, W_x, W_h, b_x, b_h)
        H = h.shape[1]
        z = 1 / (1 + np.exp(-((x @ W_x + b_x)[:, H:2 * H] + (h @ W_h + b_h)[:, H:2 * H])))
        n = (new - z * h) / (1 - z)
        return z * n + (1 - z) * h
    passed, message = evaluate("10.4", swapped)
    assert passed is False and "swapped" in message

    passed, message = evaluate("10.4", lambda *a: gru_variant(*a, bias_outside=True))
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
    passed, message = evaluate("10.4", lambda *a: gru_variant(*a, swap_rz=True))
    assert passed is False and "(r, z, n)" in message
