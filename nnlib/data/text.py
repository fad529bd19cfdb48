"""Tiny Shakespeare (1,115,394 characters, shipped inside nnlib) and a character vocabulary."""

from __future__ import annotations

import gzip
from functools import lru_cache
from importlib import resources

import numpy as np

from nnlib import _checks


@lru_cache(maxsize=1)
def load_shakespeare() -> str:
    """The whole tiny-Shakespeare corpus as one string."""
    ref = resources.files("nnlib.data").joinpath("files/tinyshakespeare.txt.gz")
    with ref.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as f:
        return f.read()


class CharVocab:
    """Maps characters to integer ids and back.

    >>> vocab = CharVocab("hello")
    >>> vocab.encode("hole")
    array([1, 3, 2, 0])
    >>> vocab.decode([1, 0, 2, 2, 3])
    'hello'
    """

    def __init__(self, text: str):
        if not isinstance(text, str):
            raise TypeError(f"CharVocab: text must be a str to collect characters from, got "
                            f"{_checks.describe(text)}")
        if not text:
            raise ValueError("CharVocab: text is empty; pass a non-empty string to collect "
                             "characters from")
        self.chars = sorted(set(text))
        self.stoi = {ch: i for i, ch in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    @property
    def size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        """(len(text),) int64 ids."""
        if not isinstance(text, str):
            raise TypeError(f"CharVocab.encode: text must be a str, got "
                            f"{_checks.describe(text)}")
        unknown = sorted(set(text) - self.stoi.keys())
        if unknown:
            raise ValueError(f"CharVocab.encode: text has characters not in the vocabulary: "
                             f"{unknown!r}")
        return np.fromiter((self.stoi[ch] for ch in text), dtype=np.int64, count=len(text))

    def decode(self, ids) -> str:
        ids = _checks.check_token_ids(ids, "ids", vocab_size=len(self.chars),
                                      where="CharVocab.decode").ravel()
        return "".join(self.chars[i] for i in ids.tolist())

    def __repr__(self) -> str:
        return f"CharVocab(size={len(self)})"


def shakespeare_splits(val_fraction: float = 0.1):
    """``(train_ids, val_ids, vocab)``: the encoded corpus, the last ``val_fraction`` held out."""
    _checks.check_float(val_fraction, "val_fraction", minimum=0, maximum=1, min_open=True,
                        max_open=True, where="shakespeare_splits")
    text = load_shakespeare()
    vocab = CharVocab(text)
    ids = vocab.encode(text)
    cut = int(len(ids) * (1 - val_fraction))
    return ids[:cut], ids[cut:], vocab
