"""nnlib's reverse-mode automatic differentiation engine, built from scratch.

* ``Value`` (``scalar.py``): one number and its gradient; micrograd-style.
* ``Tensor`` (``tensor.py``): the same on NumPy arrays, with broadcasting, matmul,
  reductions, indexing and ``cross_entropy``.
* ``nnlib.autograd.nn``: ``Linear``, ``ReLU``, ``Tanh``, ``Sequential``, ``SGD`` on Tensors.
* ``draw_graph``: a picture of a small graph (matplotlib only).
"""

from nnlib.autograd import nn
from nnlib.autograd.draw import draw_graph
from nnlib.autograd.graph import topological_order
from nnlib.autograd.scalar import Value
from nnlib.autograd.tensor import Tensor, cross_entropy, unbroadcast

__all__ = ["Tensor", "Value", "cross_entropy", "draw_graph", "nn", "topological_order",
           "unbroadcast"]
