"""The vocabulary: what it contains, round trips and errors that name the bad character."""

import pytest
import torch

from text_recognizer.errors import VocabularyError
from text_recognizer.vocab import DEFAULT_VOCABULARY, PUNCTUATION, Vocabulary


def test_blank_is_index_zero_for_ctc():
    assert DEFAULT_VOCABULARY.blank_index == 0


def test_contains_digits_letters_iam_punctuation_and_newline():
    for char in "0123456789AZaz\n" + PUNCTUATION:
        assert DEFAULT_VOCABULARY.unknown_characters(char) == []


def test_size_is_specials_plus_characters():
    assert len(DEFAULT_VOCABULARY) == 4 + 10 + 26 + 26 + len(PUNCTUATION) + 1


def test_encode_decode_round_trip():
    text = 'He said: "No (5) #1 & 2?" - ok.\nNext line; fine!'
    assert DEFAULT_VOCABULARY.decode(DEFAULT_VOCABULARY.encode(text)) == text


def test_encode_names_out_of_vocabulary_characters():
    with pytest.raises(VocabularyError, match=r"'é'.*'€'|'€'.*'é'"):
        DEFAULT_VOCABULARY.encode("café costs 3€")


def test_special_token_text_is_not_a_character():
    assert DEFAULT_VOCABULARY.unknown_characters("<") == ["<"]


def test_decode_skips_special_tokens():
    v = DEFAULT_VOCABULARY
    indices = [v.start_index, *v.encode("ab").tolist(), v.blank_index, v.end_index, v.pad_index]
    assert v.decode(indices) == "ab"


def test_decode_rejects_index_outside_vocabulary():
    with pytest.raises(VocabularyError, match="outside the vocabulary"):
        DEFAULT_VOCABULARY.decode([len(DEFAULT_VOCABULARY)])


def test_encode_with_bounds_wraps_start_and_end():
    v = DEFAULT_VOCABULARY
    seq = v.encode_with_bounds("x")
    assert seq.tolist() == [v.start_index, v.encode("x").item(), v.end_index]


def test_pad_batch_pads_with_pad_index_and_returns_lengths():
    v = DEFAULT_VOCABULARY
    batch, lengths = v.pad_batch([v.encode("abc"), v.encode("a")])
    assert batch.shape == (2, 3)
    assert lengths.tolist() == [3, 1]
    assert batch[1, 1:].tolist() == [v.pad_index, v.pad_index]


def test_pad_batch_refuses_a_length_shorter_than_a_sequence():
    with pytest.raises(VocabularyError, match="exceeds"):
        DEFAULT_VOCABULARY.pad_batch([torch.tensor([5, 6, 7])], length=2)


def test_duplicate_characters_are_refused():
    with pytest.raises(VocabularyError, match="unique"):
        Vocabulary(characters="aa")
