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


class BPETokenizer:
    """A BPE vocabulary: base characters plus learned merges.

    ``tokens[i]`` is the text of token i; ``merges[k] = (a, b)`` made token
    ``len(chars) + k``. Build one with :meth:`train`.

    >>> bpe = BPETokenizer.train("low lower lowest", num_merges=3)
    >>> bpe.decode(bpe.encode("lowest low")) == "lowest low"
    True
    """

    def __init__(self, chars: list[str], merges: list[tuple[int, int]]):
        self.chars = list(chars)
        self.stoi = {ch: i for i, ch in enumerate(self.chars)}
        self.merges = [(int(a), int(b)) for a, b in merges]
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
        if not isinstance(text, str) or len(text) < 2:
            raise ValueError("BPE needs a training text of at least 2 characters")
        if not isinstance(num_merges, int) or num_merges < 0:
            raise ValueError(f"num_merges must be a non-negative integer, got {num_merges!r}")
        chars = sorted(set(text) if chars is None else set(chars))
        missing = sorted(set(text) - set(chars))
        if missing:
            raise ValueError(f"chars must contain every character of the text; missing {missing!r}")
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
        unknown = sorted(set(text) - self.stoi.keys())
        if unknown:
            raise ValueError(f"characters the tokenizer never saw: {unknown!r}")
        return np.array([self.stoi[ch] for ch in text], dtype=np.int64)

    def encode(self, text: str) -> np.ndarray:
        """(n_tokens,) int64 ids: the characters, then every merge in the learned order."""
        ids = self._chars_to_ids(text)
        for k, (a, b) in enumerate(self.merges):
            ids = _merge(ids, a, b, len(self.chars) + k)
        return ids

    def decode(self, ids) -> str:
        ids = np.asarray(ids).ravel().tolist()
        if any(not 0 <= i < len(self.tokens) for i in ids):
            raise ValueError(f"token ids must lie in [0, {len(self.tokens) - 1}]")
        return "".join(self.tokens[i] for i in ids)
