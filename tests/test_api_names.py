"""Issue 11: the NumPy engine and the PyTorch side use PyTorch's names and argument orders.

For every name nnlib.scratch shares with torch (or with nnlib.models), the positional
parameters of nnlib's version must be a prefix of PyTorch's, with the same names in the same
order, so that a call written for one half means the same in the other. Extras nnlib adds
(``rng``, ``init``, ``causal``, ...) are keyword-only. Deliberate differences are listed in
the docstring of ``nnlib/scratch/__init__.py`` and in CONTRIBUTING.md.
"""

import inspect

import pytest
import torch

import nnlib.scratch as S
from nnlib.models import gpt as torch_gpt

SHARED_WITH_TORCH_NN = [
    "Linear", "Conv2d", "MaxPool2d", "AvgPool2d", "BatchNorm1d", "LayerNorm", "Dropout",
    "Flatten", "Sequential", "ReLU", "Sigmoid", "Tanh", "GELU", "ELU", "LeakyReLU", "Softmax",
    "LogSoftmax", "Embedding", "RNN", "LSTM", "GRU", "MultiheadAttention", "MSELoss", "L1Loss",
    "HuberLoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss",
]
SHARED_WITH_TORCH_OPTIM = ["SGD", "Adam", "AdamW", "RMSprop"]
SHARED_WITH_LR_SCHEDULER = ["StepLR", "ExponentialLR", "CosineAnnealingLR", "OneCycleLR"]
SHARED_WITH_MODELS_GPT = ["GPT", "GPTConfig", "GPTBlock", "GPTCausalSelfAttention", "GPTMLP"]


def positional(fn) -> list[str]:
    params = list(inspect.signature(fn).parameters.values())
    if params and params[0].name == "self":
        params = params[1:]
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD,
             inspect.Parameter.VAR_POSITIONAL)
    return [p.name for p in params if p.kind in kinds]


def assert_prefix(ours, theirs, label):
    mine, torchs = positional(ours), positional(theirs)
    if torchs == ["args"] and label in ("RNN", "LSTM", "GRU"):
        # torch's recurrent classes take *args; RNNBase lists them (after its own "mode")
        torchs = positional(torch.nn.RNNBase.__init__)[1:]
    if "args" in torchs or any(inspect.signature(ours).parameters[m].kind ==
                               inspect.Parameter.VAR_POSITIONAL for m in mine):
        # Sequential(*modules); torch's ReLU and friends inherit Module.__init__(*args)
        assert torchs == ["args"] and len(mine) <= 1, label
        return
    assert mine == torchs[:len(mine)], (
        f"{label}: nnlib's positional arguments {mine} are not a prefix of PyTorch's {torchs}")


@pytest.mark.parametrize("name", SHARED_WITH_TORCH_NN)
def test_layers_and_losses_take_torch_nn_positional_arguments(name):
    assert_prefix(getattr(S, name).__init__, getattr(torch.nn, name).__init__, name)


@pytest.mark.parametrize("name", SHARED_WITH_TORCH_OPTIM)
def test_optimizers_take_torch_optim_positional_arguments(name):
    assert_prefix(getattr(S, name).__init__, getattr(torch.optim, name).__init__, name)


@pytest.mark.parametrize("name", SHARED_WITH_LR_SCHEDULER)
def test_schedulers_take_torch_positional_arguments(name):
    assert_prefix(getattr(S, name).__init__, getattr(torch.optim.lr_scheduler, name).__init__,
                  name)


def test_clip_grad_norm_matches_torch():
    assert_prefix(S.clip_grad_norm_, torch.nn.utils.clip_grad_norm_, "clip_grad_norm_")


@pytest.mark.parametrize("name", SHARED_WITH_MODELS_GPT)
def test_both_gpts_share_names_and_signatures(name):
    ours, theirs = getattr(S, name), getattr(torch_gpt, name)
    assert_prefix(ours.__init__, theirs.__init__, name)
    assert S.GPTConfig is torch_gpt.GPTConfig  # one config object for both GPTs


def test_forward_of_recurrent_and_attention_layers_matches_torch():
    assert positional(S.RNN.forward) == ["x", "state"]          # torch: (input, hx)
    assert positional(S.MultiheadAttention.forward)[:3] == ["query", "key", "value"]
    assert positional(torch.nn.MultiheadAttention.forward)[:3] == ["query", "key", "value"]


def test_old_names_still_work():
    assert S.MultiHeadAttention is S.MultiheadAttention
    assert torch_gpt.Block is torch_gpt.GPTBlock
    assert torch_gpt.CausalSelfAttention is torch_gpt.GPTCausalSelfAttention
    assert torch_gpt.MLP is torch_gpt.GPTMLP


def test_both_positional_encodings_take_d_model_then_max_len():
    for cls in (S.PositionalEncoding, S.LearnedPositionalEmbedding):
        assert positional(cls.__init__)[:2] == ["d_model", "max_len"], cls


def test_softmax_like_layers_use_dim():
    for cls in (S.Softmax, S.LogSoftmax):
        assert positional(cls.__init__) == ["dim"]
        assert cls(dim=0).dim == 0


def test_differences_table_in_both_places():
    from pathlib import Path

    contributing = (Path(__file__).parents[1] / "CONTRIBUTING.md").read_text()
    assert "## Deliberate differences from PyTorch" in contributing
    for phrase in ("param_groups", "(in, out)", "backward()"):
        assert phrase in contributing and phrase in S.__doc__, phrase
