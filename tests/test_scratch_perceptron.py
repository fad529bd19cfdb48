"""Rosenblatt's perceptron: learns linearly separable logic gates, never XOR."""

import numpy as np
import pytest

from nnlib.scratch.module import ShapeError
from nnlib.scratch.perceptron import Perceptron

INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
GATES = {
    "AND": np.array([0, 0, 0, 1]),
    "OR": np.array([0, 1, 1, 1]),
    "NAND": np.array([1, 1, 1, 0]),
}
XOR = np.array([0, 1, 1, 0])


@pytest.mark.parametrize("gate", sorted(GATES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_learns_separable_gates_to_zero_mistakes(gate, seed):
    y = GATES[gate]
    p = Perceptron(2, rng=np.random.default_rng(seed))
    history = p.fit(INPUTS, y, epochs=50)
    assert p.converged and history[-1] == 0
    assert sum(history) > 0  # it had to learn something: zero weights predict all 0
    np.testing.assert_array_equal(p.predict(INPUTS), y)


def test_never_converges_on_xor():
    p = Perceptron(2, rng=np.random.default_rng(0))
    history = p.fit(INPUTS, XOR, epochs=200)
    assert not p.converged
    assert len(history) == 200 and min(history) > 0
    assert np.any(p.predict(INPUTS) != XOR)


def test_update_follows_the_rule_by_hand():
    p = Perceptron(3, lr=0.5)
    x = np.array([1.0, -2.0, 3.0])
    assert p.update(x, 1) is True  # w = 0 predicts 0: a mistake, move towards x
    np.testing.assert_array_equal(p.w, 0.5 * x)
    assert p.b == 0.5
    assert p.update(x, 1) is False  # now w.x + b = 7.5 > 0: correct, no change
    assert p.update(x, 0) is True  # wrong the other way: move away from x
    np.testing.assert_array_equal(p.w, np.zeros(3))
    assert p.b == 0.0


def test_fit_epoch_counts_mistakes_without_shuffle():
    p = Perceptron(2)
    # Fixed order on AND from zero weights: only (1,1) is wrong in the first pass.
    assert p.fit_epoch(INPUTS, GATES["AND"], shuffle=False) == 1
    np.testing.assert_array_equal(p.w, [1.0, 1.0])
    assert p.b == 1.0


def test_fit_epoch_reports_each_update_to_on_update():
    p = Perceptron(2, rng=np.random.default_rng(0))
    seen = []
    mistakes = p.fit_epoch(INPUTS, GATES["OR"],
                           on_update=lambda i, wrong: seen.append((i, wrong, p.w.copy())))
    assert sorted(i for i, _, _ in seen) == [0, 1, 2, 3]  # every example once, shuffled
    assert sum(wrong for _, wrong, _ in seen) == mistakes
    replay = Perceptron(2)  # the same updates in the same order give the same weights
    for i, wrong, w in seen:
        assert replay.update(INPUTS[i], GATES["OR"][i]) is wrong
        np.testing.assert_array_equal(replay.w, w)


def test_batch_and_single_predictions_agree():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(20, 4))
    y = (X @ np.array([1.0, -2.0, 0.5, 1.0]) > 0.3).astype(int)
    p = Perceptron(4, rng=rng)
    p.fit(X, y, epochs=5)
    batch = p.predict(X)
    assert batch.shape == (20,) and set(np.unique(batch)) <= {0, 1}
    singles = np.array([p.predict(x) for x in X])
    np.testing.assert_array_equal(batch, singles)
    assert p.predict(X[0]).shape == ()
    np.testing.assert_allclose(p.decision_function(X), X @ p.w + p.b)


def test_separable_cloud_converges_and_lr_does_not_change_mistakes():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(60, 3))
    y = (X @ np.array([2.0, -1.0, 1.0]) + 0.5 > 0).astype(int)
    a = Perceptron(3, lr=1.0, rng=np.random.default_rng(1))
    b = Perceptron(3, lr=0.01, rng=np.random.default_rng(1))
    ha, hb = a.fit(X, y, epochs=500), b.fit(X, y, epochs=500)
    assert a.converged and ha == hb  # zero start: lr only scales w and b
    np.testing.assert_allclose(a.w, 100 * b.w)


def test_boolean_labels_are_accepted():
    p = Perceptron(2)
    p.fit(INPUTS, GATES["OR"].astype(bool), epochs=20)
    assert p.converged


@pytest.mark.parametrize("make, error, words", [
    (lambda p: p.fit(INPUTS, np.array([-1, 1, 1, 1])), ValueError, "(y + 1) // 2"),
    (lambda p: p.fit(INPUTS, np.array([0, 2, 1, 1])), ValueError, "labels must be 0 or 1"),
    (lambda p: p.fit(INPUTS, np.array(["a", "b", "a", "b"])), TypeError, "y must be a numeric"),
    (lambda p: p.fit(INPUTS, np.array([0, 1, 1])), ShapeError, "shape (4,)"),
    (lambda p: p.predict(np.ones((4, 3))), ShapeError, "expected X of shape (N, 2)"),
    (lambda p: p.fit_epoch(np.ones(2), np.array([1])), ShapeError, "(N, 2)"),
    (lambda p: p.update(np.ones((2, 2)), 1), ShapeError, "use fit_epoch"),
    (lambda p: p.fit_epoch(INPUTS, GATES["OR"], on_update=1), TypeError, "on_update"),
    (lambda p: p.predict(np.array([np.nan, 1.0])), ValueError, "NaN"),
    (lambda p: p.fit(INPUTS, GATES["OR"], epochs=0), ValueError, "epochs"),
    (lambda p: Perceptron(0), ValueError, "n_features"),
    (lambda p: Perceptron(2, lr=-1), ValueError, "lr must be a finite number > 0"),
])
def test_bad_input_is_explained(make, error, words):
    with pytest.raises(error) as info:
        make(Perceptron(2))
    assert words in str(info.value)


def test_an_update_that_would_overflow_is_refused_and_leaves_the_weights():
    from nnlib.errors import NonFiniteError

    p = Perceptron(2, lr=1e308)
    with pytest.raises(NonFiniteError, match="smaller lr") as info:
        p.fit(INPUTS, GATES["AND"], epochs=5, shuffle=False)
    assert "lr=1e+308" in str(info.value)
    assert np.all(np.isfinite(p.w)) and np.isfinite(p.b)
