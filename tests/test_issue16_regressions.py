"""Issue 16: every case the independent fuzz found, one regression test each (NumPy engine,
autograd, models, data). The widget-constructor cases are in the widget tests (H4)."""

import math

import numpy as np
import pytest

import nnlib.scratch as S
from nnlib import autograd
from nnlib.autograd import nn as ann
from nnlib.errors import NonFiniteError, NotForwardedError, ShapeError

rng = np.random.default_rng(0)


# -- silent results -------------------------------------------------------------------------
def test_embedding_padding_idx_true_is_refused():
    with pytest.raises(TypeError, match="padding_idx must be an int"):
        S.Embedding(5, 2, padding_idx=True)


def test_integer_dtypes_are_refused_for_weights_and_mnist():
    from nnlib.data import load_mnist

    with pytest.raises(TypeError, match="Linear: dtype must be a floating dtype"):
        S.Linear(3, 2, dtype=np.int32)
    with pytest.raises(TypeError, match="load_mnist: dtype must be a floating dtype"):
        load_mnist(dtype=np.int32)


@pytest.mark.parametrize("call", [
    lambda: S.Linear(3, 2)(np.ones((2, 3)) + 1j),
    lambda: S.ReLU()(np.ones(3) * 1j),
    lambda: autograd.Tensor(np.ones(3) + 1j),
    lambda: S.MSELoss()(np.ones(3) + 1j, np.ones(3)),
])
def test_complex_inputs_are_refused_not_truncated(call):
    with pytest.raises(TypeError, match="complex"):
        call()


@pytest.mark.parametrize("call, name", [
    (lambda: S.LeakyReLU(math.nan), "negative_slope"),
    (lambda: S.ELU(alpha=math.nan), "alpha"),
    (lambda: S.scaled_dot_product_attention(*[rng.normal(size=(1, 2, 4))] * 3, scale=math.nan),
     "scale"),
    (lambda: S.sinusoidal_positional_encoding(4, 4, base=0), "base"),
    (lambda: S.sinusoidal_positional_encoding(4, 4, base=-2.0), "base"),
    (lambda: S.StepLR(S.SGD([S.Parameter(np.zeros(1))], lr=0.1), 2, gamma=0), "gamma"),
])
def test_nan_and_out_of_range_hyperparameters_are_refused(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_lr_set_to_nan_after_construction_is_caught_at_step():
    p = S.Parameter(np.ones(3))
    opt = S.Adam([p], lr=0.1)
    opt.lr = math.nan               # as a broken scheduler would
    p.grad[...] = 1.0
    with pytest.raises(NonFiniteError, match="lr is nan"):
        opt.step()
    assert np.all(p.data == 1.0)    # nothing changed


def test_conv2d_refuses_a_pair_for_in_channels():
    with pytest.raises(TypeError, match="Conv2d: in_channels must be an int >= 1, got \\(3, 99\\)"):
        S.Conv2d((3, 99), 8, 3)
    with pytest.raises(TypeError, match="in_channels"):
        S.Conv2d((3, 4), 2, 3)


@pytest.mark.parametrize("make, x", [
    (lambda: S.Linear(3, 2, rng=0), rng.normal(size=(4, 3))),
    (lambda: S.Conv2d(2, 3, 3, rng=0), rng.normal(size=(2, 2, 5, 5))),
    (lambda: S.LSTM(3, 4, rng=0), rng.normal(size=(2, 5, 3))),
    (lambda: S.MultiheadAttention(4, 2, rng=0), rng.normal(size=(2, 3, 4))),
    (lambda: S.BatchNorm1d(3), rng.normal(size=(4, 3))),
])
def test_backward_twice_for_one_forward_raises(make, x):
    layer = make()
    out = layer(x)
    out = out[0] if isinstance(out, tuple) else out
    layer.backward(np.ones_like(out))
    with pytest.raises(NotForwardedError, match="twice for one forward"):
        layer.backward(np.ones_like(out))


@pytest.mark.parametrize("make, shape", [
    (lambda: S.Linear(3, 2, rng=0).double(), (4, 3)),
    (lambda: S.Tanh(), (4, 3)),
    (lambda: S.RNN(3, 4, rng=0).double(), (2, 5, 3)),
])
def test_mutating_the_input_between_forward_and_backward_changes_nothing(make, shape):
    x = rng.normal(size=shape)
    clean, dirty = make(), make()
    out = clean(x.copy())
    out = out[0] if isinstance(out, tuple) else out
    g = np.ones_like(out)
    gx = clean.backward(g)
    x2 = x.copy()
    dirty(x2)
    x2 *= 100.0                          # the learner changes the array in place
    gx2 = dirty.backward(g)
    np.testing.assert_allclose(gx2, gx)
    for a, b in zip(clean.parameters(), dirty.parameters(), strict=True):
        np.testing.assert_allclose(a.grad, b.grad)


# -- raw or misleading errors -----------------------------------------------------------------
def test_softmax_dim_out_of_range_and_tensor_sum_axis():
    with pytest.raises(ShapeError, match="dim=5 is out of range"):
        S.Softmax(dim=5)(np.ones((2, 3)))
    with pytest.raises(ShapeError, match="axis=5 is out of range"):
        autograd.Tensor(np.ones((2, 3))).sum(axis=5)


def test_empty_inputs():
    assert S.Softmax()(np.zeros((0, 3))).shape == (0, 3)      # as torch: empty in, empty out
    with pytest.raises(ShapeError, match="zero entries"):
        autograd.Tensor(np.zeros((0, 3))).mean()
    with pytest.raises(ShapeError, match="empty"):
        S.CrossEntropyLoss()(np.zeros((0, 3)), np.zeros(0, dtype=int))
    with pytest.raises(ShapeError):
        autograd.cross_entropy(autograd.Tensor(np.zeros((0, 3))), np.zeros(0, dtype=int))


def test_dropout_numpy_float_and_float16():
    assert S.Dropout(np.float32(0.5)).p == 0.5
    assert S.Dropout(0.5, rng=0)(np.ones((3, 3), dtype=np.float16)).dtype == np.float16


@pytest.mark.parametrize("call, error, name", [
    (lambda: S.LeakyReLU("a"), TypeError, "negative_slope"),
    (lambda: S.BatchNorm1d(3, momentum=None), TypeError, "momentum"),
    (lambda: S.HuberLoss(delta="1"), TypeError, "delta"),
    (lambda: S.Adam([S.Parameter(np.ones(2))], betas=0.9), TypeError, "betas"),
    (lambda: S.scaled_dot_product_attention(*[np.ones((1, 2, 4))] * 3, scale="a"), TypeError,
     "scale"),
    (lambda: S.LearnedPositionalEmbedding(4, 8, std=-1), ValueError, "std"),
    (lambda: S.Embedding(5, 2, padding_idx=1.5), TypeError, "padding_idx"),
    (lambda: autograd.Tensor(np.ones(3))[1.5], TypeError, "index"),
    (lambda: S.conv2d(np.ones((1, 2, 5, 5)), np.ones((3, 2, 3, 3)), bias=np.ones(2)),
     ShapeError, "bias"),
    (lambda: ann.Linear(0, 3), ValueError, "in_features"),
    (lambda: ann.Linear(-1, 3), ValueError, "in_features"),
    (lambda: ann.Linear(3.5, 2), TypeError, "in_features"),
])
def test_errors_name_the_argument(call, error, name):
    with pytest.raises(error, match=name):
        call()


def test_lstm_backward_given_one_array_names_grad_final_state():
    lstm = S.LSTM(3, 4, rng=0)
    out, _ = lstm(rng.normal(size=(2, 5, 3)))
    with pytest.raises(TypeError, match="grad_final_state must be a tuple"):
        lstm.backward(np.zeros_like(out), np.zeros((2, 4)))


def test_loss_backward_takes_one_number():
    loss = S.MSELoss()
    loss(np.ones(3), np.zeros(3))
    with pytest.raises(TypeError, match="grad_out"):
        loss.backward(np.ones(3))
    assert loss.backward(np.array(2.0)).shape == (3,)


def test_mnist_dataloaders_seed_is_named():
    pytest.importorskip("torch")
    from nnlib.data import mnist_dataloaders

    with pytest.raises(TypeError, match="seed"):
        mnist_dataloaders(seed="a")


def test_non_integer_token_ids_raise_one_type_everywhere():
    torch = pytest.importorskip("torch")
    from nnlib.data import CharVocab
    from nnlib.models.gpt import GPT as TorchGPT

    config = S.GPTConfig(vocab_size=5, block_size=4, n_layer=1, n_head=1, n_embd=4)
    calls = [
        lambda: S.Embedding(5, 2)(np.array([[0.0, 1.0]])),
        lambda: S.GPT(config)(np.zeros((1, 3))),
        lambda: TorchGPT(config)(torch.zeros(1, 3)),
        lambda: CharVocab("abc").decode(np.array([0.5])),
    ]
    for call in calls:
        with pytest.raises(TypeError, match="integer token ids"):
            call()


@pytest.mark.parametrize("shape, index, words", [
    ((3, 2), 5, ["index 5", "axis 0 of size 3", "-3 to 2"]),
    ((3, 2), (0, 7), ["index 7", "axis 1 of size 2", "-2 to 1"]),
    ((3,), -4, ["index -4", "axis 0 of size 3"]),
    ((3, 2), np.array([0, 4]), ["holds 4", "axis 0 of size 3"]),
    ((3, 2), (Ellipsis, 2), ["index 2", "axis 1 of size 2"]),
    ((3, 2), (1, 1, 1), ["3 indices", "2 axes"]),
    ((3, 2), np.array([True, False]), ["boolean", "sizes (3,)"]),
])
def test_tensor_index_out_of_range_names_the_index_the_axis_and_its_size(shape, index, words):
    with pytest.raises(IndexError) as info:
        autograd.Tensor(np.ones(shape))[index]
    for word in words:
        assert word in str(info.value), (word, str(info.value))


# -- found by the second fuzz (training, batching, augmentation, gradcheck, widgets) ------------
def test_step_loop_data_helpers_name_what_is_wrong():
    torch = pytest.importorskip("torch")
    from nnlib.data import RandomShift, get_batch, random_rows, shift_image

    ids = torch.arange(40) % 5
    cases = [
        (lambda: get_batch("some text", batch_size=2, block_size=4), TypeError, "encode"),
        (lambda: get_batch(None, batch_size=2, block_size=4), TypeError, "ids"),
        (lambda: get_batch(ids, batch_size=2, block_size=4, generator=0), TypeError,
         "generator"),
        (lambda: get_batch(ids, batch_size=2, block_size=4, device="gpu"), ValueError,
         "device"),
        (lambda: next(random_rows(None, ids, batch_size=2)), TypeError, "inputs"),
        (lambda: next(random_rows(np.ones((40, 2)), ids, batch_size=2)), TypeError,
         "torch.from_numpy"),
        (lambda: next(random_rows(torch.ones(0, 2), ids[:0], batch_size=2)), ValueError,
         "at least one row"),
        (lambda: RandomShift(1)(np.ones((1, 4, 4))), TypeError, "image"),
        (lambda: RandomShift(1)(torch.ones(4, 4)), ShapeError, r"image\[None\]"),
        (lambda: shift_image(torch.ones(1, 4, 4), 1.5, 0), TypeError, "dy"),
        (lambda: shift_image(torch.ones(1, 4, 4), 0, 0, fill="0"), TypeError, "fill"),
        (lambda: shift_image(torch.ones(1, 4, 4, dtype=torch.long), 1, 0, fill=0.5),
         ValueError, "fill"),
    ]
    for call, error, words in cases:
        with pytest.raises(error, match=words):
            call()


def test_gradcheck_refuses_what_would_make_it_meaningless():
    import importlib

    gc = importlib.import_module("nnlib.scratch.gradcheck")
    layer = S.Linear(3, 2, rng=0).double()
    x = rng.normal(size=(2, 3))
    cases = [
        (lambda: gc.gradcheck(layer, x, tol=1.5), ValueError, "tol"),  # passed anything
        (lambda: gc.gradcheck(layer, x, eps=0), ValueError, "eps"),
        (lambda: gc.gradcheck(layer, x, eps="1e-6"), TypeError, "eps"),
        (lambda: gc.gradcheck(layer, x, np.ones((2, 2))), TypeError, "target"),
        (lambda: gc.gradcheck(S.MSELoss(), x), TypeError, "target"),
        (lambda: gc.gradcheck(layer, x + 1j), TypeError, "complex"),
        (lambda: gc.gradcheck(layer, np.full((2, 3), np.nan)), NonFiniteError, "x"),
        (lambda: gc.gradcheck("Linear", x), TypeError, "module"),
        (lambda: gc.numerical_gradient(lambda: 0.0, [1.0, 2.0]), TypeError, "x"),
        (lambda: gc.numerical_gradient(lambda: 0.0, np.ones(3), eps=0), ValueError, "eps"),
        (lambda: gc.numerical_gradient(None, np.ones(3)), TypeError, "f"),
        (lambda: gc.max_relative_error(np.ones(3), np.ones(2)), ShapeError, "same shape"),
    ]
    for call, error, words in cases:
        with pytest.raises(error, match=words):
            call()


def test_training_loop_arguments_are_named_where_the_mistake_is_made():
    torch = pytest.importorskip("torch")
    from torch import nn

    from nnlib.train import EarlyStopping, evaluate, fit, grad_norm, predict, run_steps

    model = nn.Linear(3, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.ones(4, 3), torch.tensor([0, 1, 0, 1])
    data = [(x, y)]

    def quiet_fit(**k):
        return fit(model, k.pop("data", data), opt, epochs=1, progress=False,
                   **{"verbose": False, "device": "cpu", **k})

    def ce(m, a, b):
        return nn.functional.cross_entropy(m(a), b), None

    cases = [
        (lambda: quiet_fit(device="gpu"), ValueError, "device must be 'cpu'"),
        (lambda: quiet_fit(device=3), TypeError, "cuda:0"),
        (lambda: quiet_fit(verbose=0.5), TypeError, "verbose"),      # was ZeroDivisionError
        (lambda: quiet_fit(verbose=math.nan), TypeError, "verbose"),
        (lambda: quiet_fit(progress="yes"), TypeError, "progress"),  # was taken as True
        (lambda: quiet_fit(data=True), TypeError, "data"),           # 'bool' not iterable
        (lambda: quiet_fit(callbacks=3), TypeError, "callbacks"),
        (lambda: quiet_fit(data=[(x[:0], y[:0])]), ValueError, "at least one example"),  # NaN
        (lambda: evaluate(None, data), TypeError, "model"),          # AttributeError
        (lambda: evaluate(model, data, loss_fn="mse"), TypeError, "loss_fn"),
        (lambda: predict(model, data, device="gpu"), ValueError, "device"),
        (lambda: run_steps(model, data, opt, ce, clip_grad_norm=math.nan), NonFiniteError,
         "clip_grad_norm"),                                          # 'training diverged'
        (lambda: run_steps(model, data, opt, ce, steps=1.5), TypeError, "steps"),  # islice
        (lambda: run_steps(model, data, "adam", ce), TypeError, "optimizer"),
        (lambda: run_steps(model, data, opt, ce, hooks=[print]), TypeError, "hooks"),
        (lambda: grad_norm(3), TypeError, "parameters"),
        (lambda: EarlyStopping(restore_best="no"), TypeError, "restore_best"),
        (lambda: EarlyStopping().step(math.nan), NonFiniteError, "val_loss"),
    ]
    for call, error, words in cases:
        with pytest.raises(error, match=words):
            call()


def test_fit_names_val_data_when_its_batches_are_wrong():
    torch = pytest.importorskip("torch")
    from torch import nn

    from nnlib.train import fit

    model = nn.Linear(3, 2)
    batches = [(torch.ones(4, 3), torch.tensor([0, 1, 0, 1]))]
    with pytest.raises(ValueError, match="val_data must yield"):
        fit(model, batches, torch.optim.SGD(model.parameters(), lr=0.1), epochs=1,
            val_data=[1, 2], progress=False, verbose=False, device="cpu")


def test_checkpoints_and_metrics_name_their_arguments(tmp_path):
    pytest.importorskip("torch")
    from torch import nn

    from nnlib.train import confusion_matrix, load_checkpoint, read_checkpoint, save_checkpoint

    model = nn.Linear(2, 2)
    (tmp_path / "junk.pt").write_text("not a checkpoint")
    cases = [
        (lambda: save_checkpoint(model, 1), TypeError, "path"),  # never a file named '1'
        (lambda: save_checkpoint(model, tmp_path / "no" / "c.pt"), FileNotFoundError,
         "does not exist"),
        (lambda: save_checkpoint("model", tmp_path / "c.pt"), TypeError, "model"),
        (lambda: load_checkpoint(model, tmp_path / "missing.pt"), FileNotFoundError, "path"),
        (lambda: read_checkpoint(tmp_path / "junk.pt"), ValueError, "not a checkpoint"),
        (lambda: confusion_matrix([0, 1], [1, 1], n_classes=1.5), TypeError, "n_classes"),
        (lambda: confusion_matrix([0, 3], [1, 1], n_classes=2), ValueError, "preds must hold"),
    ]
    for call, error, words in cases:
        with pytest.raises(error, match=words):
            call()
    assert not (tmp_path / "1").exists()


def test_part_two_mistakes_name_their_arguments():
    """Cases the Part II fuzz (tests/test_fuzz_part2.py) found raw or silent, one line each."""
    pytest.importorskip("torch")
    import torch

    from nnlib.data.graphs import Graph, split_nodes
    from nnlib.models.diffusion import NoiseSchedule, q_sample
    from nnlib.models.gnn import GATConv, readout
    from nnlib.scratch.generative import Generator, time_features
    from nnlib.scratch.patches import PatchEmbedding
    from nnlib.train.transfer import few_labels
    from nnlib.widgets.graph import OverSmoothingExplorer

    a = np.array([[0, 1], [1, 0]], dtype=float)
    m = S.Linear(2, 2, rng=0)
    data = (np.ones((4, 2)), np.array([0, 1, 0, 1]))
    cases = [
        # scratch.fit(verbose=...) was unchecked; the torch fit checked it
        (lambda: S.fit(m, data, S.SGD(m.parameters(), lr=0.1), epochs=1, verbose="yes"),
         TypeError, "verbose"),
        (lambda: S.fit(m, data, S.SGD(m.parameters(), lr=0.1), epochs=1, verbose=-1),
         ValueError, "verbose"),
        (lambda: S.fit("model", data, S.SGD(m.parameters(), lr=0.1), epochs=1), TypeError,
         "model"),
        # the over-smoothing dropdown said ipywidgets' "Invalid selection"
        (lambda: OverSmoothingExplorer(a, np.ones((2, 2)), [0, 1], how="attention"),
         ValueError, "how"),
        (lambda: OverSmoothingExplorer(a, np.ones((2, 2)), [0, 1], depth=40), ValueError,
         "depth"),
        (lambda: PatchEmbedding(image_size=(2, 3), patch_size=4), ValueError, "image_size"),
        (lambda: PatchEmbedding(dtype=np.float32(0.5)), TypeError, "dtype"),  # was float32
        (lambda: Generator(dtype=np.float32(0.5)), TypeError, "dtype"),
        (lambda: time_features(np.array([0, 1]), 10, dim=3), ValueError, "dim"),
        (lambda: Graph(np.ones((2, 2)), np.array([[0], [5]]), 0), ValueError, "num_nodes"),
        (lambda: split_nodes([[0, 1]], 1), ValueError, "labels"),        # was accepted
        (lambda: few_labels(np.arange(6) % 2, 1, classes=1.5), TypeError, "classes"),
        (lambda: GATConv(3.5, 2), TypeError, "in_features"),            # torch's "empty()"
        (lambda: readout(torch.ones(3, 2), torch.tensor([0, 0, 5]), 2), ValueError, "batch"),
        (lambda: q_sample(torch.ones(2, 2), torch.tensor([0, 10]), torch.ones(2, 2),
                          NoiseSchedule(10)), ValueError, "t must lie"),  # IndexError
    ]
    for call, error, words in cases:
        with pytest.raises(error, match=words):
            call()


# -- Part I NumPy engine, second pass (issue 16, F1): one line per bug fixed -------------------
def test_part1_scratch_second_pass_regressions():
    from nnlib.scratch import attention as A
    from nnlib.scratch import functional as F
    from nnlib.scratch import init as I
    from nnlib.scratch import recurrent as R
    from nnlib.scratch.lr_finder import ExponentialRamp
    from nnlib.scratch.training import accuracy, iterate_minibatches
    from nnlib.utils import count_parameters

    x = np.ones((2, 3))
    _, cache = A.scaled_dot_product_attention_forward(x[None], x[None], x[None])
    refused = [
        (lambda: F.sigmoid(True), TypeError, "x must be a number"),        # was 0.731
        (lambda: S.Tanh()(True), TypeError, "a bool"),                      # was tanh(1)
        (lambda: F.logsumexp(x, keepdims="no"), TypeError, "keepdims"),    # was truthy
        (lambda: F.softmax_backward(1.0, x), ShapeError, "grad_out"),      # was broadcast
        (lambda: F.log_softmax_backward(x, None), TypeError, "log_probs"),  # raw ufunc error
        (lambda: I.xavier_uniform((3, 2), gain=math.nan), NonFiniteError, "gain"),  # Overflow
        (lambda: I.xavier_uniform((3, 2), gain=-1), ValueError, "gain"),   # "high - low < 0"
        (lambda: I.xavier_normal((3, 2), gain=1e308), ValueError, "gain"),  # inf weights
        (lambda: I.kaiming_normal((3, 2), a=math.inf), NonFiniteError, "a"),  # OverflowError
        (lambda: I.kaiming_uniform(3), TypeError, "shape"),                 # not iterable
        (lambda: I.xavier_normal((3, 2), dtype=True), TypeError, "dtype"),
        (lambda: I.calculate_gain("leaky_relu", "0.2"), TypeError, "param"),
        (lambda: I.calculate_gain(True), TypeError, "nonlinearity"),
        (lambda: I.as_rng(-1), ValueError, "rng"),                          # raw NumPy error
        (lambda: R.spectral_radius(True), TypeError, "W"),
        (lambda: R.with_spectral_radius(np.eye(2), 1e308 * 10), NonFiniteError, "radius"),
        (lambda: R.with_spectral_radius([[1, 100], [0, 1]], 1e308), ValueError, "radius"),
        (lambda: R.rnn_step(x, x, x, x, x[0], "sigmoid"), ValueError, "nonlinearity"),  # relu!
        (lambda: R.rnn_step(np.ones((2, 5)), np.ones((2, 4)), np.ones((3, 4)), np.eye(4),
                            np.zeros(4)), ShapeError, "W_x"),               # matmul error
        (lambda: R.lstm_step(x, x, None, x, x, x[0]), TypeError, "c_prev"),
        (lambda: A.scaled_dot_product_attention_backward(
            np.ones((1, 2, 3)), cache._replace(scale="1")), TypeError, "scale"),
        (lambda: A.scaled_dot_product_attention_backward(
            np.ones((1, 2, 3)), cache._replace(weights=np.ones(3))), ShapeError, "weights"),
        (lambda: A.scaled_dot_product_attention(x[None], x[None], x[None], attn_mask=False),
         TypeError, "attn_mask"),                                            # all blocked
        (lambda: S.GPT(S.GPTConfig(vocab_size=5, block_size=4, n_layer=1, n_head=1, n_embd=4),
                       gelu_approximate="exact"), ValueError, "gelu_approximate"),
        (lambda: ExponentialRamp(S.SGD(S.Linear(2, 2).parameters(), lr=0.1), "1e-4", 1.0, 5),
         TypeError, "start_lr"),
        (lambda: ExponentialRamp(S.SGD(S.Linear(2, 2).parameters(), lr=0.1), 1e-4, 1.0, 1.5),
         TypeError, "num_steps"),
        (lambda: S.Parameter(1j), TypeError, "complex"),                    # ComplexWarning
        (lambda: S.Parameter(np.ones(2), name=3), TypeError, "name"),
        (lambda: iterate_minibatches(x, np.ones(2), batch_size=0), ValueError, "batch_size"),
        (lambda: iterate_minibatches(x, np.ones(2), 1, shuffle="no"), TypeError, "shuffle"),
        (lambda: accuracy(x, np.array([0.5, 1.0])), ValueError, "y"),
        (lambda: count_parameters(None), TypeError, "model"),               # AttributeError
        (lambda: S.Linear(3, 2)([[1.0, 2.0], [3.0]]), TypeError, "input must be a numeric"),
        (lambda: S.Flatten()([[1.0, 2.0], [3.0]]), TypeError, "input must be a numeric"),
        (lambda: count_parameters(S.Linear(2, 2), trainable_only=1), TypeError,
         "trainable_only"),
    ]
    for fn, error, words in refused:
        with pytest.raises(error, match=words):
            fn()
    # NaN is data in the plain functions: it propagates (erf(nan) was 1, step(nan) was 0)
    assert np.isnan(F.erf(math.nan)) and np.isnan(F.erfc(math.nan)) and np.isnan(F.step(math.nan))
    # with_spectral_radius of an int matrix was truncated to ints (all zeros for radius 0.5)
    w = R.with_spectral_radius(np.array([[2, 0], [0, 1]]), 0.5)
    assert w.dtype == np.float64 and np.allclose(w, [[0.5, 0], [0, 0.25]])
    # iterate_minibatches checks at the call, not at the first batch
    with pytest.raises(ShapeError):
        iterate_minibatches(x, np.ones(5), 1)
    # a row of NaN scores is not counted as a hit at class 0
    assert accuracy(np.array([[np.nan, 0.0], [0.0, 1.0]]), np.array([0, 1])) == 0.5


# -- issue 16, PyTorch models, data, utilities, exercises, StepContext (helper F2) ------------
def test_models_data_utils_refuse_what_they_once_took_silently_or_raw():
    """One line per bug found by tests/test_fuzz_models_data.py (was: what happened before)."""
    torch = pytest.importorskip("torch")
    import datetime

    import nnlib
    from nnlib import exercises
    from nnlib import models as M
    from nnlib.data import CharVocab, logic_gate, mnist_datasets
    from nnlib.data.bpe import BPETokenizer
    from nnlib.data.dates import DateVocab, date_task, format_date
    from nnlib.models import cnn, generation, gpt, mlp, resnet_demo, rnn, seq2seq
    from nnlib.models import transformer_toy as tt
    from nnlib.train import StepContext
    from nnlib.utils import full_run_notice

    cfg = gpt.GPTConfig(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=8)
    s2s_sizes = dict(src_vocab_size=9, tgt_vocab_size=9, max_src_len=6, max_tgt_len=5,
                     d_model=8, num_heads=2, num_encoder_layers=1, num_decoder_layers=1,
                     dim_feedforward=8)
    s2s = seq2seq.Seq2SeqTransformer(seq2seq.Seq2SeqConfig(**s2s_sizes))
    lstm = torch.nn.LSTM(2, 3, batch_first=True)
    x_seq = torch.zeros(4, 5, 2)
    lm = M.CharRNN(10, 4, 6)
    toy = M.ToyTransformer(7, 6, d_model=8, num_heads=2, num_layers=1, dim_feedforward=8)
    refused = [
        (lambda: M.ResidualBlock(2, residual="no"), TypeError, "residual"),   # bool("no")
        (lambda: M.DeepCNN(1, 2, residual=1), TypeError, "residual"),         # bool(1)
        (lambda: cnn.conv_bn_relu(1.5, 2), TypeError, "in_channels"),         # torch's error
        (lambda: M.DeepCNN(1, 2)(np.zeros((1, 1, 28, 28))), TypeError, "x"),  # AttributeError
        (lambda: gpt.GPTBlock(None), TypeError, "config"),                    # AttributeError
        (lambda: M.GPT({"n_embd": 8}), TypeError, "config"),                  # no name
        (lambda: generation.top_p_filter(torch.zeros(1, 3), True), TypeError, "p"),  # as 1
        (lambda: generation.top_p_filter(torch.zeros(1, 3), math.nan), NonFiniteError, "p"),
        (lambda: generation.sample_next(torch.zeros(1, 3), top_k=True), TypeError, "top_k"),
        (lambda: generation.sample_next(torch.full((1, 3), math.nan)), NonFiniteError,
         "logits"),                                                           # multinomial
        (lambda: generation.sample_next(torch.zeros(1, 3), generator=0), TypeError,
         "generator"),
        (lambda: generation.generate_with_kv_cache(lm, torch.ones(1, 2, dtype=torch.long), 2),
         TypeError, "model"),                                                 # AttributeError
        (lambda: generation.generate_with_kv_cache(gpt.GPT(cfg), torch.ones(
            1, 2, dtype=torch.long), 2, temperature="1"), TypeError, "temperature"),
        (lambda: mlp.init_linear_layers(None, "he"), TypeError, "model"),     # AttributeError
        (lambda: mlp.init_linear_layers(torch.nn.Linear(2, 2), 1e300), ValueError, "init"),
        (lambda: resnet_demo.he_init_("model"), TypeError, "model"),          # AttributeError
        (lambda: M.SequenceRegressor(hidden_size=2.0), TypeError, "hidden_size"),
        (lambda: M.SequenceRegressor(bidirectional="yes"), TypeError, "bidirectional"),
        (lambda: M.CharRNN(10.0), TypeError, "vocab_size"),
        (lambda: lm(torch.zeros(1, 3)), TypeError, "idx"),                    # ValueError
        (lambda: lm.generate("hello", 3), TypeError, "prompt"),               # int('h')
        (lambda: lm.generate([1.5], 3), TypeError, "prompt"),                 # truncated to 1
        (lambda: lm.generate([1], 3, temperature="hot"), TypeError, "temperature"),
        (lambda: lm.generate([1], 2.5), TypeError, "length"),                 # range(2.5)
        (lambda: rnn.zeros_state(torch.nn.LSTM(2, 3), x_seq), ValueError, "batch_first"),
        (lambda: rnn.last_layer_state(lstm, torch.zeros(1, 4, 3)), TypeError, "state"),
        (lambda: rnn.char_loss(lm, torch.zeros(20), 4), TypeError, "ids"),    # embedding error
        (lambda: rnn.regression_loss(M.SequenceRegressor(2, 3), x_seq, torch.zeros(4, 1)),
         ShapeError, "targets"),                     # broadcast to (4, 4) with a warning only
        (lambda: rnn.next_char_loss(lm, torch.ones(2, 3, dtype=torch.long),
                                    torch.ones(2, 2, dtype=torch.long)), ShapeError, "targets"),
        (lambda: rnn.train_with_adam(M.SequenceRegressor(2, 3), lambda: (x_seq, x_seq[:, 0, 0]),
                                     rnn.regression_loss, 1, clip_grad_norm="1"), TypeError,
         "clip_grad_norm"),
        (lambda: tt.sinusoidal_table(4, 4, base=0.0), ValueError, "base"),    # NaN table
        (lambda: tt.sinusoidal_table(4.0, 4), TypeError, "max_len"),
        (lambda: tt.EncoderBlock(10, 4, 8), ValueError, "divisible"),         # AssertionError
        (lambda: M.ToyTransformer(7, 6, dropout=math.nan), NonFiniteError, "dropout"),
        (lambda: M.ToyTransformer(7, True), TypeError, "max_len"),
        (lambda: toy(torch.ones(1, 3, dtype=torch.long), key_padding_mask=torch.zeros(1, 2)),
         ShapeError, "key_padding_mask"),
        (lambda: tt.sequence_accuracy(toy, torch.ones(2, 3, dtype=torch.long),
                                      torch.ones(1, 3, dtype=torch.long)), ShapeError,
         "targets"),                                                          # broadcast
        (lambda: tt.train_toy_transformer(toy, torch.ones(2, 3, dtype=torch.long),
                                          torch.ones(2, 3, dtype=torch.long), 1, batch_size=1.5),
         TypeError, "batch_size"),
        (lambda: seq2seq.Seq2SeqConfig(**{**s2s_sizes, "d_model": True}), TypeError,
         "d_model"),                                                          # ValueError
        (lambda: seq2seq.Seq2SeqConfig(**{**s2s_sizes, "dropout": math.nan}), NonFiniteError,
         "dropout"),                                                          # accepted
        (lambda: seq2seq.Seq2SeqConfig(**{**s2s_sizes, "bos_id": 9}), ValueError, "bos_id"),
        (lambda: seq2seq.Seq2SeqTransformer(None), TypeError, "config"),
        (lambda: seq2seq.DecoderBlock(8, 3, 8), ValueError, "divisible"),     # AssertionError
        (lambda: s2s.greedy_decode(torch.ones(1, 2, dtype=torch.long), True), TypeError,
         "length"),                                                           # taken as 1
        (lambda: seq2seq.shift_right(torch.ones(2, 3, dtype=torch.long), 1.5), TypeError,
         "bos_id"),                                                           # float BOS
        (lambda: seq2seq.seq2seq_accuracy(s2s, torch.ones(2, 3, dtype=torch.long),
                                          torch.ones(2, 6, dtype=torch.long)), ShapeError,
         "tgt"),                                                              # said "length"
        (lambda: seq2seq.train_seq2seq(s2s, torch.ones(2, 3, dtype=torch.long),
                                       torch.ones(2, 3, dtype=torch.long) * 9, 1), ValueError,
         "tgt"),                                                              # torch's error
        (lambda: CharVocab(["a", "b"]), TypeError, "text"),                   # ValueError
        (lambda: BPETokenizer.train("low lower", True), TypeError, "num_merges"),  # as 1
        (lambda: BPETokenizer(["a", "b"], [(0, 5)]), ValueError, "merges"),   # IndexError
        (lambda: BPETokenizer.train("low lower", 2).decode([1.5]), TypeError, "ids"),
        (lambda: DateVocab().decode([1.0]), TypeError, "ids"),                # list index
        (lambda: DateVocab().encode(5), TypeError, "text"),                   # set(5)
        (lambda: date_task(True), TypeError, "n"),                            # one date
        (lambda: date_task(5, max_src_len=10), ValueError, "max_src_len"),    # later, maybe
        (lambda: format_date("1994-03-07", "dd.mm.yyyy"), TypeError, "date"),  # AttributeError
        (lambda: logic_gate(5), TypeError, "name"),                           # ValueError
        (lambda: mnist_datasets(fashion=True), ValueError, "fashion"),        # not named
        (lambda: nnlib.set_seed(True), TypeError, "seed"),                    # ValueError
        (lambda: nnlib.set_seed(2**64), ValueError, "seed"),                  # torch's error
        (lambda: nnlib.get_device(0), TypeError, "prefer"),                   # AttributeError
        (lambda: nnlib.get_device("cpu", announce="yes"), TypeError, "announce"),
        (lambda: full_run_notice(True, 5, device="gpu"), ValueError, "device"),  # silent
        (lambda: exercises.checker(4.2), TypeError, "exercise_id"),           # registered
        (lambda: exercises.solution(None), TypeError, "exercise_id"),         # AttributeError
        (lambda: exercises.solution("00.1", now="yes"), TypeError, "now"),
        (lambda: StepContext(hooks=5), TypeError, "hooks"),                   # list(5)
        (lambda: StepContext(clip_grad_norm=math.nan), NonFiniteError, "clip_grad_norm"),
        (lambda: StepContext(precision="cpu"), TypeError, "precision"),       # at step()
    ]
    failures = []
    for i, (fn, error, words) in enumerate(refused):
        try:
            fn()
        except error as exc:
            if words not in str(exc):
                failures.append(f"case {i}: {type(exc).__name__} without {words!r}: {exc}")
        except Exception as exc:  # report every case at once
            failures.append(f"case {i}: {type(exc).__name__} instead of {error.__name__}: {exc}")
        else:
            failures.append(f"case {i}: accepted")
    assert not failures, "\n".join(failures)
    # what stays valid: a date of the longest format, a CharRNN prompt from NumPy ids
    assert len(format_date(datetime.date(2049, 9, 30), "month day, year")) == 18
    assert len(lm.generate(np.array([1, 2]), 2, generator=torch.Generator().manual_seed(0))) == 2


# -- F0, session 4: nnlib.autograd entry points fuzzed by tests/test_fuzz_autograd.py -----------
def test_autograd_relu_and_tanh_take_arrays_and_refuse_other_things():
    from nnlib.autograd.nn import ReLU, Tanh

    assert ReLU()(np.array([-1.0, 2.0])).data.tolist() == [0.0, 2.0]   # was AttributeError
    for bad, error in [(True, TypeError), (3.0, TypeError), (np.ones(2) + 1j, TypeError),
                       (np.full(2, np.nan), NonFiniteError), ([[1.0], [2.0, 3.0]], TypeError)]:
        with pytest.raises(error, match="x"):
            Tanh()(bad)


def test_autograd_sequential_names_layers_and_hints_at_a_class():
    with pytest.raises(TypeError, match=r"layers\[1\] must be a Module.*create one: ReLU"):
        ann.Sequential(ann.Linear(2, 2), ann.ReLU)


def test_autograd_graph_functions_refuse_non_nodes_and_an_unseeded_root():
    from nnlib.autograd.graph import run_backward

    with pytest.raises(TypeError, match="topological_order: root must be a Value or Tensor"):
        autograd.topological_order(np.ones(3))                  # was AttributeError: _prev
    with pytest.raises(TypeError, match="run_backward: root must be a Value or Tensor"):
        run_backward([autograd.Tensor(np.ones(2))])
    out = autograd.Tensor(np.ones(2)) * 2
    with pytest.raises(ValueError, match=r"run_backward: root.grad is None.*backward\(\)"):
        run_backward(out)                                       # was a raw NoneType TypeError


def test_autograd_unbroadcast_checks_grad_and_shape():
    g = np.ones((4, 3))
    assert autograd.unbroadcast(g, 3).tolist() == [4.0, 4.0, 4.0]
    assert autograd.unbroadcast(np.ones((4, 3), dtype=int), (1, 3)).dtype.kind == "i"
    for shape in [(4,), (2, 3), (5, 4, 3)]:                     # were silently wrong shapes
        with pytest.raises(ShapeError, match="cannot come from broadcasting shape"):
            autograd.unbroadcast(g, shape)
    for shape, error in [((-1,), ValueError), ((3.0,), TypeError), ((True,), TypeError),
                         ("3", TypeError), (True, TypeError)]:
        with pytest.raises(error, match="shape"):
            autograd.unbroadcast(g, shape)
    for grad, error in [(g + 1j, TypeError), (np.full((4, 3), np.nan), NonFiniteError),
                        (np.full((4, 3), "a"), TypeError), (autograd.Tensor(g), TypeError)]:
        with pytest.raises(error, match="grad"):
            autograd.unbroadcast(grad, (3,))


def test_autograd_cross_entropy_names_targets_and_logits():
    logits = autograd.Tensor(rng.normal(size=(3, 2)))
    with pytest.raises(ValueError, match=r"class labels in 0..1, got 0..2 \(logits has 2"):
        autograd.cross_entropy(logits, np.array([0, 1, 2]))
    with pytest.raises(ShapeError, match=r"one per row of logits \(shape \(3, 2\)\)"):
        ann.CrossEntropyLoss()(logits, np.array([0, 1]))


def test_widget_helpers_and_surfaces_refuse_what_they_once_took():
    """Issue 16 (F3): each line was silently accepted, clamped or a raw error before."""
    torch = pytest.importorskip("torch")
    from nnlib import surfaces as SF
    from nnlib import widgets as W
    from nnlib.data import CharVocab
    from nnlib.models.gpt import GPT, GPTConfig
    from nnlib.models.rnn import CharRNN
    from nnlib.models.transformer_toy import ToyTransformer
    from nnlib.scratch.module import Parameter
    from nnlib.widgets import activations as WA
    from nnlib.widgets import attention as WAT
    from nnlib.widgets import convolution as WC
    from nnlib.widgets import generation as WG
    from nnlib.widgets import losses as WLO
    from nnlib.widgets import mlp as WM
    from nnlib.widgets import optimizers as WO
    from nnlib.widgets import perceptron as WP
    from nnlib.widgets import playground as WPG
    from nnlib.widgets import recurrent as WR
    from nnlib.widgets import training as WT

    torch.manual_seed(0)
    vocab = CharVocab("abcdefgh ")
    gpt = GPT(GPTConfig(vocab_size=len(vocab), block_size=8, n_layer=1, n_head=2, n_embd=8))
    rnn = CharRNN(len(vocab), 4, 8)
    toy = ToyTransformer(10, 8, d_model=8, num_heads=2, num_layers=1, dim_feedforward=8)
    bowl = SF.SURFACES["bowl"]
    loader = [(torch.zeros(4, 1, 4, 4), torch.tensor([0, 1, 2, 1]))]
    X, y = np.zeros((4, 2)), np.array([0, 1, 2, 1])
    cases = [
        (lambda: SF.Surface("b", "f", bowl.value, bowl.grad, (0, 0), ((0, 0),), (1, -1), (0, 1)),
         ValueError, "xlim must be"),
        (lambda: SF.optimize_path("bowl", lambda params: params), TypeError, "make_optimizer"),
        (lambda: SF.get_surface(True), TypeError, "name must be one of"),
        (lambda: W.slider("s", 0.5, 1.0, 0.0, 0.1), ValueError, "min must be <= max"),
        (lambda: W.slider("s", 5, 0, 1, 0.1), ValueError, "value must be"),    # was clamped
        (lambda: W.dropdown("d", ["a"], "b"), ValueError, "value must be one of 'a'"),
        (lambda: W.log_slider("s", 0.01, -4, 400), ValueError, "max_exp"),   # OverflowError
        (lambda: WA.Activation(None, np.cos, object), TypeError, "f must be callable"),
        (lambda: WA.gradient_norms_through_depth("tanh", 2, width=True), TypeError, "width"),
        (lambda: WAT.collect_attention(toy, np.ones((2, 8))), TypeError, "inputs"),
        (lambda: WC.feature_map(np.ones((5, 5)), np.ones((3, 3)) * 1j), TypeError,
         "kernel must be real"),
        (lambda: WG.sampling_distribution(gpt, vocab, "ab", 1.0, 0), ValueError, "top_k"),
        (lambda: WG.sampling_distribution(gpt, vocab, "ab", math.nan, None), NonFiniteError,
         "temperature"),
        (lambda: WLO.loss_and_grad("MSE", True, 1.0), TypeError, "prediction"),
        (lambda: WLO.loss_curves("MSE", 1.0, None), TypeError, "predictions"),
        (lambda: WM.build_mlp([2, 2.5, 1]), TypeError, r"sizes\[1\]"),       # was int(2.5)
        (lambda: WM.build_mlp([2, 1], rng=True), TypeError, "rng"),
        (lambda: WM.train_mlp(X, y, 3, steps=1), ValueError, "0/1 class labels"),
        (lambda: WO.make_optimizer("Adam", [Parameter(np.zeros(2))], 0.1, momentum=math.nan),
         NonFiniteError, "momentum"),
        (lambda: WO.cached_path("Adam", 0.1, 0.9, 0.999, "bowl", 0), ValueError, "steps"),
        (lambda: WP.start_weights("random", seed=True), TypeError, "seed"),
        (lambda: WPG.feature_matrix(np.ones((4, 3)), ["x1"]), ShapeError, "X"),
        (lambda: WPG.parse_hidden_layers(3), TypeError, "text must be a str"),
        (lambda: WR.describe_gradient_flow(np.array([])), ShapeError, "norms"),
        (lambda: WR.next_char_probabilities(rnn, vocab, "ab", -1.0), ValueError,
         "temperature"),
        (lambda: WT.TrainingDashboard(loader, loader, n_classes=True), TypeError, "n_classes"),
        (lambda: WT.TrainingDashboard(loader, loader, n_classes=3, diverge_factor=math.nan),
         NonFiniteError, "diverge_factor"),
        (lambda: WT.make_optimizer("Adam", [torch.nn.Parameter(torch.zeros(2))], math.inf),
         NonFiniteError, "lr"),
    ]
    for call, error, words in cases:
        with pytest.raises(error, match=words):
            call()


def test_model_blocks_name_a_wrong_input():
    """Blocks called on their own (as notebooks 11-12 do) named nothing (F2): raw torch errors."""
    torch = pytest.importorskip("torch")
    from nnlib.models import cnn, gpt, resnet_demo, seq2seq
    from nnlib.models import transformer_toy as tt

    cfg = gpt.GPTConfig(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=8)
    refused = [
        (lambda: cnn.ResidualBlock(2)(torch.zeros(1, 3, 4, 4)), ShapeError, "x"),  # conv error
        (lambda: resnet_demo.BasicBlock(2)(torch.zeros(2, 4, 4)), ShapeError, "x"),
        (lambda: gpt.GPTBlock(cfg)(torch.zeros(2, 3, 6)), ShapeError, "x"),         # LayerNorm
        (lambda: gpt.GPTCausalSelfAttention(cfg)(torch.zeros(3, 8)), ShapeError, "x"),  # unpack
        (lambda: tt.EncoderBlock(8, 2, 8)(torch.zeros(2, 3, 8), torch.zeros(2, 3)), TypeError,
         "key_padding_mask"),                                     # float mask added, not masked
        (lambda: seq2seq.DecoderBlock(8, 2, 8)(torch.zeros(2, 3, 8), torch.zeros(3, 4, 8)),
         ShapeError, "memory"),                                                  # torch's error
    ]
    for fn, error, words in refused:
        with pytest.raises(error, match=words):
            fn()


def test_plotting_refuses_what_it_once_drew_wrongly_or_raw():
    """Issue 16 (F3): the figures of nnlib.plotting check what a learner passes them."""
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    from nnlib import plotting as PL

    digits = np.zeros((3, 28, 28))
    cases = [
        (lambda: PL.plot_digits(digits, [1, 2]), ValueError, "labels must have one entry"),
        (lambda: PL.plot_digits(digits, [0.5, 1, 2]), TypeError, "labels must hold integers"),
        (lambda: PL.plot_digits(digits, None, [1, 2, 3]), ValueError, "pass labels too"),
        (lambda: PL.plot_digits(digits, ncols=True), TypeError, "ncols"),
        (lambda: PL.plot_history({"train_loss": [1.0]}), TypeError, "history must be"),
        (lambda: PL.plot_confusion_matrix(np.ones((2, 3))), ValueError, "square"),
        (lambda: PL.plot_confusion_matrix(np.eye(2), ["a", "b", "c"]), ValueError,
         "class_names must hold one name per class"),
        (lambda: PL.figure_png(Figure(), dpi=math.nan), NonFiniteError, "dpi"),
        (lambda: PL.figure_png(None), TypeError, "fig must be a matplotlib Figure"),
        (lambda: PL.canvas_png(Figure()), TypeError, "canvas must be"),
    ]
    for call, error, words in cases:
        with pytest.raises(error, match=words):
            call()


def test_fuzz_common_draws_spirals_turns_and_ragged_layer_inputs():
    """Found once test_fuzz_api drew other values (F0): a raw overflow and a raw NumPy error."""
    from nnlib.data import spirals

    with pytest.raises(ValueError, match=r"turns must be a finite number in \(0, 1000000.0\]"):
        spirals(n=10, turns=1e308)                 # was FloatingPointError/inf coordinates
    for layer in (S.Linear(3, 2), S.Flatten()):    # was "setting an array element ..."
        with pytest.raises(TypeError, match="input"):
            layer([[1.0, 2.0], [3.0]])


def test_plots_accept_a_subfigure_panel():
    """Notebook 08 draws a History into one panel of a figure (fig.subfigures): the figure
    check must accept a SubFigure for the plot functions (not for the PNG writers)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from nnlib.plotting import figure_png, plot_confusion_matrix, plot_digits, plot_history
    from nnlib.train_common import History

    fig = Figure(figsize=(9, 3), layout="constrained")
    left, middle, right = fig.subfigures(1, 3)
    history = History(train_loss=[1.0, 0.5], val_loss=[1.1, 0.6], train_metric=[0.5, 0.7],
                      val_metric=[0.4, 0.6], best_epoch=1)
    plot_history(history, left)
    plot_digits(np.zeros((2, 784)), fig=middle)
    plot_confusion_matrix(np.eye(3, dtype=int), fig=right)
    assert len(left.axes) == 2 and len(middle.axes) == 2 and len(right.axes) >= 1
    with pytest.raises(TypeError, match="fig must be a matplotlib Figure"):
        figure_png(left)


# -- the widgets' drawing helpers (D1): each case was accepted silently or raised a raw error --
def _draw_cases():
    """(call, error, words) for every case the drawing helpers got wrong before their checks."""
    from matplotlib.figure import Figure

    from nnlib.widgets import activations as WA
    from nnlib.widgets import attention as WAT
    from nnlib.widgets import convolution as WC
    from nnlib.widgets import generation as WG
    from nnlib.widgets import mlp as WM
    from nnlib.widgets import optimizers as WO
    from nnlib.widgets import perceptron as WP
    from nnlib.widgets import recurrent as WR

    def ax():
        return Figure().add_subplot()

    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 0, 0, 1])
    mlp = WM.build_mlp([2, 3, 1], rng=0)
    return [
        # silently accepted: a parameter ignored, a wrong count returned, nothing drawn
        (lambda: WA.draw_activation(ax(), "tanh", 5.0), ValueError, "tanh has no parameter"),
        (lambda: WA.draw_activation(ax(), "tanh", lim=math.nan), NonFiniteError, "lim"),
        (lambda: WAT.plot_attention(ax(), np.full((2, 2), np.nan)), NonFiniteError, "weights"),
        (lambda: WC.draw_kernel(ax(), np.ones((0, 3))), ShapeError, "kernel is empty"),
        (lambda: WG.draw_attention_masks(padding=-1), ValueError, "padding"),
        (lambda: WG.draw_attention_masks(padding=6), ValueError, "padding < source_len"),
        (lambda: WG.draw_attention_masks(source_len=0, padding=0), ValueError, "source_len"),
        (lambda: WP.draw_perceptron(ax(), [1, 1], -1.5, X, 2 * y - 1), ValueError,
         "y must hold the class labels 0 and 1"),
        (lambda: WP.draw_perceptron(ax(), [1, 1], math.nan, X, y), NonFiniteError, "b must"),
        (lambda: WP.draw_mistakes(ax(), [1, -1]), ValueError, "mistakes must be counts"),
        (lambda: WP.draw_mistakes(ax(), []), ShapeError, "mistakes is empty"),
        (lambda: WR.draw_unrolled_rnn(steps=0), ValueError, "steps"),
        (lambda: WM.draw_decision_region(ax(), mlp, X, y + 1), ValueError,
         "y must hold the class labels 0 and 1"),
        # raw errors that did not name the argument
        (lambda: WA.draw_activation(ax(), ["tanh"]), TypeError, "name must be one of"),
        (lambda: WA.draw_activation(Figure(), "tanh"), TypeError, "ax must be a matplotlib Axes"),
        (lambda: WAT.plot_attention(ax(), np.eye(3), ["a", "b"]), ShapeError,
         "key_labels must have one label per column"),
        (lambda: WC.draw_kernel(ax(), np.ones((2, 2, 2))), ShapeError, "kernel"),
        (lambda: WP.draw_perceptron(ax(), [1, 1, 1], -1.5, X, y), ShapeError, "w of shape"),
        (lambda: WR.draw_unrolled_rnn(steps=2.5), TypeError, "steps must be an int"),
        (lambda: WR.draw_lstm_cell("fig"), TypeError, "fig must be a matplotlib Figure"),
        (lambda: WG.draw_block_diagram(ax()), TypeError, "fig must be a matplotlib Figure"),
        (lambda: WM.draw_decision_region(ax(), np.tanh, X, y, hidden_lines=True), TypeError,
         "hidden_lines=True draws the lines of the first layer"),
        (lambda: WO.draw_path(ax(), X, "x"), TypeError, "path must be a SurfacePath"),
        (lambda: WO.draw_surface(ax(), ["bowl"]), TypeError, "surface_name must be one of"),
    ]


@pytest.mark.parametrize("case", range(24))
def test_drawing_helpers_refuse_bad_values_naming_them(case):
    cases = _draw_cases()
    assert len(cases) == 24
    call, error, words = cases[case]
    with pytest.raises(error, match=words):
        call()


def test_drawing_helpers_still_take_what_the_notebooks_give():
    """The forms notebooks 01, 02, 03, 06, 09, 10, 11 and 12 use (ranges of labels, int
    arrays, numpy scalars, a SubFigure for the diagrams) are accepted."""
    from matplotlib.figure import Figure

    from nnlib.data import logic_gate
    from nnlib.surfaces import SURFACES, optimize_path
    from nnlib.widgets import activations as WA
    from nnlib.widgets import attention as WAT
    from nnlib.widgets import convolution as WC
    from nnlib.widgets import generation as WG
    from nnlib.widgets import mlp as WM
    from nnlib.widgets import optimizers as WO
    from nnlib.widgets import perceptron as WP
    from nnlib.widgets import recurrent as WR

    fig = Figure(figsize=(12, 6), layout="constrained")
    axes = fig.subplots(2, 4).ravel()
    X, y = logic_gate("AND")
    assert WP.draw_perceptron(axes[0], np.array([1.0, 1.0]), np.float64(-1.5), X, y,
                              previous=[(np.zeros(2), 0)], title="AND", fontsize=12) == 0
    WP.draw_mistakes(axes[1], [2, 1, 0], fontsize=12)
    WA.draw_activation(axes[2], "leaky ReLU", 0.1, fontsize=13)
    WAT.plot_attention(axes[3], np.eye(3), list("abc"), range(3), annotate=True)
    WC.draw_kernel(axes[4], np.array([[0, np.inf, 1], [np.nan, 2, 3], [1, 1, 1]]), fontsize=9)
    WM.draw_decision_region(axes[5], WM.build_mlp([2, 3, 1], rng=0), X, y, hidden_lines=True,
                            xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), point_size=160)
    WO.draw_surface(axes[6], "bowl")
    WO.draw_path(axes[6], optimize_path(SURFACES["bowl"], lambda p: S.SGD(p, lr=0.1), steps=3),
                 label="SGD", color="white")
    for draw, sub in zip((WR.draw_unrolled_rnn, WR.draw_lstm_cell, WR.draw_gru_cell,
                          WG.draw_block_diagram, WG.draw_attention_masks),
                         Figure().subfigures(1, 5)):
        assert draw(sub) is sub


def test_softmax_of_a_single_number_says_it_has_no_axis():
    # was "dim=-1 is out of range for an input of shape () (valid: 0 to -1)": no valid range exists
    for layer in (S.Softmax(), S.LogSoftmax()):
        with pytest.raises(ShapeError, match=r"single number.*pass an array") as info:
            layer(0.5)
        assert "valid:" not in str(info.value)


def test_element_wise_layers_single_number_numpy_computes_autograd_refuses():
    # the deliberate difference in CONTRIBUTING.md's table: NumPy takes scalars, PyTorch does not
    from nnlib.autograd import nn as AN

    assert float(S.ReLU()(3.0)) == 3.0 and float(S.ReLU()(-3.0)) == 0.0
    assert float(S.Tanh()(0.5)) == pytest.approx(np.tanh(0.5))
    for layer in (AN.ReLU(), AN.Tanh()):
        with pytest.raises(TypeError, match=r"x must be a Tensor or an array.*single number"):
            layer(3.0)


# -- F1's outsider fuzz (a learner's mistakes the registries had not tried) -------------------
def _tiny_model():
    return S.Sequential(S.Linear(3, 4, rng=0), S.ReLU(), S.Linear(4, 2, rng=1))


@pytest.mark.parametrize("cls", [S.SGD, S.Adam, S.AdamW, S.RMSprop])
def test_optimizer_lr_set_to_a_string_or_negative_after_construction(cls):
    # was a raw UFuncTypeError / "unsupported operand" (string), or a silent climb (negative)
    opt = cls(_tiny_model().parameters(), lr=0.1)
    opt.lr = "0.1"
    with pytest.raises(TypeError, match=r"step: lr is '0.1' \(a str\); set it to a number"):
        opt.step()
    opt.lr = -1.0
    with pytest.raises(ValueError, match=r"step: lr is -1.0; a learning rate must be >= 0"):
        opt.step()
    opt.lr = 0.0  # a schedule may end at 0: still allowed
    opt.step()


def test_load_state_dict_of_none_or_complex_arrays():
    # was "'NoneType' object is not iterable", and complex weights kept their real part
    # with only a ComplexWarning
    layer = S.Linear(3, 2)
    with pytest.raises(TypeError, match=r"load_state_dict: state must be a dict"):
        layer.load_state_dict(None)
    state = layer.state_dict()
    state["weight"] = state["weight"].astype(complex)
    with pytest.raises(TypeError, match=r"state\['weight'\] must be real"):
        layer.load_state_dict(state)


def test_numpy_layer_given_a_torch_tensor_that_requires_grad():
    # was torch's "Can't call numpy() on Tensor that requires grad" from inside np.asarray;
    # a plain tensor was already accepted, one that requires grad now is too (as the other
    # layers, through nnlib._checks)
    torch = pytest.importorskip("torch")
    out = S.Linear(3, 2, rng=0)(torch.ones(2, 3, requires_grad=True))
    assert isinstance(out, np.ndarray) and out.shape == (2, 2)


def test_fit_with_an_optimizer_built_for_another_model():
    # was silent: the loss never moved, nothing said why
    X, y = np.random.default_rng(0).normal(size=(8, 3)), np.array([0, 1] * 4)
    model = _tiny_model()
    opt = S.SGD(_tiny_model().parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"optimizer holds none of the model's parameters"):
        S.fit(model, (X, y), opt, epochs=1, verbose=False)


def test_fit_with_a_scheduler_of_another_optimizer_or_a_torch_scheduler():
    # was silent (the schedule moved another optimizer's lr) or torch's warning from inside
    torch = pytest.importorskip("torch")
    X, y = np.random.default_rng(0).normal(size=(8, 3)), np.array([0, 1] * 4)
    model = _tiny_model()
    opt = S.SGD(model.parameters(), lr=0.1)
    other = S.StepLR(S.SGD(model.parameters(), lr=0.1), 1)
    with pytest.raises(ValueError, match=r"scheduler was built for another optimizer"):
        S.fit(model, (X, y), opt, epochs=1, scheduler=other, verbose=False)
    torch_sched = torch.optim.lr_scheduler.StepLR(
        torch.optim.SGD(torch.nn.Linear(2, 2).parameters(), lr=0.1), 1)
    with pytest.raises(TypeError, match=r"scheduler is a PyTorch scheduler"):
        S.fit(model, (X, y), opt, epochs=1, scheduler=torch_sched, verbose=False)


def test_numpy_fit_given_a_torch_loss():
    # was torch's "cross_entropy_loss(): argument 'input' must be Tensor, not numpy.ndarray"
    torch = pytest.importorskip("torch")
    X, y = np.random.default_rng(0).normal(size=(8, 3)), np.array([0, 1] * 4)
    model = _tiny_model()
    for call in (lambda: S.fit(model, (X, y), S.SGD(model.parameters(), lr=0.1),
                               torch.nn.CrossEntropyLoss(), epochs=1, verbose=False),
                 lambda: S.evaluate(model, (X, y), torch.nn.CrossEntropyLoss())):
        with pytest.raises(TypeError, match=r"loss_fn is a PyTorch loss \(CrossEntropyLoss\)"):
            call()


def test_fit_batches_of_one_or_three_items_say_how_many():
    # was "must yield (inputs, targets) pairs, got a tuple" for a tuple of 3
    X, y = np.ones((4, 3)), np.array([0, 1, 0, 1])
    model = _tiny_model()
    with pytest.raises(ValueError, match=r"pairs, got a tuple of 3 items"):
        S.fit(model, [(X, y, y)], S.SGD(model.parameters(), lr=0.1), epochs=1, verbose=False)
    with pytest.raises(ValueError, match=r"pairs, got a tuple of 1 item$"):
        S.evaluate(model, [(X,)])


def test_torch_mlp_and_cnn_given_float64_int_or_byte_input():
    # was torch's "mat1 and mat2 must have the same dtype, but got Double and Float" (the
    # usual torch.from_numpy(X) mistake) / "expected scalar type Byte but found Float"
    torch = pytest.importorskip("torch")
    from nnlib.models import MLP, SmallCNN

    mlp = MLP([3, 4, 2])
    with pytest.raises(TypeError, match=r"MLP: x has dtype torch.float64 .* x.float\(\) "
                                        r"\(torch.from_numpy keeps NumPy's float64\)"):
        mlp(torch.ones(2, 3, dtype=torch.float64))
    with pytest.raises(TypeError, match=r"x has dtype torch.int64 .* x.float\(\)"):
        mlp(torch.ones(2, 3, dtype=torch.long))
    with pytest.raises(TypeError, match=r"x has dtype torch.uint8 .* / 255"):
        SmallCNN()(torch.zeros(2, 1, 28, 28, dtype=torch.uint8))
    assert mlp.double()(torch.ones(2, 3, dtype=torch.float64)).dtype == torch.float64


def test_torch_mlp_given_a_numpy_array():
    # was AttributeError: 'numpy.ndarray' object has no attribute 'numel' from inside forward
    pytest.importorskip("torch")
    from nnlib.models import MLP

    with pytest.raises(TypeError, match=r"MLP: x must be a torch tensor .*torch.as_tensor"):
        MLP([3, 2])(np.ones((2, 3), np.float32))


def test_autograd_sgd_of_an_empty_parameter_list():
    # was accepted silently: step() then trained nothing (the NumPy SGD and torch refuse it)
    with pytest.raises(ValueError, match=r"SGD: params is empty"):
        ann.SGD([], lr=0.1)


def test_torch_fit_and_evaluate_given_a_numpy_loss_or_a_loss_class():
    # was AttributeError "'float' object has no attribute 'item'" from inside the loop (NumPy
    # loss) and torch's "Boolean value of Tensor ... is ambiguous" (the class itself)
    torch = pytest.importorskip("torch")
    from nnlib.models import MLP
    from nnlib.train import evaluate, fit

    data = [(torch.randn(4, 3), torch.tensor([0, 1, 0, 1]))]
    model = MLP([3, 2])
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match=r"fit: loss_fn is a NumPy loss .*nn.CrossEntropyLoss\(\)"):
        fit(model, data, opt, S.CrossEntropyLoss(), epochs=1, progress=False, verbose=False)
    with pytest.raises(TypeError, match=r"evaluate: loss_fn is a NumPy loss"):
        evaluate(model, data, S.MSELoss())
    with pytest.raises(TypeError, match=r"loss_fn is the class CrossEntropyLoss.*"
                                        r"loss_fn=CrossEntropyLoss\(\)"):
        fit(model, data, opt, torch.nn.CrossEntropyLoss, epochs=1, progress=False,
            verbose=False)


def test_torch_fit_given_a_numpy_scheduler_or_one_of_another_optimizer():
    # was silent: the NumPy scheduler stepped its own optimizer, the other torch scheduler
    # another one (only torch's warning about the order of step calls)
    torch = pytest.importorskip("torch")
    from nnlib.models import MLP
    from nnlib.train import fit

    data = [(torch.randn(4, 3), torch.tensor([0, 1, 0, 1]))]
    model = MLP([3, 2])
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    numpy_sched = S.StepLR(S.SGD(S.Linear(2, 2).parameters(), lr=0.1), 1)
    with pytest.raises(TypeError, match=r"scheduler is a NumPy scheduler"):
        fit(model, data, opt, epochs=1, scheduler=numpy_sched, progress=False, verbose=False)
    other = torch.optim.lr_scheduler.StepLR(torch.optim.SGD(model.parameters(), lr=0.1), 1)
    with pytest.raises(ValueError, match=r"scheduler was built for another optimizer"):
        fit(model, data, opt, epochs=1, scheduler=other, progress=False, verbose=False)


def test_gaussian_blobs_with_centres_of_different_lengths():
    # was NumPy's "setting an array element with a sequence ... inhomogeneous shape"
    from nnlib.data import gaussian_blobs

    with pytest.raises(TypeError, match=r"centers must be .* rows differ in length"):
        gaussian_blobs(centers=[[0, 0], [1]])
    with pytest.raises(ValueError, match=r"centers must be a number of classes"):
        gaussian_blobs(centers=[[0, 0], [1j, 1]])


def test_regression_1d_with_a_function_that_returns_nan():
    # was silent: NaN targets came back as data
    from nnlib.data import regression_1d

    with pytest.raises(NonFiniteError, match=r"function returned NaN or infinite values at"):
        regression_1d(function=lambda x: np.where(x > 0, x, np.nan), x_range=(-1.0, 1.0))
    x, y = regression_1d(function=lambda x: np.where(x > 0, x, np.nan), x_range=(0.5, 2.0))
    assert np.isfinite(y).all()


def test_module_to_an_integer_dtype_and_train_with_a_string():
    # was silent: .to(np.int32) truncated every weight to an integer (mostly 0), and
    # .train("no") set training to the string (truthy: still training)
    layer = S.Linear(2, 2)
    with pytest.raises(TypeError, match=r"Linear.to: dtype must be a floating dtype"):
        layer.to(np.int32)
    assert layer.weight.data.dtype == np.float32
    with pytest.raises(TypeError, match=r"Linear.train: mode must be True or False, got 'no'"):
        layer.train("no")
    assert layer.train(np.False_).training is False


def test_gradcheck_of_a_dropout_in_training_mode():
    # was GradcheckError "the backward pass gives wrong gradients for input": the backward
    # was right, the forward drew a new mask at every call
    with pytest.raises(ValueError, match=r"different output for the same x .*module.eval\(\)"):
        S.gradcheck(S.Dropout(0.5), np.ones((2, 3)))
    assert S.gradcheck(S.Dropout(0.5).eval(), np.ones((2, 3)))


def test_autoencoder_and_vae_given_float64_or_a_numpy_array():
    # was torch's "mat1 and mat2 must have the same dtype" and AttributeError "'numpy.ndarray'
    # object has no attribute 'dim'"
    torch = pytest.importorskip("torch")
    from nnlib.models.autoencoder import Autoencoder
    from nnlib.models.vae import VAE

    for model, name in ((Autoencoder(), "Autoencoder"), (VAE(), "VAE")):
        with pytest.raises(TypeError, match=rf"{name}: x has dtype torch.float64 .*x.float\(\)"):
            model(torch.zeros(2, 784, dtype=torch.float64))
        with pytest.raises(TypeError, match=rf"{name}: x must be a torch tensor"):
            model(np.zeros((2, 784), np.float32))


def test_numpy_gan_step_with_swapped_optimizers():
    # was silent: opt_g stepped the discriminator and opt_d the generator
    from nnlib.scratch import generative as SG

    g, d = SG.mlp_generator(rng=0), SG.mlp_discriminator(rng=1)
    x, z = np.random.default_rng(0).normal(size=(2, 8, 2))
    with pytest.raises(ValueError, match=r"opt_g holds none of the generator's parameters"):
        SG.gan_train_step(g, d, S.SGD(d.parameters(), lr=0.1), S.SGD(g.parameters(), lr=0.1),
                          x, z)


def test_ddpm_sample_with_a_schedule_of_another_length():
    # was silent: a model built for T=20 sampled with a 10-step schedule
    from nnlib.scratch import generative as SG

    with pytest.raises(ValueError, match=r"schedule has T=10 steps but the model was built for "
                                         r"T=20"):
        SG.ddpm_sample(SG.NoisePredictor(T=20, rng=0), SG.linear_beta_schedule(10), 3)


def test_bernoulli_nll_of_pixels_outside_0_1():
    # was silent: a loss for unscaled (0..255) or standardised images
    from nnlib.scratch import generative as SG

    with pytest.raises(ValueError, match=r"x must hold pixels in \[0, 1\].*x / 255"):
        SG.bernoulli_nll(np.zeros((2, 3)), np.full((2, 3), 255.0))
    assert SG.bernoulli_nll(np.zeros((2, 3)), np.ones((2, 3))) == pytest.approx(3 * np.log(2))


def test_torch_gan_denoiser_and_graph_convs_given_float64_or_numpy():
    # was torch's "mat1 and mat2 must have the same dtype, but got Double and Float" (GAN,
    # Denoiser), "expected m1 and m2 to have the same dtype" (graph convs) and "dropout():
    # argument 'input' must be Tensor, not numpy.ndarray" (NodeClassifier)
    torch = pytest.importorskip("torch")
    from nnlib.models.diffusion import Denoiser
    from nnlib.models.gan import Discriminator, Generator
    from nnlib.models.gnn import GNNConfig, NodeClassifier

    x64 = torch.zeros(4, 2, dtype=torch.float64)
    with pytest.raises(TypeError, match=r"Generator: z has dtype torch.float64 .*x.float\(\)"):
        Generator()(x64)
    with pytest.raises(TypeError, match=r"Discriminator: x has dtype torch.float64"):
        Discriminator()(x64)
    with pytest.raises(TypeError, match=r"Denoiser: x has dtype torch.float64"):
        Denoiser()(x64, torch.zeros(4, dtype=torch.long))
    assert Generator().double()(x64).dtype == torch.float64
    model = NodeClassifier(GNNConfig(3, 2))
    edges = torch.tensor([[0, 1, 2], [1, 2, 0]])
    with pytest.raises(TypeError, match=r"GCNConv: x has dtype torch.float64"):
        model(torch.zeros(3, 3, dtype=torch.float64), edges)
    with pytest.raises(TypeError, match=r"NodeClassifier: x must be a torch tensor"):
        model(np.zeros((3, 3), np.float32), edges)


def test_train_steps_step_fn_returning_a_loss_tensor_that_requires_grad():
    # was torch's UserWarning "Converting a tensor with requires_grad=True to a scalar may lead
    # to unexpected behavior" from inside the loop (an error under -W error)
    torch = pytest.importorskip("torch")
    from nnlib.train.generative import train_steps

    w = torch.ones(1, requires_grad=True)
    history = train_steps(lambda batch: {"loss": (w * batch).sum()}, [1.0, 2.0], steps=2)
    assert history["loss"] == [1.0, 2.0]


def test_plot_history_of_a_run_without_a_metric():
    # was matplotlib's UserWarning "No artists with labels found to put in legend" (shown under
    # the cell of any regression run, metric=None)
    from nnlib.plotting import plot_history
    from nnlib.train_common import History

    fig = plot_history(History(train_loss=[1.0, 0.5], val_loss=[1.1, 0.6]))
    assert fig.axes[0].get_legend() is not None and fig.axes[1].get_legend() is None


def test_torch_fit_of_an_n_by_1_output_against_n_targets():
    # was torch's UserWarning only: MSELoss broadcast (N, 1) against (N,) to (N, N) and fit
    # trained on the wrong loss (the NumPy fit already refused it)
    torch = pytest.importorskip("torch")
    from nnlib.models import MLP
    from nnlib.train import evaluate, fit

    X = torch.randn(8, 3)
    model = MLP([3, 1])
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ShapeError, match=r"MSELoss: the model's output has shape \(8, 1\) but "
                                         r"the targets in data have shape \(8,\)"):
        fit(model, [(X, X.sum(1))], opt, torch.nn.MSELoss(), epochs=1, progress=False,
            verbose=False)
    loss, _ = evaluate(model, [(X, X.sum(1, keepdim=True))], torch.nn.MSELoss())
    assert np.isfinite(loss)


def test_optimize_path_with_an_optimizer_that_ignores_its_parameter():
    # was silent: a torch optimizer (or one over other parameters) left the path at its start
    torch = pytest.importorskip("torch")
    from nnlib.surfaces import optimize_path

    with pytest.raises(TypeError, match=r"returned a PyTorch optimizer \(SGD\)"):
        optimize_path("bowl", lambda params: torch.optim.SGD([torch.zeros(2, requires_grad=True)],
                                                             lr=0.1))
    other = [S.Parameter(np.zeros(2))]
    with pytest.raises(ValueError, match=r"does not hold the parameter it was given"):
        optimize_path("bowl", lambda params: S.SGD(other, lr=0.1))
    assert len(optimize_path("bowl", lambda params: S.SGD(params, lr=0.1), steps=3).points) == 4


def test_dropout_p_set_out_of_range_after_construction():
    # was silent: p = 1.5 scaled by 1 / (1 - p) = -2 (every output -0.0), p = 1 divided by 0
    layer = S.Dropout(0.5, rng=0)
    layer.p = 1.5
    with pytest.raises(ValueError, match=r"forward: p must be a finite number in \[0, 1\)"):
        layer(np.ones((2, 3)))
    layer.p = 0.2  # PyTorch's idiom: still works
    assert layer(np.ones((2, 3))).shape == (2, 3)


def test_adam_betas_or_sgd_momentum_set_out_of_range_after_construction():
    # was silent: betas (1.5, 0.9) or a negative momentum set by hand changed the update rule
    model = _tiny_model()
    adam = S.Adam(model.parameters())
    adam.betas = (1.5, 0.9)
    with pytest.raises(ValueError, match=r"Adam.step: betas is \(1.5, 0.9\); it must be a pair "
                                         r"of numbers in \[0, 1\)"):
        adam.step()
    sgd = S.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sgd.momentum = -0.5
    with pytest.raises(ValueError, match=r"SGD.step: momentum is -0.5; it must be >= 0"):
        sgd.step()


def test_batchnorm_momentum_set_out_of_range_after_construction():
    # was silent: momentum 2 extrapolated the running statistics past the batch's
    bn = S.BatchNorm1d(3)
    bn.momentum = 2.0
    with pytest.raises(ValueError, match=r"forward: momentum must be a finite number in \[0, 1\]"):
        bn(np.arange(6.0).reshape(2, 3))
    bn.momentum = 0.5
    bn(np.arange(6.0).reshape(2, 3))
    assert np.allclose(bn.running_mean, [0.75, 1.25, 1.75])


def test_softmax_saturation_refuses_a_zero_dimension_and_a_string_flag():
    # d=0 gave NaN statistics with a divide warning; scaled="yes" was taken as True
    from nnlib.widgets.attention import softmax_saturation

    with pytest.raises(ValueError, match=r"softmax_saturation: d must be an int in \[1,"):
        softmax_saturation(0, True)
    with pytest.raises(TypeError, match="scaled must be True or False, got 'yes'"):
        softmax_saturation(8, "yes")
    assert softmax_saturation(np.int64(8), True) == softmax_saturation(8, True)
