"""Widgets for notebook 10 (recurrent networks).

* ``gradient_flow_explorer``: ‖dL/dh_t‖ through time in a random RNN as you change the
  spectral radius of its recurrent weights, the sequence length and the input scale
  (the measurement of ``nnlib.scratch.recurrent.hidden_gradient_norms``, with the four
  radii of a picture run as one batch).
* ``temperature_explorer``: a trained character model's next-character distribution and a
  sampled continuation as you change the sampling temperature.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from nnlib._checks import check_array, check_figure, check_float, check_instance, check_int
from nnlib.scratch.recurrent import RNN, with_spectral_radius
from nnlib.widgets._frame import MovingFrame, StampedText
from nnlib.widgets.core import InteractiveFigure, _decade_limits, dropdown, slider

REFERENCE_RADII = {0.5: "tab:blue", 1.0: "tab:green", 1.5: "tab:red"}  # as in the notebook
_HUGE = 1e300  # where an overflowed norm (inf or NaN) is drawn


def _check_model_vocab_prompt(model, vocab, prompt, where: str) -> None:
    """The checks the next-token helpers share (issue 16): a torch model, a vocabulary with
    ``encode``, a non-empty prompt string."""
    import torch

    check_instance(model, "model", torch.nn.Module, "a trained torch model", where=where)
    if isinstance(vocab, (str, bytes)) or not callable(getattr(vocab, "encode", None)):
        raise TypeError(f"{where}: vocab must be a vocabulary with an encode method (e.g. a "
                        f"CharVocab), got {vocab!r:.60}")
    check_instance(prompt, "prompt", str, "a str", where=where)
    if not prompt:
        raise ValueError(f"{where}: prompt must hold at least one character, got ''")
    try:
        vocab.encode(prompt)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: prompt {prompt!r:.60} cannot be encoded: {exc}") from None


def describe_gradient_flow(norms: np.ndarray) -> str:
    """One line saying whether the gradient reaching the first step vanished or exploded."""
    norms = check_array(norms, "norms", ndim=1, allow_empty=False, finite=False,
                        where="describe_gradient_flow", shape_text="(T,)")
    first = float(norms[0])
    if not np.all(np.isfinite(norms)):
        return "exploded: the gradient overflowed float64 (inf or NaN)"
    if first == 0.0:
        return "vanished: the gradient's norm at step 1 underflowed to exactly 0 in float64"
    # the bands of notebook 10's prose: radius 1.1 (about 0.3x) keeps the gradient, radius 1
    # (about 1e-2x, tanh saturates) fades, radius 1.5 (about 50x) explodes
    if first < 1e-6:
        verdict = "vanished"
    elif first < 0.1:
        verdict = "fading (below 1/10 of the last step's)"
    elif first <= 10.0:
        verdict = "roughly preserved (within 10x of the last step's)"
    elif first <= 1e6:
        verdict = "exploding (over 10x the last step's)"
    else:
        verdict = "exploded"
    return f"{verdict}: ‖dL/dh_1‖ / ‖dL/dh_T‖ = {first:.1e}"


@lru_cache(maxsize=64)
def _flow_setup(seq_len: int, nonlinearity: str, input_scale: float) -> tuple:
    """The random RNN, inputs and loss weights of ``hidden_gradient_norms`` (default sizes and
    seed), drawn in the same order; W_h is returned at spectral radius 1."""
    rng = np.random.default_rng(0)
    hidden_size, batch_size = 32, 16
    rnn = RNN(1, hidden_size, nonlinearity=nonlinearity, rng=rng, dtype=np.float64)
    W = rng.standard_normal((hidden_size, hidden_size)) / math.sqrt(hidden_size)
    x = input_scale * rng.standard_normal((batch_size, seq_len, 1))
    G = rng.standard_normal((batch_size, hidden_size)) / batch_size
    return rnn.weight_x.data, rnn.bias.data, W, x, G


def _flow_norms_batch(radii, seq_len: int, nonlinearity: str,
                      input_scale: float) -> np.ndarray:
    """``hidden_gradient_norms(r, seq_len, ...)`` for every r in ``radii`` at once: one
    forward and one backward pass through time with the radii stacked, (R, N, H), instead of
    one run per radius. Returns (R, seq_len)."""
    W_x, b, W, x, G = _flow_setup(seq_len, nonlinearity, input_scale)
    W_h = np.stack([with_spectral_radius(W, r) for r in radii])         # (R, H, H)
    W_hT = W_h.transpose(0, 2, 1)
    R, (N, H) = len(radii), G.shape
    h = np.zeros((R, N, H))
    hs = np.empty((seq_len, R, N, H))
    xw = x @ W_x                                                        # (N, T, H)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for t in range(seq_len):                                        # forward
            z = xw[:, t] + h @ W_h + b                                   # (R, N, H)
            h = hs[t] = np.tanh(z) if nonlinearity == "tanh" else np.maximum(z, 0.0)
        sq = np.empty((R, seq_len))
        dh = np.broadcast_to(G, (R, N, H))
        for t in reversed(range(seq_len)):                              # backward
            sq[:, t] = np.sum(dh * dh, axis=(1, 2))                      # ‖dL/dh_t‖²
            h = hs[t]
            dz = dh * (1.0 - h * h) if nonlinearity == "tanh" else dh * (h > 0)
            dh = dz @ W_hT                                               # to h_{t-1}
        norms = np.sqrt(sq)
        return norms / norms[:, -1:]


class _FlowCache:
    """Norms by (radius, seq_len, nonlinearity, input_scale); the missing ones of a redraw
    are computed together in one batched run."""

    def __init__(self, size: int = 1024):
        self.size, self.store = size, {}

    def get(self, radii, seq_len: int, nonlinearity: str, input_scale: float) -> list:
        keys = [(float(r), seq_len, nonlinearity, float(input_scale)) for r in radii]
        missing = sorted({k[0] for k in keys if k not in self.store})
        if missing:
            rows = _flow_norms_batch(missing, seq_len, nonlinearity, float(input_scale))
            for r, row in zip(missing, rows):
                row.setflags(write=False)
                if len(self.store) >= self.size:
                    self.store.pop(next(iter(self.store)))
                self.store[(r, seq_len, nonlinearity, float(input_scale))] = row
        return [self.store[k] for k in keys]


_FLOWS = _FlowCache()


def _flow_norms(radius: float, seq_len: int, nonlinearity: str,
                input_scale: float) -> np.ndarray:
    return _FLOWS.get([radius], seq_len, nonlinearity, input_scale)[0]


def _draw_gradient_flow(fig, radius: float, seq_len: int, input_scale: float,
                       nonlinearity: str) -> str:
    """‖dL/dh_t‖ (relative to the last step) against t, log scale; references dashed.

    On a figure it drew before only the curves, ticks and title are updated (what the widget
    does on every change): the axes is a :class:`MovingFrame`, so new limits (the y axis
    spans whole decades) do not draw it again. The legend, right of the plot, never changes:
    your radius is in the title."""
    art = fig.__dict__.get("_nnlib_artists")
    if art is None or art["axes"] != fig.axes:
        # the legend has an axes of its own, right of the plot, drawn once
        ax, ax_legend = fig.subplots(1, 2, width_ratios=(5, 1))
        ax_legend.set_axis_off()
        frame = MovingFrame(ax, ylog=True, x_integer=True)  # time steps are whole
        refs = {ref: ax.plot([], [], color=color, alpha=0.6, lw=1.2, ls="--",
                             label=f"radius {ref:g}")[0]
                for ref, color in REFERENCE_RADII.items()}
        yours, = ax.plot([], [], color="black", lw=2.5, label="yours")
        one, = ax.plot([0, 1], [0, 0], color="black", lw=0.8)  # ‖dL/dh_T‖ itself
        # where your norm underflowed to exactly 0 (no point on a log axis): the curve stops,
        # a dotted black line lies on the bottom edge over those steps, with a label
        zero, = ax.plot([], [], color="black", lw=2.5, ls=(0, (1, 1.5)), clip_on=False,
                        zorder=3)
        zero_note = ax.text(0, 0.03, "", va="bottom", fontsize=9, zorder=4, visible=False,
                            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8,
                                  "pad": 1.5})
        for artist in (zero, zero_note):
            artist.set_in_layout(False)  # the layout, found once, must not depend on them
        ax.set(xlabel="time step t  (the loss reads h_T at the right end)",
               ylabel="‖dL/dh_t‖ / ‖dL/dh_T‖")
        legend = ax_legend.legend(*ax.get_legend_handles_labels(), loc="upper left",
                                  borderaxespad=0, fontsize=9)
        art = fig.__dict__["_nnlib_artists"] = {"axes": list(fig.axes), "ax": ax,
                                                "frame": frame, "refs": refs,
                                                "yours": yours, "one": one,
                                                "zero": zero, "zero_note": zero_note,
                                                "legend": legend}
        art["animated"] = [*frame.artists, one, *refs.values(), yours, zero, zero_note,
                           ax.title]
    ax, frame = art["ax"], art["frame"]
    radius, seq_len, input_scale = float(radius), int(seq_len), float(input_scale)
    *ref_norms, norms = _FLOWS.get([*art["refs"], radius], seq_len, nonlinearity, input_scale)
    # a norm of exactly 0 (float64 underflow) is not drawn: frame.y maps it to NaN, a gap,
    # and the limits leave it out; inf/NaN (overflow) is drawn at the top, _HUGE
    shown_all = [np.clip(np.nan_to_num(curve, nan=_HUGE, posinf=_HUGE), 0.0, _HUGE)
                 for curve in [*ref_norms, norms]]
    everything = np.concatenate(shown_all)
    ylim = _decade_limits(everything, include=(1.0,))
    if np.any(norms == 0.0):
        ylim = _underflow_limits(everything, frame.yticks - 1)
    frame.set_limits((1, seq_len), ylim)
    steps = frame.x(np.arange(1, seq_len + 1))
    for line, shown in zip([*art["refs"].values(), art["yours"]], shown_all):
        line.set_data(steps, frame.y(shown))  # a reference equal to yours lies under it
    art["one"].set_ydata(frame.y([1.0, 1.0]))
    _mark_underflow(art, frame, shown_all[-1])
    # short enough to stay inside the axes: the layout, made once, does not depend on it
    ax.set_title(f"Gradient through a {nonlinearity} RNN: radius {radius:g}, T = {seq_len}")
    return f"spectral radius {radius:g}, T = {seq_len}: " + describe_gradient_flow(norms)


def _underflow_limits(values: np.ndarray, intervals: int) -> tuple[float, float]:
    """y limits for a picture whose curve stops where it underflowed: about 15 % of the
    height left under its lowest point for the label, and a span of ``intervals`` times a
    round number of decades, so that the ticks fall on round exponents (1e-30, 1e-60...)."""
    logs = np.log10(values[values > 0])
    top = max(math.ceil(logs.max()), 0)
    needed = (top - logs.min()) / 0.85
    stride = next((n for n in (10, 20, 25, 30, 40, 50) if intervals * n >= needed),
                  math.ceil(needed / intervals))
    return 10.0 ** max(top - intervals * stride, -300), 10.0 ** top


def _mark_underflow(art: dict, frame: MovingFrame, norms: np.ndarray) -> None:
    """Mark the steps where ``norms`` (yours) is exactly 0 on the bottom edge and say why:
    the norm is the square root of a sum of squares, and squares below float64's smallest
    positive number (about 5e-324, a subnormal; so norms below about 1e-161) become 0. Going
    back in time, once 0 it stays 0."""
    zero, note = art["zero"], art["zero_note"]
    zeros = np.flatnonzero(norms == 0.0) + 1  # time steps t = 1..T
    if len(zeros) == 0:
        zero.set_data([], [])
        note.set_visible(False)
        return
    first, last = int(zeros.min()), int(zeros.max())
    x0, x1 = frame.x([first, last])
    zero.set_data([x0, max(x1, x0 + 0.004)], [0.0, 0.0])  # a single step: a short dash
    steps = f"t = {first}" if first == last else f"t ≤ {last}" if first == 1 else \
        f"t = {first}..{last}"
    note.set_text(f"‖dL/dh_t‖ = 0 for {steps}: float64 underflow (its square < 5e-324)")
    note.set_position((float(frame.x(first)) + 0.01, 0.03))
    note.set_visible(True)


def gradient_flow_explorer(radius: float = 1.0, seq_len: int = 50, input_scale: float = 1.0,
                           nonlinearity: str = "tanh") -> InteractiveFigure:
    """Move the spectral radius of W_h and watch the gradient vanish or explode."""
    where = "gradient_flow_explorer"
    controls = {
        "radius": slider("radius ρ(W_h)", radius, 0.1, 3.0, 0.05, arg="radius", where=where),
        "seq_len": slider("T", seq_len, 5, 300, 5, integer=True, arg="seq_len", where=where),
        "input_scale": slider("input scale", input_scale, 0.0, 5.0, 0.1, arg="input_scale",
                              where=where),
        "nonlinearity": dropdown("activation", ("tanh", "relu"), nonlinearity,
                                 arg="nonlinearity", where=where),
    }
    return InteractiveFigure(_draw_gradient_flow, controls, figsize=(7.5, 4), reuse=True,
                             title="Vanishing and exploding gradients")


# -- sampling temperature ----------------------------------------------------------------------
def next_char_probabilities(model, vocab, prompt: str, temperature: float) -> np.ndarray:
    """P(next character | prompt) at ``temperature`` (0: all mass on the most likely one)."""
    import torch

    _check_model_vocab_prompt(model, vocab, prompt, "next_char_probabilities")
    temperature = check_float(temperature, "temperature", minimum=0,
                              where="next_char_probabilities")
    ids = torch.from_numpy(vocab.encode(prompt))[None].to(model.head.weight.device)
    with torch.no_grad():
        logits, _ = model(ids)
    scores = logits[0, -1].double().cpu()
    if temperature <= 0:
        probs = torch.zeros_like(scores)
        probs[scores.argmax()] = 1.0
        return probs.numpy()
    return torch.softmax(scores / temperature, dim=-1).numpy()


def _bar_order(probs: np.ndarray, reference: np.ndarray, top: int) -> np.ndarray:
    """The ``top`` characters by probability, ties (the zeros at temperature 0 or far out in
    the tail) broken by ``reference``, the distribution at temperature 1: so the bars keep
    the order every temperature above 0 shows."""
    return np.lexsort((-reference, -probs))[:top]


def _printable(ch: str) -> str:
    return {"\n": "\\n", " ": "␣"}.get(ch, ch)


def _draw_temperature(fig, temperature: float, seed: int, *, model, vocab, prompt: str,
                     length: int, top: int = 15) -> str:
    """Top-``top`` next-character probabilities for ``prompt``; the status is a sample."""
    import torch

    probs = next_char_probabilities(model, vocab, prompt, temperature)
    order = _bar_order(probs, next_char_probabilities(model, vocab, prompt, 1.0), top)
    ax = fig.add_subplot()
    ax.bar(np.arange(len(order)), probs[order], color="tab:blue")
    ax.set_xticks(np.arange(len(order)), [_printable(vocab.chars[i]) for i in order],
                  fontsize=11)
    ax.set(ylim=(0, 1), ylabel="probability", title=_temperature_title(prompt, temperature))
    generator = torch.Generator().manual_seed(int(seed))
    sample = vocab.decode(model.generate(vocab.encode(prompt), length, temperature,
                                         generator=generator))
    return _temperature_status(probs, seed, prompt + sample)


def _temperature_title(prompt: str, temperature: float) -> str:
    return (f"Next character after “…{prompt[-20:].replace(chr(10), '⏎')}” at "
            f"temperature {temperature:g}")


def _temperature_status(probs, seed, text: str) -> str:
    entropy = float(-np.sum(probs[probs > 0] * np.log(probs[probs > 0])))
    entropy = max(0.0, entropy) + 0.0  # one-hot (temperature 0) gives -0.0: print 0.00
    return f"entropy {entropy:.2f} nats | sample (seed {seed}): " + text.replace("\n", " ⏎ ")


class _TemperatureView:
    """The widget's drawing: the bars at once (first feedback, "sampling…"), then the sample.

    Axes, bars and character labels are made once and updated (the labels are texts under
    the bars, so new characters need no new axis); distributions and samples are cached."""

    def __init__(self, model, vocab, prompt: str, length: int, top: int = 15):
        self.model, self.vocab, self.prompt, self.length = model, vocab, prompt, length
        self.top = min(top, len(vocab.chars))
        self.probs: dict = {}
        self.samples: dict = {}

    def _build(self, fig) -> dict:
        from matplotlib.transforms import blended_transform_factory

        ax = fig.add_subplot()
        n = self.top
        art = {"axes": list(fig.axes), "ax": ax,
               "bars": list(ax.bar(np.arange(n), np.zeros(n), color="tab:blue"))}
        ax.set_xticks(np.arange(n), [" "] * n, fontsize=11)  # room for the labels below
        ax.tick_params(axis="x", labelcolor="none")
        below = blended_transform_factory(ax.transData, ax.transAxes)
        # the characters come back at every redraw (a temperature keeps their order):
        # texts that paste their remembered pixels
        stamps: dict = {}
        art["labels"] = [StampedText(i, -0.02, "", stamps=stamps, transform=below,
                                     ha="center", va="top", fontsize=11) for i in range(n)]
        for label in art["labels"]:
            ax._add_text(label)
        ax.set(ylim=(0, 1), xlim=(-0.6, n - 0.4), ylabel="probability")
        ax.set_title(_temperature_title(self.prompt, 1.0))
        art["animated"] = [*art["bars"], *art["labels"], ax.title]
        return art

    def _probs(self, temperature: float) -> np.ndarray:
        key = float(temperature)
        if key not in self.probs:
            if len(self.probs) > 256:
                self.probs.pop(next(iter(self.probs)))
            self.probs[key] = next_char_probabilities(self.model, self.vocab, self.prompt,
                                                      temperature)
        return self.probs[key]

    def _sample(self, temperature: float, seed: int) -> str:
        import torch

        key = (float(temperature), int(seed))
        if key not in self.samples:
            if len(self.samples) > 128:
                self.samples.pop(next(iter(self.samples)))
            generator = torch.Generator().manual_seed(int(seed))
            prompt = self.vocab.encode(self.prompt)
            if _steps_by_cell(self.model):
                ids = _sample_lstm(self.model, prompt, self.length, temperature, generator)
            else:
                ids = self.model.generate(prompt, self.length, temperature, generator=generator)
            self.samples[key] = self.vocab.decode(ids)
        return self.samples[key]

    def draw(self, fig, temperature, seed):
        art = fig.__dict__.get("_nnlib_artists")
        if art is None or art["axes"] != fig.axes:
            art = fig.__dict__["_nnlib_artists"] = self._build(fig)
        probs = self._probs(temperature)
        order = _bar_order(probs, self._probs(1.0), self.top)
        for bar, label, i in zip(art["bars"], art["labels"], order):
            bar.set_height(probs[i])
            label.set_text(_printable(self.vocab.chars[i]))
        art["ax"].set_title(_temperature_title(self.prompt, temperature))
        if (float(temperature), int(seed)) not in self.samples:
            yield f"sampling {self.length} characters at temperature {temperature:g}…"
        sample = self._sample(temperature, seed)
        yield _temperature_status(probs, seed, self.prompt + sample)


def _steps_by_cell(model) -> bool:
    """True for a CharRNN whose recurrent layer is one plain LSTM layer on the CPU."""
    import torch

    rnn = getattr(model, "rnn", None)
    return (isinstance(rnn, torch.nn.LSTM) and rnn.num_layers == 1 and not rnn.bidirectional
            and rnn.bias and rnn.proj_size == 0 and rnn.weight_hh_l0.device.type == "cpu"
            and hasattr(model, "embed") and hasattr(model, "head"))


def _sample_lstm(model, prompt, length: int, temperature: float, generator) -> list[int]:
    """``model.generate`` for a one-layer LSTM CharRNN, about three times faster: the same
    sampling, each character's step computed by ``torch.lstm_cell`` on the model's weights
    instead of a call of the whole model (``nn.LSTM`` and its checks). The scores agree with
    ``generate``'s to the last bits of float32 only, so a character drawn at the exact edge
    between two could differ: tested to give the same texts."""
    import torch

    rnn = model.rnn
    weights = (rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            logits, (h, c) = model(torch.tensor([list(prompt)]))
            h, c, scores = h[0], c[0], logits[0, -1]                  # (1, H), (1, H), (V,)
            out = []
            for _ in range(length):
                if temperature == 0:
                    next_id = int(scores.float().argmax())
                else:
                    probs = torch.softmax(scores.float() / temperature, dim=-1)
                    next_id = int(torch.multinomial(probs, 1, generator=generator))
                out.append(next_id)
                x = model.embed.weight[next_id:next_id + 1]           # (1, embed_size)
                h, c = torch.lstm_cell(x, (h, c), *weights)
                scores = torch.nn.functional.linear(h, model.head.weight, model.head.bias)[0]
    finally:
        model.train(was_training)
    return out


def temperature_explorer(model, vocab, prompt: str = "ROMEO:\n", length: int = 120,
                         temperature: float = 1.0, seed: int = 0) -> InteractiveFigure:
    """A trained ``CharRNN``'s next-character distribution and a sample, by temperature."""
    where = "temperature_explorer"
    if not (callable(getattr(vocab, "encode", None)) and callable(getattr(vocab, "decode",
                                                                           None))):
        raise TypeError(f"{where}: vocab must have encode and decode (a CharVocab), got "
                        f"{type(vocab).__name__}")
    if not isinstance(prompt, str) or not prompt:
        raise TypeError(f"{where}: prompt must be a non-empty string, got {prompt!r}")
    length = check_int(length, "length", minimum=1, maximum=5000, where=where)
    vocab.encode(prompt)  # fail early, with the vocabulary's message, on unknown characters
    controls = {
        "temperature": slider("temperature", temperature, 0.0, 3.0, 0.05, arg="temperature",
                              where=where),
        "seed": slider("seed", seed, 0, 20, 1, integer=True, arg="seed", where=where),
    }

    view = _TemperatureView(model, vocab, prompt, length)
    return InteractiveFigure(view.draw, controls, figsize=(7.5, 3.2), reuse=True,
                             title="Sampling temperature")


# -- static diagrams (boxes and arrows) ----------------------------------------------------------
def _diagram_axes(fig, xlim, ylim):
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.92)
    ax = fig.add_subplot()
    ax.set(xlim=xlim, ylim=ylim, aspect="equal")
    ax.set_axis_off()
    return ax


def _box(ax, x, y, text, color="#dbe9f6", w=0.9, h=0.6, fontsize=12):
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.05",
                                facecolor=color, edgecolor="black", lw=1.2, zorder=3))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, zorder=4)


def _node(ax, x, y, symbol, r=0.25, color="#fff2cc"):
    from matplotlib.patches import Circle

    ax.add_patch(Circle((x, y), r, facecolor=color, edgecolor="black", lw=1.2, zorder=3))
    ax.text(x, y, symbol, ha="center", va="center", fontsize=13, zorder=4)


def _arrow(ax, start, end, color="black", lw=1.4, text=None, text_offset=(0.12, 0.0),
           fontsize=12, head=True):
    ax.annotate("", xy=end, xytext=start, zorder=2,
                arrowprops={"arrowstyle": "-|>" if head else "-", "color": color, "lw": lw,
                            "shrinkA": 0, "shrinkB": 0})
    if text:
        mid = ((start[0] + end[0]) / 2 + text_offset[0], (start[1] + end[1]) / 2 + text_offset[1])
        ax.text(*mid, text, fontsize=fontsize, color=color, ha="left", va="center")


def draw_unrolled_rnn(fig=None, steps: int = 4):
    """An RNN unrolled over ``steps`` time steps: the same W_x, W_h, b at every step."""
    from matplotlib.figure import Figure

    check_figure(fig, where="draw_unrolled_rnn")
    steps = check_int(steps, "steps", minimum=1, maximum=12, where="draw_unrolled_rnn")
    fig = fig or Figure(figsize=(8, 3.1))
    ax = _diagram_axes(fig, (-0.6, 2.2 * steps + 0.5), (-0.5, 3.4))
    _box(ax, 0.0, 1.5, "$h_0$", color="#eeeeee", w=0.7)
    for t in range(1, steps + 1):
        x = 2.2 * t - 0.4
        _box(ax, x, 0.0, f"$x_{t}$", color="#e2f0d9", w=0.7)
        _box(ax, x, 1.5, f"$h_{t}$\ntanh", w=0.9, h=0.75)
        _box(ax, x, 3.0, f"output $h_{t}$", color="#fbe5d6", w=1.5, h=0.45, fontsize=10)
        _arrow(ax, (x, 0.35), (x, 1.07), text="$W_x$")
        _arrow(ax, (x, 1.93), (x, 2.72))
        _arrow(ax, (x - 2.2 + 0.5 if t > 1 else 0.4, 1.5), (x - 0.5, 1.5), color="tab:red",
               text="$W_h$", text_offset=(-0.35, 0.22))
    ax.set_title("One cell, unrolled in time: the same $W_x$, $W_h$, $b$ at every step",
                 fontsize=12)
    return fig


def draw_lstm_cell(fig=None):
    """The LSTM cell: four gates and the additive cell-state path (gate order i, f, g, o)."""
    from matplotlib.figure import Figure

    check_figure(fig, where="draw_lstm_cell")
    fig = fig or Figure(figsize=(8, 5.1))
    ax = _diagram_axes(fig, (-0.3, 10.6), (-0.9, 6.0))
    highway = "tab:red"
    # the cell state: c_{t-1} -> (x f) -> (+ i*g) -> c_t
    ax.text(-0.2, 5.0, "$c_{t-1}$", fontsize=13, va="center", ha="left")
    _arrow(ax, (0.5, 5.0), (1.95, 5.0), color=highway, lw=2.5)
    _node(ax, 2.2, 5.0, "×")
    _arrow(ax, (2.45, 5.0), (4.25, 5.0), color=highway, lw=2.5)
    _node(ax, 4.5, 5.0, "+")
    _arrow(ax, (4.75, 5.0), (9.6, 5.0), color=highway, lw=2.5)
    ax.text(9.7, 5.0, "$c_t$", fontsize=13, va="center")
    ax.text(5.0, 5.45, "cell state: only × and +, no matrix, no squashing",
            color=highway, fontsize=11, ha="left")
    # inputs: [h_{t-1}, x_t] feed every gate
    ax.text(-0.2, 0.6, "$h_{t-1}$", fontsize=13, va="center", ha="left")
    _arrow(ax, (0.55, 0.6), (7.3, 0.6), head=False)
    ax.text(1.25, -0.75, "$x_t$", fontsize=13, ha="center")
    _arrow(ax, (1.25, -0.5), (1.25, 0.6), head=False)
    gates = [(2.2, "σ", "forget f"), (3.6, "σ", "input i"), (5.0, "tanh", "candidate g"),
             (6.6, "σ", "output o")]
    for x, fn, label in gates:
        _arrow(ax, (x, 0.6), (x, 1.65))
        _box(ax, x, 2.0, fn, color="#dbe9f6", w=0.95, h=0.65)
        ax.text(x, 1.35, label, fontsize=11, ha="center", va="top",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
    _arrow(ax, (2.2, 2.35), (2.2, 4.75), text="f")           # forget: scale the old memory
    _node(ax, 4.3, 3.5, "×")
    _arrow(ax, (3.6, 2.35), (4.1, 3.3), text="i", text_offset=(-0.35, 0.1))
    _arrow(ax, (5.0, 2.35), (4.5, 3.3), text="g", text_offset=(0.08, 0.1))
    _arrow(ax, (4.4, 3.75), (4.5, 4.75), text="i·g")         # write new memory
    # output: h_t = o * tanh(c_t)
    _arrow(ax, (8.2, 5.0), (8.2, 4.05))
    _box(ax, 8.2, 3.7, "tanh", color="#dbe9f6", w=0.95, h=0.6)
    _node(ax, 8.2, 2.0, "×")
    _arrow(ax, (8.2, 3.38), (8.2, 2.25))
    _arrow(ax, (7.1, 2.0), (7.95, 2.0), text="o", text_offset=(-0.2, 0.22))
    _arrow(ax, (8.45, 2.0), (9.6, 2.0))
    ax.text(9.7, 2.0, "$h_t$", fontsize=13, va="center")
    ax.set_title("LSTM cell: $c_t = f \\odot c_{t-1} + i \\odot g$,   "
                 "$h_t = o \\odot \\tanh(c_t)$", fontsize=12)
    return fig


def draw_gru_cell(fig=None):
    """The GRU cell: update z, reset r, candidate n; h_t mixes h_{t-1} and n."""
    from matplotlib.figure import Figure

    check_figure(fig, where="draw_gru_cell")
    fig = fig or Figure(figsize=(8, 5.1))
    ax = _diagram_axes(fig, (-0.3, 10.6), (-0.9, 6.0))
    highway = "tab:red"
    ax.text(-0.2, 5.0, "$h_{t-1}$", fontsize=13, va="center", ha="left")
    _arrow(ax, (0.6, 5.0), (1.95, 5.0), color=highway, lw=2.5)
    _node(ax, 2.2, 5.0, "×")
    _arrow(ax, (2.45, 5.0), (7.75, 5.0), color=highway, lw=2.5)
    _node(ax, 8.0, 5.0, "+")
    _arrow(ax, (8.25, 5.0), (9.6, 5.0), color=highway, lw=2.5)
    ax.text(9.7, 5.0, "$h_t$", fontsize=13, va="center")
    ax.text(2.6, 5.45, "z·h: keep a fraction z of the old state", color=highway, fontsize=11)
    # inputs: [h_{t-1}, x_t] feed every gate
    ax.text(-0.2, 0.6, "$h_{t-1}$", fontsize=13, va="center", ha="left")
    _arrow(ax, (0.6, 0.6), (5.0, 0.6), head=False)
    ax.text(1.25, -0.75, "$x_t$", fontsize=13, ha="center")
    _arrow(ax, (1.25, -0.5), (1.25, 0.6), head=False)
    for x, fn, label in [(2.2, "σ", "update z"), (3.6, "σ", "reset r"),
                         (5.0, "tanh", "candidate n")]:
        _arrow(ax, (x, 0.6), (x, 1.65))
        _box(ax, x, 2.0, fn, w=0.95, h=0.65)
        ax.text(x, 1.35, label, fontsize=11, ha="center", va="top",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
    _arrow(ax, (4.05, 2.0), (4.5, 2.0), text="r", text_offset=(-0.12, 0.3))
    ax.text(6.0, 1.7, "n = tanh(x W + r·(h W + b))", fontsize=11, va="top")
    _arrow(ax, (2.2, 2.35), (2.2, 4.75), text="z", text_offset=(-0.35, 0.4))
    _arrow(ax, (2.2, 3.3), (6.2, 3.3), head=True)
    _box(ax, 6.6, 3.3, "1 − z", color="#eeeeee", w=0.8, h=0.5, fontsize=10)
    _node(ax, 8.0, 3.3, "×")
    _arrow(ax, (7.0, 3.3), (7.75, 3.3))
    _arrow(ax, (5.45, 2.0), (8.0, 2.0), head=False, text="n", text_offset=(0.9, 0.25))
    _arrow(ax, (8.0, 2.0), (8.0, 3.05))
    _arrow(ax, (8.0, 3.55), (8.0, 4.75), text="(1−z)·n")
    ax.set_title("GRU cell: $h_t = (1 - z) \\odot n + z \\odot h_{t-1}$", fontsize=12)
    return fig
