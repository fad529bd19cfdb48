"""Widget for notebook 05: one prediction against each loss and its gradient.

The curves are computed with nnlib's own losses (``nnlib.scratch.losses``) one point
at a time, so the picture is exactly what the engine computes.
"""

from __future__ import annotations

import numpy as np

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


def _check_loss(name: str):
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; choose one of {list(LOSSES)}")
    return LOSSES[name]


def loss_and_grad(name: str, prediction: float, target: float) -> tuple[float, float]:
    """The loss of one prediction and dL/dprediction, computed by nnlib's loss modules.

    For "BCE on the logit" and "MSE after a sigmoid" the prediction is a logit z and the
    gradient is dL/dz (through the sigmoid); the target must lie in [0, 1].
    """
    loss_fn, on_logit = _check_loss(name)
    pred = np.array([float(prediction)])
    target_arr = np.array([float(target)])
    if name == "MSE after a sigmoid":
        prob = F.sigmoid(pred)
        loss = loss_fn(prob, target_arr)
        return loss, float(loss_fn.backward()[0] * F.sigmoid_grad(pred)[0])
    loss = loss_fn(pred, target_arr)
    return loss, float(loss_fn.backward()[0])


def loss_curves(name: str, target: float, predictions) -> tuple[np.ndarray, np.ndarray]:
    """Loss and gradient at each of ``predictions`` (shape (n,)): two arrays of shape (n,)."""
    pairs = [loss_and_grad(name, p, target) for p in np.asarray(predictions, dtype=float)]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


def draw_loss(fig, loss: str, target: float, prediction: float, n_points: int = 241) -> str:
    """Loss curve and gradient curve against the prediction, with the current point marked."""
    _, on_logit = _check_loss(loss)
    note = ""
    if on_logit and not 0 <= target <= 1:
        clipped = float(np.clip(target, 0, 1))
        note = f" (a probability target must lie in [0, 1]: {target:g} used as {clipped:g})"
        target = clipped
    xs = np.linspace(-6, 6, n_points)
    values, grads = loss_curves(loss, target, xs)
    value, grad = loss_and_grad(loss, prediction, target)
    xlabel = "logit z   (predicted probability σ(z))" if on_logit else "prediction ŷ"
    ax_loss, ax_grad = fig.subplots(1, 2)
    ax_loss.plot(xs, values, color="tab:blue", lw=2)
    ax_loss.plot([prediction], [value], "o", color="tab:red", ms=8)
    tangent = value + grad * (xs - prediction)  # the slope the optimizer sees
    span = max(values.max() - values.min(), 1e-3)
    keep = (tangent > values.min() - 0.2 * span) & (tangent < values.max() + 0.2 * span)
    ax_loss.plot(xs[keep], tangent[keep], "--", color="tab:red", lw=1)
    ax_loss.set(title=f"{loss}: loss", xlabel=xlabel, ylabel="loss",
                ylim=(values.min() - 0.05 * span, values.max() + 0.05 * span))
    ax_grad.plot(xs, grads, color="tab:green", lw=2)
    ax_grad.plot([prediction], [grad], "o", color="tab:red", ms=8)
    ax_grad.axhline(0, color="gray", lw=0.8)
    ax_grad.set(title="gradient dL/dz" if on_logit else "gradient dL/dŷ", xlabel=xlabel,
                ylabel="gradient")
    if on_logit:
        ax_loss.axvline(0, color="gray", lw=0.5)
        prob = float(F.sigmoid(np.array(prediction)))
        point = f"z = {prediction:.2f}, σ(z) = {prob:.4f}"
    else:
        ax_loss.axvline(target, color="gray", lw=0.8, ls=":")
        point = f"ŷ = {prediction:.2f}"
    for ax in (ax_loss, ax_grad):
        ax.grid(alpha=0.3)
    return f"target {target:g}, {point}: loss {value:.4f}, gradient {grad:.4f}{note}"


def loss_explorer(loss: str = "MSE", target: float = 1.0, prediction: float = -2.0
                  ) -> InteractiveFigure:
    """Choose a loss, a target and a prediction (or logit); see the loss and its gradient."""
    where = "loss_explorer"
    controls = {
        "loss": dropdown("loss", LOSSES, loss, arg="loss", where=where),
        "target": slider("target", target, -2.0, 2.0, 0.1, arg="target", where=where),
        "prediction": slider("prediction", prediction, -6.0, 6.0, 0.1, arg="prediction",
                             where=where),
    }
    return InteractiveFigure(draw_loss, controls, figsize=(9, 3.4),
                             title="A loss and its gradient at one prediction")
