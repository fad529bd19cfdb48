"""2-D test surfaces: hand-written gradients vs finite differences and torch; optimizer paths."""

import warnings

import numpy as np
import pytest
import torch

from nnlib.scratch.gradcheck import numerical_gradient
from nnlib.scratch.optim import SGD, Adam
from nnlib.surfaces import SURFACES, get_surface, optimize_path

NAMES = sorted(SURFACES)


def _points(surface, n=6, seed=0):
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(*surface.xlim, n), rng.uniform(*surface.ylim, n)])


@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_centred_finite_differences(name):
    surface = SURFACES[name]
    for point in _points(surface):
        xy = point.copy()
        numeric = numerical_gradient(lambda xy=xy: surface.value(xy[0], xy[1]), xy, eps=1e-6)
        analytic = np.array(surface.grad(*point))
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_torch_autograd(name):
    surface = SURFACES[name]
    for point in _points(surface, seed=1):
        xy = torch.tensor(point, dtype=torch.float64, requires_grad=True)
        surface.value(xy[0], xy[1]).backward()
        np.testing.assert_allclose(np.array(surface.grad(*point)), xy.grad.numpy(), rtol=1e-12,
                                   atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_minima_are_stationary_and_lowest_on_the_grid(name):
    surface = SURFACES[name]
    _, _, Z = surface.grid(81)
    for minimum in surface.minima:
        assert np.allclose(surface.grad(*minimum), 0)
        assert surface.value(*minimum) <= Z.min() + 1e-12


def test_gradient_descent_on_the_bowl_is_stable_below_2_over_the_largest_curvature():
    good = optimize_path("bowl", lambda p: SGD(p, lr=0.19), steps=200)
    assert not good.diverged and good.final_loss < 1e-6
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # divergence must not warn about overflow
        bad = optimize_path("bowl", lambda p: SGD(p, lr=0.21), steps=2000)
    assert bad.diverged and bad.diverged_at is not None
    assert len(bad.points) == bad.diverged_at and np.all(np.isfinite(bad.points))


def test_huge_learning_rate_on_rosenbrock_stops_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = optimize_path("rosenbrock", lambda p: SGD(p, lr=10.0), steps=50)
    assert path.diverged and path.diverged_at <= 3


def test_adam_escapes_the_saddle_to_a_minimum():
    path = optimize_path("saddle", lambda p: Adam(p, lr=0.1), steps=300)
    assert not path.diverged
    assert np.allclose(np.abs(path.points[-1]), (0.0, 1.0), atol=0.05)
    assert path.final_loss < -0.24


def test_path_shapes_and_start():
    path = optimize_path("bowl", lambda p: SGD(p, lr=0.05), steps=10, start=(1.0, 1.0))
    assert path.points.shape == (11, 2) and path.losses.shape == (11,)
    assert np.array_equal(path.points[0], [1.0, 1.0])


def test_bad_input_explains_itself():
    with pytest.raises(ValueError, match="name must be one of 'bowl'.*got 'bowel'"):
        get_surface("bowel")
    with pytest.raises(ValueError, match=r"start must be a pair of numbers, got \(1, 2, 3\)"):
        optimize_path("bowl", lambda p: SGD(p, lr=0.1), start=(1, 2, 3))
    with pytest.raises(ValueError, match="steps must be an int >= 1, got 0"):
        optimize_path("bowl", lambda p: SGD(p, lr=0.1), steps=0)
