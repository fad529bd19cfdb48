"""Widget for notebook 05: one prediction against each loss and its gradient.

The marked point is computed by nnlib's own loss modules (``nnlib.scratch.losses``); the
curves, a few hundred points each, are computed in one go from the same formulas written
out per point in NumPy (a test checks them against the modules point by point).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from nnlib._checks import check_array, check_choice, check_float
from nnlib.errors import NonFiniteError
from nnlib.scratch import functional as F
from nnlib.scratch.losses import BCEWithLogitsLoss, HuberLoss, L1Loss, MSELoss
from nnlib.widgets.core import InteractiveFigure, dropdown, slider

# name -> (nnlib loss module, is the prediction a logit that goes through a sigmoid?)
LOSSES = {
    "MSE": (MSELoss(), False),
    "MAE": (L1Loss(), False),
    "Huber (δ = 1)": (HuberLoss(delta=1.0), False),
    "BCE on the logit": (BCEWithLogitsLoss(), True),
    "MSE after a sigmoid": (MSELoss(), True),
}
CLASSIFICATION_LOSSES = ("BCE on the logit", "MSE after a sigmoid")


def _check_loss(name: str, where: str = ""):
    return LOSSES[check_choice(name, "name", list(LOSSES), where=where)]


def _check_point(name, target, values, values_name, where):
    """Issue 16: a target a loss cannot take, or a loss that overflows float64, is refused."""
    target = check_float(target, "target", where=where)
    if LOSSES[name][1] and not 0 <= target <= 1:
        raise ValueError(f"{where}: target must lie in [0, 1] for {name!r} (a probability), "
                         f"got {target:g}")
    with np.errstate(over="ignore", invalid="ignore"):
        if not np.all(np.isfinite(np.asarray(values, dtype=float) - target)) or (
                not np.all(np.isfinite(np.square(np.asarray(values, dtype=float) - target)))):
            raise NonFiniteError(f"{where}: the loss at {values_name} and target={target:g} "
                                 "overflows float64; use values of moderate size")
    return target


def loss_and_grad(name: str, prediction: float, target: float) -> tuple[float, float]:
    """The loss of one prediction and dL/dprediction, computed by nnlib's loss modules.

    For "BCE on the logit" and "MSE after a sigmoid" the prediction is a logit z and the
    gradient is dL/dz (through the sigmoid); the target must lie in [0, 1].
    """
    loss_fn, on_logit = _check_loss(name, "loss_and_grad")
    prediction = check_float(prediction, "prediction", where="loss_and_grad")
    target = _check_point(name, target, prediction, f"prediction={prediction:g}",
                          "loss_and_grad")
    pred = np.array([float(prediction)])
    target_arr = np.array([float(target)])
    if name == "MSE after a sigmoid":
        prob = F.sigmoid(pred)
        loss = loss_fn(prob, target_arr)
        return loss, float(loss_fn.backward()[0] * F.sigmoid_grad(pred)[0])
    loss = loss_fn(pred, target_arr)
    return loss, float(loss_fn.backward()[0])


def loss_curves(name: str, target: float, predictions) -> tuple[np.ndarray, np.ndarray]:
    """Loss and gradient at each of ``predictions`` (shape (n,)): two arrays of shape (n,),
    what :func:`loss_and_grad` gives at each point, computed for all points at once."""
    _check_loss(name, "loss_curves")
    x = check_array(predictions, "predictions", ndim=1, where="loss_curves",
                    shape_text="(n,)").astype(float)
    target = _check_point(name, target, x, "these predictions", "loss_curves")
    t = float(target)
    if name == "BCE on the logit":  # the stable form BCEWithLogitsLoss uses
        with np.errstate(under="ignore"):
            values = np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))
        return values, F.sigmoid(x) - t
    if name == "MSE after a sigmoid":
        diff = F.sigmoid(x) - t
        return diff * diff, 2 * diff * F.sigmoid_grad(x)
    diff = x - t
    if name == "MSE":
        return diff * diff, 2 * diff
    if name == "MAE":
        return np.abs(diff), np.sign(diff)
    delta = LOSSES[name][0].delta  # Huber
    return (np.where(np.abs(diff) < delta, 0.5 * diff * diff, delta * (np.abs(diff) - 0.5 * delta)),
            np.clip(diff, -delta, delta))


@lru_cache(maxsize=64)  # moving the prediction slider re-reads the same curves
def _curves(loss: str, target: float, n_points: int):
    xs = np.linspace(-6, 6, n_points)
    values, grads = loss_curves(loss, target, xs)
    return xs, values, grads


TARGET_RANGE = (-2.0, 2.0)  # the widget's target slider


def _loss_ranges(loss: str, target: float, n_points: int):
    """(min, max) of the loss and of its gradient over the plotted predictions, for the
    targets at both ends of the slider and ``target``: the extremes of these losses, which
    grow with the distance between prediction and target."""
    _, on_logit = LOSSES[loss]
    ends = (0.0, 1.0) if on_logit else TARGET_RANGE
    curves = [_curves(loss, float(t), n_points) for t in (*ends, target)]
    values = np.concatenate([c[1] for c in curves])
    grads = np.concatenate([c[2] for c in curves])
    return (values.min(), values.max()), (grads.min(), grads.max())


def _nice_limits(lo: float, hi: float) -> tuple[float, float]:
    """``(lo, hi)`` widened to multiples of a round step (1, 2 or 5 times a power of ten,
    about a tenth of the span): they change far less often than the data's own limits, so
    moving a slider rarely draws an axis again."""
    span = max(hi - lo, 1e-9)
    power = 10.0 ** np.floor(np.log10(span / 10))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= span / 10)
    return float(np.floor(lo / step) * step), float(np.ceil(hi / step) * step)


# where the two axes sit in the widget's 9 x 3.4 inch figure (left, bottom, width, height, as
# fractions of it): what constrained layout finds for "MSE after a sigmoid", whose tick labels
# ("-0.2", "-0.4") are the widest; fixed, so no loss's labels are cut whichever comes first
AXES_POSITIONS = ((0.0753, 0.1409, 0.4197, 0.7819), (0.5757, 0.1409, 0.4197, 0.7819))


def _draw_loss(fig, loss: str, target: float, prediction: float, n_points: int = 241) -> str:
    """Loss curve and gradient curve against the prediction, with the current point marked.

    On a figure it drew before, only the data of its lines and texts are updated (what the
    widget does on every change); on a fresh figure everything is built.
    """
    _, on_logit = _check_loss(loss)
    note = ""
    if on_logit and not 0 <= target <= 1:
        clipped = float(np.clip(target, 0, 1))
        note = f" (a probability target must lie in [0, 1]: {target:g} used as {clipped:g})"
        target = clipped
    xs, values, grads = _curves(loss, float(target), n_points)
    value, grad = loss_and_grad(loss, prediction, target)
    xlabel = "logit z   (predicted probability σ(z))" if on_logit else "prediction ŷ"
    art = fig.__dict__.get("_nnlib_artists")
    if art is None or art["fig_axes"] != fig.axes:
        ax_loss, ax_grad = fig.subplots(1, 2)
        if fig.get_layout_engine() is None:  # the widget's figure: fixed room for every loss
            for ax, position in zip((ax_loss, ax_grad), AXES_POSITIONS):
                ax.set_position(position)
        art = {"ax_loss": ax_loss, "ax_grad": ax_grad}
        art["curve"], = ax_loss.plot(xs, values, color="tab:blue", lw=2)
        art["point"], = ax_loss.plot([prediction], [value], "o", color="tab:red", ms=8)
        art["tangent"], = ax_loss.plot([], [], "--", color="tab:red", lw=1)
        art["vline"] = ax_loss.axvline(0, color="gray", lw=0.8)
        art["grad_curve"], = ax_grad.plot(xs, grads, color="tab:green", lw=2)
        art["grad_point"], = ax_grad.plot([prediction], [grad], "o", color="tab:red", ms=8)
        ax_grad.axhline(0, color="gray", lw=0.8)
        for ax in (ax_loss, ax_grad):
            ax.grid(alpha=0.3)
        art["fig_axes"] = list(fig.axes)
        art["cell_cache"] = 16  # each loss has its own limits: keep its axes once drawn
        # what changes: drawn over a background of axes, ticks and labels drawn once
        # (an axes is drawn again only when its limits change: see _nice_limits). The x
        # labels are not in this list: matplotlib draws an axis label with its axes even when
        # it is marked animated, so it belongs to the axes' kept pixels, and each axes'
        # _nnlib_state says which label (prediction or logit) those pixels hold
        art["animated"] = [art["curve"], art["point"], art["tangent"], art["vline"],
                           art["grad_curve"], art["grad_point"], ax_loss.title, ax_grad.title]
        fig.__dict__["_nnlib_artists"] = art
    ax_loss, ax_grad = art["ax_loss"], art["ax_grad"]
    for ax in (ax_loss, ax_grad):  # the x label is part of the axes' background
        ax._nnlib_state = on_logit
    art["curve"].set_data(xs, values)
    art["point"].set_data([prediction], [value])
    tangent = value + grad * (xs - prediction)  # the slope the optimizer sees
    span = max(values.max() - values.min(), 1e-3)
    keep = (tangent > values.min() - 0.2 * span) & (tangent < values.max() + 0.2 * span)
    art["tangent"].set_data(xs[keep], tangent[keep])
    # limits that hold for every target of the slider (and this one): moving the target or
    # the prediction never draws an axis again
    (vlo, vhi), (glo, ghi) = _loss_ranges(loss, float(target), n_points)
    vspan, gspan = max(vhi - vlo, 1e-3), max(ghi - glo, 1e-3)
    ax_loss.set(title=f"{loss}: loss", xlabel=xlabel, ylabel="loss", xlim=(-6.6, 6.6),
                ylim=_nice_limits(vlo - 0.05 * vspan, vhi + 0.05 * vspan))
    art["grad_curve"].set_data(xs, grads)
    art["grad_point"].set_data([prediction], [grad])
    ax_grad.set(title="gradient dL/dz" if on_logit else "gradient dL/dŷ", xlabel=xlabel,
                ylabel="gradient", xlim=(-6.6, 6.6),
                ylim=_nice_limits(glo - 0.08 * gspan, ghi + 0.08 * gspan))
    if on_logit:
        art["vline"].set(xdata=[0, 0], color="gray", lw=0.5, ls="-")
        prob = float(F.sigmoid(np.array(prediction)))
        point = f"z = {prediction:.2f}, σ(z) = {prob:.4f}"
    else:
        art["vline"].set(xdata=[target, target], color="gray", lw=0.8, ls=":")
        point = f"ŷ = {prediction:.2f}"
    return f"target {target:g}, {point}: loss {value:.4f}, gradient {grad:.4f}{note}"


def loss_explorer(loss: str = "MSE", target: float = 1.0, prediction: float = -2.0
                  ) -> InteractiveFigure:
    """Choose a loss, a target and a prediction (or logit); see the loss and its gradient."""
    where = "loss_explorer"
    controls = {
        "loss": dropdown("loss", LOSSES, loss, arg="loss", where=where),
        "target": slider("target", target, *TARGET_RANGE, 0.1, arg="target", where=where),
        "prediction": slider("prediction", prediction, -6.0, 6.0, 0.1, arg="prediction",
                             where=where),
    }
    widget = InteractiveFigure(_draw_loss, controls, figsize=(9, 3.4), reuse=True, layout=None,
                               title="A loss and its gradient at one prediction")
    widget.warm("loss")  # every loss's axes drawn now: switching losses costs a blit
    return widget
