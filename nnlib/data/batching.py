"""Batches for step-based training loops (PyTorch tensors).

* :func:`get_batch`: random windows of a 1-D stream of token ids, inputs ``(B, T)`` and the
  targets shifted by one (the character models of notebooks 10 and 12);
* :func:`random_rows`: endless random mini-batches of rows of ``(inputs, targets)``.

Both take the sizes as keywords, in the order of the shape they produce: ``batch_size`` (B),
then ``block_size`` (T); both draw from a ``torch.Generator`` so a seed repeats the batches.
"""

from __future__ import annotations

from collections.abc import Iterator

from nnlib._checks import (
    check_device,
    check_int,
    check_token_tensor,
    check_torch_generator,
    describe,
)

__all__ = ["as_token_tensor", "get_batch", "random_rows"]


def as_token_tensor(ids, name: str = "ids"):
    """A 1-D int64 tensor of token ids from a NumPy array, list or tensor (no copy if possible).

    Non-integer ids raise ``TypeError``, a wrong rank ``ShapeError``, negative ids ``ValueError``.
    """
    import numpy as np
    import torch

    if isinstance(ids, str):
        raise TypeError(f"{name} must be token ids (integers), got a string {describe(ids)}; "
                        "encode the text first, e.g. CharVocab(text).encode(text)")
    if isinstance(ids, np.ndarray):
        if ids.dtype.kind not in "biufc":
            raise TypeError(f"{name} must be integer token ids, got {describe(ids)}")
        ids = torch.from_numpy(ids)
    elif not isinstance(ids, torch.Tensor):
        try:
            ids = torch.as_tensor(ids)
        except (TypeError, ValueError, RuntimeError):
            raise TypeError(f"{name} must be a 1-D sequence of integer token ids, got "
                            f"{describe(ids)}") from None
    return check_token_tensor(ids, name, ndim=1).long()


def get_batch(ids, *, batch_size: int, block_size: int, generator=None, device=None):
    """``batch_size`` random windows of ``block_size`` tokens from the 1-D stream ``ids``.

    Returns ``(x, y)``, both (batch_size, block_size) int64 on ``device``: ``y`` is ``x``
    shifted one token to the left, so ``y[b, t]`` is the token that follows ``x[b, :t + 1]``.
    """
    import torch

    ids = as_token_tensor(ids)
    batch_size = check_int(batch_size, "batch_size", minimum=1, where="get_batch")
    block_size = check_int(block_size, "block_size", minimum=1, where="get_batch")
    generator = check_torch_generator(generator, where="get_batch")
    device = check_device(device, where="get_batch")
    if len(ids) <= block_size:
        raise ValueError(f"get_batch: ids (the stream) has {len(ids)} tokens; it needs more "
                         f"than block_size={block_size} to cut one window of inputs and targets")
    starts = torch.randint(len(ids) - block_size, (batch_size,), generator=generator)  # (B,)
    offsets = starts[:, None] + torch.arange(block_size + 1)                # (B, T + 1)
    windows = ids[offsets]                                                  # (B, T + 1)
    x, y = windows[:, :-1].contiguous(), windows[:, 1:].contiguous()        # (B, T) each
    if device is not None and device.type != "cpu":
        return x.to(device, non_blocking=True), y.to(device, non_blocking=True)
    return x, y


def random_rows(inputs, targets, *, batch_size: int, generator=None) -> Iterator[tuple]:
    """Endless batches ``(inputs[rows], targets[rows])`` of ``batch_size`` random rows
    (drawn with replacement from ``generator``)."""
    import torch

    batch_size = check_int(batch_size, "batch_size", minimum=1, where="random_rows")
    generator = check_torch_generator(generator, where="random_rows")
    for name, value in (("inputs", inputs), ("targets", targets)):
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"random_rows: {name} must be a torch tensor with one row per "
                            f"example, got {describe(value)}"
                            + ("; use torch.from_numpy(x)" if hasattr(value, "shape") else ""))
        if value.ndim == 0 or len(value) == 0:
            raise ValueError(f"random_rows: {name} must hold at least one row, got shape "
                             f"{tuple(value.shape)}")
    if len(inputs) != len(targets):
        raise ValueError(f"random_rows: inputs and targets must have the same number of rows, "
                         f"got {len(inputs)} and {len(targets)}")
    while True:
        rows = torch.randint(0, len(inputs), (batch_size,), generator=generator)
        yield inputs[rows], targets[rows]
