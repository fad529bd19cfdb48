"""Worked solutions for notebook 08 (training deep networks). Format: see ``nb00.py``."""

from __future__ import annotations

from nnlib.solutions import solution


@solution("08.1")
def he_uniform_bound():
    """Section 5's argument: with symmetric pre-activations z, a leaky ReLU keeps all of
    E[z^2] on the positive half and slope^2 of it on the negative half, so the fraction
    (1 + slope^2) / 2 survives. To keep the signal's scale, fan_in * Var(w) * (1 + slope^2) / 2
    = 1, i.e. Var(w) = 2 / ((1 + slope^2) fan_in). U(-a, a) has variance a^2 / 3, so
    a = sqrt(3 Var(w)) = sqrt(6 / ((1 + slope^2) fan_in)). The code compares with
    torch.nn.init.kaiming_uniform_ on a large weight matrix: its largest |w| approaches a."""
    import math

    import torch

    def he_uniform_bound(fan_in, negative_slope):
        var_w = 2 / ((1 + negative_slope**2) * fan_in)
        return math.sqrt(3 * var_w)

    w = torch.empty(2000, 300)                               # (out, in): fan_in = 300
    torch.nn.init.kaiming_uniform_(w, a=0.1, generator=torch.Generator().manual_seed(0))
    assert abs(w.abs().max().item() - he_uniform_bound(300, 0.1)) < 1e-3
    return he_uniform_bound


@solution("08.2")
def my_confusion_matrix():
    """Each example adds 1 to the cell [true class, predicted class]. np.add.at does that for
    all examples at once, and counts repeated cells correctly (plain fancy-index assignment
    m[labels, preds] += 1 would count a repeated pair only once). Rows are the true classes."""
    import numpy as np

    def my_confusion_matrix(preds, labels, n_classes):
        preds, labels = np.asarray(preds), np.asarray(labels)
        matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
        np.add.at(matrix, (labels, preds), 1)
        return matrix

    return my_confusion_matrix


@solution("08.3")
def stop_epoch():
    """Walk through the epochs keeping the best loss so far and a counter of epochs without
    improvement. Only a loss strictly below the best counts as an improvement (and resets the
    counter); when the counter reaches `patience`, training stops after this epoch. The first
    epoch always sets the best."""
    import math

    def stop_epoch(val_losses, patience):
        best, bad_epochs = math.inf, 0
        for epoch, loss in enumerate(val_losses):
            if loss < best:
                best, bad_epochs = loss, 0
            else:
                bad_epochs += 1
                if bad_epochs >= patience:
                    return epoch
        return None

    return stop_epoch


@solution("08.4")
def clip_by_total_norm():
    """The total norm treats all gradients as one long vector: the square root of the sum of
    all squared entries. If it exceeds max_norm, multiply EVERY gradient by the same factor
    max_norm / total (one factor keeps the direction of the whole update); otherwise return
    them unchanged. g * scale makes new tensors, so the inputs stay as they were."""
    import torch

    def clip_by_total_norm(grads, max_norm):
        total = torch.sqrt(sum((g ** 2).sum() for g in grads))
        scale = min(1.0, max_norm / (float(total) + 1e-6))
        return [g * scale for g in grads]

    return clip_by_total_norm


@solution("08.5")
def running_stats():
    """PyTorch's BatchNorm1d starts from running_mean = 0 and running_var = 1 and, for each
    training batch, moves them towards the batch's statistics:
    running = (1 - momentum) * running + momentum * batch_statistic. So `momentum` is the weight
    of the NEW value (the opposite of an optimizer's momentum). The batch normalises itself with
    the biased variance (divide by B), but the running estimate stores the unbiased one
    (divide by B - 1: ddof=1)."""
    import numpy as np

    def running_stats(batches, momentum):
        features = batches[0].shape[1]
        running_mean, running_var = np.zeros(features), np.ones(features)
        for batch in batches:                                # (B, F)
            mean = batch.mean(axis=0)
            var = batch.var(axis=0, ddof=1)                  # unbiased
            running_mean = (1 - momentum) * running_mean + momentum * mean
            running_var = (1 - momentum) * running_var + momentum * var
        return running_mean, running_var

    return running_stats
