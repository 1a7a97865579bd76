"""Laws of the edit distance and CER that goldens and loss-ranked suites compare with."""

from __future__ import annotations

import pytest

from text_recognizer.metrics import character_error_rate, edit_distance

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


@given(TEXTS, TEXTS.filter(bool))
def test_cer_agrees_with_the_training_metric(prediction, reference):
    from torchmetrics.functional.text import char_error_rate

    expected = float(char_error_rate([prediction], [reference]))
    assert character_error_rate(prediction, reference) == pytest.approx(expected, abs=1e-6)
