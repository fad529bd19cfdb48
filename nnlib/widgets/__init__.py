"""Interactive figures for the notebooks.

``core`` holds :class:`InteractiveFigure` and control helpers; each topic module
(``perceptron``, ``activations``, ...) builds the widgets of one notebook from them.
"""

from nnlib.widgets.core import InteractiveFigure, dropdown, log_slider, slider

__all__ = ["InteractiveFigure", "dropdown", "log_slider", "slider"]
