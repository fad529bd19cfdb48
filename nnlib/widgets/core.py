"""InteractiveFigure: controls plus a figure that redraws when a control moves.

Every widget in the course is an :class:`InteractiveFigure`: a set of ipywidgets
controls and a ``draw(fig, **values)`` function that draws on a
``matplotlib.figure.Figure``. The rules that keep them reliable everywhere
(JupyterLab, Colab, VS Code; ipywidgets 7 and 8):

* draw with matplotlib's object API (``fig.add_subplot``), never ``plt.*``:
  pyplot is not thread-safe and JupyterLab may run callbacks on another thread;
* show the picture in a core ``ipywidgets.Image``, so no front-end extension is needed;
* a ``draw`` function that raises does not produce a traceback: the message is
  shown in place of the plot (and kept in ``last_error``), so a silly control
  value can never break the lesson.

What makes them fast:

* one Figure (and one Agg canvas) per widget, reused for every redraw; a ``draw``
  function may keep its artists between calls and only update their data
  (``reuse=True``), otherwise the figure is cleared first; one that also lists the
  artists that change (``animated``, see :func:`_blit_png`) gets them drawn over a
  background drawn once, so axes, ticks and labels are not drawn again;
* the PNG is encoded with light compression (:func:`nnlib.plotting.fast_png`);
* sliders update while dragged (``continuous_update``). A change made in the
  browser only marks the figure as stale; one background thread redraws it with the
  latest values, so a fast drag never queues stale redraws: the last value wins.
  A change made from code redraws at once, so code (and tests) see the new picture
  as soon as the assignment returns.

A ``draw`` function may also be a generator: each ``yield "status"`` publishes the
picture drawn so far (first feedback while a model trains), the last one is final.

The displayed object carries a static ``image/png`` of its current picture next to
the widget view: front ends that run widgets show the widget, the others (GitHub,
an HTML export without widget JavaScript) show the picture.
"""

from __future__ import annotations

import base64
import threading
import time
import types
from collections.abc import Callable

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from nnlib._checks import (
    check_bool,
    check_choice,
    check_float,
    check_float_pair,
    check_instance,
    check_int,
)
from nnlib.plotting import canvas_png, fast_png

WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"


class InteractiveFigure:
    """Controls plus a figure redrawn by ``draw(fig, **values)`` on every change.

    controls: name -> ipywidget (its ``value`` is passed to ``draw`` as ``name``).
    figsize:  figure size in inches. ``draw`` may return a short status string
              (e.g. "diverged") that is shown under the plot.
    layout:   matplotlib layout engine; "constrained" spaces subplots automatically,
              None (fixed margins, set in ``draw``) renders about twice as fast.
    reuse:    pass the same, uncleared figure to every ``draw`` call (``draw`` then
              updates its own artists); default: the figure is cleared first.
    """

    def __init__(self, draw: Callable[..., str | None], controls: dict[str, widgets.Widget],
                 *, figsize: tuple[float, float] = (6.0, 4.0), dpi: int = 80,
                 title: str = "", layout: str | None = "constrained", reuse: bool = False):
        if not controls:
            raise ValueError("InteractiveFigure needs at least one control")
        self.draw_fn = draw
        self.controls = dict(controls)
        figsize = check_float_pair(figsize, "figsize", minimum=0, min_open=True, maximum=50,
                                   where="InteractiveFigure")
        self.figsize, self.dpi, self.layout, self.reuse = figsize, dpi, layout, reuse
        self.title = title
        self.image = widgets.Image(format="png")
        self.output = self.image  # old name, kept for code that looked for the picture here
        self.status = widgets.HTML()
        self.figure: Figure | None = None
        self.png: bytes | None = None
        self.last_status: str | None = None
        self.last_error: Exception | None = None
        self.render_count = 0
        self.publish_count = 0
        self._lock = threading.RLock()
        self._wake = threading.Condition()
        self._stale = False
        self._reasons: set[str] = set()
        self._busy = False
        self._worker: threading.Thread | None = None
        self._canvas_figure: Figure | None = None
        self._layout_cache: list | None = None  # axes positions found by the layout engine
        header = [widgets.HTML(f"<b>{title}</b>")] if title else []
        for control in self.controls.values():
            _full_description(control)
        self.control_box = widgets.HBox(list(self.controls.values()),
                                        layout={"flex_flow": "row wrap"})
        self.widget = widgets.VBox(header + [self.control_box, self.image, self.status])
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.update()

    @property
    def values(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    # -- redrawing ---------------------------------------------------------------------
    def _on_change(self, change) -> None:
        if _from_browser(change):
            self.request_update()
        else:
            self.update()

    def request_update(self, reason: str = "redraw") -> None:
        """Redraw soon, in the background, with the values current at that moment.

        Requests made while a redraw runs are merged into one: the last value wins.
        ``reason`` says what asked (e.g. "tick" for a Play widget's tick); the reasons
        of all merged requests reach :meth:`_background_update` together, taken under the
        same lock as the request itself, so none is lost or seen twice.
        """
        with self._wake:
            self._stale = True
            self._reasons.add(reason)
            self._wake.notify()
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, daemon=True,
                                                name=f"nnlib-redraw-{id(self):x}")
                self._worker.start()

    def _work(self) -> None:
        while True:
            with self._wake:
                while not self._stale:
                    self._wake.wait()
                self._stale, self._busy = False, True
                reasons, self._reasons = frozenset(self._reasons), set()
            try:
                self._background_update(reasons)
            finally:
                with self._wake:
                    self._busy = False
                    self._wake.notify_all()

    @property
    def superseded(self) -> bool:
        """True while a newer browser change waits to be drawn: a long ``draw`` generator may
        stop early (its picture is about to be replaced), so a drag never queues stale work."""
        return self._stale

    def _background_update(self, reasons: frozenset = frozenset()) -> None:
        """What browser changes trigger (``reasons``: see :meth:`request_update`; subclasses
        may do more, e.g. train a step on a "tick")."""
        self.update()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no background redraw is pending (for tests and benchmarks)."""
        deadline = time.monotonic() + timeout
        with self._wake:
            while self._stale or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._wake.wait(left)
        return True

    def _fresh_figure(self) -> Figure:
        fig = self._canvas_figure
        if fig is None:
            fig = Figure(figsize=self.figsize, dpi=self.dpi, layout=self.layout)
            FigureCanvasAgg(fig)
            self._canvas_figure = fig
        elif not self.reuse:
            fig.clear()
            if self._layout_cache is not None:  # reuse the positions found last time
                fig.set_layout_engine("none")
        return fig

    def _apply_layout(self, fig) -> None:
        """Constrained layout costs half a redraw: run it once, then reuse its positions
        for as long as the figure has the same number of axes."""
        if self.layout != "constrained":
            return
        if self.reuse:  # the same axes every time: lay out once, then keep the positions
            if self._layout_cache is None:
                fig.canvas.draw()
                self._layout_cache = [ax.get_position().frozen() for ax in fig.axes]
                fig.set_layout_engine("none")
            return
        cache = self._layout_cache
        if cache is not None and len(cache) == len(fig.axes):
            for ax, position in zip(fig.axes, cache):
                ax.set_position(position)
            return
        if cache is not None:  # a different set of axes: lay it out afresh
            fig.set_layout_engine(self.layout)
            self._layout_cache = None
        fig.canvas.draw()
        self._layout_cache = [ax.get_position().frozen() for ax in fig.axes]
        # freeze these positions: left on, the engine would lay the figure out again while
        # the PNG is rendered, and a second pass moves the axes a little (colorbars, tick
        # labels), so the first picture would differ from every later one with the same values
        fig.set_layout_engine("none")

    def reset_figure(self) -> None:
        """Forget the figure: the next redraw starts from an empty one."""
        with self._lock:
            self._layout_cache = None
            if self._canvas_figure is not None:
                self._canvas_figure.clear()
                if self.layout is not None:
                    self._canvas_figure.set_layout_engine(self.layout)
                self._canvas_figure.__dict__.pop("_nnlib_artists", None)

    def update(self) -> None:
        """Redraw with the current control values."""
        with self._lock:
            fig = self._fresh_figure()
            published = False
            try:
                result = self.draw_fn(fig, **self.values)
                if isinstance(result, types.GeneratorType):
                    for status in result:  # publish each stage: first feedback early
                        self.last_error = None
                        self._apply_layout(fig)
                        self._render(fig, status)
                        published = True
                else:
                    status = result
                    self._apply_layout(fig)
            except Exception as exc:  # shown to the learner instead of a traceback
                status, fig = f"Could not draw with these settings: {exc}", None
                self.last_error = exc
                self.reset_figure()
                published = False
            else:
                self.last_error = None
            if not published:
                self._render(fig, status)
            self.render_count += 1

    def warm(self, name: str, values=None) -> None:
        """Draw the picture once for each of ``values`` of control ``name`` (default: all of a
        dropdown's options) without showing it, so that its axes are kept (see
        ``cell_cache`` in :func:`_blit_png`) and choosing one later costs a blit. Only for a
        reusing ``draw`` function that sets ``cell_cache``; a value that cannot be drawn is
        skipped. The picture shown does not change."""
        with self._lock:
            fig = self._canvas_figure
            art = None if fig is None else fig.__dict__.get("_nnlib_artists")
            if (not self.reuse or self.last_error is not None or not isinstance(art, dict)
                    or not art.get("animated") or not art.get("cell_cache")):
                return
            if values is None:
                values = [o[1] if isinstance(o, tuple) else o
                          for o in self.controls[name].options]
            current = self.values
            for value in values:
                if value == current[name]:
                    continue
                try:
                    result = self.draw_fn(fig, **{**current, name: value})
                    if isinstance(result, types.GeneratorType):  # it trains: not for warming
                        result.close()
                        break
                    _blit(fig, art)
                except Exception:  # this value is not warmed; the learner never sees its error
                    continue
            self.draw_fn(fig, **current)  # the artists back to the picture shown
            _blit(fig, art)

    def _render(self, fig, status) -> None:
        png = None
        if fig is not None:
            try:
                png = self._png(fig)  # rendering can fail too, e.g. on non-finite axis limits
            except Exception as exc:
                status = f"Could not draw with these settings: {exc}"
                self.last_error, fig = exc, None
                self.reset_figure()
        self.figure, self.last_status = fig, status
        self.png = png
        self.status.value = f"<span style='font-family:monospace'>{status}</span>" if status else ""
        if png is not None:
            self.image.value = png
        self.publish_count += 1

    def _png(self, fig) -> bytes:
        """Render ``fig`` to PNG bytes: blitted when ``draw`` listed its changing artists."""
        art = fig.__dict__.get("_nnlib_artists")
        if self.reuse and isinstance(art, dict) and art.get("animated"):
            return _blit_png(fig, art)
        return fast_png(fig)

    def to_png(self) -> bytes:
        """The current picture as PNG bytes (for tests and saving)."""
        if self.png is None:
            raise RuntimeError(f"no figure to save: {self.last_status}")
        return self.png

    # -- display -----------------------------------------------------------------------
    def _repr_mimebundle_(self, include=None, exclude=None):
        """The widget view plus a static picture for front ends that cannot run widgets."""
        return _widget_bundle(self.widget, self.png, self.title or type(self).__name__)


def _playing_trait(play: widgets.Play) -> str:
    """The name of a ``Play`` widget's running state: ``playing`` in ipywidgets 8,
    ``_playing`` in 7.x (Colab runs 7.7.1)."""
    return "playing" if play.has_trait("playing") else "_playing"


class PlayControls:
    """Play / pause for an :class:`InteractiveFigure` that animates training (a mixin: list it
    before ``InteractiveFigure``).

    The widget calls ``self._add_play_button(interval_ms)`` and defines ``frame()`` (train a
    little, then redraw). While playing, each tick of the ``Play`` widget runs one frame: a
    tick set from code at once, ticks from the browser in the background redraw thread,
    where ticks that arrive while a frame is drawn are merged into the next frame (with any
    control changes), so playing never builds a backlog.
    """

    play_button: widgets.Play

    def _add_play_button(self, interval_ms: int) -> widgets.Play:
        self.play_button = widgets.Play(value=0, min=0, max=10**9, step=1, interval=interval_ms,
                                        description="play", show_repeat=False)
        self.play_button.observe(self._on_tick, names="value")
        return self.play_button

    @property
    def playing(self) -> bool:
        return bool(getattr(self.play_button, _playing_trait(self.play_button)))

    def play(self) -> None:
        setattr(self.play_button, _playing_trait(self.play_button), True)

    def pause(self) -> None:
        setattr(self.play_button, _playing_trait(self.play_button), False)

    def _on_tick(self, change) -> None:
        if not self.playing:
            return
        if _from_browser(change):
            self.request_update("tick")
        else:
            self.frame()

    def _background_update(self, reasons: frozenset = frozenset()) -> None:
        if "tick" in reasons and self.playing:
            self.frame()  # (it draws with the latest control values too)
        else:
            self.update()


def _blit_png(fig, art: dict) -> bytes:
    """PNG of ``fig`` drawing only ``art["animated"]`` over a background drawn once.

    ``art`` is the dictionary a reusing ``draw`` function keeps in
    ``fig.__dict__["_nnlib_artists"]``: ``animated`` lists the artists that change between
    redraws (lines, images, texts...), ``static_key`` (optional) anything else the picture
    depends on. The rest (axes, ticks, labels) is kept as a background: when an axes' limits
    or scale changed, only that axes (with its ticks and labels) is drawn again into it; when
    ``static_key`` or the figure's size changed, the whole background. Then the changing
    artists are drawn on it, in z-order. An axes' ``_nnlib_state`` attribute (optional) is part
    of its limits: set it to anything else its background shows (e.g. which image it holds).

    With ``art["cell_cache"] = n`` the pixels of the last ``n`` axes states drawn are kept:
    an axes whose limits (and ``_nnlib_state``) return to a state drawn before is pasted from
    them instead of drawn again (a dropdown that cycles through a few limits costs a blit).
    """
    _blit(fig, art)
    return canvas_png(fig.canvas)


def _blit(fig, art: dict) -> None:
    """:func:`_blit_png` without the PNG: the picture is left in the canvas."""
    canvas = fig.canvas
    artists = sorted(art["animated"], key=lambda a: a.get_zorder())
    key = (art.get("static_key"), tuple(fig.bbox.bounds), len(fig.axes))
    axes_keys = [_axes_key(ax) for ax in fig.axes]
    for artist in artists:  # (a draw function may have made new ones, e.g. a legend)
        artist.set_animated(True)
    if art.get("_background") is None or art.get("_background_key") != key:
        canvas.draw()  # everything but the changing artists
        art["_cells"] = _axes_cells(fig)
        art["_cell_pixels"] = {}
        _keep_cells(fig, art, range(len(fig.axes)), axes_keys)
    else:
        canvas.restore_region(art["_background"])
        changed = {i for i, k in enumerate(axes_keys) if k != art["_axes_keys"][i]}
        pasted = _paste_cells(fig, art, changed, axes_keys)
        if changed - pasted:
            drawn = _redraw_axes(fig, art["_cells"], changed - pasted)
            _keep_cells(fig, art, drawn, axes_keys)
    if art.get("_background_key") != key or art.get("_axes_keys") != axes_keys:
        art["_background"] = canvas.copy_from_bbox(fig.bbox)
        art["_background_key"], art["_axes_keys"] = key, axes_keys
    for artist in artists:
        fig.draw_artist(artist)


def _decade_limits(values, include=()) -> tuple[float, float]:
    """Log-axis limits at whole powers of ten around the finite positive ``values`` (and
    ``include``): they change far less often than autoscaled ones, so a redraw rarely has
    to draw the axis again (see :func:`_blit_png`)."""
    data = np.concatenate([np.ravel(np.asarray(values, dtype=float)),
                           np.asarray(include, dtype=float)])
    data = data[np.isfinite(data) & (data > 0)]
    if data.size == 0:
        return 1e-3, 10.0
    lo = 10.0 ** np.floor(np.log10(data.min()))
    hi = 10.0 ** np.ceil(np.log10(data.max()))
    return float(lo), float(hi if hi > lo else lo * 10)


def _decade_label(value: float, _position=None) -> str:
    """A log axis' tick label as plain text ("1e-30", "1", "1e5"): for
    ``FuncFormatter``; mathtext labels ("10⁻³⁰") take several times longer to draw."""
    if not np.isfinite(value) or value <= 0:
        return ""
    exponent = int(round(np.log10(value)))
    return "1" if exponent == 0 else f"1e{exponent}"


def _axes_key(ax) -> tuple:
    return (ax.get_xlim(), ax.get_ylim(), ax.get_xscale(), ax.get_yscale(),
            ax.__dict__.get("_nnlib_state"))


def _lone_cells(cells) -> set[int]:
    """The axes whose cells overlap no other's: only those can be kept and pasted alone."""
    return {i for i, cell in enumerate(cells)
            if not any(_overlaps(cell, other) for j, other in enumerate(cells) if j != i)}


def _keep_cells(fig, art: dict, indices, axes_keys) -> None:
    """Remember the pixels of these axes' cells, as drawn for their current keys."""
    limit = art.get("cell_cache") or 0
    if limit <= 0:
        return
    kept, cells = art["_cell_pixels"], art["_cells"]
    pixels = np.asarray(fig.canvas.buffer_rgba())
    for i in set(indices) & _lone_cells(cells):
        row0, row1, col0, col1 = cells[i]
        kept.pop((i, axes_keys[i]), None)
        kept[(i, axes_keys[i])] = pixels[row0:row1, col0:col1].copy()
        while len(kept) > limit:  # the oldest state goes first
            kept.pop(next(iter(kept)))


def _paste_cells(fig, art: dict, indices, axes_keys) -> set[int]:
    """Paste the kept pixels of these axes' current states; the indices pasted."""
    kept = art.get("_cell_pixels") or {}
    pasted = {i for i in indices if (i, axes_keys[i]) in kept}
    if pasted:
        pixels = np.asarray(fig.canvas.buffer_rgba())
        for i in pasted:
            row0, row1, col0, col1 = art["_cells"][i]
            pixels[row0:row1, col0:col1] = kept[(i, axes_keys[i])]
    return pasted


def _axes_cells(fig) -> list[tuple[int, int, int, int]]:
    """Each axes' cell in canvas pixels (row0, row1, col0, col1): the area of its ticks,
    labels and title, grown on each side up to the next axes' area or the figure's edge.
    Drawing an axes again means clearing its cell first."""
    renderer = fig.canvas.get_renderer()
    height, width = fig.bbox.height, fig.bbox.width
    boxes = [ax.get_tightbbox(renderer) for ax in fig.axes]  # None for a hidden axes
    boxes = [None if b is None else b.extents for b in boxes]  # x0, y0, x1, y1
    cells = []
    for i, box in enumerate(boxes):
        if box is None:
            cells.append((0, 0, 0, 0))
            continue
        x0, y0, x1, y1 = box
        others = [b for j, b in enumerate(boxes) if j != i and b is not None]
        # the gap to a neighbour's area is split half and half
        left = max([(b[2] + x0) / 2 for b in others if b[2] <= x0 and b[1] < y1 and y0 < b[3]],
                   default=0)
        right = min([(b[0] + x1) / 2 for b in others if b[0] >= x1 and b[1] < y1 and y0 < b[3]],
                    default=width)
        bottom = max([(b[3] + y0) / 2 for b in others if b[3] <= y0 and b[0] < x1 and x0 < b[2]],
                     default=0)
        top = min([(b[1] + y1) / 2 for b in others if b[1] >= y1 and b[0] < x1 and x0 < b[2]],
                  default=height)
        cells.append((max(0, round(height - top)), min(round(height), round(height - bottom)),
                      max(0, round(left)), min(round(width), round(right))))
    return cells


def _overlaps(a, b) -> bool:
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


def _redraw_axes(fig, cells, changed: set) -> set[int]:
    """Draw the axes in ``changed`` again into the restored background: clear their cells
    (and those of axes whose cells overlap them), then draw those axes, changing artists
    excluded. Returns the indices of the axes drawn."""
    redraw, grown = set(changed), True
    while grown:
        grown = False
        for i, cell in enumerate(cells):
            if i not in redraw and any(_overlaps(cell, cells[j]) for j in redraw):
                redraw.add(i)
                grown = True
    pixels = np.asarray(fig.canvas.buffer_rgba())
    face = np.array([round(255 * c) for c in fig.get_facecolor()], dtype=np.uint8)
    for i in redraw:
        row0, row1, col0, col1 = cells[i]
        pixels[row0:row1, col0:col1] = face
    for i in sorted(redraw, key=lambda i: fig.axes[i].get_zorder()):
        fig.draw_artist(fig.axes[i])
    return redraw


def _widget_bundle(widget: widgets.Widget, png: bytes | None, name: str) -> dict:
    """A display bundle: ``widget``'s view, ``png`` as a static alternative, a text line."""
    bundle = {"text/plain": f"{name} (an interactive widget: run the notebook to use it)"}
    if png is not None:
        bundle["image/png"] = base64.b64encode(png).decode("ascii")
    view = getattr(widget, "_repr_mimebundle_", None)
    data = view() if callable(view) else None  # ipywidgets 8 (and it marks it displayed)
    if data and WIDGET_VIEW_MIME in data:
        bundle[WIDGET_VIEW_MIME] = data[WIDGET_VIEW_MIME]
    elif getattr(widget, "_view_name", None) is not None:  # ipywidgets 7
        bundle[WIDGET_VIEW_MIME] = {"version_major": 2, "version_minor": 0,
                                    "model_id": widget.model_id}
        handle = getattr(widget, "_handle_displayed", None)
        if callable(handle):
            handle()
    return bundle


def _from_browser(change) -> bool:
    """True if this trait change came from the front end (a learner moved the control)."""
    owner = change.get("owner") if isinstance(change, dict) else getattr(change, "owner", None)
    name = change.get("name") if isinstance(change, dict) else getattr(change, "name", None)
    return name in getattr(owner, "_property_lock", {})


def _full_description(control) -> None:
    """Let a description take the width it needs ("learning rate", never "learning r…")."""
    style = getattr(control, "style", None)
    if getattr(control, "description", "") and hasattr(style, "description_width"):
        style.description_width = "initial"


def _check_control(kind, description, arg, where, low=None, high=None, step=None,
                   integer=False, low_name="min", high_name="max", bounds=None):
    """The arguments every control helper shares (issue 16): texts, then the range."""
    fn = f"{kind}({description!r})" if isinstance(description, str) else kind
    check_instance(description, "description", str, "a str", where=kind)
    check_instance(where, "where", str, "a str", where=fn)
    check_instance(arg, "arg", str, "a str (the constructor's argument name)", where=fn,
                   optional=True)
    if kind == "dropdown":
        return None
    number = check_int if integer else check_float
    low, high = (number(low, low_name, where=fn, **(bounds or {})),
                 number(high, high_name, where=fn, **(bounds or {})))
    if low > high:
        raise ValueError(f"{fn}: {low_name} must be <= {high_name}, got {low_name}={low} and "
                         f"{high_name}={high}")
    step = number(step, "step", minimum=0, where=fn) if integer else check_float(
        step, "step", minimum=0, min_open=True, where=fn)
    if integer and step < 1:
        raise ValueError(f"{fn}: step must be an int >= 1, got {step}")
    return low, high, step


def _check_value(value, arg, where, minimum, maximum, integer):
    if arg is None:  # a helper's own call: the value must fit, never be clamped
        arg, where = "value", where or "slider"
    if integer:
        return check_int(value, arg, minimum=minimum, maximum=maximum, where=where)
    return check_float(value, arg, minimum=minimum, maximum=maximum, where=where)


def log_slider(description: str, value: float, min_exp: float, max_exp: float,
               step: float = 0.1, *, arg: str | None = None,
               where: str = "") -> widgets.FloatLogSlider:
    """A slider over powers of ten, e.g. learning rates from 1e-4 to 1e1.

    With ``arg`` (the constructor's argument name) a ``value`` outside the slider's range is
    an error naming ``where``, ``arg`` and the range, instead of being clamped silently.
    """
    min_exp, max_exp, step = _check_control("log_slider", description, arg, where, min_exp,
                                            max_exp, step, low_name="min_exp",
                                            high_name="max_exp",
                                            bounds={"minimum": -300, "maximum": 300})
    value = _check_value(value, arg, where, 10.0 ** min_exp, 10.0 ** max_exp, False)
    return widgets.FloatLogSlider(value=value, base=10, min=min_exp, max=max_exp, step=step,
                                  description=description, continuous_update=True,
                                  readout_format=".1e")


def slider(description: str, value: float, min: float, max: float, step: float,
           integer: bool = False, *, arg: str | None = None, where: str = ""):
    """A float (or int) slider that redraws while it is dragged (``arg``: see log_slider)."""
    integer = check_bool(integer, "integer", where="slider")
    min, max, step = _check_control("slider", description, arg, where, min, max, step, integer)
    value = _check_value(value, arg, where, min, max, integer)
    cls = widgets.IntSlider if integer else widgets.FloatSlider
    return cls(value=value, min=min, max=max, step=step, description=description,
               continuous_update=True)


def dropdown(description: str, options, value=None, *, arg: str | None = None,
             where: str = "") -> widgets.Dropdown:
    """A menu; with ``arg``, a ``value`` not among the options (None too: it would silently
    pick the first) is an error listing them."""
    _check_control("dropdown", description, arg, where)
    if isinstance(options, (str, bytes)) or not hasattr(options, "__iter__"):
        raise TypeError(f"dropdown({description!r}): options must be a list of choices, got "
                        f"{options!r}")
    options = list(options)
    if not options:
        raise ValueError(f"dropdown({description!r}): options must list at least one choice")
    choices = [o[1] if isinstance(o, tuple) else o for o in options]
    if arg is not None or value is not None:  # never the first option in silence
        check_choice(value, arg or "value", choices, where=where or "dropdown")
    return widgets.Dropdown(options=options, value=choices[0] if value is None else value,
                            description=description)
