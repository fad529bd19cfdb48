"""Widgets and figures for notebook 09 (convolutional networks).

* :data:`KERNELS` holds classic hand-made 3x3 kernels (edges, blur, sharpen);
* :func:`feature_map` slides one kernel over one grey image with nnlib's ``conv2d``
  (the same code as the ``Conv2d`` layer: nothing is re-derived here);
* :func:`draw_kernel` draws a kernel as a grid of its numbers;
* :func:`convolution_widget` lets you pick a kernel (or type your own nine numbers), a digit,
  the stride and the padding, and shows the feature map.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize

from nnlib._checks import check_array, check_axes, check_choice, check_float, check_text
from nnlib.errors import ShapeError
from nnlib.scratch.conv import conv2d, conv_output_size
from nnlib.widgets.core import InteractiveFigure, dropdown, slider

CUSTOM = "custom (edit the 9 numbers)"
KERNELS = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "box blur": np.full((3, 3), 1 / 9).tolist(),
    "Gaussian blur": (np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16).tolist(),
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "Sobel x (vertical edges)": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "Sobel y (horizontal edges)": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "Laplacian (outline)": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
}
KERNELS = {name: np.array(k, dtype=np.float64) for name, k in KERNELS.items()}


def feature_map(image, kernel, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Cross-correlate one grey ``image: (H, W)`` with ``kernel: (kH, kW)``; returns (OH, OW).

    The kernel is not flipped, as in every deep learning library.
    """
    image = check_array(image, "image", where="feature_map")
    kernel = check_array(kernel, "kernel", where="feature_map")
    image, kernel = image.astype(np.float64), kernel.astype(np.float64)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(f"feature_map expects a 2-D image and a 2-D kernel, got shapes "
                         f"{image.shape} and {kernel.shape}")
    return conv2d(image[None, None], kernel[None, None], stride=stride, padding=padding)[0, 0]


def draw_kernel(ax, kernel, title: str = "kernel", fontsize: int = 11) -> None:
    """The kernel as a coloured grid with each number written in its cell (NaN and inf are
    written too: a learner may type them into the custom kernel)."""
    where = "draw_kernel"
    check_axes(ax, where=where)
    kernel = check_array(kernel, "kernel", ndim=2, shape_text="(height, width)", finite=False,
                         allow_empty=False, where=where).astype(np.float64)
    if max(kernel.shape) > 32:
        raise ShapeError(f"{where}: kernel of shape {kernel.shape} has too many cells to "
                         "write each number; draw a kernel of at most 32 x 32")
    check_text(title, "title", where=where)
    fontsize = check_float(fontsize, "fontsize", minimum=4.0, maximum=72.0, where=where)
    finite = kernel[np.isfinite(kernel)]
    limit = max(float(np.abs(finite).max()) if finite.size else 1.0, 1e-12)
    # colour by kernel / limit: huge typed numbers cannot overflow the colour scale
    ax.imshow(np.nan_to_num(kernel / limit, posinf=1, neginf=-1), cmap="RdBu_r", vmin=-1,
              vmax=1)
    for (i, j), value in np.ndenumerate(kernel):
        ax.text(j, i, _kernel_text(value), ha="center", va="center", fontsize=fontsize,
                color="white" if abs(np.nan_to_num(value)) > 0.6 * limit else "black")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=fontsize)


def _custom_controls(values=None) -> dict[str, widgets.FloatText]:
    values = np.zeros((3, 3)) if values is None else np.asarray(values, dtype=np.float64)
    return {f"k{i}{j}": widgets.FloatText(value=float(values[i, j]), description=f"k[{i},{j}]",
                                          layout={"width": "130px"},
                                          style={"description_width": "40px"})
            for i in range(3) for j in range(3)}


def _kernel_text(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1e4 or not np.isfinite(value) else f"{value:.0e}"


def _build_artists(fig, image) -> dict:
    """The widget's axes and artists, made once; :func:`_draw` then only updates their data.

    They look as :func:`draw_kernel` and a fresh ``imshow`` draw them."""
    ax_img, ax_k, ax_out = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 0.8, 1]})
    art = {"ax_img": ax_img, "ax_k": ax_k, "ax_out": ax_out}
    art["input"] = ax_img.imshow(image, cmap="gray_r")
    ax_img.set_axis_off()
    art["kernel"] = ax_k.imshow(np.zeros((3, 3)), cmap="RdBu_r", vmin=-1, vmax=1)
    art["numbers"] = [ax_k.text(j, i, "", ha="center", va="center", fontsize=10)
                      for i in range(3) for j in range(3)]
    ax_k.set_xticks([])
    ax_k.set_yticks([])
    art["output"] = ax_out.imshow(np.zeros((26, 26)), cmap="RdBu_r", vmin=-1, vmax=1)
    # a colour bar of fixed scale -1..1 whose three labels say what -1, 0 and 1 stand for:
    # only the labels change, so the bar is never drawn again
    bar = fig.colorbar(ScalarMappable(Normalize(-1, 1), "RdBu_r"), ax=ax_out, shrink=0.8,
                       ticks=[-1, 0, 1])
    # invisible tick labels as wide as the widest label keep room for the labels
    bar.ax.set_yticklabels(["-0.000e+00", "0", "0.000e+00"], fontsize=10, color="none")
    art["bar_labels"] = [bar.ax.text(1.6, y, "", transform=bar.ax.transAxes, fontsize=10,
                                     va="center", ha="left") for y in (0.0, 0.5, 1.0)]
    for text in art["bar_labels"]:
        text.set_in_layout(False)
    ax_out.set_axis_off()
    art["message"] = ax_out.text(0.5, 0.5, "", ha="center", va="center",
                                 transform=ax_out.transAxes, color="tab:red")
    for ax in (ax_img, ax_k, ax_out):
        ax.set_title(" ", fontsize=10)
    art["axes"] = list(fig.axes)
    # what changes: drawn over a background of axes and colour bar drawn once
    art["animated"] = [art["input"], art["kernel"], *art["numbers"], art["output"],
                       art["message"], *art["bar_labels"], ax_img.title, ax_k.title, ax_out.title]
    return art


def _bar_labels(art, limit) -> None:
    """Label the colour bar's ends and middle with -limit, 0 and limit (None: no labels)."""
    texts = ("", "", "") if limit is None else (f" {-limit:.3g}", " 0", f" {limit:.3g}")
    for artist, text in zip(art["bar_labels"], texts):
        artist.set_text(text)


def _draw(fig, images, labels, kernel: str, index: int, stride: int, padding: int,
          relu: bool, **custom) -> str:
    if kernel == CUSTOM:
        weights = np.array([[custom[f"k{i}{j}"] for j in range(3)] for i in range(3)],
                           dtype=np.float64)
    else:
        weights = KERNELS[kernel]
    index = int(np.clip(index, 0, len(images) - 1))
    image = images[index]
    art = fig.__dict__.get("_nnlib_artists")
    if art is None or art["axes"] != fig.axes:
        art = fig.__dict__["_nnlib_artists"] = _build_artists(fig, image)
    art["input"].set_data(image)
    art["input"].set_clim(image.min(), image.max())
    art["ax_img"].set_title(f"input: test digit #{index} (a {labels[index]}), 28 x 28",
                            fontsize=10)
    # the kernel, as draw_kernel draws it
    finite = weights[np.isfinite(weights)]
    limit = max(float(np.abs(finite).max()) if finite.size else 1.0, 1e-12)
    art["kernel"].set_data(np.nan_to_num(weights / limit, posinf=1, neginf=-1))
    for text, value in zip(art["numbers"], weights.ravel()):
        text.set_text(_kernel_text(value))
        text.set_color("white" if abs(np.nan_to_num(value)) > 0.6 * limit else "black")
    art["ax_k"].set_title(kernel if len(kernel) < 26 else "custom kernel", fontsize=10)
    output, message, title = art["output"], art["message"], art["ax_out"].title
    if not np.all(np.isfinite(weights)):
        output.set_visible(False)
        message.set_text("kernel has NaN or inf")
        title.set_text("")
        _bar_labels(art, None)
        return "the kernel contains NaN or infinity: type ordinary numbers"
    with np.errstate(over="ignore", invalid="ignore"):
        out = feature_map(image, weights, stride, padding)
        if relu:
            out = np.maximum(out, 0)
    if not np.all(np.isfinite(out)) or np.abs(out).max() > 1e150:  # too big to colour
        output.set_visible(False)
        message.set_text("overflow")
        title.set_text("")
        _bar_labels(art, None)
        return "the feature map overflowed: use smaller kernel numbers"
    limit = max(float(np.abs(out).max()), 1e-12)
    side = conv_output_size(28, 3, stride, padding)
    output.set_visible(True)
    message.set_text("")
    output.set_data(out)
    output.set_extent((-0.5, out.shape[1] - 0.5, out.shape[0] - 0.5, -0.5))
    output.set_clim(-limit, limit)
    _bar_labels(art, limit)
    art["ax_out"].set(xlim=(-0.5, out.shape[1] - 0.5), ylim=(out.shape[0] - 0.5, -0.5))
    title.set_text(f"feature map{' after ReLU' if relu else ''}, {side} x {side}")
    return (f"output side = (28 + 2·{padding} − 3) // {stride} + 1 = {side};  "
            f"values from {out.min():.3g} to {out.max():.3g} (red > 0, blue < 0)")


def convolution_widget(kernel: str = "Sobel x (vertical edges)", index: int = 0,
                       images=None, labels=None) -> InteractiveFigure:
    """Pick a kernel (or choose "custom" and type 9 numbers), a digit, stride and padding.

    images: (N, 28, 28) grey images and labels (N,); default: the bundled MNIST test digits.
    """
    if images is None:
        from nnlib.data import load_mnist

        images, labels = load_mnist("test", flatten=False)
    images = check_array(images, "images", where="convolution_widget", ndim=3,
                         shape_text="(N, H, W)", allow_empty=False).astype(np.float64)
    labels = np.zeros(len(images), dtype=int) if labels is None else check_array(
        labels, "labels", where="convolution_widget", ndim=1, dtype="any")
    if len(labels) != len(images):
        raise ShapeError(f"convolution_widget: labels must have one entry per image, got "
                         f"{len(labels)} labels for {len(images)} images")
    check_choice(kernel, "kernel", [*KERNELS, CUSTOM], where="convolution_widget")
    controls = {
        "kernel": dropdown("kernel", [*KERNELS, CUSTOM], kernel),
        "index": slider("digit #", index, 0, len(images) - 1, 1, integer=True, arg="index",
                        where="convolution_widget"),
        "stride": dropdown("stride", [1, 2, 3], 1),
        "padding": dropdown("padding", [0, 1, 2], 0),
        "relu": widgets.Checkbox(value=False, description="ReLU after"),
        **_custom_controls(KERNELS["sharpen"]),
    }

    def draw(fig, **values):
        return _draw(fig, images, labels, **values)

    return InteractiveFigure(draw, controls, figsize=(10, 3.4), reuse=True,
                             title="Slide a 3 x 3 kernel over a digit")
