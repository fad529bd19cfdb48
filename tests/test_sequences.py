"""Tests for the synthetic sequence tasks in nnlib.data.sequences."""

import numpy as np
import pytest

from nnlib.data.sequences import adding_problem, copy_task, reverse_task, sort_task

TOKEN_TASKS = [copy_task, reverse_task, sort_task]


@pytest.mark.parametrize("task", TOKEN_TASKS)
def test_token_tasks_shapes_dtypes_and_vocabulary(task):
    inputs, targets = task(n=64, seq_len=12, vocab_size=7, seed=0)
    assert inputs.shape == targets.shape == (64, 12)
    assert inputs.dtype == targets.dtype == np.int64
    assert inputs.min() == 0 and inputs.max() == 6  # every token used, none outside
    assert targets.min() >= 0 and targets.max() <= 6


@pytest.mark.parametrize("task", TOKEN_TASKS + [adding_problem])
def test_same_seed_same_data_other_seed_other_data(task):
    a = task(n=50, seed=1)
    np.random.seed(99)  # global state must not matter
    b = task(n=50, seed=1)
    c = task(n=50, seed=2)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], c[0])


def test_copy_targets_are_the_inputs_and_not_a_view():
    inputs, targets = copy_task(n=20, seq_len=5, vocab_size=4)
    np.testing.assert_array_equal(targets, inputs)
    targets[0, 0] += 1
    assert targets[0, 0] != inputs[0, 0]


def test_reverse_is_reverse():
    inputs, targets = reverse_task(n=30, seq_len=9, vocab_size=20)
    for row_in, row_out in zip(inputs, targets, strict=True):
        assert list(row_out) == list(reversed(row_in.tolist()))


def test_sort_targets_are_sorted_permutations_of_the_inputs():
    inputs, targets = sort_task(n=40, seq_len=15, vocab_size=6)  # many repeated tokens
    assert np.all(np.diff(targets, axis=1) >= 0)
    for row_in, row_out in zip(inputs, targets, strict=True):
        assert sorted(row_in.tolist()) == row_out.tolist()
    assert not np.array_equal(inputs, targets)


def test_token_tasks_share_inputs_for_the_same_arguments():
    args = dict(n=10, seq_len=6, vocab_size=5, seed=3)
    np.testing.assert_array_equal(copy_task(**args)[0], reverse_task(**args)[0])
    np.testing.assert_array_equal(copy_task(**args)[0], sort_task(**args)[0])


@pytest.mark.parametrize("seq_len", [2, 3, 10, 51])
def test_adding_problem_markers_and_targets(seq_len):
    inputs, targets = adding_problem(n=500, seq_len=seq_len, seed=0)
    assert inputs.shape == (500, seq_len, 2) and inputs.dtype == np.float64
    assert targets.shape == (500,) and targets.dtype == np.float64
    values, markers = inputs[..., 0], inputs[..., 1]
    assert np.all((values >= 0) & (values < 1))
    assert set(np.unique(markers)) <= {0.0, 1.0}
    half = seq_len // 2
    np.testing.assert_array_equal(markers[:, :half].sum(axis=1), 1)
    np.testing.assert_array_equal(markers[:, half:].sum(axis=1), 1)
    for value_row, marker_row, target in zip(values, markers, targets, strict=True):
        marked = [value_row[t] for t in range(seq_len) if marker_row[t] == 1]
        assert len(marked) == 2
        assert target == pytest.approx(marked[0] + marked[1], abs=1e-15)


def test_adding_problem_markers_cover_both_halves():
    inputs, _ = adding_problem(n=2000, seq_len=20, seed=0)
    first, second = np.nonzero(inputs[:, :10, 1])[1], np.nonzero(inputs[:, 10:, 1])[1] + 10
    np.testing.assert_array_equal(np.unique(first), np.arange(10))
    np.testing.assert_array_equal(np.unique(second), np.arange(10, 20))


def test_adding_problem_baseline_is_one_sixth():
    _, targets = adding_problem(n=200_000, seq_len=10, seed=0)
    assert targets.mean() == pytest.approx(1.0, abs=0.005)
    # predicting 1.0 always: the MSE is the target's variance, 2 * (1/12) = 1/6
    mse = np.mean((targets - 1.0) ** 2)
    assert mse == pytest.approx(1 / 6, abs=0.002)


@pytest.mark.parametrize("call, message", [
    (lambda: copy_task(n=0), r"n must be an int >= 1, got 0"),
    (lambda: reverse_task(seq_len=2.0), r"seq_len must be an int >= 1, got 2\.0"),
    (lambda: sort_task(vocab_size=1), r"vocab_size must be an int >= 2, got 1"),
    (lambda: copy_task(seed=-3), r"seed must be an int >= 0, got -3"),
    (lambda: copy_task(n=True), r"n must be an int >= 1, got True"),
    (lambda: adding_problem(seq_len=1), r"seq_len must be an int >= 2, got 1"),
    (lambda: adding_problem(n=-5), r"n must be an int >= 1, got -5"),
    (lambda: adding_problem(seed=1.5), r"seed must be an int >= 0, got 1\.5"),
])
def test_bad_arguments_get_clear_messages(call, message):
    with pytest.raises((TypeError, ValueError), match=message):
        call()
