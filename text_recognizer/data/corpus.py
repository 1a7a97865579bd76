"""English text for the synthetic data: real words from ``wordfreq``, shaped into sentences.

Words are drawn by (flattened) frequency rank from wordfreq's English list, so common words
dominate as in real prose while rarer ones still appear. Where wordfreq cannot be installed (a
GPU runner with a stock stack), ``TEXT_RECOGNIZER_WORDS`` names a plain word file instead, one
word per line, most frequent first (:func:`export_words` writes wordfreq's list as one; the
same list gives the same text). Sentences get the things a recognizer
must read in real handwriting: capitals at sentence starts and on proper-noun-like words,
commas, quotes, parentheses, hyphens, and numbers (years, times, amounts, fractions). Only the
punctuation and number *templates* are written here; every word comes from the data.

Everything is a pure function of the numpy Generator passed in, so text is reproducible.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from text_recognizer.errors import MissingWordListError
from text_recognizer.extras import MissingExtraError, require
from text_recognizer.vocab import CHARACTERS

#: Where the words come from, for the manifest's metadata.
TEXT_SOURCE: dict[str, str] = {
    "name": "wordfreq (English word list, ranked by frequency)",
    "url": "https://github.com/rspeer/wordfreq",
    "licence": "code Apache-2.0; word-list data CC-BY-SA 4.0 (attribution: wordfreq, R. Speer)",
}

#: Environment variable naming a word file to read instead of wordfreq.
WORDS_VARIABLE = "TEXT_RECOGNIZER_WORDS"

_WORD_PATTERN = re.compile(r"[a-z]+(?:'[a-z]+)?")
_NUMBER_OF_WORDS = 30000
#: Weight of the word of rank r is (r + 2) ** -ZIPF_EXPONENT: about Zipf's law (so "the" is
#: ~5% of words, as in prose), a little flattened so that rarer words and letters still appear.
ZIPF_EXPONENT = 0.95


@dataclass(frozen=True)
class WordList:
    """Words and the cumulative distribution to draw them with."""

    words: tuple[str, ...]
    cdf: np.ndarray

    def sample(self, rng: np.random.Generator, count: int) -> list[str]:
        positions = np.searchsorted(self.cdf, rng.random(count), side="right")
        return [self.words[min(int(i), len(self.words) - 1)] for i in positions]


#: Profanity and slurs that wordfreq's web-derived frequencies rank highly. Samples of this data
#: end up in contact sheets, READMEs and regression grids that people look at, so leave them out.
#: Whole words, not substrings, so "cocktail" and "Dickens" stay.
OFFENSIVE_WORDS: frozenset[str] = frozenset(
    """fuck fucks fucked fucking fucker fuckers motherfucker shit shits shitty bullshit bitch
    bitches bitchy cunt cunts dick dicks cock cocks pussy asshole assholes bastard bastards whore
    whores slut sluts nigga niggas nigger niggers fag fags faggot faggots retard retarded porn
    porno wank wanker twat bollocks""".split()
)


def is_offensive(word: str) -> bool:
    """True for a word in :data:`OFFENSIVE_WORDS`, whatever its case.

    >>> is_offensive("Bullshit"), is_offensive("cocktail")
    (True, False)
    """
    return word.lower() in OFFENSIVE_WORDS


def _word_file_lines(path: str | os.PathLike) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise MissingWordListError(
            f"cannot read the word file {path} named by {WORDS_VARIABLE}: {error}"
        ) from None


def read_word_file(path: str | os.PathLike, number: int = _NUMBER_OF_WORDS) -> list[str]:
    """The first ``number`` words of a word file (one a line; ``#`` lines are comments)."""
    lines = _word_file_lines(path)
    words = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    if not words:
        raise MissingWordListError(f"the word file {path} named by {WORDS_VARIABLE} has no words")
    return words[:number]


def ranked_words(number: int = _NUMBER_OF_WORDS) -> list[str]:
    """The ``number`` most frequent English words: from the word file named by
    :data:`WORDS_VARIABLE` when it is set, else from wordfreq (imported lazily)."""
    path = os.environ.get(WORDS_VARIABLE)
    return read_word_file(path, number) if path else _wordfreq_words(number)


def _wordfreq_words(number: int) -> list[str]:
    try:
        top_n_list = require("wordfreq", "synthetic text").top_n_list
    except MissingExtraError as error:
        raise MissingExtraError(
            f"{error}; or set {WORDS_VARIABLE} to a word file, one word per line, most frequent "
            "first (`python -m scripts.gpu_bundle DIR` writes one)"
        ) from None
    return top_n_list("en", number)


def export_words(path: str | os.PathLike, number: int = _NUMBER_OF_WORDS) -> int:
    """Write wordfreq's ``number`` most frequent English words to ``path`` as a word file (its
    source and licence in a comment); returns the number of words written."""
    from importlib.metadata import version

    from text_recognizer.io import atomic_write_text

    words = _wordfreq_words(number)  # from wordfreq itself, never from a copy
    if any(word != word.strip() or not word or word.startswith("#") for word in words):
        raise MissingWordListError("wordfreq returned a word that a word file cannot hold")
    header = (
        f"# {len(words)} English words, most frequent first: wordfreq {version('wordfreq')} "
        f"top_n_list('en', {number}); {TEXT_SOURCE['licence']}\n"
    )
    atomic_write_text(path, header + "\n".join(words) + "\n")
    return len(words)


def text_source() -> dict[str, Any]:
    """Where the words come from, for a data set's manifest: wordfreq or the word file."""
    path = os.environ.get(WORDS_VARIABLE)
    if not path:
        return dict(TEXT_SOURCE)
    first = (_word_file_lines(path) or [""])[0]
    note = first.lstrip("# ") if first.startswith("#") else "no source stated"
    return {**TEXT_SOURCE, "name": f"word file {Path(path).name} ({note})"}


def load_words(charset: str = CHARACTERS, number: int = _NUMBER_OF_WORDS) -> WordList:
    """The top English words (see :func:`ranked_words`) whose characters are all in ``charset``."""
    return _load_words(charset, number, os.environ.get(WORDS_VARIABLE))


@functools.lru_cache(maxsize=4)
def _load_words(charset: str, number: int, word_file: str | None) -> WordList:
    """:func:`load_words`, cached per word source (``word_file`` is part of the key only)."""
    allowed = set(charset)
    words = [
        word
        for word in ranked_words(number)
        if _WORD_PATTERN.fullmatch(word)
        and set(word) <= allowed
        and (len(word) > 1 or word in "ai")  # lone letters are mostly tokenizer debris
        and not is_offensive(word)
    ]
    ranks = np.arange(len(words), dtype=np.float64)
    weights = (ranks + 2.0) ** -ZIPF_EXPONENT
    cdf = np.cumsum(weights)
    return WordList(words=tuple(words), cdf=cdf / cdf[-1])


def _digits(rng: np.random.Generator, low: int, high: int) -> str:
    return str(int(rng.integers(low, high)))


def sample_number(rng: np.random.Generator) -> str:
    """A number the way people write them: years, times, amounts, counts, fractions, ids."""
    kind = int(rng.integers(9))
    if kind == 0:
        return _digits(rng, 1800, 2031)  # year
    if kind == 1:
        return f"{_digits(rng, 1, 13)}:{int(rng.integers(60)):02d}"  # time
    if kind == 2:
        return f"{_digits(rng, 1, 1000)}.{int(rng.integers(100)):02d}"  # amount
    if kind == 3:
        return f"{_digits(rng, 1, 100)},{int(rng.integers(1000)):03d}"  # thousands
    if kind == 4:
        return f"{_digits(rng, 1, 10)}/{_digits(rng, 2, 13)}"  # fraction or date
    if kind == 5:
        return f"#{_digits(rng, 1, 100)}"  # number sign
    if kind == 6:
        value = int(rng.integers(1, 32))
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(value % 10 if value // 10 != 1 else 0, "th")
        return f"{value}{suffix}"  # ordinal
    if kind == 7:
        return f"{_digits(rng, 100, 1000)}-{int(rng.integers(10000)):04d}"  # phone-like
    return _digits(rng, 0, 100) if rng.random() < 0.7 else _digits(rng, 100, 10000)


def _capitalize(word: str) -> str:
    return word[:1].upper() + word[1:]


def sample_sentence(rng: np.random.Generator, words: WordList) -> str:
    """One sentence: capitalized, punctuated, sometimes with numbers, quotes or parentheses."""
    count = int(rng.integers(3, 19))
    tokens = words.sample(rng, count)
    for i, token in enumerate(tokens):
        draw = rng.random()
        if token == "i" or token.startswith("i'"):
            tokens[i] = _capitalize(token)
        elif draw < 0.04:
            tokens[i] = _capitalize(token)  # proper-noun-like
        elif draw < 0.045:
            tokens[i] = token.upper()  # acronym-like
        elif draw < 0.095:
            tokens[i] = sample_number(rng)
        elif draw < 0.11 and i + 1 < len(tokens):
            tokens[i] = f"{token}-{tokens[i + 1]}"  # hyphenated compound
            tokens[i + 1] = ""
        elif draw < 0.12:
            tokens[i] = f"{token}'s"
    tokens = [token for token in tokens if token]
    for i in range(len(tokens) - 1):
        draw = rng.random()
        if draw < 0.1:
            tokens[i] += ","
        elif draw < 0.115:
            tokens[i] += rng.choice([";", ":"])
        elif draw < 0.12:
            tokens[i + 1] = f"& {tokens[i + 1]}" if rng.random() < 0.5 else f"+ {tokens[i + 1]}"
    span_draw = rng.random()
    if len(tokens) > 2 and span_draw < 0.2:
        start = int(rng.integers(0, len(tokens) - 1))
        stop = int(rng.integers(start + 1, min(len(tokens), start + 5) + 1))
        opening, closing = (
            ('"', '"') if span_draw < 0.1 else ("(", ")") if span_draw < 0.17 else ("'", "'")
        )
        tokens[start] = opening + tokens[start]
        tokens[stop - 1] = tokens[stop - 1].rstrip(",;:") + closing
    tokens[0] = _capitalize(tokens[0])
    end = rng.random()
    ending = "?" if end < 0.1 else "!" if end < 0.16 else "..." if end < 0.18 else "."
    if rng.random() < 0.02:
        ending += "*"
    return " ".join(tokens).rstrip(",;:&+ ") + ending


def restrict(text: str, charset: str) -> str:
    """``text`` without characters outside ``charset``, spaces collapsed (for partial fonts).

    >>> restrict("It cost 3.50, ok?", "Iacikost ,")
    'It cost , ok'
    """
    allowed = set(charset) | {"\n"}
    kept = "".join(char for char in text if char in allowed)
    return "\n".join(" ".join(line.split()) for line in kept.split("\n"))


def sample_text(rng: np.random.Generator, min_chars: int, charset: str = CHARACTERS) -> str:
    """Running prose of at least ``min_chars`` characters (whole sentences)."""
    words = load_words(CHARACTERS)
    sentences: list[str] = []
    length = 0
    while length < min_chars:
        sentence = restrict(sample_sentence(rng, words), charset)
        if sentence:
            sentences.append(sentence)
            length += len(sentence) + 1
    return " ".join(sentences)


def wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap at ``width`` characters; a longer word gets a line to itself, cut.

    >>> wrap("one two three four", 9)
    ['one two', 'three', 'four']
    """
    lines: list[str] = []
    current = ""
    for word in text.split():
        word = word[:width]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def sample_line(
    rng: np.random.Generator, min_chars: int = 10, max_chars: int = 60, charset: str = CHARACTERS
) -> str:
    """A line cut from running prose, as on a handwritten page: it may start or end mid-sentence.

    Its length is at most ``max_chars`` and, unless the prose is all short words, at least
    ``min_chars``.
    """
    if not 1 <= min_chars <= max_chars:
        raise ValueError(f"need 1 <= min_chars <= max_chars, got {min_chars}, {max_chars}")
    # Skewed towards long lines, as on a page (a uniform width would make most lines short).
    width = min_chars + int((max_chars - min_chars) * np.sqrt(rng.random()) + 0.5)
    lines = wrap(sample_text(rng, 3 * max_chars, charset), width)
    long_enough = [line for line in lines if len(line) >= min_chars] or lines
    return long_enough[int(rng.integers(len(long_enough)))]


def sample_paragraph(
    rng: np.random.Generator,
    num_lines: tuple[int, int] = (2, 8),
    line_chars: tuple[int, int] = (20, 56),
    max_chars: int = 512,
    charset: str = CHARACTERS,
) -> list[str]:
    """2–8 wrapped lines of prose starting at a sentence; their total with newlines fits
    ``max_chars``."""
    count = int(rng.integers(num_lines[0], num_lines[1] + 1))
    width = int(rng.integers(line_chars[0], line_chars[1] + 1))
    lines = wrap(sample_text(rng, count * width + width, charset), width)[:count]
    while len("\n".join(lines)) > max_chars and len(lines) > 1:
        lines.pop()
    return lines
