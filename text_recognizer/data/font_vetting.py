"""Automatic vetting of a handwriting font: which vocabulary characters it really draws.

A font package's name promises nothing. Google's handwriting families include fonts whose
lowercase letters are small capitals, whose missing glyphs render as a box or as nothing, and
whose punctuation marks share one glyph. A synthetic writer that draws "a" as a small "A" or
":" like ";" teaches the model a wrong label, so every font is rendered and checked:

- **ink**: a character counts only when its glyph has ink and differs from the ``.notdef`` box;
- **cases**: a lowercase letter counts only when it is not its capital (the same bitmap, as in
  capitals-only fonts); a font whose lowercase letters are small capitals is rejected, since its
  "b" would be labelled with a shape that real writers use for "B". Small caps show in the
  metrics: their ascender letters (b, d, h, k, l) are no taller than their x-height letters and
  nothing descends below the baseline (in 125 Google handwriting families the three small-caps
  fonts measure 1.00-1.03 and 0.04-0.09 x-heights, every other font at least 1.26 and 0.19);
- **distinct marks**: a digit or punctuation mark drawn with the same bitmap as another
  character is dropped (both readings would be right, so neither label is);
- a font that cannot draw every letter and the space is rejected; one that misses some digits or
  punctuation is *restricted*: the generator writes only what it covers.

PIL only (no font-tools dependency), a fraction of a second per font.
"""

from __future__ import annotations

import os
import string
from dataclasses import dataclass

import numpy as np
from PIL import ImageFont

from text_recognizer.vocab import CHARACTERS

#: Characters a font must draw to be used at all: without every letter, text would be implausible.
REQUIRED_CHARACTERS = string.ascii_letters + " "
#: Letters that rise above the x-height, letters that stay within it, and letters that descend.
ASCENDER_LETTERS = "bdhkl"
X_HEIGHT_LETTERS = "acemnorsuvwxz"
DESCENDER_LETTERS = "gpqy"
#: A font is small caps when its ascenders reach at most this many x-heights ...
SMALL_CAPS_MAX_ASCENDER = 1.12
#: ... and its descenders go at most this many x-heights below the baseline.
SMALL_CAPS_MAX_DESCENDER = 0.12

#: A code point no handwriting font has: it renders as the font's ``.notdef`` glyph.
NOTDEF_PROBE = "\U0010fffd"
PROBE_SIZE = 48


@dataclass(frozen=True)
class FontVetting:
    """What a font draws: its covered characters, why others were dropped, and whether it is
    usable at all (``rejected`` is ``None`` for a usable font)."""

    coverage: frozenset[str]
    dropped: tuple[tuple[str, str], ...]  # (character, reason), in vocabulary order
    rejected: str | None = None

    @property
    def usable(self) -> bool:
        return self.rejected is None

    @property
    def restricted(self) -> bool:
        return self.usable and bool(self.dropped)


def _signature(font: ImageFont.FreeTypeFont, char: str) -> tuple[tuple[int, int], bytes]:
    mask = font.getmask(char)
    return tuple(mask.size), bytes(mask)


def small_caps_metrics(font: ImageFont.FreeTypeFont) -> tuple[float, float]:
    """(median ascender height, median descender depth) in units of the median x-height."""

    def extent(char: str) -> tuple[float, float]:
        _, top, _, bottom = font.getbbox(char, anchor="ls")
        return -top, bottom

    x_height = max(1.0, float(np.median([extent(char)[0] for char in X_HEIGHT_LETTERS])))
    ascender = float(np.median([extent(char)[0] for char in ASCENDER_LETTERS]))
    descender = float(np.median([extent(char)[1] for char in DESCENDER_LETTERS]))
    return ascender / x_height, descender / x_height


def vet_font(path: str | os.PathLike, characters: str = CHARACTERS) -> FontVetting:
    """Render every character of ``characters`` in the font at ``path`` and check it (see the
    module docstring). Unreadable files are rejected, not raised: a broken download should leave
    one writer out, not stop the generator."""
    try:
        font = ImageFont.truetype(str(path), PROBE_SIZE, layout_engine=ImageFont.Layout.BASIC)
    except OSError as error:
        return FontVetting(frozenset(), (), rejected=f"cannot open the font file: {error}")
    notdef = _signature(font, NOTDEF_PROBE)
    signatures: dict[str, tuple[tuple[int, int], bytes]] = {}
    dropped: list[tuple[str, str]] = []
    for char in characters:
        if char == " ":
            if font.getlength(char) > 0:
                signatures[char] = ((0, 0), b"")
            else:
                dropped.append((char, "the space has no width"))
            continue
        signature = _signature(font, char)
        size, data = signature
        if size[0] * size[1] == 0 or not any(data):
            dropped.append((char, "no ink"))
        elif signature == notdef:
            dropped.append((char, "drawn as the .notdef box"))
        elif char.islower() and signature == _signature(font, char.upper()):
            dropped.append((char, f"same glyph as {char.upper()!r}"))
        else:
            signatures[char] = signature
    dropped += _duplicate_marks(signatures)
    coverage = frozenset(signatures) - {char for char, _ in dropped}
    ordered = tuple(sorted(dropped, key=lambda item: characters.find(item[0])))
    missing = [char for char in REQUIRED_CHARACTERS if char not in coverage]
    if missing:
        shown = "".join(missing).replace(" ", "space")
        return FontVetting(coverage, ordered, rejected=f"cannot draw {shown!r}")
    ascender, descender = small_caps_metrics(font)
    if ascender <= SMALL_CAPS_MAX_ASCENDER and descender <= SMALL_CAPS_MAX_DESCENDER:
        return FontVetting(
            coverage,
            ordered,
            rejected=(
                f"lowercase letters are small capitals (ascenders {ascender:.2f} and "
                f"descenders {descender:.2f} x-heights)"
            ),
        )
    return FontVetting(coverage, ordered)


def _duplicate_marks(
    signatures: dict[str, tuple[tuple[int, int], bytes]],
) -> list[tuple[str, str]]:
    """Digits and punctuation drawn with the bitmap of an earlier character (letters win: a
    font whose "l" and "1" are one glyph keeps its "l")."""
    first_with: dict[tuple[tuple[int, int], bytes], str] = {}
    ordered = sorted(signatures, key=lambda char: (not char.isalpha(), CHARACTERS.find(char)))
    dropped = []
    for char in ordered:
        if char == " ":
            continue
        signature = signatures[char]
        if signature in first_with and not char.isalpha():
            dropped.append((char, f"same glyph as {first_with[signature]!r}"))
        else:
            first_with.setdefault(signature, char)
    return dropped
