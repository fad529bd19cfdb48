"""nnlib.widgets._frame: remembered text pixels are exact; the moving frame maps and ticks."""

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from nnlib.widgets._frame import MovingFrame, StampedText


def _canvas():
    fig = Figure(figsize=(3, 2), dpi=80)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    fig.canvas.draw()
    return fig, ax


def _pixels_after(fig, text, fill=None):
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())
    if fill is not None:
        pixels[:, :, :3] = fill
    fig.draw_artist(text)
    return pixels.copy()


def test_a_stamped_text_draws_exactly_what_a_text_draws():
    fig, ax = _canvas()
    stamps = {}
    stamped = StampedText(0.4, 0.5, "1e-30", stamps=stamps, ha="right", va="center_baseline",
                          transform=ax.transAxes)
    ax._add_text(stamped)
    first = _pixels_after(fig, stamped)
    assert len(stamps) == 1
    second = _pixels_after(fig, stamped)  # pasted from memory
    stamped.set_visible(False)
    plain = Text(0.4, 0.5, "1e-30", ha="right", va="center_baseline", transform=ax.transAxes)
    ax._add_text(plain)
    reference = _pixels_after(fig, plain)
    assert np.array_equal(first, reference) and np.array_equal(second, reference)


def test_over_other_pixels_a_stamped_text_is_drawn_again():
    fig, ax = _canvas()
    stamps = {}
    stamped = StampedText(0.5, 0.5, "x₁", stamps=stamps, transform=ax.transAxes)
    ax._add_text(stamped)
    _pixels_after(fig, stamped)
    grey = _pixels_after(fig, stamped, fill=90)  # another background: not pasted
    stamped.set_visible(False)
    plain = Text(0.5, 0.5, "x₁", transform=ax.transAxes)
    ax._add_text(plain)
    assert np.array_equal(grey, _pixels_after(fig, plain, fill=90))


def test_moving_frame_maps_data_and_places_decade_ticks():
    fig, ax = _canvas()
    frame = MovingFrame(ax, ylog=True)
    frame.set_limits((1, 101), (1e-12, 1e3))
    assert frame.x([1, 51, 101]).tolist() == [0.0, 0.5, 1.0]
    np.testing.assert_allclose(frame.y([1e-12, 1.0, 1e3]), [0.0, 0.8, 1.0])
    assert np.isnan(frame.y([0.0]))[0]  # nothing to draw on a log axis
    labels = [t.get_text() for t in frame.ylabels if t.get_visible()]
    assert labels == ["1e-12", "1e-9", "1e-6", "1e-3", "1", "1e3"]
    xs = [t.get_text() for t in frame.xlabels if t.get_visible()]
    assert xs[-1] == "100" and all(float(v).is_integer() for v in xs)
    assert ax.get_xlim() == (0, 1) and ax.get_ylim() == (0, 1)  # the axes itself never moves
