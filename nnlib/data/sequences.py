"""Seeded synthetic sequence tasks for recurrent nets and Transformers.

All arrays are batch-first: ``N`` sequences of length ``T``. Every function
builds its own ``np.random.default_rng(seed)``, so results never depend on
NumPy's global random state.

Token tasks (``copy_task``, ``reverse_task``, ``sort_task``) use the tokens
``0 .. vocab_size-1`` only; no token is reserved for padding, start or
separator, because input and target have the same fixed length. A model that
needs a start or separator token can use ``vocab_size`` itself as one. The
target is what a model should output after reading the *whole* input (an
encoder-decoder, or a decoder fed ``[inputs, targets]`` with teacher
forcing). With the same ``n``, ``seq_len``, ``vocab_size`` and ``seed`` the
three tasks share the same inputs.
"""

from __future__ import annotations

import numpy as np

from nnlib import _checks

__all__ = ["copy_task", "reverse_task", "sort_task", "adding_problem"]


def _random_tokens(n, seq_len, vocab_size, seed) -> np.ndarray:
    n = _checks.check_int(n, "n", minimum=1)
    seq_len = _checks.check_int(seq_len, "seq_len", minimum=1)
    vocab_size = _checks.check_int(vocab_size, "vocab_size", minimum=2)
    rng = np.random.default_rng(_checks.check_seed(seed, optional=False))
    return rng.integers(0, vocab_size, size=(n, seq_len), dtype=np.int64)


def copy_task(n: int = 1000, seq_len: int = 10, vocab_size: int = 10, seed: int = 0):
    """Targets equal the inputs.

    Trivial for a model that sees token t when it writes output t; the point
    is to squeeze the sequence through a bottleneck (an RNN encoder's final
    state) and write it back. Returns ``inputs`` and ``targets``, both
    (n, seq_len) int64 in ``0 .. vocab_size-1``.
    """
    inputs = _random_tokens(n, seq_len, vocab_size, seed)
    return inputs, inputs.copy()


def reverse_task(n: int = 1000, seq_len: int = 10, vocab_size: int = 10, seed: int = 0):
    """Targets are the inputs backwards: ``targets[:, t] == inputs[:, T-1-t]``.

    Returns ``inputs`` and ``targets``, both (n, seq_len) int64.
    """
    inputs = _random_tokens(n, seq_len, vocab_size, seed)
    return inputs, inputs[:, ::-1].copy()


def sort_task(n: int = 1000, seq_len: int = 10, vocab_size: int = 10, seed: int = 0):
    """Targets are the inputs sorted in ascending order (repeated tokens allowed).

    Returns ``inputs`` and ``targets``, both (n, seq_len) int64.
    """
    inputs = _random_tokens(n, seq_len, vocab_size, seed)
    return inputs, np.sort(inputs, axis=1)


def adding_problem(n: int = 1000, seq_len: int = 50, seed: int = 0):
    """The adding problem, a test of long-range memory for recurrent nets.

    Introduced by Hochreiter & Schmidhuber (1997); this is the variant used by
    Le, Jaitly & Hinton (2015, the IRNN paper). Each sequence has two channels:

    * ``inputs[:, :, 0]`` values drawn uniformly from [0, 1);
    * ``inputs[:, :, 1]`` a marker that is 1 at exactly two steps: one in the
      first half ``[0, T//2)``, one in the second half ``[T//2, T)``; 0 elsewhere.

    The target is the sum of the two marked values. Returns ``inputs``
    (n, seq_len, 2) float64 and ``targets`` (n,) float64.

    Baseline to beat: the target has mean 1 and variance 2 * 1/12 = 1/6, so
    always predicting 1.0 gives a mean squared error of 1/6, about 0.167.
    A model must get well below that to show it has learned anything.
    """
    n, seed = _checks.check_int(n, "n", minimum=1), _checks.check_seed(seed, optional=False)
    seq_len = _checks.check_int(seq_len, "seq_len", minimum=2)
    rng = np.random.default_rng(seed)
    half = seq_len // 2
    values = rng.uniform(0.0, 1.0, size=(n, seq_len))
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, seq_len, size=n)
    rows = np.arange(n)
    markers = np.zeros((n, seq_len))
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    targets = values[rows, first] + values[rows, second]
    return np.stack([values, markers], axis=2), targets
