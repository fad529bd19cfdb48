"""Both halves train the same way: the same fit/evaluate signatures, one History, one error."""

import inspect

import pytest

import nnlib.scratch as scratch
import nnlib.train as torch_train
from nnlib import train_common
from nnlib.errors import TrainingDivergedError

SHARED_FIT = ["model", "data", "optimizer", "loss_fn", "epochs", "val_data", "scheduler",
              "early_stopping", "callbacks", "scheduler_step", "verbose"]


def _parameters(fn):
    return inspect.signature(fn).parameters


@pytest.mark.parametrize("name, shared", [("fit", SHARED_FIT),
                                          ("evaluate", ["model", "data", "loss_fn"])])
def test_both_halves_have_the_same_signature(name, shared):
    ours, theirs = _parameters(getattr(scratch, name)), _parameters(getattr(torch_train, name))
    for arg in shared:
        assert arg in ours and arg in theirs, arg
        a, b = ours[arg], theirs[arg]
        assert (a.kind, a.default) == (b.kind, b.default), arg
    positional = [n for n, p in ours.items() if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert positional == [n for n, p in theirs.items() if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert positional == shared[:len(positional)]


def test_one_history_one_error_one_callback_class_for_both_halves():
    assert scratch.History is torch_train.History is train_common.History
    assert scratch.Callback is torch_train.Callback is train_common.Callback
    assert scratch.EarlyStopping is torch_train.EarlyStopping is train_common.EarlyStopping
    assert scratch.TrainingDivergedError is torch_train.TrainingDivergedError \
        is TrainingDivergedError
    fields = set(train_common.History.__dataclass_fields__)
    assert {"train_metric", "val_metric", "metric_name"} <= fields
    assert not {"train_acc", "val_acc"} & fields


def test_the_epoch_line_is_the_same_for_both_halves():
    history = train_common.History(train_loss=[0.5], val_loss=[0.6], train_metric=[0.9],
                                   val_metric=[0.85], lr=[0.001])
    assert train_common.epoch_line(history, 10) == \
        "epoch  1/10  train loss 0.5000  acc  90.0 %  | val loss 0.6000  acc  85.0 %  | lr 0.001"
    history.metric_name = "r2"
    assert "r2 0.9000" in train_common.epoch_line(history, 10)


def test_the_numpy_half_does_not_need_torch():
    import subprocess
    import sys

    code = ("import sys; import nnlib.scratch, nnlib.train_common; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_one_way_to_count_parameters_in_both_halves():
    import numpy as np
    import torch

    from nnlib.models.mlp import MLP
    from nnlib.utils import count_parameters

    ours = scratch.Sequential(scratch.Linear(3, 4, rng=np.random.default_rng(0)), scratch.ReLU(),
                              scratch.Linear(4, 2, rng=np.random.default_rng(1)))
    theirs = MLP([3, 4, 2])
    assert count_parameters(ours) == count_parameters(theirs) == 3 * 4 + 4 + 4 * 2 + 2 == 26
    first = next(m for m in theirs.modules() if isinstance(m, torch.nn.Linear))
    first.weight.requires_grad_(False)
    assert count_parameters(theirs) == 14 and count_parameters(theirs, trainable_only=False) == 26
    assert count_parameters(torch.nn.Conv2d(1, 6, 5)) == 6 * 25 + 6
