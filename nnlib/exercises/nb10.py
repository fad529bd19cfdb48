"""Checks for notebook 10 (recurrent networks). Each calls the learner's function on random
inputs and compares it with nnlib's NumPy layers (themselves tested against torch.nn)."""

from __future__ import annotations

import numpy as np

from nnlib.exercises import checker


def _rnn_case(seed: int, n: int = 3, steps: int = 5, d: int = 4, hidden: int = 6):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, steps, d)), rng.normal(size=(n, hidden)),
            rng.normal(size=(d, hidden)) * 0.5, rng.normal(size=(hidden, hidden)) * 0.5,
            rng.normal(size=hidden) * 0.1)


def _birnn_reference(x, Wf_x, Wf_h, bf, Wb_x, Wb_h, bb):
    n, steps, _ = x.shape
    hidden = Wf_h.shape[0]
    forward, backward = np.zeros((n, steps, hidden)), np.zeros((n, steps, hidden))
    h = np.zeros((n, hidden))
    for t in range(steps):
        h = np.tanh(x[:, t] @ Wf_x + h @ Wf_h + bf)
        forward[:, t] = h
    h = np.zeros((n, hidden))
    for t in reversed(range(steps)):
        h = np.tanh(x[:, t] @ Wb_x + h @ Wb_h + bb)
        backward[:, t] = h
    return forward, backward


@checker("10.1")
def birnn_forward(fn):
    """``birnn(x (N, T, d), Wf_x, Wf_h, bf, Wb_x, Wb_h, bb) -> (N, T, 2H)``: a bidirectional
    tanh RNN from zero states; at step t, [forward state after x_1..x_t, backward state after
    x_T..x_t]."""
    for seed in (0, 1):
        rng = np.random.default_rng(seed)
        n, steps, d, hidden = 3, 5, 4, 6
        x = rng.normal(size=(n, steps, d))
        weights = []
        for _ in range(2):
            weights += [rng.normal(size=(d, hidden)) * 0.5, rng.normal(size=(hidden, hidden)) * 0.5,
                        rng.normal(size=hidden) * 0.1]
        forward, backward = _birnn_reference(x, *weights)
        want = np.concatenate([forward, backward], axis=-1)
        got = np.asarray(fn(x.copy(), *[w.copy() for w in weights]))
        if got.shape != want.shape:
            return False, (f"return both directions side by side, shape (N, T, 2H) = "
                           f"{want.shape}; got {got.shape}")
        if np.allclose(got, want, atol=1e-10):
            continue
        if not np.allclose(got[..., :hidden], forward, atol=1e-10):
            return False, ("the first H features (the forward direction) are wrong: an ordinary "
                           "RNN from h = 0 reading x[:, 0], x[:, 1], ...")
        if np.allclose(got[..., hidden:], backward[:, ::-1], atol=1e-10):
            return False, ("the backward states are in reading order: store the state computed "
                           "from x[:, t] at position t, so position 0 holds the state that has "
                           "read the whole sequence")
        same_weights = _birnn_reference(x, *weights[:3], *weights[:3])[1]
        if np.allclose(got[..., hidden:], same_weights, atol=1e-10):
            return False, "the backward direction has its own weights: Wb_x, Wb_h, bb"
        return False, ("the backward half is wrong: start from h = 0 at the last step and walk "
                       "t = T-1, ..., 0 with Wb_x, Wb_h, bb")
    return True, "the same as torch.nn.RNN(bidirectional=True) with these weights"


def _truncated_reference(x, W_x, W_h, b, G, k):
    n, steps, _ = x.shape
    hs = [np.zeros((n, W_h.shape[0]))]
    for t in range(steps):
        hs.append(np.tanh(x[:, t] @ W_x + hs[-1] @ W_h + b))
    grad, dh = np.zeros_like(W_h), G
    for t in range(steps, max(steps - k, 0), -1):        # h_T back to h_{T-k+1}
        da = dh * (1 - hs[t] ** 2)
        grad += hs[t - 1].T @ da
        dh = da @ W_h.T
    return grad


@checker("10.2")
def truncated_bptt(fn):
    """``grad(x (N, T, d), W_x, W_h, b, G (N, H), k) -> dL/dW_h`` for L = sum(h_T * G), with
    the gradient sent back through at most k steps (truncated BPTT)."""
    rng = np.random.default_rng(10)
    n, steps, d, hidden = 3, 6, 2, 4
    x = rng.normal(size=(n, steps, d))
    W_x, W_h = rng.normal(size=(d, hidden)) * 0.5, rng.normal(size=(hidden, hidden)) * 0.6
    b, G = rng.normal(size=hidden) * 0.1, rng.normal(size=(n, hidden))
    for k in (2, 1, 4, steps + 3):
        want = _truncated_reference(x, W_x, W_h, b, G, k)
        got = np.asarray(fn(x.copy(), W_x.copy(), W_h.copy(), b.copy(), G.copy(), k))
        if got.shape != W_h.shape:
            return False, f"return dL/dW_h, shape (H, H) = {W_h.shape}; got {got.shape}"
        if np.allclose(got, want, atol=1e-10):
            continue
        if k < steps and np.allclose(got, _truncated_reference(x, W_x, W_h, b, G, steps)):
            return False, (f"with k={k} you returned the full BPTT gradient: stop after k steps "
                           "back from T (the terms of steps T, T-1, ..., T-k+1 only)")
        for other in (k - 1, k + 1):
            if other >= 0 and np.allclose(got, _truncated_reference(x, W_x, W_h, b, G, other)):
                return False, (f"with k={k} your sum has the terms of {other} steps: count "
                               "step T itself as the first of the k")
        return False, ("wrong values; each step back: da = dh * (1 - h_t**2), "
                       "dW_h += h_{t-1}.T @ da, dh = da @ W_h.T, starting from dh = G at T")
    return True, ("truncated BPTT: the gradient of the last k steps, what training on "
                  "windows of length k computes when the state is carried over (h.detach())")


@checker("10.3")
def lstm_parameter_count(answer):
    """How many parameters does ``torch.nn.LSTM(input_size=10, hidden_size=20)`` have?"""
    d, h = 10, 20
    expected = 4 * (h * d + h * h + 2 * h)
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return False, f"give the count as a number (e.g. 1234), got {answer!r}"
    if value != int(value):
        return False, f"a parameter count is a whole number, got {answer!r}"
    answer = int(value)
    if answer == expected:
        return True, (f"{expected:,}: four gates, each with W_ih (20x10), W_hh (20x20) and "
                      "PyTorch's two biases b_ih, b_hh")
    if answer == 4 * (h * d + h * h + h):
        return False, "close: PyTorch keeps two bias vectors per gate (b_ih and b_hh)"
    if answer == h * d + h * h + 2 * h:
        return False, "that is one gate; an LSTM has four (i, f, g, o)"
    if answer == 4 * (h * d + h * h):
        return False, "add the biases: PyTorch has b_ih and b_hh for every gate"
    return False, ("count weight_ih (4H x input), weight_hh (4H x H), bias_ih and bias_hh "
                   "(4H each); or build the module and sum p.numel() over its parameters()")


@checker("10.4")
def gru_cell(fn):
    """``gru_cell(x (N, d), h (N, H), W_x (d, 3H), W_h (H, 3H), b_x, b_h) -> (N, H)``,
    gate order (r, z, n) and torch.nn.GRU's equations."""
    from nnlib.scratch.recurrent import gru_step

    rng = np.random.default_rng(4)
    n, d, hidden = 3, 4, 5
    x, h = rng.normal(size=(n, d)), rng.normal(size=(n, hidden))
    W_x, W_h = rng.normal(size=(d, 3 * hidden)), rng.normal(size=(hidden, 3 * hidden))
    b_x, b_h = rng.normal(size=3 * hidden), rng.normal(size=3 * hidden)
    want, (r, z, n_gate, ah_n) = gru_step(x, h, W_x, W_h, b_x, b_h)
    got = np.asarray(fn(x.copy(), h.copy(), W_x, W_h, b_x, b_h))
    if got.shape != want.shape:
        return False, f"the new state has shape (N, H) = {want.shape}, got {got.shape}"
    if np.allclose(got, want, atol=1e-10):
        return True, "your GRU cell matches torch.nn.GRU's equations"
    if np.allclose(got, z * n_gate + (1 - z) * h, atol=1e-10):
        return False, ("z and 1 - z are swapped: PyTorch keeps the old state with z, "
                       "h' = (1 - z) * n + z * h")
    ax, ah = x @ W_x + b_x, h @ W_h + b_h
    z_first = 1 / (1 + np.exp(-(ax[:, :hidden] + ah[:, :hidden])))          # z read from r's block
    r_second = 1 / (1 + np.exp(-(ax[:, hidden:2 * hidden] + ah[:, hidden:2 * hidden])))
    n_swapped = np.tanh(ax[:, 2 * hidden:] + r_second * ah[:, 2 * hidden:])
    if np.allclose(got, (1 - z_first) * n_swapped + z_first * h, atol=1e-10):
        return False, ("r and z are read from each other's blocks: PyTorch's order is "
                       "(r, z, n), so r = columns [0:H], z = [H:2H], n = [2H:3H]")
    ax_n = ax[:, 2 * hidden:]
    h_n_outside = np.tanh(ax_n + r * (h @ W_h[:, 2 * hidden:]) + (b_h[2 * hidden:]))
    if np.allclose(got, (1 - z) * h_n_outside + z * h, atol=1e-10):
        return False, ("b_hn goes inside the reset product: n = tanh(x W_xn + b_xn + "
                       "r * (h W_hn + b_hn))")
    return False, ("split the pre-activations into (r, z, n) thirds along the last axis; "
                   "r and z use a sigmoid, n a tanh; h' = (1 - z) * n + z * h")
