"""Two-dimensional loss surfaces for watching optimizers move, with exact gradients.

Each :class:`Surface` has ``value(x, y)`` (element-wise, so it takes floats, NumPy grids
or torch tensors alike) and ``grad(x, y) -> (df/dx, df/dy)`` written out by hand.

* ``bowl``: an ill-conditioned quadratic, 10 times steeper along y than along x;
* ``rosenbrock``: a curved, flat-bottomed valley (minimum at (1, 1));
* ``saddle``: a saddle point at the origin between two minima at (0, +-1).

:func:`optimize_path` runs an nnlib optimizer on a surface and records the path;
a run that blows up is stopped and reported as diverged (no exception, no warning).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nnlib._checks import (
    check_bool,
    check_callable,
    check_choice,
    check_float,
    check_float_pair,
    check_instance,
    check_int,
    describe,
)
from nnlib.scratch.module import Parameter
from nnlib.scratch.optim import Optimizer

BOWL_CURVATURES = (1.0, 10.0)  # second derivatives along x and y: condition number 10


@dataclass(frozen=True)
class Surface:
    """A function of two variables with its gradient, a start point and plot limits."""

    name: str
    formula: str
    value: Callable
    grad: Callable
    start: tuple[float, float]
    minima: tuple[tuple[float, float], ...]
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    log_levels: bool = False  # contour levels spaced on a log scale (deep narrow valleys)

    def __post_init__(self):
        where = "Surface"
        for name in ("name", "formula"):
            check_instance(getattr(self, name), name, str, "a str", where=where)
        check_callable(self.value, "value", where=where)
        check_callable(self.grad, "grad", where=where)
        for name in ("start", "xlim", "ylim"):  # a frozen dataclass: set the checked pairs
            object.__setattr__(self, name, check_float_pair(getattr(self, name), name,
                                                             where=where))
        for name in ("xlim", "ylim"):
            low, high = getattr(self, name)
            if not low < high:
                raise ValueError(f"{where}: {name} must be (low, high) with low < high, "
                                 f"got {(low, high)}")
        check_instance(self.minima, "minima", (tuple, list), "a tuple of (x, y) points",
                       where=where)
        object.__setattr__(self, "minima", tuple(check_float_pair(m, f"minima[{i}]",
                                                                  where=where)
                                                 for i, m in enumerate(self.minima)))
        check_bool(self.log_levels, "log_levels", where=where)

    def __call__(self, x, y):
        return self.value(x, y)

    def grid(self, n: int = 120):
        """``(X, Y, Z)`` on an n x n grid over the plot limits, for contour plots."""
        xs = np.linspace(*self.xlim, n)
        ys = np.linspace(*self.ylim, n)
        X, Y = np.meshgrid(xs, ys)
        return X, Y, self.value(X, Y)


def _bowl(x, y):
    a, b = BOWL_CURVATURES
    return 0.5 * (a * x * x + b * y * y)


def _bowl_grad(x, y):
    a, b = BOWL_CURVATURES
    return a * x, b * y


def _rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def _rosenbrock_grad(x, y):
    inner = y - x * x
    return -2 * (1 - x) - 400 * x * inner, 200 * inner


def _saddle(x, y):
    return 0.5 * x * x + 0.25 * y**4 - 0.5 * y * y


def _saddle_grad(x, y):
    return x, y**3 - y


SURFACES: dict[str, Surface] = {
    "bowl": Surface("ill-conditioned bowl", "f = (x² + 10 y²) / 2", _bowl, _bowl_grad,
                    start=(-4.5, 1.5), minima=((0.0, 0.0),), xlim=(-5.0, 5.0),
                    ylim=(-2.5, 2.5)),
    "rosenbrock": Surface("Rosenbrock", "f = (1 - x)² + 100 (y - x²)²", _rosenbrock,
                          _rosenbrock_grad, start=(-1.5, 2.0), minima=((1.0, 1.0),),
                          xlim=(-2.0, 2.0), ylim=(-1.0, 3.0), log_levels=True),
    "saddle": Surface("saddle", "f = x²/2 + y⁴/4 - y²/2", _saddle, _saddle_grad,
                      start=(-2.5, 0.01), minima=((0.0, 1.0), (0.0, -1.0)),
                      xlim=(-3.0, 3.0), ylim=(-1.8, 1.8)),
}


def get_surface(name: str) -> Surface:
    """One of :data:`SURFACES` by key ("bowl", "rosenbrock", "saddle")."""
    return SURFACES[check_choice(name, "name", sorted(SURFACES), where="get_surface")]


@dataclass
class SurfacePath:
    """Points visited, shape (steps + 1, 2), their losses (steps + 1,), and whether it blew up."""

    points: np.ndarray
    losses: np.ndarray
    diverged: bool
    diverged_at: int | None = None  # the step at which the run left the safe region

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])


def optimize_path(surface: Surface | str, make_optimizer: Callable[[list], Optimizer],
                  steps: int = 100, start=None, escape_radius: float = 1e4) -> SurfacePath:
    """Run ``make_optimizer([param])`` for ``steps`` steps on ``surface`` from ``start``.

    ``make_optimizer`` builds an nnlib optimizer from a parameter list, e.g.
    ``lambda params: Adam(params, lr=0.1)``. A run is *diverged* once a coordinate is
    NaN/inf or farther than ``escape_radius`` from the origin; it stops there.
    """
    where = "optimize_path"
    if isinstance(surface, str):
        surface = SURFACES[check_choice(surface, "surface", sorted(SURFACES), where=where)]
    check_instance(surface, "surface", Surface, f"a Surface or one of {sorted(SURFACES)}",
                   where=where)
    check_callable(make_optimizer, "make_optimizer", where=where)
    steps = check_int(steps, "steps", minimum=1, where=where)
    escape_radius = check_float(escape_radius, "escape_radius", minimum=0, min_open=True,
                                finite=False, where=where)
    point = np.array(surface.start if start is None
                     else check_float_pair(start, "start", where=where), dtype=np.float64)
    param = Parameter(point, "xy")
    optimizer = make_optimizer([param])
    if not isinstance(optimizer, Optimizer) and not all(  # a learner's own class is fine too
            callable(getattr(optimizer, m, None)) for m in ("zero_grad", "step")):
        raise TypeError(f"{where}: make_optimizer([param]) must return an optimizer (with "
                        f"zero_grad() and step()), got {describe(optimizer)}; e.g. "
                        "make_optimizer=lambda params: SGD(params, lr=0.1)")
    if type(optimizer).__module__.startswith("torch"):
        raise TypeError(f"{where}: make_optimizer([param]) returned a PyTorch optimizer "
                        f"({type(optimizer).__name__}), which cannot move nnlib's Parameter; "
                        "use nnlib.scratch's, e.g. lambda params: SGD(params, lr=0.1)")
    held = getattr(optimizer, "params", None)
    if isinstance(held, (list, tuple)) and not any(p is param for p in held):
        raise ValueError(f"{where}: make_optimizer([param]) returned an optimizer that does not "
                         "hold the parameter it was given (the path would never move); build "
                         "it from its argument: lambda params: SGD(params, lr=0.1)")
    points, losses = [param.data.copy()], [float(surface.value(*param.data))]
    with np.errstate(all="ignore"):  # overflow is detected below, not warned about
        for t in range(1, steps + 1):
            optimizer.zero_grad()
            param.grad += np.array(surface.grad(*param.data))
            optimizer.step()
            if not np.all(np.isfinite(param.data)) or np.abs(param.data).max() > escape_radius:
                return SurfacePath(np.array(points), np.array(losses), True, t)
            points.append(param.data.copy())
            losses.append(float(surface.value(*param.data)))
    return SurfacePath(np.array(points), np.array(losses), False)
