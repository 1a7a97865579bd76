"""Character and word error rates: the one implementation training, evaluation, the demo and
the regression harness all use.

Pure Python (no torch, no Lightning), so scoring a staged model or comparing a golden never
imports the training stack. Rates are corpus-level: total edit operations over total reference
units (characters, or whitespace-separated words), so long lines weigh more than short ones, as
in the IAM literature. One pair is a corpus of one. An empty reference counts as one unit, so
every rate is finite.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Sequence, Union

#: One text, or aligned texts (a corpus); both arguments of a rate must be the same kind.
Texts = Union[str, Sequence[str]]


def edit_distance(a: Sequence, b: Sequence) -> int:
    """Insertions, deletions and substitutions that turn ``a`` into ``b`` (each costs one).

    >>> edit_distance("kitten", "sitting")
    3
    >>> edit_distance("a cat sat".split(), "a cat sat down".split())
    1
    """
    start = 0  # a shared prefix and suffix cost nothing: good predictions are mostly that
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a, end_b = end_a - 1, end_b - 1
    a, b = a[start:end_a], b[start:end_b]
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, item_a in enumerate(a, start=1):
        current = [i]
        for j, item_b in enumerate(b, start=1):
            current.append(
                min(
                    previous[j] + 1,  # delete item_a
                    current[j - 1] + 1,  # insert item_b
                    previous[j - 1] + (item_a != item_b),  # substitute or keep
                )
            )
        previous = current
    return previous[-1]


@dataclass(frozen=True)
class EditCounts:
    """Edit operations and reference units of a corpus; ``rate`` is their quotient."""

    errors: int
    units: int

    @property
    def rate(self) -> float:
        return self.errors / max(self.units, 1)


def _pairs(predictions: Texts, references: Texts) -> list[tuple[str, str]]:
    if isinstance(predictions, str) and isinstance(references, str):
        return [(predictions, references)]
    if isinstance(predictions, str) or isinstance(references, str):
        raise TypeError("pass two texts or two sequences of texts, not one of each")
    predictions, references = list(predictions), list(references)
    if len(predictions) != len(references):
        raise ValueError(f"{len(predictions)} predictions for {len(references)} references")
    return list(zip(predictions, references))


def edit_counts(predictions: Texts, references: Texts, unit: str = "char") -> EditCounts:
    """Summed edit distance and reference length, in characters (``"char"``) or words.

    >>> edit_counts(["abc", "x"], ["abd", "x"])
    EditCounts(errors=1, units=4)
    """
    if unit not in ("char", "word"):
        raise ValueError(f"unit must be 'char' or 'word', got {unit!r}")
    errors = units = 0
    for prediction, reference in _pairs(predictions, references):
        said: Sequence[str] = prediction.split() if unit == "word" else prediction
        meant: Sequence[str] = reference.split() if unit == "word" else reference
        errors += edit_distance(said, meant)
        units += len(meant)
    return EditCounts(errors, units)


def character_error_rate(predictions: Texts, references: Texts) -> float:
    """Character edits over reference characters, for one pair or a corpus.

    >>> character_error_rate("hello word", "hello world")
    0.09090909090909091
    >>> character_error_rate(["abc", "x"], ["abd", "x"]), character_error_rate("", "")
    (0.25, 0.0)
    """
    return edit_counts(predictions, references, "char").rate


def word_error_rate(predictions: Texts, references: Texts) -> float:
    """Word edits over reference words (split on whitespace), for one pair or a corpus.

    >>> word_error_rate("hello word", "hello world")
    0.5
    """
    return edit_counts(predictions, references, "word").rate


def inline_diff(expected: str, got: str) -> str:
    """``expected`` -> ``got`` as one line: ``[-removed-]`` and ``{+added+}`` around changes.

    >>> inline_diff("hello world", "hallo word")
    'h[-e-]{+a+}llo wor[-l-]d'
    """
    parts = []
    matcher = difflib.SequenceMatcher(a=expected, b=got, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            parts.append(expected[a0:a1])
            continue
        if a1 > a0:
            parts.append(f"[-{expected[a0:a1]}-]")
        if b1 > b0:
            parts.append(f"{{+{got[b0:b1]}+}}")
    return "".join(parts).replace("\n", "\\n")
