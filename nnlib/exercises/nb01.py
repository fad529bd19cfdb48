"""Checks for notebook 01 (the perceptron)."""

from __future__ import annotations

import itertools

import numpy as np

from nnlib.exercises import checker


def _random_gate_like_data(rng, n: int, d: int):
    """n points in d dimensions labelled by a random hyperplane (separable)."""
    X = rng.normal(size=(n, d))
    w, b = rng.normal(size=d), float(rng.normal())
    return X, (X @ w + b > 0).astype(int)


@checker("01.1")
def train_perceptron(fn):
    """``fn(X, y, lr, epochs)`` -> ``(w, b, mistakes)``, epochs in the fixed order 0..N-1,
    stopping after the first epoch without a mistake."""
    from nnlib.data import logic_gate
    from nnlib.scratch import Perceptron

    rng = np.random.default_rng(11)
    cases = [(*logic_gate("AND"), 1.0, 20), (*logic_gate("XOR"), 1.0, 7)]
    cases += [(*_random_gate_like_data(rng, 12, d), float(rng.uniform(0.1, 2)), 50)
              for d in (2, 3, 5)]
    for X, y, lr, epochs in cases:
        reference = Perceptron(X.shape[1], lr=lr)
        expected = reference.fit(X, y, epochs=epochs, shuffle=False)
        got = fn(X.copy(), y.copy(), lr, epochs)
        if not (isinstance(got, tuple) and len(got) == 3):
            return False, "return a triple (w, b, mistakes_per_epoch)"
        w, b, mistakes = np.asarray(got[0], dtype=float), float(got[1]), list(got[2])
        where = f"for X of shape {X.shape}, lr={lr:.3g}, epochs={epochs}"
        if w.shape != reference.w.shape:
            return False, f"{where}: w must have shape {reference.w.shape}, got {w.shape}"
        if [int(m) for m in mistakes] != expected:
            if len(mistakes) > len(expected) and mistakes[:len(expected)] == expected:
                return False, f"{where}: stop after the first epoch with 0 mistakes"
            return False, (f"{where}: expected mistakes per epoch {expected}, got "
                           f"{[int(m) for m in mistakes]}")
        if not (np.allclose(w, reference.w) and np.isclose(b, reference.b)):
            return False, (f"{where}: the mistakes match but w, b do not; update "
                           "w += lr * (y - y_hat) * x and b += lr * (y - y_hat)")
    return True, "your training loop matches nnlib's Perceptron.fit on gates and random data"


@checker("01.2")
def nor_weights(answer):
    """``(w, b)`` with step(w . x + b) equal to NOR on the four inputs."""
    from nnlib.data import logic_gate

    if not (isinstance(answer, (tuple, list)) and len(answer) == 2):
        return False, "answer a pair (w, b): w a length-2 array, b a number"
    w, b = answer
    w = np.asarray(w, dtype=float)
    if w.shape != (2,):
        return False, f"w must hold two weights, shape (2,), got shape {w.shape}"
    X, y = logic_gate("NOR")
    got = (X @ w + float(b) > 0).astype(int)
    if np.array_equal(got, y):
        return True, "NOR fires only for input 00: both weights negative, bias positive"
    for other in ("OR", "NAND", "AND"):
        if np.array_equal(got, logic_gate(other)[1]):
            return False, f"these weights compute {other}; NOR is 1 only when both inputs are 0"
    return False, (f"on inputs 00, 01, 10, 11 these weights output {got.tolist()}, NOR needs "
                   f"{y.tolist()}: try a positive bias and negative weights")


def _bit_patterns(d: int) -> np.ndarray:
    """(2**d, d): every input pattern of d bits, in binary order."""
    return np.array(list(itertools.product((0, 1), repeat=d)), dtype=float)


def _separable_labelings(d: int) -> set[tuple[int, ...]]:
    """Every labelling of the d-bit patterns that one threshold unit computes (d <= 3).

    Integer weights in -3..3 and half-integer biases suffice for d <= 3 (104 of 256 for d = 3).
    """
    X = _bit_patterns(d)
    W = np.array(list(itertools.product(range(-3, 4), repeat=d)), dtype=float)  # (7**d, d)
    found = set()
    for b in np.arange(-7.5, 8.0, 1.0):
        found |= set(map(tuple, (X @ W.T + b > 0).astype(int).T))
    return found


@checker("01.3")
def linearly_separable(fn):
    """``fn(X, y)`` -> True when one perceptron computes the labels y of the bit patterns X."""
    rng = np.random.default_rng(13)
    cases = [(2, np.array(bits)) for bits in itertools.product((0, 1), repeat=2 ** 2)]
    three = list(itertools.product((0, 1), repeat=2 ** 3))
    cases += [(3, np.array(three[k])) for k in rng.choice(len(three), size=40, replace=False)]
    separable = {2: _separable_labelings(2), 3: _separable_labelings(3)}
    wrong = []
    for d, y in cases:
        X = _bit_patterns(d)
        expected = tuple(y) in separable[d]
        if bool(fn(X.copy(), y.copy())) != expected:
            wrong.append((d, y.tolist(), expected))
    if not wrong:
        return True, ("right on all 16 two-input functions (14 separable: all but XOR and XNOR) "
                      "and on 40 of the 256 three-input ones (104 of the 256 are separable)")
    d, y, expected = wrong[0]
    hint = ("a separable function needs enough epochs: keep fit's default of 100 epochs (with "
            "shuffling some three-input functions need 17) and return p.converged" if expected
            else "a non-separable function never converges: return False when fit ends "
                 "unconverged")
    return False, (f"{len(wrong)} of {len(cases)} functions answered wrongly, e.g. the {d}-input "
                   f"function with outputs {y} should give {expected}; {hint}")
