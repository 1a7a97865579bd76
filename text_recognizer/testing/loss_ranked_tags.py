"""Automatic tags of hard examples ("digits", "punctuation", "long", "dense ink", "slanted"),
read from the label and the model-sized image, so a regression shows per kind of difficulty."""

from __future__ import annotations

import numpy as np
from PIL import Image

#: Automatic tag thresholds (see :func:`auto_tags`).
DIGITS_MIN = 3
PUNCTUATION_MIN = 4
LONG_LINE_CHARS = 48
DENSE_INK_COVERAGE = 0.12
SLANT_MIN = 0.3


def slant(ink: np.ndarray) -> float:
    """Horizontal shear (columns per row, > 0 leaning right) that makes the strokes upright.

    The vertical-projection criterion of Vinciarelli & Luettin: after shearing, a column that
    holds one unbroken run of ink is a vertical stroke, and the shear that maximises the sum
    of squared run lengths straightens the writing. Ties go to the smaller shear.
    """
    height = ink.shape[0]
    rows, columns = np.nonzero(ink - float(np.median(ink)) > 0.4)
    if len(rows) < 10:
        return 0.0
    best, best_score = 0.0, -1.0
    for shear in np.linspace(-1.0, 1.0, 41):
        # One integer shift per row: rounding each pixel would merge neighbouring columns.
        shifted = columns + np.floor(shear * (rows - height / 2) + 0.5).astype(int)
        shifted -= shifted.min()
        size = int(shifted.max()) + 1
        count = np.bincount(shifted, minlength=size)
        top = np.full(size, height)
        np.minimum.at(top, shifted, rows)
        bottom = np.full(size, -1)
        np.maximum.at(bottom, shifted, rows)
        unbroken = (count > 0) & (count == bottom - top + 1)
        score = float((count[unbroken].astype(np.float64) ** 2).sum())
        if score > best_score + 1e-9 or (
            abs(score - best_score) <= 1e-9 and abs(shear) < abs(best)
        ):
            best, best_score = float(shear), score
    return best


def ink_coverage(ink: np.ndarray) -> float:
    """Fraction of the text band's pixels that are clearly ink (paper tone subtracted)."""
    strokes = ink - float(np.median(ink)) > 0.4
    rows = np.nonzero(strokes.any(axis=1))[0]
    if not len(rows):
        return 0.0
    return float(strokes[rows.min() : rows.max() + 1].mean())


def auto_tags(image: Image.Image, text: str) -> list[str]:
    """Tags a hard example gets automatically from its label and its model-sized image."""
    ink = 1.0 - np.asarray(image.convert("L"), dtype=np.float32) / 255.0
    tags = []
    if sum(char.isdigit() for char in text) >= DIGITS_MIN:
        tags.append("digits")
    if sum(not char.isalnum() and not char.isspace() for char in text) >= PUNCTUATION_MIN:
        tags.append("punctuation")
    if max((len(line) for line in text.split("\n")), default=0) >= LONG_LINE_CHARS:
        tags.append("long")
    if ink_coverage(ink) >= DENSE_INK_COVERAGE:
        tags.append("dense ink")
    if abs(slant(ink)) >= SLANT_MIN:
        tags.append("slanted")
    return tags
