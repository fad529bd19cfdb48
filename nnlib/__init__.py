"""nnlib: neural networks from the perceptron to the Transformer, built to be read.

* ``nnlib.scratch``  the NumPy engine written from scratch (layers, losses, optimizers)
* ``nnlib.data``     data sets shipped inside the package, plus toy generators
* ``nnlib.utils``    seeds, devices, environment report
* ``nnlib.widgets``  interactive figures for the notebooks
"""

__version__ = "0.1.0"

from nnlib.utils import environment_report, get_device, set_seed  # noqa: E402

__all__ = ["__version__", "environment_report", "get_device", "set_seed"]
