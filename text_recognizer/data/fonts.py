"""Discovery of handwriting fonts (the synthetic "writers") and of the characters each can draw.

Fonts come from two places: PyPI ``fontpkg-*`` wheels (any OS, no root; the default set) and
Debian ``fonts-*`` packages (more writers where apt exists). Every font was looked at rendered:
the tables below leave out fonts that are print rather than handwriting (Klee One, Comic Neue),
calligraphy that reads wrongly ("quick" looks like "quirk" in Joscelyn; Ecolier Court's ornamental
capitals make all-caps words illegible; Great Vibes), small capitals posing as lowercase
(Permanent Marker), hollow digits (Femke Klaver), fonts missing most glyphs (Levien's Typo
Script), bold variants of listed fonts (the pen augmentation covers them) and duplicate files
(breipfont).

A font's coverage is measured, not trusted: a character counts as covered when its glyph has ink
and differs from the font's ``.notdef`` box, and a lowercase letter only when its glyph differs
from the capital (capitals-only fonts map both cases to one glyph). Fonts that cannot draw every
letter are skipped; fonts missing digits or punctuation are kept with a restricted character set.
"""

from __future__ import annotations

import functools
import os
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from PIL import ImageFont

from text_recognizer.errors import MissingFontsError
from text_recognizer.vocab import CHARACTERS

#: (writer name, family name for ``fontpkg.path``, pip package). OFL-1.1 Google Fonts.
PYPI_FONTS: tuple[tuple[str, str, str], ...] = (
    ("Caveat", "Caveat", "fontpkg-caveat"),
    ("Delius", "Delius", "fontpkg-delius"),
    ("Indie Flower", "Indie Flower", "fontpkg-indie-flower"),
    ("Kalam", "Kalam", "fontpkg-kalam"),
    ("Pacifico", "Pacifico", "fontpkg-pacifico"),
    ("Satisfy", "Satisfy", "fontpkg-satisfy"),
    ("Shadows Into Light", "Shadows Into Light", "fontpkg-shadows-into-light"),
    ("Yellowtail", "Yellowtail", "fontpkg-yellowtail"),
    ("Zeyada", "Zeyada", "fontpkg-zeyada"),
)

#: (writer name, file name searched under the system font folders, apt package).
DEBIAN_FONTS: tuple[tuple[str, str, str], ...] = (
    ("Breip", "Breip.ttf", "fonts-breip"),
    ("Dancing Script", "DancingScript-Regular.otf", "fonts-dancingscript"),
    ("DKG", "dkg.ttf", "fonts-dkg-handwriting"),
    ("DKG Italic", "dkgIt.ttf", "fonts-dkg-handwriting"),
    ("Delphine", "Delphine.ttf", "fonts-sjfonts"),
    ("Kaushan Script", "KaushanScript-Regular.otf", "fonts-kaushanscript"),
    ("Kristi", "Kristi.ttf", "fonts-kristi"),
    ("Purisa", "Purisa.ttf", "fonts-tlwg-purisa-ttf"),
    ("Rufscript", "Rufscript010.ttf", "fonts-rufscript"),
    ("Steve Hand", "SteveHand.ttf", "fonts-sjfonts"),
)

#: Unseen writers: only the test split uses them. One PyPI font, so the held-out split exists
#: without the Debian fonts, plus two Debian fonts when installed. All three are plain, legible
#: hands: a held-out writer should test generalization, not an exotic style no model could read.
HELD_OUT_WRITERS: tuple[str, ...] = ("Breip", "Shadows Into Light", "Steve Hand")

#: Folders searched for the Debian font files (by file name, at any depth).
FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
)

#: Characters a font must draw to be used at all: without every letter, text would be implausible.
REQUIRED_CHARACTERS = string.ascii_letters + " "

#: A code point no handwriting font has: it renders as the font's ``.notdef`` glyph.
_NOTDEF_PROBE = "\U0010fffd"
_PROBE_SIZE = 48


@dataclass(frozen=True)
class HandwritingFont:
    """One synthetic writer: a font file and the vocabulary characters it can draw."""

    name: str
    path: str
    package: str
    installer: str  # "pip" or "apt"
    coverage: frozenset[str]
    held_out: bool = False

    def covers(self, text: str) -> bool:
        """True when every character of ``text`` (newlines aside) has a real glyph."""
        return all(char in self.coverage for char in text if char != "\n")

    def missing(self, characters: Iterable[str] = CHARACTERS) -> str:
        """Vocabulary characters this font cannot draw, in vocabulary order."""
        return "".join(char for char in characters if char not in self.coverage)


def _glyph_signature(font: ImageFont.FreeTypeFont, char: str) -> tuple[tuple[int, int], bytes]:
    mask = font.getmask(char)
    return tuple(mask.size), bytes(mask)


def glyph_coverage(path: str | os.PathLike, characters: str = CHARACTERS) -> frozenset[str]:
    """The characters of ``characters`` that the font at ``path`` draws with a glyph of its own.

    PIL only, so no font-tools dependency: a missing glyph renders as the ``.notdef`` glyph (or
    nothing), which is recognized by comparing bitmaps.
    """
    font = ImageFont.truetype(str(path), _PROBE_SIZE, layout_engine=ImageFont.Layout.BASIC)
    notdef = _glyph_signature(font, _NOTDEF_PROBE)
    covered = set()
    for char in characters:
        if char == " ":
            if font.getlength(char) > 0:
                covered.add(char)
            continue
        size, data = _glyph_signature(font, char)
        if size[0] * size[1] == 0 or not any(data) or (size, data) == notdef:
            continue
        if char.islower() and (size, data) == _glyph_signature(font, char.upper()):
            continue  # capitals-only font: the "lowercase" glyph is the capital
        covered.add(char)
    return frozenset(covered)


def _find_file(file_name: str, search_dirs: Sequence[Path]) -> Path | None:
    """First match (sorted, so the result is stable) of ``file_name`` under ``search_dirs``."""
    for folder in search_dirs:
        if folder.is_dir():
            matches = sorted(folder.rglob(file_name))
            if matches:
                return matches[0]
    return None


def _pypi_font_path(family: str) -> Path | None:
    try:
        import fontpkg
    except ImportError:
        return None
    try:
        return Path(fontpkg.path(family))
    except Exception:  # fontpkg raises FamilyNotInstalled (or similar) when the wheel is absent
        return None


def install_hint() -> str:
    """The commands that install the fonts this module looks for."""
    pip = " ".join(package for _, _, package in PYPI_FONTS)
    apt = " ".join(dict.fromkeys(package for _, _, package in DEBIAN_FONTS))
    return f"pip install {pip}  (any OS), and where apt exists: apt-get install {apt}"


def _candidates(search_dirs: Sequence[Path]) -> list[tuple[str, Path, str, str]]:
    found = []
    for name, family, package in PYPI_FONTS:
        path = _pypi_font_path(family)
        if path is not None and path.is_file():
            found.append((name, path, package, "pip"))
    for name, file_name, package in DEBIAN_FONTS:
        path = _find_file(file_name, search_dirs)
        if path is not None:
            found.append((name, path, package, "apt"))
    return found


@functools.lru_cache(maxsize=8)
def discover_fonts(search_dirs: tuple[Path, ...] = FONT_DIRS) -> tuple[HandwritingFont, ...]:
    """Installed, usable handwriting fonts sorted by name (a stable order keeps seeds meaningful).

    Raises :class:`MissingFontsError` naming the packages to install when none is usable.
    """
    fonts = []
    for name, path, package, installer in _candidates(search_dirs):
        coverage = glyph_coverage(path)
        if not set(REQUIRED_CHARACTERS) <= coverage:
            continue  # capitals-only or otherwise incomplete: text would not match the label
        fonts.append(
            HandwritingFont(
                name=name,
                path=str(path),
                package=package,
                installer=installer,
                coverage=coverage,
                held_out=name in HELD_OUT_WRITERS,
            )
        )
    if not fonts:
        raise MissingFontsError(
            "no usable handwriting font is installed; the synthetic data needs at least one. "
            f"Install them with: {install_hint()}"
        )
    return tuple(sorted(fonts, key=lambda font: font.name))


def split_writers(
    fonts: Sequence[HandwritingFont],
) -> tuple[tuple[HandwritingFont, ...], tuple[HandwritingFont, ...]]:
    """``(training writers, held-out writers)``; both non-empty so every split can be drawn.

    When none of :data:`HELD_OUT_WRITERS` is installed the last font by name is held out, so the
    test split still measures unseen writers.
    """
    if len(fonts) < 2:
        raise MissingFontsError(
            f"only {len(fonts)} usable handwriting font(s) found; at least 2 are needed so that "
            f"the test split has unseen writers. Install more with: {install_hint()}"
        )
    held_out = tuple(font for font in fonts if font.held_out)
    if not held_out or len(held_out) == len(fonts):
        held_out = (fonts[-1],)
    training = tuple(font for font in fonts if font not in held_out)
    return training, held_out
