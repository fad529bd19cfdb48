"""Reading results beyond accuracy: the confusion matrix (its figure: ``nnlib.plotting``)."""

from __future__ import annotations

import torch

__all__ = ["confusion_matrix"]


def confusion_matrix(preds, labels, n_classes: int | None = None) -> torch.Tensor:
    """Counts (C, C): row = true class, column = predicted class. preds, labels: (N,) ints."""
    preds, labels = torch.as_tensor(preds).cpu(), torch.as_tensor(labels).cpu()
    if preds.ndim != 1 or labels.shape != preds.shape:
        raise ValueError(f"preds and labels must be 1-D and of the same length, got shapes "
                         f"{tuple(preds.shape)} and {tuple(labels.shape)}")
    if preds.is_floating_point() or labels.is_floating_point():
        raise ValueError("preds and labels must be integer class indices; for scores (N, C) "
                         "use scores.argmax(dim=1)")
    if n_classes is None:
        n_classes = int(max(preds.max(), labels.max())) + 1 if len(preds) else 0
    low = int(min(preds.min(), labels.min())) if len(preds) else 0
    high = int(max(preds.max(), labels.max())) if len(preds) else -1
    if low < 0 or high >= n_classes:
        raise ValueError(f"class indices must be in 0..{n_classes - 1}, got values from {low} "
                         f"to {high}")
    flat = labels.long() * n_classes + preds.long()
    return torch.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)
