"""A tiny ``torch.nn`` on top of ``Tensor``: Linear, ReLU, Tanh, Sequential, SGD.

Layers only write ``forward``: the backward pass comes free from the autograd engine,
which is the whole point (compare ``nnlib.scratch``, where each layer writes both).
Weights are ``(d_in, d_out)`` as everywhere in nnlib; parameter names match PyTorch's
(``"0.weight"``), so ``state_dict`` / ``load_state_dict`` move weights between the three
engines (``nnlib.scratch`` uses the same names and layout; PyTorch needs ``weight.T``).
"""

from __future__ import annotations

import math

import numpy as np

from nnlib import _checks
from nnlib.autograd.tensor import Tensor, cross_entropy
from nnlib.scratch import init
from nnlib.scratch.module import ShapeError


class Module:
    """Base class: subclasses define ``forward``; every Tensor attribute is a parameter."""

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        raise NotImplementedError(f"{type(self).__name__} must define forward(x)")

    def named_parameters(self, prefix: str = ""):
        for key, value in vars(self).items():
            if isinstance(value, Tensor):
                yield prefix + key, value
            elif isinstance(value, Module):
                yield from value.named_parameters(f"{prefix}{key}.")
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    yield from item.named_parameters(f"{prefix}{i}.")

    def parameters(self) -> list[Tensor]:
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.zero_grad()

    def state_dict(self) -> dict[str, np.ndarray]:
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict) -> None:
        own = dict(self.named_parameters())
        if set(own) != set(state):
            raise KeyError(f"state_dict mismatch: expected keys {sorted(own)}, "
                           f"got {sorted(state)}")
        for name, p in own.items():
            value = np.asarray(state[name])
            if value.shape != p.shape:
                raise ShapeError(f"{name}: expected shape {p.shape}, got {value.shape}")
            p.data[...] = value


class Linear(Module):
    """Y = X @ W + b with W (in_features, out_features), b (out_features,).

    Initialised like ``nnlib.scratch.Linear`` and PyTorch: U(-1/sqrt(d_in), 1/sqrt(d_in)).
    """

    def __init__(self, in_features: int, out_features: int, *, rng=None, dtype=np.float64):
        in_features = _checks.check_int(in_features, "in_features", minimum=1, where="Linear")
        out_features = _checks.check_int(out_features, "out_features", minimum=1, where="Linear")
        dtype = _checks.check_float_dtype(dtype, where="Linear")
        rng = init.as_rng(rng)
        bound = 1 / math.sqrt(in_features)
        self.weight = Tensor(init.kaiming_uniform((in_features, out_features), a=math.sqrt(5),
                                                  rng=rng, dtype=dtype))
        self.bias = Tensor(rng.uniform(-bound, bound, size=out_features).astype(dtype))

    def forward(self, x):
        if not isinstance(x, Tensor):
            x = Tensor(_checks.check_array(x, "x", where="Linear").astype(self.weight.dtype))
        if x.ndim < 1 or x.shape[-1] != self.weight.shape[0]:
            raise ShapeError(f"Linear: expected x of shape (N, {self.weight.shape[0]}), got "
                             f"shape {x.shape}")
        return x @ self.weight + self.bias  # (N, d_in) @ (d_in, d_out) + (d_out,)


def _as_tensor(x, where: str) -> Tensor:
    """``x`` itself if a Tensor, else a new Tensor of the checked array ``x``."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{where}: x must be a Tensor or an array of numbers, got {x!r} (a bool)")
    x = _checks.check_array(x, "x", where=where)
    if x.ndim == 0:
        raise TypeError(f"{where}: x must be a Tensor or an array, got the single number {x}; "
                        "a layer takes a batch: wrap it, e.g. [x]")
    return Tensor(x)


class ReLU(Module):
    def forward(self, x):
        return _as_tensor(x, "ReLU").relu()


class Tanh(Module):
    def forward(self, x):
        return _as_tensor(x, "Tanh").tanh()


class Sequential(Module):
    """Layers applied in order; parameters named ``"0.weight"``, ``"0.bias"``, ..."""

    def __init__(self, *layers: Module):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                hint = (f"; create one: {layer.__name__}(...)" if isinstance(layer, type)
                        and issubclass(layer, Module) else "")
                raise TypeError(f"Sequential: layers[{i}] must be a Module (e.g. Linear(2, 3) "
                                f"or ReLU()), got {_checks.describe(layer)}{hint}")
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def named_parameters(self, prefix: str = ""):
        for i, layer in enumerate(self.layers):
            yield from layer.named_parameters(f"{prefix}{i}.")

    def __getitem__(self, index):
        return self.layers[index]


class CrossEntropyLoss:
    """``loss_fn(logits (N, C), targets (N,))`` -> a scalar Tensor; see ``cross_entropy``."""

    def __call__(self, logits: Tensor, targets) -> Tensor:
        return cross_entropy(logits, targets)


class SGD:
    """Plain gradient descent: p <- p - lr * dL/dp for every parameter."""

    def __init__(self, params, lr: float):
        if isinstance(params, Tensor):
            raise TypeError("SGD: params must be a list of Tensors (model.parameters()), got "
                            "a single Tensor; wrap it in a list")
        self.params = list(params)
        if not self.params:
            raise ValueError("SGD: params is empty (nothing to train); pass model.parameters() "
                             "of a model with layers, e.g. Sequential(Linear(2, 8), ...)")
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor):
                raise TypeError(f"SGD: params[{i}] must be a Tensor, got {_checks.describe(p)}")
        self.lr = _checks.check_float(lr, "lr", minimum=0, where="SGD")

    def zero_grad(self) -> None:
        for p in self.params:
            p.zero_grad()

    def step(self) -> None:
        self.lr = _checks.check_float(self.lr, "lr", minimum=0, where="SGD.step")
        for p in self.params:
            p.data -= self.lr * p.grad  # in place: the data array is the parameter
