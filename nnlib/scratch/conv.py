"""Convolution and pooling for images in NumPy: Conv2d, MaxPool2d, AvgPool2d.

Images are batch-first and channels-first like PyTorch: ``x: (N, C, H, W)``.
A convolution layer's weight has PyTorch's shape ``(out_channels, in_channels, kH, kW)``.

What deep learning calls "convolution" is *cross-correlation*: the kernel slides over the
image without being flipped,

    y[n, f, i, j] = b[f] + sum_{c, u, v} w[f, c, u, v] * x_pad[n, c, i*s + u, j*s + v].

(A true convolution flips the kernel; for a learned kernel the difference does not matter.)

The trick that makes this fast is **im2col**: copy every kernel-sized patch of the input into
one row of a matrix, so the whole convolution becomes a single matrix product
``cols @ W.reshape(F, -1).T`` (internally we keep the transposed matrix: it is faster to
fill). Its backward pass, **col2im**, adds each patch's gradient back where the patch came
from. The only Python loops run over the kH x kW kernel offsets, never over pixels.

Output size along each axis: ``(n + 2p - k) // s + 1`` (input n, kernel k, padding p, stride s).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from nnlib import _checks
from nnlib.scratch import init as initializers
from nnlib.scratch.layers import check_grad_out, layer_name, require_forward
from nnlib.scratch.module import Module, Parameter, ShapeError, check_array


# -- sizes and argument checks ----------------------------------------------------------------
def _pair(value, name: str, where: str, minimum: int = 1) -> tuple[int, int]:
    """An int or a pair of ints -> (along height, along width), each >= ``minimum``."""
    return _checks.check_int_or_pair(value, name, minimum=minimum, where=where)


def conv_output_size(n: int, kernel_size: int, stride: int = 1, padding: int = 0) -> int:
    """Output length along one axis: floor((n + 2 * padding - kernel_size) / stride) + 1."""
    where = "conv_output_size"
    n = _checks.check_int(n, "n", minimum=0, where=where)
    kernel_size = _checks.check_int(kernel_size, "kernel_size", minimum=1, where=where)
    stride = _checks.check_int(stride, "stride", minimum=1, where=where)
    padding = _checks.check_int(padding, "padding", minimum=0, where=where)
    if n + 2 * padding < kernel_size:
        raise ValueError(f"{where}: the padded input (n + 2 * padding = {n + 2 * padding}) is "
                         f"smaller than kernel_size={kernel_size}: there is no output")
    return (n + 2 * padding - kernel_size) // stride + 1


def _check_images(x, where: str, channels: int | None = None) -> np.ndarray:
    """``x`` as a float (N, C, H, W) array, or an error naming expected and received shapes."""
    x = check_array(x, layer=where)
    expected = f"(N, {channels}, H, W)" if channels else "(N, C, H, W)"
    if x.ndim != 4:
        hint = ""
        if x.ndim == 3:
            hint = (" (one image? use x[None] to add a batch axis; a batch of grey images? "
                    "use x[:, None] to add a channel axis)")
        elif x.ndim == 2:
            hint = (" (one grey image? use x[None, None]; flat MNIST rows (N, 784)? use "
                    "x.reshape(-1, 1, 28, 28))")
        raise ShapeError(f"{where}: expected input of shape {expected}, batch first, channels "
                         f"second, got shape {x.shape}{hint}")
    if channels is not None and x.shape[1] != channels:
        hint = " (channels last? use x.transpose(0, 3, 1, 2))" if x.shape[3] == channels else ""
        raise ShapeError(f"{where}: expected input of shape {expected} with {channels} "
                         f"channel(s), got shape {x.shape}{hint}")
    return check_array(x, layer=where)


def _output_hw(shape, kernel, stride, padding, where: str) -> tuple[int, int]:
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    h, w = shape[2] + 2 * ph, shape[3] + 2 * pw
    if h < kh or w < kw:
        raise ShapeError(f"{where}: input of height x width {shape[2]} x {shape[3]} (padded: "
                         f"{h} x {w}) is smaller than the kernel {kh} x {kw}; use a larger "
                         "image, more padding or a smaller kernel (input shape "
                         f"{tuple(shape)})")
    return (h - kh) // sh + 1, (w - kw) // sw + 1


def _pad(x, padding) -> np.ndarray:
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def _windows(x_pad, kernel, stride) -> np.ndarray:
    """A read-only *view* (N, C, OH, OW, kH, kW) of every kernel-sized patch: no copy."""
    (kh, kw), (sh, sw) = kernel, stride
    return sliding_window_view(x_pad, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]


# -- im2col and col2im ----------------------------------------------------------------------
def _columns(x, kernel, stride, padding, out_hw) -> np.ndarray:
    """The patch matrix *transposed*, ``(C * kH * kW, N * OH * OW)``: one column per output
    pixel. Built with one strided copy per kernel offset (u, v), whose rows are contiguous
    in memory, which is several times faster than gathering each patch."""
    (kh, kw), (sh, sw), (oh, ow) = kernel, stride, out_hw
    x_pad = _pad(x, padding).transpose(1, 0, 2, 3)             # (C, N, H + 2p, W + 2p) view
    c, n = x_pad.shape[:2]
    cols = np.empty((c, kh, kw, n, oh, ow), dtype=x.dtype)
    for u in range(kh):
        for v in range(kw):
            cols[:, u, v] = x_pad[:, :, u:u + sh * (oh - 1) + 1:sh, v:v + sw * (ow - 1) + 1:sw]
    return cols.reshape(c * kh * kw, n * oh * ow)


def _scatter_columns(cols, x_shape, kernel, stride, padding, out_hw) -> np.ndarray:
    """The adjoint of :func:`_columns`: ``(C * kH * kW, N * OH * OW)`` -> image ``x_shape``."""
    n, c = x_shape[:2]
    patches = cols.reshape(c, *kernel, n, *out_hw).transpose(3, 0, 4, 5, 1, 2)
    return _scatter_patches(patches, x_shape, kernel, stride, padding)


def _scatter_patches(patches, x_shape, kernel, stride, padding) -> np.ndarray:
    """Sum ``patches: (N, C, OH, OW, kH, kW)`` into an image of ``x_shape``: one loop step
    per kernel offset (u, v), each adding a strided slab of all pixels at once."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    n, c, h, w = x_shape
    oh, ow = patches.shape[2:4]
    out = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=patches.dtype)
    for u in range(kh):
        for v in range(kw):
            out[:, :, u:u + sh * (oh - 1) + 1:sh, v:v + sw * (ow - 1) + 1:sw] += \
                patches[:, :, :, :, u, v]
    return out[:, :, ph:ph + h, pw:pw + w]


def _geometry(kernel_size, stride, padding, where):
    return (_pair(kernel_size, "kernel_size", where), _pair(stride, "stride", where),
            _pair(padding, "padding", where, minimum=0))


def im2col(x, kernel_size, stride=1, padding=0) -> np.ndarray:
    """Every patch of ``x: (N, C, H, W)`` as a row: returns ``(N * OH * OW, C * kH * kW)``.

    Row ``(n * OH + i) * OW + j`` holds the patch under output pixel (i, j) of image n,
    flattened in the order (channel, kernel row, kernel column), the order of
    ``weight.reshape(out_channels, -1)``. (A transposed view of the matrix Conv2d uses.)
    """
    kernel, stride, padding = _geometry(kernel_size, stride, padding, "im2col")
    x = _check_images(x, "im2col")
    out_hw = _output_hw(x.shape, kernel, stride, padding, "im2col")
    return _columns(x, kernel, stride, padding, out_hw).T


def col2im(cols, x_shape, kernel_size, stride=1, padding=0) -> np.ndarray:
    """The adjoint of :func:`im2col`: add each row's values back where its patch came from.

    cols: ``(N * OH * OW, C * kH * kW)``; returns an array of ``x_shape = (N, C, H, W)``.
    Pixels covered by several patches receive the sum, which is exactly the gradient of
    ``im2col`` (a pixel used k times gets k contributions).
    """
    kernel, stride, padding = _geometry(kernel_size, stride, padding, "col2im")
    if not isinstance(x_shape, (tuple, list)) or len(x_shape) != 4:
        raise TypeError(f"col2im: x_shape must be a tuple (N, C, H, W), got "
                        f"{_checks.describe(x_shape)}")
    x_shape = tuple(_checks.check_int(v, f"x_shape[{i}]", minimum=1, where="col2im")
                    for i, v in enumerate(x_shape))
    n, c, h, w = x_shape
    out_hw = _output_hw(x_shape, kernel, stride, padding, "col2im")
    cols = check_array(cols, "cols", layer="col2im")
    expected = (n * out_hw[0] * out_hw[1], c * kernel[0] * kernel[1])
    if cols.shape != expected:
        raise ShapeError(f"col2im: expected cols of shape {expected} for x_shape "
                         f"{tuple(x_shape)}, kernel_size={kernel}, stride={stride}, "
                         f"padding={padding}, got {cols.shape}; pass the geometry im2col used")
    return _scatter_columns(cols.T, x_shape, kernel, stride, padding, out_hw)


# -- functional convolution -------------------------------------------------------------------
def conv2d(x, weight, bias=None, stride=1, padding=0) -> np.ndarray:
    """Cross-correlate ``x: (N, C, H, W)`` with ``weight: (F, C, kH, kW)``; plus ``bias: (F,)``.

    Returns ``(N, F, OH, OW)``; same arguments and result as ``torch.nn.functional.conv2d``.
    """
    weight = check_array(weight, "weight", layer="conv2d")
    if weight.ndim != 4 or 0 in weight.shape:
        raise ShapeError(f"conv2d: expected weight of shape (out_channels, in_channels, kH, kW),"
                         f" got shape {weight.shape}")
    if bias is not None:
        bias = check_array(bias, "bias", layer="conv2d")
        if bias.shape != (weight.shape[0],):
            raise ShapeError(f"conv2d: expected bias of shape (out_channels,) = "
                             f"({weight.shape[0]},) to match weight {weight.shape}, got shape "
                             f"{bias.shape}")
    x = _check_images(x, "conv2d")
    if x.shape[1] != weight.shape[1]:
        raise ShapeError(f"conv2d: weight {weight.shape} expects {weight.shape[1]} input "
                         f"channel(s) but the input x {x.shape} has {x.shape[1]}; weight is "
                         "(out_channels, in_channels, kH, kW)")
    out, _ = _conv2d_forward(x, weight, bias, _pair(stride, "stride", "conv2d"),
                             _pair(padding, "padding", "conv2d", minimum=0), "conv2d")
    return out


def _conv2d_forward(x, weight, bias, stride, padding, where):
    """(output, cols) where cols, (C*kH*kW, N*OH*OW), is what the backward pass needs."""
    f, c, kh, kw = weight.shape
    x = _check_images(x, where, channels=c)
    oh, ow = _output_hw(x.shape, (kh, kw), stride, padding, where)
    x = x.astype(weight.dtype, copy=False)
    cols = _columns(x, (kh, kw), stride, padding, (oh, ow))        # (C*kH*kW, N*OH*OW)
    out = weight.reshape(f, -1) @ cols                              # (F, N*OH*OW)
    if bias is not None:
        out += np.asarray(bias).reshape(f, 1)
    return out.reshape(f, x.shape[0], oh, ow).transpose(1, 0, 2, 3), cols  # (N, F, OH, OW)


class Conv2d(Module):
    """2-D convolution (cross-correlation) over ``x: (N, in_channels, H, W)``.

    weight: ``(out_channels, in_channels, kH, kW)``, bias: ``(out_channels,)``, as in PyTorch,
    and initialised as ``torch.nn.Conv2d`` is: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
    ``fan_in = in_channels * kH * kW``. ``kernel_size``, ``stride`` and ``padding`` are ints
    or (height, width) pairs; padding adds zeros. Output ``(N, out_channels, OH, OW)`` with
    ``OH = (H + 2 * padding - kH) // stride + 1`` (likewise OW).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 *, bias: bool = True, rng=None, dtype=np.float32):
        where = "Conv2d"
        # one int each, as in PyTorch: Conv2d((3, 99), 8, 3) is a mistake, not in_channels=3
        self.in_channels = _checks.check_int(in_channels, "in_channels", minimum=1, where=where)
        self.out_channels = _checks.check_int(out_channels, "out_channels", minimum=1,
                                              where=where)
        bias = _checks.check_bool(bias, "bias", where=where)
        dtype = _checks.check_float_dtype(dtype, where=where)
        self.kernel_size = _pair(kernel_size, "kernel_size", where)
        self.stride = _pair(stride, "stride", where)
        self.padding = _pair(padding, "padding", where, minimum=0)
        rng = initializers.as_rng(rng)
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        bound = 1 / math.sqrt(self.in_channels * self.kernel_size[0] * self.kernel_size[1])
        # kaiming_uniform(a=sqrt(5)) as in torch reduces to this bound
        self.weight = Parameter(rng.uniform(-bound, bound, size=shape).astype(dtype), "weight")
        self.bias = None
        if bias:
            self.bias = Parameter(rng.uniform(-bound, bound, size=self.out_channels)
                                  .astype(dtype), "bias")
        self._cache = None

    def forward(self, x):
        bias = None if self.bias is None else self.bias.data
        out, cols = _conv2d_forward(x, self.weight.data, bias, self.stride, self.padding,
                                    layer_name(self))
        self._cache = (cols, np.shape(x), out.shape)
        return out

    def backward(self, grad_out):
        cols, x_shape, out_shape = require_forward(self._cache, self)
        grad_out = check_grad_out(grad_out, out_shape, self)
        f = self.out_channels
        g = grad_out.transpose(1, 0, 2, 3).reshape(f, -1)          # (F, N*OH*OW)
        w = self.weight.data.reshape(f, -1)                        # (F, C*kH*kW)
        self.weight.grad += (g @ cols.T).reshape(self.weight.shape)
        if self.bias is not None:
            self.bias.grad += g.sum(axis=1)
        return _scatter_columns(w.T @ g, x_shape, self.kernel_size, self.stride,  # col2im
                                self.padding, out_shape[2:])

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={_short(self.kernel_size)}"
        if self.stride != (1, 1):
            text += f", stride={_short(self.stride)}"
        if self.padding != (0, 0):
            text += f", padding={_short(self.padding)}"
        return text + ("" if self.bias is not None else ", bias=False")

    # -- weights to and from PyTorch (same layout: no transpose needed) -------------------
    @classmethod
    def from_torch(cls, layer, dtype=None) -> Conv2d:
        """A copy of a ``torch.nn.Conv2d`` (zero padding, no dilation, groups=1)."""
        if layer.dilation != (1, 1) or layer.groups != 1 or layer.padding_mode != "zeros" \
                or isinstance(layer.padding, str):
            raise ValueError("Conv2d.from_torch supports numeric zero padding, dilation=1 and "
                             f"groups=1 only, got {layer}")
        weight = layer.weight.detach().cpu().numpy()
        dtype = weight.dtype if dtype is None else dtype
        out = cls(layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride,
                  layer.padding, bias=layer.bias is not None, rng=0, dtype=dtype)
        out.weight.data[...] = weight
        if layer.bias is not None:
            out.bias.data[...] = layer.bias.detach().cpu().numpy()
        return out

    def to_torch(self):
        """A ``torch.nn.Conv2d`` with the same weights and dtype."""
        import torch

        dtype = torch.float64 if self.weight.dtype == np.float64 else torch.float32
        layer = torch.nn.Conv2d(self.in_channels, self.out_channels, self.kernel_size,
                                self.stride, self.padding, bias=self.bias is not None,
                                dtype=dtype)
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(self.weight.data))
            if self.bias is not None:
                layer.bias.copy_(torch.from_numpy(self.bias.data))
        return layer


def _short(pair) -> str:
    return str(pair[0]) if pair[0] == pair[1] else str(pair)


# -- pooling ----------------------------------------------------------------------------------
class _Pool2d(Module):
    """Shared set-up of the pooling layers: no parameters, window = kernel, stride = kernel."""

    def __init__(self, kernel_size, stride=None):
        where = f"{type(self).__name__}(kernel_size={kernel_size})"
        self.kernel_size = _pair(kernel_size, "kernel_size", where)
        self.stride = self.kernel_size if stride is None else _pair(stride, "stride", where)
        self._cache = None

    def _windows(self, x):
        """(x, windows view (N, C, OH, OW, kH, kW)) after checking the input."""
        x = _check_images(x, layer_name(self))
        _output_hw(x.shape, self.kernel_size, self.stride, (0, 0), layer_name(self))
        return x, _windows(x, self.kernel_size, self.stride)

    def extra_repr(self) -> str:
        text = f"kernel_size={_short(self.kernel_size)}"
        return text + (f", stride={_short(self.stride)}" if self.stride != self.kernel_size
                       else "")


class MaxPool2d(_Pool2d):
    """The largest value in each ``kernel_size`` window: ``(N, C, H, W) -> (N, C, OH, OW)``.

    The gradient flows only to the position that held the maximum (the first one on ties,
    scanning rows then columns, as PyTorch does on the CPU).
    """

    def forward(self, x):
        x, windows = self._windows(x)
        n, c, oh, ow, kh, kw = windows.shape
        flat = windows.reshape(n, c, oh, ow, kh * kw)               # (N, C, OH, OW, kH*kW)
        argmax = flat.argmax(axis=-1)                               # (N, C, OH, OW)
        out = np.take_along_axis(flat, argmax[..., None], axis=-1)[..., 0]
        self._cache = (argmax, x.shape, out.shape)
        return out

    def backward(self, grad_out):
        argmax, x_shape, out_shape = require_forward(self._cache, self)
        grad_out = check_grad_out(grad_out, out_shape, self)
        kh, kw = self.kernel_size
        # a (kH*kW)-wide one-hot of the winner per window, scattered back like col2im
        onehot = argmax[..., None] == np.arange(kh * kw)
        patches = (onehot * grad_out[..., None]).reshape(*out_shape, kh, kw)
        return _scatter_patches(patches, x_shape, self.kernel_size, self.stride, (0, 0))


class AvgPool2d(_Pool2d):
    """The mean of each ``kernel_size`` window: ``(N, C, H, W) -> (N, C, OH, OW)``.

    Each input pixel receives ``grad / (kH * kW)`` from every window it belongs to.
    """

    def forward(self, x):
        x, windows = self._windows(x)
        out = windows.mean(axis=(-2, -1))
        self._cache = (x.shape, out.shape)
        return out

    def backward(self, grad_out):
        x_shape, out_shape = require_forward(self._cache, self)
        grad_out = check_grad_out(grad_out, out_shape, self)
        kh, kw = self.kernel_size
        share = grad_out / (kh * kw)
        patches = np.broadcast_to(share[..., None, None], (*out_shape, kh, kw))
        return _scatter_patches(patches, x_shape, self.kernel_size, self.stride, (0, 0))
