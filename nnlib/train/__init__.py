"""Training PyTorch models: one loop core, and everything built on it.

* ``core``        :func:`run_steps` (the step loop: device moves, mixed precision, gradient
                  clipping, callbacks, a tqdm bar; a custom ``step_fn`` gets the same through
                  a :class:`StepContext`), :func:`fit` / :func:`evaluate` (the same
                  signature as ``nnlib.scratch.fit`` / ``evaluate``), :func:`predict`
* ``precision``   :func:`setup_precision`: bf16/fp16 autocast and GradScaler on GPUs, TF32
* ``callbacks``   ``Callback``, ``EarlyStopping`` (shared with the NumPy half) and ``LivePlot``
* ``checkpoint``  one checkpoint format for single-process and distributed runs
* ``metrics``     :func:`confusion_matrix`
* ``lm``          :func:`train_lm` for language models (also under DistributedDataParallel,
                  see ``nnlib.distributed.train_ddp``), ``estimate_loss``, ``generate_text``
* ``generative``  ``train_steps``: ``run_steps`` with a custom step (GAN, VAE, diffusion)

``History``, ``Callback``, ``EarlyStopping`` and ``TrainingDivergedError`` come from
``nnlib.train_common``, which both halves share. Figures (``History.plot``,
``plot_confusion_matrix``) are in ``nnlib.plotting``.
"""

from nnlib.plotting import plot_confusion_matrix, plot_history
from nnlib.train.callbacks import LivePlot
from nnlib.train.checkpoint import load_checkpoint, read_checkpoint, save_checkpoint
from nnlib.train.core import (
    StepContext,
    StepStats,
    evaluate,
    fit,
    grad_norm,
    predict,
    run_steps,
)
from nnlib.train.metrics import confusion_matrix
from nnlib.train.precision import Precision, setup_precision
from nnlib.train_common import Callback, EarlyStopping, History, TrainingDivergedError

__all__ = [
    "Callback", "EarlyStopping", "History", "LivePlot", "Precision", "StepContext", "StepStats",
    "TrainingDivergedError", "confusion_matrix", "evaluate", "fit", "grad_norm",
    "load_checkpoint", "plot_confusion_matrix", "plot_history", "predict", "read_checkpoint",
    "run_steps", "save_checkpoint", "setup_precision",
]
