"""Every schedule gives torch.optim.lr_scheduler's learning rates, step by step."""

import math
import warnings

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as tsched

from nnlib.scratch.lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    OneCycleLR,
    StepLR,
    WarmupCosineLR,
    lr_schedule_values,
)
from nnlib.scratch.module import Parameter
from nnlib.scratch.optim import SGD, Adam, RMSprop

BASE_LR = 0.1
STEPS = 40


def _torch_opt(kind="sgd"):
    param = [torch.zeros(1, requires_grad=True)]
    if kind == "adam":
        return torch.optim.Adam(param, lr=BASE_LR)
    return torch.optim.SGD(param, lr=BASE_LR, momentum=0.9)


def _nn_opt(kind="sgd"):
    param = [Parameter(np.zeros(1))]
    if kind == "adam":
        return Adam(param, lr=BASE_LR)
    return SGD(param, lr=BASE_LR, momentum=0.9)


def _sequences(make_ours, make_theirs, steps=STEPS, kind="sgd"):
    """lr (and momentum or beta1) at steps 0..steps-1 for both libraries."""
    opt, topt = _nn_opt(kind), _torch_opt(kind)
    ours, theirs = make_ours(opt), make_theirs(topt)
    key = "betas" if kind == "adam" else "momentum"
    ours_lr, theirs_lr, ours_m, theirs_m = [], [], [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's note about its deprecated epoch argument
        for _ in range(steps):
            ours_lr.append(ours.get_last_lr()[0])
            theirs_lr.append(theirs.get_last_lr()[0])
            ours_m.append(opt.betas[0] if kind == "adam" else opt.momentum)
            value = topt.param_groups[0][key]
            theirs_m.append(value[0] if kind == "adam" else value)
            assert opt.lr == ours_lr[-1]
            opt.step()
            topt.step()
            ours.step()
            theirs.step()
    return (np.array(ours_lr), np.array(theirs_lr)), (np.array(ours_m), np.array(theirs_m))


SIMPLE = [
    ("StepLR", lambda o: StepLR(o, step_size=7), lambda o: tsched.StepLR(o, step_size=7)),
    ("StepLR-gamma", lambda o: StepLR(o, 5, gamma=0.5), lambda o: tsched.StepLR(o, 5, gamma=0.5)),
    ("ExponentialLR", lambda o: ExponentialLR(o, 0.9), lambda o: tsched.ExponentialLR(o, 0.9)),
    # T_max < STEPS: the curve goes past its minimum and rises again, as in torch
    ("Cosine", lambda o: CosineAnnealingLR(o, T_max=25),
     lambda o: tsched.CosineAnnealingLR(o, T_max=25)),
    ("Cosine-eta_min", lambda o: CosineAnnealingLR(o, T_max=40, eta_min=0.01),
     lambda o: tsched.CosineAnnealingLR(o, T_max=40, eta_min=0.01)),
]


@pytest.mark.parametrize("name, ours, theirs", SIMPLE, ids=[s[0] for s in SIMPLE])
def test_simple_schedules_match_torch(name, ours, theirs):
    (a, b), _ = _sequences(ours, theirs)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    assert len(np.unique(np.round(a, 12))) > 3  # the schedule really changes the lr


def _torch_warmup_cosine(opt, warmup, total, min_lr):
    warm = tsched.LinearLR(opt, start_factor=1 / (warmup + 1), end_factor=1.0,
                           total_iters=warmup)
    cosine = tsched.CosineAnnealingLR(opt, T_max=total - warmup, eta_min=min_lr)
    return tsched.SequentialLR(opt, [warm, cosine], milestones=[warmup])


@pytest.mark.parametrize("warmup, total, min_lr", [(5, 40, 0.0), (10, 40, 1e-3), (1, 35, 0.0)])
def test_warmup_cosine_matches_torch_sequential_linear_then_cosine(warmup, total, min_lr):
    (a, b), _ = _sequences(lambda o: WarmupCosineLR(o, warmup, total, min_lr),
                           lambda o: _torch_warmup_cosine(o, warmup, total, min_lr), steps=total)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    assert a[warmup] == pytest.approx(BASE_LR) and a.max() == pytest.approx(BASE_LR)
    assert a[0] == pytest.approx(BASE_LR / (warmup + 1))


def test_warmup_cosine_matches_torch_lambda_lr_and_ends_at_min_lr():
    warmup, total = 6, 40

    def factor(t):
        if t < warmup:
            return (t + 1) / (warmup + 1)
        return 0.5 * (1 + math.cos(math.pi * (t - warmup) / (total - warmup)))

    (a, b), _ = _sequences(lambda o: WarmupCosineLR(o, warmup, total),
                           lambda o: tsched.LambdaLR(o, factor), steps=total)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    values = lr_schedule_values(lambda o: WarmupCosineLR(o, warmup, total, min_lr=0.002),
                                total + 5)
    np.testing.assert_allclose(values[total:], 0.002)


def test_warmup_zero_is_plain_cosine():
    a = lr_schedule_values(lambda o: WarmupCosineLR(o, 0, 30), 30)
    b = lr_schedule_values(lambda o: CosineAnnealingLR(o, 30), 30)
    np.testing.assert_allclose(a, b, rtol=1e-14)


ONE_CYCLE = [
    dict(),
    dict(pct_start=0.25, anneal_strategy="linear"),
    dict(three_phase=True),
    dict(three_phase=True, anneal_strategy="linear", div_factor=10.0, final_div_factor=100.0),
    dict(pct_start=0.5, base_momentum=0.8, max_momentum=0.9),
]


@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize("kwargs", ONE_CYCLE, ids=[str(k) for k in ONE_CYCLE])
def test_one_cycle_lr_and_momentum_match_torch(kwargs, kind):
    total = 40

    def ours(o):
        return OneCycleLR(o, max_lr=0.5, total_steps=total, **kwargs)

    def theirs(o):
        return tsched.OneCycleLR(o, max_lr=0.5, total_steps=total, **kwargs)

    (a, b), (m, tm) = _sequences(ours, theirs, steps=total, kind=kind)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(m, tm, rtol=1e-12)
    assert a.max() == pytest.approx(0.5, rel=0.02) and m.min() < m[0]


def test_one_cycle_without_momentum_cycling_leaves_momentum_alone():
    opt = SGD([Parameter(np.zeros(1))], lr=0.1, momentum=0.7)
    sched = OneCycleLR(opt, max_lr=1.0, total_steps=20, cycle_momentum=False)
    for _ in range(19):
        sched.step()
        assert opt.momentum == 0.7


def test_one_cycle_refuses_to_run_past_total_steps():
    opt = _nn_opt()
    sched = OneCycleLR(opt, max_lr=1.0, total_steps=10)
    for _ in range(10):
        sched.step()
    with pytest.raises(ValueError, match="total_steps is 10"):
        sched.step()


def test_scheduled_optimizer_moves_like_torch():
    """Schedule + momentum together: the weights follow torch's over 30 steps."""
    rng = np.random.default_rng(0)
    grads = rng.normal(size=(30, 4))
    p = Parameter(np.zeros(4))
    q = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    opt, topt = SGD([p], lr=0.1, momentum=0.9), torch.optim.SGD([q], lr=0.1, momentum=0.9)
    sched = OneCycleLR(opt, max_lr=0.3, total_steps=30)
    tsch = tsched.OneCycleLR(topt, max_lr=0.3, total_steps=30)
    for g in grads:
        p.grad[...] = g
        q.grad = torch.tensor(g)
        opt.step()
        topt.step()
        sched.step()
        tsch.step()
    np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-10)


def test_lr_schedule_values_shape_and_first_value():
    values = lr_schedule_values(lambda o: StepLR(o, 3, gamma=0.5), 7, lr=0.8)
    assert values.shape == (7,)
    np.testing.assert_allclose(values, [0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2])


@pytest.mark.parametrize("make, error, words", [
    (lambda o: StepLR(o, step_size=0), ValueError, "step_size must be an int >= 1"),
    (lambda o: StepLR(o, step_size=2.5), TypeError, "step_size must be an int >= 1"),
    (lambda o: StepLR(o, step_size=2, gamma=0), ValueError,
     r"gamma must be a finite number in (0, 1]"),
    (lambda o: ExponentialLR(o, gamma=10), ValueError, "did you mean 0.1"),
    (lambda o: CosineAnnealingLR(o, T_max=-3), ValueError, "T_max"),
    (lambda o: WarmupCosineLR(o, 10, 10), ValueError, "must be larger than warmup_steps"),
    (lambda o: OneCycleLR(o, 1.0, 10, anneal_strategy="cosine"), ValueError, "'cos', 'linear'"),
    (lambda o: OneCycleLR(o, 1.0, 10, pct_start=1.5), ValueError, "pct_start"),
    (lambda o: StepLR(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1), 2),
     TypeError, "needs an nnlib optimizer"),
])
def test_bad_scheduler_arguments(make, error, words):
    with pytest.raises(error) as info:
        make(_nn_opt())
    assert words in str(info.value)


def test_one_cycle_momentum_needs_an_optimizer_with_momentum():
    class Plain(SGD):
        def __getattribute__(self, name):
            if name == "momentum":
                raise AttributeError(name)
            return super().__getattribute__(name)

    with pytest.raises(ValueError, match="cycle_momentum=False"):
        OneCycleLR(Plain([Parameter(np.zeros(1))], lr=0.1), max_lr=1.0, total_steps=10)
    # RMSprop has momentum, so it cycles like torch's RMSprop would
    opt = RMSprop([Parameter(np.zeros(1))])
    OneCycleLR(opt, max_lr=1.0, total_steps=10)
    assert opt.momentum == 0.95
