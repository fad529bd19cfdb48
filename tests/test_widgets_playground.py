"""The playground: buttons and controls driven from code; it never raises."""

import numpy as np
import pytest

from nnlib.scratch import Linear
from nnlib.widgets.playground import (
    DATASETS,
    FEATURES,
    MAP,
    Playground,
    _colour_map,
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
    assert pg.to_png() != old_picture
    assert pg.artists["out_title"].get_text() == "spiral, epoch 0"
    # the points drawn are the new training and test points
    train_points, test_points = pg.artists["points"]
    assert np.array_equal(train_points.get_offsets(), pg.X_train)
    assert np.array_equal(test_points.get_offsets(), pg.X_test)


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
    assert not pg.playing
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
    assert pg.epoch == 0 and pg.playing is False


def test_a_huge_learning_rate_shows_diverged_and_pauses():
    pg = Playground("spiral", activation="tanh", lr=10.0)
    pg.play()
    status = pg.step(60)
    assert pg.last_error is None and pg.loss_exploded and not pg.diverged
    assert status.startswith("diverged at epoch") and "learning rate 10 is too large" in status
    assert pg.history["train"][-1] > 3 * pg.history["train"][0]
    assert pg.playing is False  # playing stops by itself
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
    assert pg.playing is False
    assert pg.step(5) == status  # further steps change nothing, and do not raise
    assert pg.artists["out_title"].get_text() == "diverged"
    assert np.all(pg.artists["out_rgb"] == 200)  # grey: nothing to show
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
@pytest.mark.slow  # a sweep of extremes: make test runs it, make unit-fast does not
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


# -- what is drawn -------------------------------------------------------------------------
def test_the_picture_shows_every_neuron_weight_and_the_losses():
    pg = Playground("XOR", hidden="4, 2")
    pg.step(3)
    art = pg.artists
    # 2 inputs + 4 + 2 hidden + 1 output, each a MAP x MAP heat map
    assert art["cells"].shape == (9, MAP, MAP, 3)
    assert len(art["lines"].get_segments()) == 2 * 4 + 4 * 2 + 2 * 1  # one line per weight
    widths = art["lines"].get_linewidths()
    biggest = max(np.abs(layer.weight.data).max() for layer in pg.linears)
    flat = np.concatenate([layer.weight.data.ravel() for layer in pg.linears])
    assert np.argmax(widths) == np.argmax(np.abs(flat)) and abs(flat).max() == biggest
    # loss lines: the history, scaled to the fixed axes
    x, y = art["train_line"].get_data()
    assert len(x) == 4 and x[-1] == 1.0
    top = max(max(pg.history["train"]), max(pg.history["test"]))
    assert np.allclose(y * top, pg.history["train"])
    assert art["loss_title"].get_text() == f"loss 0–{top:.2f}"  # the epochs: out_title
    assert len(art["bars"]) == 3 and all(b.get_width() > 0 for b in art["bars"])
    assert pg.last_status.startswith("epoch 3  train loss")
    assert "2 → 4 → 2 → 1 (25 parameters), NumPy" in pg.last_status


def test_decision_background_is_clearly_coloured_where_the_model_is_sure():
    pg = Playground("Gaussian", lr=0.3)
    pg.step(15)
    rgb = pg.artists["out_rgb"].astype(int)
    # a confident model paints most of the plane far from white, in both class colours
    distance_from_white = np.abs(255 - rgb).sum(axis=-1)
    assert np.mean(distance_from_white > 150) > 0.5
    blue, orange = np.array([0x08, 0x77, 0xbd]), np.array([0xf5, 0x93, 0x22])
    def near(colour):
        return np.abs(rgb - colour).sum(axis=-1) < 120

    assert near(blue).mean() > 0.15 and near(orange).mean() > 0.15


def test_hidden_neuron_maps_show_each_neurons_output():
    pg = Playground("circle", hidden="3", activation="tanh")
    pg.step(2)
    outs = pg._layer_outputs(pg.artists["map_points"])
    hidden = outs[0]  # (MAP*MAP, 3)
    for j in range(3):
        scale = max(1.0, np.abs(hidden[:, j]).max())
        expected = _colour_map(hidden[:, j].reshape(MAP, MAP) / scale)
        assert np.array_equal(pg.artists["cells"][2 + j], expected)


def test_features_change_the_inputs_and_reset():
    pg = Playground("circle", hidden="2")
    pg.step(2)
    pg.controls["feature_x1sq"].value = True
    pg.controls["feature_x2sq"].value = True
    assert pg.features == ("x1", "x2", "x1sq", "x2sq") and pg.epoch == 0
    assert pg.model[0].weight.data.shape == (4, 2)
    assert np.allclose(pg.F_train[:, 2], pg.X_train[:, 0] ** 2)
    assert pg.artists["cells"].shape[0] == 4 + 2 + 1
    pg.step(30)  # squares make the circle linearly separable
    assert pg.test_accuracy() > 0.9
    for name in ("x1", "x2", "x1sq"):
        pg.controls[f"feature_{name}"].value = False
    assert pg.features == ("x2sq",)
    for name in FEATURES:
        pg.controls[f"feature_{name}"].value = False
    assert pg.features == ("x2sq",)  # the last input cannot be switched off
    assert pg.last_error is None


@pytest.mark.parametrize("hidden", ["4, 2", "8, 8, 8, 8, 8, 8"])
def test_network_labels_stay_inside_the_figure_and_apart(hidden):
    # all seven inputs: "sin πx₁" was cut at the figure's left edge
    pg = Playground("circle", hidden=hidden)
    for name in FEATURES:
        pg.controls[f"feature_{name}"].value = True
    fig = pg.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in pg.artists["net_texts"]]
    assert len(boxes) == (len(parse_hidden_layers(hidden)) + 2) + len(FEATURES)
    assert all(box.x0 >= 4 and box.x1 <= fig.bbox.width for box in boxes)
    headers = sorted(boxes[:len(parse_hidden_layers(hidden)) + 2], key=lambda box: box.x0)
    assert all(a.x1 < b.x0 for a, b in zip(headers, headers[1:]))  # headings do not overlap
    assert pg.last_error is None


@pytest.mark.parametrize("regularization", ["none", "L1", "L2"])
def test_numpy_and_pytorch_engines_draw_the_same_picture(regularization):
    pytest.importorskip("torch")
    kw = dict(hidden="4, 2", lr=0.3, regularization=regularization, reg_rate=0.01)
    numpy_pg, torch_pg = Playground("XOR", **kw), Playground("XOR", engine="PyTorch", **kw)
    numpy_pg.step(4)
    torch_pg.step(4)
    assert np.allclose(numpy_pg.history["train"], torch_pg.history["train"], atol=1e-10)
    for a, b in zip(numpy_pg.model.parameters(), torch_pg.model.parameters()):
        assert np.allclose(a.data, b.data, atol=1e-10)
    diff = np.abs(numpy_pg.artists["out_rgb"].astype(int) - torch_pg.artists["out_rgb"])
    assert diff.max() <= 1
    assert torch_pg.last_status.endswith("PyTorch")


def test_switching_engine_carries_the_weights_over():
    pytest.importorskip("torch")
    pg = Playground("Gaussian")
    pg.step(2)
    pg.controls["engine"].value = "PyTorch"
    assert pg.epoch == 2  # not a reset
    pg.step(2)
    ref = Playground("Gaussian")
    ref.step(4)
    assert np.allclose(pg.history["train"], ref.history["train"], atol=1e-10)


def test_gradient_norms_per_layer_are_the_full_batch_gradients():
    pg = Playground("XOR", hidden="3")
    pg.step(1)
    pg.model.zero_grad()
    pg.loss_fn(pg.model(pg.F_train), pg.t_train)
    pg.model.backward(pg.loss_fn.backward())
    expected = [np.linalg.norm(layer.weight.grad) for layer in pg.linears]
    assert np.allclose(pg.grad_norms, expected)
    widths = [bar.get_width() for bar in pg.artists["bars"]]
    assert np.allclose(widths, np.clip(np.log10(expected), -8, 1) + 8)


# -- bad arguments and real bugs (issues 11 and 16) ----------------------------------------
@pytest.mark.parametrize("kwargs, words", [
    (dict(batch_size=0), ["batch_size", "0", "1"]),
    (dict(batch_size=31), ["batch_size", "31", "30"]),
    (dict(dataset="moons"), ["dataset", "'moons'", "'circle'", "'spiral'"]),
    (dict(lr=0.2), ["lr", "0.2", "0.3"]),
    (dict(reg_rate=0.5), ["reg_rate", "0.5"]),
    (dict(activation="gelu"), ["activation", "'gelu'", "'tanh'"]),
    (dict(regularization="L3"), ["regularization", "'L3'", "'L2'"]),
    (dict(engine="JAX"), ["engine", "'JAX'", "'PyTorch'"]),
    (dict(epochs_per_tick=-5), ["epochs_per_tick", "-5"]),
    (dict(noise=0.9), ["noise", "0.9"]),
    (dict(hidden="9"), ["hidden", "'9'"]),
    (dict(features=("x3",)), ["features", "'x3'"]),
])
def test_bad_constructor_arguments_are_refused_with_a_clear_message(kwargs, words):
    with pytest.raises((ValueError, TypeError)) as info:
        Playground(**kwargs)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_step_refuses_a_non_positive_number_of_epochs():
    pg = Playground()
    for bad in (-5, 0):
        with pytest.raises(ValueError, match="epochs must be an int >= 1, got " + str(bad)):
            pg.step(bad)
    with pytest.raises(TypeError, match="epochs"):
        pg.step(2.5)


def test_a_shape_bug_is_reported_as_such_not_as_diverged():
    pg = Playground()
    pg.F_train = pg.F_train[:, :1]  # a programming error: one input column missing
    status = pg.step(1)
    assert not pg.diverged and isinstance(pg.train_error, ValueError)
    assert "diverged" not in status and status.startswith("could not train")
    assert pg.playing is False


def test_ipywidgets_7_and_8_play_state():
    pg = Playground()
    trait = "playing" if pg.play_button.has_trait("playing") else "_playing"
    pg.play()
    assert getattr(pg.play_button, trait) is True and pg.playing
    pg.pause()
    assert getattr(pg.play_button, trait) is False


def test_browser_ticks_are_merged_not_queued():
    pg = Playground(epochs_per_tick=1)
    pg.play()
    renders = pg.render_count
    for _ in range(30):  # as the front end sends them: with the property lock held
        pg.play_button.set_state({"value": pg.play_button.value + 1})
    assert pg.wait_idle(120)
    frames = pg.render_count - renders
    assert 1 <= frames < 30 and pg.epoch == frames  # one frame per merged batch of ticks
    assert pg.last_status.startswith(f"epoch {pg.epoch} ")


# -- speed (issue 15): controls update the kept figure instead of rebuilding it --------------
def test_controls_update_the_kept_figure_instead_of_rebuilding_it():
    pg = Playground("circle", hidden="4, 2")
    art = pg.artists
    axes = (art["ax_net"], art["ax_out"], art["ax_loss"], art["ax_grad"])
    circle = pg.X_train
    pg.controls["dataset"].value = "XOR"
    pg.controls["activation"].value = "relu"
    pg.controls["feature_x1x2"].value = True
    assert pg.artists is art and all(ax in pg.figure.axes for ax in axes)
    assert len(pg.figure.axes) == 4
    # the network was laid out again: three inputs, their labels in the network's axes
    assert art["cells"].shape[0] == 3 + 4 + 2 + 1
    assert [t.get_text() for t in art["net_texts"]][-3:] == ["x₁", "x₂", "x₁x₂"]
    assert len(art["lines"].get_segments()) == 3 * 4 + 4 * 2 + 2 * 1
    pg.controls["hidden"].value = "3"  # another number of layers: new gradient bars
    assert len(art["bars"]) == 2 and art["ax_grad"].get_ylim() == (1.5, -0.5)
    pg.controls["dataset"].value = "circle"
    assert pg.X_train is circle  # data sets are kept: going back costs nothing
    assert pg.last_error is None and pg.last_status.startswith("epoch 0")


def test_a_changed_control_draws_the_same_picture_as_a_fresh_playground():
    pg = Playground("circle", hidden="4, 2")
    pg.step(2)
    pg.controls["dataset"].value = "XOR"
    pg.controls["feature_x1sq"].value = True
    fresh = Playground("XOR", hidden="4, 2", features=("x1", "x2", "x1sq"))
    assert np.array_equal(pg.artists["out_rgb"], fresh.artists["out_rgb"])
    assert np.array_equal(pg.artists["cells"], fresh.artists["cells"])
    assert pg.to_png() == fresh.to_png()


def test_labels_pasted_from_memory_draw_the_same_picture():
    """The network's labels are pasted from their remembered pixels when they come back."""
    pg = Playground("circle", hidden="4, 2")
    for value in (True, False, True, False, True):
        pg.controls["feature_sinx1"].value = value
    assert [t.get_text() for t in pg.artists["net_texts"]][-3:] == ["x₁", "x₂", "sin πx₁"]
    assert pg.artists["stamps"]  # the second time round the labels were pasted
    fresh = Playground("circle", hidden="4, 2", features=("x1", "x2", "sinx1"))
    assert pg.to_png() == fresh.to_png()


def test_colour_map_table_matches_the_formula():
    values = np.linspace(-1, 1, 1001)
    strength = np.abs(values)[:, None] ** 0.7
    white = np.array([255.0, 255.0, 255.0])
    blue, orange = np.array([0x08, 0x77, 0xbd]), np.array([0xf5, 0x93, 0x22])
    exact = np.where(values[:, None] >= 0, white + strength * (blue - white),
                     white + strength * (orange - white))
    assert np.abs(_colour_map(values).astype(float) - exact).max() <= 2
    assert _colour_map(np.array([np.nan]))[0].tolist() == [160, 160, 160]
    clipped = _colour_map(np.array([5.0, -5.0])).tolist()
    assert clipped == _colour_map(np.array([1.0, -1.0])).tolist()


def test_canvas_png_is_the_canvas_pixels():
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    from nnlib.plotting import canvas_png

    fig = Figure(figsize=(2, 1.5), dpi=40)
    FigureCanvasAgg(fig)
    fig.add_subplot().plot([0, 1], [1, 0])
    fig.canvas.draw()
    image = Image.open(io.BytesIO(canvas_png(fig.canvas)))
    assert image.mode == "RGB" and image.size == (80, 60)
    assert np.array_equal(np.asarray(image), np.asarray(fig.canvas.buffer_rgba())[..., :3])
