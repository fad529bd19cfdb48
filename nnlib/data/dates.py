"""A small sequence-to-sequence task: dates written in several ways -> ISO dates (notebook 11).

``date_task(n, seed)`` draws ``n`` random dates between 1950 and 2049 and writes each in one of
four human formats (the source) and as ``YYYY-MM-DD`` (the target)::

    "7 March 1994"    -> "1994-03-07"
    "March 7, 1994"   -> "1994-03-07"
    "7 Mar 1994"      -> "1994-03-07"
    "07.03.1994"      -> "1994-03-07"

Sources have different lengths (10 to 18 characters), so a batch of them is padded with
``DateVocab.PAD``; targets always have 10 characters. A model must find the year, the month
and the day wherever the format put them, and turn a month's name into its number: a job for
an encoder (read the source in both directions) and a decoder that attends to it.
"""

from __future__ import annotations

import datetime

import numpy as np

from nnlib import _checks

__all__ = ["DATE_FORMATS", "DateVocab", "date_task", "format_date"]

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
DATE_FORMATS = ("day month year", "month day, year", "day mon year", "dd.mm.yyyy")
TARGET_LEN = 10                                # "YYYY-MM-DD"
MAX_SOURCE_LEN = 18                            # "September 30, 2049"
_FIRST = datetime.date(1950, 1, 1).toordinal()
_LAST = datetime.date(2049, 12, 31).toordinal()


def format_date(date: datetime.date, style: str) -> str:
    """``date`` written in one of :data:`DATE_FORMATS`."""
    _checks.check_instance(date, "date", datetime.date, "a datetime.date",
                           where="format_date", hint="e.g. datetime.date(1994, 3, 7)")
    _checks.check_choice(style, "style", DATE_FORMATS, where="format_date")
    month = MONTHS[date.month - 1]
    if style == "day month year":
        return f"{date.day} {month} {date.year}"
    if style == "month day, year":
        return f"{month} {date.day}, {date.year}"
    if style == "day mon year":
        return f"{date.day} {month[:3]} {date.year}"
    if style == "dd.mm.yyyy":
        return f"{date.day:02d}.{date.month:02d}.{date.year}"
    raise ValueError(f"unknown date style {style!r}; choose one of {DATE_FORMATS}")


class DateVocab:
    """Characters of both sides plus two special tokens: ``PAD`` (id 0) and ``BOS`` (id 1).

    >>> vocab = DateVocab()
    >>> vocab.decode(vocab.encode("1994-03-07"))
    '1994-03-07'
    """

    PAD, BOS = 0, 1
    SPECIALS = ("<pad>", "<bos>")

    def __init__(self):
        chars = set("0123456789-., ") | set("".join(MONTHS))
        self.tokens = list(self.SPECIALS) + sorted(chars)
        self.stoi = {tok: i for i, tok in enumerate(self.tokens)}

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, text: str) -> np.ndarray:
        """(len(text),) int64 ids of the characters of ``text``."""
        if not isinstance(text, str):
            raise TypeError(f"DateVocab.encode: text must be a str, got "
                            f"{_checks.describe(text)}")
        unknown = sorted(set(text) - self.stoi.keys())
        if unknown:
            raise ValueError(f"DateVocab.encode: text has characters not in the date "
                             f"vocabulary: {unknown!r}")
        return np.array([self.stoi[ch] for ch in text], dtype=np.int64)

    def decode(self, ids) -> str:
        """The text of ``ids``; padding and BOS are left out."""
        ids = _checks.check_token_ids(ids, "ids", vocab_size=len(self.tokens),
                                      where="DateVocab.decode").ravel().tolist()
        return "".join(self.tokens[i] for i in ids if i >= len(self.SPECIALS))

    def __repr__(self) -> str:
        return f"DateVocab(size={len(self)})"


def date_task(n: int, seed: int = 0, max_src_len: int = 18):
    """``n`` random dates as ``(src, tgt, texts)``.

    * ``src``: (n, max_src_len) int64 source ids, padded at the end with ``DateVocab.PAD``;
    * ``tgt``: (n, 10) int64 ids of ``YYYY-MM-DD``;
    * ``texts``: the n (source, target) strings.

    The date and the format are drawn with ``numpy.random.default_rng(seed)``.
    """
    where = "date_task"
    n = _checks.check_int(n, "n", minimum=1, where=where)
    seed = _checks.check_seed(seed, optional=False, where=where)
    max_src_len = _checks.check_int(max_src_len, "max_src_len", minimum=MAX_SOURCE_LEN,
                                    where=where,
                                    hint=f"the longest source, e.g. 'September 30, 2049', has "
                                         f"{MAX_SOURCE_LEN} characters")
    rng = np.random.default_rng(seed)
    vocab = DateVocab()
    ordinals = rng.integers(_FIRST, _LAST + 1, size=n)
    styles = rng.integers(0, len(DATE_FORMATS), size=n)
    src = np.full((n, max_src_len), DateVocab.PAD, dtype=np.int64)
    tgt = np.empty((n, TARGET_LEN), dtype=np.int64)
    texts = []
    for i, (ordinal, style) in enumerate(zip(ordinals.tolist(), styles.tolist())):
        date = datetime.date.fromordinal(ordinal)
        source, target = format_date(date, DATE_FORMATS[style]), date.isoformat()
        if len(source) > max_src_len:
            raise ValueError(f"{source!r} is longer than max_src_len={max_src_len}")
        src[i, :len(source)] = vocab.encode(source)
        tgt[i] = vocab.encode(target)
        texts.append((source, target))
    return src, tgt, texts
