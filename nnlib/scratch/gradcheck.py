"""Check a layer's backward pass against centred finite differences.

    df/dx_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)      (error O(eps^2))

For a layer we check the scalar f(x) = sum(forward(x) * G) with a fixed random G, so
``backward(G)`` must return df/dx and leave df/dparam in every ``param.grad``. For a loss,
f(x) = loss(x, target) and ``backward()`` must return df/dx.

Work in float64: float32 rounding (~1e-7) divided by 2 * eps would swamp the comparison.
Layers with randomness (Dropout in training mode) cannot be checked this way: use ``.eval()``.

Usage::

    report = gradcheck(MyLayer().double(), x)   # raises GradcheckError naming the culprit
    print(report)
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field

import numpy as np

from nnlib._checks import (
    check_array,
    check_bool,
    check_callable,
    check_float,
    check_seed,
    describe,
)
from nnlib.errors import ShapeError
from nnlib.scratch.module import Module


class GradcheckError(AssertionError):
    """An analytic gradient disagrees with the finite-difference estimate."""


def max_relative_error(analytic, numeric, tiny: float = 1e-12) -> float:
    """max |a - n| / max(|a| + |n|): one number per tensor, robust to single zero entries."""
    analytic = check_array(analytic, "analytic", where="max_relative_error", finite=False)
    numeric = check_array(numeric, "numeric", where="max_relative_error", finite=False)
    if analytic.shape != numeric.shape:
        raise ShapeError(f"max_relative_error: analytic and numeric must have the same shape, "
                         f"got {analytic.shape} and {numeric.shape}")
    tiny = check_float(tiny, "tiny", minimum=0, min_open=True, where="max_relative_error")
    scale = max(float(np.max(np.abs(analytic) + np.abs(numeric), initial=0.0)), tiny)
    return float(np.max(np.abs(analytic - numeric), initial=0.0)) / scale


def numerical_gradient(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Centred finite-difference gradient of the scalar function ``f()`` w.r.t. array ``x``.

    ``f`` takes no arguments and reads ``x`` itself: each entry of ``x`` is nudged in place
    (and restored), so ``x`` may be an input array or a parameter's ``.data``.
    """
    check_callable(f, "f", where="numerical_gradient")
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise TypeError("numerical_gradient: x must be a float NumPy array that f reads (it is "
                        "nudged in place), got "
                        + (f"an array of dtype {x.dtype}; use x = x.astype(np.float64) and let "
                           "f read that array" if isinstance(x, np.ndarray)
                           else f"{type(x).__name__}; make it an array f reads: "
                           "x = np.array(..., dtype=np.float64)"))
    eps = check_float(eps, "eps", minimum=0, maximum=1, min_open=True,
                      where="numerical_gradient", hint="a small step such as 1e-6")
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in range(x.size):
        original = x.flat[i]
        x.flat[i] = original + eps
        f_plus = float(f())
        x.flat[i] = original - eps
        f_minus = float(f())
        x.flat[i] = original
        grad.flat[i] = (f_plus - f_minus) / (2 * eps)
    return grad


@dataclass
class GradcheckReport:
    """Max relative (and absolute) error per tensor: ``"input"`` and each parameter name.

    A tensor passes if its relative error is <= ``tol``, or if every entry differs by at most
    ``atol``: a gradient that is exactly 0 (say a bias followed by batch norm) is compared
    with finite-difference noise of ~1e-10, and its relative error means nothing.
    """

    errors: dict[str, float] = field(default_factory=dict)
    abs_errors: dict[str, float] = field(default_factory=dict)
    tol: float = 1e-6
    atol: float = 1e-8

    def ok(self, name: str) -> bool:
        return self.errors[name] <= self.tol or self.abs_errors[name] <= self.atol

    @property
    def passed(self) -> bool:
        return all(self.ok(name) for name in self.errors)

    @property
    def failed(self) -> list[str]:
        return [name for name in self.errors if not self.ok(name)]

    def add(self, name: str, analytic, numeric) -> None:
        self.errors[name] = max_relative_error(analytic, numeric)
        self.abs_errors[name] = float(np.max(np.abs(analytic - numeric), initial=0.0))

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        width = max(len(name) for name in self.errors)
        return "\n".join(
            f"{name:<{width}}  rel. error {self.errors[name]:.2e}  abs. error "
            f"{self.abs_errors[name]:.2e}  {'ok' if self.ok(name) else 'FAIL'}"
            for name in self.errors)


def _require_float64(name: str, arr: np.ndarray) -> None:
    if arr.dtype != np.float64:
        raise TypeError(f"gradcheck needs float64 but {name} is {arr.dtype}: float32 rounding "
                        "(~1e-7) swamps finite differences. Call .double() on the layer and "
                        "pass x.astype(np.float64)")


def _check_forward_arity(module: Module, target) -> None:
    """A layer's forward takes x, a loss's forward takes (x, target): say which one is missing."""
    try:
        params = inspect.signature(module.forward).parameters.values()
    except (TypeError, ValueError):
        return
    if any(p.kind in (p.VAR_POSITIONAL,) for p in params):
        return
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is p.empty]
    name = type(module).__name__
    if target is not None and len(positional) < 2:
        raise TypeError(f"gradcheck: target was given, but {name} is a layer (forward(x) takes "
                        "no target); leave target=None to check a layer, or pass a loss")
    if target is None and len(required) >= 2:
        raise TypeError(f"gradcheck: {name}.forward needs a target (it is a loss): pass "
                        f"gradcheck({name}(), x, target)")


def gradcheck(module: Module, x, target=None, *, eps: float = 1e-6, tol: float = 1e-6,
              atol: float = 1e-8, seed: int = 0,
              raise_on_failure: bool = True) -> GradcheckReport:
    """Compare ``module``'s backward with finite differences, for ``x`` and every parameter.

    ``module``: a layer (``forward(x)``/``backward(grad_out)``) or, when ``target`` is
    given, a loss (``forward(x, target) -> float``/``backward()``).
    Returns a :class:`GradcheckReport` (truthy if every tensor passes: relative error
    <= ``tol`` or absolute error <= ``atol``); if a check fails
    and ``raise_on_failure``, raises :class:`GradcheckError` naming the failing tensors.
    """
    if not isinstance(module, Module):
        raise TypeError(f"gradcheck: module must be a Module (a layer or a loss), got "
                        f"{describe(module)}; for a plain function use numerical_gradient(f, x)")
    eps = check_float(eps, "eps", minimum=0, maximum=0.1, min_open=True, where="gradcheck",
                      hint="a small step such as 1e-6 (a large one measures a different slope)")
    tol = check_float(tol, "tol", minimum=0, maximum=1, max_open=True, where="gradcheck",
                      hint="a relative error is at most 1, so tol >= 1 would pass anything; "
                      "use e.g. 1e-6")
    atol = check_float(atol, "atol", minimum=0, where="gradcheck")
    seed = check_seed(seed, where="gradcheck", optional=False)
    raise_on_failure = check_bool(raise_on_failure, "raise_on_failure", where="gradcheck")
    x = np.array(check_array(x, "x", where="gradcheck", dtype="any", allow_empty=False),
                 copy=True)
    _require_float64("x", x)
    _check_forward_arity(module, target)
    params = dict(module.named_parameters())
    for name, p in params.items():
        _require_float64(f"parameter {name!r}", p.data)

    if target is None:
        out = module.forward(x)
        if not np.array_equal(out, module.forward(x), equal_nan=True):
            raise ValueError(f"gradcheck: {type(module).__name__} gives a different output for "
                             "the same x on a second call, so no gradient can be checked (a "
                             "Dropout in training mode draws a new mask each call): call "
                             "module.eval() first")
        weights = np.random.default_rng(seed).standard_normal(np.shape(out))

        def f():
            return np.sum(module.forward(x) * weights)
    else:
        weights = 1.0

        def f():
            return module.forward(x, target)

    # analytic gradients: one forward, one backward from clean .grad buffers
    saved_grads = {name: p.grad.copy() for name, p in params.items()}
    module.zero_grad()
    f()
    analytic = {"input": np.array(module.backward(weights), dtype=np.float64)}
    analytic.update({name: p.grad.copy() for name, p in params.items()})
    for name, p in params.items():
        p.grad[...] = saved_grads[name]

    report = GradcheckReport(tol=tol, atol=atol)
    report.add("input", analytic["input"], numerical_gradient(f, x, eps))
    for name, p in params.items():
        report.add(name, analytic[name], numerical_gradient(f, p.data, eps))
    if raise_on_failure and not report.passed:
        raise GradcheckError(
            f"gradcheck failed for {type(module).__name__}: the backward pass gives wrong "
            f"gradients for {', '.join(report.failed)} (tolerance {tol:g})\n{report}")
    return report
