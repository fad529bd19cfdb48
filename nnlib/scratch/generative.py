"""Generative models in nnlib's NumPy engine: the pieces of VAEs, GANs and DDPM diffusion.

Each piece is a plain function with an explicit backward (or a small Module built from
``Linear`` layers), so a notebook can show every gradient and a test can compare it with
``torch.autograd`` in float64 (``tests/test_scratch_generative.py``).

VAE   ``reparameterize`` / ``reparameterize_backward``, ``gaussian_kl`` / ``gaussian_kl_backward``,
      ``bernoulli_nll`` (the reconstruction term on logits) and :class:`VAE` (a dense VAE).
GAN   :class:`Generator`, :class:`Discriminator` (``mlp_generator`` / ``mlp_discriminator``
      for short), ``discriminator_loss``, ``generator_loss`` (non-saturating or minimax), with
      gradients with respect to the discriminator's logits; :func:`gan_train_step` (one D and
      one G step).
DDPM  :class:`NoiseSchedule` (``linear_beta_schedule``), ``q_sample`` (the closed-form
      q(x_t | x_0)), ``noise_prediction_loss``, ``p_sample_step`` (one reverse step),
      ``time_features`` and :class:`Denoiser` (an MLP eps(x_t, t); ``NoisePredictor`` for
      short), ``ddpm_sample``.

The PyTorch twins in ``nnlib.models.vae`` / ``gan`` / ``diffusion`` have the same class names
and take the same configs, :class:`VAEConfig`, :class:`GANConfig` and :class:`DiffusionConfig`,
defined here once (torch-free, like ``GPTConfig``), so a model is built the same way in both
halves and the same layer sizes let weights be copied across.

Shapes are batch-first: ``x (N, D)``, latent ``mu, logvar, eps (N, K)``, logits ``(N, 1)``,
time steps ``t (N,)`` integers in ``0 .. T-1`` (``t = 0`` is the first noising step).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnlib._checks import (
    check_array,
    check_bool,
    check_callable,
    check_choice,
    check_float,
    check_float_dtype,
    check_instance,
    check_int,
    describe,
)
from nnlib.errors import ShapeError
from nnlib.scratch import init as initializers
from nnlib.scratch.activations import LeakyReLU, ReLU, Sigmoid
from nnlib.scratch.layers import Linear, Sequential
from nnlib.scratch.module import Module, NotForwardedError


# -- configs, shared with the PyTorch models (nnlib.models.vae / gan / diffusion) -------------
@dataclass(frozen=True)
class VAEConfig:
    in_features: int = 784
    hidden: int = 256
    latent: int = 2

    def __post_init__(self):
        for name in ("in_features", "hidden", "latent"):
            check_int(getattr(self, name), name, minimum=1, where="VAEConfig")


@dataclass(frozen=True)
class GANConfig:
    data_dim: int = 2
    noise_dim: int = 2
    hidden: int = 32
    output: str = "linear"    # "sigmoid" for images with pixels in [0, 1]

    def __post_init__(self):
        for name in ("data_dim", "noise_dim", "hidden"):
            check_int(getattr(self, name), name, minimum=1, where="GANConfig")
        check_choice(self.output, "output", ("linear", "sigmoid"), where="GANConfig")


@dataclass(frozen=True)
class DiffusionConfig:
    data_dim: int = 2
    hidden: int = 64
    depth: int = 2          # hidden layers
    T: int = 100
    time_dim: int = 8
    beta_start: float = 1e-4
    beta_end: float = 0.02

    def __post_init__(self):
        for name in ("data_dim", "hidden", "depth", "T", "time_dim"):
            check_int(getattr(self, name), name, minimum=1, where="DiffusionConfig")
        for name in ("beta_start", "beta_end"):
            check_float(getattr(self, name), name, minimum=0, maximum=1, min_open=True,
                        max_open=True, where="DiffusionConfig")
        if self.beta_start > self.beta_end:
            raise ValueError(f"DiffusionConfig: beta_start must be <= beta_end, got "
                             f"beta_start={self.beta_start!r}, beta_end={self.beta_end!r}")


# -- argument checks ----------------------------------------------------------------------
def _array(x, name: str, *, ndim: int | None = None) -> np.ndarray:
    """``x`` as a finite, non-empty floating array, or an error naming ``name``."""
    return check_array(x, name, ndim=ndim, allow_empty=False)


def _config(config, kind: type, where: str):
    """``config``, or the default ``kind()`` for None; anything else is a TypeError."""
    if config is None:
        return kind()
    if not isinstance(config, kind):
        raise TypeError(f"{where}: config must be a {kind.__name__}(...) or None, got a "
                        f"{type(config).__name__}; e.g. {where}({kind.__name__}(...))")
    return config


def _logits(x, name: str) -> np.ndarray:
    """Discriminator logits: (N, 1) or (N,), finite, not empty."""
    return check_array(x, name, ndim=(1, 2), allow_empty=False, shape_text="(N, 1) or (N,)")


def _module(value, name: str, where: str):
    """A model the step calls and backpropagates through: a Module (forward + backward)."""
    return check_instance(value, name, Module, "an nnlib.scratch Module", where=where)


def _optimizer(value, name: str, where: str):
    if not (hasattr(value, "zero_grad") and hasattr(value, "step")):
        raise TypeError(f"{where}: {name} must be an optimizer (e.g. Adam(model.parameters(), "
                        f"lr=1e-3)), got {describe(value)}")
    return value


def _schedule(value, where: str) -> NoiseSchedule:
    return check_instance(value, "schedule", NoiseSchedule, "a NoiseSchedule (e.g. "
                          "linear_beta_schedule(100))", where=where)


def _same_shape(a, b, name_a: str, name_b: str) -> None:
    if a.shape != b.shape:
        raise ShapeError(f"{name_a} has shape {a.shape} but {name_b} has shape {b.shape}; "
                         "they must match")


def _sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


def _softplus(x):
    return np.logaddexp(0.0, x)


# -- VAE: reparameterisation, KL, reconstruction ---------------------------------------------
def reparameterize(mu, logvar, eps):
    """z = mu + exp(logvar / 2) * eps, with eps ~ N(0, I) drawn outside: all (N, K)."""
    mu, logvar, eps = (_array(mu, "mu"), _array(logvar, "logvar"), _array(eps, "eps"))
    _same_shape(mu, logvar, "mu", "logvar")
    _same_shape(mu, eps, "mu", "eps")
    return mu + np.exp(0.5 * logvar) * eps


def reparameterize_backward(grad_z, logvar, eps):
    """(dL/dmu, dL/dlogvar) from dL/dz: dz/dmu = 1, dz/dlogvar = exp(logvar / 2) * eps / 2."""
    grad_z, logvar, eps = (_array(grad_z, "grad_z"), _array(logvar, "logvar"),
                           _array(eps, "eps"))
    _same_shape(grad_z, logvar, "grad_z", "logvar")
    _same_shape(grad_z, eps, "grad_z", "eps")
    return grad_z, grad_z * 0.5 * np.exp(0.5 * logvar) * eps


def gaussian_kl(mu, logvar) -> float:
    """KL(N(mu, exp(logvar)) || N(0, I)) summed over the K latent axes, mean over the batch.

    Per example: -1/2 * sum_k (1 + logvar_k - mu_k^2 - exp(logvar_k)).
    """
    mu, logvar = _array(mu, "mu", ndim=2), _array(logvar, "logvar", ndim=2)
    _same_shape(mu, logvar, "mu", "logvar")
    return float(-0.5 * np.sum(1 + logvar - mu ** 2 - np.exp(logvar)) / mu.shape[0])


def gaussian_kl_backward(mu, logvar):
    """Gradients of :func:`gaussian_kl`: (mu / N, (exp(logvar) - 1) / (2 N))."""
    mu, logvar = _array(mu, "mu", ndim=2), _array(logvar, "logvar", ndim=2)
    _same_shape(mu, logvar, "mu", "logvar")
    n = mu.shape[0]
    return mu / n, 0.5 * (np.exp(logvar) - 1) / n


def bernoulli_nll(logits, x) -> float:
    """-log p(x | logits) for pixels in [0, 1], summed over pixels, mean over the batch.

    Equal to binary cross-entropy with logits, summed: softplus(l) - x * l per pixel.
    Its gradient with respect to the logits is (sigmoid(l) - x) / N.
    """
    logits, x = _array(logits, "logits", ndim=2), _array(x, "x", ndim=2)
    _same_shape(logits, x, "logits", "x")
    if x.size and (x.min() < 0 or x.max() > 1):
        raise ValueError(f"bernoulli_nll: x must hold pixels in [0, 1] (probabilities), got "
                         f"values from {x.min():g} to {x.max():g}; scale images to [0, 1] "
                         "first (e.g. x / 255)")
    return float(np.sum(_softplus(logits) - x * logits) / x.shape[0])


class VAE(Module):
    """A dense VAE: encoder x -> [mu, logvar], z = mu + sigma * eps, decoder z -> logits.

    encoder: Linear(D, H) -> ReLU -> Linear(H, 2K)  (first K outputs mu, last K logvar)
    decoder: Linear(K, H) -> ReLU -> Linear(H, D)   (logits of Bernoulli pixels)

    ``loss(x, eps)`` is the negative ELBO per example (``bernoulli_nll + gaussian_kl``) and
    ``backward()`` adds its gradient into every parameter. ``VAE(VAEConfig(...))`` as
    ``nnlib.models.vae.VAE``, the same layout, so :meth:`from_torch` copies its weights.
    """

    def __init__(self, config: VAEConfig | None = None, *, rng=None, dtype=np.float32):
        c = _config(config, VAEConfig, "VAE")
        dtype = check_float_dtype(dtype, where="VAE")
        rng = initializers.as_rng(rng)
        self.config, self.latent = c, c.latent
        self.encoder = Sequential(Linear(c.in_features, c.hidden, rng=rng, dtype=dtype), ReLU(),
                                  Linear(c.hidden, 2 * c.latent, rng=rng, dtype=dtype))
        self.decoder = Sequential(Linear(c.latent, c.hidden, rng=rng, dtype=dtype), ReLU(),
                                  Linear(c.hidden, c.in_features, rng=rng, dtype=dtype))
        self.rng = rng
        self._saved = None
        self.last_terms: tuple[float, float] | None = None

    def encode(self, x):
        """(mu, logvar), each (N, K)."""
        h = self.encoder(_array(x, "x", ndim=2))
        return h[:, :self.latent], h[:, self.latent:]

    def decode(self, z):
        """Pixel logits (N, D) for latent codes z (N, K); sigmoid gives the image."""
        return self.decoder(_array(z, "z", ndim=2))

    def forward(self, x, eps=None):
        """Logits of the reconstruction of x; eps (N, K) defaults to fresh N(0, I) noise."""
        x = _array(x, "x", ndim=2)
        mu, logvar = self.encode(x)
        if eps is None:
            eps = self.rng.standard_normal(mu.shape).astype(mu.dtype)
        z = reparameterize(mu, logvar, eps)
        logits = self.decode(z)
        self._saved = (x, mu, logvar, np.asarray(eps, dtype=mu.dtype), logits)
        return logits

    def loss(self, x, eps=None) -> float:
        """Negative ELBO per example; ``last_terms`` keeps (reconstruction, KL)."""
        logits = self.forward(x, eps)
        x, mu, logvar = self._saved[:3]
        recon, kl = bernoulli_nll(logits, x), gaussian_kl(mu, logvar)
        self.last_terms = (recon, kl)
        return recon + kl

    def backward(self, grad_out: float = 1.0):
        """Gradient of the last ``loss`` into the parameters; returns dL/dx."""
        if self._saved is None:
            raise NotForwardedError("VAE.backward() was called before loss(x): call "
                                    "loss(x, eps) first, then backward()")
        x, mu, logvar, eps, logits = self._saved
        n = x.shape[0]
        grad_logits = grad_out * (_sigmoid(logits) - x) / n
        grad_z = self.decoder.backward(grad_logits)
        g_mu, g_logvar = reparameterize_backward(grad_z, logvar, eps)
        k_mu, k_logvar = gaussian_kl_backward(mu, logvar)
        grad_h = np.concatenate([g_mu + grad_out * k_mu, g_logvar + grad_out * k_logvar],
                                axis=1)
        return self.encoder.backward(grad_h) - grad_out * logits / n

    @classmethod
    def from_torch(cls, model, dtype=np.float64) -> VAE:
        """A NumPy copy of ``nnlib.models.vae.VAE`` (same layer sizes and weights)."""
        enc, dec = model.encoder, model.decoder
        out = cls(VAEConfig(enc[0].in_features, enc[0].out_features, model.config.latent),
                  dtype=dtype)
        out.encoder = Sequential(Linear.from_torch(enc[0], dtype), ReLU(),
                                 Linear.from_torch(enc[2], dtype))
        out.decoder = Sequential(Linear.from_torch(dec[0], dtype), ReLU(),
                                 Linear.from_torch(dec[2], dtype))
        return out


# -- GAN losses -------------------------------------------------------------------------------
def discriminator_loss(real_logits, fake_logits):
    """(loss, dL/dreal_logits, dL/dfake_logits) for D's binary cross-entropy.

    loss = mean(-log sigmoid(real)) + mean(-log(1 - sigmoid(fake)))
         = mean(softplus(-real)) + mean(softplus(fake)):
    D is rewarded for calling real data real (label 1) and generated data fake (label 0).
    """
    real = _logits(real_logits, "real_logits")
    fake = _logits(fake_logits, "fake_logits")
    loss = float(np.mean(_softplus(-real)) + np.mean(_softplus(fake)))
    return loss, (_sigmoid(real) - 1) / real.size, _sigmoid(fake) / fake.size


def generator_loss(fake_logits, non_saturating: bool = True):
    """(loss, dL/dfake_logits) for the generator, from D's logits on generated samples.

    non_saturating=True:  loss = mean(-log sigmoid(fake)),   gradient (sigmoid(l) - 1) / N
    non_saturating=False: loss = mean(log(1 - sigmoid(fake))) (the minimax game's term),
                          gradient -sigmoid(l) / N, which vanishes when D confidently
                          rejects the samples (sigmoid(l) -> 0), i.e. early in training.
    """
    non_saturating = check_bool(non_saturating, "non_saturating", where="generator_loss")
    fake = _logits(fake_logits, "fake_logits")
    if non_saturating:
        return float(np.mean(_softplus(-fake))), (_sigmoid(fake) - 1) / fake.size
    return float(-np.mean(_softplus(fake))), -_sigmoid(fake) / fake.size


class Generator(Sequential):
    """z (N, noise_dim) -> x (N, data_dim): Linear-ReLU-Linear-ReLU-Linear (then a Sigmoid if
    ``config.output == "sigmoid"``), the layout of ``nnlib.models.gan.Generator``."""

    def __init__(self, config: GANConfig | None = None, *, rng=None, dtype=np.float64):
        c = _config(config, GANConfig, "Generator")
        dtype = check_float_dtype(dtype, where="Generator")
        rng = initializers.as_rng(rng)
        super().__init__(Linear(c.noise_dim, c.hidden, rng=rng, dtype=dtype), ReLU(),
                         Linear(c.hidden, c.hidden, rng=rng, dtype=dtype), ReLU(),
                         Linear(c.hidden, c.data_dim, rng=rng, dtype=dtype))
        if c.output == "sigmoid":
            self.append(Sigmoid())
        self.config = c


class Discriminator(Sequential):
    """x (N, data_dim) -> logit (N, 1): Linear-LeakyReLU(0.2)-Linear-LeakyReLU(0.2)-Linear, the
    layout of ``nnlib.models.gan.Discriminator``."""

    def __init__(self, config: GANConfig | None = None, *, rng=None, dtype=np.float64):
        c = _config(config, GANConfig, "Discriminator")
        dtype = check_float_dtype(dtype, where="Discriminator")
        rng = initializers.as_rng(rng)
        super().__init__(Linear(c.data_dim, c.hidden, rng=rng, dtype=dtype), LeakyReLU(0.2),
                         Linear(c.hidden, c.hidden, rng=rng, dtype=dtype), LeakyReLU(0.2),
                         Linear(c.hidden, 1, rng=rng, dtype=dtype))
        self.config = c


def mlp_generator(noise_dim: int = 2, hidden: int = 32, data_dim: int = 2, *, rng=None,
                  dtype=np.float64) -> Generator:
    """``Generator(GANConfig(data_dim, noise_dim, hidden))`` for short."""
    return Generator(GANConfig(data_dim=data_dim, noise_dim=noise_dim, hidden=hidden), rng=rng,
                     dtype=dtype)


def mlp_discriminator(data_dim: int = 2, hidden: int = 32, *, rng=None,
                      dtype=np.float64) -> Discriminator:
    """``Discriminator(GANConfig(data_dim, hidden=hidden))`` for short."""
    return Discriminator(GANConfig(data_dim=data_dim, hidden=hidden), rng=rng, dtype=dtype)


def gan_train_step(generator: Module, discriminator: Module, opt_g, opt_d, x_real, z, *,
                   non_saturating: bool = True) -> dict[str, float]:
    """One discriminator step, then one generator step, on the same noise ``z``.

    1. D: loss on D(x_real) and D(G(z)) (G's output treated as data), backward, opt_d.step().
    2. G: recompute D(G(z)) with the updated D, generator loss, backward through D into G
       (D's gradients from this pass are discarded by the next ``opt_d.zero_grad()``).
    Returns ``{"d_loss", "g_loss", "d_real", "d_fake"}`` (the last two: mean D(x) in [0, 1]).
    """
    where = "gan_train_step"
    _module(generator, "generator", where)
    _module(discriminator, "discriminator", where)
    _optimizer(opt_g, "opt_g", where)
    _optimizer(opt_d, "opt_d", where)
    for name, opt, model, role in (("opt_g", opt_g, generator, "generator"),
                                   ("opt_d", opt_d, discriminator, "discriminator")):
        own = {id(p) for p in model.parameters()}
        held = getattr(opt, "params", None)
        if own and held is not None and not any(id(p) in own for p in held):
            raise ValueError(f"{where}: {name} holds none of the {role}'s parameters "
                             "(swapped optimizers, or one built for another model?); build "
                             f"it as Adam({role}.parameters(), ...)")
    non_saturating = check_bool(non_saturating, "non_saturating", where=where)
    x_real, z = _array(x_real, "x_real", ndim=2), _array(z, "z", ndim=2)
    for name, arr, model, dim in (("x_real", x_real, discriminator, "data_dim"),
                                  ("z", z, generator, "noise_dim")):
        want = getattr(getattr(model, "config", None), dim, None)
        if want is not None and arr.shape[1] != want:
            raise ShapeError(f"{where}: {name} has {arr.shape[1]} columns but the model's "
                             f"config has {dim}={want}")
    n = x_real.shape[0]
    opt_d.zero_grad()
    fake = generator(z)
    # real and generated samples in one batch: a layer keeps only its last input
    logits = discriminator(np.concatenate([x_real, fake.astype(x_real.dtype)]))
    real_logits, fake_logits = logits[:n], logits[n:]
    d_loss, g_real, g_fake = discriminator_loss(real_logits, fake_logits)
    discriminator.backward(np.concatenate([g_real, g_fake]))
    opt_d.step()

    opt_g.zero_grad()
    fake_logits = discriminator(generator(z))
    g_loss, g_logits = generator_loss(fake_logits, non_saturating)
    generator.backward(discriminator.backward(g_logits))
    opt_g.step()
    return {"d_loss": d_loss, "g_loss": g_loss,
            "d_real": float(np.mean(_sigmoid(real_logits))),
            "d_fake": float(np.mean(_sigmoid(logits[n:])))}


# -- DDPM ---------------------------------------------------------------------------------------
class NoiseSchedule:
    """DDPM's linear schedule, as ``nnlib.models.diffusion.NoiseSchedule``: betas rising
    linearly from ``beta_start`` to ``beta_end`` in T steps; alphas = 1 - betas, alpha_bars =
    their cumulative products (float64 arrays of shape (T,))."""

    def __init__(self, T: int, beta_start: float = 1e-4, beta_end: float = 0.02):
        where = "NoiseSchedule"
        T = check_int(T, "T", minimum=1, where=where)
        check_float(beta_start, "beta_start", minimum=0, maximum=1, min_open=True, max_open=True,
                    where=where)
        check_float(beta_end, "beta_end", minimum=0, maximum=1, min_open=True, max_open=True,
                    where=where)
        if beta_start > beta_end:
            raise ValueError(f"{where}: beta_start must be <= beta_end, got "
                             f"beta_start={beta_start!r}, beta_end={beta_end!r}")
        self.betas = np.linspace(beta_start, beta_end, T, dtype=np.float64)
        self.alphas = 1.0 - self.betas
        self.alpha_bars = np.cumprod(self.alphas)
        self.T = T

    def __repr__(self) -> str:
        return (f"NoiseSchedule(T={self.T}, beta_start={self.betas[0]:g}, "
                f"beta_end={self.betas[-1]:g})")


def linear_beta_schedule(T: int = 1000, beta_start: float = 1e-4,
                         beta_end: float = 0.02) -> NoiseSchedule:
    """``NoiseSchedule(T, beta_start, beta_end)``: DDPM's linear schedule."""
    return NoiseSchedule(T, beta_start, beta_end)


def _steps(t, schedule: NoiseSchedule, n: int) -> np.ndarray:
    if isinstance(t, (bool, np.bool_, list, tuple)):
        raise TypeError(f"t must be an int or an integer array of time steps, got {describe(t)}")
    t = np.asarray(t)
    if not np.issubdtype(t.dtype, np.integer):
        raise TypeError(f"t must hold integer time steps, got dtype {t.dtype}")
    t = np.broadcast_to(t, (n,)) if t.ndim == 0 else t
    if t.shape != (n,):
        raise ShapeError(f"t must have shape ({n},) (one step per example) or be a scalar, "
                         f"got shape {t.shape}")
    if t.min() < 0 or t.max() >= schedule.T:
        raise ValueError(f"t must lie in 0 .. {schedule.T - 1} for a schedule of T="
                         f"{schedule.T} steps, got values from {t.min()} to {t.max()}")
    return t


def q_sample(x0, t, noise, schedule: NoiseSchedule):
    """x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) noise: q(x_t | x_0) in one jump."""
    _schedule(schedule, "q_sample")
    x0, noise = _array(x0, "x0"), _array(noise, "noise")
    _same_shape(x0, noise, "x0", "noise")
    t = _steps(t, schedule, x0.shape[0])
    ab = schedule.alpha_bars[t].reshape((-1,) + (1,) * (x0.ndim - 1))
    return (np.sqrt(ab) * x0 + np.sqrt(1 - ab) * noise).astype(x0.dtype)


def noise_prediction_loss(pred_noise, noise):
    """(mean squared error, its gradient w.r.t. pred_noise): DDPM's simplified objective."""
    pred, noise = _array(pred_noise, "pred_noise"), _array(noise, "noise")
    _same_shape(pred, noise, "pred_noise", "noise")
    diff = pred - noise
    return float(np.mean(diff ** 2)), 2 * diff / diff.size


def p_sample_step(x_t, t: int, pred_noise, schedule: NoiseSchedule, z=None):
    """One reverse step x_t -> x_{t-1}, with sigma_t^2 = beta_t (DDPM's choice).

    mean = (x_t - beta_t / sqrt(1 - alpha_bar_t) * eps_hat) / sqrt(alpha_t);
    x_{t-1} = mean + sqrt(beta_t) * z, with no noise added at the last step (t = 0).
    """
    _schedule(schedule, "p_sample_step")
    x_t, pred = _array(x_t, "x_t"), _array(pred_noise, "pred_noise")
    _same_shape(x_t, pred, "x_t", "pred_noise")
    if not (isinstance(t, (int, np.integer)) and not isinstance(t, (bool, np.bool_))):
        raise TypeError(f"p_sample_step: t must be one time step (an int), got {describe(t)}")
    t = int(_steps(np.asarray(t), schedule, 1)[0])
    beta, alpha, ab = schedule.betas[t], schedule.alphas[t], schedule.alpha_bars[t]
    mean = (x_t - beta / np.sqrt(1 - ab) * pred) / np.sqrt(alpha)
    if t == 0:
        return mean
    if z is None:
        raise ValueError("z (standard normal noise of x_t's shape) is needed for t > 0")
    z = _array(z, "z")
    _same_shape(x_t, z, "x_t", "z")
    return mean + np.sqrt(beta) * z


def time_features(t, T: int, dim: int = 8) -> np.ndarray:
    """Sinusoidal features of the time step, (N, dim): sin and cos of t/T at dim/2 frequencies.

    ``t``: steps in 0 .. T (N,) or one step; ``dim``: an even number >= 2."""
    where = "time_features"
    T = check_int(T, "T", minimum=1, where=where)
    dim = check_int(dim, "dim", minimum=2, where=where)
    if dim % 2:
        raise ValueError(f"{where}: dim must be even (dim / 2 sines and as many cosines), got "
                         f"{dim}")
    if isinstance(t, (bool, np.bool_)) or t is None:
        raise TypeError(f"{where}: t must be a time step or an array of them, got "
                        f"{describe(t)}")
    t = check_array(t, "t", where=where, ndim=(0, 1), shape_text="(N,)")
    if t.size and (t.min() < 0 or t.max() > T):
        raise ValueError(f"{where}: t must hold time steps in 0 .. T={T}, got values from "
                         f"{t.min():g} to {t.max():g}")
    t = np.asarray(t, dtype=np.float64).reshape(-1, 1) / T
    freqs = np.pi * 2.0 ** np.arange(dim // 2)           # 1, 2, 4, ... half-turns
    return np.concatenate([np.sin(freqs * t), np.cos(freqs * t)], axis=1)


class Denoiser(Module):
    """eps_hat(x_t, t): Linear-ReLU stack on [x_t, time_features(t)] -> noise of x_t's shape
    (N, D), ``config.depth`` hidden layers: the layout of ``nnlib.models.diffusion.Denoiser``."""

    def __init__(self, config: DiffusionConfig | None = None, *, rng=None, dtype=np.float64):
        c = _config(config, DiffusionConfig, "Denoiser")
        dtype = check_float_dtype(dtype, where="Denoiser")
        rng = initializers.as_rng(rng)
        self.config = c
        self.data_dim, self.T, self.time_dim = c.data_dim, c.T, c.time_dim
        sizes = [c.data_dim + c.time_dim] + [c.hidden] * c.depth
        layers: list[Module] = []
        for a, b in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [Linear(a, b, rng=rng, dtype=dtype), ReLU()]
        self.net = Sequential(*layers, Linear(sizes[-1], c.data_dim, rng=rng, dtype=dtype))

    def forward(self, x, t=None):
        x = _array(x, "x_t", ndim=2)
        if t is None:
            raise ValueError("Denoiser needs the time steps: call model(x_t, t)")
        features = time_features(t, self.T, self.time_dim)
        if features.shape[0] != x.shape[0]:
            raise ShapeError(f"t has {features.shape[0]} entries for {x.shape[0]} examples")
        return self.net(np.concatenate([x, features.astype(x.dtype)], axis=1))

    def __call__(self, x, t=None):
        return self.forward(x, t)

    def backward(self, grad_out):
        """dL/dx_t (the time features are not trained)."""
        return self.net.backward(grad_out)[:, :self.data_dim]


class NoisePredictor(Denoiser):
    """``Denoiser(DiffusionConfig(data_dim, hidden, depth=2, T=T, time_dim=time_dim))`` for
    short (two hidden layers)."""

    def __init__(self, data_dim: int = 2, hidden: int = 64, T: int = 100, time_dim: int = 8,
                 *, rng=None, dtype=np.float64):
        super().__init__(DiffusionConfig(data_dim=data_dim, hidden=hidden, depth=2, T=T,
                                         time_dim=time_dim), rng=rng, dtype=dtype)


def ddpm_sample(model, schedule: NoiseSchedule, n: int, data_dim: int = 2, *, rng=None,
                keep_every: int = 0):
    """Run the reverse chain from x_T ~ N(0, I) to x_0 with ``model(x_t, t)``; returns x_0.

    ``keep_every=k`` > 0 returns ``(x_0, frames)`` where frames maps step t -> x_t for
    t = T, T-k, ... (T stands for pure noise) and 0 for the final samples.
    """
    where = "ddpm_sample"
    check_callable(model, "model", where=where)
    _schedule(schedule, where)
    n = check_int(n, "n", minimum=1, where=where)
    data_dim = check_int(data_dim, "data_dim", minimum=1, where=where)
    if getattr(model, "data_dim", data_dim) != data_dim:
        raise ValueError(f"{where}: data_dim={data_dim} but the model denoises "
                         f"{model.data_dim}-dimensional data; pass data_dim={model.data_dim}")
    if getattr(model, "T", schedule.T) != schedule.T:
        raise ValueError(f"{where}: the schedule has T={schedule.T} steps but the model was "
                         f"built for T={model.T} (its time features would mean other steps); "
                         f"use linear_beta_schedule({model.T}) or a model with T={schedule.T}")
    keep_every = check_int(keep_every, "keep_every", minimum=0, where=where,
                           hint="0 returns the samples only")
    rng = initializers.as_rng(rng)
    x = rng.standard_normal((n, data_dim))
    frames = {schedule.T: x.copy()}
    for t in range(schedule.T - 1, -1, -1):
        eps = model(x, np.full(n, t))
        z = rng.standard_normal(x.shape) if t > 0 else None
        x = p_sample_step(x, t, eps, schedule, z)
        if keep_every and (t % keep_every == 0):
            frames[t] = x.copy()
    return (x, frames) if keep_every else x


# -- toy data -------------------------------------------------------------------------------
def ring_data(n: int, modes: int = 8, radius: float = 2.0, std: float = 0.05, *,
              rng=None) -> np.ndarray:
    """n points (n, 2) from ``modes`` Gaussians of width ``std`` evenly spaced on a circle."""
    n = check_int(n, "n", minimum=1, where="ring_data")
    modes = check_int(modes, "modes", minimum=1, where="ring_data")
    radius = check_float(radius, "radius", minimum=0, maximum=1e6, where="ring_data")
    std = check_float(std, "std", minimum=0, maximum=1e6, where="ring_data")
    rng = initializers.as_rng(rng)
    angles = 2 * np.pi * rng.integers(0, modes, n) / modes
    centres = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return centres + std * rng.standard_normal((n, 2))


def ring_coverage(samples, modes: int = 8, radius: float = 2.0, std: float = 0.05
                  ) -> tuple[int, float]:
    """(modes hit, fraction of good samples): a sample is good when it lies within 3 std of a
    mode's centre; a mode is hit when it holds at least 1 % of the samples (and 1 sample)."""
    where = "ring_coverage"
    samples = check_array(samples, "samples", where=where, shape=(None, 2),
                          shape_text="(N, 2)", allow_empty=False)
    modes = check_int(modes, "modes", minimum=1, where=where)
    radius = check_float(radius, "radius", minimum=0, maximum=1e6, where=where)
    std = check_float(std, "std", minimum=0, min_open=True, maximum=1e6, where=where)
    angles = 2 * np.pi * np.arange(modes) / modes
    centres = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)      # (M, 2)
    dist = np.linalg.norm(samples[:, None, :] - centres[None], axis=2)       # (N, M)
    nearest, good = dist.argmin(axis=1), dist.min(axis=1) < 3 * std
    counts = np.bincount(nearest[good], minlength=modes)
    hit = int(np.sum(counts >= max(1, 0.01 * len(samples))))
    return hit, float(good.mean())
