"""The exceptions nnlib raises, shared by the NumPy engine, autograd and the PyTorch side.

The policy, everywhere in nnlib (the checks themselves live in ``nnlib._checks``):

* ``TypeError``         an argument of the wrong type (a string where a number goes);
* ``ValueError``        an argument of the right type with a wrong value (a negative size);
* :class:`ShapeError`   an array of the wrong rank or size (a ``ValueError``);
* :class:`NonFiniteError` NaN or infinite values where finite ones are needed (a ``ValueError``);
* :class:`NotForwardedError` ``backward`` called without a matching ``forward``;
* :class:`TrainingDivergedError` the loss became NaN or infinite during training.

Every message names the argument, says what was received and what to do.
"""

from __future__ import annotations


class ShapeError(ValueError):
    """An array has the wrong rank or size for the layer it was given to."""


class NonFiniteError(ValueError):
    """An array holds NaN or infinite values (bad data, or a diverging network)."""


class NotForwardedError(RuntimeError):
    """``backward`` was called before ``forward`` (or twice for one forward)."""


class TrainingDivergedError(RuntimeError):
    """The loss became NaN or infinite: the learning rate is almost always too large."""


__all__ = ["NonFiniteError", "NotForwardedError", "ShapeError", "TrainingDivergedError"]
