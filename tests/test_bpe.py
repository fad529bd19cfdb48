"""The from-scratch BPE tokenizer: merges, round trips, the whitespace rule."""

import numpy as np
import pytest

from nnlib.data.bpe import BPETokenizer, _merge


def test_merge_non_overlapping_left_to_right():
    ids = np.array([0, 0, 0, 1, 0, 0])
    assert _merge(ids, 0, 0, 9).tolist() == [9, 0, 1, 9]
    assert _merge(np.array([0, 1, 0, 1]), 0, 1, 5).tolist() == [5, 5]
    assert _merge(np.array([2, 3]), 0, 1, 5).tolist() == [2, 3]


def test_most_frequent_pair_first():
    bpe = BPETokenizer.train("aaabdaaabac", num_merges=3)
    assert bpe.tokens[len(bpe.chars)] == "aa"            # the classic example: "aa" first
    assert len(bpe) == len(bpe.chars) + len(bpe.merges)
    assert len(bpe.encode("aaabdaaabac")) < len("aaabdaaabac")


def test_round_trip_and_compression():
    text = "the cat sat on the mat; the hat is on the cat\n" * 20
    bpe = BPETokenizer.train(text, num_merges=30)
    for sample in (text, "the mat", "hat cat\n", " ", "tt"):
        assert bpe.decode(bpe.encode(sample)) == sample
    assert len(bpe.encode(text)) < len(text) / 3
    assert " the" in bpe.tokens


def test_whitespace_only_leads_a_token():
    bpe = BPETokenizer.train("ab ab ab ab cd cd cd\n\nab\n\n", num_merges=20)
    for token in bpe.tokens:
        assert not any(ch.isspace() for ch in token[1:]), repr(token)


def test_stops_when_no_pair_repeats():
    bpe = BPETokenizer.train("abcdef", num_merges=10)
    assert bpe.merges == []


def test_bad_input():
    with pytest.raises(ValueError):
        BPETokenizer.train("a", 3)
    with pytest.raises(ValueError):
        BPETokenizer.train("abab", -1)
    bpe = BPETokenizer.train("abab", 1)
    with pytest.raises(ValueError):
        bpe.encode("abc")
    with pytest.raises(ValueError):
        bpe.decode([99])


def test_base_characters_from_a_larger_corpus():
    bpe = BPETokenizer.train("abab abab", 2, chars="abcd ")
    assert bpe.chars == [" ", "a", "b", "c", "d"]
    assert bpe.decode(bpe.encode("dcab")) == "dcab"
    with pytest.raises(ValueError, match="missing"):
        BPETokenizer.train("xyz", 2, chars="xy")
