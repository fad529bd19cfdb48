"""Small seeded 2-D data sets for classification and 1-D regression.

Every generator builds its own ``np.random.default_rng(seed)``, so the same
arguments always give the same arrays, whatever else has used NumPy's random
state. Classification sets return ``(X, y)`` with ``X`` float64 of shape
``(N, 2)`` and ``y`` int64 labels of shape ``(N,)``, shuffled.

Balanced classes: ``n`` points are split as evenly as possible between the
``K`` classes; when ``K`` does not divide ``n`` the first ``n % K`` classes
get one extra point (``two_moons(n=201)`` has 101 points of class 0 and 100
of class 1).

``noise`` is the standard deviation of Gaussian noise added to each coordinate
*after* the labels are fixed, so with large noise some points cross to the
other class's side. The noise is drawn even when ``noise=0``, which makes
``noise=0`` give the clean version of exactly the same points.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnlib import _checks
from nnlib.errors import NonFiniteError

__all__ = [
    "logic_gate",
    "two_moons",
    "circles",
    "gaussian_blobs",
    "spirals",
    "xor_quadrants",
    "regression_1d",
    "train_test_split",
]

def _n_noise_seed(n, noise, seed) -> tuple[int, float, int]:
    return (_checks.check_int(n, "n", minimum=1),
            _checks.check_float(noise, "noise", minimum=0, maximum=_LARGEST_SCALE),
            _checks.check_seed(seed, optional=False))


# noise and spreads beyond this overflow float64 once multiplied by a normal sample
_LARGEST_SCALE = 1e100


def _class_sizes(n: int, n_classes: int) -> list[int]:
    """Split ``n`` as evenly as possible; the first ``n % n_classes`` classes get one more."""
    if n < n_classes:
        raise ValueError(f"n={n} is too small for {n_classes} classes: "
                         f"use n >= {n_classes} so every class gets a point")
    return [n // n_classes + (c < n % n_classes) for c in range(n_classes)]


def _labels(sizes: list[int]) -> np.ndarray:
    return np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)


def _noisy_shuffled(rng: np.random.Generator, X: np.ndarray, y: np.ndarray, noise: float):
    """Add Gaussian noise of std ``noise`` to ``X`` and shuffle ``(X, y)`` together."""
    X = X + noise * rng.standard_normal(X.shape)  # drawn even for noise=0: same stream
    return _shuffled(rng, X, y)


def _shuffled(rng: np.random.Generator, X: np.ndarray, y: np.ndarray):
    order = rng.permutation(len(y))
    return X[order].astype(np.float64), y[order]


# -- logic gates --------------------------------------------------------------------

_GATES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "AND": lambda a, b: a & b,
    "OR": lambda a, b: a | b,
    "NAND": lambda a, b: 1 - (a & b),
    "NOR": lambda a, b: 1 - (a | b),
    "XOR": lambda a, b: a ^ b,
    "XNOR": lambda a, b: 1 - (a ^ b),
}


def logic_gate(name: str):
    """The truth table of a two-input logic gate.

    ``name`` is one of AND, OR, NAND, NOR, XOR, XNOR (any case).
    Returns ``X`` (4, 2) float64, the inputs 00, 01, 10, 11 in that order, and
    ``y`` (4,) int64, the gate's 0/1 output. XOR and XNOR are the two gates a
    single perceptron cannot learn.
    """
    if not isinstance(name, str):
        raise TypeError(f"logic_gate: name must be a gate's name (a str), got "
                        f"{_checks.describe(name)}; valid names are {', '.join(_GATES)}")
    key = name.upper()
    if key not in _GATES:
        raise ValueError(f"logic_gate: unknown logic gate name={name!r}; valid names are "
                         f"{', '.join(_GATES)}")
    bits = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.int64)
    y = _GATES[key](bits[:, 0], bits[:, 1]).astype(np.int64)
    return bits.astype(np.float64), y


# -- 2-D classification sets ------------------------------------------------------


def two_moons(n: int = 200, noise: float = 0.1, seed: int = 0):
    """Two interleaving half circles of radius 1.

    Class 0 is the upper moon (centre (0, 0)), class 1 the lower moon (centre
    (1, 0.5)) reaching into it. Returns ``X`` (n, 2) float64, ``y`` (n,) int64.
    """
    n, noise, seed = _n_noise_seed(n, noise, seed)
    rng = np.random.default_rng(seed)
    sizes = _class_sizes(n, 2)
    angle = rng.uniform(0.0, np.pi, size=n)
    upper = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    lower = np.stack([1.0 - np.cos(angle), 0.5 - np.sin(angle)], axis=1)
    X = np.concatenate([upper[: sizes[0]], lower[sizes[0]:]])
    return _noisy_shuffled(rng, X, _labels(sizes), noise)


def circles(n: int = 200, noise: float = 0.05, factor: float = 0.5, seed: int = 0):
    """A small circle inside a big one: not linearly separable, but separable by radius.

    Class 0 lies on the circle of radius 1, class 1 on the circle of radius
    ``factor`` (0 < factor < 1). Returns ``X`` (n, 2) float64, ``y`` (n,) int64.
    """
    n, noise, seed = _n_noise_seed(n, noise, seed)
    factor = _checks.check_float(factor, "factor", minimum=0, min_open=True)
    if factor >= 1:
        raise ValueError(f"factor is the inner circle's radius and must be < 1, got {factor}")
    rng = np.random.default_rng(seed)
    sizes = _class_sizes(n, 2)
    y = _labels(sizes)
    radius = np.where(y == 0, 1.0, factor)
    angle = rng.uniform(0.0, 2 * np.pi, size=n)
    X = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return _noisy_shuffled(rng, X, y, noise)


def gaussian_blobs(n: int = 200, centers=2, std=1.0, seed: int = 0):
    """Isotropic Gaussian clusters, one class per centre.

    ``centers`` is either a number of classes ``K`` (the centres are then
    spaced evenly on the circle of radius 3, the first at 45 degrees, so
    ``centers=2`` gives (2.12, 2.12) and (-2.12, -2.12)) or an array of shape
    (K, d) of centres. ``std`` is the standard deviation of every cluster, or
    a sequence of K of them. Returns ``X`` (n, d) float64 (d = 2 unless centres
    are given) and ``y`` (n,) int64 with ``y == k`` for points around centre k.
    """
    n, seed = _checks.check_int(n, "n", minimum=1), _checks.check_seed(seed, optional=False)
    if _checks.is_int(centers):
        k = _checks.check_int(centers, "centers", minimum=1)
        angle = np.pi / 4 + 2 * np.pi * np.arange(k) / k
        centres = 3.0 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    else:
        try:
            centres = np.asarray(centers)
        except (ValueError, TypeError):  # rows of different lengths
            raise TypeError(f"gaussian_blobs: centers must be a number of classes or an array "
                            f"of shape (K, d), got {_checks.describe(centers)} whose rows "
                            "differ in length; give every centre the same number of "
                            "coordinates") from None
        if (centres.ndim != 2 or centres.shape[0] < 1 or centres.shape[1] < 1
                or centres.dtype.kind not in "iuf"):
            raise ValueError("centers must be a number of classes or an array of shape "
                             f"(K, d), got {centers!r}")
        centres = centres.astype(np.float64)
        if not np.all(np.isfinite(centres)):
            raise ValueError("centers contains NaN or infinite values")
    k = len(centres)
    stds = (None if isinstance(std, (bool, str)) else
            _checks.check_array(std, "std", where="gaussian_blobs", finite=False))
    if stds is None or stds.shape not in {(), (k,)} or not np.all(np.isfinite(stds)) \
            or np.any(stds < 0) or np.any(stds > _LARGEST_SCALE):
        raise ValueError(f"std must be a number in [0, {_LARGEST_SCALE:g}] or a sequence of {k} "
                         "of them "
                         f"(one per centre), got {std!r}")
    rng = np.random.default_rng(seed)
    y = _labels(_class_sizes(n, k))
    spread = np.broadcast_to(stds, (k,))[y][:, None]
    X = centres[y] + spread * rng.standard_normal((n, centres.shape[1]))
    return _shuffled(rng, X, y)


def spirals(n: int = 200, n_classes: int = 2, noise: float = 0.1, turns: float = 1.75,
            seed: int = 0):
    """Interleaved spiral arms, one per class (like TensorFlow Playground's spiral).

    Along arm ``c`` the radius grows linearly from 0 to 3 while the angle
    sweeps ``turns`` full turns; arm ``c`` is rotated by ``2*pi*c/n_classes``.
    The points on an arm are evenly spaced in radius. (Radius 3 keeps the arms
    of two classes about 0.9 apart, so the default noise blurs them without
    hiding the spiral.) Returns ``X`` (n, 2) float64 and ``y`` (n,) int64 in
    ``0 .. n_classes-1``.
    """
    n, noise, seed = _n_noise_seed(n, noise, seed)
    n_classes = _checks.check_int(n_classes, "n_classes", minimum=2)
    turns = _checks.check_float(turns, "turns", minimum=0, min_open=True, maximum=1e6)
    rng = np.random.default_rng(seed)
    sizes = _class_sizes(n, n_classes)
    y = _labels(sizes)
    along = np.concatenate([np.arange(size) / size for size in sizes])  # 0 -> 1 on each arm
    angle = 2 * np.pi * (turns * along + y / n_classes)
    X = 3.0 * along[:, None] * np.stack([np.sin(angle), np.cos(angle)], axis=1)
    return _noisy_shuffled(rng, X, y, noise)


def xor_quadrants(n: int = 200, noise: float = 0.05, padding: float = 0.05, seed: int = 0):
    """Points in the square [-1, 1]^2 labelled by the sign of ``x1 * x2`` (Playground's XOR).

    Label 1 for the quadrants where ``x1 * x2 > 0`` (top right, bottom left),
    label 0 where it is negative. Each coordinate stays at least ``padding``
    away from the axes before the noise is added, so with ``noise=0`` the
    labels follow the sign rule exactly. Returns ``X`` (n, 2) float64 and
    ``y`` (n,) int64.
    """
    n, noise, seed = _n_noise_seed(n, noise, seed)
    padding = _checks.check_float(padding, "padding", minimum=0)
    if padding >= 1:
        raise ValueError(f"padding must be < 1 (the square is [-1, 1]^2), got {padding}")
    rng = np.random.default_rng(seed)
    y = _labels(_class_sizes(n, 2))
    magnitude = rng.uniform(padding, 1.0, size=(n, 2))
    sign_1 = rng.choice([-1.0, 1.0], size=n)
    sign_2 = np.where(y == 1, sign_1, -sign_1)  # same signs -> positive product -> class 1
    X = magnitude * np.stack([sign_1, sign_2], axis=1)
    return _noisy_shuffled(rng, X, y, noise)


# -- 1-D regression -----------------------------------------------------------------

_FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": lambda x: 0.5 * x,
    "sin": np.sin,
    "quadratic": np.square,
    "cubic": lambda x: x**3,
    "abs": np.abs,
    "step": lambda x: (x > 0).astype(np.float64),
}


def regression_1d(n: int = 100, function="sin", noise: float = 0.1, seed: int = 0,
                  x_range: tuple[float, float] = (-3.0, 3.0)):
    """Noisy samples ``y = f(x) + noise * N(0, 1)`` of a 1-D function.

    ``function`` is a name: "linear" (0.5 x), "sin", "quadratic" (x^2), "cubic"
    (x^3), "abs" (|x|), "step" (1 for x > 0, else 0); or any callable mapping
    an array of x to an array of y of the same shape. ``x`` is drawn uniformly
    from ``x_range`` and sorted, so ``plt.plot(X, y)`` draws a line.
    Returns ``X`` (n, 1) float64 and ``y`` (n,) float64.
    """
    n, noise, seed = _n_noise_seed(n, noise, seed)
    if callable(function):
        f = function
    elif isinstance(function, str) and function.lower() in _FUNCTIONS:
        f = _FUNCTIONS[function.lower()]
    else:
        raise ValueError(f"unknown function {function!r}; use a callable or one of "
                         f"{', '.join(_FUNCTIONS)}")
    try:
        low, high = (float(v) for v in x_range)
    except (TypeError, ValueError):
        raise ValueError(f"x_range must be a pair (low, high), got {x_range!r}") from None
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"x_range must be finite with low < high, got {x_range!r}")
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(low, high, size=n))
    clean = np.asarray(f(x), dtype=np.float64)
    if clean.shape != x.shape:
        raise ValueError(f"function must return one y per x: expected shape {x.shape}, "
                         f"got {clean.shape}")
    if not np.all(np.isfinite(clean)):
        bad = int(np.count_nonzero(~np.isfinite(clean)))
        raise NonFiniteError(f"regression_1d: function returned NaN or infinite values at {bad} "
                             f"of the {n} points of x_range={x_range!r}; use a function "
                             "defined on the whole range (or a narrower x_range)")
    y = clean + noise * rng.standard_normal(n)
    return x[:, None], y


# -- splitting ------------------------------------------------------------------------


def train_test_split(X, y, test_fraction: float = 0.2, seed: int = 0, stratify: bool = True):
    """Shuffle and split into ``X_train, X_test, y_train, y_test`` (scikit-learn's order).

    ``X`` has shape (N, ...) and ``y`` shape (N,). With ``stratify=True`` and
    integer (or boolean) labels, each class sends ``round(test_fraction *
    count)`` of its points to the test set, so both sets keep the class
    proportions; float targets (regression) are split without stratifying.
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim != 1 or len(X) != len(y):
        raise ValueError(f"expected X of shape (N, ...) and y of shape (N,) with the same N, "
                         f"got X {X.shape} and y {y.shape}")
    test_fraction = _checks.check_float(test_fraction, "test_fraction", minimum=0, min_open=True)
    if test_fraction >= 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    rng = np.random.default_rng(_checks.check_seed(seed, optional=False))
    stratify = _checks.check_bool(stratify, "stratify", where="train_test_split")
    n = len(y)
    if stratify and (np.issubdtype(y.dtype, np.integer) or y.dtype == bool):
        test_parts, train_parts = [], []
        for label in np.unique(y):
            members = rng.permutation(np.flatnonzero(y == label))
            n_test = int(round(test_fraction * len(members)))
            test_parts.append(members[:n_test])
            train_parts.append(members[n_test:])
        test_idx = rng.permutation(np.concatenate(test_parts))
        train_idx = rng.permutation(np.concatenate(train_parts))
    else:
        order = rng.permutation(n)
        n_test = int(round(test_fraction * n))
        test_idx, train_idx = order[:n_test], order[n_test:]
    if len(test_idx) == 0 or len(train_idx) == 0:
        raise ValueError(f"test_fraction={test_fraction} of {n} examples leaves an empty "
                         f"{'test' if len(test_idx) == 0 else 'training'} set; "
                         "use more data or a different test_fraction")
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]
