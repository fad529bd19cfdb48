"""Notebook 12 widget: every control redraws; odd prompts and extreme settings give a status."""

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from matplotlib.text import Text

from nnlib.data import CharVocab
from nnlib.models.gpt import GPT, GPTConfig
from nnlib.train.lm import generate_text
from nnlib.widgets.generation import (
    _draw_generation,
    _wrap_lines,
    generation_explorer,
    sampling_distribution,
)

VOCAB = CharVocab("ROMEO:\n abcdefghijklmnopqrstuvwxyz,.")


def shown(w) -> str:
    """The sample as the widget's lines show it (line breaks it added removed)."""
    return "".join(line.get_text() for line in w.figure.__dict__["_nnlib_artists"]["lines"])


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    gpt = GPT(GPTConfig(vocab_size=len(VOCAB), block_size=16, n_layer=1, n_head=2, n_embd=16))
    for p in gpt.parameters():   # spread the predictions so temperature and top-k matter
        torch.nn.init.normal_(p, std=0.4)
    return gpt


@pytest.mark.slow  # a training run / stress test: make test runs it, make unit-fast does not
def test_every_control_changes_the_picture(model):
    w = generation_explorer(model, VOCAB, prompt="ROMEO:\n", length=40)
    assert w.last_error is None and w.last_status.startswith("temperature 0.8, all tokens")
    seen = {w.to_png()}
    for name, value in [("temperature", 1.5), ("top_k", 3), ("length", 80), ("seed", 7),
                        ("prompt", "bear")]:
        w.controls[name].value = value
        assert w.last_error is None, w.last_status
        png = w.to_png()
        assert png not in seen, name
        seen.add(png)
    assert "top-3: 3 possible next characters" in w.last_status


def test_status_reports_the_sampling_settings(model):
    w = generation_explorer(model, VOCAB, length=20, top_k=5)
    assert "top-5: 5 possible next characters" in w.last_status
    w.controls["temperature"].value = 0.0
    assert "1 possible next characters, entropy 0.00 nats" in w.last_status


@pytest.mark.parametrize("prompt, expected", [
    ("ROMÉO", "remove ['É'] from the prompt"),
    ("", "empty prompt: started from a newline"),
    ("a" * 100, "temperature"),                      # longer than block_size: cropped
])
@pytest.mark.slow  # a sweep of extremes: make test runs it, make unit-fast does not
def test_odd_prompts_give_a_status_not_an_exception(model, prompt, expected):
    w = generation_explorer(model, VOCAB, length=20)
    w.controls["prompt"].value = prompt
    assert w.last_error is None and expected in w.last_status
    assert w.to_png()


@pytest.mark.parametrize("temperature", [0.0, 2.0])
@pytest.mark.parametrize("top_k", [0, 1, len(VOCAB)])
def test_extreme_settings_draw(model, temperature, top_k):
    status = _draw_generation(Figure(), "ROMEO:", temperature, top_k, 20, 0, model=model,
                             vocab=VOCAB)
    assert status.startswith(f"temperature {temperature:g}")


def test_sampling_distribution_matches_generate_settings(model):
    probs = sampling_distribution(model, VOCAB, "be", temperature=0.5, top_k=4)
    assert probs.shape == (len(VOCAB),) and np.isclose(probs.sum(), 1.0)
    assert np.count_nonzero(probs) == 4
    logits, _ = model(torch.from_numpy(VOCAB.encode("be"))[None])
    top4 = set(logits[0, -1].topk(4).indices.tolist())
    assert set(np.flatnonzero(probs)) == top4
    expected = torch.softmax(logits[0, -1].double() / 0.5, -1).detach().numpy()[sorted(top4)]
    assert np.allclose(probs[sorted(top4)], expected / expected.sum())


def test_the_drawn_sample_is_what_generate_text_writes(model):
    fig = Figure()
    _draw_generation(fig, "ROMEO:", 0.8, 0, 30, 3, model=model, vocab=VOCAB)
    shown = fig.axes[1].texts[0].get_text()
    assert shown.replace("\n", "") == ("ROMEO:" + generate_text(model, VOCAB, "ROMEO:", 30,
                                                                temperature=0.8, seed=3)
                                       ).replace("\n", "")


def test_first_picture_comes_before_any_sampling_and_the_sample_is_generate_texts(model):
    w = generation_explorer(model, VOCAB, prompt="ROMEO:\n", length=60)
    seen = []
    w.status.observe(lambda change: seen.append(change["new"]), names="value")
    w.controls["seed"].value = 4
    assert "0 so far" in seen[0]  # the bars and "sampling…" before a character is sampled
    assert "temperature 0.8, all tokens" in seen[-1]
    art = w.figure.__dict__["_nnlib_artists"]
    assert shown(w) == (
        "ROMEO:\n" + generate_text(model, VOCAB, "ROMEO:\n", 60, temperature=0.8, seed=4)
    ).replace("\n", "")
    probs = sampling_distribution(model, VOCAB, "ROMEO:\n", 0.8, None)
    first = int(np.argmax(probs))
    assert art["labels"][0].get_text() == {"\n": "\\n", " ": "␣"}.get(VOCAB.chars[first],
                                                                    VOCAB.chars[first])
    before = w.publish_count
    w.controls["length"].value = 40  # shorter: already sampled, one picture
    assert w.publish_count == before + 1


def test_a_newer_change_stops_a_stale_sample_which_is_kept(model):
    w = generation_explorer(model, VOCAB, prompt="ROMEO:\n", length=60)
    w._stale = True  # as if the learner had moved a slider again during this sampling
    try:
        w.controls["seed"].value = 9
    finally:
        w._stale = False
    assert w.superseded is False and "0 so far" in w.last_status  # stopped after its first picture
    w.update()  # drawn again (the newer change would be): the sample goes on to the end
    assert w.last_status.startswith("temperature 0.8, all tokens")
    art = w.figure.__dict__["_nnlib_artists"]
    # the heading is drawn with every picture: the final one no longer says "sampling…"
    assert art["heading"] in art["animated"]
    assert art["heading"].get_text() == "prompt + 60 sampled characters (seed 9)"
    assert shown(w) == (
        "ROMEO:\n" + generate_text(model, VOCAB, "ROMEO:\n", 60, temperature=0.8, seed=9)
    ).replace("\n", "")


def test_wrap_breaks_lines_at_word_boundaries():
    assert _wrap_lines("to be or not to be, that is the question", 20) == [
        "to be or not to be, ", "that is the question"]
    # a word longer than a line is broken, and only such a word
    assert _wrap_lines("a " + "x" * 45 + " b", 20) == ["a ", "x" * 20, "x" * 20, "xxxxx b"]
    assert _wrap_lines("ab\n\n  cd", 20) == ["ab", "", "  cd"]  # newlines and indents kept
    assert _wrap_lines("a b c d", 1, max_lines=3) == ["a ", "b ", "c ", "…"]
    rng = np.random.default_rng(0)
    words = ["".join(rng.choice(list("abcdefg"), size=rng.integers(1, 12))) for _ in range(300)]
    text = "".join(w + rng.choice([" ", "  ", "\n", ", "]) for w in words)
    lines = _wrap_lines(text, 30, max_lines=10**6)
    assert "".join(lines) == text.replace("\n", "")       # only line breaks were added
    assert all(len(line.rstrip()) <= 30 for line in lines)
    assert [w for line in lines for w in line.split()] == text.split()  # no word cut
    # a text that grows keeps its lines but the last one or two (the sample grows in place)
    for cut in range(0, len(text), 97):
        head = _wrap_lines(text[:cut], 30, max_lines=10**6)
        kept = max(0, len(head) - 2)
        assert head[:kept] == lines[:kept]


def test_the_widget_wraps_the_sample_at_word_boundaries(model):
    prompt = "to be or not " * 12
    w = generation_explorer(model, VOCAB, prompt=prompt, length=20)
    lines = [line.get_text() for line in w.figure.__dict__["_nnlib_artists"]["lines"]]
    text = prompt + generate_text(model, VOCAB, prompt, 20, temperature=0.8, seed=0)
    assert "".join(lines) == text.replace("\n", "")
    assert lines[0] == "to be or not " * 5 + "to be "  # 71 characters: "or" would make 73
    assert all(len(line.rstrip()) <= 72 for line in lines)
    assert [w for line in lines for w in line.split()] == text.split()


@pytest.mark.slow  # two widgets and three samples: make test runs it, make unit-fast does not
def test_a_length_change_shows_the_old_sample_at_once_and_draws_only_new_lines(model,
                                                                             monkeypatch):
    prompt = "ROMEO:\n" + "to be or not " * 8  # three lines of prompt, then the sample
    w = generation_explorer(model, VOCAB, prompt=prompt, length=20)
    w.controls["length"].value = 30
    w.controls["length"].value = 20
    drawn, first = [], []
    real_draw = Text.draw

    def draw(text, renderer):  # StampedText falls back to this when it cannot paste
        drawn.append(text.get_text())
        return real_draw(text, renderer)

    def seen(_change):
        if not first:
            first.append((w.last_status, [line.get_text() for line in art["lines"]], drawn[:]))

    monkeypatch.setattr(Text, "draw", draw)
    art = w.figure.__dict__["_nnlib_artists"]
    w.status.observe(seen, names="value")
    w.controls["length"].value = 40
    status, lines, new = first[0]
    assert status == "sampling 40 characters… 30 so far"
    old = generate_text(model, VOCAB, prompt, 30, temperature=0.8, seed=0)
    assert generate_text(model, VOCAB, prompt, 20, temperature=0.8, seed=0) == old[:20]
    assert "".join(lines) == (prompt + old + "…").replace("\n", "")
    # the lines the 30-character picture showed are pasted: only the last one is laid out
    # (it ends in "…" now), with the heading ("30 of 40 sampled characters")
    shown_lines = [line for line in lines if line]
    assert len(shown_lines) == 3 and [t for t in new if t] == [
        shown_lines[-1], "prompt + 30 of 40 sampled characters (seed 0): sampling…"]
    monkeypatch.undo()
    fresh = generation_explorer(model, VOCAB, prompt=prompt, length=40)
    assert w.to_png() == fresh.to_png()  # pasted pixels are the ones drawing gives


def test_dollar_signs_are_shown_not_read_as_mathtext():
    vocab = CharVocab("ab $^_")
    torch.manual_seed(0)
    gpt = GPT(GPTConfig(vocab_size=len(vocab), block_size=8, n_layer=1, n_head=1, n_embd=8))
    w = generation_explorer(gpt, vocab, prompt="a$^$b $a_$", length=20)
    assert w.last_error is None, w.last_status
    assert shown(w).startswith("a$^$b $a_$")
    assert "“…a$^$b $a_$”" in w.figure.__dict__["_nnlib_artists"]["title"].get_text()
    status = _draw_generation(Figure(), "a$^$b", 1.0, 0, 20, 0, model=gpt, vocab=vocab)
    assert status.startswith("temperature 1")


def test_an_unknown_prompt_hides_the_last_picture(model):
    w = generation_explorer(model, VOCAB, prompt="ROMEO:\n", length=20)
    picture = w.to_png()
    art = w.figure.__dict__["_nnlib_artists"]
    w.controls["prompt"].value = "ROMÉO"
    assert art["unknown"].get_visible() and "'É'" in art["unknown"].get_text()
    assert not any(a.get_visible() for a in [*art["shown"], art["ax_bar"], art["ax_text"]])
    dark = (np.asarray(w.figure.canvas.buffer_rgba())[..., :3] < 200).any(axis=-1)
    box = art["unknown"].get_window_extent(w.figure.canvas.get_renderer())
    rows, cols = np.nonzero(dark)
    rows = dark.shape[0] - rows  # (pixel rows count from the top)
    assert rows.size and box.y0 - 2 <= rows.min() and rows.max() <= box.y1 + 2
    assert box.x0 - 2 <= cols.min() and cols.max() <= box.x1 + 2  # the message alone
    w.controls["prompt"].value = "ROMEO:\n"
    assert w.to_png() == picture


def test_bar_characters_are_pasted_under_any_bar_and_pictures_equal_fresh_ones(model,
                                                                             monkeypatch):
    w = generation_explorer(model, VOCAB, prompt="ROMEO:\n", length=20)
    drawn = []
    real_draw = Text.draw

    def draw(text, renderer):  # what _MovableText does when it cannot paste
        if text in w.figure.__dict__["_nnlib_artists"]["labels"]:
            drawn.append(text.get_text())
        return real_draw(text, renderer)

    monkeypatch.setattr(Text, "draw", draw)
    w.controls["top_k"].value = 3  # the tail's characters move to other bars
    w.controls["temperature"].value = 1.5
    drawn.clear()
    w.controls["top_k"].value = 5
    w.controls["temperature"].value = 0.3
    assert drawn == []  # every character was drawn once before, under some bar
    monkeypatch.undo()
    fresh = generation_explorer(model, VOCAB, prompt="ROMEO:\n", length=20, top_k=5,
                                temperature=0.3)
    assert w.to_png() == fresh.to_png()
