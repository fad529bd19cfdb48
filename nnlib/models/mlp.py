"""A multilayer perceptron in PyTorch, with the regularisers of notebook 08 as switches.

``MLP([784, 256, 10])`` is ``nn.Sequential(Flatten, Linear(784, 256), ReLU, Linear(256, 10))``;
``dropout``, ``batchnorm`` and ``init`` add the pieces that make deeper ones train well.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from nnlib import _checks

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU,
               "leaky_relu": nn.LeakyReLU, "elu": nn.ELU, "silu": nn.SiLU}
INITS = ("default", "xavier", "he")


class MLP(nn.Sequential):
    """Flatten, then ``[Linear → (BatchNorm1d) → activation → (Dropout)]`` per hidden layer,
    then a last ``Linear`` giving the logits.

    sizes:      ``[d_in, hidden_1, ..., d_out]``, e.g. ``[784, 256, 10]``; inputs of shape
                (N, d_in) or anything that flattens to it, like images (N, 1, 28, 28).
    activation: one of ``ACTIVATIONS`` ("relu", "tanh", "sigmoid", "gelu", ...).
    dropout:    probability of zeroing each hidden activation while training.
    batchnorm:  normalise each hidden layer's pre-activations over the batch. The Linear
                before it has no bias: BatchNorm subtracts the mean, which would cancel it.
    init:       "default" (PyTorch's), "xavier" (std sqrt(2 / (fan_in + fan_out))),
                "he" (std sqrt(2 / fan_in), for ReLU), or a number: that std for every
                weight. Biases start at 0 except with "default".
    Output: logits of shape (N, d_out).
    """

    def __init__(self, sizes, activation: str = "relu", dropout: float = 0.0,
                 batchnorm: bool = False, init: str | float = "default"):
        sizes = _check_sizes(sizes)
        _checks.check_choice(activation, "activation", sorted(ACTIVATIONS), where="MLP")
        dropout = _checks.check_float(dropout, "dropout", minimum=0, maximum=1, max_open=True,
                                      where="MLP")
        batchnorm = _checks.check_bool(batchnorm, "batchnorm", where="MLP")
        layers: list[nn.Module] = [nn.Flatten()]
        for d_in, d_out in zip(sizes[:-2], sizes[1:-1]):
            layers.append(nn.Linear(d_in, d_out, bias=not batchnorm))
            if batchnorm:
                layers.append(nn.BatchNorm1d(d_out))
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
        layers.append(nn.Linear(sizes[-2], sizes[-1]))
        super().__init__(*layers)
        self.sizes, self.activation = sizes, activation
        self.dropout, self.batchnorm = float(dropout), bool(batchnorm)
        init_linear_layers(self, init)

    def __getitem__(self, index):
        if isinstance(index, slice):  # a slice is a plain Sequential (it is no longer an MLP)
            return nn.Sequential(OrderedDict(list(self._modules.items())[index]))
        return super().__getitem__(index)

    @property
    def linear_layers(self) -> list[nn.Linear]:
        return [m for m in self if isinstance(m, nn.Linear)]

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, x):
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"MLP: x must be a torch tensor of shape (N, {self.sizes[0]}), got "
                            f"{_checks.describe(x)}"
                            + ("; convert it with torch.as_tensor(x, dtype=torch.float32)"
                               if hasattr(x, "shape") else ""))
        if x.ndim < 2 or x[0].numel() != self.sizes[0]:
            raise ValueError(
                f"this MLP expects a batch of inputs with {self.sizes[0]} values each, e.g. "
                f"shape (N, {self.sizes[0]}) or (N, 1, 28, 28) for 784, got shape "
                f"{tuple(x.shape)}" + ("; add a batch dimension with x.unsqueeze(0)"
                                       if x.numel() == self.sizes[0] else ""))
        if not torch.is_autocast_enabled():  # under autocast torch casts the input itself
            _checks.check_tensor_dtype(x, self[1].weight, where="MLP")
        return super().forward(x)

    def extra_repr(self) -> str:
        return f"sizes={self.sizes}"


def init_linear_layers(model: nn.Module, init: str | float = "default") -> nn.Module:
    """Re-initialise every ``nn.Linear`` in ``model`` (see :class:`MLP`'s ``init``)."""
    where = "init_linear_layers"
    _checks.check_instance(model, "model", nn.Module, "a torch.nn.Module", where=where)
    if isinstance(init, str):
        _checks.check_choice(init, "init", INITS, where=where)
    else:
        # a std beyond 1e6 only makes float32 weights overflow to inf
        init = _checks.check_float(init, "init", minimum=0, maximum=1e6, min_open=True,
                                   where=where, hint=f"one of {INITS} or a positive std")
    if init == "default":
        return model
    for layer in model.modules():
        if not isinstance(layer, nn.Linear):
            continue
        if init == "xavier":
            nn.init.xavier_normal_(layer.weight)
        elif init == "he":
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
        else:
            nn.init.normal_(layer.weight, std=float(init))
        if layer.bias is not None:
            nn.init.zeros_(layer.bias)
    return model


def _check_sizes(sizes) -> list[int]:
    hint = "list the layer widths, input first and output last, e.g. [784, 256, 10]"
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
        raise TypeError(f"MLP: sizes must be a list of ints, got {_checks.describe(sizes)}; "
                        f"{hint}")
    sizes = [_checks.check_int(s, f"sizes[{i}]", minimum=1, where="MLP", hint=hint)
             for i, s in enumerate(sizes)]
    if len(sizes) < 2:
        raise ValueError(f"MLP: sizes must hold at least two widths, got {sizes!r}; {hint}")
    return sizes
