"""Dense autoencoders in PyTorch for flattened 28 x 28 images (notebook 13).

:class:`Autoencoder` maps ``x (N, 784) -> code (N, latent) -> logits (N, 784)``; the
reconstruction is ``sigmoid(logits)``, trained with binary cross-entropy on pixels in [0, 1].
With ``hidden=()`` and ``activation=None`` it is a *linear* autoencoder (it learns the
principal subspace, like PCA). :func:`add_noise` corrupts inputs for a *denoising* autoencoder.
:class:`EncoderClassifier` puts a linear head on an encoder (semi-supervised learning).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from nnlib._checks import (
    check_choice,
    check_float,
    check_instance,
    check_int,
    check_tensor,
    check_tensor_dtype,
    check_torch_generator,
    describe,
)


@dataclass(frozen=True)
class AutoencoderConfig:
    in_features: int = 784
    hidden: tuple[int, ...] = (256,)
    latent: int = 32
    activation: str | None = "relu"   # None: a linear autoencoder (no nonlinearity at all)

    def __post_init__(self):
        where = "AutoencoderConfig"
        check_int(self.in_features, "in_features", minimum=1, where=where)
        check_int(self.latent, "latent", minimum=1, where=where)
        if not isinstance(self.hidden, (tuple, list)):
            raise TypeError(f"{where}: hidden must be a tuple of layer widths such as (256,) "
                            f"(or () for none), got {describe(self.hidden)}")
        for size in self.hidden:
            check_int(size, "hidden sizes", minimum=1, where=where)
        check_choice(self.activation, "activation", ("relu", "tanh", None), where=where)


def _stack(sizes: list[int], activation: str | None) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(a, b))
        if activation is not None and i < len(sizes) - 2:
            layers.append(nn.ReLU() if activation == "relu" else nn.Tanh())
    return nn.Sequential(*layers)


class Autoencoder(nn.Module):
    """encoder: 784 -> hidden... -> latent; decoder: latent -> ...hidden -> 784 (logits)."""

    def __init__(self, config: AutoencoderConfig | None = None):
        super().__init__()
        check_instance(config, "config", AutoencoderConfig, "an AutoencoderConfig(...)",
                       where="Autoencoder", optional=True)
        self.config = config = config or AutoencoderConfig()
        sizes = [config.in_features, *config.hidden, config.latent]
        self.encoder = _stack(sizes, config.activation)          # (N, 784) -> (N, latent)
        self.decoder = _stack(sizes[::-1], config.activation)    # (N, latent) -> (N, 784)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of the reconstruction, (N, in_features)."""
        check_tensor(x, "x", where="Autoencoder")
        if x.dim() != 2 or x.shape[1] != self.config.in_features:
            raise ValueError(f"Autoencoder: expected x of shape (N, {self.config.in_features}), "
                             f"got {tuple(x.shape)}; flatten images with x.flatten(1)")
        if not torch.is_autocast_enabled():  # under autocast torch casts the input itself
            check_tensor_dtype(x, self.encoder[0].weight, where="Autoencoder")
        return self.decoder(self.encoder(x))

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """Images in [0, 1], (N, in_features)."""
        return torch.sigmoid(self(x))


def reconstruction_errors(model: Autoencoder, x: torch.Tensor, batch_size: int = 500
                          ) -> torch.Tensor:
    """Per-image mean squared error between x (N, D) and its reconstruction: (N,)."""
    where = "reconstruction_errors"
    check_instance(model, "model", Autoencoder, "an Autoencoder", where=where)
    check_tensor(x, "x", where=where, shape=(None, model.config.in_features), floating=True,
                 shape_text=f"(N, {model.config.in_features})", allow_empty=False)
    batch_size = check_int(batch_size, "batch_size", minimum=1, where=where)
    model.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            xb = x[start:start + batch_size]
            out.append(((model.reconstruct(xb) - xb) ** 2).mean(dim=1))
    return torch.cat(out)


def add_noise(x: torch.Tensor, std: float = 0.3, generator: torch.Generator | None = None
              ) -> torch.Tensor:
    """x + N(0, std^2) noise, clipped to [0, 1] (the input of a denoising autoencoder)."""
    check_tensor(x, "x", where="add_noise", floating=True)
    std = check_float(std, "std", minimum=0, where="add_noise")
    check_torch_generator(generator, where="add_noise")
    noise = torch.randn(x.shape, generator=generator, dtype=x.dtype) * std
    return (x + noise.to(x.device)).clamp(0.0, 1.0)


class EncoderClassifier(nn.Module):
    """An encoder (pretrained or not) followed by ReLU and a linear layer to class logits."""

    def __init__(self, encoder: nn.Module, latent: int, num_classes: int = 10):
        super().__init__()
        where = "EncoderClassifier"
        check_instance(encoder, "encoder", nn.Module, "a torch.nn.Module", where=where)
        latent = check_int(latent, "latent", minimum=1, where=where)
        num_classes = check_int(num_classes, "num_classes", minimum=2, where=where)
        self.encoder = encoder
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(latent, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(x))       # (N, D) -> (N, latent) -> (N, classes)
