"""MNIST digits: the 5,000 shipped inside nnlib, or the full 70,000 when online.

The bundled set is a stratified split of 5,000 real MNIST training digits:
4,000 for training (400 per class) and 1,000 for testing (100 per class).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np

from nnlib import _checks

SOURCES = ("bundled", "full")
CLASS_NAMES = tuple(str(d) for d in range(10))
FASHION_CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                       "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
# Pixel mean and std (scaled to [0, 1]) of the full 60,000-image MNIST training set,
# the usual constants; the bundled 4,000 training digits give 0.1313 and 0.3085.
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


@lru_cache(maxsize=1)
def _bundled_arrays() -> dict[str, np.ndarray]:
    with resources.files("nnlib.data").joinpath("files/mnist_5k.npz").open("rb") as f:
        with np.load(f) as archive:
            arrays = {key: archive[key] for key in archive.files}
    for value in arrays.values():
        value.setflags(write=False)  # shared by every caller: hand out copies
    return arrays


def _full_arrays(name: str) -> dict[str, np.ndarray] | None:
    """The full data set, or None (after a one-line notice) when MNIST cannot be fetched.

    Fashion-MNIST has no bundled fallback, so its download error is raised as it is.
    """
    from nnlib.data.download import fetch_full, try_fetch_full

    return fetch_full(name) if name == "fashion_mnist" else try_fetch_full(name)


def load_mnist(split: str = "train", *, source: str = "bundled", flatten: bool = True,
               normalize: bool = True, dtype=np.float32, fashion: bool = False):
    """Return ``(X, y)`` for one split of MNIST.

    split:     "train" or "test" (bundled: 4,000 / 1,000 images; full: 60,000 / 10,000).
    source:    "bundled" (offline, shipped inside nnlib) or "full" (downloaded once
               and cached; falls back to the bundled digits with a one-line notice
               when the download fails).
    flatten:   True gives X of shape (N, 784); False gives (N, 28, 28).
    normalize: True scales pixels to floats in [0, 1] of ``dtype`` (a floating dtype);
               False keeps uint8 0-255.
    fashion:   Fashion-MNIST instead of digits (only with source="full").

    y has shape (N,) and dtype int64 (class indices 0-9).
    """
    where = "load_mnist"
    _checks.check_choice(split, "split", ("train", "test"), where=where)
    _checks.check_choice(source, "source", SOURCES, where=where)
    flatten = _checks.check_bool(flatten, "flatten", where=where)
    normalize = _checks.check_bool(normalize, "normalize", where=where)
    fashion = _checks.check_bool(fashion, "fashion", where=where)
    dtype = _checks.check_float_dtype(dtype, where=where)
    if fashion and source != "full":
        raise ValueError(f"{where}: fashion=True needs source='full' (Fashion-MNIST is not "
                         "bundled; the download needs internet once)")
    arrays = None
    if source == "full":
        arrays = _full_arrays("fashion_mnist" if fashion else "mnist")
    if arrays is None:
        arrays = _bundled_arrays()
    images = np.array(arrays[f"x_{split}"], dtype=np.uint8)
    labels = np.array(arrays[f"y_{split}"], dtype=np.int64)
    if flatten:
        images = images.reshape(len(images), -1)
    if normalize:
        images = images.astype(dtype) / np.asarray(255, dtype=dtype)
    return images, labels


def _check_load_options(source, flatten, fashion, where: str) -> None:
    """The options passed on to :func:`load_mnist`, checked under the caller's name."""
    _checks.check_choice(source, "source", SOURCES, where=where)
    _checks.check_bool(flatten, "flatten", where=where)
    if _checks.check_bool(fashion, "fashion", where=where) and source != "full":
        raise ValueError(f"{where}: fashion=True needs source='full' (Fashion-MNIST is not "
                         "bundled; the download needs internet once)")


def mnist_datasets(*, source: str = "bundled", normalize_mean_std: bool = True,
                   flatten: bool = False, fashion: bool = False, transform=None):
    """Torch ``TensorDataset``s ``(train, test)`` of float32 images and int64 labels.

    Images have shape (1, 28, 28) (or (784,) when ``flatten``), scaled to [0, 1] and,
    with ``normalize_mean_std``, standardised with the training mean and std.
    ``transform`` (optional) is applied to each training image tensor on access,
    e.g. for data augmentation.
    """
    import torch
    from torch.utils.data import TensorDataset

    where = "mnist_datasets"
    _check_load_options(source, flatten, fashion, where)
    normalize_mean_std = _checks.check_bool(normalize_mean_std, "normalize_mean_std",
                                            where=where)
    _checks.check_callable(transform, "transform", where=where, optional=True)
    out = []
    for split in ("train", "test"):
        x, y = load_mnist(split, source=source, flatten=flatten, fashion=fashion)
        if normalize_mean_std:
            x = (x - MNIST_MEAN) / MNIST_STD
        x_t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
        if not flatten:
            x_t = x_t.unsqueeze(1)  # (N, 1, 28, 28): channels first, as torch expects
        dataset = TensorDataset(x_t, torch.from_numpy(y))
        if transform is not None and split == "train":
            dataset = _Transformed(dataset, transform)
        out.append(dataset)
    return tuple(out)


class _Transformed:
    """Wraps a dataset, applying ``transform`` to each input on access."""

    def __init__(self, dataset, transform):
        self.dataset, self.transform = dataset, transform

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, index):
        x, y = self.dataset[index]
        return self.transform(x), y


def mnist_dataloaders(batch_size: int = 64, *, source: str = "bundled", seed: int = 0,
                      flatten: bool = False, fashion: bool = False, transform=None,
                      num_workers: int = 0):
    """``(train_loader, test_loader)``: the training loader shuffles with a seeded generator."""
    import torch
    from torch.utils.data import DataLoader

    where = "mnist_dataloaders"
    batch_size = _checks.check_int(batch_size, "batch_size", minimum=1, where=where)
    seed = _checks.check_seed(seed, optional=False, where=where)
    num_workers = _checks.check_int(num_workers, "num_workers", minimum=0, where=where)
    _checks.check_callable(transform, "transform", where=where, optional=True)
    _check_load_options(source, flatten, fashion, where)
    train, test = mnist_datasets(source=source, flatten=flatten, fashion=fashion,
                                 transform=transform)
    generator = torch.Generator().manual_seed(seed)
    train_loader = DataLoader(train, batch_size=batch_size, shuffle=True,
                              generator=generator, num_workers=num_workers)
    test_loader = DataLoader(test, batch_size=batch_size, shuffle=False,
                             num_workers=num_workers)
    return train_loader, test_loader


def mnist_train_val_loaders(batch_size: int = 64, val_size: int = 500, seed: int = 0,
                            source: str = "bundled"):
    """``(train_loader, val_loader)``: the MNIST training digits split into train and
    validation (seeded), normalised with the MNIST mean and std; the test digits stay
    untouched."""
    import torch
    from torch.utils.data import DataLoader, random_split

    where = "mnist_train_val_loaders"
    batch_size = _checks.check_int(batch_size, "batch_size", minimum=1, where=where)
    seed = _checks.check_seed(seed, optional=False, where=where)
    _checks.check_choice(source, "source", SOURCES, where=where)
    train_set, _ = mnist_datasets(source=source)
    val_size = _checks.check_int(val_size, "val_size", minimum=1, maximum=len(train_set) - 1,
                                 where=where)
    train_part, val_part = random_split(train_set, [len(train_set) - val_size, val_size],
                                        generator=torch.Generator().manual_seed(seed))
    return (DataLoader(train_part, batch_size=batch_size, shuffle=True,
                       generator=torch.Generator().manual_seed(seed)),
            DataLoader(val_part, batch_size=500))
