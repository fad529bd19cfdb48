"""nnlib._checks: the one argument-checking module (error policy of nnlib.errors)."""

import math

import numpy as np
import pytest

from nnlib import _checks as C
from nnlib.errors import NonFiniteError, ShapeError


def test_check_int_accepts_numpy_ints_and_refuses_bools_floats_pairs():
    assert C.check_int(np.int64(3), "n") == 3 and type(C.check_int(np.int8(3), "n")) is int
    for bad in (True, np.bool_(False), 3.0, "3", (3, 99), None):
        with pytest.raises(TypeError, match="n must be an int"):
            C.check_int(bad, "n")
    with pytest.raises(ValueError, match=r"Linear: n must be an int >= 1, got 0"):
        C.check_int(0, "n", minimum=1, where="Linear")
    with pytest.raises(TypeError, match="pass one number, not a pair"):
        C.check_int((3, 99), "in_channels", minimum=1)


def test_check_float_bounds_nan_inf_and_types():
    assert C.check_float(np.float32(0.5), "p", minimum=0, maximum=1, max_open=True) == 0.5
    assert C.check_float(2, "lr") == 2.0
    with pytest.raises(NonFiniteError, match="alpha"):
        C.check_float(math.nan, "alpha")
    with pytest.raises(NonFiniteError, match="lr"):
        C.check_float(math.inf, "lr")
    assert C.check_float(math.inf, "norm", finite=False, minimum=0) == math.inf
    with pytest.raises(NonFiniteError):
        C.check_float(math.nan, "norm", finite=False)
    for bad in (True, "1", 1j, [1.0], None):
        with pytest.raises(TypeError, match="delta"):
            C.check_float(bad, "delta")
    with pytest.raises(ValueError, match=r"gamma must be a finite number in \(0, 1\]"):
        C.check_float(0, "gamma", minimum=0, maximum=1, min_open=True)


def test_check_bool_choice_seed_callable():
    assert C.check_bool(np.bool_(True), "bias") is True
    with pytest.raises(TypeError, match="bias must be True or False, got 1"):
        C.check_bool(1, "bias")
    assert C.check_choice("tanh", "approximate", ("none", "tanh")) == "tanh"
    with pytest.raises(ValueError, match="'none', 'tanh'"):
        C.check_choice("erf", "approximate", ("none", "tanh"))
    with pytest.raises(TypeError):  # True is not 1
        C.check_choice(True, "d", (1, 2))
    assert C.check_choice(np.int64(2), "d", (1, 2)) == 2
    assert C.check_seed(None) is None and C.check_seed(np.int32(4)) == 4
    with pytest.raises(TypeError, match="seed"):
        C.check_seed("a")
    with pytest.raises(TypeError, match="callback"):
        C.check_callable(3, "callback")


def test_int_or_pair_and_float_pair():
    assert C.check_int_or_pair(3, "kernel_size") == (3, 3)
    assert C.check_int_or_pair([2, np.int64(3)], "kernel_size") == (2, 3)
    assert C.check_int_or_pair(0, "padding", minimum=0) == (0, 0)
    with pytest.raises(ValueError):
        C.check_int_or_pair((1, 2, 3), "stride")
    with pytest.raises(TypeError):
        C.check_int_or_pair((1, True), "stride")
    with pytest.raises(ValueError):
        C.check_int_or_pair(-1, "padding", minimum=0)
    assert C.check_float_pair((0.9, 0.999), "betas", minimum=0, maximum=1) == (0.9, 0.999)
    with pytest.raises(TypeError, match=r"betas must be a pair.*\(0.9, 0.999\)"):
        C.check_float_pair(0.9, "betas")


def test_check_array_modes():
    assert C.check_array([1, 2]).dtype == np.float64
    assert C.check_array(np.ones(2, np.float32)).dtype == np.float32
    with pytest.raises(TypeError, match="complex"):
        C.check_array(np.ones(2) + 1j)
    with pytest.raises(TypeError, match="numeric"):
        C.check_array(np.array(["a"]))
    with pytest.raises(TypeError):
        C.check_array([[1, 2], [3]])
    with pytest.raises(ShapeError, match=r"x of shape \(N, d\)"):
        C.check_array(np.ones(3), "x", ndim=2, shape_text="(N, d)")
    with pytest.raises(ShapeError):
        C.check_array(np.ones((2, 3)), "x", shape=(None, 4))
    with pytest.raises(ShapeError, match="empty"):
        C.check_array(np.ones((0, 3)), "x", allow_empty=False)
    with pytest.raises(NonFiniteError, match="1 NaN"):
        C.check_array([1.0, np.nan], "x")
    with pytest.raises(TypeError, match="integers"):
        C.check_array([1.5], "y", dtype="int")


def test_token_ids_one_exception_type():
    assert C.check_token_ids([1, 2], vocab_size=3).dtype == np.int64
    for bad in (np.array([1.5]), np.array([1.0]), np.array([True]), ["a"]):
        with pytest.raises(TypeError):
            C.check_token_ids(bad, "idx")
    with pytest.raises(ValueError, match=r"\[0, 2\] \(vocab_size=3\), got values from 3 to 3"):
        C.check_token_ids([3], "idx", vocab_size=3)
    with pytest.raises(ValueError):
        C.check_token_ids([-1], "idx")


def test_token_tensor():
    torch = pytest.importorskip("torch")
    ids = torch.tensor([[1, 2]])
    assert C.check_token_tensor(ids, vocab_size=3) is ids
    with pytest.raises(TypeError, match="integer token ids"):
        C.check_token_tensor(ids.float())
    with pytest.raises(ValueError):
        C.check_token_tensor(ids, vocab_size=2)


def test_float_dtype():
    assert C.check_float_dtype(np.float64) == np.float64
    for bad in (np.int32, bool, np.complex64, "banana"):
        with pytest.raises(TypeError, match="dtype"):
            C.check_float_dtype(bad)


def test_check_iterable_leaves_a_shuffling_dataloaders_batch_order_alone():
    # iter(loader) would draw from the loader's generator and change every later epoch
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    from nnlib._checks import check_iterable

    def batch_order(check: bool):
        generator = torch.Generator().manual_seed(0)
        loader = DataLoader(TensorDataset(torch.arange(20.0)), batch_size=5, shuffle=True,
                            generator=generator)
        if check:
            check_iterable(loader, "data")
        return [batch[0].tolist() for batch in loader]

    assert batch_order(True) == batch_order(False)
