"""The playground: buttons and controls driven from code; it never raises."""

import numpy as np
import pytest

from nnlib.scratch import Linear
from nnlib.widgets.playground import (
    DATASETS,
    Playground,
    make_dataset,
    parse_hidden_layers,
)


def weight_norm(pg):
    return sum(float(np.sum(layer.weight.data ** 2)) for layer in pg.model
               if isinstance(layer, Linear))


def test_starts_at_epoch_zero_with_a_status():
    pg = Playground()
    assert pg.epoch == 0 and pg.last_error is None
    assert pg.last_status.startswith("epoch 0  train loss")
    assert len(pg.X_train) == 150 and len(pg.X_test) == 150  # 300 points, ratio 0.5


def test_steps_lower_the_loss_on_an_easy_data_set():
    pg = Playground("Gaussian", lr=0.1)
    before = pg.to_png()
    for _ in range(4):
        pg.step(5)
    train, test = pg.history["train"], pg.history["test"]
    assert pg.epoch == 20 and pg.history["epoch"] == list(range(21))
    assert train[-1] < 0.5 * train[0] and test[-1] < 0.5 * test[0]
    assert all(b <= a + 1e-9 for a, b in zip(train[::5], train[5::5]))
    assert pg.test_accuracy() > 0.95 and pg.to_png() != before
    assert "epoch 20" in pg.last_status


def test_reset_restores_the_initial_state():
    pg = Playground("XOR", lr=0.3)
    start_loss, start_picture = pg.history["train"][0], pg.to_png()
    start_weights = [p.data.copy() for p in pg.model.parameters()]
    pg.step(10)
    assert pg.history["train"][-1] != start_loss
    pg.reset()
    assert pg.epoch == 0 and pg.history["train"] == [start_loss]
    assert all(np.array_equal(a, p.data) for a, p in zip(start_weights, pg.model.parameters()))
    assert pg.to_png() == start_picture
    pg.step(10)
    again = Playground("XOR", lr=0.3)
    again.step(10)
    assert pg.history["train"] == again.history["train"]  # deterministic


def test_changing_the_data_set_resets_and_redraws():
    pg = Playground("circle")
    pg.step(3)
    old_points, old_picture = pg.X_train.copy(), pg.to_png()
    pg.controls["dataset"].value = "spiral"
    assert pg.epoch == 0 and not np.array_equal(pg.X_train, old_points)
    assert pg.to_png() != old_picture and "spiral" in pg.figure.axes[0].get_title()


def test_architecture_controls_rebuild_the_model():
    pg = Playground(hidden="4, 2")
    assert pg.model.num_parameters() == (2 * 4 + 4) + (4 * 2 + 2) + (2 + 1)
    pg.controls["hidden"].value = "8, 8, 8"
    assert pg.model.num_parameters() == 24 + 72 + 72 + 9
    pg.controls["hidden"].value = ""  # no hidden layer: logistic regression
    assert len(pg.model) == 1 and pg.last_error is None


@pytest.mark.parametrize("text", ["abc", "9, 2", "1, 1, 1, 1, 1, 1, 1", "0"])
def test_bad_layer_text_keeps_the_old_network_and_says_why(text):
    pg = Playground(hidden="3")
    pg.controls["hidden"].value = text
    assert pg.last_error is None
    assert "keeping 3" in pg.last_status and pg.model.num_parameters() == 9 + 4


def test_play_ticks_train_only_while_playing():
    pg = Playground(epochs_per_tick=3)
    pg.play_button.value += 1  # a tick while paused does nothing
    assert pg.epoch == 0
    pg.play()
    pg.play_button.value += 1
    pg.play_button.value += 1
    assert pg.epoch == 6
    pg.pause()
    pg.play_button.value += 1
    assert pg.epoch == 6


def test_buttons_step_and_reset():
    pg = Playground()
    pg.step_button.click()
    assert pg.epoch == 1
    pg.play()
    pg.reset_button.click()
    assert pg.epoch == 0 and pg.play_button.playing is False


def test_a_huge_learning_rate_shows_diverged_and_pauses():
    pg = Playground("spiral", activation="tanh", lr=10.0)
    pg.play()
    status = pg.step(60)
    assert pg.last_error is None and pg.loss_exploded and not pg.diverged
    assert status.startswith("diverged at epoch") and "learning rate 10 is too large" in status
    assert pg.history["train"][-1] > 3 * pg.history["train"][0]
    assert pg.play_button.playing is False  # playing stops by itself
    pg.controls["lr"].value = 0.03
    pg.reset()
    assert not pg.loss_exploded and pg.last_status.startswith("epoch 0")


def test_overflowing_weights_give_a_final_diverged_status():
    pg = Playground("Gaussian", hidden="8, 8", activation="relu")
    for layer in pg.model:
        if isinstance(layer, Linear):
            layer.weight.data[...] = 1e200  # as if a huge step had been taken
    pg.play()
    status = pg.step(2)
    assert pg.last_error is None and pg.diverged
    assert status.startswith("diverged at epoch 0: the loss became inf/NaN")
    assert pg.play_button.playing is False
    assert pg.step(5) == status  # further steps change nothing, and do not raise
    assert pg.figure.axes[0].get_title() == "diverged"
    pg.reset()
    assert not pg.diverged and pg.last_status.startswith("epoch 0")


def test_l2_and_l1_shrink_the_weights():
    norms = {}
    for reg in ("none", "L1", "L2"):
        pg = Playground("Gaussian", lr=0.1, regularization=reg, reg_rate=0.1)
        pg.step(20)
        norms[reg] = weight_norm(pg)
    assert norms["L2"] < 0.5 * norms["none"] and norms["L1"] < 0.5 * norms["none"]


def test_l2_adds_rate_times_w_like_weight_decay():
    """One full-batch step with L2 equals plain SGD on the data loss plus rate * W."""
    pg = Playground("Gaussian", lr=0.1, regularization="L2", reg_rate=0.3,
                    batch_size=30, train_ratio=0.1)
    before = [layer.weight.data.copy() for layer in pg.model if isinstance(layer, Linear)]
    ref = Playground("Gaussian", lr=0.1, batch_size=30, train_ratio=0.1)
    ref.step(1)
    pg.step(1)
    after = [layer.weight.data for layer in pg.model if isinstance(layer, Linear)]
    plain = [layer.weight.data for layer in ref.model if isinstance(layer, Linear)]
    for w0, w, w_plain in zip(before, after, plain):
        assert np.allclose(w, w_plain - 0.1 * 0.3 * w0)


@pytest.mark.parametrize("name, value", [
    ("noise", 0.5), ("noise", 0.0), ("train_ratio", 0.1), ("train_ratio", 0.9),
    ("batch_size", 1), ("batch_size", 30), ("hidden", "8, 8, 8, 8, 8, 8"),
    ("activation", "sigmoid"), ("activation", "relu"), ("lr", 0.00001), ("lr", 10.0),
    ("regularization", "L1"), ("reg_rate", 10.0),
])
def test_every_control_at_its_extremes_trains_without_error(name, value):
    pg = Playground("spiral", regularization="L2", reg_rate=0.001)
    pg.controls[name].value = value
    pg.step(3)
    assert pg.last_error is None and pg.last_status
    assert pg.to_png().startswith(b"\x89PNG")


def test_data_sets_and_parsing():
    for name in DATASETS:
        X, y = make_dataset(name, noise=0.1, n=100)
        assert X.shape == (100, 2) and set(np.unique(y)) == {0, 1}
        assert np.abs(X).max() < 1.5
    with pytest.raises(ValueError, match="dataset must be one of"):
        make_dataset("moons")
    assert parse_hidden_layers(" 4, 2 ") == [4, 2] and parse_hidden_layers("") == []
    with pytest.raises(ValueError, match="at most 6 hidden layers of 1 to 8"):
        parse_hidden_layers("16")
