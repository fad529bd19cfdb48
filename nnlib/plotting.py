"""Figures used across the notebooks, drawn with matplotlib's object API.

Each function draws on a ``matplotlib.figure.Figure`` (a new one unless ``fig``
is given) and returns it, so the same code serves static cells, widgets and tests;
``show(fig)`` displays one in a notebook.
"""

from __future__ import annotations

import io
import math
import struct
import zlib

import numpy as np
from matplotlib.figure import Figure, FigureBase

from nnlib._checks import check_array, check_float, check_instance, check_int, describe

HISTORY_FIELDS = ("epochs", "train_loss", "val_loss", "train_metric", "val_metric",
                  "metric_name", "best_epoch")


def _check_fig(fig, where: str, optional: bool = True, sub_ok: bool = False):
    """A Figure; with ``sub_ok`` a SubFigure too (a plot may fill one panel of a figure)."""
    if sub_ok:
        return check_instance(fig, "fig", FigureBase, "a matplotlib Figure or SubFigure",
                              where=where, optional=optional)
    return check_instance(fig, "fig", Figure, "a matplotlib Figure", where=where,
                          optional=optional)


def _check_dpi(dpi, where: str):
    return None if dpi is None else check_float(dpi, "dpi", minimum=10, maximum=2000,
                                                where=where)


def _check_labels(values, name: str, n: int, where: str):
    """None, or (n,) whole-number class labels (a list, an array or a tensor)."""
    if values is None:
        return None
    arr = check_array(values, name, ndim=1, dtype="int", where=where, shape_text="(N,)")
    if len(arr) != n:
        raise ValueError(f"{where}: {name} must have one entry per image ({n}), got {len(arr)}")
    return arr


def figure_png(fig: Figure, dpi: int | None = None) -> bytes:
    """``fig`` rendered as PNG bytes."""
    _check_fig(fig, "figure_png", optional=False)
    dpi = _check_dpi(dpi, "figure_png")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def fast_png(fig: Figure) -> bytes:
    """``fig`` rendered at its own dpi as an RGB PNG with light compression (for widgets).

    Drawing on the figure's Agg canvas and encoding with zlib level 1 takes a fraction
    of ``savefig``'s time; the file is somewhat larger, which a live widget does not mind.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    _check_fig(fig, "fast_png", optional=False)
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    return canvas_png(canvas)


def canvas_png(canvas) -> bytes:
    """What an Agg canvas holds now (e.g. after blitting a few artists) as an RGB PNG.

    Written directly (rows unfiltered, zlib level 1): half the time of Pillow's encoder
    with its per-row filters, for files of the same size on these flat-coloured figures.
    """
    if not callable(getattr(canvas, "buffer_rgba", None)):
        raise TypeError(f"canvas_png: canvas must be a drawn Agg canvas (fig.canvas after "
                        f"fig.canvas.draw()), got {describe(canvas)}")
    rgba = np.asarray(canvas.buffer_rgba())
    height, width = rgba.shape[:2]
    rows = np.empty((height, 1 + 3 * width), dtype=np.uint8)
    rows[:, 0] = 0  # filter type "none" for every row
    rows[:, 1:].reshape(height, width, 3)[...] = rgba[..., :3]
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)) + _png_chunk(b"IEND", b""))


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def show(fig: Figure, dpi: int | None = None) -> None:
    """Display ``fig`` in the notebook as a PNG image.

    Works the same in JupyterLab, Colab and VS Code, with or without pyplot, and
    from widget callbacks (no pyplot state is touched).
    """
    from IPython.display import Image, display

    _check_fig(fig, "show", optional=False)
    dpi = _check_dpi(dpi, "show")
    display(Image(data=figure_png(fig, dpi=dpi), format="png"))


def plot_digits(images, labels=None, predictions=None, *, ncols: int = 10,
                fig: Figure | None = None, cell_size: float = 0.9) -> Figure:
    """A grid of 28x28 images. images: (N, 784) or (N, 28, 28); labels, predictions: (N,).

    With ``predictions``, titles read "label→prediction" and wrong ones are red.
    """
    where = "plot_digits"
    images = check_array(images, "images", ndim=(2, 3), dtype="any", where=where,
                         allow_empty=False, shape_text="(N, 784) or (N, 28, 28)")
    ncols = check_int(ncols, "ncols", minimum=1, where=where)
    cell_size = check_float(cell_size, "cell_size", minimum=0, min_open=True, maximum=10,
                            where=where)
    _check_fig(fig, where, sub_ok=True)
    labels = _check_labels(labels, "labels", len(images), where)
    predictions = _check_labels(predictions, "predictions", len(images), where)
    if predictions is not None and labels is None:
        raise ValueError(f"{where}: predictions are shown next to their labels; pass labels "
                         "too")
    if images.ndim == 2 and images.shape[1] == 784:
        images = images.reshape(-1, 28, 28)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (N, 784) or (N, 28, 28), got {images.shape}")
    n = len(images)
    if n == 0:
        raise ValueError("no images to plot")
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    if fig is None:
        fig = Figure(figsize=(cell_size * ncols, cell_size * nrows * 1.15))
    axes = fig.subplots(nrows, ncols, squeeze=False,
                        gridspec_kw={"wspace": 0.05, "hspace": 0.35, "left": 0.01, "right": 0.99,
                                     "bottom": 0.01, "top": 0.9})
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i >= n:
            continue
        ax.imshow(images[i], cmap="gray_r")
        if predictions is not None and labels is not None:
            wrong = int(labels[i]) != int(predictions[i])
            ax.set_title(f"{int(labels[i])}→{int(predictions[i])}", fontsize=8,
                         color="tab:red" if wrong else "black")
        elif labels is not None:
            ax.set_title(str(int(labels[i])), fontsize=8)
    return fig


def plot_history(history, fig: Figure | None = None, title: str = "",
                 gridspec_kw: dict | None = None) -> Figure:
    """Loss (left) and metric (right) per epoch of a training ``History``, from either half.

    ``gridspec_kw`` (e.g. fixed margins) is passed to ``fig.subplots``.
    """
    where = "plot_history"
    if not all(hasattr(history, field) for field in HISTORY_FIELDS):
        raise TypeError(f"{where}: history must be a training History (what fit returns), "
                        f"got {describe(history)}")
    _check_fig(fig, where, sub_ok=True)
    check_instance(title, "title", str, "a str", where=where)
    check_instance(gridspec_kw, "gridspec_kw", dict, "a dict", where=where, optional=True)
    if fig is None:
        fig = Figure(figsize=(9, 3.2), layout="constrained")
    ax_loss, ax_metric = fig.subplots(1, 2, gridspec_kw=gridspec_kw)
    n = history.epochs
    epochs = range(1, n + 1)
    accuracy = history.metric_name == "accuracy"
    curves = [(ax_loss, history.train_loss, history.val_loss, 1.0),
              (ax_metric, history.train_metric, history.val_metric, 100.0 if accuracy else 1.0)]
    for ax, train, val, scale in curves:
        if train:
            ax.plot(epochs, [v * scale for v in train], "o-", ms=3, label="train")
        if val:
            ax.plot(epochs[:len(val)], [v * scale for v in val], "s--", ms=3,
                    label="validation")
        if history.best_epoch is not None:
            ax.axvline(history.best_epoch + 1, color="gray", ls=":", lw=1,
                       label=f"best (epoch {history.best_epoch + 1})")
        ax.grid(alpha=0.3)
        if n:
            ax.set_xlim(0.5, max(n, 2) + 0.5)
            ax.xaxis.get_major_locator().set_params(integer=True)
            if ax.get_legend_handles_labels()[0]:  # no metric (metric=None): no empty legend
                ax.legend(fontsize=9)
        else:
            ax.text(0.5, 0.5, "no epochs yet", ha="center", va="center",
                    transform=ax.transAxes, color="gray")
    losses = [v for v in history.train_loss + history.val_loss if v > 0 and math.isfinite(v)]
    if losses and max(losses) > 50 * min(losses):  # e.g. a loss that blew up
        ax_loss.set_yscale("log")
    ax_loss.set(xlabel="epoch", ylabel="loss", title="loss")
    name = history.metric_name
    ax_metric.set(xlabel="epoch", ylabel=f"{name} (%)" if accuracy else name, title=name)
    if title:
        fig.suptitle(title)
    return fig


def plot_confusion_matrix(matrix, class_names=None, fig: Figure | None = None,
                          title: str = "Confusion matrix") -> Figure:
    """Heat map of a confusion matrix (C, C) with its counts written in; off-diagonal = mistakes.

    ``matrix``: rows = true class, columns = predicted class (a NumPy array or a tensor).
    """
    where = "plot_confusion_matrix"
    counts = check_array(matrix, "matrix", ndim=2, dtype="any", allow_empty=False,
                         where=where, shape_text="(C, C)")
    if counts.shape[0] != counts.shape[1] or counts.dtype.kind == "b" or counts.min() < 0:
        raise ValueError(f"{where}: matrix must be a square (C, C) table of counts >= 0, got "
                         f"{describe(counts)}")
    n = len(counts)
    if class_names is not None:
        check_instance(class_names, "class_names", (list, tuple, np.ndarray, range),
                       "a list of C names", where=where)
        if len(class_names) != n:
            raise ValueError(f"{where}: class_names must hold one name per class ({n}), got "
                             f"{len(class_names)}")
    _check_fig(fig, where, sub_ok=True)
    check_instance(title, "title", str, "a str", where=where)
    names = [str(c) for c in (class_names if class_names is not None else range(n))]
    if fig is None:
        fig = Figure(figsize=(5.2, 4.6), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(counts, cmap="Blues")
    fig.colorbar(image, ax=ax, shrink=0.8, label="count")
    threshold = counts.max() / 2 if counts.size else 0
    for i in range(n):
        for j in range(n):
            if counts[i, j]:
                ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if counts[i, j] > threshold else "black")
    ax.set(xticks=range(n), yticks=range(n), xlabel="predicted", ylabel="true", title=title)
    ax.set_xticklabels(names)
    ax.set_yticklabels(names)
    return fig
