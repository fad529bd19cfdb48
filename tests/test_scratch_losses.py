"""Losses vs torch.nn (float64) and finite differences; stability at logits of +-1000."""

import warnings

import numpy as np
import pytest
import torch

import nnlib.scratch as S
from nnlib.scratch import functional as F

RTOL = 1e-6
BATCHES = [1, 2, 7]


def check_against_torch(loss_fn, torch_loss, pred, target, torch_target=None):
    """Value and dL/dpred against torch autograd, and dL/dpred against finite differences."""
    if torch_target is None:
        torch_target = torch.tensor(target)
    pt = torch.tensor(pred, requires_grad=True)
    expected = torch_loss(pt, torch_target)
    expected.backward()
    value = loss_fn(pred, target)
    assert isinstance(value, float)
    assert value == pytest.approx(expected.item(), rel=RTOL, abs=1e-12)
    np.testing.assert_allclose(loss_fn.backward(), pt.grad.numpy(), rtol=RTOL, atol=1e-12)
    assert S.gradcheck(loss_fn, pred, target)


def regression_data(n, seed, shape_tail=(3,)):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, *shape_tail)) * 2, rng.standard_normal((n, *shape_tail))


@pytest.mark.parametrize("n", BATCHES)
@pytest.mark.parametrize("ours, theirs", [
    (S.MSELoss(), torch.nn.MSELoss()),
    (S.L1Loss(), torch.nn.L1Loss()),
    (S.HuberLoss(), torch.nn.HuberLoss()),
    (S.HuberLoss(delta=0.5), torch.nn.HuberLoss(delta=0.5)),
    (S.HuberLoss(delta=2.5), torch.nn.HuberLoss(delta=2.5)),
], ids=repr)
def test_regression_losses_match_torch(ours, theirs, n):
    pred, target = regression_data(n, n)
    check_against_torch(ours, theirs, pred, target)
    pred1, target1 = regression_data(n, n + 1, shape_tail=())  # (N,) works too
    check_against_torch(ours, theirs, pred1, target1)


@pytest.mark.parametrize("n", BATCHES)
@pytest.mark.parametrize("soft", [False, True])
def test_binary_cross_entropy_matches_torch(n, soft):
    rng = np.random.default_rng(n)
    logits = rng.standard_normal((n, 2)) * 3
    target = rng.uniform(size=(n, 2)) if soft else rng.integers(0, 2, (n, 2)).astype(float)
    check_against_torch(S.BCEWithLogitsLoss(), torch.nn.BCEWithLogitsLoss(), logits, target)
    check_against_torch(S.BCELoss(), torch.nn.BCELoss(), F.sigmoid(logits), target)


@pytest.mark.parametrize("n, classes", [(1, 2), (1, 5), (4, 3), (9, 10)])
def test_cross_entropy_with_labels_matches_torch(n, classes):
    rng = np.random.default_rng(n * classes)
    logits = rng.standard_normal((n, classes)) * 3
    labels = rng.integers(0, classes, n)
    check_against_torch(S.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), logits, labels)
    log_probs = F.log_softmax(logits)
    check_against_torch(S.NLLLoss(), torch.nn.NLLLoss(), log_probs, labels)
    # probabilities + CategoricalCrossEntropy == NLLLoss on torch.log(probs). Milder logits:
    # finite differences of log(p) are inaccurate when p itself is ~1e-4
    probs = F.softmax(logits / 3)
    check_against_torch(S.CategoricalCrossEntropy(),
                        lambda p, t: torch.nn.functional.nll_loss(torch.log(p), t), probs, labels)


@pytest.mark.parametrize("n, classes", [(1, 3), (5, 4)])
def test_cross_entropy_with_probability_targets_matches_torch(n, classes):
    rng = np.random.default_rng(n)
    logits = rng.standard_normal((n, classes)) * 2
    soft = F.softmax(rng.standard_normal((n, classes)))
    one_hot = np.eye(classes)[rng.integers(0, classes, n)]
    for target in (soft, one_hot):
        check_against_torch(S.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), logits, target)
        check_against_torch(S.CategoricalCrossEntropy(),
                            lambda p, t: -(t * torch.log(p)).sum() / p.shape[0],
                            F.softmax(logits), target)


def test_one_hot_and_label_targets_give_the_same_loss_and_gradient():
    logits = np.random.default_rng(0).standard_normal((6, 4))
    labels = np.array([0, 3, 1, 1, 2, 0])
    loss = S.CrossEntropyLoss()
    a, grad_a = loss(logits, labels), loss.backward()
    b, grad_b = loss(logits, np.eye(4)[labels]), loss.backward()
    assert a == pytest.approx(b, rel=1e-12)
    np.testing.assert_allclose(grad_a, grad_b, rtol=1e-12)
    np.testing.assert_allclose(grad_a, (F.softmax(logits) - np.eye(4)[labels]) / 6, rtol=1e-12)


def test_softmax_layer_then_categorical_ce_equals_fused_cross_entropy():
    logits = np.random.default_rng(1).standard_normal((5, 3))
    labels = np.array([2, 0, 1, 2, 2])
    softmax, cce, ce = S.Softmax(), S.CategoricalCrossEntropy(), S.CrossEntropyLoss()
    assert cce(softmax(logits), labels) == pytest.approx(ce(logits, labels), rel=1e-12)
    np.testing.assert_allclose(softmax.backward(cce.backward()), ce.backward(), rtol=1e-10)


def test_backward_scales_with_grad_out_and_float32_stays_float32():
    pred = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    loss = S.MSELoss()
    loss(pred, np.zeros((4, 3)))
    np.testing.assert_allclose(loss.backward(2.0), 2 * loss.backward(), rtol=1e-6)
    assert loss.backward().dtype == np.float32
    ce = S.CrossEntropyLoss()
    assert isinstance(ce(pred, np.array([0, 1, 2, 0])), float)
    assert ce.backward().dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_losses_are_stable_at_logits_plus_minus_1000(dtype):
    logits = np.array([[1000.0, -1000.0], [-1000.0, 1000.0], [0.0, 1000.0]], dtype=dtype)
    labels = np.array([0, 0, 1])
    binary = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        cases = [
            (S.CrossEntropyLoss(), logits, labels, 2000 / 3),
            (S.CrossEntropyLoss(), logits, binary, 2000 / 3),
            (S.NLLLoss(), F.log_softmax(logits), labels, 2000 / 3),
            (S.CategoricalCrossEntropy(), F.softmax(logits), labels, 100 / 3),  # log clamped
            (S.BCEWithLogitsLoss(), logits, binary, (2000 + np.log(2)) / 6),
            (S.BCELoss(), F.sigmoid(logits), binary, (200 + np.log(2)) / 6),  # log >= -100
            (S.MSELoss(), logits, binary, None),
            (S.HuberLoss(), logits, binary, None),
        ]
        for loss_fn, pred, target, expected in cases:
            value = loss_fn(pred, target)
            grad = loss_fn.backward()
            assert np.isfinite(value) and np.all(np.isfinite(grad)), repr(loss_fn)
            if expected is not None:
                assert value == pytest.approx(expected, rel=1e-6), repr(loss_fn)
    # torch agrees on the clamped BCE value
    torch_bce = torch.nn.functional.binary_cross_entropy(
        torch.sigmoid(torch.tensor(logits, dtype=torch.float64)), torch.tensor(binary))
    assert S.BCELoss()(F.sigmoid(logits.astype(np.float64)), binary) == pytest.approx(
        torch_bce.item(), rel=1e-6)
