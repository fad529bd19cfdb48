"""Widgets and figures for notebook 02 (activation functions).

* :data:`ACTIVATIONS` names each activation's function, derivative and layer in
  ``nnlib.scratch`` (one implementation; nothing is re-derived here);
* :func:`gradient_norms_through_depth` sends a gradient down a deep stack of
  ``Linear -> activation`` layers and measures its size at every layer;
* :func:`activation_widget` shows f, f' and that gradient for a chosen activation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from nnlib._checks import (
    check_axes,
    check_callable,
    check_choice,
    check_float,
    check_instance,
    check_int,
    check_seed,
    describe,
)
from nnlib.scratch import ELU, GELU, LeakyReLU, Linear, ReLU, Sigmoid, Step, Tanh
from nnlib.scratch import functional as F
from nnlib.widgets._frame import MovingFrame
from nnlib.widgets.core import InteractiveFigure, _decade_limits, dropdown, slider


@dataclass(frozen=True)
class Activation:
    f: object          # f(x, [param]) -> same shape as x
    grad: object       # f'(x, [param]), at the pre-activation x
    layer: object      # nnlib.scratch Module class, built as layer([param])
    param: str | None = None  # name of the parameter, if any
    default: float | None = None

    def __post_init__(self):
        for name in ("f", "grad", "layer"):
            check_callable(getattr(self, name), name, where="Activation")
        check_instance(self.param, "param", str, "the parameter's name (a str)",
                       where="Activation", optional=True)
        if self.default is not None:
            object.__setattr__(self, "default", check_float(self.default, "default",
                                                            where="Activation"))

    def __call__(self, x, param=None):
        return self.f(x) if self.param is None else self.f(x, self.default if param is None
                                                              else param)

    def derivative(self, x, param=None):
        return self.grad(x) if self.param is None else self.grad(x, self.default if param is None
                                                                 else param)

    def module(self, param=None):
        return self.layer() if self.param is None else self.layer(self.default if param is None
                                                                  else param)


ACTIVATIONS = {
    "step": Activation(F.step, F.step_grad, Step),
    "sigmoid": Activation(F.sigmoid, F.sigmoid_grad, Sigmoid),
    "tanh": Activation(F.tanh, F.tanh_grad, Tanh),
    "ReLU": Activation(F.relu, F.relu_grad, ReLU),
    "leaky ReLU": Activation(F.leaky_relu, F.leaky_relu_grad, LeakyReLU, "slope", 0.01),
    "ELU": Activation(F.elu, F.elu_grad, ELU, "alpha", 1.0),
    "GELU": Activation(F.gelu, F.gelu_grad, GELU),
}
INITS = {"Xavier (Glorot)": "xavier_normal", "He (Kaiming)": "kaiming_normal"}


def _lookup(name: str) -> Activation:
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {list(ACTIVATIONS)}")
    return ACTIVATIONS[name]


def gradient_norms_through_depth(activation: str, depth: int = 20, *, width: int = 64,
                                 batch: int = 32, init: str = "xavier_normal",
                                 param: float | None = None, seed: int = 0) -> np.ndarray:
    """Relative gradient size at each of ``depth`` layers of ``Linear -> activation``.

    The stack maps (batch, width) -> (batch, width); inputs and the gradient arriving
    at the top are standard normal. Returns ``norms`` (depth,) with ``norms[k]`` the
    norm of dL/d(input of layer k + 1) divided by the norm of the top gradient, so
    ``norms[0]`` is what reaches the first layer. float64 throughout; biases start at 0.
    """
    where = "gradient_norms_through_depth"
    act = ACTIVATIONS[check_choice(activation, "activation", list(ACTIVATIONS), where=where)]
    check_choice(init, "init", list(INITS.values()), where=where)
    depth = check_int(depth, "depth", minimum=1, where=where)
    width = check_int(width, "width", minimum=1, where=where)
    batch = check_int(batch, "batch", minimum=1, where=where)
    param = None if param is None else check_float(param, "param", where=where)
    seed = check_seed(seed, where=where)
    rng = np.random.default_rng(seed)
    layers = []
    for _ in range(depth):
        layers += [Linear(width, width, init=init, rng=rng, dtype=np.float64), act.module(param)]
    h = rng.standard_normal((batch, width))
    for layer in layers:
        h = layer(h)
    grad = rng.standard_normal(h.shape)
    top = np.linalg.norm(grad)
    norms = []
    with np.errstate(over="ignore", invalid="ignore"):
        for layer in reversed(layers):
            grad = layer.backward(grad)
            if isinstance(layer, Linear):
                norms.append(np.linalg.norm(grad) / top)
    return np.array(norms[::-1])


def draw_activation(ax, name: str, param: float | None = None, *, lim: float = 4.0,
                    fontsize: int = 10) -> None:
    """f (solid) and f' (dashed) of activation ``name`` on [-lim, lim].

    ``param`` is the leaky ReLU's slope or the ELU's alpha (None: its default); activations
    without a parameter take None only.
    """
    where = "draw_activation"
    check_axes(ax, where=where)
    act = ACTIVATIONS[check_choice(name, "name", list(ACTIVATIONS), where=where)]
    if param is not None:
        if act.param is None:
            raise ValueError(f"{where}: {name} has no parameter, so param must be None, got "
                             f"{describe(param)}; leave param out")
        param = check_float(param, "param", minimum=-10.0, maximum=10.0, where=where)
    lim = check_float(lim, "lim", minimum=0.0, min_open=True, maximum=1e3, where=where)
    fontsize = check_float(fontsize, "fontsize", minimum=4.0, maximum=72.0, where=where)
    x = np.linspace(-lim, lim, 401)
    ax.axhline(0, color="0.8", lw=0.8)
    ax.axvline(0, color="0.8", lw=0.8)
    ax.plot(x, act(x, param), lw=2, label="f(x)")
    ax.plot(x, act.derivative(x, param), "--", lw=2, label="f′(x)")
    ax.set_ylim(-1.6, 2.2)
    label = name if act.param is None else f"{name} ({act.param} = {_param(act, param):g})"
    ax.set_title(label, fontsize=fontsize)
    ax.set_xlabel("x", fontsize=fontsize)
    ax.tick_params(labelsize=fontsize - 2)


def _param(act: Activation, param):
    return act.default if param is None else param


@lru_cache(maxsize=256)  # dragging a slider revisits the same settings
def _cached_norms(activation: str, depth: int, init: str, param) -> np.ndarray:
    norms = gradient_norms_through_depth(activation, depth, init=init, param=param)
    norms.flags.writeable = False
    return norms


_X = np.linspace(-4.0, 4.0, 401)


def _build_artists(fig) -> dict:
    """The widget's axes and artists, made once (as :func:`draw_activation` draws them);
    :func:`_draw` then only updates their data."""
    ax_f, ax_g = fig.subplots(1, 2)
    art = {"axes": list(fig.axes), "ax_f": ax_f, "ax_g": ax_g}
    ax_f.axhline(0, color="0.8", lw=0.8)
    ax_f.axvline(0, color="0.8", lw=0.8)
    art["f"], = ax_f.plot(_X, np.zeros_like(_X), lw=2, label="f(x)")
    art["grad"], = ax_f.plot(_X, np.zeros_like(_X), "--", lw=2, label="f′(x)")
    ax_f.set_ylim(-1.6, 2.2)
    ax_f.set_xlabel("x", fontsize=10)
    ax_f.tick_params(labelsize=8)
    ax_f.legend(loc="upper left", fontsize=9)
    # the gradient's axes has limits that change with the activation and the depth: a
    # MovingFrame draws its log scale's ticks itself, so the axes is never drawn again
    art["frame"] = frame = MovingFrame(ax_g, ylog=True, grid=False, x_integer=True)
    art["one"], = ax_g.plot([0, 1], [0, 0], color="0.6", lw=1, ls=":")
    art["norms"], = ax_g.plot([], [], "o-", ms=3)
    art["zero"] = ax_g.text(0.5, 0.5, "gradient = 0 at every layer", transform=ax_g.transAxes,
                            ha="center", color="tab:red", visible=False)
    ax_g.set(xlabel="layer (1 = first)", ylabel="‖gradient‖ / ‖gradient at top‖")
    # what changes: drawn over a background of axes and labels drawn once
    art["animated"] = [art["f"], art["grad"], ax_f.title, *frame.artists, art["one"],
                       art["norms"], art["zero"], ax_g.title]
    return art


def _draw(fig, activation: str, slope: float, alpha: float, depth: int, init: str) -> str:
    act = _lookup(activation)
    param = {"slope": slope, "alpha": alpha}.get(act.param)
    art = fig.__dict__.get("_nnlib_artists")
    if art is None or art["axes"] != fig.axes:
        art = fig.__dict__["_nnlib_artists"] = _build_artists(fig)
    ax_f, ax_g = art["ax_f"], art["ax_g"]
    art["f"].set_ydata(act(_X, param))
    art["grad"].set_ydata(act.derivative(_X, param))
    label = activation if act.param is None else (f"{activation} ({act.param} = "
                                                  f"{_param(act, param):g})")
    ax_f.set_title(label, fontsize=10)
    norms = _cached_norms(activation, int(depth), INITS[init], param)
    layers = np.arange(1, len(norms) + 1)
    shown = np.where(norms > 0, norms, np.nan)  # log axis: exact zeros cannot be drawn
    finite = np.isfinite(shown)
    art["zero"].set_visible(not finite.any())
    # whole decades, and layers in tens
    frame = art["frame"]
    frame.set_limits((0.5, max(10, -(-len(norms) // 10) * 10) + 0.5),
                     _decade_limits(shown, include=(1.0,)) if finite.any() else (1e-3, 10))
    art["norms"].set_data(frame.x(layers), frame.y(shown))
    art["one"].set_ydata(frame.y([1.0, 1.0]))
    depth = int(depth)
    ax_g.set_title(f"gradient flowing down {depth} layer{'s' if depth != 1 else ''}")
    first = norms[0]
    if not np.isfinite(first):
        return "overflow: the gradient became too large to represent"
    # norms are relative to the gradient sent in at the top (the loss side of layer N)
    if depth == 1:
        where, top = "through the single layer", "sent in above it"
    else:
        where, top = "reaching layer 1", f"sent in above layer {depth}"
    if first == 0:
        return f"the gradient {where} is exactly 0: nothing to learn from"
    verdict = "vanishes" if first < 1e-3 else "explodes" if first > 1e3 else "survives"
    return (f"{activation}, {init} init: the gradient {where} is {first:.2e} × the one {top}: "
            f"it {verdict}")


def activation_widget(activation: str = "sigmoid", depth: int = 20,
                      init: str = "Xavier (Glorot)") -> InteractiveFigure:
    """Pick an activation (leaky ReLU's slope, ELU's α); see f, f' and the gradient's size
    at every layer of a ``depth``-layer stack of width 64."""
    where = "activation_widget"
    controls = {
        "activation": dropdown("activation", ACTIVATIONS, activation, arg="activation",
                               where=where),
        "slope": slider("leaky slope", 0.01, 0.0, 1.0, 0.01),
        "alpha": slider("ELU α", 1.0, 0.0, 3.0, 0.1),
        "depth": slider("layers N", depth, 1, 50, 1, integer=True, arg="depth", where=where),
        "init": dropdown("init", INITS, init, arg="init", where=where),
    }
    return InteractiveFigure(_draw, controls, figsize=(9, 3.6), reuse=True,
                             title="Activation functions and the gradient through depth")
