"""nnlib: neural networks from the perceptron to the Transformer, built to be read.

* ``nnlib.scratch``      the NumPy engine written from scratch: layers, losses, optimizers,
                         convolution, recurrent and attention layers, a GPT (forward and backward)
* ``nnlib.autograd``     a reverse-mode automatic differentiation engine (scalars and arrays)
* ``nnlib.models``       PyTorch models: MLP, CNNs, RNNs, a toy Transformer, a GPT
* ``nnlib.training``     a PyTorch training loop: fit, evaluate, early stopping, live plots
* ``nnlib.lm``           character-level language modelling on tiny Shakespeare
* ``nnlib.distributed``  GPT training under torchrun with DistributedDataParallel
* ``nnlib.data``         data sets shipped inside the package, plus toy generators
* ``nnlib.widgets``      interactive figures for the notebooks
* ``nnlib.exercises``    the automatic checks behind each notebook's exercises
* ``nnlib.utils``        seeds, devices, environment report
"""

__version__ = "0.1.0"

from nnlib.utils import environment_report, get_device, set_seed  # noqa: E402

__all__ = ["__version__", "environment_report", "get_device", "set_seed"]
