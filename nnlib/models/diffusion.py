"""DDPM diffusion in PyTorch (notebook 14), the twin of the DDPM part of
``nnlib.scratch.generative`` (same schedule, same formulas, same time features).

forward process   x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps       (closed form)
objective         E || eps - eps_theta(x_t, t) ||^2                              (noise prediction)
reverse step      x_{t-1} = (x_t - beta_t / sqrt(1 - alpha_bar_t) eps_theta) / sqrt(alpha_t)
                            + sqrt(beta_t) z

:class:`Denoiser` is an MLP on ``[x_t, time_features(t)]`` for flat data (2-D points or
784-pixel images scaled to [-1, 1]).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from nnlib._checks import check_int
from nnlib.scratch.generative import DiffusionConfig  # one config for both halves


class NoiseSchedule:
    """betas, alphas, alpha_bars as float64 tensors of shape (T,)."""

    def __init__(self, T: int, beta_start: float = 1e-4, beta_end: float = 0.02):
        T = check_int(T, "T", minimum=1, where="NoiseSchedule")
        self.betas = torch.linspace(beta_start, beta_end, T, dtype=torch.float64)
        self.alphas = 1 - self.betas
        self.alpha_bars = torch.cumprod(self.alphas, dim=0)
        self.T = T


def time_features(t: torch.Tensor, T: int, dim: int = 8) -> torch.Tensor:
    """(N, dim) sines and cosines of t / T at frequencies pi * 1, 2, 4, ..."""
    t = t.reshape(-1, 1).double() / T
    freqs = math.pi * 2.0 ** torch.arange(dim // 2, dtype=torch.float64)
    return torch.cat([torch.sin(freqs * t), torch.cos(freqs * t)], dim=1)


def q_sample(x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor,
             schedule: NoiseSchedule) -> torch.Tensor:
    """x_t from x_0 (N, D) in one jump; t (N,) integer steps in 0 .. T-1."""
    if x0.shape != noise.shape:
        raise ValueError(f"q_sample: x0 {tuple(x0.shape)} and noise {tuple(noise.shape)} "
                         "must have the same shape")
    ab = schedule.alpha_bars.to(x0.device)[t].to(x0.dtype).reshape(-1, *[1] * (x0.dim() - 1))
    return ab.sqrt() * x0 + (1 - ab).sqrt() * noise


class Denoiser(nn.Module):
    """eps_theta(x_t, t): Linear-ReLU stack on [x_t, time features] -> (N, data_dim)."""

    def __init__(self, config: DiffusionConfig | None = None):
        super().__init__()
        self.config = c = config or DiffusionConfig()
        sizes = [c.data_dim + c.time_dim] + [c.hidden] * c.depth
        layers: list[nn.Module] = []
        for a, b in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [nn.Linear(a, b), nn.ReLU()]
        self.net = nn.Sequential(*layers, nn.Linear(sizes[-1], c.data_dim))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        features = time_features(t, self.config.T, self.config.time_dim).to(x)
        return self.net(torch.cat([x, features], dim=1))          # (N, D + time_dim) -> (N, D)


def ddpm_loss(model: Denoiser, x0: torch.Tensor, schedule: NoiseSchedule,
              generator: torch.Generator | None = None) -> torch.Tensor:
    """Noise-prediction MSE at uniformly random time steps."""
    t = torch.randint(0, schedule.T, (x0.shape[0],), generator=generator).to(x0.device)
    noise = torch.randn(x0.shape, generator=generator, dtype=x0.dtype).to(x0.device)
    return ((model(q_sample(x0, t, noise, schedule), t) - noise) ** 2).mean()


def p_sample_step(x_t: torch.Tensor, t: int, pred_noise: torch.Tensor,
                  schedule: NoiseSchedule, z: torch.Tensor | None = None,
                  clip: tuple[float, float] | None = None) -> torch.Tensor:
    """One reverse step x_t -> x_{t-1} (sigma_t^2 = beta_t; no noise at t = 0).

    ``clip=(lo, hi)``: estimate x_0 = (x_t - sqrt(1 - alpha_bar_t) eps) / sqrt(alpha_bar_t),
    clamp it to the data range, and take the mean of q(x_{t-1} | x_t, x_0) with that estimate
    (DDPM's sampler does this for images). Without clamping both forms give the same mean.
    """
    beta, alpha, ab = (float(v[t]) for v in (schedule.betas, schedule.alphas,
                                             schedule.alpha_bars))
    if clip is None:
        mean = (x_t - beta / math.sqrt(1 - ab) * pred_noise) / math.sqrt(alpha)
    else:
        x0 = ((x_t - math.sqrt(1 - ab) * pred_noise) / math.sqrt(ab)).clamp(*clip)
        ab_prev = float(schedule.alpha_bars[t - 1]) if t > 0 else 1.0
        mean = (beta * math.sqrt(ab_prev) / (1 - ab) * x0
                + (1 - ab_prev) * math.sqrt(alpha) / (1 - ab) * x_t)
    if t == 0:
        return mean
    if z is None:
        raise ValueError("p_sample_step: z (standard normal noise like x_t) is needed for t > 0")
    return mean + math.sqrt(beta) * z


@torch.no_grad()
def sample(model: Denoiser, schedule: NoiseSchedule, n: int,
           generator: torch.Generator | None = None, device=None,
           clip: tuple[float, float] | None = None) -> torch.Tensor:
    """n samples (n, data_dim) from the reverse chain started at pure noise (``clip``: see
    :func:`p_sample_step`)."""
    n = check_int(n, "n", minimum=1, where="sample")
    model.eval()
    dim = model.config.data_dim
    x = torch.randn(n, dim, generator=generator).to(device or "cpu")
    for t in range(schedule.T - 1, -1, -1):
        eps = model(x, torch.full((n,), t, device=x.device))
        z = torch.randn(n, dim, generator=generator).to(x.device) if t > 0 else None
        x = p_sample_step(x, t, eps, schedule, z, clip)
    return x
