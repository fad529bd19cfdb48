"""Callbacks for ``fit``: the shared ``Callback`` and ``EarlyStopping``, and a live plot."""

from __future__ import annotations

from matplotlib.figure import Figure

from nnlib._checks import check_float_pair, check_int
from nnlib.train_common import Callback, EarlyStopping, History

__all__ = ["Callback", "EarlyStopping", "LivePlot"]


class LivePlot(Callback):
    """Loss and accuracy curves redrawn after every epoch, inside an ipywidgets ``Output``.

    Works in JupyterLab, Colab and VS Code (a PNG drawn with the object API; no ipympl).
    Pass it in ``fit(..., callbacks=[plot])`` after displaying it, or use ``live_plot=True``.
    """

    def __init__(self, figsize: tuple[float, float] = (9, 3.2), dpi: int = 80, every: int = 1):
        import ipywidgets as widgets

        self.figsize = check_float_pair(figsize, "figsize", minimum=0, min_open=True,
                                        maximum=50, where="LivePlot")
        self.dpi = check_int(dpi, "dpi", minimum=10, maximum=600, where="LivePlot")
        self.every = check_int(every, "every", minimum=1, where="LivePlot",
                               hint="redraw every k-th epoch")
        self.output = widgets.Output()
        self.figure: Figure | None = None
        self.render_count = 0

    def display(self) -> None:
        """Show the (still empty) plot area in the notebook; does nothing outside IPython."""
        from IPython import get_ipython
        from IPython.display import display

        if get_ipython() is not None:
            display(self.output)

    def _ipython_display_(self) -> None:
        self.display()

    def on_epoch_end(self, history: History) -> None:
        if history.epochs % self.every == 0:
            self.draw(history)

    def on_train_end(self, history: History) -> None:
        if history.epochs % self.every != 0:
            self.draw(history)

    def draw(self, history: History) -> Figure:
        """Redraw the curves of ``history`` (shown only inside IPython/Jupyter)."""
        from IPython import get_ipython

        from nnlib.plotting import plot_history, show

        fig = plot_history(history, Figure(figsize=self.figsize, dpi=self.dpi,
                                           layout="constrained"))
        self.figure = fig
        self.render_count += 1
        if get_ipython() is not None:
            self.output.clear_output(wait=True)
            with self.output:
                show(fig)
        return fig
