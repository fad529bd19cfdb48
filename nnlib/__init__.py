"""nnlib: neural networks from the perceptron to the Transformer, built to be read.

The NumPy half (written from scratch):

* ``nnlib.scratch``      layers, losses, optimizers, schedules, convolution, recurrent and
                         attention layers, a GPT (forward and backward); ``fit``/``evaluate``
* ``nnlib.autograd``     a reverse-mode automatic differentiation engine (scalars and arrays)

The PyTorch half:

* ``nnlib.models``       PyTorch models, one family per module (MLP, CNNs, RNNs, Transformers,
                         a GPT, generative models)
* ``nnlib.train``        the training loop: ``fit``/``evaluate`` (the same signature as
                         ``nnlib.scratch``'s), mixed precision, checkpoints, ``train_lm``
* ``nnlib.distributed``  GPT training under torchrun with DistributedDataParallel

Shared by both:

* ``nnlib.train_common`` ``History``, ``Callback``, ``EarlyStopping``, the epoch loop
* ``nnlib.errors``       the exceptions (``ShapeError``, ``TrainingDivergedError``, ...)
* ``nnlib.data``         data sets shipped inside the package, toy generators, batching
* ``nnlib.plotting``     figures; ``nnlib.widgets``: interactive figures for the notebooks
* ``nnlib.exercises``    the automatic checks behind each notebook's exercises
* ``nnlib.utils``        seeds, devices, ``count_parameters``, environment report
"""

__version__ = "0.1.0"

from nnlib.utils import environment_report, get_device, set_seed

__all__ = ["__version__", "environment_report", "get_device", "set_seed"]
