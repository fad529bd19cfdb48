"""nnlib's optimizers take exactly the steps torch.optim takes (float64, 30 steps)."""

import math

import numpy as np
import pytest
import torch

from nnlib.scratch.module import Module, Parameter
from nnlib.scratch.optim import SGD, Adam, AdamW, RMSprop, clip_grad_norm_

STEPS = 30
SHAPES = [(3, 4), (5,)]


def _problem(seed=0):
    """Starting points and the coefficients of f(p) = sum(a/2 p^2 + c sin(p)) per parameter."""
    rng = np.random.default_rng(seed)
    starts = [rng.normal(size=s) for s in SHAPES]
    coefs = [(rng.uniform(0.5, 2.0, size=s), rng.normal(size=s)) for s in SHAPES]
    return starts, coefs


def _grad(p, a, c):
    return a * p + c * np.cos(p)


def _run_both(nn_cls, torch_cls, kwargs, lr_changes=None):
    """Run both optimizers STEPS times on the same loss; return the two trajectories."""
    starts, coefs = _problem()
    ours = [Parameter(s) for s in starts]
    theirs = [torch.tensor(s, dtype=torch.float64, requires_grad=True) for s in starts]
    opt_ours, opt_theirs = nn_cls(ours, **kwargs), torch_cls(theirs, **kwargs)
    path_ours, path_theirs = [], []
    for t in range(STEPS):
        if lr_changes and t in lr_changes:
            opt_ours.lr = lr_changes[t]
            for group in opt_theirs.param_groups:
                group["lr"] = lr_changes[t]
        opt_ours.zero_grad()
        opt_theirs.zero_grad()
        for p, q, (a, c) in zip(ours, theirs, coefs, strict=True):
            p.grad += _grad(p.data, a, c)
            q.grad = torch.from_numpy(_grad(q.detach().numpy(), a, c))
        opt_ours.step()
        opt_theirs.step()
        path_ours.append(np.concatenate([p.data.ravel() for p in ours]))
        path_theirs.append(np.concatenate([q.detach().numpy().ravel() for q in theirs]))
    return np.array(path_ours), np.array(path_theirs)


CASES = [
    (SGD, torch.optim.SGD, dict(lr=0.05)),
    (SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.9)),
    (SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.9, dampening=0.3)),
    (SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    (SGD, torch.optim.SGD, dict(lr=0.05, weight_decay=0.1)),
    (SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1)),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.01)),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.01, alpha=0.9, eps=1e-6)),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.01, momentum=0.9)),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.01, centered=True)),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.01, centered=True, momentum=0.5)),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.01, weight_decay=0.1, momentum=0.5, centered=True)),
    (Adam, torch.optim.Adam, dict(lr=0.05)),
    (Adam, torch.optim.Adam, dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6)),
    (Adam, torch.optim.Adam, dict(lr=0.05, weight_decay=0.1)),
    (AdamW, torch.optim.AdamW, dict(lr=0.05)),
    (AdamW, torch.optim.AdamW, dict(lr=0.05, weight_decay=0.3, betas=(0.5, 0.9))),
    (AdamW, torch.optim.AdamW, dict(lr=0.05, weight_decay=0.0)),
]


@pytest.mark.parametrize("nn_cls, torch_cls, kwargs", CASES,
                         ids=[f"{c[0].__name__}-{c[2]}" for c in CASES])
def test_matches_torch_step_by_step(nn_cls, torch_cls, kwargs):
    ours, theirs = _run_both(nn_cls, torch_cls, kwargs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    assert not np.allclose(ours[0], ours[-1])  # the parameters really moved


@pytest.mark.parametrize("nn_cls, torch_cls, kwargs", [CASES[3], CASES[11], CASES[14], CASES[16]])
def test_lr_changed_between_steps_matches_torch(nn_cls, torch_cls, kwargs):
    ours, theirs = _run_both(nn_cls, torch_cls, kwargs, lr_changes={10: 0.02, 20: 0.001})
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_adam_and_adamw_differ_with_weight_decay():
    adam, _ = _run_both(Adam, torch.optim.Adam, dict(lr=0.05, weight_decay=0.3))
    adamw, _ = _run_both(AdamW, torch.optim.AdamW, dict(lr=0.05, weight_decay=0.3))
    assert np.max(np.abs(adam[-1] - adamw[-1])) > 1e-3


def test_float32_parameters_stay_float32():
    p = Parameter(np.ones((2, 3), dtype=np.float32))
    for opt in (SGD([p], lr=0.1, momentum=0.9), RMSprop([p]), Adam([p]), AdamW([p])):
        p.grad[...] = 0.5
        opt.step()
        assert p.data.dtype == np.float32 and p.grad.dtype == np.float32


def test_zero_grad_clears_every_gradient():
    params = [Parameter(np.ones(3)), Parameter(np.ones((2, 2)))]
    for p in params:
        p.grad += 7.0
    SGD(params, lr=0.1).zero_grad()
    assert all(np.all(p.grad == 0) for p in params)


def test_state_dict_round_trip_resumes_identically():
    starts, coefs = _problem()
    params = [Parameter(s) for s in starts]
    opt = Adam(params, lr=0.05)

    def run(n):
        for _ in range(n):
            opt.zero_grad()
            for p, (a, c) in zip(params, coefs, strict=True):
                p.grad += _grad(p.data, a, c)
            opt.step()

    run(5)
    saved_opt, saved_params = opt.state_dict(), [p.data.copy() for p in params]
    run(5)
    first = [p.data.copy() for p in params]
    opt.load_state_dict(saved_opt)
    for p, s in zip(params, saved_params, strict=True):
        p.data[...] = s
    run(5)
    for p, f in zip(params, first, strict=True):
        np.testing.assert_array_equal(p.data, f)


def test_accepts_a_module_instead_of_its_parameters():
    class Scale(Module):
        def __init__(self):
            self.w = Parameter(np.ones(3))

    model = Scale()
    opt = SGD(model, lr=0.5)
    model.w.grad[...] = 1.0
    opt.step()
    np.testing.assert_array_equal(model.w.data, np.full(3, 0.5))


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    rng = np.random.default_rng(1)
    grads = [rng.normal(size=s) for s in SHAPES]
    ours = [Parameter(np.zeros(s)) for s in SHAPES]
    theirs = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in SHAPES]
    for p, q, g in zip(ours, theirs, grads, strict=True):
        p.grad[...] = g
        q.grad = torch.tensor(g)
    total = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    total_torch = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert total == pytest.approx(float(total_torch), rel=1e-12)
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-12)
    clipped = max_norm < total
    assert clipped == (not np.allclose(ours[0].grad, grads[0]))


# -- bad input gets a message that says what to fix ------------------------------------------
def _params():
    return [Parameter(np.zeros(2))]


@pytest.mark.parametrize("make, error, words", [
    (lambda: SGD(_params(), lr=-0.1), ValueError, "lr must be a finite number >= 0"),
    (lambda: SGD(_params(), lr=float("nan")), ValueError, "lr must be"),
    (lambda: SGD(_params(), lr="0.1"), TypeError, "lr must be a finite number"),
    (lambda: SGD(_params(), lr=0.1, nesterov=True), ValueError, "nesterov=True needs momentum"),
    (lambda: SGD([], lr=0.1), ValueError, "empty parameter list"),
    (lambda: SGD(np.zeros(3), lr=0.1), TypeError, "wrap it in a list"),
    (lambda: SGD([np.zeros(3)], lr=0.1), TypeError, "not a Parameter"),
    (lambda: SGD(5, lr=0.1), TypeError, "model.parameters()"),
    (lambda: SGD(_params() * 2, lr=0.1), ValueError, "more than once"),
    (lambda: Adam(_params(), betas=(1.0, 0.999)), ValueError,
     r"betas[0] must be a finite number in [0, 1)"),
    (lambda: Adam(_params(), betas=(0.9, -0.1)), ValueError, "betas[1]"),
    (lambda: Adam(_params(), betas=(0.9,)), ValueError, "pair"),
    (lambda: AdamW(_params(), weight_decay=-1), ValueError, "weight_decay"),
    (lambda: RMSprop(_params(), alpha=1.5), ValueError, "alpha must be a finite number in [0, 1]"),
    (lambda: clip_grad_norm_(_params(), max_norm=-1.0), ValueError, "max_norm"),
])
def test_bad_hyperparameters_are_refused_clearly(make, error, words):
    with pytest.raises(error) as info:
        make()
    assert words in str(info.value)


def test_clip_grad_norm_can_refuse_nonfinite_norms():
    p = Parameter(np.zeros(2))
    p.grad[0] = np.inf
    with pytest.raises(RuntimeError, match="lower the learning rate"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
