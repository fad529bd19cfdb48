"""Latent-space explorer for a 2-D VAE (notebook 13).

Left: the latent codes of real digits, coloured by class, and a cross at the point chosen
with the ``z1``/``z2`` sliders. Middle: the image the decoder makes from that point. Right:
a straight walk in latent space from digit ``a`` to digit ``b`` (their codes are the means
mu of the encoder), decoded at ``steps`` evenly spaced points.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import numpy as np

from nnlib._checks import check_array, check_callable, check_float, check_int
from nnlib.widgets.core import InteractiveFigure, slider


def interpolate(z_a, z_b, steps: int = 7) -> np.ndarray:
    """``steps`` points on the segment from z_a to z_b (both ends included): (steps, K)."""
    z_a = check_array(z_a, "z_a", ndim=1, where="interpolate", shape_text="(K,)")
    z_b = check_array(z_b, "z_b", shape=z_a.shape, where="interpolate",
                      shape_text=f"{z_a.shape}, as z_a")
    steps = check_int(steps, "steps", minimum=2, where="interpolate")
    t = np.linspace(0.0, 1.0, steps)[:, None]
    return (1 - t) * z_a + t * z_b


class LatentExplorer(InteractiveFigure):
    """Move a point in a 2-D latent space and see the decoded image; interpolate two digits.

    decode: function (M, 2) array -> (M, 784) images in [0, 1] (e.g. a VAE's decoder).
    codes:  (N, 2) latent codes of real digits (drawn as the map), labels (N,) their classes.
    """

    def __init__(self, decode: Callable[[np.ndarray], np.ndarray], codes, labels, *,
                 extent: float = 3.0, a: int = 0, b: int = 1, steps: int = 7):
        self.decode = check_callable(decode, "decode", where="LatentExplorer")
        self.codes = check_array(codes, "codes", shape=(None, 2), shape_text="(N, 2)")
        self.labels = np.asarray(labels)
        if self.labels.shape != (len(self.codes),):
            raise ValueError(f"LatentExplorer: labels must have shape ({len(self.codes)},), "
                             f"one class per code, got {self.labels.shape}")
        self.extent = check_float(extent, "extent", minimum=0, min_open=True, maximum=100,
                                  where="LatentExplorer",
                                  hint="the half-width of the map, e.g. 3 (codes lie near 0)")
        self.steps = check_int(steps, "steps", minimum=2, where="LatentExplorer")
        last = len(self.codes) - 1
        a = check_int(a, "a", minimum=0, maximum=last, where="LatentExplorer")
        b = check_int(b, "b", minimum=0, maximum=last, where="LatentExplorer")
        controls = {
            "z1": slider("z1", 0.0, -extent, extent, 0.1),
            "z2": slider("z2", 0.0, -extent, extent, 0.1),
            "a": widgets.BoundedIntText(value=a, min=0, max=last, description="digit a"),
            "b": widgets.BoundedIntText(value=b, min=0, max=last, description="digit b"),
        }
        super().__init__(self._draw, controls, figsize=(10.0, 3.4), reuse=True,
                         title="Latent-space explorer")

    def image_at(self, z1: float, z2: float) -> np.ndarray:
        """The decoded 28 x 28 image at latent point (z1, z2)."""
        return np.asarray(self.decode(np.array([[z1, z2]]))).reshape(28, 28)

    def _build(self, fig) -> dict:
        """The axes, the map of codes (drawn once, into the kept background) and the
        artists that change (cross, path, images, titles), blitted on every redraw."""
        grid = fig.add_gridspec(2, 3, width_ratios=[1.2, 1, 2.2])
        ax_map = fig.add_subplot(grid[:, 0])
        ax_map.scatter(self.codes[:, 0], self.codes[:, 1], c=self.labels, cmap="tab10", s=4,
                       vmin=0, vmax=9)
        art = {}
        art["cross"], = ax_map.plot([0], [0], "k+", markersize=14, markeredgewidth=2)
        art["path"], = ax_map.plot([], [], "k--", linewidth=1)
        lim = self.extent
        ax_map.set(xlim=(-lim, lim), ylim=(-lim, lim), title="latent codes (colour = digit)")
        ax_img = fig.add_subplot(grid[:, 1])
        art["image"] = ax_img.imshow(np.zeros((28, 28)), cmap="gray", vmin=0, vmax=1)
        art["image_title"] = ax_img.set_title(" ")
        ax_img.axis("off")
        ax_strip = fig.add_subplot(grid[:, 2])
        art["strip"] = ax_strip.imshow(np.zeros((28, 28 * self.steps)), cmap="gray", vmin=0,
                                       vmax=1)
        art["strip_title"] = ax_strip.set_title(" ")
        ax_strip.axis("off")
        art["animated"] = [art[k] for k in ("cross", "path", "image", "image_title", "strip",
                                            "strip_title")]
        fig.__dict__["_nnlib_artists"] = art
        return art

    def _draw(self, fig, z1, z2, a, b):
        art = fig.__dict__.get("_nnlib_artists") or self._build(fig)
        art["cross"].set_data([z1], [z2])
        if art.get("ends") != (a, b):  # a new pair of digits: a new path and strip
            path = interpolate(self.codes[a], self.codes[b], self.steps)
            art["path"].set_data(path[:, 0], path[:, 1])
            strip = np.asarray(self.decode(path)).reshape(self.steps, 28, 28)
            art["strip"].set_data(np.concatenate(list(strip), axis=1))
            art["strip_title"].set_text(f"from digit a (a {self.labels[a]}) to digit b "
                                        f"(a {self.labels[b]})")
            art["ends"] = (a, b)
        art["image"].set_data(self.image_at(z1, z2))
        art["image_title"].set_text(f"decoded at ({z1:.1f}, {z2:.1f})")
        return f"z = ({z1:.1f}, {z2:.1f}); path of {self.steps} points from code {a} to {b}"


def latent_explorer(decode, codes, labels, **kwargs) -> LatentExplorer:
    """Build a :class:`LatentExplorer` (see its docstring)."""
    return LatentExplorer(decode, codes, labels, **kwargs)
