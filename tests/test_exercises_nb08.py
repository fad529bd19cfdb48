"""Each notebook-08 checker accepts a right answer and rejects wrong ones with a hint."""

import math

import numpy as np
import torch

from nnlib.exercises import evaluate


def test_08_1_he_uniform_bound():
    assert evaluate("08.1", lambda n, s: math.sqrt(6 / ((1 + s**2) * n)))[0] is True

    def like_torch(n, s):                   # PyTorch's own function, on a (1, n) weight
        w = torch.empty(1, n)
        torch.nn.init.kaiming_uniform_(w, a=s, nonlinearity="leaky_relu")
        return torch.nn.init.calculate_gain("leaky_relu", s) * math.sqrt(3 / n)
    assert evaluate("08.1", like_torch)[0] is True

    passed, message = evaluate("08.1", lambda n, s: math.sqrt(2 / ((1 + s**2) * n)))
    assert passed is False and "a² / 3" in message            # the std, not the bound
    passed, message = evaluate("08.1", lambda n, s: math.sqrt(6 / n))
    assert passed is False and "slope is ignored" in message
    passed, message = evaluate("08.1", lambda n, s: math.sqrt(6 / ((1 + s) * n)))
    assert passed is False and "slope²" in message
    passed, message = evaluate("08.1", lambda n, s: math.sqrt(3 / ((1 + s**2) * n)))
    assert passed is False and "doubles the variance" in message
    passed, message = evaluate("08.1", lambda n, s: 1 / math.sqrt(n))
    assert passed is False and "should be" in message


def loop_confusion(preds, labels, n_classes):
    matrix = np.zeros((n_classes, n_classes), dtype=int)
    for p, t in zip(preds, labels):
        matrix[t, p] += 1
    return matrix


def test_08_2_confusion_matrix():
    assert evaluate("08.2", loop_confusion)[0] is True
    assert evaluate("08.2", lambda p, t, c: torch.tensor(loop_confusion(p, t, c)))[0] is True
    passed, message = evaluate("08.2", lambda p, t, c: loop_confusion(p, t, c).T)
    assert passed is False and "TRUE classes" in message
    passed, message = evaluate("08.2", lambda p, t, c: loop_confusion(p, t, c)[:, :-1])
    assert passed is False and "must have shape" in message


def test_08_3_stop_epoch(solved):
    right_stop = solved("08.3")
    assert evaluate("08.3", right_stop)[0] is True

    def one_late(losses, patience):
        stop = right_stop(losses, patience)
        return None if stop is None else stop + 1
    passed, message = evaluate("08.3", one_late)
    assert passed is False and "off by one" in message

    def ties_improve(losses, patience):     # a loss equal to the best resets the counter
        since_best = 0
        for epoch, loss in enumerate(losses):
            since_best = 0 if loss <= min(losses[:epoch + 1]) else since_best + 1
            if since_best >= patience:
                return epoch
        return None
    passed, message = evaluate("08.3", ties_improve)
    assert passed is False and "EQUAL" in message


def right_clip(grads, max_norm):
    total = math.sqrt(sum(float((g ** 2).sum()) for g in grads))
    scale = min(1.0, max_norm / (total + 1e-6))
    return [g * scale for g in grads]


def test_08_4_clip_by_total_norm():
    assert evaluate("08.4", right_clip)[0] is True

    def per_tensor(grads, max_norm):
        return [g * min(1.0, max_norm / float(g.norm())) for g in grads]
    passed, message = evaluate("08.4", per_tensor)
    assert passed is False and "each tensor on its own" in message

    def in_place(grads, max_norm):
        for g in grads:
            g.mul_(0.5)
        return grads
    passed, message = evaluate("08.4", in_place)
    assert passed is False and "do not modify" in message

    def always_scale(grads, max_norm):
        total = math.sqrt(sum(float((g ** 2).sum()) for g in grads))
        return [g * max_norm / total for g in grads]
    passed, message = evaluate("08.4", always_scale)
    assert passed is False and "never stretch" in message


def running_stats(batches, momentum, ddof=1, mean_start=0.0):
    mean = np.full(batches[0].shape[1], mean_start)
    var = np.ones(batches[0].shape[1])
    for b in batches:
        mean = (1 - momentum) * mean + momentum * b.mean(axis=0)
        var = (1 - momentum) * var + momentum * b.var(axis=0, ddof=ddof)
    return mean, var


def test_08_5_running_statistics():
    assert evaluate("08.5", running_stats)[0] is True
    passed, message = evaluate("08.5", lambda batches, m: running_stats(batches, 1 - m))
    assert passed is False and "weight of the NEW batch" in message
    passed, message = evaluate("08.5", lambda batches, m: running_stats(batches, m, ddof=0))
    assert passed is False and "UNBIASED" in message
    passed, message = evaluate("08.5", lambda batches, m: (
        np.mean([b.mean(axis=0) for b in batches], axis=0), running_stats(batches, m)[1]))
    assert passed is False and "plain average" in message
    passed, message = evaluate("08.5", lambda batches, m: running_stats(batches, m,
                                                                        mean_start=1.0))
    assert passed is False and "start from running_mean = 0" in message
