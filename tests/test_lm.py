"""Language-model utilities of notebook 12: batches, evaluation, schedule, training loop."""

import math

import numpy as np
import pytest
import torch

from nnlib.data import CharVocab, get_batch
from nnlib.errors import ShapeError, TrainingDivergedError
from nnlib.models.gpt import GPT, GPTConfig
from nnlib.train.lm import (
    LMHistory,
    TrainConfig,
    estimate_loss,
    generate_text,
    lr_multiplier,
    make_scheduler,
    train_lm,
)


def pattern_stream(length=3000, seed=0):
    """A stream with learnable structure: 'abcde' repeated, with 10% random letters."""
    rng = np.random.default_rng(seed)
    ids = np.arange(length) % 5
    noise = rng.random(length) < 0.1
    ids[noise] = rng.integers(0, 5, noise.sum())
    return ids.astype(np.int64)


def small_gpt(seed=0, vocab_size=5, block_size=8):
    torch.manual_seed(seed)
    return GPT(GPTConfig(vocab_size=vocab_size, block_size=block_size, n_layer=1, n_head=2,
                         n_embd=16))


# -- batches ------------------------------------------------------------------------------------
def test_get_batch_cuts_windows_and_shifts_targets():
    ids = np.arange(100) * 3            # every window is easy to locate in the stream
    x, y = get_batch(ids, batch_size=5, block_size=7, generator=torch.Generator().manual_seed(0))
    assert x.shape == y.shape == (5, 7) and x.dtype == y.dtype == torch.long
    assert torch.equal(x[:, 1:], y[:, :-1])
    for row_x, row_y in zip(x, y):
        start = int(row_x[0]) // 3
        assert torch.equal(row_x, torch.arange(start, start + 7) * 3)
        assert torch.equal(row_y, torch.arange(start + 1, start + 8) * 3)


def test_get_batch_reaches_both_ends_of_the_stream():
    ids = torch.arange(10)
    x, y = get_batch(ids, batch_size=500, block_size=4, generator=torch.Generator().manual_seed(0))
    assert int(x[:, 0].min()) == 0 and int(y[:, -1].max()) == 9


def test_get_batch_is_reproducible_and_seed_dependent():
    ids = pattern_stream()
    a, b, c = (get_batch(ids, batch_size=4, block_size=8,
                         generator=torch.Generator().manual_seed(seed)) for seed in (1, 1, 2))
    assert torch.equal(a[0], b[0]) and not torch.equal(a[0], c[0])


@pytest.mark.parametrize("ids, block, batch, error, message", [
    (np.arange(8), 8, 2, ValueError, "8 tokens; it needs more than block_size=8"),
    (np.zeros((3, 4), dtype=np.int64), 2, 2, ShapeError, r"1 dimensions, got shape \(3, 4\)"),
    (np.linspace(0, 1, 20), 2, 2, TypeError, "integer token ids, got dtype torch.float64"),
    (np.arange(20), 0, 2, ValueError, "block_size must be an int >= 1"),
    (np.arange(20), 2, 0, ValueError, "batch_size must be an int >= 1"),
])
def test_get_batch_explains_bad_input(ids, block, batch, error, message):
    with pytest.raises(error, match=message):
        get_batch(ids, batch_size=batch, block_size=block)



# -- evaluation ---------------------------------------------------------------------------------
def test_estimate_loss_uses_fixed_batches_and_restores_the_mode():
    model = small_gpt().train()
    ids = pattern_stream()
    splits = {"train": ids[:2000], "val": ids[2000:]}
    a = estimate_loss(model, splits, batch_size=4, eval_iters=3, seed=5)
    b = estimate_loss(model, splits, batch_size=4, eval_iters=3, seed=5)
    c = estimate_loss(model, splits, batch_size=4, eval_iters=3, seed=6)
    assert a == b and a != c and set(a) == {"train", "val"}
    assert model.training
    # the same number by hand
    generator = torch.Generator().manual_seed(5)
    model.eval()
    losses = [model(*get_batch(splits["val"], batch_size=4, block_size=8,
                              generator=generator))[1].item() for _ in range(3)]
    assert a["val"] == pytest.approx(np.mean(losses), rel=1e-6)


def test_estimate_loss_turns_dropout_off():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=5, block_size=8, n_layer=1, n_head=2, n_embd=16,
                          dropout=0.5))
    splits = {"val": pattern_stream()}
    assert estimate_loss(model, splits, eval_iters=2) == estimate_loss(model, splits, eval_iters=2)


# -- schedule -----------------------------------------------------------------------------------
def test_lr_multiplier_warms_up_then_follows_a_cosine():
    warmup, decay, floor = 10, 110, 0.1
    values = [lr_multiplier(s, warmup, decay, floor) for s in range(130)]
    assert values[0] == pytest.approx(0.1) and values[9] == pytest.approx(1.0)
    assert np.all(np.diff(values[:10]) > 0)
    assert np.all(np.diff(values[10:111]) < 0)
    assert values[60] == pytest.approx(floor + (1 - floor) * 0.5)   # half way: cos(pi/2) = 0
    assert values[110] == values[129] == pytest.approx(floor)
    assert lr_multiplier(0, 0, 100, 0.1) == pytest.approx(1.0)    # no warmup: start at the peak


def test_scheduler_drives_the_optimizer_learning_rate():
    config = TrainConfig(max_iters=50, lr=2e-3, min_lr=2e-4, warmup_iters=5)
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=config.lr)
    scheduler = make_scheduler(optimizer, config)
    seen = []
    for _ in range(60):
        seen.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    expected = [2e-3 * lr_multiplier(s, 5, 50, 0.1) for s in range(60)]
    assert np.allclose(seen, expected)
    assert max(seen) == pytest.approx(2e-3) and seen[-1] == pytest.approx(2e-4)


@pytest.mark.parametrize("kwargs, message", [
    (dict(max_iters=0), "max_iters"), (dict(batch_size=2.5), "batch_size"),
    (dict(lr=-1.0), "lr"), (dict(lr=1e-3, min_lr=1e-2), "min_lr <= lr"),
    (dict(warmup_iters=-5), "warmup_iters"), (dict(grad_clip=0.0), "grad_clip"),
    (dict(max_seconds=0), "max_seconds"),
])
def test_train_config_rejects_silly_values(kwargs, message):
    with pytest.raises((TypeError, ValueError), match=message):  # 2.5 for an int: TypeError
        TrainConfig(**kwargs)


# -- training loop ------------------------------------------------------------------------------
def quick_config(**overrides):
    kwargs = dict(max_iters=60, batch_size=8, lr=1e-2, min_lr=1e-3, warmup_iters=5,
                  eval_interval=20, eval_iters=2, eval_batch_size=8)
    kwargs.update(overrides)
    return TrainConfig(**kwargs)


@pytest.mark.slow  # a training run / stress test: make test runs it, make unit-fast does not
def test_train_lm_learns_a_pattern_and_records_history():
    ids = pattern_stream()
    model = small_gpt()
    lines = []
    history = train_lm(model, quick_config(), ids[:2400], ids[2400:], log=lines.append)
    assert isinstance(history, LMHistory)
    assert history.steps == 60 and len(history.train_loss) == len(history.lr) == 60
    assert history.eval_step == [0, 20, 40, 60]
    assert len(lines) == 4 and lines[0].startswith("step     0 | train loss")
    # ln(5) = 1.61 at the start; 90% predictable -> far lower after training
    assert history.eval_val[0] > 1.5 and history.eval_val[-1] < 0.9
    assert history.best_val == min(history.eval_val)
    assert history.first_reaching(0.9)[0] <= 60 and history.first_reaching(0.0) is None
    assert history.seconds > 0 and not history.stopped_by_time
    assert history.lr[0] == pytest.approx(1e-2 / 5)     # first warmup step
    assert max(history.lr) == pytest.approx(1e-2)


@pytest.mark.slow  # a training run / stress test: make test runs it, make unit-fast does not
def test_train_lm_is_reproducible():
    ids = pattern_stream()
    runs = [train_lm(small_gpt(), quick_config(max_iters=15), ids[:2400], ids[2400:], log=None)
            for _ in range(2)]
    assert runs[0].train_loss == runs[1].train_loss and runs[0].eval_val == runs[1].eval_val


def test_train_lm_stops_when_the_time_budget_is_spent():
    ids = pattern_stream()
    history = train_lm(small_gpt(), quick_config(max_seconds=1e-9), ids[:2400], ids[2400:],
                       log=None)
    assert history.steps == 1 and history.stopped_by_time
    assert history.eval_step == [0, 1]


class RecordingSGD(torch.optim.SGD):
    """SGD that remembers the gradient norm it was handed at each step."""

    def __init__(self, params, lr):
        super().__init__(params, lr=lr)
        self.norms = []

    def step(self, closure=None):
        grads = [p.grad for g in self.param_groups for p in g["params"] if p.grad is not None]
        self.norms.append(torch.linalg.vector_norm(torch.stack(
            [torch.linalg.vector_norm(g) for g in grads])).item())
        return super().step(closure)


@pytest.mark.parametrize("clip", [0.05, None])
def test_train_lm_clips_the_gradient_norm(clip):
    ids = pattern_stream()
    model = small_gpt()
    optimizer = RecordingSGD(model.parameters(), lr=0.1)
    train_lm(model, quick_config(max_iters=5, grad_clip=clip), ids[:2400], ids[2400:],
             optimizer=optimizer, log=None, eval_at_start=False)
    if clip is None:
        assert max(optimizer.norms) > 0.1
    else:
        assert max(optimizer.norms) == pytest.approx(clip, rel=1e-4)


def test_train_lm_stops_on_a_non_finite_loss():
    ids = pattern_stream()
    model = small_gpt()
    with torch.no_grad():
        model.transformer.ln_f.weight.fill_(float("nan"))
    with pytest.raises(TrainingDivergedError, match=r"at step 1: the loss became nan .*grad_clip"):
        train_lm(model, quick_config(), ids[:2400], ids[2400:], log=None, eval_at_start=False)


def test_train_lm_wants_a_train_config():
    with pytest.raises(TypeError, match="TrainConfig"):
        train_lm(small_gpt(), {"max_iters": 3}, pattern_stream(), pattern_stream())


# -- text in, text out --------------------------------------------------------------------------
def test_generate_text_is_seeded_and_excludes_the_prompt():
    vocab = CharVocab("abcde")
    model = small_gpt()
    a = generate_text(model, vocab, "abc", 20, temperature=1.0, seed=1)
    b = generate_text(model, vocab, "abc", 20, temperature=1.0, seed=1)
    c = generate_text(model, vocab, "abc", 20, temperature=1.0, seed=2)
    assert len(a) == 20 and a == b and a != c and set(a) <= set("abcde")
    greedy = generate_text(model, vocab, "abc", 5, temperature=0)
    idx = torch.from_numpy(vocab.encode("abc"))[None]
    assert greedy == vocab.decode(model.generate(idx, 5, temperature=0)[0, 3:].numpy())


def test_generate_text_explains_bad_prompts():
    vocab = CharVocab("abcde")
    with pytest.raises(ValueError, match="non-empty"):
        generate_text(small_gpt(), vocab, "", 5)
    with pytest.raises(ValueError, match="not in the vocabulary"):
        generate_text(small_gpt(), vocab, "xyz", 5)


def test_lr_multiplier_is_never_zero_or_negative():
    assert all(lr_multiplier(s, 3, 20, 0.0) >= 0 for s in range(30))
    assert math.isclose(lr_multiplier(20, 3, 20, 0.0), 0.0)
