"""Seeds, devices and a short environment report for the top of each notebook."""

from __future__ import annotations

import os
import platform
import random
import sys

import numpy as np

_rng = np.random.default_rng(0)


def set_seed(seed: int = 0) -> None:
    """Seed Python's ``random``, NumPy (global state and nnlib's generator) and torch."""
    global _rng
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    _rng = np.random.default_rng(seed)
    try:
        import torch
    except ImportError:  # nnlib's NumPy half works without torch
        return
    torch.manual_seed(seed)


def get_rng() -> np.random.Generator:
    """nnlib's shared NumPy generator (reset by :func:`set_seed`); layers draw from it."""
    return _rng


def get_device(prefer: str | None = None):
    """The best available torch device: CUDA, then Apple's MPS, then the CPU.

    ``prefer`` ("cpu", "cuda", "mps") forces a choice when it is available, and
    the environment variable ``NNLIB_DEVICE`` does the same without code changes.
    """
    import torch

    choice = prefer or os.environ.get("NNLIB_DEVICE")
    if choice:
        choice = choice.lower()
        if choice not in {"cpu", "cuda", "mps"}:
            raise ValueError(f"device must be 'cpu', 'cuda' or 'mps', got {choice!r}")
        if choice == "cuda" and not torch.cuda.is_available():
            raise RuntimeError("CUDA was requested but no CUDA GPU is visible; use 'cpu'")
        if choice == "mps" and not _mps_available():
            raise RuntimeError("MPS was requested but this is not an Apple-silicon Mac; use 'cpu'")
        return torch.device(choice)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def _mps_available() -> bool:
    import torch

    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def in_colab() -> bool:
    """True when running inside Google Colab."""
    return "google.colab" in sys.modules


def environment_report() -> str:
    """A few lines naming the versions and the device, for the top of a notebook."""
    import matplotlib

    import nnlib

    lines = [
        f"Python      {platform.python_version()} ({platform.system()})",
        f"nnlib       {nnlib.__version__}",
        f"NumPy       {np.__version__}",
        f"Matplotlib  {matplotlib.__version__}",
    ]
    try:
        import torch
    except ImportError:
        lines.append("PyTorch     not installed")
    else:
        device = get_device()
        name = torch.cuda.get_device_name(0) if device.type == "cuda" else ""
        lines.append(f"PyTorch     {torch.__version__}")
        lines.append(f"Device      {device.type}" + (f" ({name})" if name else ""))
    try:
        import ipywidgets
    except ImportError:
        lines.append("ipywidgets  not installed")
    else:
        lines.append(f"ipywidgets  {ipywidgets.__version__}")
    lines.append("Running in  " + ("Google Colab" if in_colab() else "a local Jupyter kernel"))
    return "\n".join(lines)
