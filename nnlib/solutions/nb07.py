"""Worked solutions for notebook 07 (autograd and PyTorch). Format: see ``nb00.py``."""

from __future__ import annotations

from nnlib.solutions import solution


@solution("07.1")
def value_sigmoid():
    """Build the formula from Value operations only: negation, exp, adding a number and
    dividing a number by a Value (1 + e and 1 / v work through __radd__ and __rtruediv__).
    Every step records its own local derivative, so backward() gets sigmoid' = s (1 - s)
    without our writing it. Using math.exp(v.data) would give the right number but cut the
    graph: no gradient would reach v."""
    def value_sigmoid(v):
        return 1 / (1 + (-v).exp())

    return value_sigmoid


@solution("07.2")
def mul_grads():
    """out = a * b element by element (after broadcasting), so d out / d a = b and
    d out / d b = a: each input's gradient is grad_out times the OTHER factor. An entry of a
    that broadcasting used k times gets the SUM of its k contributions, so multiply first
    (at out's shape) and then sum back to the input's shape: unbroadcast does that (sum over
    leading axes that were added, and over axes of size 1 that were stretched)."""
    from nnlib.autograd import unbroadcast

    def mul_grads(a, b, grad_out):
        grad_a = unbroadcast(grad_out * b, a.shape)
        grad_b = unbroadcast(grad_out * a, b.shape)
        return grad_a, grad_b

    return mul_grads


@solution("07.3")
def tensor_sigmoid():
    """Copy the pattern of Tensor.tanh: compute the values, make ONE node whose parent is t,
    and give it a _backward that adds the vector-Jacobian product into t.grad:
    out.grad * s * (1 - s) with s = out.data (already computed, no need to recompute).
    `+=`, not `=`: t may feed several nodes and every path's contribution must add up."""
    import numpy as np

    from nnlib.autograd import Tensor

    def tensor_sigmoid(t):
        s = 1 / (1 + np.exp(-t.data))
        out = Tensor(s, (t,), "sigmoid")

        def _backward():
            t.grad += out.grad * out.data * (1 - out.data)

        out._backward = _backward
        return out

    return tensor_sigmoid


@solution("07.4")
def train_step():
    """The five lines of every PyTorch loop: clear the old gradients (they accumulate),
    forward, loss, backward, step. Return loss.item(), a Python float, computed before the
    update."""
    def train_step(model, optimizer, loss_fn, X, y):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    return train_step


@solution("07.5")
def tensor_max():
    """Only the largest entry along the axis influenced each maximum, with slope 1; every
    other entry has slope 0. So the backward builds a mask of where the maximum sits
    (t.data == the max, kept with keepdims so that it broadcasts), and routes out.grad, given
    the same lost axis back with np.expand_dims, to exactly those entries. It adds (+=), like
    every _backward."""
    import numpy as np

    from nnlib.autograd import Tensor

    def tensor_max(t, axis):
        m = t.data.max(axis=axis, keepdims=True)
        out = Tensor(np.squeeze(m, axis=axis), (t,), "max")

        def _backward():
            mask = t.data == m                                   # t's shape, True at the max
            t.grad += mask * np.expand_dims(out.grad, axis)

        out._backward = _backward
        return out

    return tensor_max
