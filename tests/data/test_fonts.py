"""Handwriting font discovery: coverage is measured, held-out writers stay out of training."""

from __future__ import annotations

import dataclasses
import re
import string
import tomllib

import pytest

pytest.importorskip("fontpkg")

from tests.conftest import REPO_ROOT  # noqa: E402
from text_recognizer.data import fonts  # noqa: E402
from text_recognizer.errors import MissingFontsError  # noqa: E402
from text_recognizer.vocab import CHARACTERS  # noqa: E402


class _Mask:
    """Stands in for the mask PIL returns: a size and bytes."""

    def __init__(self, size: tuple[int, int], data: bytes) -> None:
        self.size = size
        self._data = data

    def __bytes__(self) -> bytes:
        return self._data


class _CapitalsOnlyFont:
    """A font whose lowercase letters are its capitals and which has no digits (like
    fonts-bwht): digits render as the notdef box."""

    def getmask(self, char: str) -> _Mask:
        if char.isdigit() or char == "\U0010fffd":
            return _Mask((5, 9), b"\x01" * 45)  # the .notdef box
        return _Mask((6, 9), char.upper().encode() * 54)

    def getlength(self, char: str) -> float:
        return 7.0


@pytest.fixture
def capitals_only_font(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(fonts.ImageFont, "truetype", lambda *args, **kwargs: _CapitalsOnlyFont())
    return "capitals-only.ttf"


def test_every_discovered_font_draws_every_letter_and_space() -> None:
    for font in fonts.discover_fonts():
        assert set(fonts.REQUIRED_CHARACTERS) <= font.coverage, font.name


def test_discovered_fonts_are_sorted_by_name_so_seeds_keep_their_meaning() -> None:
    names = [font.name for font in fonts.discover_fonts()]
    assert names == sorted(names)
    assert len(set(names)) == len(names)


def test_the_pypi_fonts_are_found_with_their_packages() -> None:
    found = {font.name: font for font in fonts.discover_fonts()}
    for name, _, package in fonts.PYPI_FONTS:
        assert found[name].package == package
        assert found[name].installer == "pip"


def test_every_pypi_font_is_in_the_synth_extra() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    synth = project["optional-dependencies"]["synth"]
    declared = {re.split(r"[<>=!~ ]", spec, maxsplit=1)[0] for spec in synth}
    assert {package for _, _, package in fonts.PYPI_FONTS} <= declared


def test_every_debian_font_is_installed_by_the_setup_script() -> None:
    script = (REPO_ROOT / "scripts" / "install_fonts.sh").read_text()
    listed = set(re.search(r"packages=\((.*?)\)", script, re.S).group(1).split())
    assert {package for _, _, package in fonts.DEBIAN_FONTS} <= listed


def test_coverage_excludes_characters_the_font_has_no_glyph_for() -> None:
    import fontpkg

    coverage = fonts.glyph_coverage(fontpkg.path("Kalam"), "aZ7?\u4e00\U0001f600")
    assert coverage == frozenset("aZ7?")


def test_a_capitals_only_font_covers_no_lowercase_and_no_missing_digits(
    capitals_only_font: str,
) -> None:
    coverage = fonts.glyph_coverage(capitals_only_font, CHARACTERS)
    assert set(string.ascii_uppercase) <= coverage
    assert not coverage & set(string.ascii_lowercase)
    assert not coverage & set(string.digits)


def test_covers_ignores_newlines_and_rejects_uncovered_characters() -> None:
    font = fonts.HandwritingFont("x", "x.ttf", "pkg", "pip", frozenset("ab "))
    assert font.covers("ab\nba")
    assert not font.covers("abc")
    assert font.missing("abc?") == "c?"


def test_missing_fonts_error_names_the_packages_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setattr(fonts, "_pypi_font_path", lambda family: None)
    with pytest.raises(MissingFontsError) as error:
        fonts.discover_fonts(search_dirs=(tmp_path,))
    message = str(error.value)
    assert "pip install fontpkg-caveat" in message
    assert "fonts-dkg-handwriting" in message


def test_held_out_writers_are_never_training_writers() -> None:
    training, held_out = fonts.split_writers(fonts.discover_fonts())
    assert training and held_out
    assert not {font.name for font in training} & {font.name for font in held_out}
    assert {font.name for font in held_out} <= set(fonts.HELD_OUT_WRITERS)


def test_a_pypi_font_is_held_out_so_the_test_split_exists_without_debian_fonts() -> None:
    pypi_names = {name for name, _, _ in fonts.PYPI_FONTS}
    assert pypi_names & set(fonts.HELD_OUT_WRITERS)


def test_without_a_listed_held_out_font_the_last_font_is_held_out() -> None:
    plain = [
        fonts.HandwritingFont(name, f"{name}.ttf", "pkg", "pip", frozenset("a"))
        for name in ("A", "B", "C")
    ]
    training, held_out = fonts.split_writers(plain)
    assert [font.name for font in held_out] == ["C"]
    assert [font.name for font in training] == ["A", "B"]


def test_one_font_is_not_enough_for_unseen_writers() -> None:
    only = fonts.discover_fonts()[0]
    with pytest.raises(MissingFontsError, match="at least 2"):
        fonts.split_writers([dataclasses.replace(only, held_out=False)])
