"""Byte-pair encoding (BPE) from scratch, on characters (notebook 12).

Real language models do not read characters: they read **tokens**, pieces of words learned
from the data by BPE (Sennrich, Haddow & Birch, 2016; GPT-2 runs it on bytes). Training is
a loop:

1. start from the characters, one token each;
2. count every pair of neighbouring tokens in the training text;
3. give the most frequent pair a new id (``"t" + "h" -> "th"``), replace it everywhere;
4. repeat ``num_merges`` times.

Encoding new text replays the merges in the order they were learned. Like GPT-2's
pre-tokenizer, merges never glue a token to whitespace that follows it, so a token is at most
one leading space or newline followed by non-space characters (``" the"``, ``"ing"``).
The counting and replacing are vectorised with NumPy, so a few hundred merges over a million
characters take seconds.
"""

from __future__ import annotations

import numpy as np

from nnlib import _checks

__all__ = ["BPETokenizer"]


def _merge(ids: np.ndarray, a: int, b: int, new_id: int) -> np.ndarray:
    """Replace each non-overlapping occurrence of the pair (a, b), left to right, by new_id."""
    hits = np.flatnonzero((ids[:-1] == a) & (ids[1:] == b))
    if a == b and hits.size > 1:                       # "aaa": merge at 0, not again at 1
        kept, last = [], -2
        for i in hits.tolist():
            if i != last + 1:
                kept.append(i)
                last = i
        hits = np.array(kept, dtype=np.int64)
    if hits.size == 0:
        return ids
    out = ids.copy()
    out[hits] = new_id
    keep = np.ones(len(ids), dtype=bool)
    keep[hits + 1] = False                             # the right half of every merged pair
    return out[keep]


def _check_chars(chars, where: str) -> list[str]:
    """The base characters: a str or a list of distinct one-character strings."""
    if isinstance(chars, str):
        chars = list(chars)
    _checks.check_iterable(chars, "chars", where=where,
                           hint="a str or a list of one-character strings")
    chars = list(chars)
    for i, ch in enumerate(chars):
        if not (isinstance(ch, str) and len(ch) == 1):
            raise TypeError(f"{where}: chars[{i}] must be one character (a str of length 1), "
                            f"got {_checks.describe(ch)}")
    if len(set(chars)) != len(chars):
        raise ValueError(f"{where}: chars must not repeat a character, got {chars!r}")
    return chars


class BPETokenizer:
    """A BPE vocabulary: base characters plus learned merges.

    ``tokens[i]`` is the text of token i; ``merges[k] = (a, b)`` made token
    ``len(chars) + k``. Build one with :meth:`train`.

    >>> bpe = BPETokenizer.train("low lower lowest", num_merges=3)
    >>> bpe.decode(bpe.encode("lowest low")) == "lowest low"
    True
    """

    def __init__(self, chars: list[str], merges: list[tuple[int, int]]):
        where = "BPETokenizer"
        self.chars = _check_chars(chars, where)
        self.stoi = {ch: i for i, ch in enumerate(self.chars)}
        _checks.check_iterable(merges, "merges", where=where,
                               hint="a list of (a, b) pairs of token ids")
        self.merges = []
        for k, pair in enumerate(merges):
            name = f"merges[{k}]"
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
                raise TypeError(f"{where}: {name} must be a pair (a, b) of token ids, got "
                                f"{_checks.describe(pair)}")
            n = len(self.chars) + k            # the tokens that exist before this merge
            self.merges.append(tuple(
                _checks.check_int(t, name, minimum=0, maximum=n - 1, where=where,
                                  hint="a merge joins two tokens made before it")
                for t in pair))
        self.tokens = list(self.chars)
        for a, b in self.merges:
            self.tokens.append(self.tokens[a] + self.tokens[b])

    def __len__(self) -> int:
        return len(self.tokens)

    def __repr__(self) -> str:
        return f"BPETokenizer({len(self.chars)} characters + {len(self.merges)} merges)"

    @classmethod
    def train(cls, text: str, num_merges: int, chars=None) -> BPETokenizer:
        """Learn ``num_merges`` merges from ``text``; stops early if no pair occurs twice.

        ``chars``: the base characters (default: those of ``text``). Pass the whole corpus's
        characters when learning from a sample, so that text outside the sample can be encoded.
        """
        where = "BPETokenizer.train"
        if not isinstance(text, str):
            raise TypeError(f"{where}: text must be a str, got {_checks.describe(text)}")
        if len(text) < 2:
            raise ValueError(f"{where}: text must have at least 2 characters, got {text!r}")
        num_merges = _checks.check_int(num_merges, "num_merges", minimum=0, where=where)
        chars = sorted(set(text) if chars is None else set(_check_chars(chars, where)))
        missing = sorted(set(text) - set(chars))
        if missing:
            raise ValueError(f"{where}: chars must contain every character of the text; "
                             f"missing {missing!r}")
        tokenizer = cls(chars, [])
        ids = tokenizer._chars_to_ids(text)
        size = len(chars) + num_merges
        # may_end[t]: token t may be the RIGHT half of a merge (it contains no whitespace)
        may_end = np.zeros(size, dtype=bool)
        may_end[:len(chars)] = [not ch.isspace() for ch in chars]
        merges = []
        for k in range(num_merges):
            n = len(chars) + k                                     # tokens so far
            counts = np.bincount(ids[:-1] * n + ids[1:], minlength=n * n).reshape(n, n)
            counts[:, ~may_end[:n]] = 0                            # never glue on whitespace
            best = int(counts.argmax())                            # ties: the smallest ids
            if counts.flat[best] < 2:
                break
            a, b = divmod(best, n)
            merges.append((a, b))
            may_end[n] = may_end[a]                        # whitespace only if a had some
            ids = _merge(ids, a, b, n)
        return cls(chars, merges)

    def _chars_to_ids(self, text: str) -> np.ndarray:
        if not isinstance(text, str):
            raise TypeError(f"BPETokenizer: text must be a str, got {_checks.describe(text)}")
        unknown = sorted(set(text) - self.stoi.keys())
        if unknown:
            raise ValueError(f"BPETokenizer: text has characters the tokenizer never saw: "
                             f"{unknown!r}")
        return np.array([self.stoi[ch] for ch in text], dtype=np.int64)

    def encode(self, text: str) -> np.ndarray:
        """(n_tokens,) int64 ids: the characters, then every merge in the learned order."""
        ids = self._chars_to_ids(text)
        for k, (a, b) in enumerate(self.merges):
            ids = _merge(ids, a, b, len(self.chars) + k)
        return ids

    def decode(self, ids) -> str:
        ids = _checks.check_token_ids(ids, "ids", vocab_size=len(self.tokens),
                                      where="BPETokenizer.decode").ravel().tolist()
        return "".join(self.tokens[i] for i in ids)
