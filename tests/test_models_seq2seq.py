"""The encoder-decoder Transformer: shapes, masks, teacher forcing, greedy decoding, learning."""

import numpy as np
import pytest
import torch

from nnlib.data.dates import DATE_FORMATS, DateVocab, date_task, format_date
from nnlib.models.seq2seq import (
    Seq2SeqConfig,
    Seq2SeqTransformer,
    seq2seq_accuracy,
    seq2seq_loss,
    shift_right,
    train_seq2seq,
)


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models train faster on one thread (and far faster on a busy machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def small_model(seed=0, **kwargs):
    torch.manual_seed(seed)
    config = dict(src_vocab_size=12, tgt_vocab_size=9, max_src_len=8, max_tgt_len=5,
                  d_model=16, num_heads=2, num_encoder_layers=2, num_decoder_layers=1,
                  dim_feedforward=32)
    config.update(kwargs)
    return Seq2SeqTransformer(Seq2SeqConfig(**config)).eval()


def test_shapes_and_attention():
    model = small_model()
    src = torch.tensor([[3, 4, 5, 6, 0, 0], [7, 8, 9, 10, 11, 2]])         # (B, S), 0 = pad
    tgt_in = torch.tensor([[1, 2, 3], [1, 4, 5]])                           # (B, T)
    logits, att = model(src, tgt_in, return_attention=True)
    assert logits.shape == (2, 3, 9)
    assert [w.shape for w in att["encoder"]] == [(2, 2, 6, 6)] * 2
    assert [w.shape for w in att["decoder"]] == [(2, 2, 3, 3)]
    assert [w.shape for w in att["cross"]] == [(2, 2, 3, 6)]
    cross = att["cross"][0]
    assert torch.all(cross[0, :, :, 4:] == 0)              # padded source keys get no weight
    assert torch.allclose(cross.sum(-1), torch.ones(2, 2, 3))
    assert torch.all(att["decoder"][0].triu(1) == 0)       # causal: no weight on the future
    assert torch.allclose(model(src, tgt_in), logits)


def test_padding_content_and_future_targets_do_not_matter():
    model = small_model()
    src = torch.tensor([[3, 4, 5, 0, 0, 0]])
    tgt_in = torch.tensor([[1, 2, 3, 4]])
    logits = model(src, tgt_in)
    # the decoder's output at position t depends on tgt_in[:, :t + 1] only
    changed = tgt_in.clone()
    changed[0, 3] = 7
    assert torch.allclose(model(src, changed)[:, :3], logits[:, :3], atol=1e-6)
    # trailing padding is ignored: the same source with less padding gives the same output
    assert torch.allclose(model(src[:, :4], tgt_in), logits, atol=1e-5)


def test_cross_attention_has_its_own_weights():
    model = small_model()
    block = model.decoder[0]
    assert block.cross_attn is not block.self_attn
    names = [n for n, _ in model.named_parameters()]
    assert any(".cross_attn." in n for n in names)


def test_shift_right_is_teacher_forcing_input():
    tgt = torch.tensor([[5, 6, 7], [8, 9, 4]])
    assert shift_right(tgt, 1).tolist() == [[1, 5, 6], [1, 8, 9]]


def test_greedy_decode_matches_step_by_step_argmax():
    model = small_model(seed=1)
    src = torch.tensor([[3, 4, 5, 6, 0], [7, 8, 9, 10, 11]])
    out = model.greedy_decode(src, 4)
    assert out.shape == (2, 4)
    # feeding the greedy output back with teacher forcing reproduces it
    logits = model(src, shift_right(out, model.config.bos_id))
    assert torch.equal(logits.argmax(-1), out)
    out2, att = model.greedy_decode(src, 4, return_attention=True)
    assert torch.equal(out, out2) and att["cross"][0].shape == (2, 2, 4, 5)


@pytest.mark.parametrize("bad", [
    dict(d_model=10, num_heads=4), dict(num_encoder_layers=0), dict(dropout=1.0),
    dict(max_src_len=2.0)])
def test_bad_config(bad):
    with pytest.raises((ValueError, TypeError)):
        small_model(**bad)


def test_bad_inputs():
    model = small_model()
    with pytest.raises((ValueError, TypeError)):
        model(torch.zeros(1, 3), torch.ones(1, 2, dtype=torch.long))        # float ids
    with pytest.raises(ValueError):
        model(torch.tensor([[3, 40]]), torch.tensor([[1]]))                 # id >= vocab
    with pytest.raises(ValueError):
        model(torch.tensor([[0, 0]]), torch.tensor([[1]]))                  # all padding
    with pytest.raises(ValueError):
        model(torch.ones(1, 9, dtype=torch.long), torch.tensor([[1]]))     # longer than max
    with pytest.raises((ValueError, TypeError)):
        model.greedy_decode(torch.tensor([[3, 4]]), 6)                      # > max_tgt_len
    with pytest.raises(TypeError):
        Seq2SeqTransformer({"d_model": 8})


def test_dates():
    vocab = DateVocab()
    src, tgt, texts = date_task(50, seed=3)
    assert src.shape == (50, 18) and tgt.shape == (50, 10)
    assert src.dtype == tgt.dtype == np.int64
    for row_src, row_tgt, (source, target) in zip(src, tgt, texts):
        assert vocab.decode(row_src) == source and vocab.decode(row_tgt) == target
        assert len(target) == 10 and target[4] == "-" and target[7] == "-"
    again = date_task(50, seed=3)
    assert np.array_equal(again[0], src) and np.array_equal(again[1], tgt)
    import datetime
    day = datetime.date(1994, 3, 7)
    assert [format_date(day, f) for f in DATE_FORMATS] == [
        "7 March 1994", "March 7, 1994", "7 Mar 1994", "07.03.1994"]
    with pytest.raises(ValueError):
        format_date(day, "7/3/94")
    with pytest.raises(ValueError):
        vocab.encode("7 März 1994")
    with pytest.raises(ValueError):
        date_task(0)


def test_learns_dates_a_little():
    vocab = DateVocab()
    src, tgt, _ = date_task(256, seed=0)
    torch.manual_seed(0)
    model = Seq2SeqTransformer(Seq2SeqConfig(len(vocab), len(vocab), max_src_len=18,
                                             max_tgt_len=10, d_model=16, num_heads=2,
                                             num_encoder_layers=1, num_decoder_layers=1,
                                             dim_feedforward=32))
    before = seq2seq_loss(model, torch.as_tensor(src[:64]), torch.as_tensor(tgt[:64])).item()
    losses = train_seq2seq(model, src, tgt, steps=20, batch_size=32, lr=1e-2, seed=0,
                           progress=False)
    assert len(losses) == 20 and losses[-1] < 0.6 * before
    char_acc, seq_acc = seq2seq_accuracy(model, src[:64], tgt[:64])
    assert 0.0 <= seq_acc <= char_acc <= 1.0 and char_acc > 0.15   # chance: 1/42
