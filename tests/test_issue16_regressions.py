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
