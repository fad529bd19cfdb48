"""The training dashboard of notebook 08: the Train button driven from code; it never raises."""

import math
import time

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from nnlib.data import gaussian_blobs, mnist_train_val_loaders
from nnlib.widgets.training import OPTIMIZERS, TrainingDashboard, make_optimizer


def blob_loaders():
    X, y = gaussian_blobs(n=120, centers=3, std=0.6, seed=0)
    X_val, y_val = gaussian_blobs(n=60, centers=3, std=0.6, seed=1)
    train = TensorDataset(torch.tensor(X, dtype=torch.float32), torch.from_numpy(y))
    val = TensorDataset(torch.tensor(X_val, dtype=torch.float32), torch.from_numpy(y_val))
    return (DataLoader(train, batch_size=30, shuffle=True,
                       generator=torch.Generator().manual_seed(0)), DataLoader(val, batch_size=60))


def dashboard(**kwargs):
    train, val = blob_loaders()
    kwargs = dict(hidden=(16,), n_classes=3, lr=0.03, epochs=4, device="cpu") | kwargs
    return TrainingDashboard(train, val, **kwargs)


def test_starts_untrained_with_an_invitation():
    dash = dashboard()
    assert dash.history.epochs == 0 and dash.model is None and dash.last_error is None
    assert "press Train" in dash.last_status
    assert dash.train_button.description == "Train"


def test_pressing_train_trains_and_redraws_the_curves():
    dash = dashboard()
    before, renders = dash.to_png(), dash.render_count
    status = dash.train()
    assert dash.history.epochs == 4 and dash.history.val_metric[-1] > 0.9
    assert dash.render_count >= renders + 4  # redrawn after every epoch, then once more
    assert dash.progress.value == dash.progress.max == 4 * 4  # 4 epochs x 4 batches
    assert dash.progress_text.value == "epoch 4/4"
    assert status == dash.last_status and "validation accuracy" in status
    assert f"{100 * dash.history.val_metric[-1]:.1f} %" in status
    assert dash.to_png() != before
    assert len(dash.figure.axes[0].lines[0].get_xdata()) == 4
    assert not dash.train_button.disabled


def test_clicking_the_button_is_the_same_as_train():
    dash = dashboard(epochs=2)
    dash.train_button.click()
    assert dash.history.epochs == 2 and "validation accuracy" in dash.last_status


@pytest.mark.slow  # a training run / stress test: make test runs it, make unit-fast does not
def test_same_settings_give_the_same_run():
    dash = dashboard()
    dash.train()
    first = list(dash.history.train_loss)
    dash.train()
    assert dash.history.train_loss == first
    state = torch.random.get_rng_state()
    dash.train()
    assert torch.equal(state, torch.random.get_rng_state())  # the notebook's RNG untouched


def test_controls_only_redraw_and_say_that_settings_changed():
    dash = dashboard(epochs=2)
    dash.train()
    epochs_trained = dash.history.epochs
    dash.controls["optimizer"].value = "SGD"
    assert dash.history.epochs == epochs_trained  # nothing trained
    assert dash.last_status.startswith("settings changed")
    dash.controls["optimizer"].value = "Adam"
    assert not dash.last_status.startswith("settings changed")


@pytest.mark.slow  # a training run / stress test: make test runs it, make unit-fast does not
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_optimizer_and_activation_trains(optimizer):
    dash = dashboard(epochs=1, optimizer=optimizer)
    for activation in dash.controls["activation"].options:
        dash.controls["activation"].value = activation
        dash.train()
        assert dash.last_error is None and dash.error is None, dash.last_status
        assert dash.history.epochs == 1 and math.isfinite(dash.history.train_loss[0])


@pytest.mark.slow  # a training run / stress test: make test runs it, make unit-fast does not
@pytest.mark.parametrize("optimizer", ["Adam", "SGD"])
def test_a_huge_learning_rate_reports_diverged(optimizer):
    dash = dashboard(epochs=10, optimizer=optimizer)
    dash.controls["lr"].value = 10.0
    status = dash.train()
    assert dash.diverged and dash.last_error is None
    assert status.startswith("diverged at epoch") and "lower the learning rate" in status
    assert dash.history.epochs < 10  # stopped as soon as it was clear
    assert "diverged" in [t.get_text() for t in dash.figure.axes[0].texts]
    dash.controls["lr"].value = 0.03
    dash.train()
    assert not dash.diverged and "validation accuracy" in dash.last_status


def test_problems_become_a_status_not_an_exception():
    train, val = blob_loaders()
    dash = TrainingDashboard(train, val, hidden=(8,), n_classes=2, epochs=1, device="cpu")
    status = dash.train()  # three classes in the data, two outputs
    assert status.startswith("could not train") and "needs 3 outputs" in status
    assert dash.last_error is None and not dash.train_button.disabled


def test_make_optimizer_by_name():
    params = [torch.nn.Parameter(torch.zeros(2))]
    assert make_optimizer("Momentum", params, 0.1).param_groups[0]["momentum"] == 0.9
    assert isinstance(make_optimizer("AdamW", params, 0.1), torch.optim.AdamW)
    with pytest.raises(ValueError, match="name must be one of 'SGD'.*got 'Adagrad'"):
        make_optimizer("Adagrad", params, 0.1)


def test_default_data_is_the_mnist_validation_split():
    train, val = mnist_train_val_loaders()
    assert len(train.dataset) == 3500 and len(val.dataset) == 500
    x, y = next(iter(val))
    assert x.shape == (500, 1, 28, 28) and set(y.tolist()) == set(range(10))
    again, _ = mnist_train_val_loaders()
    assert train.dataset.indices == again.dataset.indices  # seeded


@pytest.mark.slow  # a training run / stress test: make test runs it, make unit-fast does not
def test_default_dashboard_trains_on_mnist():
    dash = TrainingDashboard(epochs=1, device="cpu")
    assert dash.n_inputs == 784
    dash.train()
    assert dash.history.epochs == 1 and dash.history.val_metric[0] > 0.8


@pytest.mark.slow  # a training run: make test runs it, make unit-fast does not
def test_stop_ends_the_run_cleanly_after_the_current_batch():
    dash = dashboard(epochs=4)  # 4 batches per epoch
    assert dash.stop_button.disabled and dash.stop_button.description == "Stop"
    dash.stop()  # nothing runs: nothing happens
    assert not dash.stopped
    # press Stop while the 6th batch (the 2nd of epoch 2) is being counted
    dash.progress.observe(lambda change: dash.stop() if change["new"] == 6 else None,
                          names="value")
    status = dash.train()
    assert dash.stopped and dash.progress.value == 6
    assert dash.history.epochs == 2 and len(dash.history.val_loss) == 2  # epoch 2 validated
    assert dash.error is None and dash.last_error is None and not dash.diverged
    assert "stopped in epoch 2 of 4" in status and "validation accuracy" in status
    assert dash.model is not None and not dash.training
    assert dash.stop_button.disabled and not dash.train_button.disabled
    dash.progress.unobserve_all("value")
    dash.train()  # the next press trains a full run again
    assert dash.history.epochs == 4 and not dash.stopped
    assert "stopped" not in dash.last_status


def test_a_browser_click_trains_in_the_background_and_stop_ends_it():
    dash = dashboard(epochs=20)
    dash.train_button._handle_button_msg(None, {"event": "click"}, None)  # as the browser does
    deadline = time.monotonic() + 60
    while dash.progress.value < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert dash.training and not dash.stop_button.disabled
    dash.stop_button._handle_button_msg(None, {"event": "click"}, None)
    assert dash.wait(timeout=60)
    assert dash.stopped and dash.history.epochs < 20
    assert "stopped in epoch" in dash.last_status and dash.last_error is None
    assert not dash.train_button.disabled and dash.stop_button.disabled


def test_a_setting_changed_before_train_keeps_the_picture_and_says_so():
    dash = dashboard(epochs=1)
    picture, axes = dash.to_png(), list(dash.figure.axes)
    dash.controls["activation"].value = "tanh"
    dash.controls["lr"].value = 0.01
    assert dash.to_png() == picture and dash.figure.axes == axes  # nothing drawn again
    assert "tanh" in dash.last_status and "lr 1.0e-02" in dash.last_status
    dash.train()
    assert dash.to_png() != picture and dash.history.epochs == 1
