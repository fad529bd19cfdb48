"""nnlib.train: fit, evaluate, predict, early stopping, checkpoints, precision; the MLP."""

import math
import pickle

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from nnlib.data import gaussian_blobs
from nnlib.models import MLP
from nnlib.models.mlp import init_linear_layers
from nnlib.train import (
    Callback,
    EarlyStopping,
    History,
    LivePlot,
    TrainingDivergedError,
    confusion_matrix,
    evaluate,
    fit,
    grad_norm,
    load_checkpoint,
    plot_confusion_matrix,
    predict,
    save_checkpoint,
)
from nnlib.utils import get_device

CPU = torch.device("cpu")


def blobs_loaders(n=150, batch_size=25, seed=0, classes=3):
    """Three well separated Gaussian clusters in 2-D: a train and a validation loader."""
    X, y = gaussian_blobs(n=n, centers=classes, std=0.5, seed=seed)
    X_val, y_val = gaussian_blobs(n=n // 3, centers=classes, std=0.5, seed=seed + 1)
    train = TensorDataset(torch.tensor(X, dtype=torch.float32), torch.from_numpy(y))
    val = TensorDataset(torch.tensor(X_val, dtype=torch.float32), torch.from_numpy(y_val))
    return (DataLoader(train, batch_size=batch_size, shuffle=True,
                       generator=torch.Generator().manual_seed(seed)),
            DataLoader(val, batch_size=64))


def small_model(seed=0, **kwargs):
    torch.manual_seed(seed)
    return MLP([2, 16, 3], **kwargs)


def quiet_fit(model, loader, optimizer, *args, **kwargs):
    kwargs.setdefault("device", CPU)
    return fit(model, loader, optimizer, *args, progress=False, verbose=False, **kwargs)


# -- fit ---------------------------------------------------------------------------------
def test_fit_reaches_high_accuracy_on_separable_blobs():
    train, val = blobs_loaders()
    model = small_model()
    history = quiet_fit(model, train, torch.optim.Adam(model.parameters(), lr=0.05), epochs=15,
                        val_data=val)
    assert isinstance(history, History) and history.epochs == 15
    assert len(history.val_loss) == len(history.train_metric) == len(history.lr) == 15
    assert history.train_loss[-1] < history.train_loss[0] / 4
    assert history.train_metric[-1] > 0.95 and history.val_metric[-1] > 0.95
    assert history.best_epoch == int(np.argmin(history.val_loss))
    assert not history.stopped_early and all(n > 0 for n in history.grad_norm)


def test_validation_numbers_equal_evaluate_in_eval_mode():
    train, val = blobs_loaders()
    model = small_model(dropout=0.5)  # dropout makes train-mode numbers differ
    history = quiet_fit(model, train, torch.optim.Adam(model.parameters(), lr=0.02), epochs=3,
                        val_data=val)
    loss, accuracy = evaluate(model, val, nn.CrossEntropyLoss())
    assert loss == pytest.approx(history.val_loss[-1], rel=1e-6)
    assert accuracy == pytest.approx(history.val_metric[-1])
    assert model.training  # evaluate restores the mode it found
    model.train()
    noisy = [nn.CrossEntropyLoss()(model(x), y).item() for x, y in val]
    assert not np.allclose(noisy[0], loss)


def test_training_loss_is_the_mean_over_examples():
    train, _ = blobs_loaders(n=100, batch_size=32)  # batches of 32, 32, 32, 4
    model = small_model()
    history = quiet_fit(model, train, torch.optim.SGD(model.parameters(), lr=0.0), epochs=2)
    loss, accuracy = evaluate(model, train)
    assert history.train_loss == pytest.approx([loss, loss], rel=1e-6)
    assert history.train_metric == pytest.approx([accuracy, accuracy])


def test_verbose_prints_rounded_lines(capsys):
    train, val = blobs_loaders()
    model = small_model()
    fit(model, train, torch.optim.Adam(model.parameters(), lr=0.05), epochs=5, val_data=val,
        device=CPU, progress=False, verbose=2)
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[1] for line in lines] == ["2/5", "4/5", "5/5"]
    numbers = [word for line in lines for word in line.split() if "." in word]
    assert numbers and all(len(w.split(".")[1]) <= 4 for w in numbers)
    assert "val loss" in lines[0] and "%" in lines[0]


def test_progress_bar_counts_batches(monkeypatch):
    import nnlib.train.core

    bars = []
    make_bar = nnlib.train.core.progress_bar
    monkeypatch.setattr(nnlib.train.core, "progress_bar",
                        lambda total, enabled=True, unit="batch":
                        bars.append(make_bar(total, enabled, unit)) or bars[-1])
    train, _ = blobs_loaders(n=96, batch_size=32)
    model = small_model()
    fit(model, train, torch.optim.SGD(model.parameters(), lr=0.1), epochs=2, device=CPU,
        verbose=False, progress=True)
    assert len(bars) == 1 and bars[0].total == bars[0].n == 6  # 2 epochs x 3 batches


def test_early_stopping_stops_and_restores_the_best_weights():
    train, _ = blobs_loaders()
    X, y = next(iter(DataLoader(train.dataset, batch_size=100)))
    wrong = DataLoader(TensorDataset(X, (y + 1) % 3), batch_size=50)  # gets worse as it learns
    model = small_model()
    snapshots = []
    history = quiet_fit(
        model, train, torch.optim.Adam(model.parameters(), lr=0.05), epochs=20, val_data=wrong,
        early_stopping=EarlyStopping(patience=2),
        callbacks=[lambda h: snapshots.append({k: v.clone()
                                               for k, v in model.state_dict().items()})])
    best = int(np.argmin(history.val_loss))
    assert history.stopped_early and history.epochs == best + 3
    assert history.best_epoch == best
    assert all(torch.equal(model.state_dict()[k], snapshots[best][k]) for k in snapshots[best])
    assert not all(torch.equal(model.state_dict()[k], snapshots[-1][k]) for k in snapshots[-1])
    assert evaluate(model, wrong)[0] == pytest.approx(history.val_loss[best], rel=1e-6)


def test_early_stopping_without_restore_keeps_the_last_weights():
    train, _ = blobs_loaders()
    X, y = next(iter(DataLoader(train.dataset, batch_size=100)))
    wrong = DataLoader(TensorDataset(X, (y + 1) % 3), batch_size=50)
    model = small_model()
    history = quiet_fit(model, train, torch.optim.Adam(model.parameters(), lr=0.05), epochs=20,
                        val_data=wrong,
                        early_stopping=EarlyStopping(patience=2, restore_best=False))
    assert history.stopped_early
    assert evaluate(model, wrong)[0] == pytest.approx(history.val_loss[-1], rel=1e-6)


def test_early_stopping_counts_epochs_without_improvement():
    stopper = EarlyStopping(patience=3, min_delta=0.01)
    losses = [1.0, 0.9, 0.895, 0.95, 0.92]  # 0.895 is not better by more than min_delta
    stops = [stopper.step(loss, epoch=i) for i, loss in enumerate(losses)]
    assert stops == [False, False, False, False, True]
    assert stopper.best_epoch == 1 and stopper.best_loss == 0.9
    stopper.reset()
    assert stopper.best_epoch is None and not stopper.step(5.0)
    for bad in (0, -1, 2.5, True):   # 2.5 and True are of the wrong type: TypeError
        with pytest.raises((ValueError, TypeError), match="patience"):
            EarlyStopping(patience=bad)
    with pytest.raises(ValueError, match="min_delta"):
        EarlyStopping(min_delta=-0.1)


class StepRecorder(Callback):
    """Records the gradient norm and how far the parameters moved in each step."""

    def __init__(self, model):
        self.model, self.norms, self.moves = model, [], []
        self.before = self._flat()

    def _flat(self):
        return torch.cat([p.detach().flatten().clone() for p in self.model.parameters()])

    def on_batch_end(self, info):
        after = self._flat()
        self.norms.append(info["grad_norm"])
        self.moves.append(float((after - self.before).norm()))
        self.before = after


@pytest.mark.parametrize("clip", [None, 0.05])
def test_gradient_clipping_caps_the_update(clip):
    train, _ = blobs_loaders()
    model = small_model()
    recorder = StepRecorder(model)
    lr = 1.0  # plain SGD: each step moves the parameters by exactly lr * |gradient|
    quiet_fit(model, train, torch.optim.SGD(model.parameters(), lr=lr), epochs=1,
              clip_grad_norm=clip, callbacks=[recorder])
    norms, moves = np.array(recorder.norms), np.array(recorder.moves)
    expected = norms if clip is None else np.minimum(norms, clip)
    assert np.allclose(moves, lr * expected, rtol=1e-3)
    if clip is not None:
        assert norms.max() > 10 * clip  # the cap was really needed


def test_grad_norm_is_the_norm_of_all_gradients_together():
    model = small_model()
    x = torch.randn(8, 2)
    model(x).pow(2).sum().backward()
    everything = torch.cat([p.grad.flatten() for p in model.parameters()])
    assert grad_norm(model.parameters()) == pytest.approx(float(everything.norm()), rel=1e-6)
    assert grad_norm([nn.Parameter(torch.ones(3))]) == 0.0  # no gradient yet


@pytest.mark.parametrize("when, expected_steps", [("batch", 3 * 4), ("epoch", 3)])
def test_scheduler_is_stepped_per_batch_or_per_epoch(when, expected_steps):
    train, _ = blobs_loaders(n=120, batch_size=30)  # 4 batches per epoch
    model = small_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    history = quiet_fit(model, train, optimizer, epochs=3, scheduler=scheduler,
                        scheduler_step=when)
    assert scheduler.last_epoch == expected_steps
    per_epoch = 4 if when == "batch" else 1
    assert history.lr == pytest.approx([0.1 * 0.5 ** (per_epoch * e) for e in range(3)])


def test_reduce_on_plateau_gets_the_validation_loss():
    train, val = blobs_loaders()
    model = small_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    seen = []

    class Recording(torch.optim.lr_scheduler.ReduceLROnPlateau):
        def step(self, metrics):
            seen.append(metrics)
            super().step(metrics)

    history = quiet_fit(model, train, optimizer, epochs=3, val_data=val,
                        scheduler=Recording(optimizer))
    assert seen == history.val_loss


def test_one_cycle_built_for_too_few_steps_is_refused_before_training():
    train, _ = blobs_loaders(n=120, batch_size=30)
    model = small_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=3)
    with pytest.raises(ValueError, match="steps_per_epoch=len"):
        quiet_fit(model, train, optimizer, epochs=3, scheduler=scheduler, scheduler_step="batch")
    ok = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, epochs=3,
                                             steps_per_epoch=len(train))
    history = quiet_fit(model, train, optimizer, epochs=3, scheduler=ok, scheduler_step="batch")
    assert history.lr[0] < 0.1 / 10 and max(history.lr) > history.lr[0]


def test_a_callback_returning_true_stops_training():
    train, _ = blobs_loaders()
    model = small_model()
    history = quiet_fit(model, train, torch.optim.SGD(model.parameters(), lr=0.1), epochs=10,
                        callbacks=[lambda h: h.epochs == 4])
    assert history.epochs == 4 and not history.stopped_early


def test_divergence_raises_with_advice():
    train, _ = blobs_loaders()
    model = small_model()
    with pytest.raises(TrainingDivergedError, match="learning rate 1e\\+30"):
        quiet_fit(model, train, torch.optim.SGD(model.parameters(), lr=1e30), epochs=3)


# -- devices ------------------------------------------------------------------------------
def test_fit_moves_model_and_batches_to_the_chosen_device(monkeypatch):
    monkeypatch.setenv("NNLIB_DEVICE", "cpu")
    device = get_device()
    assert device == CPU
    train, val = blobs_loaders()
    model = small_model()
    history = fit(model, train, torch.optim.Adam(model.parameters(), lr=0.05), epochs=2,
                  val_data=val, device=None, progress=False, verbose=False)  # get_device()
    assert {p.device for p in model.parameters()} == {device}
    assert history.epochs == 2
    preds, labels = predict(model, val)
    assert preds.device == CPU and labels.device == CPU


def test_an_unknown_device_is_refused():
    train, _ = blobs_loaders()
    model = small_model()
    with pytest.raises(ValueError, match="device must be 'cpu'"):  # was torch's RuntimeError
        quiet_fit(model, train, torch.optim.SGD(model.parameters(), lr=0.1), epochs=1,
                  device="nonsense")


# -- bad input -----------------------------------------------------------------------------
def test_bad_arguments_get_clear_messages():
    train, val = blobs_loaders()
    model = small_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    empty = DataLoader(TensorDataset(torch.zeros(0, 2), torch.zeros(0, dtype=torch.long)))
    cases = [
        (dict(epochs=0), ValueError, "epochs must be an int >= 1"),
        (dict(epochs=2.5), TypeError, "epochs must be an int >= 1"),
        (dict(epochs=1, train_loader=empty), ValueError, "data is empty"),
        (dict(epochs=1, val_data=empty), ValueError, "val_data is empty"),
        (dict(epochs=1, scheduler_step="step"), ValueError, "'batch', 'epoch'"),
        (dict(epochs=1, clip_grad_norm=-1.0), ValueError, "clip_grad_norm must be"),
        (dict(epochs=1, early_stopping=EarlyStopping()), ValueError, "pass val_data"),
        (dict(epochs=1, val_data=val, early_stopping=3), TypeError, "EarlyStopping"),
        (dict(epochs=1, optimizer=torch.optim.SGD(small_model(1).parameters(), lr=0.1)),
         ValueError, "none of this model's parameters"),
        (dict(epochs=1, optimizer="adam"), TypeError, "torch.optim"),
    ]
    for overrides, error, message in cases:
        kwargs = dict(train_loader=train, optimizer=optimizer) | overrides
        with pytest.raises(error, match=message):
            quiet_fit(model, kwargs.pop("train_loader"), kwargs.pop("optimizer"), **kwargs)


def test_a_model_with_too_few_outputs_is_explained():
    train, _ = blobs_loaders()
    torch.manual_seed(0)
    model = MLP([2, 8, 2])  # three classes in the data
    with pytest.raises(ValueError, match=r"outputs 2 class scores.*needs 3 outputs"):
        quiet_fit(model, train, torch.optim.SGD(model.parameters(), lr=0.1), epochs=1)


def test_wrong_output_shapes_and_loader_items_are_explained():
    train, _ = blobs_loaders()
    three_d = nn.Sequential(nn.Linear(2, 3), nn.Unflatten(1, (1, 3)))
    with pytest.raises(ValueError, match=r"shape \(N, C\).*\(25, 1, 3\)"):
        quiet_fit(three_d, train, torch.optim.SGD(three_d.parameters(), lr=0.1), epochs=1)
    model = small_model()
    triples = [(torch.zeros(4, 2), torch.zeros(4, dtype=torch.long), 0)]
    with pytest.raises(ValueError, match=r"\(inputs, targets\) pairs, got a tuple of 3"):
        quiet_fit(model, triples, torch.optim.SGD(model.parameters(), lr=0.1), epochs=1)
    arrays = [(np.zeros((4, 2)), np.zeros(4))]
    with pytest.raises(TypeError, match="torch tensors"):
        evaluate(model, arrays)
    with pytest.raises(ValueError, match="no batches"):
        evaluate(model, [])


def test_regression_losses_work_without_accuracy():
    X = torch.linspace(-1, 1, 64)[:, None]
    loader = DataLoader(TensorDataset(X, 3 * X), batch_size=16)
    torch.manual_seed(0)
    model = nn.Linear(1, 1)
    history = quiet_fit(model, loader, torch.optim.SGD(model.parameters(), lr=0.3),
                        nn.MSELoss(), epochs=20, val_data=loader)
    assert history.train_metric == [] and history.val_metric == []
    assert history.val_loss[-1] < 1e-3
    assert evaluate(model, loader, nn.MSELoss())[1] is None


# -- predictions and their pictures -----------------------------------------------------------
def test_predict_returns_argmax_and_labels_in_order():
    _, val = blobs_loaders()
    model = small_model()
    preds, labels = predict(model, val)
    X, y = val.dataset.tensors
    with torch.no_grad():
        assert torch.equal(preds, model(X).argmax(dim=1))
    assert torch.equal(labels, y) and preds.dtype == torch.int64


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    labels = torch.tensor([0, 0, 1, 2, 2, 2])
    preds = torch.tensor([0, 1, 1, 2, 0, 2])
    cm = confusion_matrix(preds, labels, 3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    rng = np.random.default_rng(0)
    p, t = rng.integers(0, 5, 200), rng.integers(0, 5, 200)
    expected = np.zeros((5, 5), dtype=int)
    for ti, pi in zip(t, p):
        expected[ti, pi] += 1
    assert np.array_equal(confusion_matrix(p, t, 5).numpy(), expected)
    assert confusion_matrix(p, t).shape == (5, 5)
    with pytest.raises(ValueError, match=r"preds must hold class indices in 0\.\.1 "
                       r"\(n_classes=2\), got values from 0 to 2"):
        confusion_matrix(preds, labels, 2)
    with pytest.raises(ValueError, match="same length"):
        confusion_matrix(preds, labels[:3], 3)
    with pytest.raises(TypeError, match="argmax"):  # scores, not classes: a dtype mistake
        confusion_matrix(torch.rand(6), labels, 3)


def test_plots_are_figures_with_the_expected_content():
    history = History(train_loss=[1.0, 0.5], val_loss=[1.1, 0.7], train_metric=[0.5, 0.8],
                      val_metric=[0.4, 0.7], lr=[0.1, 0.1], best_epoch=1)
    fig = history.plot()
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    ax_loss, ax_acc = fig.axes
    assert list(ax_acc.lines[0].get_ydata()) == [50.0, 80.0]
    assert [t.get_text() for t in ax_loss.get_legend().get_texts()] == \
        ["train", "validation", "best (epoch 2)"]
    empty = History().plot()
    assert "no epochs yet" in [t.get_text() for t in empty.axes[0].texts]
    cm_fig = plot_confusion_matrix(torch.tensor([[3, 1], [0, 4]]), class_names=["a", "b"])
    assert [t.get_text() for t in cm_fig.axes[0].texts] == ["3", "1", "4"]


def test_live_plot_redraws_every_epoch():
    train, val = blobs_loaders()
    model = small_model()
    plot = LivePlot(every=2)
    quiet_fit(model, train, torch.optim.Adam(model.parameters(), lr=0.05), epochs=5,
              val_data=val, callbacks=[plot])
    assert plot.render_count == 3  # epochs 2 and 4, then the last one at the end
    assert len(plot.figure.axes[0].lines[0].get_xdata()) == 5


# -- checkpoints -----------------------------------------------------------------------------
def test_checkpoint_round_trip(tmp_path):
    train, val = blobs_loaders()
    model = small_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    quiet_fit(model, train, optimizer, epochs=2)
    path = tmp_path / "model.pt"
    save_checkpoint(model, path, optimizer, epoch=2, sizes=[2, 16, 3], note="blobs")
    fresh = small_model(seed=1)
    fresh_optimizer = torch.optim.Adam(fresh.parameters(), lr=0.05)
    X = val.dataset.tensors[0]
    assert not torch.equal(fresh(X), model(X))
    metadata = load_checkpoint(fresh, path, fresh_optimizer)
    assert metadata == {"epoch": 2, "sizes": [2, 16, 3], "note": "blobs"}
    assert torch.equal(fresh(X), model(X))
    state, fresh_state = optimizer.state_dict()["state"], fresh_optimizer.state_dict()["state"]
    assert all(torch.equal(state[0][k], fresh_state[0][k]) for k in ("exp_avg", "exp_avg_sq"))


def test_checkpoints_are_loaded_with_weights_only(tmp_path):
    path = tmp_path / "unsafe.pt"
    torch.save({"model": {}, "metadata": {"payload": Figure}}, path)  # a pickled class
    with pytest.raises(pickle.UnpicklingError, match="[Ww]eights only"):
        load_checkpoint(small_model(), path)
    with pytest.raises(TypeError, match="weights_only=True"):
        save_checkpoint(small_model(), tmp_path / "x.pt", scores=np.zeros(3))


def test_a_checkpoint_for_another_architecture_is_refused(tmp_path):
    path = tmp_path / "small.pt"
    save_checkpoint(small_model(), path)
    with pytest.raises(ValueError, match="does not fit this model"):
        load_checkpoint(MLP([2, 32, 3]), path)
    with pytest.raises(ValueError, match="holds no optimizer state"):
        model = small_model()
        load_checkpoint(model, path, torch.optim.SGD(model.parameters(), lr=0.1))
    torch.save(small_model().state_dict(), tmp_path / "bare.pt")
    with pytest.raises(ValueError, match="not a checkpoint"):
        load_checkpoint(small_model(), tmp_path / "bare.pt")


# -- the MLP -------------------------------------------------------------------------------
def test_mlp_layers_in_order():
    plain = MLP([784, 64, 32, 10])
    assert [type(m).__name__ for m in plain] == ["Flatten", "Linear", "ReLU", "Linear", "ReLU",
                                                 "Linear"]
    full = MLP([784, 64, 10], activation="tanh", dropout=0.3, batchnorm=True)
    assert [type(m).__name__ for m in full] == ["Flatten", "Linear", "BatchNorm1d", "Tanh",
                                                "Dropout", "Linear"]
    assert full[1].bias is None and full[-1].bias is not None
    assert plain.num_parameters() == (784 * 64 + 64) + (64 * 32 + 32) + (32 * 10 + 10)
    assert len(plain.linear_layers) == 3
    head = full[1:4]  # slicing gives a plain Sequential of those layers
    assert type(head) is nn.Sequential and [type(m).__name__ for m in head] == \
        ["Linear", "BatchNorm1d", "Tanh"]


def test_mlp_takes_image_batches_and_explains_wrong_shapes():
    model = MLP([784, 16, 10])
    assert model(torch.zeros(5, 1, 28, 28)).shape == (5, 10)
    assert model(torch.zeros(5, 784)).shape == (5, 10)
    with pytest.raises(ValueError, match=r"784 values each.*\(5, 1, 20, 20\)"):
        model(torch.zeros(5, 1, 20, 20))
    with pytest.raises(ValueError, match="unsqueeze"):
        model(torch.zeros(784))


@pytest.mark.parametrize("init, std", [
    ("he", lambda fan_in, fan_out: math.sqrt(2 / fan_in)),
    ("xavier", lambda fan_in, fan_out: math.sqrt(2 / (fan_in + fan_out))),
    (0.01, lambda fan_in, fan_out: 0.01),
])
def test_mlp_initialisations_have_the_stated_std(init, std):
    torch.manual_seed(0)
    model = MLP([400, 300, 200], init=init)
    for layer in model.linear_layers:
        fan_out, fan_in = layer.weight.shape
        assert float(layer.weight.detach().std()) == pytest.approx(std(fan_in, fan_out), rel=0.03)
        assert torch.all(layer.bias == 0)


def test_mlp_refuses_bad_settings():
    for sizes in ([784], [784, 0, 10], [784, 2.5, 10], "784"):
        with pytest.raises((TypeError, ValueError), match="sizes"):  # type -> TypeError
            MLP(sizes)
    with pytest.raises(ValueError, match="activation"):
        MLP([4, 2], activation="relu6")
    for dropout in (1.0, -0.1, True):
        with pytest.raises((TypeError, ValueError), match="dropout"):
            MLP([4, 3, 2], dropout=dropout)
    for init in ("lecun", -1.0, float("nan")):
        with pytest.raises(ValueError, match="init"):
            init_linear_layers(MLP([4, 2]), init)


# -- the step loop and the precision helper ----------------------------------------------------
def test_run_steps_stops_after_steps_without_drawing_another_batch():
    from nnlib.train import run_steps

    model = small_model()
    drawn = []

    def stream():
        while True:
            drawn.append(len(drawn))
            yield torch.randn(4, 2), torch.randint(0, 3, (4,))

    loss_fn = nn.CrossEntropyLoss()
    stats = run_steps(model, stream(), torch.optim.SGD(model.parameters(), lr=0.1),
                      lambda m, x, y: (loss_fn(m(x), y), m(x)), steps=3)
    assert stats.steps == 3 and len(drawn) == 3 and stats.examples == 12
    assert len(stats.lrs) == 3 and stats.correct is not None


def test_precision_is_plain_float32_on_a_cpu():
    from nnlib.train.precision import make_grad_scaler, resolve_dtype, setup_precision

    precision = setup_precision("cpu")
    assert precision.dtype == torch.float32 and precision.scaler is None and not precision.mixed
    assert str(precision) == "float32"
    with pytest.raises(ValueError, match="needs a CUDA GPU"):
        resolve_dtype("bfloat16", "cpu")
    with pytest.raises(ValueError, match="one of"):
        setup_precision("cpu", "float8")
    assert make_grad_scaler("cpu", enabled=False) is not None  # works on torch < and >= 2.3


def test_checkpoint_looks_through_a_ddp_wrapper_and_writes_atomically(tmp_path):
    class Wrapper(nn.Module):  # what DistributedDataParallel looks like from outside
        def __init__(self, module):
            super().__init__()
            self.module = module

    model = small_model()
    save_checkpoint(Wrapper(model), tmp_path / "ckpt.pt", step=3)
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.pt"]   # no .tmp left behind
    fresh = small_model(seed=1)
    assert load_checkpoint(Wrapper(fresh), tmp_path / "ckpt.pt") == {"step": 3}
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), fresh.parameters()))



def test_run_steps_takes_a_custom_step_or_the_usual_one_not_both():
    from nnlib.train import StepContext, run_steps

    model = small_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss()

    def step(batch, ctx):
        assert isinstance(ctx, StepContext)
        x, y = batch
        optimizer.zero_grad()
        with ctx.autocast():
            loss = loss_fn(model(x), y)
        ctx.backward(loss)
        ctx.step(optimizer)
        return {"loss": loss.item(), "twice": 2 * loss.item()}

    batches = [(torch.randn(4, 2), torch.randint(0, 3, (4,))) for _ in range(3)]
    lines = []
    stats = run_steps(model, batches, optimizer, step_fn=step, log_every=2, log=lines.append)
    assert stats.steps == 3 and stats.values["twice"] == [2 * v for v in stats.losses]
    assert len(stats.lrs) == 3 and lines[0].startswith("step 2  loss ")
    with pytest.raises(ValueError, match="not both"):
        run_steps(model, batches, optimizer, lambda m, x, y: (loss_fn(m(x), y), None),
                  step_fn=step)
    with pytest.raises(TypeError, match="compute_loss"):
        run_steps(model, batches, optimizer)
    with pytest.raises(TrainingDivergedError, match="step 1: loss became nan with learning "
                                                    "rate 0.1"):
        run_steps(model, batches, optimizer, step_fn=lambda b, c: {"loss": math.nan}, steps=2)
