"""The synthetic text: real words, realistic punctuation, always inside the vocabulary."""

from __future__ import annotations

import string

import numpy as np
import pytest

pytest.importorskip("wordfreq")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from text_recognizer.data import corpus  # noqa: E402
from text_recognizer.vocab import DEFAULT_VOCABULARY  # noqa: E402

seeds = st.integers(min_value=0, max_value=2**32 - 1)
#: Each example draws fresh prose; 25 seeds per property keep the fast lane fast.
few = settings(max_examples=25)


@pytest.fixture(scope="module")
def many_lines() -> list[str]:
    rng = np.random.default_rng(0)
    return [corpus.sample_line(rng) for _ in range(300)]


@few
@given(seed=seeds)
def test_lines_are_in_the_vocabulary_and_within_length(seed: int) -> None:
    line = corpus.sample_line(np.random.default_rng(seed), 10, 60)
    assert DEFAULT_VOCABULARY.unknown_characters(line) == []
    assert 1 <= len(line) <= 60
    assert line == line.strip() and "  " not in line and "\n" not in line


@few
@given(seed=seeds)
def test_paragraphs_have_2_to_8_lines_within_width_and_512_chars(seed: int) -> None:
    lines = corpus.sample_paragraph(np.random.default_rng(seed), (2, 8), (20, 56), 512)
    assert 1 <= len(lines) <= 8
    assert all(1 <= len(line) <= 56 for line in lines)
    assert len("\n".join(lines)) <= 512
    assert DEFAULT_VOCABULARY.unknown_characters("\n".join(lines)) == []


@few
@given(seed=seeds)
def test_text_for_a_partial_font_uses_only_its_characters(seed: int) -> None:
    charset = string.ascii_letters + " .,"
    line = corpus.sample_line(np.random.default_rng(seed), 10, 60, charset)
    assert set(line) <= set(charset)


def test_the_same_generator_state_gives_the_same_text() -> None:
    first = [corpus.sample_line(np.random.default_rng(5)) for _ in range(2)]
    assert first[0] == first[1]
    assert corpus.sample_line(np.random.default_rng(6)) != first[0]


def test_most_lines_reach_the_minimum_length(many_lines: list[str]) -> None:
    assert np.mean([len(line) >= 10 for line in many_lines]) > 0.95
    assert np.mean([len(line) for line in many_lines]) > 30  # skewed to long, as on a page


@pytest.mark.parametrize(
    "characters, at_least",
    [
        (string.digits, 0.1),
        (string.ascii_uppercase, 0.5),
        (",", 0.2),
        (".?!", 0.3),
        ("\"'()", 0.1),
    ],
)
def test_lines_carry_digits_capitals_and_punctuation(
    many_lines: list[str], characters: str, at_least: float
) -> None:
    share = np.mean([any(char in line for char in characters) for line in many_lines])
    assert share >= at_least


def test_words_come_from_wordfreq_not_a_hand_written_list() -> None:
    words = corpus.load_words()
    assert len(words.words) > 20000
    assert words.words[:3] == ("the", "to", "and")
    assert np.all(np.diff(words.cdf) > 0) and words.cdf[-1] == pytest.approx(1.0)


def test_lone_letters_other_than_a_and_i_are_not_words() -> None:
    assert {word for word in corpus.load_words().words if len(word) == 1} == {"a", "i"}


def test_the_source_and_its_licences_are_recorded() -> None:
    assert "wordfreq" in corpus.TEXT_SOURCE["name"]
    assert "CC-BY-SA 4.0" in corpus.TEXT_SOURCE["licence"]
    assert "Apache-2.0" in corpus.TEXT_SOURCE["licence"]


def test_a_line_longer_than_the_width_is_cut_not_overflowing() -> None:
    assert corpus.wrap("incomprehensibilities ok", 8) == ["incompre", "ok"]


words = st.lists(st.text(alphabet="abcdefgh", min_size=1, max_size=12), min_size=1, max_size=12)


@given(words=words, width=st.integers(1, 30))
def test_wrapping_is_greedy_lines_fit_and_no_line_could_take_the_next_ones_first_word(
    words: list[str], width: int
) -> None:
    lines = corpus.wrap(" ".join(words), width)
    assert " ".join(lines).split() == [word[:width] for word in words]
    assert all(len(line) <= width for line in lines)
    for line, following in zip(lines, lines[1:]):
        assert len(line) + 1 + len(following.split()[0]) > width, (line, following)


def test_restrict_keeps_newlines_and_collapses_spaces() -> None:
    assert corpus.restrict("a 1 b\n2 c", "abc ") == "a b\nc"


def test_invalid_length_bounds_are_refused() -> None:
    with pytest.raises(ValueError, match="min_chars"):
        corpus.sample_line(np.random.default_rng(0), 20, 10)


def test_word_list_leaves_out_offensive_words_but_keeps_words_that_contain_them():
    from text_recognizer.data.corpus import OFFENSIVE_WORDS, load_words

    words = set(load_words().words)
    assert not words & OFFENSIVE_WORDS
    assert "cocktail" in words
