"""Latency of every widget control in the course, against the floor of drawing a PNG at all.

    python benchmarks/bench_widgets_latency.py [--repeat N] [--only NAME] [--markdown]

For each control of each widget (at the notebooks' default sizes) the control is set to a
sequence of different values, as a learner dragging or clicking would, and each change is
timed until its new picture exists (the draw function, any computation it triggers, and the
PNG). Printed per control: p50 and p95 over the changes, in ms, and the same divided by the
*floor*: the time to render an empty figure of the widget's size to PNG, measured in the same
run. Ratios to the floor compare across machines and loads; the absolute numbers do not.

Controls that train or sample (marked "compute") also print the time to first feedback: the
first picture or status published after the change (a widget that trains shows the data and
"training…" first). The playground's animation is printed as frames per second.

Models of notebooks 10-16 are untrained but of the notebooks' sizes: training changes the
weights, not the cost of a redraw. ``--markdown`` also prints the results as the table of
README's "Widget latency" section. Not a test: it prints numbers.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import statistics
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from matplotlib.figure import Figure

import nnlib.plotting as plotting


def png_of(fig) -> bytes:
    """The PNG the widgets make (the fast encoder when nnlib has one)."""
    encode = getattr(plotting, "fast_png", None) or plotting.figure_png
    return encode(fig)


def floor_ms(figsize, dpi, repeat: int = 15) -> tuple[float, float]:
    """Median (wall, CPU) time to render an empty figure of this size to PNG, in ms."""
    walls, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        png_of(Figure(figsize=figsize, dpi=dpi))
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return 1000 * statistics.median(walls), 1000 * statistics.median(cpus)


def percentile(values, q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def values_for(control, count: int):
    """A sequence of ``count`` values for ``control``, each different from the previous one."""
    import ipywidgets as widgets

    if isinstance(control, (widgets.Dropdown, widgets.ToggleButtons, widgets.RadioButtons)):
        options = [o[1] if isinstance(o, tuple) else o for o in control.options]
        if isinstance(control.options, dict):
            options = list(control.options.values())
        seq = options
    elif isinstance(control, widgets.Checkbox) or isinstance(control, widgets.ToggleButton):
        seq = [not control.value, control.value]
    elif isinstance(control, widgets.FloatLogSlider):
        exps = np.linspace(control.min, control.max, 9)
        seq = [float(control.base ** e) for e in exps]
    elif isinstance(control, (widgets.IntSlider, widgets.FloatSlider)):
        lo, hi = control.min, control.max
        seq = list(np.linspace(lo, hi, 9))
        if isinstance(control, widgets.IntSlider):
            seq = sorted({int(round(v)) for v in seq})
    elif isinstance(control, (widgets.IntText, widgets.BoundedIntText)):
        top = getattr(control, "max", 8)
        seq = [min(v, top) for v in (0, 3, 1, 5, 2, 7, 4, 8)]
    elif isinstance(control, widgets.FloatText):
        seq = [1.0, -1.0, 2.0, 0.5]
    elif isinstance(control, widgets.Text):
        seq = ["JULIET:", "To be", "KING", "ROMEO:\n"]
    else:
        raise TypeError(f"no values for {type(control).__name__}")
    out, cycle, last = [], itertools.cycle(seq), control.value
    while len(out) < count:
        value = next(cycle)
        if value != last:
            out.append(value)
            last = value
    return out


class Probe:
    """Times one change: until the final picture, and until the first thing published."""

    def __init__(self, widget):
        self.widget, self.first = widget, None
        widget.status.observe(self._seen, names="value")
        image = getattr(widget, "image", None)
        if image is not None:
            image.observe(self._seen, names="value")

    def _seen(self, _change):
        if self.first is None:
            self.first = time.perf_counter()

    def time(self, action) -> tuple[float, float, float]:
        """(wall ms, wall ms to the first publication, CPU ms of this process)."""
        self.first = None
        start, cpu = time.perf_counter(), time.process_time()
        with contextlib.redirect_stdout(io.StringIO()):
            action()
        end, cpu_end = time.perf_counter(), time.process_time()
        first = self.first if self.first is not None else end
        return 1000 * (end - start), 1000 * (first - start), 1000 * (cpu_end - cpu)


ROWS: list[tuple] = []
PLAY_ROWS: list[tuple] = []  # (label, wall ms per frame, CPU ms per frame)


def measure(label: str, widget, names=None, *, repeat: int, compute=(), skip=(), buttons=None):
    """Time every control of ``widget`` (``names``, default all, less ``skip``); ``buttons``:
    name -> function(widget) for buttons that train (timed with their first feedback)."""
    probe = Probe(widget)
    floor = floor_ms(widget.figsize, widget.dpi)
    for name, click in (buttons or {}).items():
        totals, firsts, cpus = zip(*(probe.time(lambda c=click: c(widget))
                                     for _ in range(repeat)))
        row = (label, name, percentile(totals, 50), percentile(totals, 95), floor[0],
               percentile(cpus, 50), percentile(cpus, 95), floor[1], percentile(firsts, 95))
        ROWS.append(row)
        print_row(row)
    for name in names or widget.controls:
        if name in skip:
            continue
        control = widget.controls[name]
        totals, firsts, cpus = [], [], []
        for value in values_for(control, repeat):
            total, first, cpu = probe.time(lambda c=control, v=value: setattr(c, "value", v))
            totals.append(total)
            firsts.append(first)
            cpus.append(cpu)
        row = (label, name, percentile(totals, 50), percentile(totals, 95), floor[0],
               percentile(cpus, 50), percentile(cpus, 95), floor[1],
               percentile(firsts, 95) if name in compute else None)
        ROWS.append(row)
        print_row(row)


def print_row(row) -> None:
    label, name, p50, p95, floor, c50, c95, cfloor, first = row
    extra = "" if first is None else f"  first feedback p95 {first:5.0f} ms"
    print(f"{label:<20} {name:<14} {p50:6.0f} {p95:6.0f} {floor:5.0f} {p95 / floor:5.1f} |"
          f" {c50:6.0f} {c95:6.0f} {cfloor:5.1f} {c95 / cfloor:5.1f}{extra}", flush=True)


def header() -> None:
    print("ms per change; floor = an empty figure of the same size rendered to PNG")
    print(f"{'':<35} {'wall clock':^25} | {'CPU time of this process':^26}")
    print(f"{'widget':<20} {'control':<14} {'p50':>6} {'p95':>6} {'floor':>5} {'p95/fl':>5} |"
          f" {'p50':>6} {'p95':>6} {'floor':>5} {'p95/fl':>5}")


def quiet(build):
    with contextlib.redirect_stdout(io.StringIO()):
        return build()


def draw_wave(fig, frequency):  # notebook 00's example widget (reuse=True)
    t = np.linspace(0, 1, 400)
    if not fig.axes:  # the first call makes the plot
        ax = fig.add_subplot(xlabel="t", ylim=(-1.1, 1.1))
        ax.plot(t, 0 * t)
    ax = fig.axes[0]  # every call updates the curve and the title
    ax.lines[0].set_ydata(np.sin(2 * np.pi * frequency * t))
    ax.set_title(f"sin(2π · {frequency:g} · t)")
    return f"frequency = {frequency:g}"


def bench_playground(repeat: int) -> None:
    from nnlib.widgets.playground import Playground

    for hidden, label in (("4, 2", "default 4, 2"), ("8, 8, 8, 8, 8, 8", "6 layers of 8")):
        pg = quiet(lambda h=hidden: Playground(hidden=h))
        tick = getattr(pg, "frame", None) or (lambda p=pg: p.step(p.epochs_per_tick))
        times, cpus = [], []
        for _ in range(max(repeat, 10)):
            start, cpu = time.perf_counter(), time.process_time()
            with contextlib.redirect_stdout(io.StringIO()):
                tick()
            times.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
            if getattr(pg, "diverged", False):
                quiet(pg.reset)
        p50, c50 = 1000 * statistics.median(times), 1000 * statistics.median(cpus)
        PLAY_ROWS.append((label, p50, c50))
        print(f"04 playground: play, {label}: {p50:.0f} ms per frame wall = {1000 / p50:.1f} "
              f"frames/s; CPU {c50:.0f} ms = {1000 / c50:.1f} frames/s "
              f"({pg.epochs_per_tick} epochs per frame)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10, help="changes per control")
    parser.add_argument("--only", default="", help="run widgets whose label contains this")
    parser.add_argument("--markdown", action="store_true",
                        help="also print the results as a markdown table (for the README)")
    args = parser.parse_args()
    repeat = args.repeat

    import torch

    torch.set_num_threads(1)  # as the notebooks do on a CPU
    from nnlib.widgets import InteractiveFigure, slider

    header()
    builders = []

    def add(label, build, **kw):
        if args.only in label:
            builders.append((label, build, kw))

    add("00 example", lambda: InteractiveFigure(
        draw_wave, {"frequency": slider("frequency", 2.0, 0.5, 10.0, 0.5)}, figsize=(6, 2.5),
        reuse=True))
    from nnlib.widgets.perceptron import perceptron_widget
    add("01 perceptron", perceptron_widget)
    from nnlib.widgets.activations import activation_widget
    add("02 activations", activation_widget)
    from nnlib.widgets.mlp import hidden_units_widget
    add("03 hidden units", hidden_units_widget, compute=("hidden_units", "activation", "problem",
                                                        "seed"))
    from nnlib.widgets.playground import Playground
    add("04 playground", Playground, skip=("hidden",))
    from nnlib.widgets.losses import loss_explorer
    add("05 loss explorer", loss_explorer)
    from nnlib.widgets.optimizers import optimizer_explorer
    add("06 optimizer paths", optimizer_explorer)

    def dashboard():
        from nnlib.widgets.training import TrainingDashboard
        return TrainingDashboard(epochs=1, device="cpu")
    add("08 dashboard", dashboard)

    def conv():
        from nnlib.widgets.convolution import CUSTOM, convolution_widget
        w = convolution_widget()
        return w, CUSTOM
    if args.only in "09 kernel explorer":
        w, custom = quiet(conv)
        measure("09 kernel explorer", w, [n for n in w.controls if not n.startswith("k")
                                          or n == "kernel"], repeat=repeat)
        w.controls["kernel"].value = custom
        measure("09 kernel explorer", w, ["k11"], repeat=repeat)

    from nnlib.widgets.recurrent import gradient_flow_explorer, temperature_explorer
    add("10 gradient flow", gradient_flow_explorer)

    def temperature():
        from nnlib.data import CharVocab, load_shakespeare
        from nnlib.models.rnn import CharRNN
        vocab = CharVocab(load_shakespeare())
        torch.manual_seed(0)
        return temperature_explorer(CharRNN(len(vocab), 32, 64, "lstm"), vocab)
    add("10 temperature", temperature, compute=("temperature", "seed"))

    def attention():
        from nnlib.data import reverse_task
        from nnlib.models.transformer_toy import ToyTransformer
        from nnlib.widgets.attention import attention_map_explorer
        torch.manual_seed(0)
        inputs, targets = reverse_task(20, 10, 10, seed=1)
        model = ToyTransformer(10, 10, d_model=32, num_heads=4, num_layers=2,
                               dim_feedforward=64)
        return attention_map_explorer(model, inputs, targets)
    add("11 attention maps", attention)
    from nnlib.widgets.attention import scaling_explorer
    add("11 scaling", scaling_explorer)

    def generation():
        from nnlib.data import shakespeare_splits
        from nnlib.models.gpt import GPT
        from nnlib.train.lm import shakespeare_recipe
        from nnlib.widgets.generation import generation_explorer
        _, _, vocab = shakespeare_splits()
        torch.manual_seed(0)
        return generation_explorer(GPT(shakespeare_recipe("cpu", len(vocab))[0]), vocab)
    add("12 generation", generation, compute=("prompt", "temperature", "top_k", "length",
                                              "seed"))

    def latent():
        from nnlib.data import load_mnist
        from nnlib.models.vae import VAE, VAEConfig
        from nnlib.widgets.latent import latent_explorer
        torch.manual_seed(0)
        vae = VAE(VAEConfig(hidden=256, latent=2))  # notebook 13's size
        X, y = load_mnist("test")
        with torch.no_grad():
            codes = vae.encode(torch.from_numpy(X))[0].numpy()

        def decode(z):
            with torch.no_grad():
                return torch.sigmoid(vae.decode(torch.as_tensor(np.asarray(z),
                                                                dtype=torch.float32))).numpy()
        return latent_explorer(decode, codes, y, a=3, b=2)
    add("13 latent space", latent)

    def scrubber():
        from nnlib.scratch import generative as gen
        from nnlib.widgets.diffusion import diffusion_scrubber
        schedule = gen.linear_beta_schedule(T=50, beta_start=1e-3, beta_end=0.2)
        denoiser = gen.NoisePredictor(data_dim=2, hidden=64, T=schedule.T,
                                      rng=np.random.default_rng(0))
        _, frames = gen.ddpm_sample(denoiser, schedule, 1000, rng=1, keep_every=5)
        real = gen.ring_data(1000, rng=np.random.default_rng(2))
        return diffusion_scrubber(real, schedule, frames, t=25)
    add("14 diffusion", scrubber)

    def gan():
        from nnlib.widgets.gan import gan_trainer
        return gan_trainer(steps_per_click=50)
    # its controls do not train (lr applies from the next step, loss and width start again);
    # the step button trains steps_per_click steps and shows "training…" first
    add("14 GAN trainer", gan, buttons={"step (50 steps)": lambda w: w.step()})

    def vit():
        from nnlib.data import load_mnist
        from nnlib.models.vit import ViT, ViTConfig
        from nnlib.widgets.vit import patch_attention_explorer
        torch.manual_seed(0)
        X, y = load_mnist("test", flatten=False)
        return patch_attention_explorer(ViT(ViTConfig()), X[:24, None], y[:24])
    add("15 ViT attention", vit)

    def graph():
        from nnlib.data import graphs
        from nnlib.widgets.graph import over_smoothing_explorer
        sbm = graphs.stochastic_block_model(0.2, nodes_per_block=50, feature_signal=1.0)
        return over_smoothing_explorer(sbm.adjacency, sbm.x, sbm.y, how="gcn", depth=2,
                                       max_depth=32)
    add("16 over-smoothing", graph)

    for label, build, kw in builders:
        widget = quiet(build)
        measure(label, widget, repeat=repeat, **kw)
    if args.only in "04 playground play":
        bench_playground(repeat)
    if args.markdown:
        print_markdown()


def print_markdown() -> None:
    """The results as README's table: wall-clock p50/p95, the floor, p95 / floor, CPU p95."""
    print()
    print("| widget | control | p50 ms | p95 ms | floor ms | p95 / floor | CPU p95 ms "
          "| first feedback p95 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for label, name, p50, p95, floor, _c50, c95, _cfloor, first in ROWS:
        first_text = "" if first is None else f"{first:.0f}"
        print(f"| {label} | {name} | {p50:.0f} | {p95:.0f} | {floor:.0f} | {p95 / floor:.1f} "
              f"| {c95:.0f} | {first_text} |")
    for label, wall, cpu in PLAY_ROWS:
        print(f"| 04 playground | play, {label} | {wall:.0f} per frame = {1000 / wall:.1f} "
              f"frames/s | | | | {cpu:.0f} per frame | |")


if __name__ == "__main__":
    main()
