"""Issue 16: property-based fuzz of nnlib's public API with Hypothesis (derandomised).

For every entry point below, one argument at a time is replaced by a bad value drawn from
the classes of mistake learners make (bools and strings where numbers go, NaN/inf, negative
or zero sizes, floats for ints, pairs for ints, complex/int/float16/empty/ragged arrays,
wrong ranks). Each call must either work (and then give finite results) or raise one of
nnlib's documented exceptions (TypeError, ValueError and its ShapeError/NonFiniteError,
NotForwardedError) with a message that names the argument; values that can never be right
(bools, NaN, strings, complex numbers) must be refused. Never a raw error from deep inside.

Bad scalars for constructor arguments are drawn by Hypothesis (derandomised, 12 per
argument); bad arrays into forward/backward and losses are not sampled: every layer meets
every kind of bad array. The counts of entry points and cases are printed at the end of the
module and written to ``<tmp>/nnlib_fuzz_counts.json``.
"""

from __future__ import annotations

import numpy as np
import pytest

import nnlib.scratch as S
from nnlib import autograd
from nnlib.autograd import nn as ann
from nnlib.errors import NotForwardedError
from tests.fuzz_common import DOCUMENTED, Fuzzer, arg, scalar_test

pytestmark = pytest.mark.slow  # thousands of generated cases: make test runs them, unit-fast not

# a NumPy overflow inside (np.errstate raises it here) is a raw error too
FZ = Fuzzer("", "NumPy engine, autograd, data, models", strict_floats=True)


# -- constructors and functions: one argument replaced by a bad scalar ---------------------------
def _opt(cls, **kw):
    return lambda **k: cls([S.Parameter(np.ones(3))], **{**kw, **k})


def _sched(cls, **kw):
    def make(**k):
        return cls(S.SGD([S.Parameter(np.ones(3))], lr=0.1, momentum=0.9), **{**kw, **k})
    return make


def _clip(**k):
    p = S.Parameter(np.ones(3))
    p.grad[...] = 2.0
    return S.clip_grad_norm_([p], **{"max_norm": 1.0, **k})


# the object each entry below fuzzes, where its call is a lambda or a helper
TARGET_OF = {
    "SGD": S.SGD, "Adam": S.Adam, "AdamW": S.AdamW, "RMSprop": S.RMSprop, "StepLR": S.StepLR,
    "ExponentialLR": S.ExponentialLR, "CosineAnnealingLR": S.CosineAnnealingLR,
    "WarmupCosineLR": S.WarmupCosineLR, "OneCycleLR": S.OneCycleLR,
    "clip_grad_norm_": S.clip_grad_norm_,
    "scaled_dot_product_attention": S.scaled_dot_product_attention,
    "functional.leaky_relu": S.functional.leaky_relu, "functional.elu": S.functional.elu,
    "functional.gelu": S.functional.gelu, "functional.softmax": S.functional.softmax,
    "autograd.SGD": ann.SGD, "autograd.Tensor.sum": autograd.Tensor.sum,
    "autograd.Tensor.mean": autograd.Tensor.mean, "autograd.Tensor.pow": autograd.Tensor.__pow__,
    "autograd.Value": autograd.Value,
}


def _torch_models():
    try:
        import torch  # noqa: F401
    except ImportError:
        return []
    from nnlib.models.cnn import LeNet, SmallCNN
    from nnlib.models.gpt import GPT
    from nnlib.models.mlp import MLP

    cfg = S.GPTConfig(vocab_size=5, block_size=4, n_layer=1, n_head=1, n_embd=4)

    def generate(**k):
        import torch

        model = GPT(cfg)
        return model.generate(torch.zeros(1, 2, dtype=torch.long),
                              **{"max_new_tokens": 2, "temperature": 1.0, "top_k": None, **k})

    TARGET_OF.update({"models.MLP": MLP, "models.LeNet": LeNet, "models.SmallCNN": SmallCNN,
                      "models.GPT.generate": GPT.generate})
    return [
        ("models.MLP", lambda **k: MLP(**{"sizes": [4, 3, 2], "dropout": 0.1, **k}),
         {"dropout": 0.1, "batchnorm": False}),
        ("models.LeNet", lambda **k: LeNet(**{"num_classes": 10, **k}), {"num_classes": 10}),
        ("models.SmallCNN", lambda **k: SmallCNN(**{"width": 4, "num_classes": 3, **k}),
         {"width": 4, "num_classes": 3, "dropout": 0.0}),
        ("models.GPT.generate", generate, {"max_new_tokens": 2, "temperature": 1.0,
                                           "top_k": 2}),
    ]


def _data():
    from nnlib import data as D

    TARGET_OF["data.train_test_split"] = D.train_test_split
    return [
        ("data.two_moons", D.two_moons, {"n": 10, "noise": 0.1, "seed": 0}),
        ("data.circles", D.circles, {"n": 10, "noise": 0.1, "factor": 0.5, "seed": 0}),
        ("data.spirals", D.spirals, {"n": 10, "n_classes": 2, "noise": 0.1, "turns": 1.0,
                                     "seed": 0}),
        ("data.xor_quadrants", D.xor_quadrants, {"n": 10, "noise": 0.1, "padding": 0.1,
                                                 "seed": 0}),
        ("data.gaussian_blobs", D.gaussian_blobs, {"n": 10, "centers": 2, "std": 1.0,
                                                   "seed": 0}),
        ("data.regression_1d", D.regression_1d, {"n": 10, "noise": 0.1, "seed": 0}),
        ("data.copy_task", D.copy_task, {"n": 4, "seq_len": 3, "vocab_size": 4, "seed": 0}),
        ("data.reverse_task", D.reverse_task, {"n": 4, "seq_len": 3, "vocab_size": 4,
                                               "seed": 0}),
        ("data.sort_task", D.sort_task, {"n": 4, "seq_len": 3, "vocab_size": 4, "seed": 0}),
        ("data.adding_problem", D.adding_problem, {"n": 4, "seq_len": 5, "seed": 0}),
        ("data.train_test_split",
         lambda **k: D.train_test_split(np.zeros((10, 2)), np.arange(10) % 2, **k),
         {"test_fraction": 0.2, "seed": 0, "stratify": True}),
        ("data.load_mnist", D.load_mnist, {"split": "test", "flatten": True, "normalize": True,
                                           "dtype": np.float32}),
        ("data.shakespeare_splits", D.shakespeare_splits, {"val_fraction": 0.1}),
    ]


# (label, make, good keyword arguments): every argument is fuzzed, the others stay good
_CONSTRUCTORS = [
    ("Linear", S.Linear, {"in_features": 3, "out_features": 2, "bias": True,
                          "dtype": np.float32}),
    ("Dropout", S.Dropout, {"p": 0.5}),
    ("BatchNorm1d", S.BatchNorm1d, {"num_features": 3, "eps": 1e-5, "momentum": 0.1}),
    ("LayerNorm", S.LayerNorm, {"normalized_shape": 3, "eps": 1e-5}),
    ("LeakyReLU", S.LeakyReLU, {"negative_slope": 0.01}),
    ("ELU", S.ELU, {"alpha": 1.0}),
    ("GELU", S.GELU, {"approximate": "none"}),
    ("Softmax", S.Softmax, {"dim": -1}),
    ("LogSoftmax", S.LogSoftmax, {"dim": -1}),
    ("Conv2d", S.Conv2d, {"in_channels": 2, "out_channels": 3, "kernel_size": 3, "stride": 1,
                          "padding": 0, "bias": True}),
    ("MaxPool2d", S.MaxPool2d, {"kernel_size": 2, "stride": 2}),
    ("AvgPool2d", S.AvgPool2d, {"kernel_size": 2, "stride": 2}),
    ("RNN", S.RNN, {"input_size": 3, "hidden_size": 4, "nonlinearity": "tanh"}),
    ("LSTM", S.LSTM, {"input_size": 3, "hidden_size": 4}),
    ("GRU", S.GRU, {"input_size": 3, "hidden_size": 4}),
    ("MultiheadAttention", S.MultiheadAttention, {"embed_dim": 4, "num_heads": 2,
                                                  "bias": True, "causal": False}),
    ("Embedding", S.Embedding, {"num_embeddings": 5, "embedding_dim": 2, "padding_idx": 0}),
    ("PositionalEncoding", S.PositionalEncoding, {"d_model": 4, "max_len": 8}),
    ("LearnedPositionalEmbedding", S.LearnedPositionalEmbedding, {"d_model": 4, "max_len": 8,
                                                                  "std": 0.02}),
    ("GPTConfig", S.GPTConfig, {"vocab_size": 5, "block_size": 4, "n_layer": 1, "n_head": 1,
                                "n_embd": 4, "dropout": 0.0, "bias": True}),
    ("HuberLoss", S.HuberLoss, {"delta": 1.0}),
    ("SGD", _opt(S.SGD, lr=0.1), {"lr": 0.1, "momentum": 0.9, "dampening": 0.0,
                                  "weight_decay": 0.0, "nesterov": False}),
    ("Adam", _opt(S.Adam), {"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8,
                            "weight_decay": 0.0}),
    ("AdamW", _opt(S.AdamW), {"lr": 0.1, "weight_decay": 0.01}),
    ("RMSprop", _opt(S.RMSprop), {"lr": 0.1, "alpha": 0.9, "eps": 1e-8, "weight_decay": 0.0,
                                  "momentum": 0.0, "centered": False}),
    ("StepLR", _sched(S.StepLR, step_size=2), {"step_size": 2, "gamma": 0.5}),
    ("ExponentialLR", _sched(S.ExponentialLR, gamma=0.5), {"gamma": 0.5}),
    ("CosineAnnealingLR", _sched(S.CosineAnnealingLR, T_max=4), {"T_max": 4, "eta_min": 0.0}),
    ("WarmupCosineLR", _sched(S.WarmupCosineLR, warmup_steps=1, total_steps=4),
     {"warmup_steps": 1, "total_steps": 4, "min_lr": 0.0}),
    ("OneCycleLR", _sched(S.OneCycleLR, max_lr=0.1, total_steps=5),
     {"max_lr": 0.1, "total_steps": 5, "pct_start": 0.3, "div_factor": 25.0,
      "final_div_factor": 1e4, "three_phase": False, "cycle_momentum": True}),
    ("clip_grad_norm_", _clip, {"max_norm": 1.0, "norm_type": 2.0}),
    ("Perceptron", S.Perceptron, {"n_features": 2, "lr": 1.0}),
    ("causal_mask", S.causal_mask, {"t_q": 3, "t_k": 4}),
    ("sinusoidal_positional_encoding", S.sinusoidal_positional_encoding,
     {"max_len": 4, "d_model": 4, "base": 10000.0}),
    ("conv_output_size", S.conv_output_size, {"n": 8, "kernel_size": 3, "stride": 1,
                                              "padding": 0}),
    ("scaled_dot_product_attention",
     lambda **k: S.scaled_dot_product_attention(*[np.ones((1, 2, 4))] * 3, **k),
     {"scale": 0.5, "is_causal": False}),
    ("hidden_gradient_norms", S.hidden_gradient_norms,
     {"radius": 0.9, "seq_len": 3, "hidden_size": 3, "batch_size": 2, "seed": 0}),
    ("functional.leaky_relu", lambda **k: S.functional.leaky_relu(np.ones(3), **k),
     {"negative_slope": 0.01}),
    ("functional.elu", lambda **k: S.functional.elu(np.ones(3), **k), {"alpha": 1.0}),
    ("functional.gelu", lambda **k: S.functional.gelu(np.ones(3), **k), {"approximate": "tanh"}),
    ("functional.softmax", lambda **k: S.functional.softmax(np.ones((2, 3)), **k), {"axis": -1}),
    ("autograd.Linear", ann.Linear, {"in_features": 3, "out_features": 2}),
    ("autograd.SGD", lambda **k: ann.SGD(ann.Linear(2, 2, rng=0).parameters(), **k),
     {"lr": 0.1}),
    ("autograd.Tensor.sum", lambda **k: autograd.Tensor(np.ones((2, 3))).sum(**k),
     {"axis": 0, "keepdims": False}),
    ("autograd.Tensor.mean", lambda **k: autograd.Tensor(np.ones((2, 3))).mean(**k),
     {"axis": 1}),
    ("autograd.Tensor.pow", lambda **k: autograd.Tensor(np.ones(3)) ** k["exponent"],
     {"exponent": 2}),
    ("autograd.Value", lambda **k: autograd.Value(**k), {"data": 1.0}),
    *_data(),
    *_torch_models(),
]
# arguments whose legal values include infinity
INFINITY_OK = {("clip_grad_norm_", "norm_type")}
# arguments for which None is a documented legal value
NONE_OK = {("Embedding", "padding_idx"), ("causal_mask", "t_k"),
           ("scaled_dot_product_attention", "scale"), ("models.GPT.generate", "top_k"),
           ("autograd.Tensor.sum", "axis"), ("autograd.Tensor.mean", "axis"),
           ("MaxPool2d", "stride"), ("AvgPool2d", "stride")}
# (entry point, argument): bad value kinds that are legal there (a tuple/list for betas, ...)
SEQUENCE_OK = {("Adam", "betas"), ("Conv2d", "kernel_size"), ("Conv2d", "stride"),
               ("Conv2d", "padding"), ("MaxPool2d", "kernel_size"), ("MaxPool2d", "stride"),
               ("AvgPool2d", "kernel_size"), ("AvgPool2d", "stride"),
               ("data.gaussian_blobs", "std"), ("LayerNorm", "normalized_shape"),
               ("models.MLP", "sizes"), ("autograd.Tensor.sum", "axis")}
BOOL_OK = {"bias", "causal", "nesterov", "centered", "three_phase", "cycle_momentum",
           "is_causal", "keepdims", "stratify", "flatten", "normalize", "batchnorm"}
STRING_OK = {"approximate", "nonlinearity", "split", "init", "function", "dtype"}


def _spec(label, name):
    """What argument ``name`` of entry ``label`` is, from the sets above: a flag (BOOL_OK:
    True/False only), a name (STRING_OK: numbers and "1" refused) or a number; None,
    sequences and infinity only where the sets say so."""
    kind = "bool" if name in BOOL_OK else "choice" if name in STRING_OK else "float"
    return arg(kind, none_ok=(label, name) in NONE_OK, inf_ok=(label, name) in INFINITY_OK,
               seq_ok=(label, name) in SEQUENCE_OK, str_ok=name in STRING_OK)


def _with(make, defaults):
    """``make`` with every good default passed explicitly, ``k`` replacing one of them."""
    return lambda **k: make(**{**defaults, **k})


# (label, target, call(**k), {argument: spec}), the format of tests/fuzz_common.py
ENTRIES = [(label, TARGET_OF.get(label, make), _with(make, defaults),
            {name: _spec(label, name) for name in defaults})
           for label, make, defaults in _CONSTRUCTORS]
# messages may name "negative_slope" as "negative", ... (the first word of the argument)
ALIASES = {(label, name): (name.split("_")[0],) for label, _, _, specs in ENTRIES
           for name in specs}
test_bad_argument_is_refused_with_its_name_or_works = scalar_test(FZ, ENTRIES, aliases=ALIASES)


# -- calls: bad arrays into forward/backward ---------------------------------------------------
def _bad_arrays(shape):
    """(kind, array, must_fail): every bad array for an input of this shape."""
    return [
        ("complex", np.ones(shape) + 1j, True),
        ("strings", np.full(shape, "a"), True),
        ("object", np.array([object()] * 2, dtype=object), True),
        ("nan", np.full(shape, np.nan), True),
        ("inf", np.full(shape, np.inf), True),
        ("rank-1", np.ones(shape[1:]), False),     # element-wise layers take any rank
        ("rank+1", np.ones((1, *shape)), False),   # fine for Linear (N, ..., d) and friends
        ("empty", np.zeros((0, *shape[1:])), False),
        ("int", np.ones(shape, dtype=np.int64), False),
        ("bool", np.ones(shape, dtype=bool), False),
        ("float16", np.ones(shape, dtype=np.float16), False),
        ("wrong last axis", np.ones((*shape[:-1], shape[-1] + 1)), True),
        ("list", np.ones(shape).tolist(), False),
        ("ragged", [[1.0, 2.0], [3.0]], True),
        ("None", None, True),
        ("scalar", 3.0, True),
    ]


LAYERS = [
    ("Linear", lambda: S.Linear(3, 2, rng=0), (2, 3)),
    ("ReLU", S.ReLU, (2, 3)),
    ("GELU", S.GELU, (2, 3)),
    ("Softmax", S.Softmax, (2, 3)),
    ("Dropout", lambda: S.Dropout(0.5, rng=0), (2, 3)),
    ("BatchNorm1d", lambda: S.BatchNorm1d(3), (2, 3)),
    ("LayerNorm", lambda: S.LayerNorm(3), (2, 3)),
    ("Flatten", S.Flatten, (2, 3)),
    ("Conv2d", lambda: S.Conv2d(2, 3, 2, rng=0), (1, 2, 3, 3)),
    ("MaxPool2d", lambda: S.MaxPool2d(2), (1, 2, 4, 4)),
    ("RNN", lambda: S.RNN(3, 4, rng=0), (2, 2, 3)),
    ("LSTM", lambda: S.LSTM(3, 4, rng=0), (2, 2, 3)),
    ("MultiheadAttention", lambda: S.MultiheadAttention(4, 2, rng=0), (1, 2, 4)),
    ("PositionalEncoding", lambda: S.PositionalEncoding(4, 8), (1, 2, 4)),
    ("autograd.Tensor", lambda: autograd.Tensor, (2, 3)),
]
LOSSES = [
    ("MSELoss", S.MSELoss, (3, 2)),
    ("BCEWithLogitsLoss", S.BCEWithLogitsLoss, (3, 2)),
    ("CrossEntropyLoss", S.CrossEntropyLoss, (3, 2)),
    ("HuberLoss", S.HuberLoss, (3, 2)),
]


# entry points fuzzed with bad arrays (for tests/test_fuzz_coverage.py: LAYERS and LOSSES
# name them by label only)
TARGETS = [S.Linear, S.ReLU, S.GELU, S.Softmax, S.Dropout, S.BatchNorm1d, S.LayerNorm,
           S.Flatten, S.Conv2d, S.MaxPool2d, S.RNN, S.LSTM, S.MultiheadAttention,
           S.PositionalEncoding, autograd.Tensor, S.MSELoss, S.BCEWithLogitsLoss,
           S.CrossEntropyLoss, S.HuberLoss]
assert len(TARGETS) == len(LAYERS) + len(LOSSES)


# layers whose input's last axis may have any size (so "wrong last axis" is not wrong there)
ANY_LAST_AXIS = {"ReLU", "GELU", "Softmax", "Dropout", "Flatten", "Conv2d", "MaxPool2d",
                 "autograd.Tensor"}


# element-wise layers: a single number is a valid input too
SCALAR_OK = {"ReLU", "GELU", "Dropout", "autograd.Tensor"}


def _layer_case(entry, case):
    (label, make, _), (kind, x, must_fail) = entry, case
    layer = make()
    names = ("input", "x", "query", "Tensor data", label.split(".")[-1], "empty")
    if label in ("Dropout", "BatchNorm1d") and kind == "empty":
        must_fail = label == "BatchNorm1d"
    if label in ANY_LAST_AXIS and kind == "wrong last axis":
        must_fail = False   # element-wise layers and image widths: any size is right
    if label in SCALAR_OK and kind == "scalar":
        must_fail = False
    FZ.run(f"{label}.forward[{kind}]", lambda: layer(x), names, must_fail)


def _loss_case(entry, case, which):
    (label, make, shape), (kind, bad, must_fail) = entry, case
    good_pred = np.zeros(shape)
    good_target = (np.zeros(shape[0], dtype=np.int64) if label == "CrossEntropyLoss"
                   else np.zeros(shape))
    pred, target = (bad, good_target) if which == "pred" else (good_pred, bad)
    if label == "CrossEntropyLoss" and which == "target" and kind in ("int", "bool"):
        must_fail = True   # (3, 2) ints are neither labels (3,) nor probabilities
    if label == "CrossEntropyLoss" and which == "pred" and kind == "wrong last axis":
        must_fail = False  # three classes instead of two: labels 0 still fit
    if kind == "empty":
        must_fail = True
    names = ("pred", "target", "logits", label)
    FZ.run(f"{label}[{which}={kind}]", lambda: make()(pred, target), names, must_fail)


def _grad_case(entry, case, forward_first):
    (label, make, shape), (kind, g, must_fail) = entry, case
    layer = make()
    if label.startswith("MaxPool"):
        shape = (1, 2, 4, 4)
    names = ("grad_out", "grad_output", "backward", "forward", label)
    if not forward_first:  # backward before forward: NotForwardedError, whatever the array
        FZ.run(f"{label}.backward-before-forward[{kind}]", lambda: layer.backward(g), names, True)
        return
    rng = np.random.default_rng(0)
    out = layer(rng.normal(size=shape))
    out = out[0] if isinstance(out, tuple) else out
    if kind in ("int", "bool", "list", "float16"):
        g = np.ones(out.shape, dtype=np.asarray(g).dtype if kind != "list" else float)
        if kind == "list":
            g = g.tolist()
        must_fail = False
    elif kind in ("nan", "inf"):
        must_fail = False  # gradients are not checked for finiteness (they may overflow)
        g = np.full(out.shape, 1.0)
    elif kind == "empty":
        must_fail = out.shape[0] != 0
    elif kind == "wrong last axis":
        must_fail = np.shape(g) != out.shape  # (2, 2, 4) is right for RNN(3, 4)'s output
    FZ.run(f"{label}.backward[{kind}]", lambda: layer.backward(g), names, must_fail)
    if not must_fail:  # and a second backward for the same forward is refused
        try:
            layer.backward(g)
        except NotForwardedError as exc:
            assert "twice" in str(exc)
        except DOCUMENTED:
            pass
        else:
            raise AssertionError(f"{label}: a second backward for one forward was accepted")


def _all_cases(run, cases) -> None:
    """Every case (not a sample: each layer meets each kind of bad array), failures at once."""
    failures = []
    for args in cases:
        try:
            run(*args)
        except AssertionError as exc:
            failures.append(str(exc).splitlines()[0])
        except Exception as exc:  # a raw error from inside, reported with the rest
            failures.append(f"{args[0][0]}[{args[1][0]}]: raw {type(exc).__name__}: {exc}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("entry", LAYERS, ids=[e[0] for e in LAYERS])
def test_bad_input_arrays_into_layers(entry):
    _all_cases(_layer_case, [(entry, case) for case in _bad_arrays(entry[2])])


@pytest.mark.parametrize("entry", LOSSES, ids=[e[0] for e in LOSSES])
def test_bad_arrays_into_losses(entry):
    _all_cases(_loss_case, [(entry, case, which) for case in _bad_arrays(entry[2])
                            for which in ("pred", "target")])


@pytest.mark.parametrize("entry", LAYERS[:13], ids=[e[0] for e in LAYERS[:13]])
def test_bad_grad_out_and_state_misuse(entry):
    _all_cases(_grad_case, [(entry, case, forward_first) for case in _bad_arrays(entry[2])
                            for forward_first in (True, False)])


def test_zz_report_counts():
    """Last in the module: how much the fuzz covered (for the CI log and the issue note)."""
    FZ.report()
