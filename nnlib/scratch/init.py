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

from nnlib import _checks
from nnlib.utils import get_rng

_NONLINEARITIES = ("linear", "identity", "sigmoid", "tanh", "relu", "leaky_relu")


def as_rng(rng=None) -> np.random.Generator:
    """None -> nnlib's shared generator (see ``set_seed``); an int -> a new seeded one."""
    if rng is None:
        return get_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    if _checks.is_int(rng):
        return np.random.default_rng(_checks.check_seed(rng, "rng", where="as_rng"))
    raise TypeError(f"as_rng: rng must be None, an int seed >= 0 or a np.random.Generator, "
                    f"got {_checks.describe(rng)}; e.g. rng=0")


def calculate_gain(nonlinearity: str = "linear", param: float | None = None) -> float:
    """The factor that keeps activations' variance steady through ``nonlinearity``.

    ``param`` is the negative slope of ``"leaky_relu"`` (None: 0.01, as PyTorch); any finite
    number (NaN and infinity are refused).
    """
    where = "calculate_gain"
    _checks.check_choice(nonlinearity, "nonlinearity", _NONLINEARITIES, where=where)
    slope = 0.01 if param is None else _checks.check_float(param, "param", where=where)
    if nonlinearity in ("linear", "identity", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if abs(slope) < 1e150:  # the formula as it always was (bit for bit the same weights)
        return math.sqrt(2.0 / (1 + slope**2))
    return math.sqrt(2.0) / math.hypot(1.0, slope)  # the same without overflowing slope**2


def fan_in_and_fan_out(shape) -> tuple[int, int]:
    """For a weight of shape (d_in, d_out): fan_in = d_in, fan_out = d_out (ints >= 1)."""
    where = "fan_in_and_fan_out"
    if not isinstance(shape, (tuple, list)):
        raise TypeError(f"{where}: shape must be a pair (d_in, d_out), got "
                        f"{_checks.describe(shape)}; e.g. shape=(784, 128)")
    if len(shape) != 2:
        raise ValueError(f"{where}: shape must be a weight shape (d_in, d_out), got "
                         f"{tuple(shape)}; nnlib's weights are 2-D")
    return (_checks.check_int(shape[0], "shape[0] (d_in)", minimum=1, where=where),
            _checks.check_int(shape[1], "shape[1] (d_out)", minimum=1, where=where))


def _draw(where: str, shape, scale: float, scale_name: str, uniform: bool, rng, dtype):
    dtype = _checks.check_float_dtype(dtype, where=where)
    if not math.isfinite(scale) or scale > float(np.finfo(dtype).max) / 8:  # draws reach ~6
        raise ValueError(f"{where}: {scale_name} is so large that the weights overflow "
                         f"{dtype} (spread {scale:g}); use a value near 1")
    gen = as_rng(rng)
    if uniform:
        return gen.uniform(-scale, scale, size=shape).astype(dtype)
    return (scale * gen.standard_normal(size=shape)).astype(dtype)


def _gain(gain, where: str) -> float:
    return _checks.check_float(gain, "gain", minimum=0, where=where)


def xavier_uniform(shape, gain: float = 1.0, *, rng=None, dtype=np.float32) -> np.ndarray:
    """U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)); ``gain`` a finite number >= 0."""
    fan_in, fan_out = fan_in_and_fan_out(shape)
    bound = _gain(gain, "xavier_uniform") * math.sqrt(6.0 / (fan_in + fan_out))
    return _draw("xavier_uniform", (fan_in, fan_out), bound, "gain", True, rng, dtype)


def xavier_normal(shape, gain: float = 1.0, *, rng=None, dtype=np.float32) -> np.ndarray:
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)); ``gain`` finite, >= 0."""
    fan_in, fan_out = fan_in_and_fan_out(shape)
    std = _gain(gain, "xavier_normal") * math.sqrt(2.0 / (fan_in + fan_out))
    return _draw("xavier_normal", (fan_in, fan_out), std, "gain", False, rng, dtype)


def _kaiming_std(shape, a, mode: str, nonlinearity: str, where: str) -> float:
    fan_in, fan_out = fan_in_and_fan_out(shape)
    a = _checks.check_float(a, "a", where=where)
    _checks.check_choice(mode, "mode", ("fan_in", "fan_out"), where=where)
    _checks.check_choice(nonlinearity, "nonlinearity", _NONLINEARITIES, where=where)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform(shape, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", *, rng=None,
                    dtype=np.float32) -> np.ndarray:
    """U(-b, b) with b = gain * sqrt(3 / fan); ``a`` is the leaky-ReLU slope (0: ReLU)."""
    bound = math.sqrt(3.0) * _kaiming_std(shape, a, mode, nonlinearity, "kaiming_uniform")
    return _draw("kaiming_uniform", tuple(shape), bound, "a", True, rng, dtype)


def kaiming_normal(shape, a: float = 0.0, mode: str = "fan_in",
                   nonlinearity: str = "leaky_relu", *, rng=None,
                   dtype=np.float32) -> np.ndarray:
    """N(0, std^2) with std = gain / sqrt(fan); ``a`` is the leaky-ReLU slope (0: ReLU)."""
    std = _kaiming_std(shape, a, mode, nonlinearity, "kaiming_normal")
    return _draw("kaiming_normal", tuple(shape), std, "a", False, rng, dtype)
