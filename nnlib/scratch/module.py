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

import functools
from collections.abc import Iterator

import numpy as np

from nnlib import _checks
from nnlib.errors import NonFiniteError, NotForwardedError, ShapeError

__all__ = ["Module", "NonFiniteError", "NotForwardedError", "Parameter", "ShapeError",
           "check_array"]


class Parameter:
    """A trainable array ``data`` and its gradient ``grad`` (same shape and dtype).

    ``data``: an array, a nested list or a number (copied; integer arrays become float64);
    bools, strings, complex and object arrays raise ``TypeError``, NaN/inf
    ``NonFiniteError`` (a weight must start finite). ``name``: a str.
    """

    def __init__(self, data, name: str = ""):
        if not isinstance(name, str):
            raise TypeError(f"Parameter: name must be a str, got {_checks.describe(name)}")
        self.data = np.array(check_array(data, "data", layer="Parameter"), copy=True)
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


def _count_forward(forward):
    @functools.wraps(forward)
    def wrapper(self, *args, **kwargs):
        out = forward(self, *args, **kwargs)
        self._forward_count = getattr(self, "_forward_count", 0) + 1
        return out

    return wrapper


def _once_per_forward(backward):
    """Refuse a second ``backward`` for one ``forward``: it would add every parameter
    gradient twice (PyTorch likewise refuses to backpropagate twice through a graph)."""

    @functools.wraps(backward)
    def wrapper(self, *args, **kwargs):
        if getattr(self, "_in_backward", False) or self.repeatable_backward:
            return backward(self, *args, **kwargs)  # (the first: a super().backward call)
        done = getattr(self, "_forward_count", 0)
        if done and getattr(self, "_backward_of", None) == done:
            raise NotForwardedError(
                f"{type(self).__name__}.backward() was called twice for one forward(); the "
                "parameter gradients would be added twice. Run forward(x) again before each "
                "backward(grad_out)")
        self._in_backward = True
        try:
            out = backward(self, *args, **kwargs)
        finally:
            self._in_backward = False
        self._backward_of = done
        return out

    return wrapper


class Module:
    """Base class: subclasses define ``forward`` and ``backward``.

    One ``backward`` per ``forward``: a second ``backward`` without a new ``forward`` raises
    :class:`NotForwardedError` (it would add the parameter gradients twice).
    """

    training: bool = True
    #: True for modules whose backward has no side effects (losses): it may be repeated
    repeatable_backward: bool = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "forward" in cls.__dict__:
            cls.forward = _count_forward(cls.__dict__["forward"])
        if "backward" in cls.__dict__:
            cls.backward = _once_per_forward(cls.__dict__["backward"])

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
        mode = _checks.check_bool(mode, "mode", where=f"{type(self).__name__}.train")
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    def to(self, dtype) -> Module:
        """Cast every parameter, gradient and buffer to ``dtype``, in place; returns self."""
        dtype = _checks.check_float_dtype(dtype, "dtype", where=f"{type(self).__name__}.to")
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
        if not isinstance(state, dict):
            raise TypeError(f"{type(self).__name__}.load_state_dict: state must be a dict of "
                            f"arrays such as model.state_dict() returns, got "
                            f"{_checks.describe(state)}")
        targets = {name: p.data for name, p in self.named_parameters()}
        targets.update(self.named_buffers())
        missing = sorted(set(targets) - set(state))
        unexpected = sorted(set(state) - set(targets))
        if missing or unexpected:
            raise KeyError(f"state_dict mismatch: missing {missing}, unexpected {unexpected}")
        for name, target in targets.items():
            value = _checks.check_array(state[name], f"state[{name!r}]", dtype="any",
                                        finite=False,
                                        where=f"{type(self).__name__}.load_state_dict")
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

    ``ndim`` is the expected rank, ``last_dim`` the expected size of the last axis. Integer
    and bool arrays become float64; complex, string and object arrays raise ``TypeError``,
    NaN/inf raise :class:`NonFiniteError` (see ``nnlib._checks.check_array``).
    """
    if isinstance(x, (bool, np.bool_)):  # True is not a number here (a bool *array* is cast)
        raise TypeError(f"{layer + ': ' if layer else ''}{name} must be an array of numbers, "
                        f"got {x!r} (a bool)")
    return _checks.check_array(x, name, where=layer, ndim=ndim, last_dim=last_dim,
                               shape_text="(N, features)" if ndim == 2 else "")
