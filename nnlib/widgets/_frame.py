"""An axes whose ticks move without being drawn again: for widgets whose limits change often.

In a blitted widget (see :func:`nnlib.widgets.core._blit_png`) an axes whose limits change is
drawn again whole, ticks, labels and all, and text is the slow part of matplotlib's drawing:
a widget whose log axis gains a decade on most changes pays for it on most changes. A
:class:`MovingFrame` keeps the matplotlib axes fixed at limits (0, 1) both ways, so it stays in
the background, and draws what moves itself, as a few artists the widget lists as animated:
the data mapped into the unit square, tick marks, tick labels and grid lines. It looks like
matplotlib's own axis (same tick sizes, pads, grid and label fonts) at a fraction of the cost,
since only the tick labels are new text.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib import markers
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import AutoLocator
from matplotlib.transforms import ScaledTranslation

from nnlib.widgets.core import _decade_label

_TICK, _PAD, _WIDTH = 3.5, 3.5, 0.8      # matplotlib's default major ticks, in points
_GRID = {"color": "#b0b0b0", "lw": 0.8, "alpha": 0.3, "zorder": 1.5}


class StampedText(Text):
    """A text that remembers its pixels: drawn again at the same place over the same pixels
    (a tick label over the figure's background), it is pasted from memory, which is
    exact and about ten times faster than laying out and rendering the glyphs again. Before
    pasting, the pixels under it are compared with those it was first drawn over: a text over
    anything else is drawn as usual."""

    def __init__(self, *args, stamps: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self._stamps = stamps

    def draw(self, renderer):
        text = self.get_text()
        if (not self.get_visible() or not text or "\n" in text or self.get_rotation() != 0
                or not hasattr(renderer, "buffer_rgba")):  # one horizontal line on Agg only
            return super().draw(renderer)
        pixels = np.asarray(renderer.buffer_rgba())
        x, y = self.get_transform().transform(self.get_unitless_position())
        key = (self.get_text(), round(64 * x), round(64 * y), hash(self.get_fontproperties()),
               str(self.get_color()), self.get_alpha(), self.get_horizontalalignment(),
               self.get_verticalalignment(), self.get_rotation(), pixels.shape)
        stamp = self._stamps.get(key)
        if stamp is not None:
            rows, cols, before, after = stamp
            if np.array_equal(pixels[rows, cols], before):
                pixels[rows, cols] = after
                self.stale = False
                return None
        # a box surely holding the text, without laying it out: (font size in pixels) high
        # on each side of the anchor, and as wide as its characters at their widest
        size = renderer.points_to_pixels(self.get_fontsize())
        half_w = 0.5 * len(self.get_text()) * size + 3
        centre = x + {"left": half_w, "right": -half_w}.get(self.get_horizontalalignment(), 0)
        height, width = pixels.shape[:2]
        top = height - y
        rows = slice(max(0, int(top - 1.6 * size)), min(height, int(top + 1.6 * size) + 1))
        cols = slice(max(0, int(centre - half_w)), min(width, int(centre + half_w) + 1))
        before = pixels[rows, cols].copy()
        super().draw(renderer)
        if len(self._stamps) > 512:
            self._stamps.pop(next(iter(self._stamps)))
        self._stamps[key] = (rows, cols, before, pixels[rows, cols].copy())
        return None


class MovingFrame:
    """Linear x and logarithmic (``ylog=True``) or linear y, limits set on every redraw.

    ``ax`` must be a fresh axes; its x and y labels stay matplotlib's (drawn once, at fixed
    places, so a layout engine leaves the same room whatever the first ticks were). Use
    :meth:`x` and :meth:`y` to map data into the frame, :meth:`set_limits` to move the ticks,
    and add :attr:`artists` to the widget's animated artists."""

    def __init__(self, ax, *, ylog: bool = True, grid: bool = True, yticks: int = 8,
                 label_size: float = 10.0, x_integer: bool = False):
        self.ax, self.ylog, self.grid, self.yticks = ax, ylog, grid, yticks
        self.x_integer = x_integer
        ax.set(xlim=(0, 1), ylim=(0, 1), xticks=[], yticks=[])
        # the axis labels keep clear of the widest tick labels ("1e-300", "300")
        dpi = ax.figure.dpi_scale_trans
        ax.yaxis.set_label_coords(0, 0.5, ax.transAxes + ScaledTranslation(
            -(_TICK + _PAD + 3.6 * label_size) / 72, 0, dpi))
        ax.xaxis.set_label_coords(0.5, 0, ax.transAxes + ScaledTranslation(
            0, -(_TICK + _PAD + 1.5 * label_size) / 72, dpi))
        left = ax.transData + ScaledTranslation(-(_TICK + _PAD) / 72, 0, dpi)
        below = ax.transData + ScaledTranslation(0, -(_TICK + _PAD) / 72, dpi)
        tick = {"ls": "", "color": "black", "ms": _TICK, "mew": _WIDTH, "clip_on": False,
                "zorder": 2.5}
        self.ytick_marks = Line2D([], [], marker=markers.TICKLEFT, **tick)
        self.xtick_marks = Line2D([], [], marker=markers.TICKDOWN, **tick)
        self.grid_lines = Line2D([], [], **_GRID)
        for line in (self.ytick_marks, self.xtick_marks, self.grid_lines):
            ax.add_line(line)
        self.grid_lines.set_visible(grid)
        self._stamps: dict = {}
        self.ylabels = [self._text(left, "right", "center_baseline", label_size)
                        for _ in range(yticks + 4)]
        self.xlabels = [self._text(below, "center", "top", label_size) for _ in range(12)]
        self._xlocator = AutoLocator()
        self._xlocator.set_axis(ax.xaxis)
        self.xlim, self.ylim = (0.0, 1.0), (0.0, 1.0)
        self.artists = [self.grid_lines, self.ytick_marks, self.xtick_marks, *self.ylabels,
                        *self.xlabels]

    def _text(self, transform, ha, va, size) -> StampedText:
        text = StampedText(0, 0, "", stamps=self._stamps, transform=transform, ha=ha, va=va,
                           fontsize=size, visible=False)
        text.set_in_layout(False)  # the axis labels' places keep room for them
        self.ax._add_text(text)
        return text

    # -- mapping ---------------------------------------------------------------------------
    def x(self, values) -> np.ndarray:
        lo, hi = self.xlim
        return (np.asarray(values, dtype=float) - lo) / (hi - lo)

    def y(self, values) -> np.ndarray:
        lo, hi = self.ylim
        values = np.asarray(values, dtype=float)
        if self.ylog:
            with np.errstate(divide="ignore", invalid="ignore"):
                values = np.log10(np.where(values > 0, values, np.nan))
        return (values - lo) / (hi - lo)

    # -- ticks -----------------------------------------------------------------------------
    def set_limits(self, xlim, ylim) -> None:
        """x limits in data units; y limits in data units (powers of ten when ``ylog``)."""
        self.xlim = (float(xlim[0]), float(xlim[1]))
        if self.ylog:
            self.ylim = (math.log10(ylim[0]), math.log10(ylim[1]))
            lo, hi = round(self.ylim[0]), round(self.ylim[1])
            stride = max(1, math.ceil((hi - lo) / (self.yticks - 1)))
            exps = [e for e in range(lo - lo % stride, hi + 1, stride) if lo <= e <= hi]
            yvals = [float(e) for e in exps]
            ytexts = [_decade_label(10.0 ** e) for e in exps]
        else:
            self.ylim = (float(ylim[0]), float(ylim[1]))
            locator = AutoLocator()
            yvals = [v for v in locator.tick_values(*self.ylim)
                     if self.ylim[0] <= v <= self.ylim[1]]
            ytexts = [f"{v:g}" for v in yvals]
        xvals = [v for v in self._xlocator.tick_values(*self.xlim)
                 if self.xlim[0] - 1e-9 <= v <= self.xlim[1] + 1e-9]
        if self.x_integer:
            xvals = [v for v in xvals if float(v).is_integer()]
        ys = (np.asarray(yvals) - self.ylim[0]) / (self.ylim[1] - self.ylim[0])
        xs = self.x(xvals)
        self.ytick_marks.set_data(np.zeros(len(ys)), ys)
        self.xtick_marks.set_data(xs, np.zeros(len(xs)))
        self._fill(self.ylabels, [(0.0, y) for y in ys], ytexts)
        self._fill(self.xlabels, [(x, 0.0) for x in xs], [f"{v:g}" for v in xvals])
        if self.grid:
            gx = [[x, x, np.nan] for x in xs] + [[0, 1, np.nan] for _ in ys]
            gy = [[0, 1, np.nan] for _ in xs] + [[y, y, np.nan] for y in ys]
            self.grid_lines.set_data(np.ravel(gx), np.ravel(gy))

    @staticmethod
    def _fill(texts, positions, labels) -> None:
        for i, text in enumerate(texts):
            if i < len(labels):
                text.set_position(positions[i])
                text.set_text(labels[i])
                text.set_visible(True)
            else:
                text.set_visible(False)
