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

from nnlib._checks import (
    check_device,
    check_float,
    check_instance,
    check_int,
    check_tensor,
    check_tensor_dtype,
    check_torch_generator,
    describe,
    is_int,
)
from nnlib.errors import ShapeError
from nnlib.scratch.generative import DiffusionConfig  # one config for both halves


class NoiseSchedule:
    """betas, alphas, alpha_bars as float64 tensors of shape (T,)."""

    def __init__(self, T: int, beta_start: float = 1e-4, beta_end: float = 0.02):
        where = "NoiseSchedule"
        T = check_int(T, "T", minimum=1, where=where)
        for name, value in (("beta_start", beta_start), ("beta_end", beta_end)):
            check_float(value, name, minimum=0, maximum=1, min_open=True, max_open=True,
                        where=where)
        if beta_start > beta_end:
            raise ValueError(f"{where}: beta_start must be <= beta_end, got "
                             f"beta_start={beta_start!r}, beta_end={beta_end!r}")
        self.betas = torch.linspace(beta_start, beta_end, T, dtype=torch.float64)
        self.alphas = 1 - self.betas
        self.alpha_bars = torch.cumprod(self.alphas, dim=0)
        self.T = T


def _check_time_features(t, T, dim, where: str) -> None:
    check_tensor(t, "t", where=where, ndim=(0, 1), shape_text="(N,)")
    T = check_int(T, "T", minimum=1, where=where)
    check_int(dim, "dim", minimum=2, where=where)
    if dim % 2:
        raise ValueError(f"{where}: dim must be even (dim / 2 sines and as many cosines), got "
                         f"{dim}")
    if t.numel() and (not bool(torch.isfinite(t.double()).all()) or float(t.min()) < 0
                      or float(t.max()) > T):
        raise ValueError(f"{where}: t must hold time steps in 0 .. T={T}, got values from "
                         f"{float(t.min()):g} to {float(t.max()):g}")


def _check_steps(t, schedule, n: int, where: str) -> torch.Tensor:
    """``t`` as (n,) int64 steps in 0 .. T-1 (a Python int or a 0-d tensor is broadcast)."""
    check_instance(schedule, "schedule", NoiseSchedule, "a NoiseSchedule", where=where)
    if is_int(t):
        t = torch.tensor(int(t))
    check_tensor(t, "t", where=where, ndim=(0, 1), floating=False, shape_text=f"({n},)")
    t = t.expand(n) if t.dim() == 0 else t
    if t.shape != (n,):
        raise ShapeError(f"{where}: t must have shape ({n},), one step per example, got shape "
                         f"{tuple(t.shape)}")
    if t.numel() and (int(t.min()) < 0 or int(t.max()) >= schedule.T):
        raise ValueError(f"{where}: t must lie in 0 .. {schedule.T - 1} for a schedule of "
                         f"T={schedule.T} steps, got values from {int(t.min())} to "
                         f"{int(t.max())}")
    return t


def _check_data(x, name: str, where: str, like=None) -> torch.Tensor:
    check_tensor(x, name, where=where, floating=True, allow_empty=False)
    if like is not None and x.shape != like[1].shape:
        raise ShapeError(f"{where}: {name} has shape {tuple(x.shape)} but {like[0]} has shape "
                         f"{tuple(like[1].shape)}; they must have the same shape")
    return x


def time_features(t: torch.Tensor, T: int, dim: int = 8) -> torch.Tensor:
    """(N, dim) sines and cosines of t / T at frequencies pi * 1, 2, 4, ..."""
    _check_time_features(t, T, dim, "time_features")
    t = t.reshape(-1, 1).double() / T
    freqs = math.pi * 2.0 ** torch.arange(dim // 2, dtype=torch.float64)
    return torch.cat([torch.sin(freqs * t), torch.cos(freqs * t)], dim=1)


def q_sample(x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor,
             schedule: NoiseSchedule) -> torch.Tensor:
    """x_t from x_0 (N, D) in one jump; t (N,) integer steps in 0 .. T-1."""
    _check_data(x0, "x0", "q_sample")
    _check_data(noise, "noise", "q_sample", like=("x0", x0))
    _check_steps(t, schedule, len(x0), "q_sample")
    ab = schedule.alpha_bars.to(x0.device)[t].to(x0.dtype).reshape(-1, *[1] * (x0.dim() - 1))
    return ab.sqrt() * x0 + (1 - ab).sqrt() * noise


class Denoiser(nn.Module):
    """eps_theta(x_t, t): Linear-ReLU stack on [x_t, time features] -> (N, data_dim)."""

    def __init__(self, config: DiffusionConfig | None = None):
        super().__init__()
        check_instance(config, "config", DiffusionConfig, "a DiffusionConfig(...)",
                       where="Denoiser", optional=True)
        self.config = c = config or DiffusionConfig()
        sizes = [c.data_dim + c.time_dim] + [c.hidden] * c.depth
        layers: list[nn.Module] = []
        for a, b in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [nn.Linear(a, b), nn.ReLU()]
        self.net = nn.Sequential(*layers, nn.Linear(sizes[-1], c.data_dim))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        check_tensor(x, "x", where="Denoiser")
        if not torch.is_autocast_enabled():  # under autocast torch casts the input itself
            check_tensor_dtype(x, self.net[0].weight, where="Denoiser")
        features = time_features(t, self.config.T, self.config.time_dim).to(x)
        return self.net(torch.cat([x, features], dim=1))          # (N, D + time_dim) -> (N, D)


def ddpm_loss(model: Denoiser, x0: torch.Tensor, schedule: NoiseSchedule,
              generator: torch.Generator | None = None) -> torch.Tensor:
    """Noise-prediction MSE at uniformly random time steps."""
    where = "ddpm_loss"
    check_instance(model, "model", Denoiser, "a Denoiser", where=where)
    check_instance(schedule, "schedule", NoiseSchedule, "a NoiseSchedule", where=where)
    check_torch_generator(generator, where=where)
    check_tensor(_check_data(x0, "x0", where), "x0", where=where,
                 shape=(None, model.config.data_dim),
                 shape_text=f"(N, {model.config.data_dim}) (the model's data_dim)")
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
    where = "p_sample_step"
    _check_data(x_t, "x_t", where)
    _check_data(pred_noise, "pred_noise", where, like=("x_t", x_t))
    t = int(_check_steps(t, schedule, 1, where)[0])
    if clip is not None:
        if not isinstance(clip, (tuple, list)) or len(clip) != 2:
            raise TypeError(f"{where}: clip must be None or a pair (lo, hi), got "
                            f"{describe(clip)}")
        lo = check_float(clip[0], "clip[0]", where=where)
        hi = check_float(clip[1], "clip[1]", minimum=lo, where=where,
                         hint="clip is (lo, hi) with lo <= hi")
        clip = (lo, hi)
    if z is not None:
        _check_data(z, "z", where, like=("x_t", x_t))
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
    check_instance(model, "model", Denoiser, "a Denoiser", where="sample")
    check_instance(schedule, "schedule", NoiseSchedule, "a NoiseSchedule", where="sample")
    check_torch_generator(generator, where="sample")
    if device is not None:
        device = check_device(device, where="sample")
    if clip is not None:       # checked here once rather than in every step
        p_sample_step(torch.zeros(1, 1), 0, torch.zeros(1, 1), schedule, clip=clip)
    model.eval()
    dim = model.config.data_dim
    x = torch.randn(n, dim, generator=generator).to(device or "cpu")
    for t in range(schedule.T - 1, -1, -1):
        eps = model(x, torch.full((n,), t, device=x.device))
        z = torch.randn(n, dim, generator=generator).to(x.device) if t > 0 else None
        x = p_sample_step(x, t, eps, schedule, z, clip)
    return x
