"""Each notebook-07 checker accepts a right answer and rejects wrong ones with a hint."""

import math

import numpy as np

from nnlib.autograd import Tensor, Value, unbroadcast
from nnlib.exercises import evaluate


def test_07_1_value_sigmoid():
    assert evaluate("07.1", lambda v: 1 / (1 + (-v).exp()))[0] is True
    passed, message = evaluate("07.1", lambda v: Value(1 / (1 + math.exp(-v.data))))
    assert passed is False and "cut the graph" in message
    passed, message = evaluate("07.1", lambda v: 1 / (1 + v.exp()))
    assert passed is False and "1 / (1 + exp(-x))" in message


def test_07_2_mul_grads(solved):
    right_mul_grads = solved("07.2")
    assert evaluate("07.2", right_mul_grads)[0] is True
    assert evaluate("07.2", lambda a, b, g: list(right_mul_grads(a, b, g)))[0] is True

    def own_factor(a, b, grad_out):         # d(ab)/da taken as a instead of b
        return unbroadcast(grad_out * a, np.shape(a)), unbroadcast(grad_out * b, np.shape(b))
    passed, message = evaluate("07.2", own_factor)
    assert passed is False and "other factor" in message

    passed, message = evaluate("07.2", lambda a, b, g: (g * b, g * a))   # forgets to sum back
    assert passed is False and "must have shape" in message and "sum it back" in message

    def mean_back(a, b, grad_out):
        ga, gb = right_mul_grads(a, b, grad_out)
        return ga * max(np.size(a), 1) / grad_out.size, gb * max(np.size(b), 1) / grad_out.size
    passed, message = evaluate("07.2", mean_back)
    assert passed is False and "SUM" in message

    def sums_first(a, b, grad_out):         # sum(g) * sum(b) instead of sum(g * b)
        full = np.shape(grad_out)
        return (unbroadcast(grad_out, np.shape(a)) * unbroadcast(np.broadcast_to(b, full),
                                                                 np.shape(a)),
                unbroadcast(grad_out, np.shape(b)) * unbroadcast(np.broadcast_to(a, full),
                                                                 np.shape(b)))
    passed, message = evaluate("07.2", sums_first)
    assert passed is False and "not a product of sums" in message


def _sigmoid_variant(route):
    """A one-node sigmoid whose backward is ``route(t, out)`` (wrong answers for 07.3)."""
    def sigmoid_fn(t):
        out = Tensor(1 / (1 + np.exp(-t.data)), (t,), "sigmoid")

        def _backward():
            route(t, out)
        out._backward = _backward
        return out
    return sigmoid_fn


def test_07_3_tensor_sigmoid_node(solved):
    assert evaluate("07.3", solved("07.3"))[0] is True
    passed, message = evaluate("07.3", lambda t: 1.0 / (1.0 + (-t).exp()))
    assert passed is False and "make it one node" in message

    def wrong_gradient(t, out):
        t.grad += out.data * out.grad
    passed, message = evaluate("07.3", _sigmoid_variant(wrong_gradient))
    assert passed is False and "s (1 - s)" in message

    def assigns_instead_of_adding(t, out):  # the accumulation bug: right on a fresh gradient
        t.grad = out.data * (1 - out.data) * out.grad
    passed, message = evaluate("07.3", _sigmoid_variant(assigns_instead_of_adding))
    assert passed is False and "ADD" in message and "used twice" in message


def test_07_4_torch_train_step(solved):
    right_step = solved("07.4")
    assert evaluate("07.4", right_step)[0] is True

    def no_zero_grad(model, optimizer, loss_fn, X, y):
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        return loss.item()
    passed, message = evaluate("07.4", no_zero_grad)
    assert passed is False and "optimizer.zero_grad()" in message

    def returns_tensor(model, optimizer, loss_fn, X, y):
        right_step(model, optimizer, loss_fn, X, y)
        return loss_fn(model(X), y)
    passed, message = evaluate("07.4", returns_tensor)
    assert passed is False and "loss.item()" in message


def _max_variant(route):
    def max_fn(t, axis):
        out = Tensor(t.data.max(axis=axis), (t,), "max")

        def _backward():
            route(t, out, axis)
        out._backward = _backward
        return out
    return max_fn


def test_07_5_tensor_max_node(solved):
    assert evaluate("07.5", solved("07.5"))[0] is True

    def to_every_entry(t, out, axis):           # the backward of a sum
        t.grad += np.expand_dims(out.grad, axis) * np.ones_like(t.data)
    passed, message = evaluate("07.5", _max_variant(to_every_entry))
    assert passed is False and "every entry" in message

    def shared_equally(t, out, axis):           # the backward of a mean
        t.grad += np.expand_dims(out.grad, axis) * np.ones_like(t.data) / t.shape[axis]
    passed, message = evaluate("07.5", _max_variant(shared_equally))
    assert passed is False and "mean" in message

    def assigns(t, out, axis):                  # right routing, but overwrites t.grad
        t.grad = (t.data == np.expand_dims(out.data, axis)) * np.expand_dims(out.grad, axis)
    passed, message = evaluate("07.5", _max_variant(assigns))
    assert passed is False and "ADD" in message

    passed, message = evaluate("07.5", lambda t, axis: Tensor(t.data.max(axis=axis, keepdims=True)))
    assert passed is False and "axis disappears" in message
