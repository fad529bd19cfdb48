"""Checks for notebook 00 (start here)."""

from __future__ import annotations

import numpy as np

from nnlib.exercises import checker


@checker("00.1")
def weight_shape(answer):
    if tuple(answer) == (784, 128):
        return True, "W maps 784 inputs to 128 outputs, so W has shape (d_in, d_out)"
    if tuple(answer) == (128, 784):
        return False, "that is PyTorch's storage order; in our notation W is (d_in, d_out)"
    return False, "X has shape (N, 784) and X @ W must have shape (N, 128)"


@checker("00.2")
def parameter_count(answer):
    sizes = [784, 128, 10]
    expected = sum(d_in * d_out + d_out for d_in, d_out in zip(sizes, sizes[1:]))
    if isinstance(answer, bool) or not isinstance(answer, (int, np.integer)):
        return False, (f"answer with a whole number (an int), got {type(answer).__name__} "
                       f"{answer!r}")
    if int(answer) == expected:
        return True, f"{expected:,} parameters: each layer has d_in*d_out weights + d_out biases"
    without_bias = sum(d_in * d_out for d_in, d_out in zip(sizes, sizes[1:]))
    if int(answer) == without_bias:
        return False, "close: you counted the weights; add one bias per output unit"
    return False, "count d_in*d_out + d_out for each of the two layers and add them"


@checker("00.3")
def least_ink_digit(answer):
    """The digit whose training images have the smallest mean pixel value."""
    from nnlib.data import load_mnist

    X, y = load_mnist("train")
    ink = np.array([X[y == digit].mean() for digit in range(10)])  # (10,)
    expected, most = int(np.argmin(ink)), int(np.argmax(ink))
    if isinstance(answer, (bool, np.bool_)) or not isinstance(answer, (int, np.integer)):
        return False, "answer one digit, an int from 0 to 9"
    value = int(answer)
    if value == expected:
        return True, (f"{expected}: its mean pixel value is {ink[expected]:.3f}; the {most}s "
                      f"use the most ink ({ink[most]:.3f})")
    if value == most:
        return False, "that digit uses the *most* ink: look for the smallest mean, not the largest"
    if 0 <= value <= 9:
        return False, (f"the {value}s have a mean pixel value of {ink[value]:.3f}; compute "
                       "X_train[y_train == d].mean() for every digit d and take the smallest")
    return False, "answer a digit from 0 to 9"


@checker("00.4")
def most_common_character(answer):
    """The most frequent character of tiny Shakespeare."""
    from collections import Counter

    from nnlib.data import load_shakespeare

    counts = Counter(load_shakespeare())
    (expected, n), (second, _) = counts.most_common(2)
    if not isinstance(answer, str) or len(answer) != 1:
        return False, "answer a string of one character, e.g. 'x'"
    if answer == expected:
        return True, (f"{expected!r}, {n:,} times: the space between words beats every letter "
                      f"(the runner-up is {second!r})")
    if answer.isalpha():
        return False, (f"{answer!r} occurs {counts[answer]:,} times; letters are not the most "
                       "common character: count every character, e.g. with collections.Counter")
    return False, f"{answer!r} occurs {counts[answer]:,} times; something occurs more often"
