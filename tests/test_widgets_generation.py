"""Notebook 12 widget: every control redraws; odd prompts and extreme settings give a status."""

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from nnlib.data import CharVocab
from nnlib.models.gpt import GPT, GPTConfig
from nnlib.train.lm import generate_text
from nnlib.widgets.generation import _draw_generation, generation_explorer, sampling_distribution

VOCAB = CharVocab("ROMEO:\n abcdefghijklmnopqrstuvwxyz,.")


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
    assert art["text"].get_text().replace("\n", "") == (
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
    assert art["text"].get_text().replace("\n", "") == (
        "ROMEO:\n" + generate_text(model, VOCAB, "ROMEO:\n", 60, temperature=0.8, seed=9)
    ).replace("\n", "")
