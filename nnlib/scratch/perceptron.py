"""Rosenblatt's perceptron (1958) and its learning rule.

The perceptron predicts ``1`` when ``w . x + b > 0`` and ``0`` otherwise. After each
example it nudges the weights towards the right answer, and only when it was wrong::

    y_hat = step(w . x + b)
    w <- w + lr * (y - y_hat) * x
    b <- b + lr * (y - y_hat)

If the two classes can be separated by a straight line (a hyperplane), this stops
making mistakes after finitely many updates (Novikoff, 1962). If they cannot, as for
XOR, it never settles down: every pass over the data makes at least one mistake.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnlib import _checks
from nnlib.errors import NonFiniteError
from nnlib.scratch.init import as_rng
from nnlib.scratch.module import ShapeError, check_array
from nnlib.utils import get_rng


class Perceptron:
    """A single threshold unit with weights ``w`` (d,) and bias ``b``; labels are 0 and 1.

    Weights start at zero (as in the convergence proof), so with zero start ``lr`` only
    rescales ``w`` and ``b`` and never changes which mistakes are made.
    ``rng`` shuffles the examples in :meth:`fit_epoch` (default: nnlib's shared generator).
    """

    def __init__(self, n_features: int, lr: float = 1.0, rng: np.random.Generator | None = None):
        self.n_features = _checks.check_int(n_features, "n_features", minimum=1,
                                            where="Perceptron")
        self.lr = _checks.check_float(lr, "lr", minimum=0, min_open=True, where="Perceptron")
        self.rng = None if rng is None else as_rng(rng)
        self.w = np.zeros(self.n_features)
        self.b = 0.0
        self.converged = False

    # -- prediction ------------------------------------------------------------------------
    def decision_function(self, X) -> np.ndarray:
        """``X @ w + b``: (N, d) -> (N,), or a single example (d,) -> a 0-d array."""
        X = self._check_X(X)
        return X @ self.w + self.b

    def predict(self, X) -> np.ndarray:
        """Class 1 where ``w . x + b > 0``, else 0: (N, d) -> (N,) ints, or (d,) -> 0-d int."""
        return (self.decision_function(X) > 0).astype(np.int64)

    # -- learning -------------------------------------------------------------------------
    def update(self, x, y) -> bool:
        """Apply the learning rule to one example ``x`` (d,) with label ``y`` (0 or 1).

        Returns True when the perceptron got it wrong (and so changed its weights).
        """
        x = self._check_X(x)
        if x.ndim != 1:
            raise ShapeError(f"update takes one example of shape ({self.n_features},), got shape "
                             f"{x.shape}; use fit_epoch for a batch")
        y = int(self._check_y(np.asarray([y]), 1)[0])
        error = y - int(self.predict(x))  # -1, 0 or +1
        if error:
            with np.errstate(over="ignore", invalid="ignore"):
                w, b = self.w + self.lr * error * x, self.b + self.lr * error
            if not (np.isfinite(b) and np.all(np.isfinite(w))):  # weights left as they were
                raise NonFiniteError(
                    f"Perceptron.update: this update would make w or b infinite (lr={self.lr!r}, "
                    f"w={self.w}, b={self.b}); use a smaller lr or smaller inputs")
            self.w[:] = w  # in place: callers may hold self.w
            self.b = float(b)
        return error != 0

    def fit_epoch(self, X, y, shuffle: bool = True,
                  on_update: Callable[[int, bool], object] | None = None) -> int:
        """One pass over ``X`` (N, d), ``y`` (N,) one example at a time; returns the mistakes.

        ``on_update(i, wrong)``, if given, is called after each example ``X[i]`` has been
        seen (``wrong``: it was a mistake), e.g. to record ``self.w`` step by step.
        """
        shuffle = _checks.check_bool(shuffle, "shuffle", where="Perceptron.fit_epoch")
        on_update = _checks.check_callable(on_update, "on_update", optional=True,
                                           where="Perceptron.fit_epoch")
        X = self._check_X(X, batch_only=True)
        y = self._check_y(y, len(X))
        order = (self.rng or get_rng()).permutation(len(X)) if shuffle else range(len(X))
        mistakes = 0
        for i in order:
            wrong = self.update(X[i], y[i])
            mistakes += wrong
            if on_update is not None:
                on_update(int(i), wrong)
        return mistakes

    def fit(self, X, y, epochs: int = 100, shuffle: bool = True) -> list[int]:
        """Run epochs until one makes no mistake or ``epochs`` have passed.

        Returns the number of mistakes in each epoch that ran; ``self.converged`` says
        whether the last epoch was mistake-free (the data were separated).
        """
        epochs = _checks.check_int(epochs, "epochs", minimum=1, where="Perceptron.fit")
        shuffle = _checks.check_bool(shuffle, "shuffle", where="Perceptron.fit")
        history = []
        self.converged = False
        for _ in range(epochs):
            history.append(self.fit_epoch(X, y, shuffle=shuffle))
            if history[-1] == 0:
                self.converged = True
                break
        return history

    # -- input checks ----------------------------------------------------------------------
    def _check_X(self, X, batch_only: bool = False) -> np.ndarray:
        X = check_array(X, "X", layer="Perceptron")
        if X.ndim == 1 and not batch_only and X.shape[0] == self.n_features:
            return X
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ShapeError(f"Perceptron: expected X of shape (N, {self.n_features})"
                             + ("" if batch_only else f" or one example ({self.n_features},)")
                             + f", got shape {X.shape}")
        return X

    @staticmethod
    def _check_y(y, n: int) -> np.ndarray:
        y = _checks.check_array(y, "y", where="Perceptron", dtype="any")
        if y.shape != (n,):
            raise ShapeError(f"Perceptron: expected labels y of shape ({n},), got shape {y.shape}")
        if y.dtype == bool:
            return y.astype(np.int64)
        if not np.issubdtype(y.dtype, np.number):
            raise TypeError(f"Perceptron: labels must be the numbers 0 and 1, got dtype {y.dtype}")
        if not np.all(np.isin(y, (0, 1))):
            hint = " (for -1/+1 labels pass (y + 1) // 2)" if np.any(y == -1) else ""
            raise ValueError(f"Perceptron: labels must be 0 or 1, found values "
                             f"{np.unique(y)[:5].tolist()}{hint}")
        return y.astype(np.int64)
