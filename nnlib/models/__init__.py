"""PyTorch models used in the notebooks, each in its own small file (``mlp``, ...)."""

from nnlib.models.mlp import MLP

__all__ = ["MLP"]
