"""NumPy VAE, GAN and DDPM pieces: gradients against finite differences and torch.autograd
(float64), a NumPy GAN matched step for step to PyTorch, clear errors for bad input."""

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from nnlib.errors import NonFiniteError, NotForwardedError, ShapeError
from nnlib.scratch import Adam
from nnlib.scratch import generative as G
from nnlib.scratch.gradcheck import max_relative_error, numerical_gradient

rng = np.random.default_rng(0)


def t64(a, grad=False):
    return torch.tensor(np.array(a), dtype=torch.float64, requires_grad=grad)


# -- VAE pieces -------------------------------------------------------------------------------
def test_reparameterize_gradient_matches_finite_differences_and_autograd():
    mu, logvar, eps = rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    weights = rng.normal(size=(4, 3))          # L = sum(weights * z)
    g_mu, g_lv = G.reparameterize_backward(weights, logvar, eps)

    def loss():
        return np.sum(weights * G.reparameterize(mu, logvar, eps))

    assert max_relative_error(g_mu, numerical_gradient(loss, mu)) < 1e-7
    assert max_relative_error(g_lv, numerical_gradient(loss, logvar)) < 1e-7
    tm, tl = t64(mu, True), t64(logvar, True)
    (t64(weights) * (tm + torch.exp(0.5 * tl) * t64(eps))).sum().backward()
    np.testing.assert_allclose(g_mu, tm.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(g_lv, tl.grad.numpy(), rtol=1e-12)


def test_gaussian_kl_value_and_gradient():
    mu, logvar = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    tm, tl = t64(mu, True), t64(logvar, True)
    p = torch.distributions.Normal(tm, torch.exp(0.5 * tl))
    q = torch.distributions.Normal(torch.zeros_like(tm), torch.ones_like(tl))
    kl = torch.distributions.kl_divergence(p, q).sum() / 5
    kl.backward()
    assert G.gaussian_kl(mu, logvar) == pytest.approx(kl.item(), rel=1e-12)
    g_mu, g_lv = G.gaussian_kl_backward(mu, logvar)
    np.testing.assert_allclose(g_mu, tm.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(g_lv, tl.grad.numpy(), rtol=1e-12)
    assert max_relative_error(g_lv, numerical_gradient(lambda: G.gaussian_kl(mu, logvar),
                                                       logvar)) < 1e-7
    assert G.gaussian_kl(np.zeros((3, 2)), np.zeros((3, 2))) == 0.0


def test_bernoulli_nll_is_summed_bce_with_logits():
    logits, x = rng.normal(size=(3, 6)), rng.uniform(size=(3, 6))
    want = F.binary_cross_entropy_with_logits(t64(logits), t64(x), reduction="sum") / 3
    assert G.bernoulli_nll(logits, x) == pytest.approx(want.item(), rel=1e-12)


def test_numpy_vae_matches_pytorch_vae_in_float64():
    from nnlib.models.vae import VAE, VAEConfig, vae_loss

    torch.manual_seed(0)
    model = VAE(VAEConfig(in_features=12, hidden=7, latent=3)).double()
    mine = G.VAE.from_torch(model)
    x = rng.uniform(size=(5, 12))
    eps = rng.normal(size=(5, 3))
    loss = mine.loss(x, eps)
    mine.zero_grad()
    grad_x = mine.backward()
    tx = t64(x, True)
    logits, mu, logvar = model(tx, t64(eps))
    total, recon, kl = vae_loss(logits, tx, mu, logvar)
    total.backward()
    assert loss == pytest.approx(total.item(), rel=1e-12)
    assert mine.last_terms == pytest.approx((recon.item(), kl.item()), rel=1e-12)
    torch_params = [p for m in (model.encoder, model.decoder) for p in m.parameters()]
    for p_np, p_t in zip(mine.parameters(), torch_params, strict=True):
        want = p_t.grad.numpy().T if p_t.dim() == 2 else p_t.grad.numpy()
        np.testing.assert_allclose(p_np.grad, want, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(grad_x, tx.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_numpy_vae_gradient_matches_finite_differences():
    vae = G.VAE(G.VAEConfig(6, 5, 2), rng=1, dtype=np.float64)
    x, eps = rng.uniform(size=(3, 6)), rng.normal(size=(3, 2))
    vae.loss(x, eps)
    vae.zero_grad()
    vae.backward()
    for p in vae.parameters():
        numeric = numerical_gradient(lambda: vae.loss(x, eps), p.data)
        assert max_relative_error(p.grad, numeric) < 1e-6


def test_vae_backward_before_loss_is_explained():
    with pytest.raises(NotForwardedError, match="loss"):
        G.VAE(G.VAEConfig(4, 3, 2), rng=0).backward()


# -- GAN losses and one training step -----------------------------------------------------------
def test_gan_losses_and_gradients_match_autograd():
    real, fake = rng.normal(size=(6, 1)), rng.normal(size=(4, 1))
    loss, g_real, g_fake = G.discriminator_loss(real, fake)
    tr, tf = t64(real, True), t64(fake, True)
    want = (F.binary_cross_entropy_with_logits(tr, torch.ones_like(tr))
            + F.binary_cross_entropy_with_logits(tf, torch.zeros_like(tf)))
    want.backward()
    assert loss == pytest.approx(want.item(), rel=1e-12)
    np.testing.assert_allclose(g_real, tr.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(g_fake, tf.grad.numpy(), rtol=1e-12)
    for non_saturating in (True, False):
        loss, grad = G.generator_loss(fake, non_saturating)
        tf = t64(fake, True)
        p = torch.sigmoid(tf)
        want = -torch.log(p).mean() if non_saturating else torch.log(1 - p).mean()
        want.backward()
        assert loss == pytest.approx(want.item(), rel=1e-10)
        np.testing.assert_allclose(grad, tf.grad.numpy(), rtol=1e-10)
        numeric = numerical_gradient(lambda ns=non_saturating: G.generator_loss(fake, ns)[0],
                                     fake)
        assert max_relative_error(grad, numeric) < 1e-7


def test_minimax_generator_gradient_vanishes_when_d_rejects():
    _, sat = G.generator_loss(np.array([[-8.0]]), non_saturating=False)
    _, ns = G.generator_loss(np.array([[-8.0]]), non_saturating=True)
    assert abs(sat[0, 0]) < 1e-3 < abs(ns[0, 0])


def test_numpy_gan_matches_pytorch_step_for_step():
    from nnlib.models.gan import Discriminator, GANConfig, Generator, gan_train_step
    from nnlib.scratch import Linear, Sequential

    torch.manual_seed(0)
    config = GANConfig(data_dim=2, noise_dim=3, hidden=8)
    gen_t, disc_t = Generator(config).double(), Discriminator(config).double()

    def copy(seq_t, seq_np):
        for i, layer in enumerate(seq_t):
            if isinstance(layer, torch.nn.Linear):
                seq_np.layers[i] = Linear.from_torch(layer)
        return seq_np

    gen = copy(gen_t, G.mlp_generator(3, 8, 2, rng=0))
    disc = copy(disc_t, G.mlp_discriminator(2, 8, rng=0))
    assert isinstance(gen, Sequential)
    opt_g, opt_d = Adam(gen.parameters(), lr=2e-3, betas=(0.5, 0.999)), Adam(
        disc.parameters(), lr=2e-3, betas=(0.5, 0.999))
    topt_g = torch.optim.Adam(gen_t.parameters(), lr=2e-3, betas=(0.5, 0.999))
    topt_d = torch.optim.Adam(disc_t.parameters(), lr=2e-3, betas=(0.5, 0.999))
    for step in range(15):
        x, z = rng.normal(size=(16, 2)), rng.normal(size=(16, 3))
        mine = G.gan_train_step(gen, disc, opt_g, opt_d, x, z, non_saturating=step % 2 == 0)
        theirs = gan_train_step(gen_t, disc_t, topt_g, topt_d, t64(x), t64(z),
                                non_saturating=step % 2 == 0)
        for key in mine:
            assert mine[key] == pytest.approx(theirs[key], rel=1e-9, abs=1e-12)
    for layer_np, layer_t in zip(gen.layers, gen_t, strict=True):
        if isinstance(layer_t, torch.nn.Linear):
            np.testing.assert_allclose(layer_np.weight.data, layer_t.weight.detach().numpy().T,
                                       rtol=1e-9, atol=1e-12)


# -- DDPM ---------------------------------------------------------------------------------------
def test_schedule_and_q_sample_match_pytorch():
    from nnlib.models import diffusion as D

    mine, theirs = G.linear_beta_schedule(50, 1e-3, 0.1), D.NoiseSchedule(50, 1e-3, 0.1)
    np.testing.assert_allclose(mine.alpha_bars, theirs.alpha_bars.numpy(), rtol=1e-12)
    x0, noise, t = rng.normal(size=(6, 2)), rng.normal(size=(6, 2)), rng.integers(0, 50, 6)
    np.testing.assert_allclose(G.q_sample(x0, t, noise, mine),
                               D.q_sample(t64(x0), torch.tensor(t), t64(noise), theirs).numpy(),
                               rtol=1e-12)
    # the closed form equals t + 1 single steps x <- sqrt(1 - beta) x + sqrt(beta) e in law:
    # its variance for x0 = 0 is 1 - alpha_bar
    assert np.isclose(1 - mine.alpha_bars[-1], 1 - np.prod(1 - mine.betas))


def test_p_sample_step_and_time_features_match_pytorch():
    from nnlib.models import diffusion as D

    mine, theirs = G.linear_beta_schedule(20, 1e-3, 0.2), D.NoiseSchedule(20, 1e-3, 0.2)
    x, eps, z = rng.normal(size=(4, 2)), rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    for t in (19, 7, 0):
        np.testing.assert_allclose(G.p_sample_step(x, t, eps, mine, z),
                                   D.p_sample_step(t64(x), t, t64(eps), theirs, t64(z)).numpy(),
                                   rtol=1e-12)
    steps = np.array([0, 3, 19])
    np.testing.assert_allclose(G.time_features(steps, 20, 8),
                               D.time_features(torch.tensor(steps), 20, 8).numpy(), rtol=1e-12)


def test_noise_predictor_and_loss_gradients_match_autograd():
    from nnlib.models.diffusion import Denoiser, DiffusionConfig
    from nnlib.scratch import Linear

    torch.manual_seed(0)
    config = DiffusionConfig(data_dim=2, hidden=6, depth=2, T=10, time_dim=4)
    model_t = Denoiser(config).double()
    model = G.NoisePredictor(2, 6, 10, 4, rng=0)
    for i, layer in enumerate(model_t.net):
        if isinstance(layer, torch.nn.Linear):
            model.net.layers[i] = Linear.from_torch(layer)
    x, noise, t = rng.normal(size=(5, 2)), rng.normal(size=(5, 2)), rng.integers(0, 10, 5)
    loss, grad = G.noise_prediction_loss(model(x, t), noise)
    model.zero_grad()
    grad_x = model.backward(grad)
    tx = t64(x, True)
    want = ((model_t(tx, torch.tensor(t)) - t64(noise)) ** 2).mean()
    want.backward()
    assert loss == pytest.approx(want.item(), rel=1e-12)
    np.testing.assert_allclose(grad_x, tx.grad.numpy(), rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(model.net.layers[0].weight.grad,
                               model_t.net[0].weight.grad.numpy().T, rtol=1e-9, atol=1e-14)
    numeric = numerical_gradient(lambda: G.noise_prediction_loss(model(x, t), noise)[0], x)
    assert max_relative_error(grad_x, numeric) < 1e-6


def test_ddpm_sample_shapes_and_frames():
    schedule = G.linear_beta_schedule(10, 1e-3, 0.2)
    model = G.NoisePredictor(2, 8, 10, rng=0)
    x, frames = G.ddpm_sample(model, schedule, 7, rng=0, keep_every=5)
    assert x.shape == (7, 2) and sorted(frames) == [0, 5, 10]
    np.testing.assert_array_equal(frames[0], x)


# -- bad input ----------------------------------------------------------------------------------
def test_bad_input_gets_clear_errors():
    with pytest.raises(ShapeError, match="eps"):
        G.reparameterize(np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(NonFiniteError, match="logvar"):
        G.gaussian_kl(np.zeros((2, 3)), np.full((2, 3), np.nan))
    with pytest.raises(ShapeError, match="mu"):
        G.gaussian_kl(np.zeros(3), np.zeros(3))
    with pytest.raises(TypeError, match="fake_logits"):
        G.generator_loss(["a", "b"])
    with pytest.raises(TypeError, match="non_saturating"):
        G.generator_loss(np.zeros((2, 1)), non_saturating="yes")
    with pytest.raises(ValueError, match="T"):
        G.linear_beta_schedule(0)
    with pytest.raises(ValueError, match="beta_start"):
        G.linear_beta_schedule(10, 0.5, 0.1)
    schedule = G.linear_beta_schedule(10)
    with pytest.raises(ValueError, match="0 .. 9"):
        G.q_sample(np.zeros((2, 2)), np.array([0, 10]), np.zeros((2, 2)), schedule)
    with pytest.raises(TypeError, match="integer"):
        G.q_sample(np.zeros((2, 2)), np.array([0.5, 1.0]), np.zeros((2, 2)), schedule)
    with pytest.raises(ValueError, match="z"):
        G.p_sample_step(np.zeros((2, 2)), 3, np.zeros((2, 2)), schedule)
    with pytest.raises(ValueError, match="empty"):
        G.noise_prediction_loss(np.zeros((0, 2)), np.zeros((0, 2)))


# -- one set of names and configs for both halves --------------------------------------------
@pytest.mark.parametrize("name, module", [
    ("VAE", "vae"), ("VAEConfig", "vae"), ("Generator", "gan"), ("Discriminator", "gan"),
    ("GANConfig", "gan"), ("discriminator_loss", "gan"), ("generator_loss", "gan"),
    ("gan_train_step", "gan"), ("Denoiser", "diffusion"), ("DiffusionConfig", "diffusion"),
    ("NoiseSchedule", "diffusion"), ("time_features", "diffusion"), ("q_sample", "diffusion"),
    ("p_sample_step", "diffusion"),
])
def test_numpy_and_pytorch_generative_models_share_names_and_positional_arguments(name, module):
    import importlib
    import inspect

    theirs = getattr(importlib.import_module(f"nnlib.models.{module}"), name)
    mine = getattr(G, name)
    if name.endswith("Config"):
        assert mine is theirs                     # one config, defined once (torch-free)
        return

    def positional(fn):
        kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        return [p.name for p in inspect.signature(fn).parameters.values()
                if p.kind in kinds and p.name != "self"]

    a, b = positional(mine), positional(theirs)
    assert a[:len(b)] == b[:len(a)], (name, a, b)


def test_numpy_generative_classes_are_built_from_the_configs_like_pytorch():
    from nnlib.models import diffusion as D
    from nnlib.models import gan as T

    config = G.GANConfig(data_dim=3, noise_dim=2, hidden=5, output="sigmoid")
    for mine, theirs in ((G.Generator(config, rng=0), T.Generator(config)),
                         (G.Discriminator(config, rng=0), T.Discriminator(config))):
        assert [type(m).__name__ for m in mine] == [type(m).__name__ for m in theirs]
        assert [p.data.shape[::-1] for p in mine.parameters() if p.data.ndim == 2] == \
            [tuple(p.shape) for p in theirs.parameters() if p.ndim == 2]
    assert G.Generator(config, rng=0)(rng.normal(size=(4, 2))).max() < 1
    dconfig = G.DiffusionConfig(data_dim=2, hidden=6, depth=3, T=10, time_dim=4)
    mine, theirs = G.Denoiser(dconfig, rng=0), D.Denoiser(dconfig)
    assert [p.data.shape[::-1] for p in mine.parameters() if p.data.ndim == 2] == \
        [tuple(p.shape) for p in theirs.parameters() if p.ndim == 2]
    assert mine(rng.normal(size=(5, 2)), np.arange(5)).shape == (5, 2)
    np.testing.assert_allclose(G.NoiseSchedule(30, 1e-3, 0.1).alpha_bars,
                               D.NoiseSchedule(30, 1e-3, 0.1).alpha_bars.numpy(), rtol=1e-12)
    # the short forms build the same networks from the same seed
    a, b = G.mlp_generator(2, 8, 3, rng=4), G.Generator(G.GANConfig(3, 2, 8), rng=4)
    assert all(np.array_equal(p.data, q.data) for p, q in zip(a.parameters(), b.parameters()))
    with pytest.raises(TypeError, match="GANConfig"):
        G.Generator(3)
    with pytest.raises(TypeError, match="VAEConfig"):
        G.VAE(784)
