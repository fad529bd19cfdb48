"""Issue 16: property-based fuzz of nnlib's public API with Hypothesis (derandomised).

For every entry point below, one argument at a time is replaced by a bad value drawn from
the classes of mistake learners make (bools and strings where numbers go, NaN/inf, negative
or zero sizes, floats for ints, pairs for ints, complex/int/float16/empty/ragged arrays,
wrong ranks). Each call must either work (and then give finite results) or raise one of
nnlib's documented exceptions (TypeError, ValueError and its ShapeError/NonFiniteError,
NotForwardedError) with a message that names the argument; values that can never be right
(bools, NaN, strings, complex numbers) must be refused. Never a raw error from deep inside.

The counts of entry points and generated cases are printed at the end of the module and
written to ``<tmp>/nnlib_fuzz_counts.json``.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nnlib.scratch as S
from nnlib import autograd
from nnlib.autograd import nn as ann
from nnlib.errors import NotForwardedError

pytestmark = pytest.mark.slow  # thousands of generated cases: make test runs them, unit-fast not

EXAMPLES = 12  # per entry point; derandomised, so every CI run draws the same cases
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck), print_blob=False)
DOCUMENTED = (TypeError, ValueError, NotForwardedError)
COUNTS = {"entry_points": set(), "cases": 0}

# Bad scalars: (value, always_wrong). "Always wrong" values must be refused by every numeric
# argument; the others may be legal for some arguments (then the result must be finite).
NEVER_OK = [True, False, math.nan, "1", None, 1j, object(), [1], (2, 3)]
MAYBE_OK = [0, -1, -2.5, 1.5, 3, np.float32(0.5), np.int64(2), math.inf, -math.inf, 1e308]
BAD_SCALARS = st.sampled_from([(v, True) for v in NEVER_OK] + [(v, False) for v in MAYBE_OK])


def _finite(obj) -> bool:
    """True when every array reachable in ``obj`` (results, parameters) is finite."""
    if isinstance(obj, (tuple, list)):
        return all(_finite(o) for o in obj)
    if isinstance(obj, S.Module):
        return all(np.all(np.isfinite(p.data)) for p in obj.parameters())
    if isinstance(obj, autograd.Tensor):
        return bool(np.all(np.isfinite(obj.data)))
    if hasattr(obj, "detach") and hasattr(obj, "numpy"):
        return bool(np.all(np.isfinite(obj.detach().float().numpy())))
    if isinstance(obj, (np.ndarray, float, int, np.generic)) and not isinstance(obj, bool):
        arr = np.asarray(obj)
        return arr.dtype.kind not in "fc" or bool(np.all(np.isfinite(arr)))
    return True


def _run(label: str, call, names: tuple[str, ...], must_fail: bool, check=None):
    # "Linear(dtype=...)" and "Linear.forward[nan]" count as entry points Linear, Linear.forward
    COUNTS["entry_points"].add(label.split("(")[0].split("[")[0])
    COUNTS["cases"] += 1
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            result = call()
    except DOCUMENTED as exc:
        message = str(exc)
        assert message and any(n in message for n in names), (
            f"{label}: {type(exc).__name__} does not name {names}: {message!r}")
        assert "Traceback" not in message
        return
    except FloatingPointError as exc:  # a NumPy overflow inside: a raw error
        raise AssertionError(f"{label}: raw FloatingPointError from inside: {exc}") from exc
    assert not must_fail, f"{label}: accepted a value that can never be right"
    assert _finite(result), f"{label}: accepted and returned NaN/inf"
    if check is not None:
        check(result)


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


CONSTRUCTORS = [
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


def _never_ok(label, arg, value) -> bool:
    if value is None:
        return (label, arg) not in NONE_OK
    if isinstance(value, (bool, np.bool_)):
        return arg not in BOOL_OK
    if isinstance(value, str):
        return arg not in STRING_OK
    if isinstance(value, (list, tuple)):
        return (label, arg) not in SEQUENCE_OK
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, (complex, object)) and not isinstance(
        value, (int, float, np.generic, list, tuple))


CASES = [(label, arg) for label, _, defaults in CONSTRUCTORS for arg in defaults]


@pytest.mark.parametrize("label, arg", CASES, ids=[f"{label}-{arg}" for label, arg in CASES])
@FUZZ
@given(bad=BAD_SCALARS)
def test_bad_argument_is_refused_with_its_name_or_works(label, arg, bad):
    value, _ = bad
    make, defaults = next((m, d) for name, m, d in CONSTRUCTORS if name == label)
    kwargs = {**defaults, arg: value}
    must_fail = _never_ok(label, arg, value)
    if isinstance(value, float) and math.isinf(value) and (label, arg) not in INFINITY_OK:
        must_fail = True
    _run(f"{label}({arg}=...)", lambda: make(**kwargs), (arg, arg.split("_")[0]), must_fail)


# -- calls: bad arrays into forward/backward ---------------------------------------------------
def _bad_arrays(shape):
    return st.sampled_from([
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
    ])


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


def _layer_strategy():
    return st.sampled_from(LAYERS).flatmap(
        lambda entry: st.tuples(st.just(entry), _bad_arrays(entry[2])))


@FUZZ
@given(case=_layer_strategy())
def test_bad_input_arrays_into_layers(case):
    (label, make, _), (kind, x, must_fail) = case
    layer = make()
    names = ("input", "x", "query", "Tensor data", label.split(".")[-1], "empty")
    if label in ("Dropout", "BatchNorm1d") and kind == "empty":
        must_fail = label == "BatchNorm1d"
    _run(f"{label}.forward[{kind}]", lambda: layer(x), names, must_fail)


@FUZZ
@given(case=st.sampled_from(LOSSES).flatmap(
    lambda e: st.tuples(st.just(e), _bad_arrays(e[2]), st.sampled_from(["pred", "target"]))))
def test_bad_arrays_into_losses(case):
    (label, make, shape), (kind, bad, must_fail), which = case
    good_pred = np.zeros(shape)
    good_target = (np.zeros(shape[0], dtype=np.int64) if label == "CrossEntropyLoss"
                   else np.zeros(shape))
    pred, target = (bad, good_target) if which == "pred" else (good_pred, bad)
    if label == "CrossEntropyLoss" and which == "target" and kind in ("int", "bool"):
        must_fail = True   # (3, 2) ints are neither labels (3,) nor probabilities
    if kind == "empty":
        must_fail = True
    names = ("pred", "target", "logits", label)
    _run(f"{label}[{which}={kind}]", lambda: make()(pred, target), names, must_fail)


@FUZZ
@given(case=st.sampled_from(LAYERS[:13]).flatmap(
    lambda e: st.tuples(st.just(e), _bad_arrays(e[2]), st.booleans())))
def test_bad_grad_out_and_state_misuse(case):
    (label, make, shape), (kind, g, must_fail), forward_first = case
    layer = make()
    if label.startswith("MaxPool"):
        shape = (1, 2, 4, 4)
    names = ("grad_out", "grad_output", "backward", "forward", label)
    if not forward_first:  # backward before forward: NotForwardedError, whatever the array
        _run(f"{label}.backward-before-forward[{kind}]", lambda: layer.backward(g), names, True)
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
    _run(f"{label}.backward[{kind}]", lambda: layer.backward(g), names, must_fail)
    if not must_fail:  # and a second backward for the same forward is refused
        try:
            layer.backward(g)
        except NotForwardedError as exc:
            assert "twice" in str(exc)
        except DOCUMENTED:
            pass
        else:
            raise AssertionError(f"{label}: a second backward for one forward was accepted")


def test_zz_report_counts():
    """Last in the module: how much the fuzz covered (for the CI log and the issue note)."""
    counts = {"entry_points": len(COUNTS["entry_points"]), "cases": COUNTS["cases"],
              "examples_per_entry_point": EXAMPLES}
    Path(tempfile.gettempdir(), "nnlib_fuzz_counts.json").write_text(json.dumps(counts))
    print(f"\nfuzz: {counts['entry_points']} entry points, {counts['cases']} generated cases")
    assert counts["cases"] > 0
