"""Issue 16: the property-based fuzz of Part I's NumPy engine (``nnlib.scratch``) where the older
fuzz (``test_fuzz_api.py``) had not reached: the plain functions of ``functional``, the
activation layers Sigmoid/Step/Tanh, ``init``, the recurrent step functions and spectral
radius, attention's functional form and cache, ``conv``'s functions, the NumPy GPT, the
losses not fuzzed before, ``Sequential``, the learning-rate finder and schedule values,
``Parameter``, ``accuracy``, ``iterate_minibatches`` and ``nnlib.utils.count_parameters``.

The oracle is the shared one (``tests/fuzz_common.py``): one argument at a time gets a bad
value; the call works (with a finite result) or raises a documented error naming the argument.

Data, not hyperparameters: the plain functions' ``x`` follows PyTorch (``torch.sigmoid``): a
single number or a list is fine, NaN and infinity are data and propagate (the test checks a NaN
comes out NaN), bools, strings, ``None``, complex numbers and objects are refused. The layers
(``Sigmoid()(x)``) refuse NaN/inf input (a documented difference from PyTorch).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import nnlib.scratch as S
from nnlib.scratch import attention as A
from nnlib.scratch import conv as C
from nnlib.scratch import functional as F
from nnlib.scratch import gpt as G
from nnlib.scratch import init as I
from nnlib.scratch import layers as L
from nnlib.scratch import losses as LS
from nnlib.scratch import lr_finder as LF
from nnlib.scratch import lr_scheduler as LRS
from nnlib.scratch import module as M
from nnlib.scratch import recurrent as R
from nnlib.scratch import training as T
from nnlib.utils import count_parameters
from tests.fuzz_common import (
    BOOL,
    CHOICE,
    DTYPE,
    FLOAT,
    INT,
    INT_PAIR,
    OBJ,
    OBJ_NONE,
    SEQ_OBJ,
    Fuzzer,
    arg,
    call,
    entry_call,
    never_ok,
    run_listed_cases,
    scalar_test,
)

pytestmark = pytest.mark.slow  # hundreds of generated cases: make test runs them, unit-fast not

FZ = Fuzzer("scratch", "Part I NumPy engine: functional, init, attention, conv, GPT, losses, "
                       "training helpers")

# an elementwise function's x: a number, a list or an array; NaN and inf are data (propagate)
DATA = {**arg("float", inf_ok=True, seq_ok=True), "nan_ok": True}
SEED = arg("int", none_ok=True)          # rng: None, an int seed >= 0 (or a Generator)
OPT_FLOAT = arg("float", none_ok=True)
TEXT = arg("text", str_ok=True)


def _oracle(spec, value) -> bool:
    if spec.get("nan_ok") and isinstance(value, float) and math.isnan(value):
        return False
    return never_ok(spec, value)


def _elementwise(fn, **defaults):
    """Run ``fn``; where ``x`` is NaN a value function's result must be NaN (propagated, as
    PyTorch; derivative masks such as ``relu_grad`` may give 0 or 1 there); the
    returned value has non-finite entries zeroed so that the oracle's finiteness check sees
    only what the function made of finite input."""
    def run(**k):
        kw = {**defaults, **k}
        out = np.asarray(fn(**kw), dtype=float)
        x = np.asarray(kw["x"], dtype=float)
        assert out.shape == x.shape, f"{fn.__name__}: shape {x.shape} -> {out.shape}"
        if fn in NAN_PROPAGATES:
            assert np.all(np.isnan(out[np.isnan(x)])), f"{fn.__name__}: NaN did not propagate"
        finite_in = np.isfinite(x)
        assert np.all(np.isfinite(out[finite_in])), f"{fn.__name__}: finite in, NaN/inf out"
        return np.where(np.isfinite(out), out, 0.0)
    return run


# -- fixtures (small, seeded) ---------------------------------------------------------------------
RNG = np.random.default_rng(0)
X23 = RNG.normal(size=(2, 3))
PROBS = F.softmax(X23)
LOGP = F.log_softmax(X23)
Q = RNG.normal(size=(1, 3, 4))
_, CACHE = A.scaled_dot_product_attention_forward(Q, Q, Q)
GOOD_CACHE = dict(CACHE._asdict())
IMG = RNG.normal(size=(1, 2, 4, 4))
W_CONV = RNG.normal(size=(3, 2, 2, 2))
COLS = C.im2col(IMG, 2)
CFG = G.GPTConfig(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=8)
IDX = np.array([[1, 2, 3, 4]])
XE = RNG.normal(size=(1, 4, 8))
H = 4
X_T, H_PREV = RNG.normal(size=(2, 3)), RNG.normal(size=(2, H))
WX1, WH1, B1 = RNG.normal(size=(3, H)), RNG.normal(size=(H, H)), np.zeros(H)
WX4, WH4, B4 = RNG.normal(size=(3, 4 * H)), RNG.normal(size=(H, 4 * H)), np.zeros(4 * H)
WX3, WH3, B3 = RNG.normal(size=(3, 3 * H)), RNG.normal(size=(H, 3 * H)), np.zeros(3 * H)
XD, YD = RNG.normal(size=(16, 3)), RNG.integers(0, 2, size=16)
SCORES = RNG.normal(size=(4, 3))
LABELS = np.array([0, 2, 1, 2])


def _opt():
    return S.SGD(S.Linear(3, 2, rng=0).parameters(), lr=0.1)


def _step_with_lr(lr):
    """An lr set by hand (or by a scheduler) after construction is checked at step()."""
    opt = _opt()
    opt.lr = lr
    opt.step()
    return opt.params


def _cache(**k):
    return A.scaled_dot_product_attention_backward(np.ones((1, 3, 4)),
                                                   A.AttentionCache(**{**GOOD_CACHE, **k}))


def _layer_forward(make, x=X23, **k):
    return make()(k.get("x", x))


def _layer_backward(make, x=X23, **k):
    layer = make()
    out = layer(x)
    return layer.backward(k.get("grad_out", np.ones_like(out)))


def _loss(make, good_pred, good_target, **k):
    loss = make()
    value = loss(k.get("pred", good_pred), k.get("target", good_target))
    return value, loss.backward()


def _sequential(**k):
    if "layers" in k:
        return S.Sequential(k["layers"])
    return S.Sequential(S.Linear(3, 2, rng=0), S.ReLU())(k.get("x", X23))


def _lr_range_test(**k):
    model = k.pop("model") if "model" in k else S.Linear(3, 2, rng=0)
    params = model.parameters() if isinstance(model, S.Module) else []
    kw = {"data": (XD, YD), "optimizer": S.SGD(params, lr=0.1), "num_steps": 4,
          "batch_size": 8, **k}
    return LF.lr_range_test(model, kw.pop("data"), kw.pop("optimizer"), **kw)


def _minibatches(**k):
    kw = {"X": XD, "y": YD, "batch_size": 5, **k}
    return list(T.iterate_minibatches(kw.pop("X"), kw.pop("y"), **kw))


def _gpt_forward(**k):
    return G.GPT(CFG, rng=0)(k.get("idx", IDX))


def _block_forward(cls, **k):
    return cls(CFG, rng=0)(k.get("x", XE))


ELEMENTWISE = [F.step, F.step_grad, F.sigmoid, F.sigmoid_grad, F.tanh, F.tanh_grad, F.relu,
               F.relu_grad, F.erf, F.erfc]
NAN_PROPAGATES = {F.step, F.sigmoid, F.sigmoid_grad, F.tanh, F.tanh_grad, F.relu, F.erf, F.erfc,
                  F.gelu, F.gelu_grad, F.elu}

# (label, target, call(**k), {argument: spec})
ENTRIES = [
    *[(f"functional.{fn.__name__}", fn, _elementwise(fn, x=X23), {"x": DATA})
      for fn in ELEMENTWISE],
    ("functional.leaky_relu_grad", F.leaky_relu_grad, _elementwise(F.leaky_relu_grad, x=X23),
     {"x": DATA, "negative_slope": FLOAT}),
    ("functional.elu_grad", F.elu_grad, _elementwise(F.elu_grad, x=X23),
     {"x": DATA, "alpha": FLOAT}),
    ("functional.gelu_grad", F.gelu_grad, _elementwise(F.gelu_grad, x=X23),
     {"x": DATA, "approximate": CHOICE}),
    # a list is an array here; a single number has no axis (ShapeError)
    ("functional.logsumexp", F.logsumexp, call(F.logsumexp, x=X23),
     {"x": SEQ_OBJ, "axis": INT, "keepdims": BOOL}),
    ("functional.log_softmax", F.log_softmax, call(F.log_softmax, x=X23),
     {"x": SEQ_OBJ, "axis": INT}),
    ("functional.softmax_backward", F.softmax_backward,
     call(F.softmax_backward, grad_out=X23, probs=PROBS),
     {"grad_out": OBJ, "probs": OBJ, "axis": INT}),
    ("functional.log_softmax_backward", F.log_softmax_backward,
     call(F.log_softmax_backward, grad_out=X23, log_probs=LOGP),
     {"grad_out": OBJ, "log_probs": OBJ, "axis": INT}),
    # -- activation layers: NaN/inf input refused (NonFiniteError), numbers and lists fine
    *[(f"activations.{cls.__name__}.forward", cls,
       lambda c=cls, **k: _layer_forward(c, **k), {"x": arg("float", seq_ok=True)})
      for cls in (S.Sigmoid, S.Step, S.Tanh)],
    *[(f"activations.{cls.__name__}.backward", cls.backward,
       lambda c=cls, **k: _layer_backward(c, **k), {"grad_out": OBJ})
      for cls in (S.Sigmoid, S.Step, S.Tanh)],
    # -- init
    ("init.as_rng", I.as_rng, call(I.as_rng), {"rng": SEED}),
    ("init.calculate_gain", I.calculate_gain, call(I.calculate_gain, "leaky_relu"),
     {"param": OPT_FLOAT}),
    ("init.calculate_gain[nonlinearity]", I.calculate_gain, call(I.calculate_gain),
     {"nonlinearity": CHOICE}),
    ("init.fan_in_and_fan_out", I.fan_in_and_fan_out, call(I.fan_in_and_fan_out),
     {"shape": SEQ_OBJ}),
    *[(f"init.{fn.__name__}", fn, call(fn, shape=(3, 2)),
       {"shape": SEQ_OBJ, "gain": FLOAT, "rng": SEED, "dtype": DTYPE})
      for fn in (I.xavier_uniform, I.xavier_normal)],
    *[(f"init.{fn.__name__}", fn, call(fn, shape=(3, 2)),
       {"shape": SEQ_OBJ, "a": FLOAT, "mode": CHOICE, "nonlinearity": CHOICE, "rng": SEED,
        "dtype": DTYPE})
      for fn in (I.kaiming_uniform, I.kaiming_normal)],
    # -- recurrent
    ("recurrent.spectral_radius", R.spectral_radius, call(R.spectral_radius, W=WH1),
     {"W": OBJ}),
    ("recurrent.with_spectral_radius", R.with_spectral_radius,
     call(R.with_spectral_radius, W=WH1, radius=0.9), {"W": OBJ, "radius": FLOAT}),
    ("recurrent.rnn_step", R.rnn_step,
     call(R.rnn_step, x_t=X_T, h_prev=H_PREV, W_x=WX1, W_h=WH1, b=B1),
     {"x_t": OBJ, "h_prev": OBJ, "W_x": OBJ, "W_h": OBJ, "b": OBJ, "nonlinearity": CHOICE}),
    ("recurrent.lstm_step", R.lstm_step,
     call(R.lstm_step, x_t=X_T, h_prev=H_PREV, c_prev=H_PREV, W_x=WX4, W_h=WH4, b=B4),
     {"x_t": OBJ, "h_prev": OBJ, "c_prev": OBJ, "W_x": OBJ, "W_h": OBJ, "b": OBJ}),
    ("recurrent.gru_step", R.gru_step,
     call(R.gru_step, x_t=X_T, h_prev=H_PREV, W_x=WX3, W_h=WH3, b_x=B3, b_h=B3),
     {"x_t": OBJ, "h_prev": OBJ, "W_x": OBJ, "W_h": OBJ, "b_x": OBJ, "b_h": OBJ}),
    # -- attention
    ("attention.scaled_dot_product_attention_forward", A.scaled_dot_product_attention_forward,
     call(A.scaled_dot_product_attention_forward, q=Q, k=Q, v=Q),
     {"q": OBJ, "k": OBJ, "v": OBJ, "attn_mask": OBJ_NONE, "is_causal": BOOL,
      "scale": OPT_FLOAT}),
    ("attention.scaled_dot_product_attention_backward",
     A.scaled_dot_product_attention_backward,
     call(A.scaled_dot_product_attention_backward, grad_out=np.ones((1, 3, 4)), cache=CACHE),
     {"grad_out": OBJ, "cache": OBJ}),
    ("attention.AttentionCache", A.AttentionCache, _cache,
     {"q": OBJ, "k": OBJ, "v": OBJ, "weights": OBJ, "scale": FLOAT}),
    # -- conv
    ("conv.im2col", C.im2col, call(C.im2col, x=IMG, kernel_size=2),
     {"x": OBJ, "kernel_size": INT_PAIR, "stride": INT_PAIR, "padding": INT_PAIR}),
    ("conv.col2im", C.col2im, call(C.col2im, cols=COLS, x_shape=IMG.shape, kernel_size=2),
     {"cols": OBJ, "x_shape": SEQ_OBJ, "kernel_size": INT_PAIR, "stride": INT_PAIR,
      "padding": INT_PAIR}),
    ("conv.conv2d", C.conv2d, call(C.conv2d, x=IMG, weight=W_CONV),
     {"x": OBJ, "weight": OBJ, "bias": OBJ_NONE, "stride": INT_PAIR, "padding": INT_PAIR}),
    # -- the NumPy GPT
    ("gpt.GPT", G.GPT, call(G.GPT, CFG),
     {"config": OBJ_NONE, "eps": FLOAT, "gelu_approximate": CHOICE, "rng": SEED,
      "dtype": DTYPE}),
    ("gpt.GPT.forward", G.GPT.forward, _gpt_forward, {"idx": OBJ}),
    ("gpt.GPTBlock", G.GPTBlock, call(G.GPTBlock, CFG),
     {"config": OBJ, "eps": FLOAT, "gelu_approximate": CHOICE, "rng": SEED, "dtype": DTYPE}),
    ("gpt.GPTBlock.forward", G.GPTBlock.forward,
     lambda **k: _block_forward(G.GPTBlock, **k), {"x": OBJ}),
    ("gpt.GPTCausalSelfAttention", G.GPTCausalSelfAttention,
     call(G.GPTCausalSelfAttention, CFG), {"config": OBJ, "rng": SEED, "dtype": DTYPE}),
    ("gpt.GPTCausalSelfAttention.forward", G.GPTCausalSelfAttention.forward,
     lambda **k: _block_forward(G.GPTCausalSelfAttention, **k), {"x": OBJ}),
    ("gpt.GPTMLP", G.GPTMLP, call(G.GPTMLP, CFG),
     {"config": OBJ, "gelu_approximate": CHOICE, "rng": SEED, "dtype": DTYPE}),
    ("gpt.GPTMLP.forward", G.GPTMLP.forward, lambda **k: _block_forward(G.GPTMLP, **k),
     {"x": OBJ}),
    # -- layers, losses
    ("layers.Sequential", L.Sequential, _sequential, {"layers": OBJ, "x": OBJ}),
    ("losses.BCELoss", LS.BCELoss,
     lambda **k: _loss(LS.BCELoss, np.full((3, 2), 0.3), np.ones((3, 2)), **k),
     {"pred": OBJ, "target": OBJ}),
    ("losses.L1Loss", LS.L1Loss, lambda **k: _loss(LS.L1Loss, X23, X23 + 1, **k),
     {"pred": OBJ, "target": OBJ}),
    ("losses.NLLLoss", LS.NLLLoss,
     lambda **k: _loss(LS.NLLLoss, F.log_softmax(SCORES), LABELS, **k),
     {"pred": OBJ, "target": OBJ}),
    ("losses.CategoricalCrossEntropy", LS.CategoricalCrossEntropy,
     lambda **k: _loss(LS.CategoricalCrossEntropy, F.softmax(SCORES), LABELS, **k),
     {"pred": OBJ, "target": OBJ}),
    # -- learning rates
    ("lr_finder.ExponentialRamp", LF.ExponentialRamp,
     lambda **k: LF.ExponentialRamp(**{"optimizer": _opt(), "start_lr": 1e-4, "end_lr": 1.0,
                                       "num_steps": 5, **k}),
     {"optimizer": OBJ, "start_lr": FLOAT, "end_lr": FLOAT, "num_steps": INT}),
    ("lr_finder.lr_range_test", LF.lr_range_test, _lr_range_test,
     {"model": OBJ, "data": SEQ_OBJ, "optimizer": OBJ, "loss_fn": OBJ_NONE,
      "start_lr": FLOAT, "end_lr": FLOAT, "num_steps": INT, "batch_size": INT,
      "smooth": FLOAT, "diverge_threshold": FLOAT, "seed": INT}),
    ("lr_scheduler.lr_schedule_values", LRS.lr_schedule_values,
     call(LRS.lr_schedule_values, make_scheduler=lambda opt: S.StepLR(opt, 2), steps=4),
     {"make_scheduler": OBJ, "steps": INT, "lr": FLOAT}),
    # -- module, training helpers, utils
    ("module.Parameter", M.Parameter, call(M.Parameter, data=X23),
     {"data": arg("float", seq_ok=True), "name": TEXT}),
    ("training.accuracy", T.accuracy, call(T.accuracy, pred=SCORES, y=LABELS),
     {"pred": OBJ, "y": OBJ}),
    ("training.iterate_minibatches", T.iterate_minibatches, _minibatches,
     {"X": OBJ, "y": OBJ, "batch_size": INT, "shuffle": BOOL, "rng": SEED}),
    # F1's outsider fuzz: state set after construction, a module's mode and dtype
    ("module.Module.to", M.Module.to, lambda **k: S.Linear(3, 2, rng=0).to(**k),
     {"dtype": DTYPE}),
    ("module.Module.train", M.Module.train, lambda **k: S.Linear(3, 2, rng=0).train(**k),
     {"mode": BOOL}),
    ("optim.Optimizer.step", S.Optimizer.step, _step_with_lr, {"lr": FLOAT}),
    ("utils.count_parameters", count_parameters,
     lambda **k: count_parameters(**{"model": S.Linear(3, 2, rng=0), **k}),
     {"model": OBJ, "trainable_only": BOOL}),
]

# messages that name the argument with the word PyTorch uses
ALIASES = {
    **{(f"activations.{n}.forward", "x"): ("input",) for n in ("Sigmoid", "Step", "Tanh")},
    ("gpt.GPTBlock.forward", "x"): ("input",),
    ("gpt.GPTCausalSelfAttention.forward", "x"): ("input",),
    ("gpt.GPTMLP.forward", "x"): ("input",),
    ("layers.Sequential", "x"): ("input",),
    ("conv.im2col", "x"): ("input",),
    # these messages (shown in notebooks 09 and 11) say "the kernel 5 x 5", "check the masks"
    ("conv.im2col", "kernel_size"): ("kernel",),
    ("attention.scaled_dot_product_attention_forward", "attn_mask"): ("mask",),
    # the classification losses name pred by what it must hold, target as "class labels"
    **{(f"losses.{n}", "pred"): ("probabilities",) for n in ("NLLLoss",
                                                             "CategoricalCrossEntropy")},
    **{(f"losses.{n}", "target"): ("class labels",) for n in ("NLLLoss",
                                                             "CategoricalCrossEntropy")},
    ("conv.conv2d", "x"): ("input",),
    ("layers.Sequential", "layers"): ("Sequential",),
}

test_bad_argument_is_refused_with_its_name_or_works = scalar_test(FZ, ENTRIES, aliases=ALIASES,
                                                                  must_fail=_oracle)


# -- bad arrays and objects: each must be refused, naming the argument ----------------------------
def _bad_data():
    ragged = [[1.0, 2.0], [3.0]]
    return [
        ("functional.sigmoid", "x", X23 + 1j, "complex"),
        ("functional.relu", "x", np.array(["a", "b"]), "strings"),
        ("functional.tanh", "x", ragged, "a ragged list"),
        ("functional.log_softmax", "axis", 2, "an axis beyond a 2-D input"),
        ("functional.logsumexp", "axis", -3, "an axis beyond a 2-D input"),
        ("functional.softmax_backward", "grad_out", X23[:1], "1 row for 2"),
        ("functional.log_softmax_backward", "log_probs", LOGP.T, "transposed"),
        ("init.fan_in_and_fan_out", "shape", (3, 2, 2), "a 3-D shape"),
        ("init.fan_in_and_fan_out", "shape", (3, 0), "a zero fan-out"),
        ("init.xavier_uniform", "dtype", np.int32, "an integer dtype"),
        ("init.kaiming_normal", "mode", "fan_avg", "an unknown mode"),
        ("init.calculate_gain[nonlinearity]", "nonlinearity", "swish", "unknown"),
        ("recurrent.spectral_radius", "W", np.ones((2, 3)), "not square"),
        ("recurrent.spectral_radius", "W", np.full((2, 2), np.nan), "NaN"),
        ("recurrent.with_spectral_radius", "W", np.zeros((2, 2)), "radius 0"),
        ("recurrent.rnn_step", "x_t", np.ones((2, 5)), "5 features for 3"),
        ("recurrent.rnn_step", "h_prev", np.ones((3, H)), "3 rows for 2"),
        ("recurrent.rnn_step", "b", np.ones(H + 1), "a bias too long"),
        ("recurrent.rnn_step", "W_h", np.ones((H, H + 1)), "W_h not (H, H)"),
        ("recurrent.rnn_step", "nonlinearity", "sigmoid", "an unknown nonlinearity"),
        ("recurrent.lstm_step", "W_x", WX1, "W_x for 1 gate, not 4"),
        ("recurrent.lstm_step", "c_prev", np.ones((2, H + 1)), "c_prev too wide"),
        ("recurrent.gru_step", "b_h", B4, "b_h for 4 gates"),
        ("recurrent.gru_step", "x_t", X_T + 1j, "complex"),
        ("attention.scaled_dot_product_attention_forward", "k", np.ones((1, 3, 5)),
         "k's last axis 5, q's 4"),
        ("attention.scaled_dot_product_attention_forward", "attn_mask", np.ones((2, 2), bool),
         "a mask that does not broadcast"),
        ("attention.scaled_dot_product_attention_backward", "grad_out", np.ones((1, 2, 4)),
         "2 queries for 3"),
        ("attention.scaled_dot_product_attention_backward", "cache", tuple(CACHE),
         "a plain tuple"),
        ("attention.AttentionCache", "weights", np.ones((1, 3, 2)), "weights for 2 keys"),
        ("attention.AttentionCache", "q", np.ones((1, 3, 5)), "q of width 5"),
        ("attention.AttentionCache", "v", [[1.0]], "a list for v"),
        ("conv.im2col", "x", IMG[0], "one image without the batch axis"),
        ("conv.im2col", "kernel_size", 5, "a kernel larger than the image"),
        ("conv.col2im", "cols", COLS[:, :3], "3 columns"),
        ("conv.col2im", "x_shape", (1, 2, 4), "a 3-D shape"),
        ("conv.conv2d", "weight", np.ones((3, 5, 2, 2)), "5 in-channels for 2"),
        ("conv.conv2d", "bias", np.ones(4), "4 biases for 3 filters"),
        ("conv.conv2d", "x", np.full(IMG.shape, np.nan), "NaN images"),
        ("gpt.GPT.forward", "idx", np.array([[1, 2, 11]]), "a token id beyond the vocab"),
        ("gpt.GPT.forward", "idx", np.zeros((1, 9), int), "longer than block_size"),
        ("gpt.GPT.forward", "idx", np.array([[1.0, 2.0]]), "float ids"),
        ("gpt.GPTBlock.forward", "x", np.ones((1, 4, 5)), "5 channels for 8"),
        ("gpt.GPTMLP.forward", "x", np.ones((1, 4, 5)), "5 channels for 8"),
        ("gpt.GPTCausalSelfAttention.forward", "x", np.ones((1, 4)), "2-D"),
        ("gpt.GPTBlock", "config", {"n_embd": 8}, "a dict, not a GPTConfig"),
        ("layers.Sequential", "layers", S.ReLU, "a class, not a layer"),
        ("layers.Sequential", "x", np.ones((2, 4)), "4 features for 3"),
        ("losses.BCELoss", "pred", np.full((3, 2), 1.5), "probabilities above 1"),
        ("losses.BCELoss", "target", np.ones((3, 1)), "shape (3, 1) for (3, 2)"),
        ("losses.L1Loss", "target", np.ones((3, 3)), "shape (3, 3) for (2, 3)"),
        ("losses.L1Loss", "pred", np.full((2, 3), np.nan), "NaN predictions"),
        ("losses.NLLLoss", "pred", SCORES + 5, "positive log-probabilities"),
        ("losses.NLLLoss", "target", np.array([0, 1, 3, 1]), "a class beyond C"),
        ("losses.NLLLoss", "target", np.array([0.0, 1, 2, 1]), "float labels"),
        ("losses.CategoricalCrossEntropy", "pred", SCORES, "logits, not probabilities"),
        ("losses.CategoricalCrossEntropy", "target", LABELS[:3], "3 labels for 4 rows"),
        ("lr_finder.ExponentialRamp", "num_steps", 1, "one step"),
        ("lr_finder.ExponentialRamp", "optimizer", [], "a list, not an optimizer"),
        ("lr_finder.lr_range_test", "data", (XD, YD[:3]), "3 labels for 16 rows"),
        ("lr_finder.lr_range_test", "start_lr", 100.0, "start above end"),
        ("lr_scheduler.lr_schedule_values", "make_scheduler", lambda opt: 3,
         "returns a number"),
        ("module.Parameter", "data", np.ones(3) + 1j, "complex"),
        ("module.Parameter", "data", np.array([1.0, np.nan]), "NaN"),
        ("module.Parameter", "data", np.array(["a"]), "strings"),
        ("training.accuracy", "pred", SCORES[:, :1], "one class"),
        ("training.accuracy", "y", LABELS[:2], "2 labels for 4 rows"),
        ("training.accuracy", "y", np.array([0.5, 1, 2, 0]), "float labels"),
        ("training.iterate_minibatches", "y", YD[:3], "3 labels for 16 rows"),
        ("training.iterate_minibatches", "X", XD + 1j, "complex"),
        ("utils.count_parameters", "model", S.ReLU, "a class, not a model"),
    ]


BAD_DATA = _bad_data()


def test_every_bad_data_case_is_refused():
    """Every case once (a list, not drawn: each is a mistake a learner makes)."""
    run_listed_cases(FZ, ENTRIES, BAD_DATA, aliases=ALIASES)


EMPTY = [  # (label, argument, an empty value, other words its message may use)
    ("functional.relu", "x", np.zeros((0, 3)), ()),
    ("functional.erf", "x", np.zeros(0), ()),
    ("functional.logsumexp", "x", np.zeros((2, 0)), ()),
    ("functional.log_softmax", "x", np.zeros((0, 3)), ()),
    ("functional.softmax_backward", "grad_out", np.zeros((0, 3)), ("probs",)),
    ("activations.Sigmoid.forward", "x", np.zeros((0, 3)), ("input",)),
    ("recurrent.spectral_radius", "W", np.zeros((0, 0)), ()),
    ("recurrent.rnn_step", "x_t", np.zeros((0, 3)), ("h_prev",)),
    ("attention.scaled_dot_product_attention_forward", "q", np.zeros((1, 0, 4)), ()),
    ("conv.conv2d", "weight", np.zeros((0, 2, 2, 2)), ()),
    ("gpt.GPT.forward", "idx", np.zeros((1, 0), int), ("T=0",)),
    ("layers.Sequential", "x", np.zeros((0, 3)), ("input",)),
    ("losses.L1Loss", "pred", np.zeros((0, 3)), ("target",)),
    ("module.Parameter", "data", np.zeros((0, 3)), ()),
    ("training.accuracy", "y", np.zeros(0, int), ()),
    ("training.iterate_minibatches", "X", np.zeros((0, 3)), ()),
]


def test_empty_arrays_work_or_get_a_clear_error():
    """Empty input either works (with a finite result) or is refused, naming the argument."""
    for label, name, value, words in EMPTY:
        make = entry_call(ENTRIES, label)
        FZ.run(f"{label}[{name}: empty {value.shape}]", lambda m=make, k={name: value}: m(**k),
               (name, *ALIASES.get((label, name), ()), *words), False)


def test_nan_data_propagates_through_the_plain_functions():
    """Documented: NaN in x is data (as in PyTorch), not refused; it comes out NaN."""
    x = np.array([-1.0, np.nan, 2.0])
    for fn in NAN_PROPAGATES:
        out = fn(x)
        assert np.isnan(out[1]) and np.all(np.isfinite(out[[0, 2]])), fn.__name__


def test_zz_report_counts():
    """Last in the module: how much the fuzz covered (for the CI log and the issue note)."""
    FZ.report()
