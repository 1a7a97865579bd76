"""Laws of the edit distance and the error rates every CER/WER in the package comes from."""

from __future__ import annotations

import pytest

from text_recognizer.metrics import character_error_rate, edit_distance, word_error_rate

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from text_recognizer.testing.strategies import label_texts  # noqa: E402

TEXTS = label_texts("lines", max_size=24)
#: A small alphabet makes coincidences (shared characters, repeats) common.
SMALL = st.text(alphabet="ab ", max_size=12)


@st.composite
def one_edit(draw, text_strategy=SMALL):
    """(text, text after one insertion, deletion or substitution)."""
    text = draw(text_strategy)
    kinds = ["insert"] + (["delete", "substitute"] if text else [])
    kind = draw(st.sampled_from(kinds))
    position = draw(st.integers(0, len(text) - (kind != "insert")))
    char = draw(st.sampled_from("abc "))
    if kind == "insert":
        return text, text[:position] + char + text[position:]
    if kind == "delete":
        return text, text[:position] + text[position + 1 :]
    return text, text[:position] + char + text[position + 1 :]


@given(TEXTS)
def test_cer_of_a_text_against_itself_is_zero(text):
    assert character_error_rate(text, text) == 0.0


@given(TEXTS, TEXTS)
def test_distance_is_non_negative_symmetric_and_zero_only_for_equal_texts(a, b):
    distance = edit_distance(a, b)
    assert distance >= 0 and distance == edit_distance(b, a)
    assert (distance == 0) == (a == b)


@given(one_edit(), SMALL)
def test_one_edit_changes_the_distance_to_any_text_by_at_most_one(pair, other):
    before, after = pair
    assert edit_distance(before, after) <= 1
    assert abs(edit_distance(before, other) - edit_distance(after, other)) <= 1


@given(TEXTS, TEXTS)
def test_distance_and_cer_stay_within_their_normalization_bounds(prediction, reference):
    distance = edit_distance(prediction, reference)
    assert abs(len(prediction) - len(reference)) <= distance <= max(len(prediction), len(reference))
    cer = character_error_rate(prediction, reference)
    assert 0.0 <= cer <= max(len(prediction), len(reference)) / max(len(reference), 1)


#: Aligned corpora of 1-4 pairs whose references are not all empty (torchmetrics divides by 0).
CORPORA = st.lists(st.tuples(TEXTS, TEXTS.filter(str.strip)), min_size=1, max_size=4)


@given(CORPORA)
def test_cer_agrees_with_torchmetrics(corpus):
    from torchmetrics.functional.text import char_error_rate

    predictions, references = map(list, zip(*corpus))
    expected = float(char_error_rate(predictions, references))
    assert character_error_rate(predictions, references) == pytest.approx(expected, abs=1e-6)


@given(CORPORA)
def test_wer_agrees_with_torchmetrics(corpus):
    from torchmetrics.functional.text import word_error_rate as reference_wer

    predictions, references = map(list, zip(*corpus))
    expected = float(reference_wer(predictions, references))
    assert word_error_rate(predictions, references) == pytest.approx(expected, abs=1e-6)
