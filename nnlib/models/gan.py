"""GANs in PyTorch (notebook 14): MLP generator and discriminator, their losses, one step.

The layouts equal ``nnlib.scratch.generative.Generator`` / ``Discriminator``, built from the same
``GANConfig`` (so a NumPy GAN and this one can be matched step for step); the same classes with
``data_dim=784`` and a sigmoid output make a small MNIST GAN.

generator      z (N, noise_dim) -> hidden -> hidden -> x (N, data_dim)
discriminator  x (N, data_dim) -> hidden -> hidden -> logit (N, 1)
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from nnlib._checks import (
    check_bool,
    check_float,
    check_instance,
    check_tensor,
    check_tensor_dtype,
    describe,
)
from nnlib.scratch.generative import GANConfig  # one config for both GANs (torch-free)


class Generator(nn.Sequential):
    def __init__(self, config: GANConfig | None = None):
        check_instance(config, "config", GANConfig, "a GANConfig(...)", where="Generator",
                       optional=True)
        c = config or GANConfig()
        layers = [nn.Linear(c.noise_dim, c.hidden), nn.ReLU(),
                  nn.Linear(c.hidden, c.hidden), nn.ReLU(),
                  nn.Linear(c.hidden, c.data_dim)]
        if c.output == "sigmoid":
            layers.append(nn.Sigmoid())
        super().__init__(*layers)
        self.config = c

    def forward(self, z: torch.Tensor) -> torch.Tensor:     # (N, noise_dim) -> (N, data_dim)
        return super().forward(_check_input(z, self[0], "z", "Generator"))


def _check_input(x, first: nn.Linear, name: str, where: str) -> torch.Tensor:
    """A float tensor of the first layer's dtype: torch would say only "mat1 and mat2 must
    have the same dtype" (cheap: a type and a dtype compared per batch)."""
    check_tensor(x, name, where=where)
    if not torch.is_autocast_enabled():  # under autocast torch casts the input itself
        check_tensor_dtype(x, first.weight, name, where=where)
    return x


class Discriminator(nn.Sequential):
    def __init__(self, config: GANConfig | None = None):
        check_instance(config, "config", GANConfig, "a GANConfig(...)", where="Discriminator",
                       optional=True)
        c = config or GANConfig()
        super().__init__(nn.Linear(c.data_dim, c.hidden), nn.LeakyReLU(0.2),
                         nn.Linear(c.hidden, c.hidden), nn.LeakyReLU(0.2),
                         nn.Linear(c.hidden, 1))
        self.config = c

    def forward(self, x: torch.Tensor) -> torch.Tensor:     # (N, data_dim) -> (N, 1) logits
        return super().forward(_check_input(x, self[0], "x", "Discriminator"))


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor,
                       real_label: float = 1.0) -> torch.Tensor:
    """BCE: real samples labelled ``real_label`` (1, or e.g. 0.9 for one-sided smoothing),
    generated samples labelled 0."""
    check_tensor(real_logits, "real_logits", where="discriminator_loss", floating=True)
    check_tensor(fake_logits, "fake_logits", where="discriminator_loss", floating=True)
    real_label = check_float(real_label, "real_label", minimum=0, maximum=1,
                             where="discriminator_loss")
    return (F.binary_cross_entropy_with_logits(real_logits,
                                               torch.full_like(real_logits, real_label))
            + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))


def generator_loss(fake_logits: torch.Tensor, non_saturating: bool = True) -> torch.Tensor:
    """-mean log D(G(z)) (non-saturating) or mean log(1 - D(G(z))) (minimax)."""
    check_tensor(fake_logits, "fake_logits", where="generator_loss", floating=True)
    if check_bool(non_saturating, "non_saturating", where="generator_loss"):
        return F.softplus(-fake_logits).mean()
    return -F.softplus(fake_logits).mean()


def gan_train_step(generator: nn.Module, discriminator: nn.Module, opt_g, opt_d,
                   x_real: torch.Tensor, z: torch.Tensor, *, non_saturating: bool = True,
                   real_label: float = 1.0, ctx=None) -> dict[str, float]:
    """One D step then one G step on the same noise, as ``scratch.generative.gan_train_step``.

    ``ctx``: the :class:`~nnlib.train.core.StepContext` that ``train_steps`` / ``run_steps``
    pass to a ``step_fn(batch, ctx)``; the two steps then run under its mixed precision,
    gradient clipping and callbacks. Without it, plain float32 ``backward`` and ``step``.
    """
    from nnlib.train.core import StepContext

    where = "gan_train_step"
    check_instance(generator, "generator", nn.Module, "a torch.nn.Module", where=where)
    check_instance(discriminator, "discriminator", nn.Module, "a torch.nn.Module", where=where)
    for name, opt in (("opt_g", opt_g), ("opt_d", opt_d)):
        if not (hasattr(opt, "zero_grad") and hasattr(opt, "step")):
            raise TypeError(f"{where}: {name} must be an optimizer (e.g. torch.optim.Adam"
                            f"(model.parameters())), got {describe(opt)}")
    check_tensor(x_real, "x_real", where=where, ndim=2, shape_text="(N, data_dim)",
                 floating=True, allow_empty=False)
    check_tensor(z, "z", where=where, ndim=2, shape_text="(M, noise_dim)", floating=True,
                 allow_empty=False)
    for name, module, dim in (("x_real", discriminator, "data_dim"),
                              ("z", generator, "noise_dim")):
        want = getattr(getattr(module, "config", None), dim, None)
        if want is not None and (x_real if name == "x_real" else z).shape[1] != want:
            got = (x_real if name == "x_real" else z).shape[1]
            raise ValueError(f"{where}: {name} has {got} columns but the model's config has "
                             f"{dim}={want}")
    check_bool(non_saturating, "non_saturating", where=where)
    real_label = check_float(real_label, "real_label", minimum=0, maximum=1, where=where)
    check_instance(ctx, "ctx", StepContext, "a StepContext", where=where, optional=True)
    if ctx is None:
        ctx = StepContext()
    n = x_real.shape[0]
    opt_d.zero_grad()
    with ctx.autocast():
        fake = generator(z).detach()                              # (N, D), no gradient into G
        logits = discriminator(torch.cat([x_real, fake]))         # (2N, 1)
        d_loss = discriminator_loss(logits[:n], logits[n:], real_label)
    ctx.backward(d_loss)
    ctx.step(opt_d)

    opt_g.zero_grad()
    with ctx.autocast():
        fake_logits = discriminator(generator(z))
        g_loss = generator_loss(fake_logits, non_saturating)
    ctx.backward(g_loss)
    ctx.step(opt_g)
    return {"d_loss": d_loss.item(), "g_loss": g_loss.item(),
            "d_real": torch.sigmoid(logits[:n]).mean().item(),
            "d_fake": torch.sigmoid(logits[n:]).mean().item()}
