"""Widget and figures for notebook 12 (Transformer).

* ``generation_explorer(model, vocab)``: a prompt box and sliders for the temperature, top-k,
  the length and the random seed. It draws the probabilities of the next character after the
  prompt (as sampling sees them: divided by the temperature, cut to the top k) and the
  generated text under them. The model is passed in, so any trained ``GPT`` works.
* ``draw_block_diagram``: one pre-norm Transformer block and the GPT around it.
* ``draw_attention_masks``: who may attend to whom in an encoder, a decoder and
  encoder-decoder cross-attention.
"""

from __future__ import annotations

import re
import time

import matplotlib.text as mtext
import numpy as np
import torch
from ipywidgets import Text
from matplotlib.transforms import ScaledTranslation

from nnlib._checks import check_figure, check_float, check_int, check_optional_int
from nnlib.models.generation import _attend_with_cache, _sample_next, generate_with_kv_cache
from nnlib.train.core import unwrap
from nnlib.train.lm import generate_text
from nnlib.widgets._frame import StampedText
from nnlib.widgets.core import InteractiveFigure, slider
from nnlib.widgets.recurrent import (
    _arrow,
    _box,
    _check_model_vocab_prompt,
    _diagram_axes,
    _node,
    _printable,
)

__all__ = ["draw_attention_masks", "draw_block_diagram",
           "generation_explorer", "sampling_distribution"]


def sampling_distribution(model, vocab, prompt: str, temperature: float,
                          top_k: int | None) -> np.ndarray:
    """(vocab_size,) probabilities of the next token after ``prompt``, as ``generate`` samples
    them: logits / temperature, only the ``top_k`` largest kept (temperature 0: the argmax)."""
    where = "sampling_distribution"
    _check_model_vocab_prompt(model, vocab, prompt, where)
    temperature = check_float(temperature, "temperature", minimum=0, where=where)
    top_k = check_optional_int(top_k, "top_k", minimum=1, where=where)
    block_size = model.config.block_size
    device = next(model.parameters()).device
    ids = torch.from_numpy(vocab.encode(prompt)[-block_size:])[None].to(device)   # (1, T)
    was_training = model.training
    model.eval()
    with torch.no_grad():
        logits, _ = model(ids)
    model.train(was_training)
    scores = logits[0, -1].double().cpu()                                        # (vocab,)
    if temperature <= 0:
        probs = torch.zeros_like(scores)
        probs[scores.argmax()] = 1.0
        return probs.numpy()
    scores = scores / temperature
    if top_k is not None and top_k < len(scores):
        kth = torch.topk(scores, top_k).values[-1]
        scores = scores.masked_fill(scores < kth, float("-inf"))
    return torch.softmax(scores, dim=-1).numpy()


LINE_WIDTH, MAX_LINES = 72, 14  # the sample's lines: characters per line, lines shown


def _wrap_lines(text: str, width: int = LINE_WIDTH, max_lines: int = MAX_LINES) -> list[str]:
    """``text`` cut into lines of at most ``width`` characters at word boundaries (a word
    longer than a line is broken); at most ``max_lines`` lines, then a line "…".

    A line break only replaces a newline of the text or falls after the spaces that end a
    word (they stay, invisible, at the end of the line), so joining each paragraph's lines
    gives the text back. A prefix of a text gets the same lines except its last one or two
    (only the last word can move): a sample that grows keeps the lines drawn so far."""
    lines = []
    for paragraph in text.split("\n"):
        line = ""
        for word in re.findall(r"\S+\s*|\s+", paragraph):   # a word and its spaces
            if line and len(line) + len(word.rstrip()) > width:
                lines.append(line)
                line = ""
            while len(word.rstrip()) > width:   # longer than a line: broken, a line a piece
                lines.append(word[:width])
                word = word[width:]
            line += word
        lines.append(line)
    return lines[:max_lines] + (["…"] if len(lines) > max_lines else [])


def _wrap(text: str, width: int = LINE_WIDTH, max_lines: int = MAX_LINES) -> str:
    """:func:`_wrap_lines` as one string."""
    return "\n".join(_wrap_lines(text, width, max_lines))


def _draw_generation(fig, prompt: str, temperature: float, top_k: int, length: int, seed: int,
                    *, model, vocab, bars: int = 20) -> str:
    """Next-token probabilities (top ``bars``) above, the prompt and a sample below.

    ``top_k`` = 0 means no cut. Returns a one-line status; a prompt with characters outside the
    vocabulary gives a status saying so, never an exception.
    """
    unknown = sorted(set(prompt) - set(vocab.chars))
    if unknown:
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.5, "The prompt has characters the model never saw:\n"
                + " ".join(repr(c) for c in unknown), ha="center", va="center", fontsize=12,
                parse_math=False)
        return f"remove {unknown} from the prompt: the vocabulary has no id for them"
    note = ""
    if not prompt:
        prompt, note = "\n", " (empty prompt: started from a newline)"
    k = None if top_k <= 0 else int(top_k)
    probs = sampling_distribution(model, vocab, prompt, temperature, k)
    sample = generate_text(model, vocab, prompt, int(length), temperature=float(temperature),
                           top_k=k, seed=int(seed))

    ax_bar, ax_text = fig.subplots(2, 1, height_ratios=[1, 1.5])
    order = np.argsort(-probs, kind="stable")[:bars]
    ax_bar.bar(np.arange(len(order)), probs[order], color="tab:blue")
    ax_bar.set_xticks(np.arange(len(order)), [_printable(vocab.chars[i]) for i in order],
                      fontsize=11)
    ax_bar.set(ylim=(0, 1), ylabel="probability")
    cut = "all tokens" if k is None else f"top-{k}"
    ax_bar.set_title(f"Next character after “…{prompt[-20:].replace(chr(10), '⏎')}”: "
                     f"temperature {temperature:g}, {cut}", fontsize=11, parse_math=False)
    ax_text.set_axis_off()
    ax_text.text(0.0, 1.0, _wrap(prompt + sample), family="monospace", fontsize=9.5,
                 va="top", ha="left", transform=ax_text.transAxes, parse_math=False)
    ax_text.set_title(f"prompt + {len(sample)} sampled characters (seed {seed})", fontsize=10,
                      loc="left")
    kept = int(np.count_nonzero(probs))
    entropy = max(0.0, float(-np.sum(probs[probs > 0] * np.log(probs[probs > 0]))))
    return (f"temperature {temperature:g}, {cut}: {kept} possible next characters, "
            f"entropy {entropy:.2f} nats{note}")


class _LiveSampler:
    """The widget's drawing: bars and an empty sample first ("sampling…"), then the sample
    growing in chunks. Samples are kept per (prompt, temperature, top-k, seed) and extended
    when the length grows (sampling is sequential: a longer sample starts with the shorter
    one), so moving the length slider down, or back up, samples nothing new."""

    CHUNK = 25  # characters sampled between two looks at the clock
    PUBLISH_EVERY = 0.75  # seconds between two pictures while sampling
    STAMPS = 96  # remembered text pixels (about three pictures' worth)

    def __init__(self, model, vocab, bars: int = 20):
        self.model, self.vocab, self.bars = model, vocab, bars
        self.superseded = lambda: False  # the widget's: a newer change waits to be drawn
        self.samples: dict = {}        # (prompt, temperature, k, seed) -> (ids, generator)
        self.distributions: dict = {}  # (prompt, temperature, k) -> probabilities

    def _build(self, fig) -> dict:
        fig.clear()
        ax_bar, ax_text = fig.subplots(2, 1, height_ratios=[1, 1.5])
        n = min(self.bars, len(self.vocab.chars))
        # every text that comes back (a bar's character, the title, a line of the sample
        # that is still there after a length change) pastes its remembered pixels
        # (StampedText); texts are the dear part of a picture. None is read as mathtext: a
        # sample may hold two "$".
        stamps: dict = {}
        art = {"axes": list(fig.axes), "ax_bar": ax_bar, "ax_text": ax_text, "stamps": stamps,
               "bars": list(ax_bar.bar(np.arange(n), np.zeros(n), color="tab:blue"))}
        ax_bar.set(ylim=(0, 1), xlim=(-0.6, n - 0.4), ylabel="probability")
        # the characters under the bars are texts drawn with the picture (invisible tick
        # labels keep their room): new characters draw no axis
        ax_bar.set_xticks(np.arange(n), ["M"] * n, fontsize=11)
        ax_bar.tick_params(axis="x", labelcolor="none")
        pad = (ax_bar.xaxis.get_major_ticks()[0].get_pad() + 3.5) / 72
        below = ax_bar.get_xaxis_transform() + ScaledTranslation(0, -pad, fig.dpi_scale_trans)

        def text(ax, x, y, size, transform, **kwargs):
            label = StampedText(x, y, "", stamps=stamps, transform=transform, fontsize=size,
                                parse_math=False, **kwargs)
            ax._add_text(label)
            return label

        # a bar's character: pasted at whichever bar it comes back to (_MovableText)
        tiles: dict = {}
        art["labels"] = [_MovableText(i, 0, "", tiles=tiles, transform=below, fontsize=11,
                                      ha="center", va="top", parse_math=False)
                         for i in range(n)]
        for label in art["labels"]:
            ax_bar._add_text(label)
        # the two titles: invisible placeholders keep their room in the layout, texts at
        # the same places are drawn with every picture (not kept in the background, where
        # the first picture's "sampling…" would stay)
        ax_bar.set_title("Mg", fontsize=11, color="none")
        ax_text.set_title("Mg", fontsize=10, loc="left", color="none")
        art["title"] = text(ax_bar, 0.5, 1.0, 11, ax_bar.title.get_transform(), ha="center",
                            va="baseline")
        ax_text.set_axis_off()
        # the sample: one text per line at fixed places, so a line that stays is pasted
        probe = ax_text.text(0, 1, "M\nM", family="monospace", fontsize=9.5, va="top",
                             transform=ax_text.transAxes)
        y0, y1 = _first_two_line_offsets(probe, fig.canvas.get_renderer())
        probe.remove()
        art["lines"] = [text(ax_text, 0.0, 1.0, 9.5, ax_text.transAxes + ScaledTranslation(
            0, (y0 + i * (y1 - y0)) / fig.dpi, fig.dpi_scale_trans), family="monospace",
            ha="left", va="baseline") for i in range(MAX_LINES + 1)]
        art["heading"] = text(ax_text, 0.0, 1.0, 10, ax_text._left_title.get_transform(),
                              ha="left", va="baseline")
        art["unknown"] = fig.text(0.5, 0.5, "", ha="center", va="center", fontsize=12,
                                  visible=False, parse_math=False)
        # (drawn in this order: a line's remembered pixels include the text above it)
        art["shown"] = [*art["bars"], *art["lines"], *art["labels"], art["title"],
                        art["heading"]]
        art["animated"] = [*art["shown"], art["unknown"]]
        return art

    def _sample(self, prompt, temperature, k, seed, length, first=False):
        """The first ``length`` sampled ids, sampling at most CHUNK more per call (none on
        the ``first`` call of a redraw that has fewer: its picture comes at once)."""
        key = (prompt, float(temperature), k, int(seed))
        if key not in self.samples:
            if len(self.samples) > 64:
                self.samples.pop(next(iter(self.samples)))
            ids = torch.as_tensor(self.vocab.encode(prompt), dtype=torch.long)[None]
            ids = ids.to(next(self.model.parameters()).device)
            self.samples[key] = (ids, torch.Generator().manual_seed(int(seed)), ids.shape[1])
        ids, generator, start = self.samples[key]
        have = ids.shape[1] - start
        if have < length and not first:
            more = min(self.CHUNK, length - have)
            ids = _extend(unwrap(self.model), ids, more, float(temperature), k, generator)
            self.samples[key] = (ids, generator, start)
        return ids[0, start:start + length].cpu().numpy()

    def draw(self, fig, prompt, temperature, top_k, length, seed):
        art = fig.__dict__.get("_nnlib_artists")
        if art is None or art["axes"] != fig.axes:
            art = fig.__dict__["_nnlib_artists"] = self._build(fig)
        while len(art["stamps"]) > self.STAMPS:  # the oldest remembered texts go first
            art["stamps"].pop(next(iter(art["stamps"])))
        ax_bar, ax_text = art["ax_bar"], art["ax_text"]
        unknown = sorted(set(prompt) - set(self.vocab.chars))
        for artist in [ax_bar, ax_text, *art["shown"]]:
            artist.set_visible(not unknown)
        art["unknown"].set_visible(bool(unknown))
        if unknown:
            art["unknown"].set_text("The prompt has characters the model never saw:\n"
                                    + " ".join(repr(c) for c in unknown))
            art["static_key"] = "unknown"
            yield f"remove {unknown} from the prompt: the vocabulary has no id for them"
            return
        note = ""
        if not prompt:
            prompt, note = "\n", " (empty prompt: started from a newline)"
        k = None if top_k <= 0 else int(top_k)
        block = self.model.config.block_size
        key = (prompt[-block:], float(temperature), k)
        if key not in self.distributions:
            if len(self.distributions) > 256:
                self.distributions.pop(next(iter(self.distributions)))
            self.distributions[key] = sampling_distribution(self.model, self.vocab, prompt,
                                                            temperature, k)
        probs = self.distributions[key]
        order = np.argsort(-probs, kind="stable")[:self.bars]
        for bar, p in zip(art["bars"], probs[order]):
            bar.set_height(p)
        for text, i in zip(art["labels"], order):
            text.set_text(_printable(self.vocab.chars[i]))
        art["static_key"] = None
        cut = "all tokens" if k is None else f"top-{k}"
        art["title"].set_text(f"Next character after “…{prompt[-20:].replace(chr(10), '⏎')}”: "
                              f"temperature {temperature:g}, {cut}")
        kept = int(np.count_nonzero(probs))
        entropy = max(0.0, float(-np.sum(probs[probs > 0] * np.log(probs[probs > 0]))))
        status = (f"temperature {temperature:g}, {cut}: {kept} possible next characters, "
                  f"entropy {entropy:.2f} nats{note}")
        length = int(length)
        published = None
        while True:
            ids = self._sample(prompt, temperature, k, seed, length,
                               first=published is None)
            sample = self.vocab.decode(ids)
            if len(ids) >= length:
                break
            if published is not None and self.superseded():
                return  # a newer setting waits: draw that one instead (this one is kept)
            # first feedback at once (the bars, with what is sampled so far), then a
            # picture every PUBLISH_EVERY seconds while the sample grows
            if published is None or time.perf_counter() - published >= self.PUBLISH_EVERY:
                self._show(art, prompt + sample + "…")
                art["heading"].set_text(f"prompt + {len(sample)} of {length} sampled "
                                        f"characters (seed {seed}): sampling…")
                yield f"sampling {length} characters… {len(sample)} so far"
                published = time.perf_counter()
        self._show(art, prompt + sample)
        art["heading"].set_text(f"prompt + {len(sample)} sampled characters (seed {seed})")
        yield status

    @staticmethod
    def _show(art, text: str) -> None:
        lines = _wrap_lines(text)
        for i, artist in enumerate(art["lines"]):
            artist.set_text(lines[i] if i < len(lines) else "")


def _first_two_line_offsets(text, renderer) -> tuple[float, float]:
    """The y offsets (pixels) of the first two lines in ``text``'s layout. ``Text._get_layout``
    is private and its items changed shape: ``(line, (w, h), x, y)`` in matplotlib 3.7,
    ``(line, (w, h, d), (x, y))`` in later versions; both are read here."""
    offsets = []
    for item in text._get_layout(renderer)[1][:2]:
        last = item[-1]
        offsets.append(float(last[1]) if np.ndim(last) == 1 else float(last))
    return offsets[0], offsets[1]


class _MovableText(mtext.Text):
    """A one-line text whose pixels, once drawn, are pasted wherever it is drawn again at the
    same fraction of a pixel over the same background (a bar's character moving to another
    bar: the widget snaps them to whole pixels). Like :class:`StampedText`, the pixels under
    it are compared with those it was first drawn over; anything else is drawn as usual."""

    def __init__(self, *args, tiles: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self._tiles = tiles

    def draw(self, renderer):
        text = self.get_text()
        if (not self.get_visible() or not text or "\n" in text or self.get_rotation() != 0
                or self.get_verticalalignment() != "top"
                or self.get_horizontalalignment() != "center"
                or not hasattr(renderer, "buffer_rgba")):  # a centred line hanging down
            return super().draw(renderer)
        pixels = np.asarray(renderer.buffer_rgba())
        to_pixels = self.get_transform()
        position = self.get_position()
        x, y = to_pixels.transform(self.get_unitless_position())
        # drawn on a whole pixel across (at most half a pixel off), so that its pixels fit
        # under any bar
        self.set_position(to_pixels.inverted().transform((round(x), y)))
        try:
            self._paste_or_draw(renderer, pixels, round(x), y)
        finally:
            self.set_position(position)
            self.stale = False
        return None

    def _paste_or_draw(self, renderer, pixels, col: int, y: float) -> None:
        text = self.get_text()
        row = int(np.floor(pixels.shape[0] - y))
        key = (text, round(64 * (y - np.floor(y))), hash(self.get_fontproperties()),
               str(self.get_color()), self.get_fontsize())
        # a box surely holding the text (va="top"), and nothing of the bars' tick marks
        # above it or of the next bar's character: as wide as its characters at their
        # widest, and as high as 1.6 times the font size in pixels
        size = renderer.points_to_pixels(self.get_fontsize())
        half_w = int(0.5 * len(text) * size) + 3
        rows = slice(row - 2, row + int(1.6 * size) + 1)
        cols = slice(col - half_w, col + half_w + 1)
        if (rows.start < 0 or cols.start < 0 or rows.stop > pixels.shape[0]
                or cols.stop > pixels.shape[1]):
            super().draw(renderer)  # near an edge: drawn as usual
            return
        tile = self._tiles.get(key)
        if tile is not None and np.array_equal(pixels[rows, cols], tile[0]):
            pixels[rows, cols] = tile[1]
            return
        before = pixels[rows, cols].copy()
        super().draw(renderer)
        if len(self._tiles) > 256:
            self._tiles.pop(next(iter(self._tiles)))
        self._tiles[key] = (before, pixels[rows, cols].copy())


def generation_explorer(model, vocab, prompt: str = "ROMEO:\n", temperature: float = 0.8,
                        top_k: int = 0, length: int = 200, seed: int = 0) -> InteractiveFigure:
    """Type a prompt and move the sliders to sample text from ``model`` (a trained GPT).

    The next-character bars and "sampling…" show at once; the sample follows (a picture every
    0.75 s while it grows)."""
    where = "generation_explorer"
    if not isinstance(prompt, str):
        raise TypeError(f"{where}: prompt must be a string, got {prompt!r}")
    controls = {
        "prompt": Text(value=prompt, description="prompt", continuous_update=False),
        "temperature": slider("temperature", temperature, 0.0, 2.0, 0.05, arg="temperature",
                              where=where),
        "top_k": slider("top-k (0 = off)", top_k, 0, len(vocab), 1, integer=True, arg="top_k",
                        where=where),
        "length": slider("length", length, 20, 600, 20, integer=True, arg="length",
                         where=where),
        "seed": slider("seed", seed, 0, 50, 1, integer=True, arg="seed", where=where),
    }
    sampler = _LiveSampler(model, vocab)
    widget = InteractiveFigure(sampler.draw, controls, figsize=(8, 6.5), reuse=True,
                               title="Sampling from the GPT")
    sampler.superseded = lambda: widget.superseded
    return widget


def _extend(model, ids: torch.Tensor, n: int, temperature: float, top_k: int | None,
            generator: torch.Generator) -> torch.Tensor:
    """``ids`` (1, T) and ``n`` more sampled tokens: the tokens ``model.generate`` draws with
    this generator, faster: with a KV cache while the text fits in ``block_size`` (each new
    token costs one position's work), then as ``generate`` (the window slides, and with
    absolute positions every cached key would change)."""
    block = model.config.block_size
    fits = max(0, min(n, block - ids.shape[1]))
    if fits:
        ids = generate_with_kv_cache(model, ids, fits, temperature, top_k, generator=generator)
    was_training = model.training
    model.eval()
    for _ in range(n - fits):
        logits = _last_logits(model, ids[:, -block:])                         # (1, vocab)
        next_id = _sample_next(logits, temperature, top_k, None, generator)   # (1, 1)
        ids = torch.cat([ids, next_id.to(ids.device)], dim=1)
    model.train(was_training)
    return ids


@torch.no_grad()
def _last_logits(model, context: torch.Tensor) -> torch.Tensor:
    """The logits ``model(context)`` gives at the last position (1, vocab), with less work:
    the last block's attention output, MLP and the head only for that position (the earlier
    blocks must run on every position: the last block attends to all of them)."""
    tr = model.transformer
    T = context.shape[1]
    x = tr.wte(context) + tr.wpe(torch.arange(T, device=context.device))  # (1, T, C)
    *blocks, last = tr.h
    for block in blocks:
        x = block(x)                                                       # (1, T, C)
    C, H = x.shape[-1], last.attn.n_head
    _, k, v = last.attn.c_attn(last.ln_1(x[:, :-1])).split(C, dim=2)       # (1, T-1, C) each
    cache = [z.view(1, T - 1, H, C // H).transpose(1, 2) for z in (k, v)]  # (1, H, T-1, D)
    x, _ = _attend_with_cache(last, x[:, -1:], cache)                      # (1, 1, C)
    return model.lm_head(tr.ln_f(x))[:, -1]                                # (1, vocab)


# -- static figures -----------------------------------------------------------------------------
def draw_block_diagram(fig=None):
    """A pre-norm block on the residual stream (top) and the whole GPT as one line (bottom)."""
    from matplotlib.figure import Figure

    check_figure(fig, where="draw_block_diagram")
    fig = fig or Figure(figsize=(10, 3.4))
    ax = _diagram_axes(fig, (-1.0, 15.6), (-2.0, 2.45))
    stream = "tab:red"
    ax.text(-0.9, 0.0, "x\n(B, T, C)", fontsize=11, va="center", ha="left")
    _arrow(ax, (0.4, 0.0), (6.95, 0.0), color=stream, lw=2.5)
    _node(ax, 7.2, 0.0, "+")
    _arrow(ax, (7.45, 0.0), (13.45, 0.0), color=stream, lw=2.5)
    _node(ax, 13.7, 0.0, "+")
    _arrow(ax, (13.95, 0.0), (14.5, 0.0), color=stream, lw=2.5)
    ax.text(14.55, 0.0, "x\n(B, T, C)", fontsize=11, va="center", ha="left")
    ax.text(3.6, -0.45, "residual stream: each sub-block adds to it", color=stream,
            fontsize=10, ha="center")
    for start, ln, body, plus, color in [(1.0, "ln_1", "causal self-\nattention, H heads", 7.2,
                                          "#dbe9f6"),
                                         (8.0, "ln_2", "MLP: Linear C→4C,\nGELU, Linear 4C→C",
                                          13.7, "#e2f0d9")]:
        _arrow(ax, (start, 0.0), (start, 1.5), head=False)
        _arrow(ax, (start, 1.5), (start + 0.35, 1.5))
        _box(ax, start + 1.15, 1.5, f"LayerNorm\n{ln}", color="#eeeeee", w=1.45, h=0.85,
             fontsize=10)
        _arrow(ax, (start + 1.95, 1.5), (start + 2.35, 1.5))
        _box(ax, start + 3.8, 1.5, body, color=color, w=2.75, h=0.85, fontsize=10)
        _arrow(ax, (start + 5.25, 1.5), (plus, 1.5), head=False)
        _arrow(ax, (plus, 1.5), (plus, 0.25))
    ax.text(7.2, -1.45, "GPT:  token ids (B, T) → wte + wpe → [block] × n_layer → ln_f → "
            "lm_head (tied to wte) → logits (B, T, vocab)", fontsize=10.5, ha="center",
            bbox={"facecolor": "#fff8e6", "edgecolor": "0.6", "boxstyle": "round,pad=0.4"})
    ax.set_title("A pre-norm Transformer block:  x ← x + attn(ln_1(x));  "
                 "x ← x + mlp(ln_2(x))", fontsize=12)
    return fig


def draw_attention_masks(fig=None, source_len: int = 6, target_len: int = 5, padding: int = 2):
    """Three masks (allowed = blue): an encoder with padding, a decoder, cross-attention."""
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure

    where = "draw_attention_masks"
    check_figure(fig, where=where)
    source_len = check_int(source_len, "source_len", minimum=1, maximum=40, where=where)
    target_len = check_int(target_len, "target_len", minimum=1, maximum=40, where=where)
    padding = check_int(padding, "padding", minimum=0, maximum=source_len - 1, where=where,
                        hint="padding < source_len keeps at least one real source token")
    fig = fig or Figure(figsize=(11, 4.2), layout="compressed")
    real = np.arange(source_len) < source_len - padding
    encoder = np.tile(real, (source_len, 1))                              # keys must be real
    decoder = np.tril(np.ones((target_len, target_len), dtype=bool))      # keys j <= query i
    cross = np.tile(real, (target_len, 1))                                # every real source
    panels = [
        (encoder, "Encoder self-attention (BERT)\nall real tokens; padding hidden",
         "source position (key)", "source position (query)"),
        (decoder, "Decoder self-attention (GPT)\ncausal: only the past",
         "target position (key)", "target position (query)"),
        (cross, "Cross-attention (encoder–decoder)\ntarget looks at the whole source",
         "source position (key)", "target position (query)"),
    ]
    cmap = ListedColormap(["#e6e6e6", "tab:blue"])
    for ax, (mask, title, xlabel, ylabel) in zip(fig.subplots(1, 3), panels):
        ax.imshow(mask, cmap=cmap, vmin=0, vmax=1)
        ax.set_xticks(np.arange(mask.shape[1]))
        ax.set_yticks(np.arange(mask.shape[0]))
        if mask is not decoder:
            ax.set_xticklabels([str(i) if r else "pad" for i, r in enumerate(real)])
        ax.set_xticks(np.arange(mask.shape[1] + 1) - 0.5, minor=True)
        ax.set_yticks(np.arange(mask.shape[0] + 1) - 0.5, minor=True)
        ax.grid(which="minor", color="white", lw=2)
        ax.tick_params(which="minor", length=0)
        ax.set_title(title, fontsize=11)
        ax.set(xlabel=xlabel, ylabel=ylabel)
    return fig
