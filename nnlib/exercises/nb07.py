"""Checks for notebook 07 (autograd and PyTorch). Each calls the learner's function on
random inputs and compares values and gradients with torch.autograd in float64."""

from __future__ import annotations

import numpy as np

from nnlib.exercises import checker


def _torch():
    import torch

    return torch


@checker("07.1")
def value_sigmoid(sigmoid):
    """``sigmoid(v: Value) -> Value`` built from Value operations."""
    from nnlib.autograd import Value

    torch = _torch()
    for x in (-3.0, -0.4, 0.0, 1.2, 5.0):
        v = Value(x)
        out = sigmoid(v)
        if not isinstance(out, Value):
            return False, f"sigmoid must return a Value, got {type(out).__name__}"
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        expected = torch.sigmoid(t)
        expected.backward()
        if not np.isclose(out.data, expected.item(), rtol=1e-9, atol=1e-12):
            return False, (f"sigmoid({x}) should be {expected.item():.6f}, got {out.data:.6f}; "
                           "sigmoid(x) = 1 / (1 + exp(-x))")
        out.backward()
        if v.grad == 0 and t.grad.item() != 0:
            return False, ("the value is right but no gradient reaches the input: you computed "
                           "with floats (v.data or math.exp) and cut the graph; use Value "
                           "operations such as (-v).exp()")
        if not np.isclose(v.grad, t.grad.item(), rtol=1e-9, atol=1e-12):
            return False, f"at x = {x} the gradient should be {t.grad.item():.6f}, got {v.grad:.6f}"
    return True, "values and gradients match torch.sigmoid; the engine did the calculus for you"


@checker("07.2")
def mul_grads(fn):
    """``mul_grads(a, b, grad_out) -> (grad_a, grad_b)`` for ``out = a * b`` with broadcasting."""
    from nnlib.autograd import unbroadcast

    torch = _torch()
    rng = np.random.default_rng(7)
    cases = [((4, 1), (3,)), ((4, 3), (3,)), ((2, 4, 3), (4, 1)), ((), (2, 3)),
             ((5, 2), (5, 2)), ((2, 1, 3), (4, 1)), ((3,), (2, 1))]
    for a_shape, b_shape in cases:
        a, b = rng.normal(size=a_shape), rng.normal(size=b_shape)
        out_shape = np.broadcast_shapes(a_shape, b_shape)
        grad_out = rng.normal(size=out_shape)
        a_t = torch.tensor(a, requires_grad=True)
        b_t = torch.tensor(b, requires_grad=True)
        (a_t * b_t).backward(torch.from_numpy(grad_out))
        want = (a_t.grad.numpy(), b_t.grad.numpy())
        got = fn(a.copy(), b.copy(), grad_out.copy())
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            return False, "return a pair (grad_a, grad_b)"
        where = f"a of shape {a_shape}, b of shape {b_shape}"
        for name, value, shape in [("grad_a", got[0], a_shape), ("grad_b", got[1], b_shape)]:
            value = np.asarray(value, dtype=np.float64)
            if value.shape != shape:
                hint = (" (the shape of out: sum it back over the broadcast axes)"
                        if value.shape == out_shape else "")
                return False, (f"for {where}, {name} must have shape {shape}, got "
                               f"{value.shape}{hint}")
        got = tuple(np.asarray(g, dtype=np.float64) for g in got)
        if all(np.allclose(g, w, rtol=1e-10, atol=1e-12) for g, w in zip(got, want)):
            continue
        own = (unbroadcast(grad_out * a, a_shape), unbroadcast(grad_out * b, b_shape))
        mean = tuple(w * np.prod(s, dtype=float) / grad_out.size
                     for w, s in zip(want, (a_shape, b_shape)))
        sums_first = (unbroadcast(grad_out, a_shape) * unbroadcast(np.broadcast_to(b, out_shape),
                                                                   a_shape),
                      unbroadcast(grad_out, b_shape) * unbroadcast(np.broadcast_to(a, out_shape),
                                                                   b_shape))
        if all(np.allclose(g, w) for g, w in zip(got, own)):
            hint = ("each input's gradient is multiplied by its OWN value: d(a b)/da is b, the "
                    "other factor")
        elif all(np.allclose(g, w) for g, w in zip(got, mean)):
            hint = ("you averaged over the broadcast copies: an entry used k times gets the "
                    "SUM of its k contributions")
        elif all(np.allclose(g, w) for g, w in zip(got, sums_first)):
            hint = ("you summed grad_out and the other factor separately and multiplied the "
                    "sums; multiply element by element first (grad_out * b), then sum back: "
                    "a sum of products is not a product of sums")
        else:
            hint = "grad_a is grad_out * b summed back to a's shape, grad_b likewise with a"
        return False, f"right shapes but wrong values for {where}: {hint}"
    return True, ("multiply by the other factor, then sum over the broadcast axes: exactly what "
                  "Tensor.__mul__ does in nnlib.autograd")


@checker("07.3")
def tensor_sigmoid_node(sigmoid):
    """``sigmoid(t: Tensor) -> Tensor``: one new node with its own ``_backward``."""
    from nnlib.autograd import Tensor

    torch = _torch()
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 5)) * 3
    seed = rng.normal(size=(4, 5))
    t = Tensor(x)
    out = sigmoid(t)
    if not isinstance(out, Tensor):
        return False, f"sigmoid must return a Tensor, got {type(out).__name__}"
    leaf = torch.tensor(x, requires_grad=True)
    expected = torch.sigmoid(leaf)
    expected.backward(torch.from_numpy(seed))
    if out.shape != x.shape or not np.allclose(out.data, expected.detach().numpy(), rtol=1e-9):
        return False, "the values differ from 1 / (1 + exp(-x)) (element-wise, same shape)"
    out.backward(seed)
    if not np.allclose(t.grad, leaf.grad.numpy(), rtol=1e-9, atol=1e-12):
        return False, ("the values are right but the gradient is not: d sigmoid/dx = s (1 - s) "
                       "with s = out.data; remember to ADD into t.grad and to multiply by out.grad")
    if len(out._prev) != 1 or out._prev[0] is not t:
        return False, ("values and gradients are right, but the result was built from several "
                       "operations; make it one node: out = Tensor(data, (t,), 'sigmoid') with "
                       "its own out._backward")
    # Accumulation: t already holds a gradient and is used by two sigmoid nodes. Assigning
    # (t.grad = ...) instead of adding (t.grad += ...) keeps only the last contribution.
    start = rng.normal(size=x.shape)
    t = Tensor(x)
    t.grad = start.copy()
    (sigmoid(t) + sigmoid(t) * 3.0).backward(seed)
    s = 1 / (1 + np.exp(-x))
    want = start + 4.0 * s * (1 - s) * seed
    if not np.allclose(t.grad, want, rtol=1e-9, atol=1e-12):
        return False, ("right for one use on a fresh gradient, but wrong when t is used twice "
                       "or already holds a gradient: the backward must ADD (t.grad += ...), "
                       "not assign (t.grad = ...), so that every path's contribution is kept")
    return True, "one node, right values, right vector-Jacobian product, and it accumulates"


@checker("07.4")
def torch_train_step(train_step):
    """``train_step(model, optimizer, loss_fn, X, y) -> float`` for one PyTorch update."""
    torch = _torch()

    def setup():
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(),
                                    torch.nn.Linear(8, 2)).double()
        return model, torch.optim.SGD(model.parameters(), lr=0.3)

    generator = torch.Generator().manual_seed(1)
    X = torch.randn(16, 3, generator=generator, dtype=torch.float64)
    y = torch.randint(0, 2, (16,), generator=generator)
    loss_fn = torch.nn.CrossEntropyLoss()
    ours, our_opt = setup()
    theirs, their_opt = setup()
    for step in range(4):
        our_opt.zero_grad()
        loss = loss_fn(ours(X), y)
        loss.backward()
        our_opt.step()
        got = train_step(theirs, their_opt, loss_fn, X, y)
        if not isinstance(got, float):
            return False, f"return the loss as a Python float (loss.item()), got {type(got)}"
        if not np.isclose(got, loss.item(), rtol=1e-10):
            return False, (f"step {step + 1}: loss {got:.6f} instead of {loss.item():.6f}; "
                           "return the loss computed before the update")
        for p, q in zip(ours.parameters(), theirs.parameters()):
            if not torch.allclose(p, q, rtol=1e-10):
                hint = ("gradients accumulate in .grad: call optimizer.zero_grad() before "
                        "loss.backward()" if step > 0 else
                        "the order is zero_grad -> forward -> loss -> backward -> step")
                return False, f"after step {step + 1} the weights differ: {hint}"
    return True, "zero_grad -> forward -> loss -> backward -> step, the loop of every PyTorch model"


@checker("07.5")
def tensor_max_node(max_fn):
    """``max_fn(t: Tensor, axis: int) -> Tensor``: the maximum over ``axis`` as one node."""
    from nnlib.autograd import Tensor

    torch = _torch()
    rng = np.random.default_rng(5)
    for shape, axis in [((4, 6), 1), ((5, 3), 0), ((2, 3, 4), 2), ((2, 3, 4), 1)]:
        x = rng.normal(size=shape)                       # continuous: no ties
        start = rng.normal(size=shape)
        t = Tensor(x)
        t.grad = start.copy()
        out = max_fn(t, axis)
        if not isinstance(out, Tensor):
            return False, f"return a Tensor, got {type(out).__name__}"
        want = np.max(x, axis=axis)
        if out.shape != want.shape:
            return False, (f"the max of a {shape} tensor over axis {axis} has shape "
                           f"{want.shape} (the axis disappears), got {out.shape}")
        if not np.allclose(out.data, want):
            return False, f"wrong values: compare with np.max(t.data, axis={axis})"
        seed = rng.normal(size=want.shape)
        out.backward(seed)
        leaf = torch.tensor(x, requires_grad=True)
        torch.amax(leaf, dim=axis).backward(torch.from_numpy(seed))
        expected = start + leaf.grad.numpy()
        got = t.grad
        if np.allclose(got, leaf.grad.numpy()) and not np.allclose(start, 0):
            return False, ("the gradient is right but replaced what t.grad held: ADD into "
                           "t.grad (+=), never assign")
        if not np.allclose(got, expected, rtol=1e-9, atol=1e-12):
            spread = start + np.expand_dims(seed, axis) * np.ones(shape)
            if np.allclose(got, spread):
                hint = ("you sent the gradient to every entry, as a sum would; only the "
                        "largest entry of each slice influenced the max")
            elif np.allclose(got, start + np.expand_dims(seed, axis) / shape[axis]):
                hint = "you shared the gradient equally, as a mean would; the max picks one entry"
            else:
                hint = ("route out.grad to the position of the maximum: a mask "
                        "(t.data == np.expand_dims(out.data, axis)) times "
                        "np.expand_dims(out.grad, axis)")
            return False, f"wrong gradient for shape {shape}, axis {axis}: {hint}"
    return True, ("the gradient goes to the winner of each slice only: exactly what a max-pooling "
                  "layer (notebook 09) does for each window")
