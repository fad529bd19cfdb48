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
    from nnlib._checks import check_int, is_int

    # torch.manual_seed takes at most 2**64 - 1
    seed = check_int(seed, "seed", minimum=0, maximum=2**64 - 1, where="set_seed",
                     hint="" if is_int(seed) else "use a whole number such as 0")
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


def get_device(prefer: str | None = None, *, announce: bool = False, gpu_hint: bool = False):
    """The best available torch device: CUDA, then Apple's MPS, then the CPU.

    ``prefer`` ("cpu", "cuda", "mps") forces a choice when it is available, and
    the environment variable ``NNLIB_DEVICE`` does the same without code changes
    (``make test`` sets ``NNLIB_DEVICE=cpu`` so that stored outputs compare on any machine).
    ``announce=True`` prints one line naming the device (the notebooks' setup cells do);
    with ``gpu_hint=True`` as well, a Colab session without a GPU is told how to get one.
    """
    from nnlib._checks import check_bool, describe

    if prefer is not None and not isinstance(prefer, str):
        raise TypeError(f"get_device: prefer must be 'cpu', 'cuda', 'mps' or None (the best "
                        f"available), got {describe(prefer)}")
    announce = check_bool(announce, "announce", where="get_device")
    gpu_hint = check_bool(gpu_hint, "gpu_hint", where="get_device")
    device = _pick_device(prefer)
    if announce:
        print(device_message(device, gpu_hint=gpu_hint))
    return device


def device_message(device, *, gpu_hint: bool = False) -> str:
    """``Device: cpu`` and the like; with ``gpu_hint``, on Colab's CPU, how to switch to a GPU."""
    import torch

    text = f"Device: {device.type}"
    if device.type == "cuda":
        text += f" ({torch.cuda.get_device_name(device)})"
    elif gpu_hint and in_colab():
        text += (". This Colab session has no GPU: Runtime > Change runtime type > T4 GPU, "
                 "then run the notebook again (the default run also works on the CPU).")
    return text


def _pick_device(prefer: str | None):
    import torch

    choice = prefer or os.environ.get("NNLIB_DEVICE")
    if choice:
        source = "prefer" if prefer else "the environment variable NNLIB_DEVICE"
        choice = choice.lower()
        if choice not in {"cpu", "cuda", "mps"}:
            raise ValueError(f"get_device: {source} is {choice!r}, but the device must be "
                             "'cpu', 'cuda' or 'mps' (or None: the best available)")
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


def full_run_notice(full_run: bool, estimate_minutes_cpu: float, *, device=None,
                    estimate_minutes_gpu: float | None = None) -> str | None:
    """Warn before a ``FULL_RUN`` on the CPU: print how long it will take, and return the text.

    Call it in a setup cell right after ``device = get_device(...)``, with the measured time of
    the notebook's full run on a laptop CPU. Nothing is printed for the default run or on a GPU.
    """
    from nnlib._checks import check_bool, check_float

    where = "full_run_notice"
    full_run = check_bool(full_run, "full_run", where=where)
    estimate_minutes_cpu = check_float(estimate_minutes_cpu, "estimate_minutes_cpu", minimum=0,
                                       min_open=True, where=where)
    if estimate_minutes_gpu is not None:
        estimate_minutes_gpu = check_float(estimate_minutes_gpu, "estimate_minutes_gpu",
                                           minimum=0, min_open=True, where=where)
    if not full_run:
        return None
    if device is None:
        device = get_device()
    device_type = _device_type(device, where)
    if device_type != "cpu":
        return None
    gpu = f" (a GPU needs about {_minutes(estimate_minutes_gpu)})" if estimate_minutes_gpu else ""
    faster = ("Runtime > Change runtime type > T4 GPU" if in_colab()
              else "a machine with a GPU, or Colab with a GPU runtime")
    text = (f"FULL_RUN = True on the CPU: this notebook will take about "
            f"{_minutes(estimate_minutes_cpu)}{gpu}. For the quick version set FULL_RUN = False; "
            f"for speed use {faster}.")
    print(text)
    return text


def _device_type(device, where: str) -> str:
    """``"cpu"``, ``"cuda"``, ... of a torch.device or a device name such as ``"cuda:0"``."""
    import torch

    from nnlib._checks import describe

    if isinstance(device, torch.device):
        return device.type
    if isinstance(device, str):
        try:
            return torch.device(device).type
        except (RuntimeError, ValueError):
            pass
    raise (ValueError if isinstance(device, str) else TypeError)(
        f"{where}: device must be a torch.device or a name such as 'cpu' or 'cuda', got "
        f"{describe(device)}")


def _minutes(value: float) -> str:
    if value >= 90:
        return f"{value / 60:.1f} hours"
    whole = max(1, round(value))
    return f"{whole} minute" + ("" if whole == 1 else "s")


def count_parameters(model, trainable_only: bool = True) -> int:
    """Number of numbers (weights and biases) in ``model``: a PyTorch module or an
    ``nnlib.scratch`` one, the one way to count them in both halves.

    ``trainable_only`` (PyTorch) leaves out parameters with ``requires_grad=False``.
    """
    from nnlib import _checks

    trainable_only = _checks.check_bool(trainable_only, "trainable_only",
                                        where="count_parameters")
    if isinstance(model, type) or not callable(getattr(model, "parameters", None)):
        raise TypeError("count_parameters: model must be a model with .parameters() (a "
                        f"torch.nn.Module or an nnlib.scratch Module), got "
                        f"{_checks.describe(model)}"
                        + ("; did you forget to build it, e.g. MLP() rather than MLP?"
                           if isinstance(model, type) else ""))
    total = 0
    for p in model.parameters():
        if hasattr(p, "numel"):                        # a torch tensor
            if p.requires_grad or not trainable_only:
                total += p.numel()
        else:                                          # an nnlib.scratch Parameter
            total += int(np.asarray(p.data).size)
    return int(total)
