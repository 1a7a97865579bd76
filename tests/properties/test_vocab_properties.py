"""Vocabulary laws for every string, not just the ones someone thought of."""

from __future__ import annotations

import pytest

from text_recognizer.errors import VocabularyError
from text_recognizer.vocab import DEFAULT_VOCABULARY

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import example, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from text_recognizer.testing.strategies import label_texts  # noqa: E402

OUTSIDE = st.characters(
    blacklist_characters=DEFAULT_VOCABULARY.characters, blacklist_categories=("Cs",)
)


@given(label_texts("paragraphs"))
def test_encode_then_decode_returns_any_text_over_the_vocabulary(text):
    encoded = DEFAULT_VOCABULARY.encode(text)
    assert DEFAULT_VOCABULARY.decode(encoded) == text
    assert len(encoded) == len(text)
    assert bool((encoded >= DEFAULT_VOCABULARY.num_specials).all())


@given(label_texts("lines", max_size=20), OUTSIDE, label_texts("lines", max_size=20))
def test_any_character_outside_the_vocabulary_is_refused_by_name(before, bad, after):
    with pytest.raises(VocabularyError, match="outside the vocabulary") as error:
        DEFAULT_VOCABULARY.encode(before + bad + after)
    assert repr(bad) in str(error.value)
    assert f"position {len(before)}" in str(error.value)


@given(st.lists(st.integers(0, len(DEFAULT_VOCABULARY) - 1), max_size=60))
@example(list(range(len(DEFAULT_VOCABULARY))))  # every index, both sides of the specials' edge
def test_decode_of_any_indices_keeps_exactly_the_character_tokens(indices):
    text = DEFAULT_VOCABULARY.decode(indices)
    kept = [i for i in indices if i >= DEFAULT_VOCABULARY.num_specials]
    assert DEFAULT_VOCABULARY.encode(text).tolist() == kept
