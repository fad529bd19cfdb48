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


@checker("10.1")
def rnn_forward(fn):
    """``rnn_forward(x (N, T, d), h0 (N, H), W_x, W_h, b) -> (N, T, H)``, every h_t."""
    from nnlib.scratch.recurrent import RNN

    for seed in (0, 1):
        x, h0, W_x, W_h, b = _rnn_case(seed)  # noqa: N806
        reference = RNN(W_x.shape[0], W_x.shape[1], dtype=np.float64)
        for p, value in zip(reference.parameters(), (W_x, W_h, b)):
            p.data[...] = value
        want, _ = reference(x, h0)
        got = np.asarray(fn(x.copy(), h0.copy(), W_x, W_h, b))
        if got.shape != want.shape:
            return False, (f"return every hidden state, shape (N, T, H) = {want.shape}; got "
                           f"{got.shape}. Stack the h_t along axis 1")
        if np.allclose(got, want, atol=1e-10):
            continue
        only_h0 = np.tanh(x @ W_x + (h0 @ W_h)[:, None, :] + b)
        if np.allclose(got, only_h0, atol=1e-10):
            return False, ("every step used h0: carry the state, h = tanh(x_t @ W_x + h @ W_h "
                           "+ b), then use that new h at the next step")
        if np.allclose(got[:, 0], want[:, 0], atol=1e-10):
            return False, ("step 1 is right but later steps are not: is h updated inside the "
                           "loop, and is x indexed along the time axis (x[:, t])?")
        return False, ("h_1 is already wrong: h_1 = tanh(x[:, 0] @ W_x + h0 @ W_h + b), with "
                       "x batch first (N, T, d)")
    return True, "your loop matches nnlib's RNN (and so torch.nn.RNN) at every step"


@checker("10.2")
def clip_by_global_norm(fn):
    """``clip(grads: list of arrays, max_norm) -> list``, scaled together like
    ``torch.nn.utils.clip_grad_norm_``."""
    rng = np.random.default_rng(2)
    for max_norm, scale in ((1.0, 10.0), (5.0, 0.1), (0.5, 3.0)):
        grads = [rng.normal(size=(4, 3)) * scale, rng.normal(size=3) * scale]
        total = np.sqrt(sum(np.sum(g**2) for g in grads))
        factor = min(1.0, max_norm / total)
        got = fn([g.copy() for g in grads], max_norm)
        if got is None or len(got) != len(grads):
            return False, "return the list of clipped gradients, one array per input array"
        got = [np.asarray(g) for g in got]
        if any(g.shape != w.shape for g, w in zip(got, grads)):
            return False, "each clipped gradient keeps the shape of its input"
        if all(np.allclose(g, w * factor, rtol=1e-6) for g, w in zip(got, grads)):
            continue
        if total <= max_norm:
            return False, (f"the total norm {total:.3f} is already below max_norm={max_norm}: "
                           "leave the gradients unchanged (never scale up)")
        per_array = [w * min(1.0, max_norm / np.linalg.norm(w)) for w in grads]
        if all(np.allclose(g, p, rtol=1e-6) for g, p in zip(got, per_array)):
            return False, ("you clipped each array on its own; clip them together: one norm "
                           "over all entries of all arrays, one common scale factor")
        return False, ("scale every array by max_norm / total_norm, where total_norm = "
                       "sqrt(sum of all squared entries of all arrays)")
    return True, "same as clip_grad_norm_: the direction is kept, only the length is capped"


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
    W_x, W_h = rng.normal(size=(d, 3 * hidden)), rng.normal(size=(hidden, 3 * hidden))  # noqa: N806
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
