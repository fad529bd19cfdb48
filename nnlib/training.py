"""Old import path of the PyTorch training loop; it lives in ``nnlib.train`` now (issue 11).

Kept only until every notebook imports from ``nnlib.train``. ``fit`` here accepts the old
keyword names (``val_loader``), then calls ``nnlib.train.fit``.
"""

from __future__ import annotations

from nnlib.plotting import plot_confusion_matrix
from nnlib.train import (
    Callback,
    EarlyStopping,
    History,
    LivePlot,
    TrainingDivergedError,
    confusion_matrix,
    evaluate,
    grad_norm,
    load_checkpoint,
    predict,
    save_checkpoint,
)
from nnlib.train import fit as _fit

__all__ = [
    "Callback", "EarlyStopping", "History", "LivePlot", "TrainingDivergedError",
    "confusion_matrix", "evaluate", "fit", "grad_norm", "load_checkpoint",
    "plot_confusion_matrix", "predict", "save_checkpoint",
]


def fit(model, train_loader, optimizer, loss_fn=None, *, val_loader=None, **kwargs):
    """``nnlib.train.fit`` under its old keyword names (``val_loader`` is now ``val_data``)."""
    return _fit(model, train_loader, optimizer, loss_fn, val_data=val_loader, **kwargs)
