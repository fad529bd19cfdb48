"""NumPy RNN, LSTM and GRU against torch.nn (outputs and autograd, float64) and finite
differences; bad input; the gradient-norm measurement used in notebook 10."""

import numpy as np
import pytest
import torch

from nnlib.scratch import GRU, LSTM, RNN, NonFiniteError, NotForwardedError, ShapeError
from nnlib.scratch.gradcheck import max_relative_error, numerical_gradient
from nnlib.scratch.recurrent import (
    gru_step,
    hidden_gradient_norms,
    lstm_step,
    rnn_step,
    spectral_radius,
    with_spectral_radius,
)

N, T, D, H = 3, 6, 4, 5

CASES = {
    "rnn_tanh": lambda: torch.nn.RNN(D, H, batch_first=True, dtype=torch.float64),
    "rnn_relu": lambda: torch.nn.RNN(D, H, nonlinearity="relu", batch_first=True,
                                     dtype=torch.float64),
    "lstm": lambda: torch.nn.LSTM(D, H, batch_first=True, dtype=torch.float64),
    "gru": lambda: torch.nn.GRU(D, H, batch_first=True, dtype=torch.float64),
}
OURS = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}


def make_pair(case, seed=0):
    torch.manual_seed(seed)
    theirs = CASES[case]()
    ours = OURS[type(theirs).__name__].from_torch(theirs)
    return ours, theirs


def random_state(ours, rng, n=N):
    state = tuple(rng.normal(size=(n, H)) for _ in ours.state_names)
    return state if len(state) > 1 else state[0]


def torch_state(state):
    if isinstance(state, tuple):
        return tuple(torch.tensor(s[None], requires_grad=True) for s in state)
    return torch.tensor(state[None], requires_grad=True)


def as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


@pytest.mark.parametrize("case", list(CASES))
def test_outputs_and_gradients_match_torch_autograd(case):
    ours, theirs = make_pair(case)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(N, T, D))
    state0 = random_state(ours, rng)
    out, final = ours(x, state0)

    x_t = torch.tensor(x, requires_grad=True)
    state0_t = torch_state(state0)
    out_t, final_t = theirs(x_t, state0_t)
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    for a, b in zip(as_tuple(final), as_tuple(final_t)):
        np.testing.assert_allclose(a, b.detach().numpy()[0], rtol=1e-10, atol=1e-12)

    # a loss that reads every output and the final state(s)
    g_out = rng.normal(size=out.shape)
    g_final = tuple(rng.normal(size=(N, H)) for _ in ours.state_names)
    loss = (out_t * torch.tensor(g_out)).sum()
    loss = loss + sum((f[0] * torch.tensor(g)).sum()
                      for f, g in zip(as_tuple(final_t), g_final))
    loss.backward()
    grad_x = ours.backward(g_out, g_final if len(g_final) > 1 else g_final[0])

    np.testing.assert_allclose(grad_x, x_t.grad.numpy(), rtol=1e-9, atol=1e-12)
    for ours_g0, s in zip(as_tuple(ours.grad_state0), as_tuple(state0_t)):
        np.testing.assert_allclose(ours_g0, s.grad.numpy()[0], rtol=1e-9, atol=1e-12)
    grads = {name: p.grad.numpy() for name, p in theirs.named_parameters()}
    np.testing.assert_allclose(ours.weight_x.grad, grads["weight_ih_l0"].T, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.weight_h.grad, grads["weight_hh_l0"].T, rtol=1e-9, atol=1e-12)
    if isinstance(ours, GRU):
        np.testing.assert_allclose(ours.bias_x.grad, grads["bias_ih_l0"], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(ours.bias_h.grad, grads["bias_hh_l0"], rtol=1e-9, atol=1e-12)
    else:  # one bias stands for b_ih + b_hh, which always get the same gradient
        np.testing.assert_allclose(grads["bias_ih_l0"], grads["bias_hh_l0"])
        np.testing.assert_allclose(ours.bias.grad, grads["bias_ih_l0"], rtol=1e-9, atol=1e-12)


def test_weight_layout_by_hand():
    # independent of from_torch: copy torch's weights by hand, transposed, biases summed
    torch.manual_seed(3)
    theirs = torch.nn.RNN(D, H, batch_first=True, dtype=torch.float64)
    p = {name: v.detach().numpy() for name, v in theirs.named_parameters()}
    x = np.random.default_rng(0).normal(size=(N, T, D))
    h = np.zeros((N, H))
    for t in range(T):
        h = np.tanh(x[:, t] @ p["weight_ih_l0"].T + h @ p["weight_hh_l0"].T
                    + p["bias_ih_l0"] + p["bias_hh_l0"])
    out_t, h_n = theirs(torch.tensor(x))
    np.testing.assert_allclose(h, h_n.detach().numpy()[0], rtol=1e-12)
    ours = RNN.from_torch(theirs)
    np.testing.assert_allclose(ours.weight_x.data, p["weight_ih_l0"].T)
    np.testing.assert_allclose(ours.bias.data, p["bias_ih_l0"] + p["bias_hh_l0"])


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_to_torch_round_trip_and_default_dtype(cls):
    ours = cls(D, H, rng=0)
    assert ours.weight_x.dtype == np.float32
    theirs = ours.to_torch()
    assert theirs.weight_ih_l0.dtype == torch.float32 and theirs.batch_first
    x = np.random.default_rng(0).normal(size=(N, T, D)).astype(np.float32)
    np.testing.assert_allclose(ours(x)[0], theirs(torch.from_numpy(x))[0].detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    back = cls.from_torch(theirs)
    np.testing.assert_allclose(back(x)[0], ours(x)[0], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("case", list(CASES))
def test_gradients_match_finite_differences(case):
    ours, _ = make_pair(case, seed=5)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 4, D))
    state0 = random_state(ours, rng, n=2)
    states = list(as_tuple(state0))
    g_out = rng.normal(size=(2, 4, H))
    if case == "rnn_relu":  # finite differences are meaningless within eps of ReLU's kink
        h = states[0]
        for t in range(4):
            z = x[:, t] @ ours.weight_x.data + h @ ours.weight_h.data + ours.bias.data
            assert np.abs(z).min() > 1e-4
            h = np.maximum(z, 0)

    def f():
        out, _ = ours(x, tuple(states) if len(states) > 1 else states[0])
        return np.sum(out * g_out)

    ours.zero_grad()
    f()
    grad_x = ours.backward(g_out)
    assert max_relative_error(grad_x, numerical_gradient(f, x)) < 1e-7
    for name, p in ours.named_parameters():
        assert max_relative_error(p.grad, numerical_gradient(f, p.data)) < 1e-7, name
    for analytic, s in zip(as_tuple(ours.grad_state0), states):
        assert max_relative_error(analytic, numerical_gradient(f, s)) < 1e-7


def test_grad_hidden_is_the_total_gradient_wrt_each_hidden_state():
    # dL/dh_t including everything that flows back from later steps: compare with an
    # unrolled torch loop where each h_t keeps its gradient
    ours = RNN(D, H, rng=4, dtype=np.float64)
    rng = np.random.default_rng(4)
    x = rng.normal(size=(N, T, D))
    g_out = rng.normal(size=(N, T, H))
    ours(x)
    ours.backward(g_out)
    W_x, W_h, b = (torch.tensor(p.data, requires_grad=True)
                   for p in ours.parameters())
    h = torch.zeros(N, H, dtype=torch.float64)
    hs = []
    for t in range(T):
        h = torch.tanh(torch.tensor(x[:, t]) @ W_x + h @ W_h + b)
        h.retain_grad()
        hs.append(h)
    (torch.stack(hs, 1) * torch.tensor(g_out)).sum().backward()
    expected = torch.stack([h.grad for h in hs], 1).numpy()
    np.testing.assert_allclose(ours.grad_hidden, expected, rtol=1e-10, atol=1e-12)


def test_step_functions_equal_the_modules_first_step():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, 1, D))
    h0, c0 = rng.normal(size=(N, H)), rng.normal(size=(N, H))
    rnn, lstm, gru = (cls(D, H, rng=1, dtype=np.float64) for cls in (RNN, LSTM, GRU))
    np.testing.assert_allclose(rnn(x, h0)[1], rnn_step(x[:, 0], h0, *(p.data for p in
                                                                        rnn.parameters())))
    h, c, gates = lstm_step(x[:, 0], h0, c0, *(p.data for p in lstm.parameters()))
    out_h, out_c = lstm(x, (h0, c0))[1]
    np.testing.assert_allclose(out_h, h)
    np.testing.assert_allclose(out_c, c)
    assert len(gates) == 4 and all(g.shape == (N, H) for g in gates)
    np.testing.assert_allclose(gru(x, h0)[1], gru_step(x[:, 0], h0, *(p.data for p in
                                                                       gru.parameters()))[0])


def test_gradients_accumulate_like_pytorch():
    rnn = RNN(D, H, rng=0, dtype=np.float64)
    x = np.random.default_rng(0).normal(size=(N, T, D))
    g = np.ones((N, T, H))
    rnn(x)
    rnn.backward(g)
    once = rnn.weight_h.grad.copy()
    rnn(x)
    rnn.backward(g)
    np.testing.assert_allclose(rnn.weight_h.grad, 2 * once)
    rnn.zero_grad()
    assert not rnn.weight_h.grad.any()


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_backward_before_forward_says_what_to_do(cls):
    with pytest.raises(NotForwardedError, match="call forward"):
        cls(D, H).backward(np.zeros((N, T, H)))


def test_bad_inputs_get_clear_messages():
    rnn = RNN(D, H)
    with pytest.raises(ShapeError, match=r"\(N, T, 4\).*got shape \(6, 4\).*x\[None\]"):
        rnn(np.zeros((T, D)))
    with pytest.raises(ShapeError, match="last dimension 4"):
        rnn(np.zeros((N, T, 3)))
    with pytest.raises(ValueError, match="NaN"):
        rnn(np.full((N, T, D), np.nan))
    with pytest.raises(ShapeError, match="T = 0"):
        rnn(np.zeros((N, 0, D)))
    with pytest.raises(ShapeError, match=r"PyTorch's \(1, N, H\).*h0\[0\]"):
        rnn(np.zeros((N, T, D)), np.zeros((1, N, H)))
    with pytest.raises(ShapeError, match=r"expected h0 of shape \(3, 5\)"):
        rnn(np.zeros((N, T, D)), np.zeros((N, H + 1)))
    with pytest.raises(TypeError, match=r"tuple \(h, c\)"):
        LSTM(D, H)(np.zeros((N, T, D)), np.zeros((N, H)))
    rnn(np.zeros((N, T, D)))
    with pytest.raises(ShapeError, match=r"grad_out of shape \(3, 6, 5\)"):
        rnn.backward(np.zeros((N, T, D)))
    with pytest.raises(ValueError, match="nonlinearity must be one of 'tanh', 'relu'"):
        RNN(D, H, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="hidden_size must be an int >= 1"):
        GRU(D, 0)
    with pytest.raises(TypeError, match="needs a torch.nn.LSTM"):
        LSTM.from_torch(torch.nn.GRU(D, H, batch_first=True))
    with pytest.raises(ValueError, match="batch_first=True"):
        RNN.from_torch(torch.nn.RNN(D, H))
    with pytest.raises(ValueError, match="one layer"):
        RNN.from_torch(torch.nn.RNN(D, H, num_layers=2, batch_first=True))


def test_integer_input_is_cast_to_the_weights_dtype():
    out, _ = GRU(2, 3, rng=0)(np.ones((1, 2, 2), dtype=np.int64))
    assert out.dtype == np.float32


def test_spectral_radius_rescaling():
    W = np.random.default_rng(0).normal(size=(8, 8))
    for r in (0.5, 1.0, 1.5):
        assert spectral_radius(with_spectral_radius(W, r)) == pytest.approx(r)
    assert spectral_radius(np.diag([0.5, -2.0])) == pytest.approx(2.0)
    with pytest.raises(ShapeError, match="square"):
        spectral_radius(np.ones((2, 3)))
    with pytest.raises(ValueError, match="spectral radius 0"):
        with_spectral_radius(np.zeros((3, 3)), 1.0)


def test_gradients_vanish_below_radius_one_and_explode_above():
    small = hidden_gradient_norms(0.5, 60)
    large = hidden_gradient_norms(1.5, 60)
    assert small.shape == large.shape == (60,)
    assert small[-1] == pytest.approx(1.0) and large[-1] == pytest.approx(1.0)
    assert small[0] < 1e-12          # 0.5^59 ~ 2e-18, times tanh' <= 1
    assert large[0] > 10
    assert np.all(np.diff(np.log(small)) > 0)   # shrinks monotonically going back in time


def test_gradient_norms_match_a_torch_measurement():
    radius, steps, hidden = 0.9, 12, 6
    norms = hidden_gradient_norms(radius, steps, hidden_size=hidden, batch_size=4, seed=3)
    # rebuild the same network and data from the same seed
    rng = np.random.default_rng(3)
    rnn = RNN(1, hidden, rng=rng, dtype=np.float64)
    W = rng.standard_normal((hidden, hidden)) / np.sqrt(hidden)
    W_h = torch.tensor(with_spectral_radius(W, radius), requires_grad=True)
    x = rng.standard_normal((4, steps, 1))
    G = torch.tensor(rng.standard_normal((4, hidden)) / 4)
    W_x, b = torch.tensor(rnn.weight_x.data), torch.tensor(rnn.bias.data)
    h = torch.zeros(4, hidden, dtype=torch.float64)
    hs = []
    for t in range(steps):
        h = torch.tanh(torch.tensor(x[:, t]) @ W_x + h @ W_h + b)
        h.retain_grad()
        hs.append(h)
    (hs[-1] * G).sum().backward()
    expected = np.array([h.grad.norm().item() for h in hs])
    np.testing.assert_allclose(norms, expected / expected[-1], rtol=1e-10)


def test_gradient_norms_reject_silly_radius():
    with pytest.raises(ValueError, match="radius must be a finite number > 0"):
        hidden_gradient_norms(0.0, 10)
    with pytest.raises(NonFiniteError, match="radius must be a finite number > 0, got nan"):
        hidden_gradient_norms(float("nan"), 10)
