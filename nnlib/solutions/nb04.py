"""Worked solutions for notebook 04 (backpropagation). Format: see ``nb00.py``."""

from __future__ import annotations

from nnlib.solutions import solution


@solution("04.1")
def linear_backward():
    """Z = X @ W + b with X (N, d_in), W (d_in, d_out), dZ (N, d_out). Each gradient has the
    shape of its variable, and only one product of the available arrays gives that shape:
    dX (N, d_in) = dZ @ W.T, dW (d_in, d_out) = X.T @ dZ. b was added to every row, so its
    gradient sums dZ over the batch (a branch: gradients add)."""
    def linear_backward(X, W, dZ):
        dX = dZ @ W.T                 # (N, d_out) @ (d_out, d_in)
        dW = X.T @ dZ                 # (d_in, N) @ (N, d_out)
        db = dZ.sum(axis=0)           # (d_out,)
        return dX, dW, db

    return linear_backward


@solution("04.2")
def numerical_grad():
    """Section 4's centred difference, for a function that takes the array: nudge one entry
    up by eps, evaluate, down by eps, evaluate, restore the entry, and divide the difference
    by 2 eps. x.flat[i] walks every entry whatever the shape. Restoring the old value matters
    twice: the next entries are measured at the right point, and the caller's x comes back
    unchanged. The centred form is accurate to O(eps^2); a one-sided one only to O(eps)."""
    import numpy as np

    def numerical_grad(f, x, eps=1e-6):
        grad = np.zeros_like(x, dtype=np.float64)
        for i in range(x.size):
            old = x.flat[i]
            x.flat[i] = old + eps
            up = f(x)
            x.flat[i] = old - eps
            down = f(x)
            x.flat[i] = old                    # put it back
            grad.flat[i] = (up - down) / (2 * eps)
        return grad

    return numerical_grad


@solution("04.3")
def bce_logits_grad():
    """For one example, L = -[y log a + (1 - y) log(1 - a)] with a = sigmoid(z):
    dL/da = (a - y) / (a (1 - a)) and da/dz = a (1 - a), so dL/dz = a - y. The mean over N
    examples divides each example's gradient by N. Use the stable sigmoid."""
    from nnlib.scratch import functional as F

    def bce_logits_grad(z, y):
        return (F.sigmoid(z) - y) / len(z)

    return bce_logits_grad


@solution("04.4")
def gradients():
    """Name the inner node u = a*b + c = 2*(-3) + 4 = -2, so L = u^2 and dL/du = 2u = -4.
    Then each input gets dL/du times its local derivative: du/da = b, du/db = a, du/dc = 1.
    So dL/da = -4 * -3 = 12, dL/db = -4 * 2 = -8, dL/dc = -4. The code below does the same
    steps (forward, then backward) so that nothing is typed in."""
    a, b, c = 2.0, -3.0, 4.0
    u = a * b + c                 # forward: -2
    dL_du = 2 * u                 # backward through the square: -4
    gradients = {"a": dL_du * b, "b": dL_du * a, "c": dL_du * 1.0}
    return gradients


@solution("04.5")
def softmax_backward():
    """For one row, dz = J^T dp with J = diag(p) - p p^T (symmetric), so
    dz = p * dp - p (p . dp) = p * (dp - p . dp). For all rows at once the dot product is
    sum(dP * P, axis=1, keepdims=True), shape (N, 1), which broadcasts over the C columns.
    Cost O(C) per row instead of building a C x C matrix."""
    import numpy as np

    def softmax_backward(P, dP):
        dot = np.sum(dP * P, axis=1, keepdims=True)   # (N, 1): p . dp per row
        return P * (dP - dot)                         # (N, C)

    return softmax_backward


@solution("04.6")
def relu_mlp_grads():
    """Forward, caching each layer's input H and pre-activation Z (ReLU' needs the sign of Z:
    1 where Z > 0, else 0). The loss is the mean over all N * C entries, so the gradient at
    the output is 2 (out - Y) / out.size. Then walk the layers backwards: dW = H.T @ dZ,
    db = dZ.sum(axis=0), dH = dZ @ W.T, and below a ReLU dZ = dH * (Z > 0)."""
    import numpy as np

    def relu_mlp_grads(X, Y, params):
        H, cache = X, []
        for i, (W, b) in enumerate(params):
            Z = H @ W + b
            cache.append((H, Z))
            H = np.maximum(Z, 0) if i < len(params) - 1 else Z
        dZ = 2 * (H - Y) / H.size                        # dL/d(output)
        grads = []
        for i in range(len(params) - 1, -1, -1):
            W, _ = params[i]
            H_in, _ = cache[i]
            grads.append((H_in.T @ dZ, dZ.sum(axis=0)))
            if i > 0:
                dH = dZ @ W.T
                dZ = dH * (cache[i - 1][1] > 0)         # ReLU' of the layer below
        return grads[::-1]

    return relu_mlp_grads
