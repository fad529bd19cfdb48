"""Checks for notebook 09 (convolutional networks). Each calls the learner's function on
several (random) inputs and compares with nnlib's layers or with torch."""

from __future__ import annotations

import numpy as np

from nnlib.exercises import checker

_SIZE_CASES = [(28, 5, 1, 0), (28, 5, 1, 2), (28, 3, 2, 1), (7, 3, 2, 0), (32, 4, 4, 0),
               (10, 3, 3, 0), (5, 5, 1, 0), (224, 7, 2, 3), (9, 2, 2, 0), (6, 3, 1, 1)]


@checker("09.1")
def output_size(fn):
    """``fn(n, kernel_size, stride, padding) -> int``: output length of a convolution."""
    from nnlib.scratch.conv import conv_output_size

    for n, k, s, p in _SIZE_CASES:
        got, want = fn(n, k, s, p), conv_output_size(n, k, s, p)
        if isinstance(got, float) and not float(got).is_integer():
            return False, (f"output_size({n}, {k}, {s}, {p}) = {got} is not a whole number: "
                           "round down with // (a window that does not fit is dropped)")
        if got != want:
            hint = "did you forget the padding on both sides (2p)?" if got == \
                (n + p - k) // s + 1 else "did you forget the + 1 (the first window)?" \
                if got == want - 1 else "it is (n + 2p - k) // s + 1"
            return False, f"output_size({n}, {k}, {s}, {p}) should be {want}, got {got}; {hint}"
    return True, "(n + 2p − k) // s + 1: every case matches torch's output shapes"


@checker("09.2")
def cross_correlate(fn):
    """``fn(image: (H, W), kernel: (kH, kW)) -> (H - kH + 1, W - kW + 1)``, no padding."""
    from nnlib.widgets.convolution import feature_map

    rng = np.random.default_rng(9)
    for shape, kshape in [((5, 5), (3, 3)), ((6, 8), (2, 3)), ((7, 4), (4, 1)), ((3, 3), (3, 3))]:
        image, kernel = rng.standard_normal(shape), rng.standard_normal(kshape)
        got = np.asarray(fn(image.copy(), kernel.copy()), dtype=np.float64)
        want = feature_map(image, kernel)
        if got.shape != want.shape:
            return False, (f"a {shape} image and a {kshape} kernel give a {want.shape} output "
                           f"(no padding, stride 1), got {got.shape}")
        if np.allclose(got, feature_map(image, kernel[::-1, ::-1])) and \
                not np.allclose(got, want):
            return False, ("you flipped the kernel: that is the mathematicians' convolution. "
                           "Deep learning's 'convolution' is cross-correlation: no flip")
        if not np.allclose(got, want, rtol=1e-10, atol=1e-12):
            return False, (f"wrong values for a {shape} image and {kshape} kernel: out[i, j] = "
                           "sum(image[i:i+kH, j:j+kW] * kernel)")
    return True, "your loops compute exactly what Conv2d computes"


@checker("09.3")
def conv_parameters(fn):
    """``fn(in_channels, out_channels, kernel_size, bias) -> int``: parameters of a Conv2d."""
    import torch

    for c_in, c_out, k, bias in [(1, 6, 5, True), (6, 16, 5, True), (3, 64, 3, False),
                                 (16, 32, 3, True), (2, 1, 7, True)]:
        want = sum(p.numel() for p in torch.nn.Conv2d(c_in, c_out, k, bias=bias).parameters())
        got = fn(c_in, c_out, k, bias)
        if got != want:
            if got == c_out * k * k + c_out * bias:
                hint = "each kernel spans ALL input channels: multiply by in_channels"
            elif got == c_in * c_out * k * k + (not bias) * c_out or got == c_in * c_out * k * k:
                hint = "one bias per output channel, and only when bias=True"
            elif got == c_in * c_out * k + c_out * bias:
                hint = "a k x k kernel has k * k weights"
            else:
                hint = "count the weight tensor (out, in, k, k) and the bias (out,)"
            return False, (f"Conv2d({c_in}, {c_out}, {k}, bias={bias}) has {want} parameters, "
                           f"got {got}: {hint}")
    return True, "out · in · k · k weights + out biases, whatever the image size"


_LOOPS = {"For": "a for loop", "AsyncFor": "a for loop", "While": "a while loop",
          "ListComp": "a list comprehension", "SetComp": "a set comprehension",
          "DictComp": "a dict comprehension", "GeneratorExp": "a generator expression"}


def _find_loop(fn) -> str | None:
    """The first Python-level loop in ``fn``'s source ('a for loop', ...), or None.

    Reads the source with :mod:`inspect` (this works for functions defined in a notebook cell)
    and walks its syntax tree; a function whose source cannot be read or parsed passes.
    """
    import ast
    import inspect
    import textwrap

    try:
        source = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        return None
    try:
        tree = ast.parse(source)
    except SyntaxError:  # e.g. a lambda inside a statement that spans several lines
        return None
    for node in ast.walk(tree):
        if type(node).__name__ in _LOOPS:
            return _LOOPS[type(node).__name__]
    return None


@checker("09.4")
def max_pool_2x2(fn):
    """``fn(x: (N, C, H, W)) -> (N, C, H // 2, W // 2)`` without loops over pixels."""
    from nnlib.scratch.conv import AvgPool2d, MaxPool2d

    loop = _find_loop(fn)
    if loop:
        return False, (f"your function uses {loop}: the exercise asks for no loops. Crop to even "
                       "H and W, reshape so that each 2 x 2 block gets two axes of its own, and "
                       "take one max over them")
    rng = np.random.default_rng(4)
    for shape in [(2, 3, 4, 6), (1, 1, 2, 2), (3, 2, 8, 4), (2, 1, 5, 7)]:
        x = rng.standard_normal(shape)
        got = np.asarray(fn(x.copy()))
        want = MaxPool2d(2)(x)
        if got.shape != want.shape:
            odd = " (odd sizes drop the last row/column)" if shape[2] % 2 or shape[3] % 2 else ""
            return False, f"input {shape} should give {want.shape}{odd}, got {got.shape}"
        if np.allclose(got, AvgPool2d(2)(x)):
            return False, "that is average pooling: take the max of each 2 x 2 block"
        if not np.allclose(got, want):
            return False, (f"wrong values for input {shape}: crop to even H, W, then "
                           "x.reshape(N, C, H // 2, 2, W // 2, 2).max(axis=(3, 5))")
    return True, "matches MaxPool2d(2), odd sizes included"


_RF_CASES = [
    [(3, 1, 1)],
    [(3, 1, 1), (3, 1, 1), (3, 1, 1)],
    [(3, 1, 1), (2, 2, 1), (3, 1, 1)],
    [(5, 1, 1), (2, 2, 1), (5, 1, 1), (2, 2, 1)],
    [(3, 2, 1), (3, 2, 1), (3, 1, 1)],
    [(3, 1, 2)],
    [(3, 1, 1), (3, 1, 2), (3, 1, 4)],
    [(7, 2, 1), (3, 2, 1), (3, 1, 2), (3, 1, 1)],
]


def _rf_reference(layers) -> int:
    r, jump = 1, 1
    for k, s, d in layers:
        r += d * (k - 1) * jump
        jump *= s
    return r


@checker("09.5")
def receptive_field_dilated(fn):
    """``fn(layers) -> int`` for ``layers = [(kernel, stride, dilation), ...]``."""
    for layers in _RF_CASES:
        want = _rf_reference(layers)
        got = fn(list(layers))
        if got != want:
            no_dilation = _rf_reference([(k, s, 1) for k, s, _ in layers])
            no_stride = _rf_reference([(k, 1, d) for k, _, d in layers])
            own_stride = 1 + sum(d * (k - 1) * s for k, s, d in layers)
            if got == no_dilation:
                hint = ("the dilation is ignored: a kernel of size k with dilation d spans "
                        "d (k - 1) + 1 positions")
            elif got == no_stride:
                hint = ("the strides are ignored: after a layer with stride s, each step of the "
                        "next layer covers s times more input pixels (multiply the jump)")
            elif got == own_stride:
                hint = ("each layer's growth is scaled by the product of the strides of the "
                        "layers BEFORE it, not by its own stride")
            else:
                hint = "r_l = r_(l-1) + d_l (k_l - 1) j_(l-1), with j_l = j_(l-1) s_l"
            return False, f"for layers {layers} the receptive field is {want}, got {got}; {hint}"
    return True, ("r grows by d (k - 1) times the jump, and strides multiply the jump: dilated "
                  "convolutions (used in WaveNet and segmentation networks) grow the field "
                  "without pooling")
