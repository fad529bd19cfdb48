"""The PyTorch CNNs of notebook 09: shapes, parameter counts, skip connections, augmentation."""

import numpy as np
import pytest
import torch

import nnlib.scratch as S
from nnlib.data.augment import RandomShift, shift_image
from nnlib.models.cnn import DeepCNN, LeNet, ResidualBlock, SmallCNN
from nnlib.utils import count_parameters


def conv_params(c_in, c_out, k, bias=True):
    return c_out * c_in * k * k + (c_out if bias else 0)


def linear_params(d_in, d_out):
    return d_in * d_out + d_out


@pytest.mark.parametrize("model", [LeNet(), SmallCNN(), SmallCNN(width=4, dropout=0.0),
                                   DeepCNN(depth=3), DeepCNN(depth=0, residual=True),
                                   LeNet(num_classes=3)])
def test_every_model_maps_images_to_logits(model):
    torch.manual_seed(0)
    out = model.eval()(torch.randn(5, 1, 28, 28))
    classes = model[-1].out_features
    assert out.shape == (5, classes) and torch.isfinite(out).all()
    single = model(torch.randn(1, 1, 28, 28))  # batch of one works in eval mode
    assert single.shape == (1, classes)


def test_parameter_counts_follow_from_the_layer_shapes():
    lenet = conv_params(1, 6, 5) + conv_params(6, 16, 5) + linear_params(400, 120) \
        + linear_params(120, 84) + linear_params(84, 10)
    assert count_parameters(LeNet()) == lenet
    w = 12
    small = conv_params(1, w, 3, False) + conv_params(w, 2 * w, 3, False) \
        + conv_params(2 * w, 4 * w, 3, False) + 2 * (w + 2 * w + 4 * w) \
        + linear_params(4 * w * 9, 10)  # BatchNorm: a scale and a shift per channel
    assert count_parameters(SmallCNN(width=w)) == small
    frozen = LeNet()
    frozen[0].weight.requires_grad_(False)
    assert count_parameters(frozen) == lenet - 6 * 25


def test_lenet_equals_the_same_network_built_from_nnlib_scratch():
    torch.manual_seed(1)
    net_t = LeNet().double()
    layers = []
    for layer in net_t:
        if isinstance(layer, torch.nn.Conv2d):
            layers.append(S.Conv2d.from_torch(layer))
        elif isinstance(layer, torch.nn.Linear):
            layers.append(S.Linear.from_torch(layer))
        else:
            layers.append({"ReLU": S.ReLU, "MaxPool2d": lambda: S.MaxPool2d(2),
                           "Flatten": S.Flatten}[type(layer).__name__]())
    net = S.Sequential(*layers)
    x = np.random.default_rng(0).standard_normal((3, 1, 28, 28))
    xt = torch.tensor(x, requires_grad=True)
    out_t = net_t(xt)
    grad = np.random.default_rng(1).standard_normal(out_t.shape)
    out_t.backward(torch.tensor(grad))
    np.testing.assert_allclose(net(x), out_t.detach(), rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(net.backward(grad), xt.grad, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(net[0].weight.grad, net_t[0].weight.grad, rtol=1e-6, atol=1e-12)


def test_slices_give_the_first_layers_for_feature_maps():
    model = LeNet()
    first = model[:2]
    assert isinstance(first, torch.nn.Sequential) and first[0] is model[0]
    maps = first(torch.zeros(2, 1, 28, 28))
    assert maps.shape == (2, 6, 28, 28) and (maps >= 0).all()
    assert model[:5](torch.zeros(1, 1, 28, 28)).shape == (1, 16, 10, 10)


def test_wrong_image_shapes_are_explained():
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\).*x.unsqueeze\(1\)"):
        LeNet()(torch.zeros(4, 28, 28))
    with pytest.raises(ValueError, match=r"got \(4, 784\).*view\(-1, 1, 28, 28\)"):
        SmallCNN()(torch.zeros(4, 784))
    with pytest.raises(ValueError, match=r"SmallCNN: dropout must be a finite number in \[0, 1\)"):
        SmallCNN(dropout=1.0)
    with pytest.raises(ValueError, match="DeepCNN: depth must be an int >= 0"):
        DeepCNN(depth=-1)
    with pytest.raises(ValueError, match="SmallCNN: width must be an int >= 1"):
        SmallCNN(width=0)
    with pytest.raises(TypeError, match="LeNet: num_classes must be an int >= 2, got True"):
        LeNet(num_classes=True)


def test_residual_block_adds_its_input_and_passes_the_gradient_straight_through():
    torch.manual_seed(0)
    block = ResidualBlock(4)
    x = torch.randn(2, 4, 7, 7, requires_grad=True)
    branch = block.conv2(torch.relu(block.conv1(x)))
    torch.testing.assert_close(block(x), torch.relu(x + branch))
    plain = ResidualBlock(4, residual=False)
    plain.load_state_dict(block.state_dict())
    torch.testing.assert_close(plain(x), torch.relu(branch))
    with torch.no_grad():  # a block whose branch outputs 0 is just ReLU(x)
        block.conv2.weight.zero_()
        block.conv2.bias.zero_()
    grad = torch.randn(2, 4, 7, 7)
    block(x).backward(grad)
    torch.testing.assert_close(x.grad, grad * (x > 0))


def test_skip_connections_keep_the_first_layer_gradient_alive_in_a_deep_stack():
    x = torch.randn(32, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    y = torch.arange(32) % 10
    norms = {}
    for residual in (False, True):
        torch.manual_seed(0)
        model = DeepCNN(depth=8, residual=residual)
        torch.nn.functional.cross_entropy(model(x), y).backward()
        norms[residual] = model.first_conv.weight.grad.norm().item()
    assert norms[True] > 100 * norms[False] > 0


def test_random_shift_moves_pixels_and_fills_the_gap():
    image = torch.zeros(1, 5, 5)
    image[0, 2, 2] = 1.0
    moved = shift_image(image, 1, -2, fill=-0.5)
    assert moved[0, 3, 0] == 1.0 and moved.max() == 1.0
    assert (moved[0, 0] == -0.5).all() and (moved[0, :, 3:] == -0.5).all()
    assert (shift_image(image, 9, 0, fill=3.0) == 3.0).all()
    torch.testing.assert_close(shift_image(image, 0, 0), image)
    shift = RandomShift(2, fill=0.0)
    torch.manual_seed(0)
    positions = set()
    for _ in range(200):
        out = shift(image)
        i, j = divmod(int(out.flatten().argmax()), 5)
        positions.add((i - 2, j - 2))
    assert positions == {(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)}
    torch.manual_seed(0)
    first = shift(image)
    torch.manual_seed(0)
    torch.testing.assert_close(shift(image), first)  # seeded: reproducible
    torch.testing.assert_close(RandomShift(0)(image), image)
    with pytest.raises(ValueError, match=r"\(C, H, W\)"):
        shift(torch.zeros(2, 1, 5, 5))


def test_a_few_steps_of_adam_lower_the_loss_of_the_small_cnn():
    torch.manual_seed(0)
    x = torch.randn(64, 1, 28, 28)
    y = torch.arange(64) % 10
    model = SmallCNN(width=4)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(15):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
