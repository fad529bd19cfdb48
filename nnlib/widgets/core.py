"""InteractiveFigure: controls plus a figure that redraws when a control moves.

Every widget in the course is an :class:`InteractiveFigure`: a set of ipywidgets
controls and a ``draw(fig, **values)`` function that draws on a fresh
``matplotlib.figure.Figure``. Two rules keep them reliable everywhere
(JupyterLab, Colab, VS Code):

* draw with matplotlib's object API (``fig.add_subplot``), never ``plt.*``:
  pyplot is not thread-safe and JupyterLab may run callbacks on another thread;
* show the figure inside an ``Output`` widget, so no front-end extension is needed.

A ``draw`` function that raises does not produce a traceback: the message is
shown in place of the plot (and kept in ``last_error``), so a silly control
value can never break the lesson.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
from IPython.display import Image, display
from matplotlib.figure import Figure

from nnlib.plotting import figure_png


class InteractiveFigure:
    """Controls plus a figure redrawn by ``draw(fig, **values)`` on every change.

    controls: name -> ipywidget (its ``value`` is passed to ``draw`` as ``name``).
    figsize:  figure size in inches. ``draw`` may return a short status string
              (e.g. "diverged") that is shown under the plot.
    layout:   matplotlib layout engine; "constrained" spaces subplots automatically,
              None (fixed margins, set in ``draw``) renders about twice as fast.
    """

    def __init__(self, draw: Callable[..., str | None], controls: dict[str, widgets.Widget],
                 *, figsize: tuple[float, float] = (6.0, 4.0), dpi: int = 80,
                 title: str = "", layout: str | None = "constrained"):
        if not controls:
            raise ValueError("InteractiveFigure needs at least one control")
        self.draw_fn = draw
        self.controls = dict(controls)
        self.figsize, self.dpi, self.layout = figsize, dpi, layout
        self.output = widgets.Output()
        self.status = widgets.HTML()
        self.figure: Figure | None = None
        self.png: bytes | None = None
        self.last_status: str | None = None
        self.last_error: Exception | None = None
        self.render_count = 0
        header = [widgets.HTML(f"<b>{title}</b>")] if title else []
        self.widget = widgets.VBox(
            header + [widgets.HBox(list(self.controls.values()), layout={"flex_flow": "row wrap"}),
                      self.output, self.status]
        )
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.update()

    @property
    def values(self) -> dict:
        return {name: control.value for name, control in self.controls.items()}

    def _on_change(self, _change) -> None:
        self.update()

    def update(self) -> None:
        """Redraw with the current control values."""
        fig = Figure(figsize=self.figsize, dpi=self.dpi, layout=self.layout)
        try:
            status = self.draw_fn(fig, **self.values)
            png = figure_png(fig)  # rendering can fail too, e.g. on non-finite axis limits
            self.last_error = None
        except Exception as exc:  # shown to the learner instead of a traceback
            status = f"Could not draw with these settings: {exc}"
            self.last_error = exc
            fig = png = None
        self.figure, self.png, self.last_status = fig, png, status
        self.render_count += 1
        self.status.value = f"<span style='font-family:monospace'>{status}</span>" if status else ""
        if not _in_ipython():  # scripts and tests: keep stdout clean
            return
        self.output.clear_output(wait=True)
        if png is not None:
            with self.output:
                display(Image(data=png, format="png"))

    def to_png(self) -> bytes:
        """The current picture as PNG bytes (for tests and saving)."""
        if self.png is None:
            raise RuntimeError(f"no figure to save: {self.last_status}")
        return self.png

    def _ipython_display_(self) -> None:
        display(self.widget)


def _in_ipython() -> bool:
    from IPython import get_ipython

    return get_ipython() is not None


def log_slider(description: str, value: float, min_exp: float, max_exp: float,
               step: float = 0.1) -> widgets.FloatLogSlider:
    """A slider over powers of ten, e.g. learning rates from 1e-4 to 1e1."""
    return widgets.FloatLogSlider(value=value, base=10, min=min_exp, max=max_exp, step=step,
                                  description=description, continuous_update=False,
                                  readout_format=".1e")


def slider(description: str, value: float, min: float, max: float, step: float,
           integer: bool = False):
    """A float (or int) slider that redraws only when released."""
    cls = widgets.IntSlider if integer else widgets.FloatSlider
    return cls(value=value, min=min, max=max, step=step, description=description,
               continuous_update=False)


def dropdown(description: str, options, value=None) -> widgets.Dropdown:
    options = list(options)
    return widgets.Dropdown(options=options, value=options[0] if value is None else value,
                            description=description)
