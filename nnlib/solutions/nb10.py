"""Worked solutions for notebook 10 (recurrent networks). Format: see ``nb00.py``."""

from __future__ import annotations

from nnlib.solutions import solution


@solution("10.1")
def birnn_forward():
    """Two independent tanh RNNs, each from a zero state. The forward one reads t = 0 .. T-1
    and stores its state at t; the backward one reads t = T-1 .. 0 and also stores its state
    at t, so that position t pairs "everything up to t" with "everything from t on". Then
    concatenate the two (N, T, H) arrays along the feature axis: (N, T, 2H), forward first."""
    import numpy as np

    def run(x, W_x, W_h, b, order):
        N, T, _ = x.shape
        states = np.zeros((N, T, W_h.shape[0]))
        h = np.zeros((N, W_h.shape[0]))
        for t in order:
            h = np.tanh(x[:, t] @ W_x + h @ W_h + b)      # (N, H)
            states[:, t] = h
        return states

    def birnn_forward(x, Wf_x, Wf_h, bf, Wb_x, Wb_h, bb):
        T = x.shape[1]
        forward = run(x, Wf_x, Wf_h, bf, range(T))
        backward = run(x, Wb_x, Wb_h, bb, reversed(range(T)))
        return np.concatenate([forward, backward], axis=-1)

    return birnn_forward


@solution("10.2")
def truncated_grad_W_h():
    """Run the RNN forward and keep every state h_0 .. h_T. Backward from dL/dh_T = G: at
    step t, through the tanh, da = dh * (1 - h_t^2); W_h was used at that step with input
    h_{t-1}, so it collects h_{t-1}^T @ da; the gradient passes on to h_{t-1} as da @ W_h^T.
    Truncation simply stops this loop after k steps (or at t = 1, whichever comes first)."""
    import numpy as np

    def truncated_grad_W_h(x, W_x, W_h, b, G, k):
        N, T, _ = x.shape
        hs = [np.zeros((N, W_h.shape[0]))]                  # h_0
        for t in range(T):
            hs.append(np.tanh(x[:, t] @ W_x + hs[-1] @ W_h + b))
        grad, dh = np.zeros_like(W_h), G
        for t in range(T, max(T - k, 0), -1):               # h_T back to h_{T-k+1}
            da = dh * (1 - hs[t] ** 2)
            grad += hs[t - 1].T @ da
            dh = da @ W_h.T
        return grad

    return truncated_grad_W_h


@solution("10.3")
def lstm_parameters():
    """Four gates (input, forget, cell candidate, output), each with an input weight
    (H x d), a recurrent weight (H x H) and, in PyTorch, two biases (b_ih and b_hh):
    4 (H d + H H + 2 H) = 4 (200 + 400 + 40) = 2,560. PyTorch confirms it."""
    import torch

    d, H = 10, 20
    by_hand = 4 * (H * d + H * H + 2 * H)
    lstm = torch.nn.LSTM(input_size=d, hidden_size=H)
    lstm_parameters = sum(p.numel() for p in lstm.parameters())
    assert lstm_parameters == by_hand
    return lstm_parameters


@solution("10.4")
def gru_cell():
    """Compute both projections once, x W_x + b_x and h W_h + b_h, each (N, 3H), and split
    them into the (r, z, n) thirds. r and z are sigmoids of the sums; the candidate
    n = tanh(x-part + r * h-part): the reset gate multiplies the recurrent part INCLUDING its
    bias (PyTorch's convention). The new state mixes: h' = (1 - z) * n + z * h."""
    import numpy as np

    def sigmoid(a):
        return 1 / (1 + np.exp(-a))

    def gru_cell(x, h, W_x, W_h, b_x, b_h):
        H = h.shape[1]
        gx = x @ W_x + b_x                                  # (N, 3H)
        gh = h @ W_h + b_h                                  # (N, 3H)
        r = sigmoid(gx[:, :H] + gh[:, :H])
        z = sigmoid(gx[:, H:2 * H] + gh[:, H:2 * H])
        n = np.tanh(gx[:, 2 * H:] + r * gh[:, 2 * H:])
        return (1 - z) * n + z * h

    return gru_cell
