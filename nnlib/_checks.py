"""Argument checks shared by every part of nnlib (private: import from here, nowhere else).

Each ``check_*`` function returns the value in its canonical form (a Python ``int``, a
``float``, a tuple, a float ndarray, ...) or raises the error the policy in
:mod:`nnlib.errors` asks for:

* ``TypeError``        wrong type (a string, a bool or a float where an int goes, a pair where
  one number goes, a complex or object array);
* ``ValueError``       right type, wrong value (a negative size, an unknown option);
* ``ShapeError``       an array of the wrong rank or size (a ``ValueError``);
* ``NonFiniteError``   NaN or infinity where a finite number is needed (a ``ValueError``).

Every message starts with ``where`` (e.g. ``"Linear(3, 2)"``, the call the mistake was made
in), names the argument, shows the value received and says what is allowed, e.g.::

    Conv2d: in_channels must be an int >= 1, got (3, 99) (a tuple); pass one number

Booleans are never numbers here (``True`` is not a size), while NumPy scalars are
(``np.int64(3)`` is an int, ``np.float32(0.5)`` a float).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

import numpy as np

from nnlib.errors import NonFiniteError, ShapeError

__all__ = [
    "check_array",
    "check_axes",
    "check_bool",
    "check_callable",
    "check_choice",
    "check_device",
    "check_float",
    "check_float_dtype",
    "check_figure",
    "check_float_pair",
    "check_int",
    "check_instance",
    "check_int_or_pair",
    "check_iterable",
    "check_optional_int",
    "check_points_2d",
    "check_path",
    "check_seed",
    "check_tensor",
    "check_tensor_dtype",
    "check_token_ids",
    "check_text",
    "check_token_tensor",
    "check_torch_generator",
    "describe",
    "is_int",
    "is_real",
]


# -- helpers ---------------------------------------------------------------------------------
def describe(value, limit: int = 60) -> str:
    """``repr(value)`` shortened, with its type when the repr alone may mislead."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if type(value).__module__ == "torch" or type(value).__name__ == "Tensor":
        shape = tuple(getattr(value, "shape", ()))
        return f"a {type(value).__name__} of shape {shape} and dtype {getattr(value, 'dtype', '?')}"
    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    kind = type(value).__name__
    if isinstance(value, (bool, np.bool_)):
        return f"{text} (a bool)"
    if isinstance(value, (str, tuple, list, dict, set)) or value is None:
        return f"{text} (a {kind})" if value is not None else "None"
    if isinstance(value, (np.generic,)):
        return f"{text} (a NumPy {kind})"
    if isinstance(value, (int, float)):
        return text
    return f"{text} (a {kind})"


def _prefix(where: str) -> str:
    return f"{where}: " if where else ""


def _fail(exc: type[Exception], where: str, name: str, expected: str, value,
          hint: str = "") -> Exception:
    msg = f"{_prefix(where)}{name} must be {expected}, got {describe(value)}"
    return exc(msg + (f"; {hint}" if hint else ""))


def is_int(value) -> bool:
    """True for Python and NumPy integers, False for bools."""
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(
        value, (bool, np.bool_))


def is_real(value) -> bool:
    """True for Python/NumPy ints and floats (and 0-d real arrays), False for bools/complex."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.dtype.kind in "iuf"
    return isinstance(value, (numbers.Real, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_))


def _bounds_text(minimum, maximum, min_open, max_open) -> str:
    if minimum is not None and maximum is not None:
        return (f"in {'(' if min_open else '['}{minimum}, {maximum}{')' if max_open else ']'}")
    if minimum is not None:
        return f"{'>' if min_open else '>='} {minimum}"
    if maximum is not None:
        return f"{'<' if max_open else '<='} {maximum}"
    return ""


# -- scalars -----------------------------------------------------------------------------------
def check_int(value, name: str, *, minimum: int | None = None, maximum: int | None = None,
              where: str = "", hint: str = "") -> int:
    """``value`` as a Python int; bools, floats (even 3.0), strings and pairs are refused."""
    bounds = _bounds_text(minimum, maximum, False, False)
    expected = "an int" + (f" {bounds}" if bounds else "")
    if not is_int(value):
        if isinstance(value, (tuple, list)):
            hint = hint or "pass one number, not a pair"
        elif isinstance(value, (float, np.floating)) and float(value).is_integer():
            hint = hint or f"write {int(value)} without the decimal point"
        raise _fail(TypeError, where, name, expected, value, hint)
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise _fail(ValueError, where, name, expected, value, hint)
    return value


def check_optional_int(value, name: str, **kwargs) -> int | None:
    """None, or :func:`check_int`."""
    return None if value is None else check_int(value, name, **kwargs)


def check_float(value, name: str, *, minimum: float | None = None,
                maximum: float | None = None, min_open: bool = False, max_open: bool = False,
                finite: bool = True, where: str = "", hint: str = "") -> float:
    """``value`` as a Python float within the bounds.

    ``min_open`` / ``max_open`` exclude the bound itself: ``minimum=0, min_open=True`` is
    "positive". NaN always fails (``NonFiniteError``); so does infinity unless
    ``finite=False`` (then an infinite value must still respect the bounds).
    """
    bounds = _bounds_text(minimum, maximum, min_open, max_open)
    kind = "a finite number" if finite else "a number"
    expected = kind + (f" {bounds}" if bounds else "")
    if not is_real(value):
        if isinstance(value, str):
            hint = hint or "pass a number, not a string"
        elif isinstance(value, (tuple, list)):
            hint = hint or "pass one number, not a sequence"
        raise _fail(TypeError, where, name, expected, value, hint)
    x = float(value)
    if math.isnan(x) or (finite and math.isinf(x)):
        raise _fail(NonFiniteError, where, name, expected, value, hint)
    if minimum is not None and (x < minimum or (min_open and x == minimum)):
        raise _fail(ValueError, where, name, expected, value, hint)
    if maximum is not None and (x > maximum or (max_open and x == maximum)):
        raise _fail(ValueError, where, name, expected, value, hint)
    return x


def check_bool(value, name: str, *, where: str = "") -> bool:
    """``value`` as a bool; only True/False (and NumPy bools) are accepted, not 0/1/"yes"."""
    if not isinstance(value, (bool, np.bool_)):
        raise _fail(TypeError, where, name, "True or False", value)
    return bool(value)


def check_choice(value, name: str, choices: Iterable, *, where: str = ""):
    """``value`` if it is one of ``choices``; otherwise a ValueError listing them."""
    choices = tuple(choices)
    ok = any(_same(value, c) for c in choices)
    if not ok:
        allowed = ", ".join(repr(c) for c in choices)
        exc = ValueError if isinstance(value, (str, type(None))) or is_real(value) \
            else TypeError
        raise _fail(exc, where, name, f"one of {allowed}", value)
    return value


def _same(value, choice) -> bool:
    if isinstance(value, (bool, np.bool_)) != isinstance(choice, (bool, np.bool_)):
        return False  # True is not 1 here
    try:
        return bool(value == choice)
    except (TypeError, ValueError):  # e.g. an array compared with a string
        return False


def check_callable(value, name: str, *, where: str = "", optional: bool = False):
    if value is None and optional:
        return None
    if not callable(value):
        raise _fail(TypeError, where, name, "callable" + (" or None" if optional else ""),
                    value)
    return value


def check_seed(seed, name: str = "seed", *, where: str = "", optional: bool = True):
    """None (when ``optional``) or a non-negative int."""
    if seed is None and optional:
        return None
    return check_int(seed, name, minimum=0, where=where,
                     hint="" if is_int(seed) else "use an int such as 0")


def check_int_or_pair(value, name: str, *, minimum: int = 1,
                      where: str = "") -> tuple[int, int]:
    """An int ``k`` -> ``(k, k)``; a pair ``(a, b)`` -> ``(a, b)``; each an int >= minimum.

    This is for arguments PyTorch also takes as "int or tuple" (kernel_size, stride,
    padding); an argument that must be one int uses :func:`check_int`, which refuses pairs.
    """
    expected = f"an int >= {minimum} or a pair of them"
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise _fail(ValueError, where, name, expected, value,
                        "give one value per spatial axis: (height, width)")
        if not all(is_int(v) for v in value):
            raise _fail(TypeError, where, name, expected, value)
        items = (int(value[0]), int(value[1]))
    elif is_int(value):
        items = (int(value), int(value))
    else:
        raise _fail(TypeError, where, name, expected, value)
    if min(items) < minimum:
        raise _fail(ValueError, where, name, expected, value)
    return items


def check_float_pair(value, name: str, *, where: str = "", **bounds) -> tuple[float, float]:
    """A pair of floats, each checked with :func:`check_float` (``bounds`` as there)."""
    if isinstance(value, np.ndarray):
        value = tuple(value.tolist()) if value.ndim == 1 else value
    if not isinstance(value, (tuple, list)):
        raise _fail(TypeError, where, name, "a pair of numbers", value,
                    "e.g. (0.9, 0.999)" if name == "betas" else "")
    if len(value) != 2:
        raise _fail(ValueError, where, name, "a pair of numbers", value)
    return (check_float(value[0], f"{name}[0]", where=where, **bounds),
            check_float(value[1], f"{name}[1]", where=where, **bounds))


# -- objects ---------------------------------------------------------------------------------
def check_instance(value, name: str, types, expected: str, *, where: str = "",
                   hint: str = "", optional: bool = False):
    """``value`` if it is an instance of ``types`` (None too when ``optional``), else a
    TypeError naming ``expected`` (e.g. ``"a torch.nn.Module"``)."""
    if value is None and optional:
        return None
    if not isinstance(value, types):
        raise _fail(TypeError, where, name, expected + (" or None" if optional else ""), value,
                    hint)
    return value


def check_axes(ax, name: str = "ax", *, where: str = ""):
    """A matplotlib Axes (one panel of a Figure or SubFigure) to draw on."""
    from matplotlib.axes import Axes

    return check_instance(ax, name, Axes, "a matplotlib Axes", where=where,
                          hint="e.g. ax = fig.add_subplot() or one of fig.subplots(1, 2)")


def check_figure(fig, name: str = "fig", *, where: str = "", optional: bool = True):
    """A matplotlib Figure or SubFigure (one panel of ``fig.subfigures``) to draw into;
    None too when ``optional`` (the caller then makes a new Figure)."""
    from matplotlib.figure import FigureBase

    return check_instance(fig, name, FigureBase, "a matplotlib Figure or SubFigure", where=where,
                          optional=optional,
                          hint="e.g. Figure(figsize=(8, 3)), or leave it out for a new one")


def check_text(value, name: str, *, where: str = "", optional: bool = False):
    """A str (None too when ``optional``): a title, a label, a colour name."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise _fail(TypeError, where, name, "a str" + (" or None" if optional else ""), value)
    return value


def check_iterable(value, name: str, *, where: str = "", hint: str = "",
                   allow_str: bool = False):
    """``value`` if it can be iterated over (a list, a DataLoader, a generator); strings are
    refused unless ``allow_str`` (a string is rarely the data a learner meant)."""
    if isinstance(value, (str, bytes)) and not allow_str:
        raise _fail(TypeError, where, name, "an iterable of batches", value, hint)
    # never call iter(value): on a shuffling DataLoader that draws from its generator and
    # changes every later batch order (and every number a seeded run prints)
    import collections.abc

    scalar = isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.ndim == 0)
    if scalar or not (isinstance(value, collections.abc.Iterable)
                      or hasattr(value, "__getitem__")):  # NumPy scalars have __getitem__
        raise _fail(TypeError, where, name, "an iterable (a list, a DataLoader, ...)", value,
                    hint)
    return value


def check_path(value, name: str = "path", *, where: str = "", must_exist: bool = False):
    """A ``pathlib.Path`` from a str or path-like; with ``must_exist``, a missing file is a
    ``FileNotFoundError`` naming the argument and the folder looked in."""
    import os
    from pathlib import Path

    if isinstance(value, bool) or not isinstance(value, (str, os.PathLike)):
        raise _fail(TypeError, where, name, "a file path (a str or pathlib.Path)", value)
    path = Path(value)
    if must_exist and not path.is_file():
        raise FileNotFoundError(f"{_prefix(where)}{name}: no file {str(path)!r}"
                                + (f" (the folder {str(path.parent)!r} does not exist)"
                                   if not path.parent.is_dir() else "")
                                + "; check the spelling and the current folder")
    return path


def check_device(device, name: str = "device", *, where: str = "", optional: bool = True):
    """``device`` as a ``torch.device`` (None stays None when ``optional``).

    Accepts a ``torch.device`` or a string such as ``"cpu"``, ``"cuda"``, ``"cuda:0"``,
    ``"mps"``; refuses bools, numbers and unknown names with a message listing what works,
    and a GPU that this machine does not have with a message saying so.
    """
    import torch

    if device is None and optional:
        return None
    expected = "'cpu', 'cuda', 'cuda:0', 'mps' or a torch.device" + (
        " (or None: the best available)" if optional else "")
    if isinstance(device, torch.device):
        dev = device
    elif isinstance(device, str):
        try:
            dev = torch.device(device)
        except (RuntimeError, ValueError):
            raise _fail(ValueError, where, name, expected, device) from None
    else:
        raise _fail(TypeError, where, name, expected, device,
                    "a GPU number alone is ambiguous: write 'cuda:0'" if is_int(device) else "")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"{_prefix(where)}{name}={str(dev)!r} but this machine has no CUDA GPU "
                         "that PyTorch can use; pass device='cpu' (or None: the best available)")
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise ValueError(f"{_prefix(where)}{name}={str(dev)!r} but this machine has "
                         f"{torch.cuda.device_count()} CUDA GPU(s), numbered from 0")
    if dev.type == "mps" and not (getattr(torch.backends, "mps", None) is not None
                                  and torch.backends.mps.is_available()):
        raise ValueError(f"{_prefix(where)}{name}='mps' but Apple's MPS is not available here; "
                         "pass device='cpu' (or None: the best available)")
    return dev


def check_torch_generator(generator, name: str = "generator", *, where: str = ""):
    """None or a ``torch.Generator`` (e.g. ``torch.Generator().manual_seed(0)``)."""
    import torch

    return check_instance(generator, name, torch.Generator, "a torch.Generator", where=where,
                          optional=True,
                          hint="e.g. torch.Generator().manual_seed(0)"
                          if is_int(generator) else "")


# -- dtypes and arrays ---------------------------------------------------------------------------
def check_float_dtype(dtype, name: str = "dtype", *, where: str = "") -> np.dtype:
    """A floating NumPy dtype (float16/32/64); integer, bool or complex dtypes are refused."""
    if dtype is None or isinstance(dtype, (np.generic, bool, int, float)):
        # np.dtype(None) is float64 and np.dtype(np.float32(0.5)) float32: a value, not a type
        raise _fail(TypeError, where, name, "a floating NumPy dtype such as np.float32", dtype)
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise _fail(TypeError, where, name, "a floating NumPy dtype such as np.float32",
                    dtype) from None
    if dt.kind != "f":
        raise _fail(TypeError, where, name, "a floating dtype (np.float32 or np.float64)",
                    dtype, f"{dt} cannot hold the fractional values of weights")
    return dt


def _as_ndarray(x, name: str, where: str) -> np.ndarray:
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # a torch tensor
        x = x.detach().cpu().numpy()
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise TypeError(f"{_prefix(where)}{name} must be a numeric array, got "
                        f"{describe(x)} that NumPy cannot turn into one ({exc})") from None
    return arr


def check_array(x, name: str = "input", *, where: str = "", ndim: int | tuple[int, ...] |
                None = None, shape: tuple | None = None, last_dim: int | None = None,
                dtype: str = "float", finite: bool = True, allow_empty: bool = True,
                shape_text: str = "") -> np.ndarray:
    """``x`` as an ndarray, checked.

    ``dtype``: ``"float"`` (default) returns a floating array (ints and bools become float64,
    float16/32/64 stay); ``"int"`` wants integers (bools refused); ``"any"`` keeps any real
    dtype. Complex, string and object arrays raise ``TypeError`` in every mode.
    ``ndim``: the rank (or a tuple of allowed ranks); ``shape``: the exact shape, ``None``
    entries meaning "any size"; ``last_dim``: the size of the last axis.
    ``finite``: NaN/inf raise ``NonFiniteError``. ``allow_empty``: whether size 0 is fine.
    ``shape_text`` names the expected shape in messages, e.g. ``"(N, features)"``.
    """
    arr = _as_ndarray(x, name, where)
    p = _prefix(where)
    if arr.dtype.kind == "c":
        raise TypeError(f"{p}{name} must be real, got a complex array (dtype {arr.dtype}); "
                        "take x.real or np.abs(x) first")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{p}{name} must be a numeric array, got {describe(x)}")
    if dtype == "float":
        if arr.dtype.kind != "f":
            arr = arr.astype(np.float64)
    elif dtype == "int":
        if arr.dtype.kind not in "iu":
            raise TypeError(f"{p}{name} must hold integers, got dtype {arr.dtype}"
                            + ("; use x.astype(int) if the values are whole numbers"
                               if arr.dtype.kind == "f" else ""))
    elif dtype != "any":
        raise ValueError(f"check_array: unknown dtype mode {dtype!r}")
    if ndim is not None:
        ranks = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in ranks:
            want = shape_text or " or ".join(f"{r} dimensions" for r in ranks)
            hint = (" (a single example? use x[None] to add a batch axis)"
                    if arr.ndim == min(ranks) - 1 else "")
            raise ShapeError(f"{p}expected {name} of shape {want}, got shape {arr.shape}"
                             + hint)
    if shape is not None:
        if arr.ndim != len(shape) or any(s is not None and a != s
                                         for a, s in zip(arr.shape, shape, strict=True)):
            want = shape_text or "(" + ", ".join("any" if s is None else str(s)
                                                   for s in shape) + ")"
            raise ShapeError(f"{p}expected {name} of shape {want}, got shape {arr.shape}")
    if last_dim is not None and (arr.ndim == 0 or arr.shape[-1] != last_dim):
        raise ShapeError(f"{p}expected {name} with last dimension {last_dim}, got shape "
                         f"{arr.shape}")
    if not allow_empty and arr.size == 0:
        raise ShapeError(f"{p}{name} is empty (shape {arr.shape}); pass at least one element")
    if finite and arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
        raise NonFiniteError(f"{p}{name} contains {bad} NaN or infinite value(s); check the "
                             "data (or lower the learning rate if it came from training)")
    return arr


def check_points_2d(X, y, names: tuple[str, str] = ("X", "y"), *, where: str = ""):
    """Points ``X`` (N, 2) and their 0/1 class labels ``y`` (N,), for a 2-D scatter plot.

    Returns ``(X as float, y)``. Finite coordinates; labels ints, floats or bools equal to 0
    or 1 (a plot draws class 0 and class 1, nothing else).
    """
    x_name, y_name = names
    X = check_array(X, x_name, ndim=2, last_dim=2, shape_text="(N, 2)", where=where)
    y = check_array(y, y_name, ndim=1, dtype="any", shape_text="(N,)", where=where)
    if len(y) != len(X):
        raise ShapeError(f"{_prefix(where)}{y_name} must have one label per row of {x_name} "
                         f"({len(X)}), got {len(y)}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"{_prefix(where)}{y_name} must hold the class labels 0 and 1, got "
                         f"the values {np.unique(y)[:5].tolist()}")
    return X, y


def check_token_ids(ids, name: str = "idx", *, vocab_size: int | None = None,
                    where: str = "", ndim: int | tuple[int, ...] | None = None,
                    allow_negative: bool = False) -> np.ndarray:
    """Token ids as an int64 ndarray: integers only (``TypeError`` otherwise, the same type
    from every entry point), each in ``[0, vocab_size)`` (``ValueError`` otherwise).

    Accepts NumPy arrays, lists and torch tensors (use :func:`check_token_tensor` to keep a
    tensor a tensor).
    """
    arr = _as_ndarray(ids, name, where)
    p = _prefix(where)
    if arr.dtype.kind not in "iu":
        extra = ("; use ids.astype(np.int64) if the values are whole numbers"
                 if arr.dtype.kind == "f" else "")
        raise TypeError(f"{p}{name} must be integer token ids, got dtype {arr.dtype}"
                        f" (shape {arr.shape}){extra}")
    if ndim is not None:
        arr = check_array(arr, name, where=where, ndim=ndim, dtype="int")
    if arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        if (lo < 0 and not allow_negative) or (vocab_size is not None and hi >= vocab_size):
            allowed = (f"[0, {vocab_size - 1}] (vocab_size={vocab_size})"
                       if vocab_size is not None else ">= 0")
            raise ValueError(f"{p}{name} must hold token ids in {allowed}, got values from "
                             f"{lo} to {hi}"
                             + ("; is vocab_size too small for this text?"
                                if vocab_size is not None and hi >= vocab_size else ""))
    return arr.astype(np.int64, copy=False)


def check_tensor(x, name: str = "x", *, where: str = "", ndim: int | tuple[int, ...] |
                 None = None, shape: tuple | None = None, shape_text: str = "",
                 floating: bool | None = None, allow_empty: bool = True):
    """``x`` if it is a torch tensor of the right rank/shape/kind, else an error naming it.

    ``shape``: the exact shape, ``None`` entries meaning "any size"; ``floating=True`` wants a
    float tensor, ``False`` an integer one (token ids, time steps, edge indices); ``None``
    either. A NumPy array gets a hint to convert it with ``torch.as_tensor``.
    """
    import torch

    p = _prefix(where)
    want = f" of shape {shape_text}" if shape_text else ""
    if not isinstance(x, torch.Tensor):
        hint = ("; convert it with torch.as_tensor(x)" if isinstance(x, np.ndarray) else "")
        raise TypeError(f"{p}{name} must be a torch tensor{want}, got {describe(x)}{hint}")
    if ndim is not None:
        ranks = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if x.dim() not in ranks:
            rank = want or " with " + " or ".join(map(str, ranks)) + " dimensions"
            raise ShapeError(f"{p}expected {name}{rank}, got shape {tuple(x.shape)}")
    if shape is not None and (x.dim() != len(shape) or any(
            s is not None and a != s for a, s in zip(x.shape, shape, strict=True))):
        text = shape_text or "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
        raise ShapeError(f"{p}expected {name} of shape {text}, got shape {tuple(x.shape)}")
    if floating is True and not x.is_floating_point():
        raise TypeError(f"{p}{name} must be a float tensor, got dtype {x.dtype}; use x.float()")
    if floating is False and (x.is_floating_point() or x.is_complex() or x.dtype == torch.bool):
        raise TypeError(f"{p}{name} must hold integers, got dtype {x.dtype}; use x.long() if "
                        "the values are whole numbers")
    if not allow_empty and x.numel() == 0:
        raise ShapeError(f"{p}{name} is empty (shape {tuple(x.shape)}); pass at least one "
                         "element")
    return x


def check_tensor_dtype(x, like, name: str = "x", *, where: str = ""):
    """``x`` (a tensor) must have the dtype of ``like`` (a model's first weight): a cheap check
    for a model's ``forward``, where torch would say only "mat1 and mat2 must have the same
    dtype" or "expected scalar type Byte but found Float". Returns ``x``."""
    if x.dtype != like.dtype:
        src = (" (torch.from_numpy keeps NumPy's float64)" if str(x.dtype) == "torch.float64"
               else " (and / 255 for images stored as bytes)" if str(x.dtype) == "torch.uint8"
               else "")
        to = {"torch.float32": "x.float()", "torch.float64": "x.double()",
              "torch.float16": "x.half()", "torch.bfloat16": "x.bfloat16()"}.get(
                  str(like.dtype), f"x.to({like.dtype})")
        raise TypeError(f"{_prefix(where)}{name} has dtype {x.dtype} but the model's weights "
                        f"are {like.dtype}; convert the input with {to}{src}")
    return x


def check_token_tensor(ids, name: str = "idx", *, vocab_size: int | None = None,
                       where: str = "", ndim: int | tuple[int, ...] | None = None):
    """The torch version of :func:`check_token_ids`: returns the tensor unchanged."""
    import torch

    p = _prefix(where)
    if not isinstance(ids, torch.Tensor):
        raise TypeError(f"{p}{name} must be a torch tensor of token ids, got {describe(ids)}")
    if ids.dtype not in (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8):
        raise TypeError(f"{p}{name} must be integer token ids, got dtype {ids.dtype} "
                        f"(shape {tuple(ids.shape)}); use ids.long() if the values are whole "
                        "numbers")
    if ndim is not None:
        ranks = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if ids.dim() not in ranks:
            raise ShapeError(f"{p}expected {name} with {' or '.join(map(str, ranks))} "
                             f"dimensions, got shape {tuple(ids.shape)}")
    if ids.numel():
        lo, hi = int(ids.min()), int(ids.max())
        if lo < 0 or (vocab_size is not None and hi >= vocab_size):
            allowed = (f"[0, {vocab_size - 1}] (vocab_size={vocab_size})"
                       if vocab_size is not None else ">= 0")
            raise ValueError(f"{p}{name} must hold token ids in {allowed}, got values from "
                             f"{lo} to {hi}")
    return ids
