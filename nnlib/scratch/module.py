"""The layer contract of nnlib's NumPy engine.

Every layer is a :class:`Module`:

* ``forward(x)`` computes the output and keeps what the backward pass needs;
* ``backward(grad_out)`` takes dL/d(output) and returns dL/d(input), and *adds*
  dL/d(parameter) into each parameter's ``.grad`` (so gradients accumulate
  until ``zero_grad()``, exactly as in PyTorch);
* ``parameters()`` lists the :class:`Parameter` objects, ``zero_grad()`` clears
  their gradients, ``train()`` / ``eval()`` switch modes (dropout, batch norm).

Arrays are batch-first: ``X`` has shape ``(N, d_in)`` and a linear layer's
weight has shape ``(d_in, d_out)`` so that ``Y = X @ W + b``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


class ShapeError(ValueError):
    """An array has the wrong rank or size for the layer it was given to."""


class NonFiniteError(ValueError):
    """An array holds NaN or infinite values (bad data, or a diverging network)."""


class NotForwardedError(RuntimeError):
    """``backward`` was called before ``forward``."""


class Parameter:
    """A trainable array ``data`` and its gradient ``grad`` (same shape and dtype)."""

    def __init__(self, data, name: str = ""):
        self.data = np.array(data, copy=True)
        if not np.issubdtype(self.data.dtype, np.floating):
            self.data = self.data.astype(np.float64)
        self.grad = np.zeros_like(self.data)
        self.name = name

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    def zero_grad(self) -> None:
        self.grad[...] = 0.0

    def __repr__(self) -> str:
        return f"Parameter({self.name or '?'}, shape={self.shape}, dtype={self.dtype})"


class Module:
    """Base class: subclasses define ``forward`` and ``backward``."""

    training: bool = True

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        raise NotImplementedError(f"{type(self).__name__} must define forward(x)")

    def backward(self, grad_out):
        raise NotImplementedError(f"{type(self).__name__} must define backward(grad_out)")

    # -- structure -----------------------------------------------------------------
    #: names of non-trainable arrays saved with the weights (e.g. BatchNorm's running stats)
    buffer_names: tuple[str, ...] = ()

    def _named_children(self) -> Iterator[tuple[str, Module]]:
        """Direct sub-modules with their names, in assignment order (lists included)."""
        for key, value in vars(self).items():
            if isinstance(value, Module):
                yield key, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Module):
                        yield f"{key}.{i}", item

    def children(self) -> Iterator[Module]:
        for _, child in self._named_children():
            yield child

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """``(dotted prefix, module)`` for this module and every sub-module below it."""
        yield prefix, self
        for name, child in self._named_children():
            yield from child.named_modules(f"{prefix}{name}.")

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """``(name, Parameter)`` pairs, recursing into sub-modules, each parameter once."""
        seen: set[int] = set()
        for module_prefix, module in self.named_modules(prefix):
            for key, value in vars(module).items():
                if isinstance(value, Parameter):
                    items = [(key, value)]
                elif isinstance(value, (list, tuple)):
                    items = [(f"{key}.{i}", v) for i, v in enumerate(value)
                             if isinstance(v, Parameter)]
                else:
                    continue
                for name, param in items:
                    if id(param) not in seen:
                        seen.add(id(param))
                        yield module_prefix + name, param

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, np.ndarray]]:
        """``(name, array)`` for the non-trainable state listed in ``buffer_names``."""
        for module_prefix, module in self.named_modules(prefix):
            for key in module.buffer_names:
                yield module_prefix + key, getattr(module, key)

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    def num_parameters(self) -> int:
        return sum(p.data.size for p in self.parameters())

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.zero_grad()

    # -- modes and dtype -----------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def to(self, dtype) -> Module:
        """Cast every parameter, gradient and buffer to ``dtype``, in place; returns self."""
        for p in self.parameters():
            p.data = p.data.astype(dtype)
            p.grad = p.grad.astype(dtype)
        for _, module in self.named_modules():
            for key in module.buffer_names:
                setattr(module, key, getattr(module, key).astype(dtype))
        return self

    def double(self) -> Module:
        return self.to(np.float64)

    def float(self) -> Module:
        return self.to(np.float32)

    # -- weights in and out ----------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of all parameter and buffer arrays, keyed by dotted name (as in PyTorch)."""
        state = {name: p.data.copy() for name, p in self.named_parameters()}
        state.update((name, np.array(b, copy=True)) for name, b in self.named_buffers())
        return state

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Copy arrays into the parameters and buffers; names and shapes must match exactly."""
        targets = {name: p.data for name, p in self.named_parameters()}
        targets.update(self.named_buffers())
        missing = sorted(set(targets) - set(state))
        unexpected = sorted(set(state) - set(targets))
        if missing or unexpected:
            raise KeyError(f"state_dict mismatch: missing {missing}, unexpected {unexpected}")
        for name, target in targets.items():
            value = np.asarray(state[name])
            if value.shape != target.shape:
                raise ShapeError(f"{name}: expected shape {target.shape}, got {value.shape}")
            target[...] = value

    def __repr__(self) -> str:
        extra = self.extra_repr()
        kids = list(self.children())
        if not kids:
            return f"{type(self).__name__}({extra})"
        inner = "\n".join("  " + repr(k).replace("\n", "\n  ") for k in kids)
        return f"{type(self).__name__}({extra}\n{inner}\n)"

    def extra_repr(self) -> str:
        return ""


def check_array(x, name: str = "input", *, ndim: int | None = None,
                last_dim: int | None = None, layer: str = "") -> np.ndarray:
    """Return ``x`` as a floating ndarray or raise an error that says what to fix.

    ``ndim`` is the expected rank, ``last_dim`` the expected size of the last axis.
    """
    where = f"{layer}: " if layer else ""
    arr = np.asarray(x)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number) and arr.dtype != bool:
        raise TypeError(f"{where}{name} must be a numeric array, got dtype {arr.dtype}")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    if ndim is not None and arr.ndim != ndim:
        expected = "(N, features)" if ndim == 2 else f"{ndim} dimensions"
        raise ShapeError(
            f"{where}expected {name} of shape {expected}, got shape {arr.shape}"
            + (" (a single example? use x[None, :] to add a batch axis)"
               if arr.ndim == ndim - 1 else "")
        )
    if last_dim is not None and (arr.ndim == 0 or arr.shape[-1] != last_dim):
        raise ShapeError(
            f"{where}expected {name} with last dimension {last_dim}, got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise NonFiniteError(f"{where}{name} contains {bad} NaN or infinite value(s); "
                         "check the data or lower the learning rate")
    return arr
