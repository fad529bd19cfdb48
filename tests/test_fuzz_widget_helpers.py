"""Issue 16: the fuzz of the widgets' helper functions and of ``nnlib.surfaces``.

Covered: ``nnlib.surfaces`` (Surface, get_surface, optimize_path), the control helpers
``nnlib.widgets.dropdown/slider/log_slider``, and the helpers the widgets of notebooks 02-12
are built on (activations, attention, convolution, generation, losses, mlp, optimizers,
perceptron.start_weights, playground, recurrent, training). A learner calls them directly in
the notebooks' exercises and experiments, so each argument is checked where it is given.

The oracle is the one of ``tests/fuzz_common.py``: one argument at a time gets a bad scalar
(Hypothesis, derandomised, a fixed number of examples); the call must work (with finite
results) or raise TypeError/ValueError (ShapeError, NonFiniteError) naming that argument.
``test_bad_data_is_refused`` adds arrays and objects of the wrong shape or content, one each.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from matplotlib.figure import Figure  # noqa: E402

from nnlib import autograd  # noqa: E402
from nnlib import plotting as PL  # noqa: E402
from nnlib import surfaces as SF  # noqa: E402
from nnlib import widgets as W  # noqa: E402
from nnlib.data import CharVocab  # noqa: E402
from nnlib.errors import TrainingDivergedError  # noqa: E402
from nnlib.models.gpt import GPT, GPTConfig  # noqa: E402
from nnlib.models.rnn import CharRNN  # noqa: E402
from nnlib.models.transformer_toy import ToyTransformer  # noqa: E402
from nnlib.scratch.optim import SGD  # noqa: E402
from nnlib.train_common import History  # noqa: E402
from nnlib.widgets import activations as WA  # noqa: E402
from nnlib.widgets import attention as WAT  # noqa: E402
from nnlib.widgets import convolution as WC  # noqa: E402
from nnlib.widgets import generation as WG  # noqa: E402
from nnlib.widgets import losses as WLO  # noqa: E402
from nnlib.widgets import mlp as WM  # noqa: E402
from nnlib.widgets import optimizers as WO  # noqa: E402
from nnlib.widgets import perceptron as WP  # noqa: E402
from nnlib.widgets import playground as WPG  # noqa: E402
from nnlib.widgets import recurrent as WR  # noqa: E402
from nnlib.widgets import training as WT  # noqa: E402
from tests.fuzz_common import (  # noqa: E402
    BOOL,
    CHOICE,
    FLOAT,
    INT,
    INT_PAIR,
    OBJ,
    OBJ_NONE,
    SEQ_OBJ,
    Fuzzer,
    arg,
    entry_call,
    scalar_test,
)

pytestmark = pytest.mark.slow  # hundreds of generated cases: make test runs them, unit-fast not
torch.set_num_threads(1)
FZ = Fuzzer("widget_helpers", "widget helpers and surfaces")

TEXT = arg("text", str_ok=True)
PAIR = arg("float", seq_ok=True)   # a pair of numbers (a scalar is refused too)
SEED = arg("int", none_ok=True)    # None: fresh randomness, as NumPy's default_rng(None)


def call(fn, /, *args, **defaults):
    """``fn(*args, **{**defaults, **k})`` (``fn`` positional-only: ``target`` is an argument
    name here)."""
    def run(**k):
        return fn(*args, **{**defaults, **k})
    return run


VOCAB = CharVocab("abcdefgh \n:ROME")
torch.manual_seed(0)
GPT_MODEL = GPT(GPTConfig(vocab_size=len(VOCAB), block_size=8, n_layer=1, n_head=2, n_embd=8))
RNN_MODEL = CharRNN(len(VOCAB), 4, 8)
TOY = ToyTransformer(10, 8, d_model=8, num_heads=2, num_layers=1, dim_feedforward=8)
TOKENS = np.array([[1, 2, 3, 4, 5, 6, 7, 8], [2, 3, 4, 5, 6, 7, 8, 9]])
RNG = np.random.default_rng(0)
X2 = RNG.uniform(-1, 1, size=(8, 2))
Y_INT = np.array([0, 1] * 4)
MLP = WM.build_mlp([2, 3, 1], rng=0)
BOWL = SF.SURFACES["bowl"]


def _surface(**k):
    kw = {"name": "bowl", "formula": "f", "value": BOWL.value, "grad": BOWL.grad,
          "start": (1.0, 1.0), "minima": ((0.0, 0.0),), "xlim": (-1.0, 1.0),
          "ylim": (-1.0, 1.0), **k}
    return SF.Surface(**kw)


def _optimize(**k):
    kw = {"surface": "bowl", "make_optimizer": lambda p: SGD(p, lr=0.1), "steps": 3, **k}
    return SF.optimize_path(kw.pop("surface"), kw.pop("make_optimizer"), **kw)


def _loaders():
    g = torch.Generator().manual_seed(0)
    batches = [(torch.randn(4, 1, 4, 4, generator=g), torch.tensor([0, 1, 2, 1]))]
    return batches, batches


def _dashboard(**k):
    tr, va = _loaders()
    kw = {"train_loader": tr, "val_loader": va, "hidden": (4,), "n_classes": 3,
          "device": "cpu", **k}
    return WT.TrainingDashboard(kw.pop("train_loader"), kw.pop("val_loader"), **kw)


def _drawn_figure():
    fig = Figure(figsize=(1, 1), dpi=20)
    fig.add_subplot().plot([0, 1], [1, 0])
    return fig


def _history():
    return History(train_loss=[0.9, 0.5], val_loss=[1.0, 0.7], train_metric=[0.5, 0.8],
                   val_metric=[0.4, 0.7], best_epoch=1)


def _with_fig(fn, /, **defaults):
    """``fn(fig=<a fresh figure>, **defaults, **k)``: each call draws on its own figure."""
    def run(**k):
        kw = {**defaults, **k}
        if "fig" not in k:
            kw["fig"] = _drawn_figure() if fn in (PL.figure_png, PL.fast_png, PL.show) \
                else Figure()
        return fn(**kw)
    return run


def _canvas_png(**k):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if "canvas" in k:
        return PL.canvas_png(**k)
    canvas = FigureCanvasAgg(_drawn_figure())
    canvas.draw()
    return PL.canvas_png(canvas)


def _torch_params():
    return [torch.nn.Parameter(torch.zeros(2))]


def _scratch_params():
    from nnlib.scratch.module import Parameter
    return [Parameter(np.zeros(2))]


# (label, target, call(**k), {argument: spec})
ENTRIES = [
    ("surfaces.Surface", SF.Surface, _surface,
     {"name": TEXT, "formula": TEXT, "value": OBJ, "grad": OBJ, "start": PAIR,
      "minima": arg("object", seq_ok=True), "xlim": PAIR, "ylim": PAIR, "log_levels": BOOL}),
    ("surfaces.get_surface", SF.get_surface, call(SF.get_surface, name="bowl"),
     {"name": CHOICE}),
    ("surfaces.optimize_path", SF.optimize_path, _optimize,
     {"surface": arg("choice", str_ok=True), "make_optimizer": OBJ, "steps": INT,
      "start": arg("float", none_ok=True, seq_ok=True),
      "escape_radius": arg("float", inf_ok=True)}),
    ("widgets.dropdown", W.dropdown,
     call(W.dropdown, description="d", options=["a", "b"], value="a", arg="value", where="f"),
     {"description": TEXT, "options": arg("object", seq_ok=True), "value": CHOICE,
      "arg": arg("text", str_ok=True, none_ok=True), "where": TEXT}),
    ("widgets.slider", W.slider,
     call(W.slider, description="s", value=1, min=0, max=2, step=1, arg="value",
          where="f"),
     {"description": TEXT, "value": FLOAT, "min": FLOAT, "max": FLOAT, "step": FLOAT,
      "integer": BOOL, "arg": arg("text", str_ok=True, none_ok=True), "where": TEXT}),
    ("widgets.log_slider", W.log_slider,
     call(W.log_slider, description="s", value=0.01, min_exp=-4, max_exp=0, arg="value",
          where="f"),
     {"description": TEXT, "value": FLOAT, "min_exp": FLOAT, "max_exp": FLOAT, "step": FLOAT,
      "arg": arg("text", str_ok=True, none_ok=True), "where": TEXT}),
    ("activations.Activation", WA.Activation,
     call(WA.Activation, f=np.tanh, grad=np.cos, layer=object),
     {"f": OBJ, "grad": OBJ, "layer": OBJ, "param": arg("text", str_ok=True, none_ok=True),
      "default": arg("float", none_ok=True)}),
    ("activations.gradient_norms_through_depth", WA.gradient_norms_through_depth,
     call(WA.gradient_norms_through_depth, activation="tanh", depth=2, width=4, batch=3),
     {"activation": CHOICE, "depth": INT, "width": INT, "batch": INT, "init": CHOICE,
      "param": arg("float", none_ok=True), "seed": SEED}),
    ("attention.collect_attention", WAT.collect_attention,
     call(WAT.collect_attention, model=TOY, inputs=TOKENS), {"model": OBJ, "inputs": OBJ}),
    ("attention.softmax_saturation", WAT.softmax_saturation,
     call(WAT.softmax_saturation, d=8, scaled=True, n_keys=4, n_trials=3),
     {"d": INT, "scaled": BOOL, "n_keys": INT, "n_trials": INT, "seed": INT}),
    ("attention.attention_map_explorer", WAT.attention_map_explorer,
     call(WAT.attention_map_explorer, model=TOY, inputs=TOKENS),
     {"model": OBJ, "inputs": OBJ, "targets": OBJ_NONE, "max_examples": INT,
      "figsize": PAIR}),
    ("convolution.feature_map", WC.feature_map,
     call(WC.feature_map, image=np.ones((5, 5)), kernel=np.ones((3, 3))),
     {"image": OBJ, "kernel": OBJ, "stride": INT_PAIR, "padding": INT_PAIR}),
    ("generation.sampling_distribution", WG.sampling_distribution,
     call(WG.sampling_distribution, model=GPT_MODEL, vocab=VOCAB, prompt="abc",
          temperature=1.0, top_k=3),
     {"model": OBJ, "vocab": OBJ, "prompt": TEXT, "temperature": FLOAT,
      "top_k": arg("int", none_ok=True)}),
    ("losses.loss_and_grad", WLO.loss_and_grad,
     call(WLO.loss_and_grad, name="MSE", prediction=0.5, target=1.0),
     {"name": CHOICE, "prediction": FLOAT, "target": FLOAT}),
    ("losses.loss_curves", WLO.loss_curves,
     call(WLO.loss_curves, name="MSE", target=1.0, predictions=np.linspace(-1, 1, 5)),
     {"name": CHOICE, "target": FLOAT, "predictions": arg("object", seq_ok=True)}),
    ("mlp.build_mlp", WM.build_mlp, call(WM.build_mlp, sizes=[2, 3, 1], rng=0),
     {"sizes": arg("object", seq_ok=True), "activation": CHOICE,
      "rng": arg("int", none_ok=True), "dtype": CHOICE}),
    ("mlp.grid_scores", WM.grid_scores,
     call(WM.grid_scores, model=MLP, xlim=(-1, 1), ylim=(-1, 1), resolution=4),
     {"model": OBJ, "xlim": PAIR, "ylim": PAIR, "resolution": INT}),
    ("mlp.train_mlp", WM.train_mlp, call(WM.train_mlp, X=X2, y=Y_INT, hidden=3, steps=2),
     {"X": OBJ, "y": OBJ, "hidden": INT, "activation": CHOICE, "steps": INT, "lr": FLOAT,
      "seed": SEED}),
    ("optimizers.cached_path", WO.cached_path,
     call(WO.cached_path, optimizer="Adam", lr=0.1, momentum=0.9, beta2=0.999,
          surface="bowl", steps=3),
     {"optimizer": CHOICE, "lr": FLOAT, "momentum": FLOAT, "beta2": FLOAT,
      "surface": CHOICE, "steps": INT}),
    ("optimizers.make_optimizer", WO.make_optimizer,
     lambda **k: WO.make_optimizer(**{"name": "Adam", "params": _scratch_params(), "lr": 0.1,
                                      **k}),
     {"name": CHOICE, "params": OBJ, "lr": FLOAT, "momentum": FLOAT, "beta2": FLOAT}),
    ("perceptron.perceptron_trace", WP.perceptron_trace,
     call(WP.perceptron_trace, gate="AND", lr=1.0, epochs=2, start="zero", seed=0),
     {"gate": CHOICE, "lr": FLOAT, "epochs": INT, "start": CHOICE, "seed": SEED}),
    ("perceptron.start_weights", WP.start_weights, call(WP.start_weights, start="random"),
     {"start": CHOICE, "seed": SEED}),
    ("playground.feature_matrix", WPG.feature_matrix,
     call(WPG.feature_matrix, X=X2, features=list(WPG.FEATURES)[:2]),
     {"X": OBJ, "features": arg("object", seq_ok=True)}),
    ("playground.make_dataset", WPG.make_dataset, call(WPG.make_dataset, name="XOR", n=10),
     {"name": CHOICE, "noise": FLOAT, "n": INT, "seed": SEED}),
    ("playground.parse_hidden_layers", WPG.parse_hidden_layers,
     call(WPG.parse_hidden_layers, text="4, 2"), {"text": TEXT}),
    ("recurrent.describe_gradient_flow", WR.describe_gradient_flow,
     call(WR.describe_gradient_flow, norms=np.array([0.5, 1.0])), {"norms": SEQ_OBJ}),
    ("recurrent.next_char_probabilities", WR.next_char_probabilities,
     call(WR.next_char_probabilities, model=RNN_MODEL, vocab=VOCAB, prompt="abc",
          temperature=1.0),
     {"model": OBJ, "vocab": OBJ, "prompt": TEXT, "temperature": FLOAT}),
    ("training.TrainingDashboard", WT.TrainingDashboard, _dashboard,
     {"train_loader": OBJ_NONE, "val_loader": OBJ_NONE, "hidden": arg("int", seq_ok=True),
      "n_classes": INT, "lr": FLOAT, "activation": CHOICE, "optimizer": CHOICE,
      "dropout": FLOAT, "epochs": INT, "seed": INT,
      "device": arg("device", str_ok=True, none_ok=True), "diverge_factor": FLOAT}),
    ("training.make_optimizer", WT.make_optimizer,
     lambda **k: WT.make_optimizer(**{"name": "Adam", "parameters": _torch_params(), "lr": 0.1,
                                      **k}),
     {"name": CHOICE, "parameters": OBJ, "lr": FLOAT}),
]


# -- the figures of nnlib.plotting (learners call them with their own arrays and histories) --
DIGITS = RNG.uniform(0, 1, size=(3, 28, 28))
PLOT_ENTRIES = [
    ("plotting.figure_png", PL.figure_png, _with_fig(PL.figure_png),
     {"fig": OBJ, "dpi": arg("float", none_ok=True)}),
    ("plotting.fast_png", PL.fast_png, _with_fig(PL.fast_png), {"fig": OBJ}),
    ("plotting.canvas_png", PL.canvas_png, _canvas_png, {"canvas": OBJ}),
    ("plotting.show", PL.show, _with_fig(PL.show), {"fig": OBJ, "dpi": arg("float", none_ok=True)}),
    ("plotting.plot_digits", PL.plot_digits,
     _with_fig(PL.plot_digits, images=DIGITS, labels=[1, 2, 3], predictions=[1, 2, 0]),
     {"images": OBJ, "labels": arg("object", none_ok=True, seq_ok=True),
      "predictions": arg("object", none_ok=True, seq_ok=True), "ncols": INT,
      "fig": OBJ_NONE, "cell_size": FLOAT}),
    ("plotting.plot_history", PL.plot_history, _with_fig(PL.plot_history, history=_history()),
     {"history": OBJ, "fig": OBJ_NONE, "title": TEXT, "gridspec_kw": OBJ_NONE}),
    ("plotting.plot_confusion_matrix", PL.plot_confusion_matrix,
     _with_fig(PL.plot_confusion_matrix, matrix=np.array([[3, 1], [0, 2]])),
     {"matrix": OBJ, "class_names": arg("object", none_ok=True, seq_ok=True),
      "fig": OBJ_NONE, "title": TEXT}),
]

# -- the widgets' drawing helpers (notebooks call them, learners may again with other values) --
def _fresh_ax():
    return Figure().add_subplot()


X_GATE = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y_AND = np.array([0, 0, 0, 1])
SGD_PATH = SF.optimize_path("bowl", lambda p: SGD(p, lr=0.1), steps=3)
FONT = FLOAT
DRAW_ENTRIES = [
    ("activations.draw_activation", WA.draw_activation,
     lambda **k: WA.draw_activation(**{"ax": _fresh_ax(), "name": "leaky ReLU", **k}),
     {"ax": OBJ, "name": CHOICE, "param": arg("float", none_ok=True), "lim": FLOAT,
      "fontsize": FONT}),
    ("attention.plot_attention", WAT.plot_attention,
     lambda **k: WAT.plot_attention(**{"ax": _fresh_ax(), "weights": np.eye(3) * 0.5,
                                       "key_labels": ["a", "b", "c"],
                                       "query_labels": range(3), "annotate": True, **k}),
     {"ax": OBJ, "weights": OBJ, "key_labels": arg("object", none_ok=True, seq_ok=True),
      "query_labels": arg("object", none_ok=True, seq_ok=True), "title": TEXT,
      "xlabel": TEXT, "ylabel": TEXT, "annotate": BOOL}),
    ("convolution.draw_kernel", WC.draw_kernel,
     lambda **k: WC.draw_kernel(**{"ax": _fresh_ax(), "kernel": np.eye(3), **k}),
     {"ax": OBJ, "kernel": OBJ, "title": TEXT, "fontsize": FONT}),
    ("generation.draw_attention_masks", WG.draw_attention_masks,
     call(WG.draw_attention_masks, source_len=4, target_len=3, padding=1),
     {"fig": OBJ_NONE, "source_len": INT, "target_len": INT, "padding": INT}),
    ("generation.draw_block_diagram", WG.draw_block_diagram, call(WG.draw_block_diagram),
     {"fig": OBJ_NONE}),
    ("mlp.draw_decision_region", WM.draw_decision_region,
     lambda **k: WM.draw_decision_region(**{"ax": _fresh_ax(), "model": MLP, "X": X2,
                                            "y": Y_INT, "hidden_lines": True,
                                            "test_points": (X2[:2], Y_INT[:2]), **k}),
     {"ax": OBJ, "model": OBJ, "X": OBJ, "y": OBJ, "xlim": PAIR, "ylim": PAIR,
      "hidden_lines": BOOL, "test_points": arg("object", none_ok=True, seq_ok=True),
      "point_size": FLOAT}),
    ("optimizers.draw_path", WO.draw_path,
     lambda **k: WO.draw_path(**{"ax": _fresh_ax(), "path": SGD_PATH, **k}),
     {"ax": OBJ, "path": OBJ, "label": arg("text", str_ok=True, none_ok=True), "color": TEXT}),
    ("optimizers.draw_surface", WO.draw_surface,
     lambda **k: WO.draw_surface(**{"ax": _fresh_ax(), "surface_name": "bowl", **k}),
     {"ax": OBJ, "surface_name": CHOICE}),
    ("perceptron.draw_mistakes", WP.draw_mistakes,
     lambda **k: WP.draw_mistakes(**{"ax": _fresh_ax(), "mistakes": [2, 1, 0], "upto": 2,
                                      **k}),
     {"ax": OBJ, "mistakes": SEQ_OBJ, "upto": arg("int", none_ok=True), "fontsize": FONT}),
    ("perceptron.draw_perceptron", WP.draw_perceptron,
     lambda **k: WP.draw_perceptron(**{"ax": _fresh_ax(), "w": np.array([1.0, 1.0]),
                                       "b": -1.5, "X": X_GATE, "y": Y_AND,
                                       "previous": [(np.zeros(2), 0.5)], "title": "t", **k}),
     {"ax": OBJ, "w": SEQ_OBJ, "b": FLOAT, "X": OBJ, "y": OBJ,
      "title": arg("text", str_ok=True, none_ok=True), "previous": SEQ_OBJ,
      "fontsize": FONT}),
    ("recurrent.draw_gru_cell", WR.draw_gru_cell, call(WR.draw_gru_cell), {"fig": OBJ_NONE}),
    ("recurrent.draw_lstm_cell", WR.draw_lstm_cell, call(WR.draw_lstm_cell), {"fig": OBJ_NONE}),
    ("recurrent.draw_unrolled_rnn", WR.draw_unrolled_rnn, call(WR.draw_unrolled_rnn, steps=2),
     {"fig": OBJ_NONE, "steps": INT}),
]
ENTRIES += DRAW_ENTRIES


def _graph_root():
    a, b = autograd.Value(2.0, label="a"), autograd.Value(-3.0, label="b")
    return (a * b + a).tanh()


PLOT_ENTRIES.append(("autograd.draw_graph", autograd.draw_graph,
                     _with_fig(autograd.draw_graph, root=_graph_root()),
                     {"root": OBJ, "fig": OBJ_NONE}))
ENTRIES += PLOT_ENTRIES


# messages that name the mistake with another word, and errors documented for an argument
ALIASES = {
    ("playground.make_dataset", "name"): ("dataset",),     # Playground's argument name
    ("playground.parse_hidden_layers", "text"): ("hidden layers",),
    # a new range that no longer holds the default value: the value is named
    **{("widgets.slider", n): ("value",) for n in ("min", "max", "integer")},
    **{("widgets.log_slider", n): ("value",) for n in ("min_exp", "max_exp")},
    ("widgets.dropdown", "options"): ("value",),
}
OTHER_ERRORS = {("mlp.train_mlp", "lr"): TrainingDivergedError}

test_bad_argument_is_refused_with_its_name_or_works = scalar_test(
    FZ, ENTRIES, aliases=ALIASES, other_errors=OTHER_ERRORS)


def _bad_loader():
    return [(torch.zeros(4, 16),)]   # batches without labels


# -- bad arrays and objects: each must be refused, naming the argument --------------------------
BAD_DATA = [
    ("surfaces.Surface", "xlim", (1.0, -1.0), "low above high"),
    ("surfaces.Surface", "minima", ((0.0, 0.0, 0.0),), "a 3-D minimum"),
    ("surfaces.optimize_path", "start", (1.0, 2.0, 3.0), "three coordinates"),
    ("surfaces.optimize_path", "make_optimizer", lambda params: params, "returns no optimizer"),
    ("surfaces.optimize_path", "surface", "bowel", "a misspelt surface"),
    ("widgets.dropdown", "options", [], "no options"),
    ("widgets.dropdown", "options", "ab", "a string of options"),
    ("widgets.dropdown", "value", "c", "not among the options"),
    ("widgets.slider", "min", 5, "min above max"),
    ("widgets.slider", "step", 0, "a zero step"),
    ("widgets.log_slider", "max_exp", 400, "10**400 overflows"),
    ("activations.gradient_norms_through_depth", "activation", "swish", "unknown"),
    ("activations.gradient_norms_through_depth", "init", "he", "a short name"),
    ("attention.collect_attention", "inputs", TOKENS.astype(float), "float token ids"),
    ("attention.collect_attention", "inputs", TOKENS[0], "one sequence, no batch axis"),
    ("attention.collect_attention", "inputs", TOKENS + 10, "ids beyond the vocabulary"),
    ("attention.attention_map_explorer", "targets", TOKENS[:, :3], "targets shorter"),
    ("attention.attention_map_explorer", "figsize", (6.0,), "one number"),
    ("convolution.feature_map", "image", np.ones((1, 5, 5)), "3-D image"),
    ("convolution.feature_map", "kernel", np.ones((3, 3)) * 1j, "complex kernel"),
    ("convolution.feature_map", "image", np.full((5, 5), np.nan), "NaN pixels"),
    ("generation.sampling_distribution", "prompt", "", "empty prompt"),
    ("generation.sampling_distribution", "prompt", "xyz", "characters not in the vocab"),
    ("generation.sampling_distribution", "top_k", 0, "keep no token"),
    ("generation.sampling_distribution", "vocab", "abc", "a string, not a vocabulary"),
    ("losses.loss_and_grad", "target", 1.5, "a probability target above 1"),
    ("losses.loss_and_grad", "name", "MSLE", "unknown loss"),
    ("losses.loss_curves", "predictions", np.ones((2, 3)), "2-D predictions"),
    ("losses.loss_curves", "predictions", np.array([0.0, np.nan]), "a NaN prediction"),
    ("losses.loss_curves", "predictions", np.array([1e200]), "the loss overflows"),
    ("mlp.build_mlp", "sizes", [2], "one size"),
    ("mlp.build_mlp", "sizes", [2, 2.5, 1], "a fractional width"),
    ("mlp.build_mlp", "dtype", np.int32, "an int dtype"),
    ("mlp.grid_scores", "xlim", (1, -1), "reversed limits"),
    ("mlp.grid_scores", "resolution", 1, "a 1 x 1 grid"),
    ("mlp.train_mlp", "y", Y_INT[:5], "5 labels for 8 rows"),
    ("mlp.train_mlp", "y", Y_INT + 1, "labels 1/2 instead of 0/1"),
    ("mlp.train_mlp", "X", X2[:, 0], "1-D X"),
    ("mlp.train_mlp", "X", np.ones((0, 2)), "no rows"),
    ("optimizers.cached_path", "surface", "valley", "unknown surface"),
    ("optimizers.cached_path", "momentum", 1.0, "momentum 1 never forgets"),
    ("optimizers.make_optimizer", "params", [np.zeros(2)], "arrays, not Parameters"),
    ("optimizers.make_optimizer", "name", "Lion", "unknown optimizer"),
    ("perceptron.start_weights", "start", "ones", "unknown start"),
    ("playground.feature_matrix", "X", np.ones((4, 3)), "3 columns"),
    ("playground.feature_matrix", "features", ["x3"], "unknown feature"),
    ("playground.feature_matrix", "features", [], "no features"),
    ("playground.parse_hidden_layers", "text", "4, 0", "a layer of 0 neurons"),
    ("playground.parse_hidden_layers", "text", "4.5", "a fractional width"),
    ("recurrent.describe_gradient_flow", "norms", np.array([]), "no steps"),
    ("recurrent.describe_gradient_flow", "norms", np.ones((2, 2)), "2-D norms"),
    ("recurrent.next_char_probabilities", "prompt", "", "empty prompt"),
    ("recurrent.next_char_probabilities", "temperature", -0.5, "a negative temperature"),
    ("training.TrainingDashboard", "train_loader", _bad_loader(), "batches without labels"),
    ("training.TrainingDashboard", "hidden", (4, 0), "a layer of 0 units"),
    ("training.TrainingDashboard", "device", "tpu", "an unknown device"),
    ("training.make_optimizer", "parameters", [np.zeros(2)], "arrays, not tensors"),
    ("training.make_optimizer", "name", "Adagrad", "not on the list"),
    ("plotting.plot_digits", "images", np.ones((3, 1, 28, 28)), "a channel axis"),
    ("plotting.plot_digits", "images", np.ones((0, 784)), "no images"),
    ("plotting.plot_digits", "labels", [1, 2], "2 labels for 3 images"),
    ("plotting.plot_digits", "labels", [0.5, 1, 2], "fractional labels"),
    ("plotting.plot_digits", "labels", None, "predictions without labels"),
    ("plotting.plot_digits", "images", np.full((3, 784), np.nan), "NaN pixels"),
    ("plotting.plot_history", "history", {"train_loss": [1.0]}, "a dict, not a History"),
    ("plotting.plot_confusion_matrix", "matrix", np.ones((2, 3)), "not square"),
    ("plotting.plot_confusion_matrix", "matrix", -np.eye(2), "negative counts"),
    ("plotting.plot_confusion_matrix", "class_names", ["a", "b", "c"], "3 names, 2 classes"),
    ("plotting.plot_confusion_matrix", "class_names", "ab", "a string of names"),
    ("plotting.figure_png", "dpi", 1e6, "a million dots per inch"),
    ("plotting.canvas_png", "canvas", Figure(), "a figure, not its canvas"),
    ("activations.draw_activation", "ax", Figure(), "a Figure, not an Axes"),
    ("activations.draw_activation", "name", "relu", "a misspelt activation"),
    ("attention.plot_attention", "weights", np.ones(3), "a 1-D vector"),
    ("attention.plot_attention", "weights", np.full((2, 2), np.nan), "NaN weights"),
    ("attention.plot_attention", "key_labels", ["a", "b"], "2 labels for 3 keys"),
    ("attention.plot_attention", "key_labels", "abc", "a string, not a list"),
    ("attention.plot_attention", "query_labels", np.ones((3, 1)), "a 2-D array of labels"),
    ("convolution.draw_kernel", "kernel", np.ones((2, 2, 2)), "a 3-D kernel"),
    ("convolution.draw_kernel", "kernel", np.ones((0, 3)), "an empty kernel"),
    ("convolution.draw_kernel", "kernel", np.ones((3, 3)) * 1j, "a complex kernel"),
    ("convolution.draw_kernel", "kernel", np.ones((200, 200)), "too many cells to write"),
    ("generation.draw_attention_masks", "padding", 4, "only padding"),
    ("generation.draw_attention_masks", "fig", Figure().add_subplot(), "an Axes, not a Figure"),
    ("generation.draw_attention_masks", "source_len", 10**6, "a million positions"),
    ("mlp.draw_decision_region", "X", X2[:, :1], "one column"),
    ("mlp.draw_decision_region", "y", Y_INT[:5], "5 labels for 8 points"),
    ("mlp.draw_decision_region", "y", Y_INT + 1, "labels 1/2"),
    ("mlp.draw_decision_region", "test_points", (X2, Y_INT, Y_INT), "a triple"),
    ("mlp.draw_decision_region", "test_points", (X2, Y_INT[:3]), "3 labels for 8 points"),
    ("mlp.draw_decision_region", "model", np.tanh, "hidden lines of a plain function"),
    ("mlp.draw_decision_region", "xlim", (1.0, -1.0), "reversed limits"),
    ("optimizers.draw_path", "path", SGD_PATH.points, "the points, not the SurfacePath"),
    ("optimizers.draw_path", "color", "tab:rde", "a misspelt colour"),
    ("optimizers.draw_surface", "surface_name", "valley", "an unknown surface"),
    ("perceptron.draw_mistakes", "mistakes", [], "no epochs"),
    ("perceptron.draw_mistakes", "mistakes", [1, -1], "a negative count"),
    ("perceptron.draw_mistakes", "mistakes", [[1, 2]], "2-D counts"),
    ("perceptron.draw_perceptron", "w", np.ones(3), "three weights"),
    ("perceptron.draw_perceptron", "w", np.array([np.nan, 1.0]), "a NaN weight"),
    ("perceptron.draw_perceptron", "X", X_GATE[:, :1], "one input column"),
    ("perceptron.draw_perceptron", "y", Y_AND[:3], "3 labels for 4 points"),
    ("perceptron.draw_perceptron", "y", np.array([-1, 1, 1, -1]), "labels -1/+1"),
    ("perceptron.draw_perceptron", "previous", [np.ones(2)], "w without b"),
    ("perceptron.draw_perceptron", "previous", [(np.ones(3), 0.0)], "an old w of 3"),
    ("recurrent.draw_unrolled_rnn", "steps", 100, "too many steps to draw"),
    ("recurrent.draw_lstm_cell", "fig", "fig", "a string"),
]


EXTRA = {("losses.loss_and_grad", "a probability target above 1"): {"name": "BCE on the logit"}}


@pytest.mark.parametrize("label, name, value, what", BAD_DATA,
                         ids=[f"{lab}-{n}-{w}" for lab, n, _, w in BAD_DATA])
def test_bad_data_is_refused(label, name, value, what):
    kwargs = {name: value, **EXTRA.get((label, what), {})}
    FZ.run(f"{label}[{name}: {what}]", lambda: entry_call(ENTRIES, label)(**kwargs),
           (name, *ALIASES.get((label, name), ())), True)


@pytest.mark.parametrize("label", [e[0] for e in DRAW_ENTRIES if "fig" in e[3]])
def test_drawings_into_a_subfigure_work(label):
    """The static diagrams accept a SubFigure (one panel of ``fig.subfigures``) as well."""
    sub = Figure().subfigures(1, 2)[0]
    FZ.run(f"{label}[a SubFigure]", lambda: entry_call(ENTRIES, label)(fig=sub), (), False)


def test_good_calls_still_work():
    """The defaults each entry starts from are valid: every entry runs as registered."""
    for label, _, make, _ in ENTRIES:
        FZ.run(f"{label}[defaults]", make, (), False)


def test_zz_report_counts():
    FZ.report()
