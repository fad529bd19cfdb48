"""One checkpoint format for every PyTorch run in nnlib, single-process or distributed.

A checkpoint is ``{"model": state_dict, "optimizer": state_dict or None, "metadata": {...}}``
holding only tensors and plain Python values (numbers, strings, lists, dicts), so that it can
be read with ``torch.load(path, weights_only=True)``, which never runs code hidden in a file.
Tensors are saved from the CPU, a ``DistributedDataParallel`` wrapper is looked through, and
the file is written atomically (a half-written file never replaces a good one).
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn

from nnlib._checks import check_device, check_instance, check_path
from nnlib.train.core import model_device, unwrap

__all__ = ["load_checkpoint", "read_checkpoint", "save_checkpoint"]


def save_checkpoint(model: nn.Module, path, optimizer: torch.optim.Optimizer | None = None,
                    **metadata) -> None:
    """Save ``model.state_dict()`` (and the optimizer's) plus plain ``metadata`` to ``path``."""
    where = "save_checkpoint"
    check_instance(model, "model", nn.Module, "a torch.nn.Module", where=where)
    check_instance(optimizer, "optimizer", torch.optim.Optimizer, "a torch.optim optimizer",
                   where=where, optional=True)
    path = check_path(path, where=where)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{where}: path {str(path)!r}: the folder "
                                f"{str(path.parent)!r} does not exist; create it first "
                                "(Path(...).mkdir(parents=True, exist_ok=True))")
    _check_plain(metadata, "metadata")
    checkpoint = {"model": {k: v.detach().cpu() for k, v in unwrap(model).state_dict().items()},
                  "optimizer": optimizer.state_dict() if optimizer is not None else None,
                  "metadata": metadata}
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(checkpoint, tmp)
    os.replace(tmp, path)


def read_checkpoint(path, map_location="cpu") -> dict:
    """The checkpoint dictionary at ``path`` (``weights_only=True``), checked for its format."""
    path = check_path(path, where="read_checkpoint", must_exist=True)
    if not callable(map_location) and not isinstance(map_location, dict):
        map_location = check_device(map_location, "map_location", where="read_checkpoint",
                                    optional=False)
    import zipfile

    if not zipfile.is_zipfile(path):  # torch.save writes a zip archive; anything else is not ours
        raise ValueError(f"read_checkpoint: path {str(path)!r} is not a checkpoint PyTorch can "
                         "read (not a file written by torch.save / save_checkpoint)")
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    except (RuntimeError, EOFError, KeyError) as err:  # an UnpicklingError (code hidden in
        # the file, refused by weights_only=True) is left as it is: it is a security refusal
        raise ValueError(f"read_checkpoint: path {str(path)!r} is not a checkpoint PyTorch can "
                         f"read (a different or damaged file): {str(err)[:200]}") from None
    if not isinstance(checkpoint, dict) or "model" not in checkpoint:
        raise ValueError(f"{Path(path).name} is not a checkpoint from save_checkpoint; for a "
                         "bare state_dict use model.load_state_dict(torch.load(path, "
                         "weights_only=True))")
    return checkpoint


def load_checkpoint(model: nn.Module, path, optimizer: torch.optim.Optimizer | None = None,
                    map_location=None) -> dict:
    """Load weights saved by :func:`save_checkpoint` into ``model`` (and ``optimizer``).

    ``map_location`` defaults to the model's device. Returns the saved metadata.
    """
    where = "load_checkpoint"
    check_instance(model, "model", nn.Module, "a torch.nn.Module", where=where)
    check_instance(optimizer, "optimizer", torch.optim.Optimizer, "a torch.optim optimizer",
                   where=where, optional=True)
    location = model_device(model) if map_location is None else map_location
    checkpoint = read_checkpoint(path, location)
    try:
        unwrap(model).load_state_dict(checkpoint["model"])
    except RuntimeError as err:
        raise ValueError(f"the checkpoint {Path(path).name} does not fit this model: build the "
                         f"model with the same layer sizes as the saved one.\n{err}") from None
    if optimizer is not None:
        if checkpoint.get("optimizer") is None:
            raise ValueError(f"{Path(path).name} holds no optimizer state (it was saved without "
                             "optimizer=...)")
        optimizer.load_state_dict(checkpoint["optimizer"])
    return dict(checkpoint.get("metadata") or {})


def _check_plain(value, where: str) -> None:
    """Only what ``torch.load(weights_only=True)`` can read back."""
    if value is None or isinstance(value, (bool, int, float, str, torch.Tensor)):
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_plain(item, f"{where}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, (str, int)):
                raise TypeError(f"{where} keys must be strings or ints, got {key!r}")
            _check_plain(item, f"{where}[{key!r}]")
        return
    raise TypeError(f"{where} holds a {type(value).__name__}; a checkpoint stores only tensors "
                    "and plain Python values (numbers, strings, lists, dicts) so that it can be "
                    "loaded safely with weights_only=True. Convert it first (e.g. float(x), "
                    "x.tolist())")
