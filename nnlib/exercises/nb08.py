"""Checks for notebook 08 (training deep networks)."""

from __future__ import annotations

import math

import numpy as np
import torch

from nnlib.exercises import checker


@checker("08.1")
def he_uniform_bound(answer):
    """``he_uniform_bound(fan_in, negative_slope) -> a`` for weights drawn from U(-a, a)."""
    cases = [(1, 0.0), (10, 0.0), (128, 0.01), (784, 0.2), (4096, 0.0), (300, 1.0), (50, 0.5)]
    got = [float(answer(n, s)) for n, s in cases]

    def table(rule):
        return [rule(n, s) for n, s in cases]

    want = table(lambda n, s: math.sqrt(6 / ((1 + s * s) * n)))  # = kaiming_uniform_'s bound
    if np.allclose(got, want, rtol=1e-6):
        return True, ("a = sqrt(3 Var(w)) with Var(w) = 2 / ((1 + slope²) fan_in): the bound "
                      "nn.init.kaiming_uniform_ uses")
    wrong = [
        (lambda n, s: math.sqrt(2 / ((1 + s * s) * n)),
         "that is the standard deviation the weights need, not the bound: U(-a, a) has "
         "variance a² / 3"),
        (lambda n, s: math.sqrt(2 / n),
         "that is He's normal std for a plain ReLU; U(-a, a) has variance a² / 3, and the "
         "leaky ReLU's slope matters too"),
        (lambda n, s: math.sqrt(6 / n),
         "right for a plain ReLU, but the slope is ignored: a leaky ReLU keeps (1 + slope²) / 2 "
         "of E[z²] (the negative half is scaled by the slope, its square by slope²)"),
        (lambda n, s: math.sqrt(6 / ((1 + s) * n)),
         "the negative half of z is multiplied by the slope, so its SQUARE is multiplied by "
         "slope²: use 1 + slope², not 1 + slope"),
        (lambda n, s: 6 / ((1 + s * s) * n), "that is a²; return its square root"),
        (lambda n, s: math.sqrt(3 / ((1 + s * s) * n)),
         "that keeps E[z²] only for a linear layer; a ReLU zeroes half of it, so He doubles "
         "the variance"),
    ]
    for rule, hint in wrong:
        if np.allclose(got, table(rule), rtol=1e-6):
            return False, hint
    n, s = next((n, s) for (n, s), g, w in zip(cases, got, want) if not np.isclose(g, w))
    return False, (f"he_uniform_bound({n}, {s}) should be {math.sqrt(6 / ((1 + s * s) * n)):.5f}: "
                   "choose Var(w) so that Var(z) stays E[z²] after the activation, then solve "
                   "a² / 3 = Var(w)")


def _as_array(x) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


@checker("08.2")
def confusion(answer):
    from nnlib.train import confusion_matrix

    rng = np.random.default_rng(8)
    for n_classes, n in [(3, 12), (10, 500), (4, 1)]:
        labels = rng.integers(0, n_classes, n)
        preds = np.where(rng.random(n) < 0.6, labels, rng.integers(0, n_classes, n))
        expected = confusion_matrix(preds, labels, n_classes).numpy()
        got = _as_array(answer(preds, labels, n_classes))
        if got.shape != expected.shape:
            return False, (f"with {n_classes} classes the matrix must have shape "
                           f"({n_classes}, {n_classes}), got {got.shape}")
        if not np.array_equal(got, expected):
            if np.array_equal(got, expected.T):
                return False, "rows must be the TRUE classes and columns the predictions"
            return False, (f"wrong counts for preds={preds[:6].tolist()}..., "
                           f"labels={labels[:6].tolist()}...: entry [i, j] counts true i "
                           "predicted as j")
    return True, "the diagonal counts the correct answers, the rest are the confusions"


def _reference_stop(losses, patience):
    from nnlib.train import EarlyStopping

    stopper = EarlyStopping(patience=patience)
    for epoch, loss in enumerate(losses):
        if stopper.step(loss, epoch=epoch):
            return epoch
    return None


@checker("08.3")
def stop_epoch(answer):
    rng = np.random.default_rng(3)
    cases = [([1.0, 0.8, 0.9, 0.85], 2), ([1.0, 0.9, 0.8, 0.7], 1),
             ([0.5, 0.5, 0.5, 0.4, 0.4], 2), ([0.9, 1.0, 0.8, 1.1, 1.2, 1.3], 3)]
    cases += [(list(np.round(rng.random(12), 2)), int(p)) for p in rng.integers(1, 5, 6)]
    for losses, patience in cases:
        expected, got = _reference_stop(losses, patience), answer(list(losses), patience)
        if got != expected:
            hint = ""
            if isinstance(got, (int, np.integer)) and expected is not None \
                    and abs(got - expected) == 1:
                hint = (": off by one; the first epoch is index 0, and training stops at the "
                        "`patience`-th epoch in a row without a new best")
            elif len(set(losses)) < len(losses):
                hint = ": a loss EQUAL to the best so far is not an improvement"
            return False, (f"stop_epoch({losses}, patience={patience}) should be {expected}, "
                           f"got {got}{hint}")
    return True, "that is what EarlyStopping(patience) does inside fit"


@checker("08.4")
def clip_by_total_norm(answer):
    gen = torch.Generator().manual_seed(4)
    for max_norm in (0.5, 3.0, 100.0):
        grads = [torch.randn(5, 3, generator=gen), torch.randn(3, generator=gen) * 2,
                 torch.randn(2, 2, generator=gen)]
        originals = [g.clone() for g in grads]
        got = answer(grads, max_norm)
        if not all(torch.equal(g, o) for g, o in zip(grads, originals)):
            return False, "do not modify the input tensors: return new ones (e.g. g * scale)"
        reference = [g.clone().requires_grad_() for g in grads]
        for p, g in zip(reference, grads):
            p.grad = g.clone()
        torch.nn.utils.clip_grad_norm_(reference, max_norm)
        if len(got) != len(grads) or not all(
                torch.allclose(torch.as_tensor(a), p.grad, rtol=1e-4, atol=1e-6)
                for a, p in zip(got, reference)):
            each = [g * min(1.0, max_norm / float(g.norm())) for g in grads]
            if len(got) == len(each) and all(torch.allclose(torch.as_tensor(a), b, rtol=1e-4)
                                              for a, b in zip(got, each)):
                return False, ("you clipped each tensor on its own; use ONE norm for all of "
                               "them together: sqrt(sum of all squared entries)")
            total = math.sqrt(sum(float((g ** 2).sum()) for g in grads))
            if total < max_norm:
                return False, (f"the total norm {total:.3f} is already below max_norm="
                               f"{max_norm}: return the gradients unchanged (never stretch)")
            return False, ("scale every gradient by max_norm / total_norm when total_norm > "
                           "max_norm")
    return True, "one scale factor for all gradients keeps the direction, caps the length"


def _torch_running_stats(batches, momentum):
    bn = torch.nn.BatchNorm1d(batches[0].shape[1], momentum=momentum, dtype=torch.float64)
    bn.train()
    with torch.no_grad():
        for batch in batches:
            bn(torch.as_tensor(batch, dtype=torch.float64))
    return bn.running_mean.numpy(), bn.running_var.numpy()


@checker("08.5")
def running_statistics(answer):
    """``answer(batches, momentum) -> (running_mean, running_var)`` like BatchNorm1d."""
    rng = np.random.default_rng(5)
    for n_batches, size, features, momentum in [(1, 8, 3, 0.1), (5, 16, 4, 0.1),
                                                (7, 4, 2, 0.3), (3, 32, 5, 0.05)]:
        batches = [rng.normal(2.0, 3.0, size=(size, features)) for _ in range(n_batches)]
        mean, var = _torch_running_stats(batches, momentum)
        got = answer([b.copy() for b in batches], momentum)
        if not isinstance(got, tuple) or len(got) != 2:
            return False, "return a pair (running_mean, running_var), each of shape (features,)"
        got_mean, got_var = (np.asarray(v, dtype=np.float64) for v in got)
        if got_mean.shape != mean.shape or got_var.shape != var.shape:
            return False, (f"each statistic has one value per feature: shape {mean.shape}, got "
                           f"{got_mean.shape} and {got_var.shape}")
        if not np.allclose(got_mean, mean, rtol=1e-8, atol=1e-10):
            swapped, _ = _torch_running_stats(batches, 1 - momentum)
            if np.allclose(got_mean, swapped):
                hint = ("the momentum is the weight of the NEW batch: running = (1 - momentum) "
                        "* running + momentum * batch_mean (the opposite of Adam's beta)")
            elif np.allclose(got_mean, np.mean([b.mean(axis=0) for b in batches], axis=0)):
                hint = ("that is the plain average of the batch means; BatchNorm keeps an "
                        "exponential moving average that starts from mean 0")
            else:
                hint = ("start from running_mean = 0 and update it once per batch: "
                        "(1 - momentum) * running + momentum * batch_mean")
            return False, f"wrong running_mean after {n_batches} batch(es): {hint}"
        if not np.allclose(got_var, var, rtol=1e-8, atol=1e-10):
            biased = np.ones(features)
            for b in batches:
                biased = (1 - momentum) * biased + momentum * b.var(axis=0)
            if np.allclose(got_var, biased):
                hint = ("the running variance uses the UNBIASED batch variance (divide by "
                        "B - 1: np.var(..., ddof=1)), although normalising the batch itself "
                        "uses the biased one")
            else:
                hint = ("start from running_var = 1 and update it like the mean, with the "
                        "unbiased variance of each batch")
            return False, f"the running mean is right but running_var is not: {hint}"
    return True, ("these running averages are what model.eval() uses instead of the batch's own "
                  "statistics")
