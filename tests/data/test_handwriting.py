"""Handwriting layout: words are written apart, letters within a word together."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("fontpkg")

from text_recognizer.data import handwriting  # noqa: E402
from text_recognizer.data.augment import AugmentConfig  # noqa: E402
from text_recognizer.data.fonts import discover_fonts  # noqa: E402


def widest_gap(mask: np.ndarray) -> int:
    """The widest run of ink-free columns between the first and the last inked column."""
    inked = np.flatnonzero(mask.max(axis=0) > 24)
    return int(np.diff(inked).max() - 1) if len(inked) > 1 else 0


@pytest.mark.parametrize("index", [0, 1, 2])
def test_words_are_separated_by_at_least_half_a_space_of_paper(index):
    font = discover_fonts()[index]
    rng = np.random.default_rng(index)
    style = handwriting.draw_style(rng, AugmentConfig(), augmented=False)
    two_words, _ = handwriting.layout("mum mum", font, style, np.random.default_rng(1))
    one_word, _ = handwriting.layout("mummum", font, style, np.random.default_rng(1))
    size = max(6, int(round(style.x_height / handwriting.x_height_per_point(font.path))))
    space = handwriting.glyph(font.path, size, " ").advance * style.word_spacing
    assert widest_gap(two_words) >= 0.5 * space > widest_gap(one_word)
