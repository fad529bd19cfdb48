"""Where and in which precision to train: one helper for every PyTorch loop in nnlib.

:func:`setup_precision` picks, for a device:

* CUDA: bfloat16 autocast on GPUs that have it in hardware (Ampere and later), otherwise
  float16 autocast with a gradient scaler (float16's small range would let small gradients
  underflow to 0 without loss scaling); TF32 matrix products are switched on on Ampere+;
* CPU and Apple's MPS: plain float32, nothing changed.

The returned :class:`Precision` wraps the three places a training step differs:
``with precision.autocast():`` around the forward pass, ``precision.backward(loss)``,
``precision.step(optimizer)`` (and ``precision.unscale_(optimizer)`` before clipping).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch

from nnlib._checks import check_choice, check_device

__all__ = ["DTYPES", "Precision", "make_grad_scaler", "resolve_dtype", "setup_precision"]

DTYPES = ("auto", "float32", "bfloat16", "float16")


def make_grad_scaler(device_type: str = "cuda", enabled: bool = True):
    """A gradient scaler; ``torch.amp.GradScaler`` needs torch >= 2.3, older torch has
    ``torch.cuda.amp.GradScaler``."""
    try:
        return torch.amp.GradScaler(device_type, enabled=enabled)
    except (AttributeError, TypeError):                 # torch < 2.3
        return torch.cuda.amp.GradScaler(enabled=enabled)


def _native_bf16() -> bool:
    """True on GPUs with bfloat16 in hardware (Ampere and later); emulated bf16 is slow."""
    try:
        return torch.cuda.is_bf16_supported(including_emulation=False)
    except TypeError:                                   # torch < 2.3 has no such argument
        return torch.cuda.is_bf16_supported()


def resolve_dtype(name: str, device) -> torch.dtype:
    """The autocast dtype for ``name`` ("auto", "float32", "bfloat16", "float16") on
    ``device``; float32 means no autocast. Mixed precision runs on CUDA GPUs only."""
    check_choice(name, "precision", DTYPES)
    device = check_device(device, optional=False)
    if device.type != "cuda":
        if name in ("bfloat16", "float16"):
            raise ValueError(f"precision {name!r} needs a CUDA GPU (mixed precision runs on "
                             "GPUs only); on this device use 'float32' or 'auto'")
        return torch.float32
    if name == "auto":
        return torch.bfloat16 if _native_bf16() else torch.float16
    return getattr(torch, name)


@dataclass
class Precision:
    """Autocast dtype and gradient scaler of one training run (see :func:`setup_precision`)."""

    device: torch.device
    dtype: torch.dtype = torch.float32
    scaler: object | None = None

    @property
    def mixed(self) -> bool:
        return self.dtype != torch.float32

    def autocast(self):
        """Context for the forward pass (and the loss): autocast, or nothing in float32."""
        if not self.mixed:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.dtype)

    def backward(self, loss: torch.Tensor) -> None:
        (self.scaler.scale(loss) if self.scaler is not None else loss).backward()

    def unscale_(self, optimizer) -> None:
        """Divide the gradients by the loss scale (before clipping or measuring them)."""
        if self.scaler is not None:
            self.scaler.unscale_(optimizer)

    def step(self, optimizer) -> None:
        if self.scaler is not None:
            self.scaler.step(optimizer)                 # skipped if a gradient is inf/NaN
            self.scaler.update()
        else:
            optimizer.step()

    def __str__(self) -> str:
        name = str(self.dtype).removeprefix("torch.")
        return name + (" + GradScaler" if self.scaler is not None else "")


def setup_precision(device, precision: str | Precision = "auto") -> Precision:
    """The :class:`Precision` for ``device``: "auto" (see the module docstring), "float32",
    "bfloat16" or "float16" (a GradScaler comes with float16). Enables TF32 on Ampere+."""
    if isinstance(precision, Precision):
        return precision
    device = check_device(device, where="setup_precision", optional=False)
    dtype = resolve_dtype(precision, device)
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        if torch.cuda.get_device_capability(index)[0] >= 8:   # Ampere and later
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True
    scaler = make_grad_scaler(device.type) if dtype == torch.float16 else None
    return Precision(device, dtype, scaler)
