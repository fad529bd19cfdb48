"""A dense variational autoencoder in PyTorch (notebook 13), the twin of
``nnlib.scratch.generative.VAE`` (same layers, so weights copy across).

encoder  x (N, 784) -> Linear -> ReLU -> Linear -> [mu, logvar] (N, 2K)
sample   z = mu + exp(logvar / 2) * eps, eps ~ N(0, I)            (N, K)
decoder  z -> Linear -> ReLU -> Linear -> pixel logits            (N, 784)

:func:`vae_loss` is the negative ELBO per example: Bernoulli reconstruction (binary
cross-entropy with logits, summed over pixels) plus the closed-form Gaussian KL.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from nnlib._checks import (
    check_float,
    check_instance,
    check_int,
    check_tensor,
    check_tensor_dtype,
    check_torch_generator,
)
from nnlib.errors import ShapeError
from nnlib.scratch.generative import VAEConfig  # one config for both VAEs (torch-free)


class VAE(nn.Module):
    def __init__(self, config: VAEConfig | None = None):
        super().__init__()
        check_instance(config, "config", VAEConfig, "a VAEConfig(...)", where="VAE",
                       optional=True)
        self.config = c = config or VAEConfig()
        self.encoder = nn.Sequential(nn.Linear(c.in_features, c.hidden), nn.ReLU(),
                                     nn.Linear(c.hidden, 2 * c.latent))
        self.decoder = nn.Sequential(nn.Linear(c.latent, c.hidden), nn.ReLU(),
                                     nn.Linear(c.hidden, c.in_features))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        check_tensor(x, "x", where="VAE")
        if x.dim() != 2 or x.shape[1] != self.config.in_features:
            raise ValueError(f"VAE: expected x of shape (N, {self.config.in_features}), got "
                             f"{tuple(x.shape)}; flatten images with x.flatten(1)")
        if not torch.is_autocast_enabled():  # under autocast torch casts the input itself
            check_tensor_dtype(x, self.encoder[0].weight, where="VAE")
        mu, logvar = self.encoder(x).chunk(2, dim=1)     # (N, K) each
        return mu, logvar

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)                            # (N, K) -> (N, 784) logits

    def forward(self, x: torch.Tensor, eps: torch.Tensor | None = None):
        """(logits, mu, logvar); ``eps`` (N, K) defaults to fresh standard normal noise."""
        mu, logvar = self.encode(x)
        if eps is None:
            eps = torch.randn_like(mu)
        z = mu + torch.exp(0.5 * logvar) * eps           # the reparameterisation trick
        return self.decode(z), mu, logvar

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n images (n, 784) in [0, 1] decoded from z ~ N(0, I) (the prior)."""
        n = check_int(n, "n", minimum=1, where="VAE.sample")
        check_torch_generator(generator, where="VAE.sample")
        z = torch.randn(n, self.config.latent, generator=generator)
        return torch.sigmoid(self.decode(z.to(next(self.parameters()).device)))


def _same_shape(where: str, *named) -> None:
    """Each (name, value) a non-empty 2-D float tensor, all of the first one's shape."""
    for name, value in named:
        check_tensor(value, name, where=where, ndim=2, shape_text="(N, K)", floating=True,
                     allow_empty=False)
    (first, a), *rest = named
    for name, b in rest:
        if b.shape != a.shape:
            raise ShapeError(f"{where}: {name} has shape {tuple(b.shape)} but {first} has "
                             f"shape {tuple(a.shape)}; they must match")


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, I)), summed over latent axes, mean over the batch."""
    _same_shape("gaussian_kl", ("mu", mu), ("logvar", logvar))
    return -0.5 * torch.sum(1 + logvar - mu ** 2 - logvar.exp()) / mu.shape[0]


def vae_loss(logits, x, mu, logvar, beta: float = 1.0):
    """(negative ELBO, reconstruction term, KL term), each per example (mean over the batch)."""
    beta = check_float(beta, "beta", minimum=0, maximum=1e6, where="vae_loss",
                       hint="beta weighs the KL term: 1 is the ELBO, a beta-VAE uses a few")
    _same_shape("vae_loss", ("logits", logits), ("x", x))
    _same_shape("vae_loss", ("mu", mu), ("logvar", logvar))
    recon = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.shape[0]
    kl = gaussian_kl(mu, logvar)
    return recon + beta * kl, recon, kl
