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

from dataclasses import dataclass, field

import numpy as np

from nnlib.scratch.module import Module


class GradcheckError(AssertionError):
    """An analytic gradient disagrees with the finite-difference estimate."""


def max_relative_error(analytic, numeric, tiny: float = 1e-12) -> float:
    """max |a - n| / max(|a| + |n|): one number per tensor, robust to single zero entries."""
    analytic, numeric = np.asarray(analytic), np.asarray(numeric)
    scale = max(float(np.max(np.abs(analytic) + np.abs(numeric), initial=0.0)), tiny)
    return float(np.max(np.abs(analytic - numeric), initial=0.0)) / scale


def numerical_gradient(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Centred finite-difference gradient of the scalar function ``f()`` w.r.t. array ``x``.

    ``f`` takes no arguments and reads ``x`` itself: each entry of ``x`` is nudged in place
    (and restored), so ``x`` may be an input array or a parameter's ``.data``.
    """
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
        raise TypeError(f"gradcheck expects a Module (layer or loss), got {type(module).__name__}"
                        "; for a plain function use numerical_gradient(f, x)")
    x = np.array(x, dtype=np.result_type(np.asarray(x).dtype, np.float32), copy=True)
    _require_float64("x", x)
    params = dict(module.named_parameters())
    for name, p in params.items():
        _require_float64(f"parameter {name!r}", p.data)

    if target is None:
        out = module.forward(x)
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
