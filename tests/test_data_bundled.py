"""The data shipped inside nnlib: MNIST (5,000 digits) and tiny Shakespeare."""

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from nnlib.data import (
    CharVocab,
    _build,
    load_mnist,
    load_shakespeare,
    mnist_dataloaders,
    mnist_datasets,
    shakespeare_splits,
)

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def test_mnist_split_sizes_are_stratified():
    _, y_train = load_mnist("train")
    _, y_test = load_mnist("test")
    assert np.bincount(y_train).tolist() == [400] * 10
    assert np.bincount(y_test).tolist() == [100] * 10


def test_mnist_formats():
    x, y = load_mnist("train")
    assert x.shape == (4000, 784) and x.dtype == np.float32 and y.dtype == np.int64
    assert 0.0 <= x.min() and x.max() == 1.0
    raw, _ = load_mnist("test", flatten=False, normalize=False)
    assert raw.shape == (1000, 28, 28) and raw.dtype == np.uint8 and raw.max() == 255
    x64, _ = load_mnist("test", dtype=np.float64)
    assert x64.dtype == np.float64
    np.testing.assert_allclose(x64.reshape(-1, 28, 28), raw / 255.0)


def test_mnist_is_shuffled_and_train_test_disjoint():
    x_train, y_train = load_mnist("train", normalize=False)
    x_test, _ = load_mnist("test", normalize=False)
    # sorted by class in the source: the split must mix the classes
    assert len(set(y_train[:50].tolist())) > 5
    train_rows = {row.tobytes() for row in x_train}
    assert not any(row.tobytes() in train_rows for row in x_test)


def test_mnist_returns_fresh_copies():
    x, _ = load_mnist("train", normalize=False)
    x[0] = 0
    again, _ = load_mnist("train", normalize=False)
    assert again[0].any()


def test_bundle_rebuilds_from_the_recorded_sources():
    if not SHARED_DATA.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{SHARED_DATA} is missing in CI: cannot check the bundled data")
        pytest.skip("the source data folder ../shared/data is not beside this clone")
    rebuilt = _build.build_mnist(SHARED_DATA)
    for split in ("train", "test"):
        x, y = load_mnist(split, flatten=False, normalize=False)
        np.testing.assert_array_equal(x, rebuilt[f"x_{split}"])
        np.testing.assert_array_equal(y, rebuilt[f"y_{split}"])
    assert load_shakespeare().encode("utf-8") == _build.build_shakespeare(SHARED_DATA)


def test_shakespeare_is_the_recorded_corpus():
    text = load_shakespeare()
    assert len(text) == 1_115_394
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert digest == _build.SOURCE_SHA256["tinyshakespeare.txt"]


def test_split_is_a_partition_of_the_labels():
    labels = np.repeat(np.arange(10), 500)
    images = np.arange(5000)
    x_tr, y_tr, x_te, y_te = _build.split_mnist(images, labels)
    assert sorted(np.concatenate([x_tr, x_te]).tolist()) == list(range(5000))
    assert np.all(labels[x_tr] == y_tr) and np.all(labels[x_te] == y_te)


@pytest.mark.parametrize("kwargs, message", [
    ({"split": "validation"}, "split must be one of 'train', 'test'"),
    ({"source": "internet"}, "source must be one of"),
    ({"fashion": True}, "Fashion-MNIST is not bundled"),
    ({"dtype": np.int32}, "dtype must be a floating dtype"),   # was: silently float64
    ({"flatten": "yes"}, "flatten must be True or False"),
])
def test_mnist_bad_arguments(kwargs, message):
    with pytest.raises((TypeError, ValueError), match=message):
        load_mnist(**kwargs)


def test_mnist_dataloaders_bad_seed_names_the_argument():
    pytest.importorskip("torch")
    from nnlib.data import mnist_dataloaders

    with pytest.raises(TypeError, match="mnist_dataloaders: seed must be an int >= 0, got 'a'"):
        mnist_dataloaders(seed="a")


def test_torch_datasets_and_loaders():
    train, test = mnist_datasets()
    x, y = train[0]
    assert x.shape == (1, 28, 28) and x.dtype == torch.float32 and y.dtype == torch.int64
    assert len(train) == 4000 and len(test) == 1000
    loader, test_loader = mnist_dataloaders(batch_size=32, seed=3)
    xb, yb = next(iter(loader))
    assert xb.shape == (32, 1, 28, 28) and yb.shape == (32,)
    again, _ = mnist_dataloaders(batch_size=32, seed=3)
    assert torch.equal(next(iter(again))[1], yb)
    other, _ = mnist_dataloaders(batch_size=32, seed=4)
    assert not torch.equal(next(iter(other))[1], yb)
    assert torch.equal(next(iter(test_loader))[1], test.tensors[1][:32])


def test_datasets_normalise_and_transform():
    flat_train, _ = mnist_datasets(flatten=True)
    x = flat_train.tensors[0]
    assert x.shape == (4000, 784)
    assert abs(float(x.mean())) < 0.05 and abs(float(x.std()) - 1) < 0.05
    flipped, _ = mnist_datasets(transform=lambda img: img.flip(-1))
    plain, _ = mnist_datasets()
    assert torch.equal(flipped[5][0], plain[5][0].flip(-1))


def test_dataloader_rejects_bad_batch_size():
    with pytest.raises(ValueError, match="batch_size must be an int >= 1"):
        mnist_dataloaders(batch_size=0)


def test_char_vocab_round_trip_and_errors():
    vocab = CharVocab("hello world")
    ids = vocab.encode("low")
    assert ids.dtype == np.int64 and vocab.decode(ids) == "low"
    assert len(vocab) == len(set("hello world"))
    with pytest.raises(ValueError, match="not in the vocabulary: \\['z'\\]"):
        vocab.encode("z")
    with pytest.raises(ValueError, match="ids must hold token ids in"):
        vocab.decode([0, 99])
    with pytest.raises(ValueError, match="non-empty string"):
        CharVocab("")


def test_shakespeare_splits():
    train, val, vocab = shakespeare_splits(0.1)
    assert len(train) + len(val) == 1_115_394 and len(vocab) == 65
    assert vocab.decode(train[:14]) == "First Citizen:"
    with pytest.raises(ValueError, match=r"val_fraction must be a finite number in \(0, 1\)"):
        shakespeare_splits(1.5)


def test_full_source_falls_back_to_bundled_with_one_line(monkeypatch, tmp_path, capsys):
    from nnlib.data import download

    def refuse(name, root=None):
        raise download.DownloadError(name, "no network here")

    monkeypatch.setattr(download, "fetch_full", refuse)
    x, y = load_mnist("test", source="full")
    assert x.shape == (1000, 784)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "using the bundled 5,000-digit subset" in out[0]
    with pytest.raises(download.DownloadError, match="no network here"):
        load_mnist("test", source="full", fashion=True)
