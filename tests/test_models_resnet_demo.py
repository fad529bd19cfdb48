"""The plain / residual pair of notebook 09: same layers, BatchNorm, He initialisation."""

import math

import pytest
import torch

from nnlib.models.resnet_demo import BasicBlock, DepthDemoCNN, he_init_


def test_shapes_and_equal_parameters():
    torch.manual_seed(0)
    x = torch.randn(4, 1, 28, 28)
    plain, residual = DepthDemoCNN(depth=3, width=8, residual=False), DepthDemoCNN(depth=3, width=8)
    assert plain(x).shape == residual(x).shape == (4, 10)
    assert plain.num_convolutions == residual.num_convolutions == 7
    shapes = [p.shape for p in plain.parameters()]
    assert shapes == [p.shape for p in residual.parameters()]
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in plain.modules()) == 7


def test_block_skip_is_the_only_difference():
    torch.manual_seed(0)
    block = BasicBlock(4, residual=True)
    x = torch.relu(torch.randn(2, 4, 7, 7))
    with torch.no_grad():
        block.bn2.weight.zero_()                 # F(x) = 0: the residual block is the identity
        assert torch.allclose(block(x), x)
        block.residual = False                   # the plain block outputs ReLU(0) = 0
        assert torch.count_nonzero(block(x)) == 0


def test_he_initialisation():
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(64, 64, 3, bias=True)
    he_init_(conv)
    assert conv.weight.std().item() == pytest.approx(math.sqrt(2 / (64 * 9)), rel=0.05)
    assert torch.count_nonzero(conv.bias) == 0


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="depth"):
        DepthDemoCNN(depth=-1)
    with pytest.raises(TypeError, match="width"):
        DepthDemoCNN(width=2.5)
    with pytest.raises(TypeError, match="residual"):
        DepthDemoCNN(residual="yes")
    with pytest.raises(ValueError, match="expected images of shape"):
        DepthDemoCNN(depth=1)(torch.zeros(2, 28, 28))
