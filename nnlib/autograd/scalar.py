"""A scalar reverse-mode autodiff engine: ``Value``, one number and its gradient.

Every operation returns a new ``Value`` that remembers its inputs (``_prev``) and a
``_backward`` function applying the chain rule locally: given ``out.grad`` = dL/d(out),
it *adds* dL/d(input) = dL/d(out) * d(out)/d(input) into each input's ``grad``
(adds, because an input used twice receives two contributions).

    a, b = Value(2.0), Value(-3.0)
    loss = (a * b + a).tanh()
    loss.backward()          # a.grad, b.grad now hold d loss / d a, d loss / d b
"""

from __future__ import annotations

import math

from nnlib import _checks
from nnlib.autograd.graph import run_backward
from nnlib.errors import NonFiniteError


class Value:
    """A float ``data`` with ``grad`` = d(last backward's output) / d(this value)."""

    def __init__(self, data, _prev=(), _op: str = "", label: str = ""):
        if isinstance(data, Value):
            raise TypeError("Value(...) got a Value; use it directly (or v.data for its float)")
        data = _checks.check_float(data, "data", where="Value",
                                   hint="check the data, or lower the learning rate if "
                                   "training diverged")
        self.data, self.grad = data, 0.0
        self._prev, self._op, self.label = tuple(_prev), _op, label
        self._backward = lambda: None  # leaves have nothing to pass on

    # -- the operations: each defines its local derivative --------------------------------
    def __add__(self, other):
        other = _as_value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():  # d(a + b)/da = d(a + b)/db = 1
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = _as_value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():  # d(ab)/da = b, d(ab)/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, exponent):
        if not _checks.is_real(exponent) or not math.isfinite(exponent):
            raise TypeError(f"Value ** k needs a (finite) number k, got "
                            f"{_checks.describe(exponent)}; for a Value exponent write "
                            "(k * v.log()).exp()")
        if self.data == 0 and exponent < 1 or self.data < 0 and exponent != int(exponent):
            raise ValueError(f"({self.data:g}) ** {exponent:g} has no real, finite derivative")
        out = Value(self.data**exponent, (self,), f"**{exponent:g}")

        def _backward():  # d(a^k)/da = k a^(k-1)
            self.grad += exponent * self.data ** (exponent - 1) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():  # d(e^a)/da = e^a
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def log(self):
        if self.data <= 0:
            raise ValueError(f"log needs a positive number, got {self.data:g}")
        out = Value(math.log(self.data), (self,), "log")

        def _backward():  # d(log a)/da = 1/a
            self.grad += out.grad / self.data
        out._backward = _backward
        return out

    def tanh(self):
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward():  # d(tanh a)/da = 1 - tanh(a)^2
            self.grad += (1 - out.data**2) * out.grad
        out._backward = _backward
        return out

    def relu(self):
        out = Value(max(self.data, 0.0), (self,), "relu")

        def _backward():  # 1 for a > 0, else 0 (0 at the kink, as in PyTorch)
            self.grad += (self.data > 0) * out.grad
        out._backward = _backward
        return out

    # -- everything else is built from the operations above ------------------------------
    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-_as_value(other))

    def __truediv__(self, other):
        other = _as_value(other)
        if other.data == 0:
            raise NonFiniteError("division by a Value equal to 0: the result would be infinite")
        return self * other**-1

    def __radd__(self, other):  # 2 + v
        return self + other

    def __rmul__(self, other):  # 2 * v
        return self * other

    def __rsub__(self, other):  # 2 - v
        return _as_value(other) - self

    def __rtruediv__(self, other):  # 2 / v
        return _as_value(other) / self

    # -- backward ---------------------------------------------------------------------
    def backward(self) -> None:
        """Fill ``grad`` of every value this one depends on with d(self)/d(that value)."""
        self.grad = 1.0 if self._prev else self.grad + 1.0
        run_backward(self)

    def zero_grad(self) -> None:
        self.grad = 0.0

    def _reset_grad(self) -> None:
        self.grad = 0.0

    def __repr__(self) -> str:
        name = f"{self.label}: " if self.label else ""
        return f"Value({name}data={self.data:.4g}, grad={self.grad:.4g})"


def _as_value(x) -> Value:
    return x if isinstance(x, Value) else Value(x)
