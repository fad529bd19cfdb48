"""Checks for notebook 09 (convolutional networks). Each calls the learner's function on
several (random) inputs and compares with nnlib's layers or with torch."""

from __future__ import annotations

import numpy as np

from nnlib.exercises import checker


def _input_sizes_reference(n_out, k, s, p) -> list[int]:
    smallest = (n_out - 1) * s + k - 2 * p          # the last window ends at the last pixel
    return [n for n in range(max(smallest, 1), smallest + s)]


_INVERSE_CASES = [(3, 3, 2, 0), (24, 5, 1, 0), (14, 3, 2, 1), (7, 2, 2, 0), (8, 4, 4, 0),
                  (112, 7, 2, 3), (1, 3, 3, 0), (5, 3, 1, 1), (10, 5, 3, 2)]


@checker("09.1")
def input_sizes(fn):
    """``fn(n_out, kernel_size, stride, padding) -> list``: every input size giving n_out."""
    for n_out, k, s, p in _INVERSE_CASES:
        want = _input_sizes_reference(n_out, k, s, p)
        got = fn(n_out, k, s, p)
        if isinstance(got, (int, np.integer)) or not hasattr(got, "__iter__"):
            return False, (f"return a list of sizes, got {got!r}: with stride {s} there can be "
                           f"several (input_sizes(3, 3, 2, 0) == [7, 8])")
        got = list(got)
        if not all(isinstance(n, (int, np.integer)) or (isinstance(n, float) and n.is_integer())
                   for n in got):
            return False, f"sizes are whole numbers, got {got}"
        got = sorted(int(n) for n in got)
        if got == want:
            continue
        call = f"input_sizes({n_out}, {k}, {s}, {p}) should be {want}, got {got}"
        smallest = want[0]
        if got == [smallest] and s > 1:
            hint = (f"that is the smallest; the floor in the formula drops up to {s - 1} "
                    "extra pixel(s) at the end, so larger inputs give the same output too")
        elif got == list(range(smallest, smallest + s + 1)):
            hint = f"one too many: {smallest + s} pixels make room for one more window"
        elif p > 0 and got and got[0] == smallest + p:
            hint = "the padding is added on BOTH sides (2p)"
        elif got and got[0] == smallest + s:
            hint = "the first window is already one output: n_out - 1 further steps of s"
        else:
            hint = ("solve (n + 2p - k) // s + 1 == n_out for n: the smallest n makes the last "
                    "window end exactly at the last pixel, and s - 1 more pixels change nothing")
        return False, f"{call}; {hint}"
    return True, ("from (n_out - 1) s + k - 2p up to s - 1 more: nn.ConvTranspose2d, which maps "
                  "n_out back to n, has an output_padding argument to say which one you want")


def _corr2d_backward_reference(grad_out, kernel):
    kh, kw = kernel.shape
    grad = np.zeros((grad_out.shape[0] + kh - 1, grad_out.shape[1] + kw - 1))
    for i in range(grad_out.shape[0]):
        for j in range(grad_out.shape[1]):
            grad[i:i + kh, j:j + kw] += grad_out[i, j] * kernel
    return grad


@checker("09.2")
def corr2d_backward(fn):
    """``fn(grad_out: (OH, OW), kernel: (kH, kW)) -> dL/dimage (OH + kH - 1, OW + kW - 1)``."""
    import torch

    rng = np.random.default_rng(9)
    for out_shape, kshape in [((3, 3), (2, 2)), ((4, 6), (3, 2)), ((5, 2), (1, 3)),
                              ((1, 1), (3, 3)), ((6, 5), (3, 3))]:
        grad_out, kernel = rng.standard_normal(out_shape), rng.standard_normal(kshape)
        image_shape = (out_shape[0] + kshape[0] - 1, out_shape[1] + kshape[1] - 1)
        image = torch.zeros(image_shape, dtype=torch.float64, requires_grad=True)
        out = torch.nn.functional.conv2d(image[None, None], torch.from_numpy(kernel)[None, None])
        out.backward(torch.from_numpy(grad_out)[None, None])
        want = image.grad.numpy()
        got = np.asarray(fn(grad_out.copy(), kernel.copy()), dtype=np.float64)
        where = f"grad_out {out_shape} and kernel {kshape}"
        if got.shape != want.shape:
            return False, (f"for {where} the image was {want.shape} (OH + kH - 1, OW + kW - 1), "
                           f"so dL/dimage has that shape, got {got.shape}")
        if np.allclose(got, want, rtol=1e-10, atol=1e-12):
            continue
        if np.allclose(got, _corr2d_backward_reference(grad_out, kernel[::-1, ::-1])):
            hint = ("the kernel is flipped: out[i, j] used image[i + u, j + v] with weight "
                    "kernel[u, v], so that pixel gets grad_out[i, j] * kernel[u, v]")
        elif kshape != (1, 1) and _assigns_matches(got, grad_out, kernel):
            hint = ("windows overlap, so a pixel used by several outputs gets the SUM of their "
                    "contributions: add (+=), do not assign")
        else:
            hint = ("out[i, j] used the window image[i:i+kH, j:j+kW] with the kernel's weights: "
                    "add grad_out[i, j] * kernel into that window, for every (i, j)")
        return False, f"wrong values for {where}: {hint}"
    return True, ("each output sends grad_out[i, j] * kernel back onto its window. Seen as a "
                  "whole, that is a true convolution (flipped kernel) of the zero-padded "
                  "gradient: the flip deep learning skips going forward appears going backward")


def _assigns_matches(got, grad_out, kernel) -> bool:
    kh, kw = kernel.shape
    assigned = np.zeros_like(got)
    for i in range(grad_out.shape[0]):
        for j in range(grad_out.shape[1]):
            assigned[i:i + kh, j:j + kw] = grad_out[i, j] * kernel
    return bool(np.allclose(got, assigned))


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
    """The first Python-level loop or pooling-library call in ``fn``'s source, or None.

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
        if isinstance(node, ast.Call):           # max_pool2d(...), nn.MaxPool2d(2), ...
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if any(w in str(name).lower().replace("_", "") for w in ("maxpool", "avgpool")):
                return f"a pooling-library call ({name})"
    return None


@checker("09.4")
def max_pool_2x2(fn):
    """``fn(x: (N, C, H, W)) -> (N, C, H // 2, W // 2)`` without loops over pixels."""
    from nnlib.scratch.conv import AvgPool2d, MaxPool2d

    loop = _find_loop(fn)
    if loop:
        return False, (f"your function uses {loop}: the exercise asks for no loops and no "
                       "pooling library, only NumPy. Crop to even "
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
