"""Worked solutions for notebook 00 (start here).

Format (the same for every notebook): one function per exercise, registered with
``@solution("NN.k")``. The docstring explains the idea; the body is what a learner could write
with what the notebook taught so far; it returns exactly what goes into ``check("NN.k", ...)``.
Compute the answer, never type in a number the exercise asks you to find.
"""

from __future__ import annotations

from nnlib.solutions import solution


@solution("00.1")
def weight_shape():
    """X has shape (N, 784) and the layer computes X @ W, which must have shape (N, 128).
    A matrix product (N, 784) @ (a, b) needs a = 784 and gives (N, b), so W is (784, 128):
    (d_in, d_out). PyTorch's nn.Linear stores the transpose, (128, 784); that is its storage
    order, not the course's notation."""
    d_in, d_out = 784, 128
    weight_shape = (d_in, d_out)
    return weight_shape


@solution("00.2")
def parameter_count():
    """Each layer d_in -> d_out has a weight matrix of d_in * d_out numbers and one bias per
    output unit, d_out. Add the two layers: 784*128 + 128 + 128*10 + 10. Forgetting the
    biases is the usual slip (it gives 101,632)."""
    sizes = [784, 128, 10]
    parameter_count = sum(d_in * d_out + d_out for d_in, d_out in zip(sizes, sizes[1:]))
    return parameter_count


@solution("00.3")
def least_ink_digit():
    """Select the training images of one digit with a boolean mask (y_train == d), take the
    mean of all their pixels, do it for every digit and take the argmin. The thin 1 uses the
    least ink (the round 0 the most). Convert NumPy's integer to a plain int for the answer."""
    import numpy as np

    from nnlib.data import load_mnist

    X_train, y_train = load_mnist("train")           # (4000, 784), (4000,)
    ink = np.array([X_train[y_train == d].mean() for d in range(10)])   # (10,)
    least_ink_digit = int(np.argmin(ink))
    return least_ink_digit


@solution("00.4")
def most_common_character():
    """collections.Counter counts every character of the text in one pass;
    most_common(1) gives the winner as [(char, count)]. Most people guess 'e', but the
    space between words is far more frequent than any letter."""
    from collections import Counter

    from nnlib.data import load_shakespeare

    text = load_shakespeare()
    counts = Counter(text)
    most_common_character = counts.most_common(1)[0][0]
    return most_common_character
