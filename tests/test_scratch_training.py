"""The NumPy engine trains exactly like PyTorch, and the training loop behaves."""

import numpy as np
import pytest
import torch

from nnlib.scratch.activations import ReLU
from nnlib.scratch.layers import Dropout, Linear, Sequential
from nnlib.scratch.losses import CrossEntropyLoss, MSELoss
from nnlib.scratch.lr_finder import lr_range_test
from nnlib.scratch.lr_scheduler import OneCycleLR, StepLR
from nnlib.scratch.module import ShapeError
from nnlib.scratch.optim import SGD, Adam, AdamW
from nnlib.scratch.training import (
    Callback,
    EarlyStopping,
    TrainingDivergedError,
    accuracy,
    evaluate,
    fit,
    iterate_minibatches,
)

SIZES = (5, 16, 8, 3)


def _mlp(seed=0, dtype=np.float64, sizes=SIZES):
    rng = np.random.default_rng(seed)
    layers = []
    for i, (d_in, d_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(Linear(d_in, d_out, rng=rng, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(ReLU())
    return Sequential(*layers)


def _torch_copy(model):
    """The same network in torch; our weight (in, out) is torch's weight.T (out, in)."""
    layers = []
    for layer in model:
        if isinstance(layer, Linear):
            t = torch.nn.Linear(layer.in_features, layer.out_features, dtype=torch.float64)
            with torch.no_grad():
                t.weight.copy_(torch.from_numpy(layer.weight.data.T.copy()))
                t.bias.copy_(torch.from_numpy(layer.bias.data))
            layers.append(t)
        else:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def _blobs(n=120, seed=0, d=5, classes=3):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(classes, d))
    y = rng.integers(0, classes, size=n)
    return centres[y] + rng.normal(size=(n, d)), y


OPTIMIZERS = {
    "sgd-momentum": (lambda p: SGD(p, lr=0.05, momentum=0.9),
                     lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9), None),
    "sgd-nesterov-wd": (lambda p: SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-2),
                        lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True,
                                                  weight_decay=1e-2), None),
    "adam": (lambda p: Adam(p, lr=1e-2), lambda p: torch.optim.Adam(p, lr=1e-2), None),
    "adamw-onecycle": (lambda p: AdamW(p, lr=1e-2), lambda p: torch.optim.AdamW(p, lr=1e-2),
                       (lambda o: OneCycleLR(o, max_lr=0.05, total_steps=50),
                        lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.05,
                                                                      total_steps=50))),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_mlp_training_matches_torch_for_50_steps(name):
    make_ours, make_theirs, schedulers = OPTIMIZERS[name]
    X, y = _blobs()
    model = _mlp()
    twin = _torch_copy(model)
    opt, topt = make_ours(model.parameters()), make_theirs(twin.parameters())
    sched = tsched = None
    if schedulers:
        sched, tsched = schedulers[0](opt), schedulers[1](topt)
    loss_fn, tloss_fn = CrossEntropyLoss(), torch.nn.CrossEntropyLoss()
    ours, theirs = [], []
    batches = list(iterate_minibatches(X, y, 24, rng=np.random.default_rng(1)))
    for step in range(50):
        xb, yb = batches[step % len(batches)]
        opt.zero_grad()
        ours.append(loss_fn(model(xb), yb))
        model.backward(loss_fn.backward())
        opt.step()
        topt.zero_grad()
        tloss = tloss_fn(twin(torch.from_numpy(xb)), torch.from_numpy(yb))
        tloss.backward()
        topt.step()
        theirs.append(tloss.item())
        if sched:
            sched.step()
            tsched.step()
    np.testing.assert_allclose(ours, theirs, rtol=1e-8)
    assert ours[-1] < 0.5 * ours[0]  # it learned
    np.testing.assert_allclose(model[0].weight.data, twin[0].weight.detach().numpy().T,
                               rtol=1e-8, atol=1e-12)


# -- the fit loop ----------------------------------------------------------------------------
def _fit_blobs(seed=0, verbose=False, **kwargs):
    X, y = _blobs(200, seed=3)
    model = _mlp(seed=seed)
    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    history = fit(model, (X[:150], y[:150]), opt, CrossEntropyLoss(),
                  val_data=(X[150:], y[150:]), epochs=kwargs.pop("epochs", 8), batch_size=16,
                  seed=seed, verbose=verbose, **kwargs)
    return model, history


def test_fit_learns_and_records_every_epoch():
    model, history = _fit_blobs()
    assert history.epochs == 8 and len(history.val_metric) == 8 and len(history.lr) == 8
    assert history.train_loss[-1] < 0.3 * history.train_loss[0]
    assert history.val_metric[-1] > 0.9
    assert len(history.grad_norm) == 8 and history.metric_name == "accuracy"
    assert history.best_epoch == int(np.argmin(history.val_loss))
    assert not history.stopped_early


def test_fit_is_deterministic_for_a_seed_including_printed_text(capsys):
    _, first = _fit_blobs(seed=4, verbose=True)
    out1 = capsys.readouterr().out
    _, second = _fit_blobs(seed=4, verbose=True)
    out2 = capsys.readouterr().out
    assert first == second and out1 == out2
    lines = out1.strip().splitlines()
    assert len(lines) == 8 and lines[0].startswith("epoch 1/8  train loss ")
    assert f"| val loss {first.val_loss[2]:.4f}" in lines[2]
    _, other = _fit_blobs(seed=5)
    assert other.train_loss != first.train_loss


def test_verbose_k_prints_every_kth_epoch_and_the_last(capsys):
    _fit_blobs(verbose=3, epochs=7)
    epochs = [line.split()[1] for line in capsys.readouterr().out.strip().splitlines()]
    assert epochs == ["3/7", "6/7", "7/7"]


def test_early_stopping_triggers_and_restores_the_best_weights():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 5)), rng.integers(0, 3, size=40)
    X_val, y_val = rng.normal(size=(40, 5)), rng.integers(0, 3, size=40)  # unrelated labels
    model = _mlp(sizes=(5, 64, 3))
    loss_fn = CrossEntropyLoss()
    history = fit(model, (X, y), Adam(model.parameters(), lr=0.02), loss_fn,
                  val_data=(X_val, y_val), epochs=200, batch_size=8,
                  early_stopping=EarlyStopping(patience=5), verbose=False)
    assert history.stopped_early and history.epochs < 200
    assert history.epochs == history.best_epoch + 1 + 5
    best = min(history.val_loss)
    assert history.val_loss[-1] > best  # the last weights were worse ...
    val_loss, _ = evaluate(model, (X_val, y_val), loss_fn)
    assert val_loss == pytest.approx(best, rel=1e-12)  # ... and the best ones are back


def test_huge_learning_rate_raises_training_diverged_error():
    X, y = _blobs(64)
    model = _mlp(dtype=np.float32)  # the default dtype: activations overflow to inf
    with pytest.raises(TrainingDivergedError, match="learning rate 1e\\+06") as info:
        fit(model, (X, y), SGD(model.parameters(), lr=1e6), CrossEntropyLoss(), epochs=50,
            verbose=False)
    assert "smaller learning rate" in str(info.value)
    assert isinstance(info.value, RuntimeError)


def test_regression_divergence_is_caught_too():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 5)) * 10
    y = X @ rng.normal(size=(5, 1))
    model = Sequential(Linear(5, 1, rng=0, dtype=np.float64))
    with pytest.raises(TrainingDivergedError, match="learning rate"):
        fit(model, (X, y), SGD(model.parameters(), lr=1.0), MSELoss(), epochs=100, metric=None,
            verbose=False)


def test_scheduler_per_epoch_and_per_batch():
    _, history = _fit_blobs(scheduler_step="epoch", epochs=4)  # no scheduler: constant
    assert history.lr == [0.1] * 4
    X, y = _blobs(64)
    model = _mlp()
    opt = SGD(model.parameters(), lr=0.1)
    history = fit(model, (X, y), opt, CrossEntropyLoss(), epochs=3, batch_size=32,
                  scheduler=StepLR(opt, step_size=1, gamma=0.5), verbose=False)
    np.testing.assert_allclose(history.lr, [0.1, 0.05, 0.025])
    opt = SGD(model.parameters(), lr=0.1)
    history = fit(model, (X, y), opt, CrossEntropyLoss(), epochs=3, batch_size=32,
                  scheduler=StepLR(opt, step_size=1, gamma=0.5), scheduler_step="batch",
                  verbose=False)
    np.testing.assert_allclose(history.lr, [0.1, 0.1 / 4, 0.1 / 16])  # 2 batches per epoch
    assert opt.lr == pytest.approx(0.1 / 64)


def test_evaluate_uses_eval_mode_and_restores_the_mode():
    X, y = _blobs(50)
    model = Sequential(Linear(5, 32, rng=0), ReLU(), Dropout(0.5, rng=1), Linear(32, 3, rng=2))
    model.train()
    a = evaluate(model, (X, y), CrossEntropyLoss(), batch_size=7)
    b = evaluate(model, (X, y), CrossEntropyLoss(), batch_size=50)
    assert model.training
    assert a[0] == pytest.approx(b[0], rel=1e-5) and a[1] == b[1]  # no dropout noise
    loss, metric = evaluate(model, (X, y), CrossEntropyLoss(), metric=None)
    assert metric is None and loss == pytest.approx(a[0], rel=1e-5)


def test_iterate_minibatches_covers_each_row_once():
    X = np.arange(23)[:, None] * np.ones((1, 2))
    y = np.arange(23)
    batches = list(iterate_minibatches(X, y, 5, shuffle=True, rng=np.random.default_rng(0)))
    assert [len(b[1]) for b in batches] == [5, 5, 5, 5, 3]
    seen = np.concatenate([b[1] for b in batches])
    assert sorted(seen) == list(range(23)) and list(seen) != list(range(23))
    for xb, yb in batches:
        np.testing.assert_array_equal(xb[:, 0], yb)  # rows stay paired with their labels
    again = list(iterate_minibatches(X, y, 5, shuffle=True, rng=np.random.default_rng(0)))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(batches, again, strict=True))
    ordered = np.concatenate([b[1] for b in iterate_minibatches(X, y, 5, shuffle=False)])
    np.testing.assert_array_equal(ordered, y)


def test_accuracy_by_hand():
    scores = np.array([[2.0, 1.0], [0.0, 3.0], [5.0, 4.0], [1.0, 2.0]])
    assert accuracy(scores, np.array([0, 1, 1, 1])) == 0.75


# -- learning-rate range test ------------------------------------------------------------------
def test_lr_range_test_restores_weights_and_finds_a_sensible_lr():
    X, y = _blobs(512, seed=1)
    model = _mlp(dtype=np.float64)
    before = model.state_dict()
    opt = SGD(model.parameters(), lr=0.123, momentum=0.9)
    result = lr_range_test(model, (X, y), opt, CrossEntropyLoss(), start_lr=1e-5, end_lr=100.0,
                           num_steps=120, batch_size=32)
    lrs, losses, suggested, raw = result
    assert len(lrs) == len(losses) == len(raw) < 120  # stopped when the loss blew up
    ratios = lrs[1:] / lrs[:-1]
    np.testing.assert_allclose(ratios, ratios[0])  # exponential growth
    assert lrs[0] == 1e-5 and losses[-1] > 4 * np.min(losses[:-1])
    assert 1e-4 < suggested < lrs[-1]
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])
    assert opt.lr == 0.123 and opt.state == [{} for _ in opt.params]
    # training at the suggested lr does learn
    fresh = _mlp(dtype=np.float64)
    history = fit(fresh, (X, y), SGD(fresh.parameters(), lr=suggested, momentum=0.9),
                  CrossEntropyLoss(), epochs=3, verbose=False)
    assert history.train_loss[-1] < 0.5 * history.train_loss[0]


def test_lr_range_test_with_an_optimizer_factory_is_deterministic():
    X, y = _blobs(200, seed=2)
    runs = [lr_range_test(_mlp(), (X, y), lambda p, lr: Adam(p, lr=lr), CrossEntropyLoss(),
                          num_steps=40, seed=3) for _ in range(2)]
    np.testing.assert_array_equal(runs[0].losses, runs[1].losses)
    assert runs[0].suggested_lr == runs[1].suggested_lr


# -- bad input -----------------------------------------------------------------------------
def _setup():
    X, y = _blobs(30)
    model = _mlp()
    return model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), X, y


@pytest.mark.parametrize("call, error, words", [
    (lambda m, lf, o, X, y: fit(m, (X, y[:-1]), o, lf, epochs=1), ShapeError,
     "same number of rows"),
    (lambda m, lf, o, X, y: fit(m, (X, y), o, lf, epochs=0), ValueError, "epochs"),
    (lambda m, lf, o, X, y: fit(m, (X, y), o, lf, epochs=2,
                                early_stopping=EarlyStopping(patience=2)),
     ValueError, "pass val_data"),
    (lambda m, lf, o, X, y: fit(m, (X, y), o, lf, epochs=2, early_stopping=2,
                                val_data=(X, y)), TypeError, "EarlyStopping(patience=...)"),
    (lambda m, lf, o, X, y: fit(m, iter([(X, y)]), o, lf, epochs=1), TypeError,
     "used up after one pass"),
    (lambda m, lf, o, X, y: fit(m, (X, y), o, lf, epochs=1, metric="f1"), ValueError,
     "metric must be 'accuracy'"),
    (lambda m, lf, o, X, y: fit(m, (X, y), torch.optim.SGD([torch.zeros(1)], lr=0.1), lf,
                                epochs=1), TypeError, "nnlib optimizer"),
    (lambda m, lf, o, X, y: fit(m, (X, y), o, lf, epochs=1, batch_size=0), ValueError,
     "batch_size"),
    (lambda m, lf, o, X, y: fit(m, (X, y), o, lf, epochs=1, scheduler_step="step"),
     ValueError, "'batch', 'epoch'"),
    (lambda m, lf, o, X, y: fit(m, (X, y), o, lf, epochs=1, callbacks=[3]), TypeError,
     "Callback objects or functions"),
    (lambda m, lf, o, X, y: accuracy(np.zeros(4), np.zeros(4, int)), ShapeError, "metric=None"),
    (lambda m, lf, o, X, y: lr_range_test(m, (X, y), o, lf, start_lr=1.0, end_lr=0.1),
     ValueError, "start_lr < end_lr"),
    (lambda m, lf, o, X, y: lr_range_test(m, (X, y), "sgd", lf), TypeError, "(params, lr)"),
])
def test_bad_training_input_is_explained(call, error, words):
    with pytest.raises(error) as info:
        call(*_setup())
    assert words in str(info.value)


def test_a_genuine_shape_error_is_not_mistaken_for_divergence():
    model, loss_fn, opt, X, y = _setup()
    with pytest.raises(ShapeError, match="last dimension 5"):
        fit(model, (X[:, :4], y), opt, loss_fn, epochs=1, verbose=False)


def test_minibatch_order_changes_between_calls_and_repeats_after_set_seed():
    from nnlib.scratch.training import iterate_minibatches
    from nnlib.utils import set_seed

    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    set_seed(3)
    first = [yb.tolist() for _, yb in iterate_minibatches(X, y, 10)]
    second = [yb.tolist() for _, yb in iterate_minibatches(X, y, 10)]
    assert first != second
    set_seed(3)
    assert [yb.tolist() for _, yb in iterate_minibatches(X, y, 10)] == first


# -- the shared pieces: batches, callbacks, repeated calls ------------------------------------
def test_fit_takes_a_list_of_batches_and_gives_what_the_arrays_give():
    X, y = _blobs(96, seed=5)
    batches = list(iterate_minibatches(X, y, 32, shuffle=False))
    histories = []
    for data, kwargs in (((X, y), dict(shuffle=False, batch_size=32)), (batches, {})):
        model = _mlp()
        histories.append(fit(model, data, SGD(model.parameters(), lr=0.1), epochs=3,
                             val_data=data, verbose=False, **kwargs))
        assert evaluate(model, data) == (histories[-1].val_loss[-1], histories[-1].val_metric[-1])
    assert histories[0] == histories[1]


def test_fit_called_repeatedly_continues_like_one_long_run():
    """A widget trains a few epochs per frame: same model, optimizer and generator."""
    X, y = _blobs(64, seed=6)
    one = _mlp()
    long_run = fit(one, (X, y), SGD(one.parameters(), lr=0.1, momentum=0.9), epochs=4,
                   batch_size=16, seed=np.random.default_rng(7), verbose=False)
    two = _mlp()
    opt, rng = SGD(two.parameters(), lr=0.1, momentum=0.9), np.random.default_rng(7)
    losses = []
    for _ in range(2):
        losses += fit(two, (X, y), opt, epochs=2, batch_size=16, seed=rng,
                      verbose=False).train_loss
    np.testing.assert_allclose(losses, long_run.train_loss, rtol=1e-12)
    np.testing.assert_array_equal(one[0].weight.data, two[0].weight.data)


def test_callbacks_see_every_batch_can_change_gradients_and_stop():
    X, y = _blobs(64, seed=7)

    class Recorder(Callback):
        def __init__(self):
            self.calls = []

        def on_train_begin(self, epochs, batches_per_epoch):
            self.calls.append(("begin", epochs, batches_per_epoch))

        def on_before_step(self, model, optimizer):
            for p in model.parameters():   # an L2 penalty's gradient, as the playground adds
                p.grad += 0.0 * p.data

        def on_batch_end(self, info):
            self.calls.append(("batch", info["epoch"], info["batch"]))
            return info["epoch"] == 1 and info["batch"] == 0   # stop in the second epoch

        def on_train_end(self, history):
            self.calls.append(("end", history.epochs))

    model = _mlp()
    recorder, seen = Recorder(), []
    history = fit(model, (X, y), SGD(model.parameters(), lr=0.1), epochs=5, batch_size=32,
                  callbacks=[recorder, lambda h: seen.append(h.epochs)], verbose=False)
    assert recorder.calls == [("begin", 5, 2), ("batch", 0, 0), ("batch", 0, 1),
                              ("batch", 1, 0), ("end", 2)]
    assert history.epochs == 2 and seen == [1, 2]


def test_fit_clips_the_gradient_norm_like_torch():
    X, y = _blobs(64, seed=3)
    model = _mlp()
    twin = _torch_copy(model)
    history = fit(model, (X, y), SGD(model.parameters(), lr=0.5), epochs=1, batch_size=32,
                  shuffle=False, clip_grad_norm=0.1, verbose=False)
    topt = torch.optim.SGD(twin.parameters(), lr=0.5)
    norms = []
    for start in (0, 32):
        xb, yb = torch.from_numpy(X[start:start + 32]), torch.from_numpy(y[start:start + 32])
        topt.zero_grad()
        torch.nn.functional.cross_entropy(twin(xb), yb).backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(twin.parameters(), 0.1)))
        topt.step()
    assert history.grad_norm[0] == pytest.approx(np.mean(norms), rel=1e-9)
    assert min(norms) > 0.1                                   # both steps were clipped
    np.testing.assert_allclose(model[0].weight.data, twin[0].weight.detach().numpy().T,
                               rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="clip_grad_norm"):
        fit(model, (X, y), SGD(model.parameters(), lr=0.5), epochs=1, clip_grad_norm=0.0)
