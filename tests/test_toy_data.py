"""Tests for the seeded toy data sets in nnlib.data.toy."""

import numpy as np
import pytest

from nnlib.data.toy import (
    circles,
    gaussian_blobs,
    logic_gate,
    regression_1d,
    spirals,
    train_test_split,
    two_moons,
    xor_quadrants,
)

CLASSIFIERS = [two_moons, circles, gaussian_blobs, spirals, xor_quadrants]


@pytest.mark.parametrize("make", CLASSIFIERS)
def test_shapes_dtypes_and_balance(make):
    X, y = make(n=201)
    assert X.shape == (201, 2) and X.dtype == np.float64
    assert y.shape == (201,) and y.dtype == np.int64
    assert np.all(np.isfinite(X))
    counts = np.bincount(y)
    assert counts.sum() == 201 and counts.max() - counts.min() == 1
    assert counts[0] == 101  # the first class takes the odd point, as documented


@pytest.mark.parametrize("make", CLASSIFIERS)
def test_same_seed_same_data_other_seed_other_data(make):
    X1, y1 = make(seed=3)
    np.random.seed(123)  # global state must not matter
    X2, y2 = make(seed=3)
    X3, _ = make(seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(X1, X3)


@pytest.mark.parametrize("make", CLASSIFIERS)
def test_data_is_shuffled(make):
    _, y = make(n=200)
    # sorted labels would be 100 zeros then 100 ones: a single change of label
    assert np.count_nonzero(np.diff(y)) > 20


def test_logic_gate_truth_tables():
    X, y = logic_gate("xor")
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    assert X.dtype == np.float64 and y.dtype == np.int64
    expected = {
        "AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0],
        "NOR": [1, 0, 0, 0], "XOR": [0, 1, 1, 0], "XNOR": [1, 0, 0, 1],
    }
    for name, table in expected.items():
        np.testing.assert_array_equal(logic_gate(name)[1], table)
        np.testing.assert_array_equal(logic_gate(name.lower())[1], table)


def test_xor_quadrants_follow_the_sign_rule_before_noise():
    X, y = xor_quadrants(n=500, noise=0.0, seed=1)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] > 0).astype(np.int64))
    assert np.all(np.abs(X) >= 0.05) and np.all(np.abs(X) <= 1.0)
    # the noisy version is the same points moved by the noise, with the same labels
    X_noisy, y_noisy = xor_quadrants(n=500, noise=0.2, seed=1)
    np.testing.assert_array_equal(y_noisy, y)
    assert 0.15 < np.std(X_noisy - X) < 0.25
    flipped = np.mean((X_noisy[:, 0] * X_noisy[:, 1] > 0) != (y == 1))
    assert 0 < flipped < 0.3


def test_circles_radii_and_moons_geometry_without_noise():
    X, y = circles(n=300, noise=0.0, factor=0.3)
    radius = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.3)
    X, y = two_moons(n=300, noise=0.0)
    np.testing.assert_allclose(np.linalg.norm(X[y == 0], axis=1), 1.0)
    np.testing.assert_allclose(np.linalg.norm(X[y == 1] - [1.0, 0.5], axis=1), 1.0)
    assert np.all(X[y == 0, 1] >= 0) and np.all(X[y == 1, 1] <= 0.5)


def test_spiral_arms_wind_and_are_rotated_copies():
    X, y = spirals(n=300, n_classes=3, noise=0.0, turns=1.5)
    assert set(np.unique(y)) == {0, 1, 2}
    radius = np.linalg.norm(X, axis=1)
    assert radius.max() < 3.0
    for c in range(3):
        arm = X[y == c]
        arm = arm[np.argsort(np.linalg.norm(arm, axis=1))]
        # the angle along the arm turns by 1.5 full turns (minus one step)
        angle = np.unwrap(np.arctan2(arm[1:, 0], arm[1:, 1]))
        assert abs(angle[-1] - angle[0]) == pytest.approx(2 * np.pi * 1.5 * 98 / 100, rel=1e-6)
    # rotating arm 0 by a third of a turn gives arm 1
    rotate = 2 * np.pi / 3
    arm0 = X[y == 0][np.argsort(np.linalg.norm(X[y == 0], axis=1))]
    arm1 = X[y == 1][np.argsort(np.linalg.norm(X[y == 1], axis=1))]
    turned = arm0 @ np.array([[np.cos(rotate), -np.sin(rotate)],
                              [np.sin(rotate), np.cos(rotate)]])
    np.testing.assert_allclose(turned, arm1, atol=1e-12)


def test_gaussian_blobs_centres_and_spread():
    centres = np.array([[0.0, 0.0, 0.0], [10.0, 0.0, -5.0]])
    X, y = gaussian_blobs(n=4000, centers=centres, std=[0.5, 2.0], seed=2)
    assert X.shape == (4000, 3)
    for k in range(2):
        np.testing.assert_allclose(X[y == k].mean(axis=0), centres[k], atol=0.15)
        np.testing.assert_allclose(X[y == k].std(axis=0), [0.5, 2.0][k], rtol=0.08)
    X, y = gaussian_blobs(n=4000, centers=4, std=0.0)
    assert set(np.unique(y)) == {0, 1, 2, 3}
    np.testing.assert_allclose(X[y == 0][0], [3 / np.sqrt(2), 3 / np.sqrt(2)])
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 3.0)


@pytest.mark.parametrize("name, f", [("sin", np.sin), ("cubic", lambda x: x**3),
                                     ("abs", np.abs), ("step", lambda x: (x > 0) * 1.0)])
def test_regression_1d_targets(name, f):
    X, y = regression_1d(n=50, function=name, noise=0.0, x_range=(-2, 4))
    assert X.shape == (50, 1) and y.shape == (50,) and y.dtype == np.float64
    assert np.all(np.diff(X[:, 0]) >= 0)
    assert X.min() >= -2 and X.max() <= 4
    np.testing.assert_allclose(y, f(X[:, 0]))
    X2, y2 = regression_1d(n=2000, function=name, noise=0.3, x_range=(-2, 4))
    assert np.std(y2 - f(X2[:, 0])) == pytest.approx(0.3, rel=0.1)


def test_regression_1d_accepts_a_callable_and_is_seeded():
    X, y = regression_1d(n=30, function=lambda x: 2 * x + 1, noise=0.0)
    np.testing.assert_allclose(y, 2 * X[:, 0] + 1)
    a, b, c = regression_1d(seed=5), regression_1d(seed=5), regression_1d(seed=6)
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.allclose(a[1], c[1])


def test_train_test_split_is_stratified_and_a_partition():
    X, y = gaussian_blobs(n=300, centers=3)
    X = np.concatenate([X, np.arange(300.0)[:, None]], axis=1)  # a column to track rows
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.2, seed=1)
    assert len(X_test) == 60 and len(X_train) == 240
    np.testing.assert_array_equal(np.bincount(y_test), [20, 20, 20])
    rows = np.concatenate([X_train[:, 2], X_test[:, 2]]).astype(int)
    np.testing.assert_array_equal(np.sort(rows), np.arange(300))
    np.testing.assert_array_equal(y[X_test[:, 2].astype(int)], y_test)
    again = train_test_split(X, y, test_fraction=0.2, seed=1)
    np.testing.assert_array_equal(again[1], X_test)


def test_train_test_split_regression_and_imbalanced_labels():
    X, y = regression_1d(n=100)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.25)
    assert X_train.shape == (75, 1) and y_test.shape == (25,)
    labels = np.array([0] * 90 + [1] * 10)
    _, _, _, y_test = train_test_split(np.zeros((100, 2)), labels, test_fraction=0.3)
    np.testing.assert_array_equal(np.bincount(y_test), [27, 3])


@pytest.mark.parametrize("call, message", [
    (lambda: two_moons(n=0), r"n must be an int >= 1, got 0"),
    (lambda: two_moons(n=10.5), r"n must be an int >= 1, got 10\.5"),
    (lambda: circles(noise=-0.1), r"noise must be a finite number in \[0, 1e\+100\], got -0.1"),
    (lambda: circles(factor=1.5), r"factor .* must be < 1"),
    (lambda: spirals(n_classes=1), r"n_classes must be an int >= 2"),
    (lambda: spirals(n=2, n_classes=3), r"n=2 is too small for 3 classes"),
    (lambda: two_moons(seed=-1), r"seed must be an int >= 0"),
    (lambda: logic_gate("IMPLIES"), r"valid names are AND, OR, NAND, NOR, XOR, XNOR"),
    (lambda: gaussian_blobs(centers=np.zeros(3)), r"array of shape \(K, d\)"),
    (lambda: gaussian_blobs(centers=2, std=[1, 2, 3]), r"sequence of 2 of them"),
    (lambda: regression_1d(function="tan"), r"unknown function 'tan'.*sin"),
    (lambda: regression_1d(x_range=(3, -3)), r"low < high"),
    (lambda: regression_1d(function=lambda x: 1.0), r"one y per x"),
    (lambda: train_test_split(np.zeros((5, 2)), np.zeros(4)), r"X \(5, 2\) and y \(4,\)"),
    (lambda: train_test_split(np.zeros((5, 2)), np.zeros(5), test_fraction=1.2),
     r"between 0 and 1"),
    (lambda: train_test_split(np.zeros((4, 2)), np.zeros(4), test_fraction=0.05),
     r"empty test set"),
])
def test_bad_arguments_get_clear_messages(call, message):
    # a wrong type is a TypeError, a wrong value a ValueError (nnlib.errors): both name it
    with pytest.raises((TypeError, ValueError), match=message):
        call()
