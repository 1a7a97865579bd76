"""Words for the synthetic text without wordfreq: a plain word file, and a clear error."""

from __future__ import annotations

import sys
from typing import Iterator

import numpy as np
import pytest

from text_recognizer.data import corpus
from text_recognizer.errors import MissingWordListError
from text_recognizer.extras import MissingExtraError


@pytest.fixture
def no_wordfreq(monkeypatch) -> Iterator[None]:
    """A machine where wordfreq is not installed and no word file is named."""
    monkeypatch.setitem(sys.modules, "wordfreq", None)  # import wordfreq -> ImportError
    monkeypatch.delenv(corpus.WORDS_VARIABLE, raising=False)
    corpus._load_words.cache_clear()
    yield
    corpus._load_words.cache_clear()


def write_words(path, words, header="# test words") -> str:
    path.write_text(header + "\n" + "\n".join(words) + "\n", encoding="utf-8")
    return str(path)


def test_without_wordfreq_or_a_word_file_the_error_names_both(no_wordfreq) -> None:
    with pytest.raises(
        MissingExtraError, match=r"needs wordfreq.*\[synth\].*TEXT_RECOGNIZER_WORDS"
    ):
        corpus.load_words()


def test_a_word_file_is_read_without_wordfreq_and_filtered_like_wordfreq(
    no_wordfreq, monkeypatch, tmp_path
) -> None:
    words = ["the", "of", "Bob", "x", "a", "shit", "don't", "3d", "and"]
    monkeypatch.setenv(corpus.WORDS_VARIABLE, write_words(tmp_path / "words.txt", words))
    assert corpus.load_words().words == ("the", "of", "a", "don't", "and")


def test_a_word_file_only_changes_where_the_words_come_from(monkeypatch, tmp_path) -> None:
    pytest.importorskip("wordfreq")
    monkeypatch.delenv(corpus.WORDS_VARIABLE, raising=False)
    path = tmp_path / "words.txt"
    assert corpus.export_words(path) == 30000
    from_wordfreq = corpus.load_words()
    lines = [corpus.sample_line(np.random.default_rng(seed)) for seed in range(5)]
    monkeypatch.setenv(corpus.WORDS_VARIABLE, str(path))
    from_file = corpus.load_words()
    assert from_file.words == from_wordfreq.words
    assert np.array_equal(from_file.cdf, from_wordfreq.cdf)
    assert [corpus.sample_line(np.random.default_rng(seed)) for seed in range(5)] == lines


@pytest.mark.parametrize("content", [None, "# only a comment\n\n"], ids=["missing", "empty"])
def test_a_missing_or_empty_word_file_is_named_in_the_error(
    no_wordfreq, monkeypatch, tmp_path, content
) -> None:
    path = tmp_path / "words.txt"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    monkeypatch.setenv(corpus.WORDS_VARIABLE, str(path))
    with pytest.raises(MissingWordListError, match=r"words\.txt"):
        corpus.load_words()


def test_the_manifest_names_the_word_file_and_its_stated_source(
    no_wordfreq, monkeypatch, tmp_path
) -> None:
    assert corpus.text_source() == corpus.TEXT_SOURCE
    path = write_words(tmp_path / "words.txt", ["the"], header="# wordfreq 3.1 top words")
    monkeypatch.setenv(corpus.WORDS_VARIABLE, path)
    assert corpus.text_source()["name"] == "word file words.txt (wordfreq 3.1 top words)"
