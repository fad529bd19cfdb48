"""Plain and residual convolutional stacks of equal depth, both with BatchNorm and He
initialisation (notebook 09's depth experiment).

He, Zhang, Ren and Sun ("Deep Residual Learning for Image Recognition", CVPR 2016) compared
exactly this pair: the same layers, with BatchNorm, with and without identity skips. The plain
deep network trained *worse* than a shallower one (higher training error), although BatchNorm
kept its signals and gradients at healthy sizes; the residual one did not degrade.

All models take ``x: (N, 1, 28, 28)`` and return logits ``(N, num_classes)``.
"""

from __future__ import annotations

import torch
from torch import nn

from nnlib._checks import check_bool, check_instance, check_int
from nnlib.models.cnn import _check_feature_maps, _ImageClassifier


class BasicBlock(nn.Module):
    """ResNet's basic block on ``(N, channels, H, W)``, shape kept.

    ``F(x) = BN(conv2(ReLU(BN(conv1(x)))))`` with two 3x3 convolutions (no bias: BatchNorm
    follows). ``residual=True``: ``ReLU(x + F(x))``; ``residual=False``: ``ReLU(F(x))``, the
    same layers and parameters without the skip.
    """

    def __init__(self, channels: int, residual: bool = True):
        super().__init__()
        channels = check_int(channels, "channels", minimum=1, where="BasicBlock")
        self.residual = check_bool(residual, "residual", where="BasicBlock")
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):                                    # (N, C, H, W)
        _check_feature_maps(x, self.conv1.in_channels, "BasicBlock")
        out = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(x + out if self.residual else out)  # (N, C, H, W)


def he_init_(model: nn.Module) -> nn.Module:
    """He (Kaiming) normal initialisation, in place: every Conv2d and Linear weight from
    N(0, 2 / fan_in), biases 0; BatchNorm scale 1 and shift 0. Returns ``model``."""
    check_instance(model, "model", nn.Module, "a torch.nn.Module", where="he_init_")
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    return model


class DepthDemoCNN(_ImageClassifier):
    """A stem, ``depth`` :class:`BasicBlock` s at 7 x 7, global average pooling, a linear layer:
    ``2 * depth + 1`` convolutions, each followed by BatchNorm, He-initialised.

    (N, 1, 28, 28) -conv 3x3 stride 2, BN, ReLU, max pool 2-> (N, width, 7, 7)
    -depth blocks-> (N, width, 7, 7) -average over the 7 x 7 positions-> (N, width)
    -> (N, num_classes). ``residual`` switches the skips on or off; nothing else changes, so
    the plain and the residual network have the same parameters.
    """

    def __init__(self, depth: int = 8, width: int = 16, residual: bool = True,
                 num_classes: int = 10):
        depth = check_int(depth, "depth", minimum=0, where="DepthDemoCNN")
        width = check_int(width, "width", minimum=1, where="DepthDemoCNN")
        residual = check_bool(residual, "residual", where="DepthDemoCNN")
        num_classes = check_int(num_classes, "num_classes", minimum=2, where="DepthDemoCNN")
        super().__init__(
            nn.Conv2d(1, width, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(width),
            nn.ReLU(), nn.MaxPool2d(2),
            *[BasicBlock(width, residual) for _ in range(depth)],
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),             # global average pooling
            nn.Linear(width, num_classes),
        )
        self.depth, self.residual = depth, residual
        he_init_(self)

    @property
    def first_conv(self) -> nn.Conv2d:
        return self[0]

    @property
    def num_convolutions(self) -> int:
        return 2 * self.depth + 1
