"""Reading results beyond accuracy: the confusion matrix (its figure: ``nnlib.plotting``)."""

from __future__ import annotations

import torch

from nnlib._checks import check_optional_int, describe

__all__ = ["confusion_matrix"]


def confusion_matrix(preds, labels, n_classes: int | None = None) -> torch.Tensor:
    """Counts (C, C): row = true class, column = predicted class. preds, labels: (N,) ints."""
    n_classes = check_optional_int(n_classes, "n_classes", minimum=1,
                                   where="confusion_matrix")
    for name, value in (("preds", preds), ("labels", labels)):
        if isinstance(value, (str, bytes)) or value is None or not hasattr(value, "__len__"):
            raise TypeError(f"confusion_matrix: {name} must be a 1-D tensor, array or list of "
                            f"class indices, got {describe(value)}")
    try:
        preds, labels = torch.as_tensor(preds).cpu(), torch.as_tensor(labels).cpu()
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(f"confusion_matrix: preds and labels must be class indices, got "
                        f"{describe(preds)} and {describe(labels)} ({err})") from None
    if preds.ndim != 1 or labels.shape != preds.shape:
        raise ValueError(f"preds and labels must be 1-D and of the same length, got shapes "
                         f"{tuple(preds.shape)} and {tuple(labels.shape)}")
    if not (_is_int(preds) and _is_int(labels)):
        raise TypeError(f"preds and labels must be integer class indices, got dtypes "
                        f"{preds.dtype} and {labels.dtype}; for scores (N, C) use "
                        "scores.argmax(dim=1)")
    if n_classes is None:
        n_classes = int(max(preds.max(), labels.max())) + 1 if len(preds) else 0
    low = int(min(preds.min(), labels.min())) if len(preds) else 0
    high = int(max(preds.max(), labels.max())) if len(preds) else -1
    if low < 0 or high >= n_classes:
        for name, t in (("preds", preds), ("labels", labels)):
            if len(t) and (int(t.min()) < 0 or int(t.max()) >= n_classes):
                raise ValueError(f"confusion_matrix: {name} must hold class indices in "
                                 f"0..{n_classes - 1} (n_classes={n_classes}), got values from "
                                 f"{int(t.min())} to {int(t.max())}")
    flat = labels.long() * n_classes + preds.long()
    return torch.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def _is_int(t: torch.Tensor) -> bool:
    return not t.is_floating_point() and not t.is_complex() and t.dtype != torch.bool
