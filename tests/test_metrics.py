"""CER and WER: corpus-level rates, one pair as a corpus of one, clear errors for misaligned
input, and no training stack needed to score (laws: tests/properties/test_cer_properties.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from text_recognizer.metrics import (
    EditCounts,
    character_error_rate,
    edit_counts,
    edit_distance,
    inline_diff,
    word_error_rate,
)


def test_corpus_cer_weighs_each_pair_by_its_reference_length():
    predictions, references = ["abcdefghiX", "Y"], ["abcdefghij", "y"]
    assert character_error_rate(predictions, references) == pytest.approx(2 / 11)


def test_a_single_pair_is_a_corpus_of_one():
    assert character_error_rate("hello word", "hello world") == character_error_rate(
        ["hello word"], ["hello world"]
    )


def test_wer_counts_whitespace_separated_words_only():
    assert word_error_rate("the  cat\nsat", "the cat sat") == 0.0
    assert word_error_rate("the cat", "the cat sat") == pytest.approx(1 / 3)


def test_an_empty_reference_counts_as_one_unit_so_rates_stay_finite():
    assert edit_counts(["abc"], [""]) == EditCounts(errors=3, units=0)
    assert character_error_rate("abc", "") == 3.0


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("abcXdef", "abcdef", 1), ("ab", "ba", 2), ("aaaa", "aa", 2), ("xabcx", "yabcy", 2)],
)
def test_shared_prefixes_and_suffixes_do_not_change_the_distance(a, b, distance):
    assert edit_distance(a, b) == distance == edit_distance(b, a)


def test_a_text_and_a_list_together_are_refused():
    with pytest.raises(TypeError, match="two texts or two sequences"):
        character_error_rate("abc", ["abc"])


def test_misaligned_corpora_are_refused():
    with pytest.raises(ValueError, match="2 predictions for 1 references"):
        word_error_rate(["a", "b"], ["a"])


@pytest.mark.parametrize("module", ["text_recognizer.metrics", "text_recognizer.evaluation"])
def test_scoring_imports_no_lightning(module):
    code = (
        f"import sys, {module}; print(sorted({{'lightning', 'torchmetrics'}} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_inline_diff_of_a_long_line_marks_only_the_dropped_spaces():
    """difflib treats characters in more than 1 % of a 200+ character text (spaces first) as
    junk unless told not to, and then spaces dropped from a long line show as rewritten words."""
    expected = " ".join(f"word {number} of the page," for number in range(20))
    got = expected.replace(" ", "", 3)
    assert len(expected) > 200
    assert inline_diff(expected, got) == "word[- -]0[- -]of[- -]the page," + expected[19:]
