"""PyTorch autoencoder, VAE, GAN and diffusion models; the train_steps loop."""

import math

import numpy as np
import pytest
import torch

from nnlib.errors import TrainingDivergedError
from nnlib.models.autoencoder import (
    Autoencoder,
    AutoencoderConfig,
    EncoderClassifier,
    add_noise,
    reconstruction_errors,
)
from nnlib.models.diffusion import (
    Denoiser,
    DiffusionConfig,
    NoiseSchedule,
    ddpm_loss,
    p_sample_step,
    q_sample,
    sample,
)
from nnlib.models.gan import (
    Discriminator,
    GANConfig,
    Generator,
    discriminator_loss,
    gan_train_step,
    generator_loss,
)
from nnlib.models.vae import VAE, VAEConfig, gaussian_kl, vae_loss
from nnlib.train.generative import StepHistory, minibatches, train_steps


def test_autoencoder_shapes_linear_variant_and_errors():
    torch.manual_seed(0)
    model = Autoencoder(AutoencoderConfig(in_features=20, hidden=(8,), latent=3))
    x = torch.rand(5, 20)
    assert model(x).shape == (5, 20) and model.encoder(x).shape == (5, 3)
    assert 0 <= model.reconstruct(x).min() and model.reconstruct(x).max() <= 1
    assert reconstruction_errors(model, x, batch_size=2).shape == (5,)
    linear = Autoencoder(AutoencoderConfig(in_features=20, hidden=(), latent=3, activation=None))
    assert all(isinstance(m, torch.nn.Linear) for m in linear.modules()
               if not isinstance(m, (torch.nn.Sequential, Autoencoder)))
    noisy = add_noise(x, 0.5, torch.Generator().manual_seed(0))
    assert noisy.shape == x.shape and noisy.min() >= 0 and noisy.max() <= 1
    clf = EncoderClassifier(model.encoder, 3, num_classes=4)
    assert clf(x).shape == (5, 4)
    with pytest.raises(ValueError, match="flatten"):
        model(torch.rand(5, 4, 5))
    with pytest.raises(ValueError, match="latent"):
        AutoencoderConfig(latent=0)
    with pytest.raises(ValueError, match="activation"):
        AutoencoderConfig(activation="sigmoid")
    with pytest.raises(ValueError, match="std"):
        add_noise(x, -1.0)


def test_vae_loss_terms_and_sampling():
    torch.manual_seed(0)
    vae = VAE(VAEConfig(in_features=12, hidden=6, latent=2))
    x = torch.rand(4, 12)
    logits, mu, logvar = vae(x)
    assert logits.shape == (4, 12) and mu.shape == logvar.shape == (4, 2)
    total, recon, kl = vae_loss(logits, x, mu, logvar)
    assert math.isclose(total.item(), recon.item() + kl.item(), rel_tol=1e-6)
    assert gaussian_kl(torch.zeros(3, 2), torch.zeros(3, 2)).item() == 0.0
    assert vae.sample(7, generator=torch.Generator().manual_seed(0)).shape == (7, 12)
    with pytest.raises(ValueError, match="beta"):
        vae_loss(logits, x, mu, logvar, beta=-1)
    with pytest.raises(ValueError, match="VAE"):
        vae(torch.rand(4, 11))
    with pytest.raises(TypeError, match="n"):
        vae.sample(2.5)


def test_gan_losses_and_a_step_that_trains_the_discriminator():
    torch.manual_seed(0)
    config = GANConfig(data_dim=2, noise_dim=2, hidden=16)
    G, D = Generator(config), Discriminator(config)
    logits = torch.tensor([[-3.0], [0.5]])
    assert torch.isclose(generator_loss(logits), -torch.log(torch.sigmoid(logits)).mean())
    assert torch.isclose(generator_loss(logits, non_saturating=False),
                         torch.log(1 - torch.sigmoid(logits)).mean())
    assert discriminator_loss(torch.full((3, 1), 20.0), torch.full((3, 1), -20.0)) < 1e-6
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-2)
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-2)
    x = torch.randn(64, 2) + 3
    g_before = [p.detach().clone() for p in G.parameters()]
    d_before = [p.detach().clone() for p in D.parameters()]
    z = torch.randn(64, 2)
    start = G(z).mean().item()
    for _ in range(40):
        values = gan_train_step(G, D, opt_g, opt_d, x, torch.randn(64, 2))
    assert set(values) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(math.isfinite(v) for v in values.values())
    assert all(not torch.equal(a, b) for a, b in zip(g_before, G.parameters()))
    assert all(not torch.equal(a, b) for a, b in zip(d_before, D.parameters()))
    assert abs(G(z).mean().item() - 3) < abs(start - 3)  # samples move towards the data
    with pytest.raises(TypeError, match="non_saturating"):
        generator_loss(logits, non_saturating=1)
    with pytest.raises(ValueError, match="output"):
        GANConfig(output="tanh")
    assert Generator(GANConfig(data_dim=5, output="sigmoid"))(torch.randn(3, 2)).max() <= 1


def test_diffusion_forward_closed_form_loss_and_sampling():
    torch.manual_seed(0)
    config = DiffusionConfig(data_dim=2, hidden=8, depth=1, T=10)
    schedule = NoiseSchedule(config.T, config.beta_start, config.beta_end)
    assert torch.allclose(schedule.alpha_bars, torch.cumprod(1 - schedule.betas, 0))
    x0 = torch.randn(6, 2, dtype=torch.float64)
    noise = torch.randn(6, 2, dtype=torch.float64)
    last = q_sample(x0, torch.full((6,), 9), noise, schedule)
    ab = schedule.alpha_bars[9]
    assert torch.allclose(last, ab.sqrt() * x0 + (1 - ab).sqrt() * noise)
    model = Denoiser(config)
    assert model(torch.randn(6, 2), torch.arange(6)).shape == (6, 2)
    loss = ddpm_loss(model, torch.randn(6, 2), schedule, torch.Generator().manual_seed(0))
    assert loss.dim() == 0 and loss.item() > 0
    assert sample(model, schedule, 5, torch.Generator().manual_seed(0)).shape == (5, 2)
    assert torch.equal(p_sample_step(x0, 0, noise, schedule),
                       (x0 - schedule.betas[0].item() / (1 - schedule.alpha_bars[0].item())
                        ** 0.5 * noise) / (1 - schedule.betas[0].item()) ** 0.5)
    with pytest.raises(ValueError, match="z"):
        p_sample_step(x0, 3, noise, schedule)
    with pytest.raises(ValueError, match="same shape"):
        q_sample(x0, torch.zeros(6, dtype=torch.long), noise[:, :1], schedule)
    with pytest.raises(ValueError, match="beta_end"):
        DiffusionConfig(beta_start=0.1, beta_end=0.01)


def test_train_steps_records_logs_and_detects_divergence(capsys):
    calls = []
    history = train_steps(lambda b: calls.append(b) or {"loss": 1.0 / b}, [1, 2, 4], steps=5,
                          log_every=2)
    assert calls == [1, 2, 4, 1, 2]  # a finite iterable restarts
    assert isinstance(history, StepHistory) and history.steps == 5
    assert history["loss"] == [1.0, 0.5, 0.25, 1.0, 0.5]
    assert history.last_mean("loss", 2) == 0.75
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["step 2/5  loss 0.7500", "step 4/5  loss 0.6250", "step 5/5  loss 0.5000"]
    with pytest.raises(TrainingDivergedError, match="at step 2: loss became nan"):
        train_steps(lambda s: {"loss": float("nan") if s == 2 else 1.0}, lambda s: s, steps=3)
    with pytest.raises(ValueError, match="empty"):
        train_steps(lambda b: {}, [], steps=1)
    with pytest.raises(TypeError, match="batches"):
        train_steps(lambda b: {}, 3, steps=1)
    with pytest.raises(TypeError, match="dict"):
        train_steps(lambda b: 1.0, [1], steps=1)
    with pytest.raises(ValueError, match="steps"):
        train_steps(lambda b: {}, [1], steps=0)
    with pytest.raises(TypeError, match="step_fn"):
        train_steps("step", [1], steps=1)


def test_train_steps_is_run_steps_with_a_custom_step():
    """The GAN step through train_steps: the same numbers as calling it by hand, and the loop's
    pieces (clipping, callbacks, device moves, stopping) reach a step that takes ``ctx``."""
    from nnlib.train import Callback, StepContext

    def setup():
        torch.manual_seed(0)
        config = GANConfig(data_dim=2, noise_dim=2, hidden=8)
        g, d = Generator(config), Discriminator(config)
        opts = torch.optim.Adam(g.parameters(), lr=1e-2), torch.optim.Adam(d.parameters(),
                                                                            lr=1e-2)
        return g, d, opts

    data = [(torch.randn(16, 2), torch.randn(16, 2)) for _ in range(3)]
    g, d, opts = setup()
    by_hand = [gan_train_step(g, d, *opts, x, z) for x, z in data + data[:1]]
    g, d, opts = setup()
    history = train_steps(lambda b: gan_train_step(g, d, *opts, *b), data, steps=4)
    assert history["d_loss"] == [v["d_loss"] for v in by_hand]
    assert history["g_loss"] == [v["g_loss"] for v in by_hand]

    class Recorder(Callback):
        def __init__(self):
            self.before, self.infos = [], []

        def on_before_step(self, model, optimizer):
            self.before.append(optimizer)

        def on_batch_end(self, info):
            self.infos.append(info)
            return info["batch"] == 1          # stop after the second step

    g, d, opts = setup()
    recorder, contexts = Recorder(), []

    def step(batch, ctx):
        contexts.append(ctx)
        return gan_train_step(g, d, *opts, *batch, ctx=ctx)

    history = train_steps(step, data, steps=4, clip_grad_norm=1e-3, callbacks=[recorder],
                          device="cpu")
    assert history.steps == 2 and isinstance(contexts[0], StepContext)
    assert recorder.before == [opts[1], opts[0]] * 2          # D's step, then G's
    assert all(math.isfinite(info["grad_norm"]) for info in recorder.infos)
    assert recorder.infos[0]["values"]["d_loss"] == history["d_loss"][0]
    total = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in g.parameters()]))
    assert total <= 1e-3 * 1.0001                             # clipped before G's step
    with pytest.raises(ValueError, match="precision"):
        train_steps(step, data, steps=1, device="cpu", precision="float8")


def test_minibatches_cover_each_epoch_and_accept_pairs():
    data = np.arange(10)
    batches = minibatches(data, 5, seed=0)
    epoch = np.concatenate([next(batches), next(batches)])
    assert sorted(epoch) == list(range(10))
    xs, ys = next(minibatches((torch.arange(6), torch.arange(6) * 2), 3, seed=1))
    assert torch.equal(ys, xs * 2)
    with pytest.raises(ValueError, match="batch_size"):
        next(minibatches(data, 11))


def test_clipped_sampling_step_equals_the_plain_one_when_nothing_is_clipped():
    schedule = NoiseSchedule(20, 1e-3, 0.2)
    x = torch.randn(4, 3, dtype=torch.float64) * 0.1
    eps, z = torch.randn(4, 3, dtype=torch.float64) * 0.1, torch.randn(4, 3, dtype=torch.float64)
    for t in (19, 5, 0):
        plain = p_sample_step(x, t, eps, schedule, z)
        assert torch.allclose(p_sample_step(x, t, eps, schedule, z, clip=(-100, 100)), plain)
    far = p_sample_step(x * 1000, 0, eps, schedule, clip=(-1.0, 1.0))
    assert far.abs().max() <= 1.0
