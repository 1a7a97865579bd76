"""Levenshtein distance and per-sample character error rate, without torchmetrics.

Golden comparisons and loss-ranked suites compare *one* prediction with *one* reference many
times; a plain dynamic programme is exact, dependency free and agrees with torchmetrics'
corpus CER on a single pair (a property test pins that).
"""

from __future__ import annotations

import difflib
from typing import Sequence


def edit_distance(a: Sequence, b: Sequence) -> int:
    """Insertions, deletions and substitutions that turn ``a`` into ``b`` (each costs one).

    >>> edit_distance("kitten", "sitting")
    3
    """
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(
                min(
                    previous[j] + 1,  # delete char_a
                    current[j - 1] + 1,  # insert char_b
                    previous[j - 1] + (char_a != char_b),  # substitute or keep
                )
            )
        previous = current
    return previous[-1]


def character_error_rate(prediction: str, reference: str) -> float:
    """Edit distance over the reference's length (1 for an empty reference, so it is finite).

    Bounded by ``max(len(prediction), len(reference)) / max(len(reference), 1)``.

    >>> character_error_rate("hello word", "hello world")
    0.09090909090909091
    >>> character_error_rate("", "")
    0.0
    """
    return edit_distance(prediction, reference) / max(len(reference), 1)


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
