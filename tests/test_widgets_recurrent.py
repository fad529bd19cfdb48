"""Notebook 10 widgets: every control redraws, extreme values give a status, never a traceback."""

import warnings

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from nnlib.data import CharVocab
from nnlib.models.rnn import CharRNN
from nnlib.plotting import figure_png
from nnlib.scratch.recurrent import hidden_gradient_norms
from nnlib.widgets.recurrent import (
    REFERENCE_RADII,
    _draw_gradient_flow,
    _draw_temperature,
    _flow_norms_batch,
    _sample_lstm,
    _steps_by_cell,
    describe_gradient_flow,
    draw_gru_cell,
    draw_lstm_cell,
    draw_unrolled_rnn,
    gradient_flow_explorer,
    next_char_probabilities,
    temperature_explorer,
)


def test_gradient_flow_every_control_redraws():
    w = gradient_flow_explorer(seq_len=30)
    assert w.last_error is None and "T = 30" in w.last_status
    seen = {w.to_png()}
    for name, value in [("radius", 0.5), ("seq_len", 60), ("input_scale", 0.2),
                        ("nonlinearity", "relu")]:
        status = w.last_status
        w.controls[name].value = value
        assert w.last_error is None, w.last_status
        assert w.last_status != status
        png = w.to_png()
        assert png not in seen
        seen.add(png)


def test_gradient_flow_draws_the_measured_norms():
    w = gradient_flow_explorer(radius=1.2, seq_len=40, input_scale=0.5)
    art = w.figure.__dict__["_nnlib_artists"]
    frame = art["frame"]
    assert art["ax"].get_title() == "Gradient through a tanh RNN: radius 1.2, T = 40"
    for line, radius in [*zip(art["refs"].values(), REFERENCE_RADII), (art["yours"], 1.2)]:
        norms = hidden_gradient_norms(radius, 40, input_scale=0.5)
        x, y = line.get_data()
        np.testing.assert_allclose(x, frame.x(np.arange(1, 41)))
        np.testing.assert_allclose(y, frame.y(norms), rtol=1e-9)
        assert np.all((y >= 0) & (y <= 1))  # the y limits hold every curve
    labels = [t.get_text() for t in art["legend"].get_texts()]
    assert labels == ["radius 0.5", "radius 1", "radius 1.5", "yours"]
    ticks = [t.get_text() for t in frame.ylabels if t.get_visible()]
    assert "1" in ticks and all(t == "1" or t.startswith("1e") for t in ticks)
    assert [t.get_text() for t in frame.xlabels if t.get_visible()][-1] == "40"


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("seq_len, input_scale", [(7, 0.0), (60, 1.0), (120, 3.0)])
def test_batched_flow_norms_equal_one_run_per_radius(nonlinearity, seq_len, input_scale):
    radii = [0.1, 0.5, 1.0, 1.5, 3.0]
    batch = _flow_norms_batch(radii, seq_len, nonlinearity, input_scale)
    for radius, row in zip(radii, batch):
        one = hidden_gradient_norms(radius, seq_len, nonlinearity=nonlinearity,
                                    input_scale=input_scale)
        np.testing.assert_allclose(row, one, rtol=1e-10, atol=0)


def test_gradient_flow_pictures_do_not_depend_on_the_way_there():
    """Tick labels are pasted from memory when drawn again: the picture for a setting must be
    the same reached directly or after other settings."""
    direct = gradient_flow_explorer(radius=2.0, seq_len=120).to_png()
    w = gradient_flow_explorer()
    for name, value in [("seq_len", 120), ("radius", 0.3), ("radius", 2.0), ("seq_len", 35),
                        ("seq_len", 120)]:
        w.controls[name].value = value
    assert w.to_png() == direct


def test_gradient_flow_says_vanished_and_exploded():
    w = gradient_flow_explorer(radius=0.5, seq_len=100)
    assert "vanished" in w.last_status
    w.controls["radius"].value = 2.0
    assert "exploded" in w.last_status


@pytest.mark.parametrize("radius", [0.1, 3.0])
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("input_scale", [0.0, 5.0])
def test_extreme_settings_give_a_status_not_an_exception(radius, nonlinearity, input_scale):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        status = _draw_gradient_flow(Figure(), radius, 300, input_scale, nonlinearity)
    assert isinstance(status, str) and status.startswith(f"spectral radius {radius:g}, T = 300")


def test_describe_gradient_flow_verdicts():
    assert describe_gradient_flow(np.array([np.inf, 1.0])).startswith("exploded: the gradient "
                                                                      "overflowed")
    assert "underflowed" in describe_gradient_flow(np.array([0.0, 1.0]))
    assert describe_gradient_flow(np.array([1e-9, 1.0])).startswith("vanished")
    assert describe_gradient_flow(np.array([1e9, 1.0])).startswith("exploded")
    assert describe_gradient_flow(np.array([1e-3, 1.0])).startswith("fading")
    assert describe_gradient_flow(np.array([1e3, 1.0])).startswith("exploding")
    assert describe_gradient_flow(np.array([0.5, 1.0])).startswith("roughly preserved")


@pytest.mark.parametrize("first, verdict", [
    (0.27, "roughly preserved"), (2.0, "roughly preserved"), (10.0, "roughly preserved"),
    (53.0, "exploding"), (1.5e-2, "fading"), (0.099, "fading"), (0.1, "roughly preserved")])
def test_gradient_flow_verdicts_follow_notebook_10(first, verdict):
    # cell 19: radius 1.1 (0.27x) keeps the gradient, radius 1 (1.5e-2x) fades, 1.5 (53x)
    # explodes: "preserved" means within 10x
    assert describe_gradient_flow(np.array([first, 1.0])).startswith(verdict)


def test_gradient_flow_status_at_the_notebooks_radii():
    assert "exploding" in _draw_gradient_flow(Figure(), 1.5, 50, 1.0, "tanh")
    assert "roughly preserved" in _draw_gradient_flow(Figure(), 1.1, 50, 1.0, "tanh")
    assert "fading" in _draw_gradient_flow(Figure(), 1.0, 50, 1.0, "tanh")


@pytest.mark.parametrize("seq_len", [5, 10, 15])
def test_gradient_flow_ticks_whole_time_steps(seq_len):
    fig = Figure()
    _draw_gradient_flow(fig, 1.0, seq_len, 1.0, "tanh")
    frame = fig.__dict__["_nnlib_artists"]["frame"]
    texts = [t.get_text() for t in frame.xlabels if t.get_visible()]
    assert len(texts) >= 2 and all(float(t).is_integer() for t in texts), texts


@pytest.mark.parametrize("nonlinearity, seq_len", [("tanh", 300), ("relu", 170)])
def test_an_underflowed_norm_is_a_gap_marked_on_the_bottom_edge(nonlinearity, seq_len):
    """Radius 0.1: going back in time the norm underflows to exactly 0 (its square is below
    float64's smallest numbers); the curve stops there instead of dropping to the bottom edge,
    a dotted line on the bottom edge covers those steps and a label says what happened."""
    w = gradient_flow_explorer(radius=0.1, seq_len=seq_len, nonlinearity=nonlinearity)
    norms = hidden_gradient_norms(0.1, seq_len, nonlinearity=nonlinearity)
    last_zero = int(np.flatnonzero(norms == 0).max()) + 1
    assert np.all(norms[:last_zero] == 0) and np.all(norms[last_zero:] > 0)
    assert "underflowed to exactly 0" in w.last_status
    art = w.figure.__dict__["_nnlib_artists"]
    frame = art["frame"]
    x, y = art["yours"].get_data()
    assert np.all(np.isnan(y[:last_zero])) and np.all(np.isfinite(y[last_zero:]))
    # the curve's end stays well above the bottom edge, where the label is
    assert y[last_zero:].min() > 0.1 and np.all(y[last_zero:] <= 1)
    np.testing.assert_allclose(art["zero"].get_xdata(), frame.x([1, last_zero]))
    assert list(art["zero"].get_ydata()) == [0, 0]
    note = art["zero_note"]
    assert note.get_visible()
    assert note.get_text().startswith(f"‖dL/dh_t‖ = 0 for t ≤ {last_zero}: float64 underflow")
    fig, ax = w.figure, art["ax"]
    renderer = fig.canvas.get_renderer()
    box, inside = note.get_window_extent(renderer), ax.get_window_extent(renderer)
    assert inside.x0 <= box.x0 and box.x1 <= inside.x1 and inside.y0 <= box.y0
    end = ax.transData.transform((x[last_zero], y[last_zero]))
    assert box.y1 < end[1]  # the label is under the curve's lowest point
    # round tick exponents and the picture of a fresh widget after a way there and back
    ticks = [t.get_text() for t in frame.ylabels if t.get_visible()]
    assert all(t == "1" or int(t[2:]) % 10 == 0 for t in ticks), ticks
    picture = w.to_png()
    w.controls["radius"].value = 1.0
    assert not note.get_visible() and len(art["zero"].get_xdata()) == 0
    assert w.to_png() == gradient_flow_explorer(seq_len=seq_len,
                                                nonlinearity=nonlinearity).to_png()
    w.controls["radius"].value = 0.1
    assert w.to_png() == picture


@pytest.fixture(scope="module")
def tiny_lm():
    vocab = CharVocab("abcdefgh \n:ROME")
    torch.manual_seed(0)
    return CharRNN(len(vocab), 4, 8), vocab


def test_temperature_widget_redraws_and_samples(tiny_lm):
    model, vocab = tiny_lm
    w = temperature_explorer(model, vocab, prompt="ROMEO:\n", length=40)
    assert w.last_error is None and "sample (seed 0): ROMEO: ⏎ " in w.last_status
    before_png, before_status = w.to_png(), w.last_status
    w.controls["temperature"].value = 0.3
    assert w.last_error is None and w.to_png() != before_png and w.last_status != before_status
    status = w.last_status
    w.controls["seed"].value = 5
    assert w.last_error is None and w.last_status != status


def test_temperature_widget_shows_the_bars_before_sampling_and_caches(tiny_lm):
    model, vocab = tiny_lm
    w = temperature_explorer(model, vocab, prompt="ROMEO:\n", length=40)
    seen = []
    w.status.observe(lambda change: seen.append(change["new"]), names="value")
    w.controls["temperature"].value = 0.3
    assert "sampling 40 characters" in seen[0] and "sample (seed 0)" in seen[-1]
    art = w.figure.__dict__["_nnlib_artists"]
    probs = next_char_probabilities(model, vocab, "ROMEO:\n", 0.3)
    top = np.argsort(-probs, kind="stable")[:len(art["bars"])]
    assert [b.get_height() for b in art["bars"]] == pytest.approx(probs[top])
    assert art["labels"][0].get_text() == {"\n": "\\n", " ": "␣"}.get(vocab.chars[top[0]],
                                                                     vocab.chars[top[0]])
    seen.clear()
    w.controls["temperature"].value = 1.0  # sampled before: one picture, no "sampling…"
    assert len(seen) == 1 and "sample (seed 0)" in seen[0]


@pytest.mark.parametrize("hidden", [8, 64])
def test_fast_lstm_sampling_gives_generates_texts(hidden):
    vocab = CharVocab("abcdefgh \n:ROMEJULIT")
    torch.manual_seed(hidden)
    model = CharRNN(len(vocab), 16, hidden, "lstm")
    assert _steps_by_cell(model) and not _steps_by_cell(CharRNN(len(vocab), 4, 8, "gru"))
    prompt = vocab.encode("ROMEO:\n")
    for temperature in (0.0, 0.3, 1.0, 2.5):
        for seed in range(4):
            fast = _sample_lstm(model, prompt, 60, temperature,
                                torch.Generator().manual_seed(seed))
            slow = model.generate(prompt, 60, temperature,
                                  generator=torch.Generator().manual_seed(seed))
            assert fast == slow, (temperature, seed)
    assert model.training  # left as it was


@pytest.mark.slow  # a sweep of extremes: make test runs it, make unit-fast does not
@pytest.mark.parametrize("temperature", [0.0, 0.05, 3.0])
def test_extreme_temperatures_work(tiny_lm, temperature):
    model, vocab = tiny_lm
    w = temperature_explorer(model, vocab, prompt="ab", length=20, temperature=temperature)
    assert w.last_error is None and "entropy" in w.last_status
    probs = next_char_probabilities(model, vocab, "ab", temperature)
    assert probs.sum() == pytest.approx(1.0)
    if temperature == 0.0:
        assert probs.max() == 1.0


def test_temperature_zero_prints_zero_entropy_and_keeps_the_bar_order(tiny_lm):
    model, vocab = tiny_lm
    w = temperature_explorer(model, vocab, prompt="ab", length=10, temperature=1.0)
    art = w.figure.__dict__["_nnlib_artists"]
    warm = [label.get_text() for label in art["labels"]]
    w.controls["temperature"].value = 0.0
    assert w.last_error is None and w.last_status.startswith("entropy 0.00 nats")
    assert [label.get_text() for label in art["labels"]] == warm  # not vocabulary order
    fig = Figure()
    status = _draw_temperature(fig, 0.0, 0, model=model, vocab=vocab, prompt="ab", length=5)
    assert status.startswith("entropy 0.00 nats")
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == warm


def test_temperature_reshapes_the_distribution(tiny_lm):
    model, vocab = tiny_lm
    cold, warm, hot = (next_char_probabilities(model, vocab, "abc", t) for t in (0.5, 1.0, 2.0))
    assert cold.max() > warm.max() > hot.max()
    assert np.argmax(cold) == np.argmax(warm) == np.argmax(hot)


def test_unknown_prompt_characters_fail_early_with_the_vocab_message(tiny_lm):
    model, vocab = tiny_lm
    with pytest.raises(ValueError, match="not in the vocabulary"):
        temperature_explorer(model, vocab, prompt="xyz")


@pytest.mark.parametrize("draw, labels", [
    (draw_unrolled_rnn, ["$h_0$", "$x_1$", "$h_4$\ntanh"]),
    (draw_lstm_cell, ["forget f", "input i", "candidate g", "output o", "$c_t$", "$h_t$"]),
    (draw_gru_cell, ["update z", "reset r", "candidate n", "1 − z", "$h_t$"]),
])
def test_diagrams_draw_every_labelled_part(draw, labels):
    fig = draw()
    (ax,) = fig.axes
    texts = {t.get_text() for t in ax.texts}
    assert set(labels) <= texts, set(labels) - texts
    assert len(ax.patches) >= 4
    assert figure_png(fig)[:4] == b"\x89PNG"
