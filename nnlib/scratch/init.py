"""Weight initialisation: Glorot/Xavier and He/Kaiming, for nnlib's (d_in, d_out) weights.

* Xavier (Glorot & Bengio, 2010) keeps the variance of activations *and* gradients roughly
  constant through tanh/sigmoid-like layers: Var(W) = gain^2 * 2 / (fan_in + fan_out).
* Kaiming (He et al., 2015) corrects for ReLU zeroing half its inputs:
  Var(W) = gain^2 / fan  with gain = sqrt(2) for ReLU.

A uniform U(-b, b) has variance b^2 / 3, which is where the sqrt(3) in the bounds comes from.
The formulas are PyTorch's (``torch.nn.init``); only the weight layout differs: nnlib stores
``W`` as ``(fan_in, fan_out) = (d_in, d_out)`` while PyTorch stores ``(out, in)``.
Each function returns a new array drawn from ``rng`` (default: nnlib's shared generator).
"""

from __future__ import annotations

import math

import numpy as np

from nnlib.utils import get_rng


def as_rng(rng=None) -> np.random.Generator:
    """None -> nnlib's shared generator (see ``set_seed``); an int -> a new seeded one."""
    if rng is None:
        return get_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(f"rng must be None, an int seed or np.random.Generator, got {rng!r}")


def calculate_gain(nonlinearity: str = "linear", param: float | None = None) -> float:
    """The factor that keeps activations' variance steady through ``nonlinearity``."""
    if nonlinearity in ("linear", "identity", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope**2))
    raise ValueError(f"unknown nonlinearity {nonlinearity!r}; use 'linear', 'sigmoid', "
                     "'tanh', 'relu' or 'leaky_relu'")


def fan_in_and_fan_out(shape) -> tuple[int, int]:
    """For a weight of shape (d_in, d_out): fan_in = d_in, fan_out = d_out."""
    shape = tuple(shape)
    if len(shape) != 2:
        raise ValueError(f"expected a weight shape (d_in, d_out), got {shape}")
    return shape[0], shape[1]


def xavier_uniform(shape, gain: float = 1.0, *, rng=None, dtype=np.float32) -> np.ndarray:
    """U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return as_rng(rng).uniform(-bound, bound, size=shape).astype(dtype)


def xavier_normal(shape, gain: float = 1.0, *, rng=None, dtype=np.float32) -> np.ndarray:
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(shape)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return (std * as_rng(rng).standard_normal(size=shape)).astype(dtype)


def _kaiming_std(shape, a: float, mode: str, nonlinearity: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = fan_in_and_fan_out(shape)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform(shape, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", *, rng=None,
                    dtype=np.float32) -> np.ndarray:
    """U(-b, b) with b = gain * sqrt(3 / fan); ``a`` is the leaky-ReLU slope (0: ReLU)."""
    bound = math.sqrt(3.0) * _kaiming_std(shape, a, mode, nonlinearity)
    return as_rng(rng).uniform(-bound, bound, size=shape).astype(dtype)


def kaiming_normal(shape, a: float = 0.0, mode: str = "fan_in",
                   nonlinearity: str = "leaky_relu", *, rng=None,
                   dtype=np.float32) -> np.ndarray:
    """N(0, std^2) with std = gain / sqrt(fan); ``a`` is the leaky-ReLU slope (0: ReLU)."""
    std = _kaiming_std(shape, a, mode, nonlinearity)
    return (std * as_rng(rng).standard_normal(size=shape)).astype(dtype)
