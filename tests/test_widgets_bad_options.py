"""Widget constructors refuse what they cannot show, in the constructor, saying what is allowed
(issue 16: no silent clamping, no "Invalid selection" from ipywidgets three calls later);
seed controls; the dashboard's status while it trains."""

from __future__ import annotations

import pytest

from nnlib.widgets.activations import activation_widget
from nnlib.widgets.attention import scaling_explorer
from nnlib.widgets.losses import loss_explorer
from nnlib.widgets.mlp import hidden_units_widget
from nnlib.widgets.optimizers import optimizer_explorer
from nnlib.widgets.recurrent import gradient_flow_explorer


@pytest.mark.parametrize("build, kwargs, words", [
    (optimizer_explorer, dict(lr=-1), ["optimizer_explorer", "lr", "-1", "0.0001", "10"]),
    (optimizer_explorer, dict(optimizer="Lion"), ["optimizer", "'Lion'", "'SGD'", "'AdamW'"]),
    (optimizer_explorer, dict(steps=5), ["steps", "5", "10", "500"]),
    (optimizer_explorer, dict(surface="moon"), ["surface", "'moon'", "'bowl'"]),
    (activation_widget, dict(depth=0), ["activation_widget", "depth", "0", "1", "50"]),
    (activation_widget, dict(depth=2.5), ["depth", "2.5"]),
    (activation_widget, dict(activation="swish"), ["activation", "'swish'", "'GELU'"]),
    (loss_explorer, dict(loss="Hinge"), ["loss_explorer", "loss", "'Hinge'", "'MSE'"]),
    (loss_explorer, dict(target=5.0), ["target", "5"]),
    (scaling_explorer, dict(d=0), ["scaling_explorer", "d", "0", "4096"]),
    (gradient_flow_explorer, dict(seq_len=1000), ["seq_len", "1000", "300"]),
    (hidden_units_widget, dict(seed=-3), ["hidden_units_widget", "seed", "-3"]),
    (hidden_units_widget, dict(steps=0), ["steps", "0"]),
])
def test_bad_options_name_the_argument_the_value_and_what_is_allowed(build, kwargs, words):
    with pytest.raises((ValueError, TypeError)) as info:
        build(**kwargs)
    message = str(info.value)
    assert "Invalid selection" not in message
    for word in words:
        assert word in message, (word, message)


def test_nan_is_not_a_learning_rate():
    with pytest.raises(ValueError, match="lr"):
        optimizer_explorer(lr=float("nan"))


def test_hidden_units_seed_gives_another_random_start():
    widget = hidden_units_widget(steps=40)
    first = widget.last_status
    assert "from seed 0" in first and widget.controls["seed"].value == 0
    widget.controls["seed"].value = 5
    assert "from seed 5" in widget.last_status and widget.last_status != first
    assert "(seed 5)" in widget.figure.axes[0].get_title()


def test_hidden_units_shows_the_data_first_then_the_fit():
    widget = hidden_units_widget(steps=30)
    published = []
    widget.status.observe(lambda change: published.append(change["new"]), names="value")
    widget.controls["hidden_units"].value = 9  # a setting never trained: two stages
    assert "training 30 Adam steps" in published[0]
    assert "loss after 30 Adam steps" in published[-1]
    published.clear()
    widget.controls["hidden_units"].value = 3  # cached: straight to the fit
    assert len(published) == 1


def test_dashboard_never_says_press_train_while_it_trains():
    torch = pytest.importorskip("torch")
    from nnlib.widgets.training import TrainingDashboard

    x, y = torch.randn(32, 4), torch.randint(0, 3, (32,))
    batches = [(x[:16], y[:16]), (x[16:], y[16:])]
    dash = TrainingDashboard(batches, batches, hidden=(5,), n_classes=3, epochs=2,
                             device="cpu")
    assert "press Train" in dash.last_status
    seen = []
    dash.status.observe(lambda change: seen.append(change["new"]), names="value")
    dash.train()
    during = seen[:-1]
    assert during and all("press Train" not in s for s in during)
    assert any("training (" in s for s in during)
