"""Font vetting: a font draws what its glyphs show, not what its package name promises."""

from __future__ import annotations

import string

import pytest

pytest.importorskip("fontpkg")

from text_recognizer.data import font_vetting  # noqa: E402
from text_recognizer.vocab import CHARACTERS  # noqa: E402


class _Mask:
    """Stands in for the mask PIL returns: a size and bytes."""

    def __init__(self, size: tuple[int, int], data: bytes) -> None:
        self.size = size
        self._data = data

    def __bytes__(self) -> bytes:
        return self._data


class _FakeFont:
    """A font drawn from rules: ``glyphs(char)`` gives the bytes of a 6x9 glyph (or None for
    the .notdef box), ``extent(char)`` its height above and depth below the baseline."""

    def __init__(self, glyphs, extent) -> None:
        self.glyphs, self.extent = glyphs, extent

    def getmask(self, char: str) -> _Mask:
        data = self.glyphs(char)
        if data is None or char == font_vetting.NOTDEF_PROBE:
            return _Mask((5, 9), b"\x01" * 45)
        return _Mask((6, 9), data)

    def getlength(self, char: str) -> float:
        return 7.0

    def getbbox(self, char: str, anchor: str = "ls") -> tuple[int, int, int, int]:
        above, below = self.extent(char)
        return 0, -above, 6, below


def ordinary_extent(char: str) -> tuple[int, int]:
    if char in font_vetting.ASCENDER_LETTERS or char.isupper():
        return 30, 0
    if char in font_vetting.DESCENDER_LETTERS:
        return 20, 9
    return 20, 0


def distinct(char: str) -> bytes:
    return (char.encode() * 54)[:54]


@pytest.fixture
def fake_font(monkeypatch: pytest.MonkeyPatch):
    """Install a fake font; returns a function taking the glyph and extent rules."""

    def install(glyphs=distinct, extent=ordinary_extent) -> str:
        fake = _FakeFont(glyphs, extent)
        monkeypatch.setattr(font_vetting.ImageFont, "truetype", lambda *args, **kwargs: fake)
        return "fake.ttf"

    return install


def test_an_ordinary_font_covers_the_whole_vocabulary(fake_font) -> None:
    vetting = font_vetting.vet_font(fake_font())
    assert vetting.usable and not vetting.restricted
    assert vetting.coverage == frozenset(CHARACTERS)


def test_a_capitals_only_font_is_rejected_for_its_lowercase(fake_font) -> None:
    vetting = font_vetting.vet_font(fake_font(glyphs=lambda char: distinct(char.upper())))
    assert not vetting.usable
    assert "cannot draw" in vetting.rejected
    assert ("a", "same glyph as 'A'") in vetting.dropped


def test_small_capitals_posing_as_lowercase_are_rejected(fake_font) -> None:
    vetting = font_vetting.vet_font(fake_font(extent=lambda char: (20, 0)))
    assert not vetting.usable
    assert "small capitals" in vetting.rejected


def test_missing_digits_restrict_a_font_instead_of_rejecting_it(fake_font) -> None:
    vetting = font_vetting.vet_font(
        fake_font(glyphs=lambda char: None if char.isdigit() else distinct(char))
    )
    assert vetting.usable and vetting.restricted
    assert not vetting.coverage & set(string.digits)
    assert ("7", "drawn as the .notdef box") in vetting.dropped


def test_a_mark_drawn_like_another_character_is_dropped_and_the_letter_kept(fake_font) -> None:
    vetting = font_vetting.vet_font(
        fake_font(glyphs=lambda char: distinct("l" if char in "l1" else char))
    )
    assert "l" in vetting.coverage and "1" not in vetting.coverage
    assert ("1", "same glyph as 'l'") in vetting.dropped


def test_glyphs_without_ink_are_dropped(fake_font) -> None:
    vetting = font_vetting.vet_font(
        fake_font(glyphs=lambda char: b"\x00" * 54 if char == "?" else distinct(char))
    )
    assert ("?", "no ink") in vetting.dropped


def test_an_unreadable_font_file_is_rejected_not_raised(tmp_path) -> None:
    broken = tmp_path / "broken.woff2"
    broken.write_bytes(b"not a font")
    vetting = font_vetting.vet_font(broken)
    assert not vetting.usable and "cannot open" in vetting.rejected


def test_a_real_handwriting_font_passes_and_its_small_caps_metrics_are_ordinary() -> None:
    import fontpkg
    from PIL import ImageFont

    path = fontpkg.path("Kalam")
    assert font_vetting.vet_font(path).coverage == frozenset(CHARACTERS)
    ascender, descender = font_vetting.small_caps_metrics(ImageFont.truetype(str(path), 48))
    assert ascender > 1.2 and descender > 0.15
