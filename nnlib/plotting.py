"""Figures used across the notebooks, drawn with matplotlib's object API.

Each function draws on a ``matplotlib.figure.Figure`` (a new one unless ``fig``
is given) and returns it, so the same code serves static cells, widgets and tests;
``show(fig)`` displays one in a notebook.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure


def figure_png(fig: Figure, dpi: int | None = None) -> bytes:
    """``fig`` rendered as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def show(fig: Figure, dpi: int | None = None) -> None:
    """Display ``fig`` in the notebook as a PNG image.

    Works the same in JupyterLab, Colab and VS Code, with or without pyplot, and
    from widget callbacks (no pyplot state is touched).
    """
    from IPython.display import Image, display

    display(Image(data=figure_png(fig, dpi=dpi), format="png"))


def plot_digits(images, labels=None, predictions=None, *, ncols: int = 10,
                fig: Figure | None = None, cell_size: float = 0.9) -> Figure:
    """A grid of 28x28 images. images: (N, 784) or (N, 28, 28); labels, predictions: (N,).

    With ``predictions``, titles read "label→prediction" and wrong ones are red.
    """
    images = np.asarray(images)
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
