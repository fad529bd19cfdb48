"""Data for the course. Everything here works offline: the real data sets ship inside nnlib.

* MNIST: ``load_mnist`` (NumPy arrays), ``mnist_datasets`` / ``mnist_dataloaders`` (PyTorch);
  5,000 bundled digits, or the full 70,000 (and Fashion-MNIST) with ``source="full"``.
* Tiny Shakespeare: ``load_shakespeare``, ``CharVocab``, ``shakespeare_splits``.
* Batches for step-based loops: ``get_batch`` (windows of a token stream), ``random_rows``
  (``nnlib.data.batching``); image augmentation: ``RandomShift`` (``nnlib.data.augment``).
* Seeded toy data: logic gates, moons, circles, blobs, spirals, XOR quadrants, 1-D curves
  (``nnlib.data.toy``) and sequence tasks: copy, reverse, sort, adding problem
  (``nnlib.data.sequences``).
"""

from nnlib.data.augment import RandomShift, shift_image
from nnlib.data.batching import as_token_tensor, get_batch, random_rows
from nnlib.data.mnist import (
    CLASS_NAMES,
    FASHION_CLASS_NAMES,
    MNIST_MEAN,
    MNIST_STD,
    load_mnist,
    mnist_dataloaders,
    mnist_datasets,
    mnist_train_val_loaders,
)
from nnlib.data.sequences import adding_problem, copy_task, reverse_task, sort_task
from nnlib.data.text import CharVocab, load_shakespeare, shakespeare_splits
from nnlib.data.toy import (
    circles,
    gaussian_blobs,
    logic_gate,
    regression_1d,
    spirals,
    train_test_split,
    two_moons,
    xor_quadrants,
)

__all__ = [
    "CLASS_NAMES", "FASHION_CLASS_NAMES", "MNIST_MEAN", "MNIST_STD", "CharVocab",
    "RandomShift", "adding_problem", "as_token_tensor", "circles", "copy_task",
    "gaussian_blobs", "get_batch", "load_mnist", "load_shakespeare", "logic_gate",
    "mnist_dataloaders", "mnist_datasets", "mnist_train_val_loaders", "random_rows",
    "regression_1d", "shift_image",
    "reverse_task", "shakespeare_splits", "sort_task", "spirals", "train_test_split",
    "two_moons", "xor_quadrants",
]
