"""Convolutional networks in PyTorch for 28 x 28 grey images (notebook 09).

* :class:`LeNet`: LeCun's classic layout (two 5x5 convolutions with pooling, three linear
  layers), with today's ReLU and max pooling;
* :class:`SmallCNN`: a small modern network: 3x3 convolutions, BatchNorm, ReLU, max pooling,
  dropout;
* :class:`DeepCNN` with :class:`ResidualBlock`: a deep stack of convolutions, with or without
  skip connections, to see why residual connections make depth trainable;

All take ``x: (N, 1, 28, 28)`` and return logits ``(N, num_classes)``.
"""

from __future__ import annotations

import torch
from torch import nn

from nnlib import _checks


def _check_int(value, name: str, where: str, minimum: int = 1) -> int:
    return _checks.check_int(value, name, minimum=minimum, where=where)


def _check_dropout(p, where: str) -> float:
    return _checks.check_float(p, "dropout", minimum=0, maximum=1, max_open=True, where=where,
                               hint="dropout is the probability of zeroing a unit")


def _check_feature_maps(x, channels: int, where: str) -> None:
    """A block's input (N, channels, H, W), float."""
    _checks.check_tensor(x, "x", where=where, shape=(None, channels, None, None),
                         shape_text=f"(N, {channels}, H, W)", floating=True)


class _ImageClassifier(nn.Sequential):
    """An ``nn.Sequential`` that explains a wrongly shaped input before failing inside.

    ``model[:k]`` is a plain ``nn.Sequential`` of the first k layers (sharing their weights),
    handy to look at intermediate feature maps.
    """

    def __getitem__(self, index):
        if isinstance(index, slice):
            return nn.Sequential(*list(self)[index])
        return super().__getitem__(index)

    def forward(self, x):
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{type(self).__name__}: x must be a torch tensor of images (N, 1, "
                            f"28, 28), got {_checks.describe(x)}"
                            + ("; convert it with torch.as_tensor(x)"
                               if hasattr(x, "shape") else ""))
        if x.ndim != 4 or tuple(x.shape[1:]) != (1, 28, 28):
            hint = ""
            if tuple(x.shape[-2:]) == (28, 28) and x.ndim == 3:
                hint = " (add the channel axis: x.unsqueeze(1))"
            elif x.ndim == 2 and x.shape[-1] == 784:
                hint = " (flat images: x.view(-1, 1, 28, 28))"
            raise ValueError(f"{type(self).__name__}: expected images of shape (N, 1, 28, 28),"
                             f" got {tuple(x.shape)}{hint}")
        if not torch.is_autocast_enabled():  # under autocast torch casts the input itself
            _checks.check_tensor_dtype(x, self[0].weight, where=type(self).__name__)
        return super().forward(x)


class LeNet(_ImageClassifier):
    """LeNet-5's layout (LeCun et al., 1998) with ReLU and max pooling.

    (N, 1, 28, 28) -conv 5x5, pad 2-> (N, 6, 28, 28) -pool-> (N, 6, 14, 14)
    -conv 5x5-> (N, 16, 10, 10) -pool-> (N, 16, 5, 5) -flatten-> (N, 400)
    -> 120 -> 84 -> num_classes. 61,706 parameters for 10 classes.
    (The original used 32 x 32 inputs, tanh-like squashing and trainable average pooling.)
    """

    def __init__(self, num_classes: int = 10):
        num_classes = _check_int(num_classes, "num_classes", "LeNet", 2)
        super().__init__(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, num_classes),
        )


def conv_bn_relu(in_channels: int, out_channels: int) -> list[nn.Module]:
    """3x3 convolution (padding 1 keeps the size) -> BatchNorm2d -> ReLU.

    The convolution has no bias: BatchNorm subtracts each channel's mean, cancelling it.
    """
    in_channels = _check_int(in_channels, "in_channels", "conv_bn_relu")
    out_channels = _check_int(out_channels, "out_channels", "conv_bn_relu")
    return [nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels), nn.ReLU()]


class SmallCNN(_ImageClassifier):
    """Three stages of [3x3 conv -> BatchNorm -> ReLU -> 2x2 max pool], then dropout and a
    linear layer.

    (N, 1, 28, 28) -> (N, w, 14, 14) -> (N, 2w, 7, 7) -> (N, 4w, 3, 3) -flatten-> (N, 36w)
    -> num_classes, with ``w = width``.
    """

    def __init__(self, width: int = 12, dropout: float = 0.2, num_classes: int = 10):
        w = _check_int(width, "width", "SmallCNN")
        num_classes = _check_int(num_classes, "num_classes", "SmallCNN", 2)
        super().__init__(
            *conv_bn_relu(1, w), nn.MaxPool2d(2),
            *conv_bn_relu(w, 2 * w), nn.MaxPool2d(2),
            *conv_bn_relu(2 * w, 4 * w), nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Dropout(_check_dropout(dropout, "SmallCNN")),
            nn.Linear(4 * w * 3 * 3, num_classes),
        )


class ResidualBlock(nn.Module):
    """``ReLU(x + F(x))`` with ``F(x) = conv2(ReLU(conv1(x)))``, two 3x3 convolutions that keep
    the shape (N, channels, H, W): the block only has to learn a *correction* to its input.

    With ``residual=False`` it is the plain ``ReLU(F(x))``: the same layers, no skip. The skip
    adds the identity to the block's Jacobian, d(x + F(x))/dx = I + dF/dx, so the gradient
    has a direct path back through a deep stack instead of being multiplied by every layer.
    (ResNet, He et al., 2015, also puts BatchNorm after each convolution; we leave it out
    here to see the skip's effect on its own.)
    """

    def __init__(self, channels: int, residual: bool = True):
        super().__init__()
        channels = _check_int(channels, "channels", "ResidualBlock")
        residual = _checks.check_bool(residual, "residual", where="ResidualBlock")
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.residual = residual

    def forward(self, x):
        _check_feature_maps(x, self.conv1.in_channels, "ResidualBlock")
        out = self.conv2(torch.relu(self.conv1(x)))
        return torch.relu(x + out if self.residual else out)


class DeepCNN(_ImageClassifier):
    """A stem, ``depth`` :class:`ResidualBlock` s (2 convolutions each) at 7 x 7, global average
    pooling, a linear layer. No BatchNorm, so the effect of the skip connections is seen on
    its own: ``2 * depth + 1`` convolutions in all.

    (N, 1, 28, 28) -conv stride 2, pool-> (N, width, 7, 7) -depth blocks-> (N, width, 7, 7)
    -average-> (N, width) -> num_classes.
    """

    def __init__(self, depth: int = 8, width: int = 8, residual: bool = False,
                 num_classes: int = 10):
        depth = _check_int(depth, "depth", "DeepCNN", 0)
        width = _check_int(width, "width", "DeepCNN")
        residual = _checks.check_bool(residual, "residual", where="DeepCNN")
        num_classes = _check_int(num_classes, "num_classes", "DeepCNN", 2)
        super().__init__(
            nn.Conv2d(1, width, 3, stride=2, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            *[ResidualBlock(width, residual) for _ in range(depth)],
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
            nn.Linear(width, num_classes),
        )
        self.depth, self.residual = depth, residual

    @property
    def first_conv(self) -> nn.Conv2d:
        return self[0]
