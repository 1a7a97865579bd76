"""The vetting cache: a font is vetted once until its file, the vetting code or the renderer
changes; a broken cache costs a re-vetting, never an error."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from text_recognizer.data import vetting_cache
from text_recognizer.data.font_vetting import FontVetting
from text_recognizer.data.vetting_cache import VettingCache

RESTRICTED = FontVetting(frozenset("abc "), (("0", "same glyph as 'O'"), (";", "no ink")))
REJECTED = FontVetting(frozenset("ab"), (), rejected="cannot draw 'xyz'")


class CountingVet:
    """Stands in for the vetting: returns ``result`` and counts the fonts it was asked about."""

    def __init__(self, result: FontVetting = RESTRICTED) -> None:
        self.result = result
        self.calls: list[Path] = []

    def __call__(self, path: Path) -> FontVetting:
        self.calls.append(path)
        return self.result


@pytest.fixture
def font_file(tmp_path: Path) -> Path:
    path = tmp_path / "fonts" / "writer.ttf"
    path.parent.mkdir()
    path.write_bytes(b"glyphs")
    return path


@pytest.fixture
def cache_file(tmp_path: Path) -> Path:
    return tmp_path / "cache" / vetting_cache.CACHE_FILE


def vet_in_a_new_process(cache_file: Path, font: Path, vet: CountingVet) -> FontVetting:
    """What a fresh process does: open the cache, vet one font, save."""
    cache = VettingCache(cache_file, vet)
    result = cache.vetting(font)
    cache.save()
    return result


@pytest.mark.parametrize("result", [RESTRICTED, REJECTED], ids=["restricted", "rejected"])
def test_a_saved_vetting_comes_back_equal_without_vetting_again(cache_file, font_file, result):
    first, second = CountingVet(result), CountingVet(result)
    assert vet_in_a_new_process(cache_file, font_file, first) == result
    assert vet_in_a_new_process(cache_file, font_file, second) == result
    assert len(first.calls) == 1 and second.calls == []


def test_a_rewritten_font_file_is_vetted_again(cache_file, font_file):
    vet_in_a_new_process(cache_file, font_file, CountingVet())
    font_file.write_bytes(b"other glyphs")
    stat = font_file.stat()
    os.utime(font_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    again = CountingVet(REJECTED)
    assert vet_in_a_new_process(cache_file, font_file, again) == REJECTED
    assert again.calls == [font_file]


def test_results_of_other_vetting_code_are_ignored(cache_file, font_file, monkeypatch):
    vet_in_a_new_process(cache_file, font_file, CountingVet())
    monkeypatch.setattr(vetting_cache, "vetting_code_key", lambda: "edited font_vetting.py")
    again = CountingVet(REJECTED)
    assert vet_in_a_new_process(cache_file, font_file, again) == REJECTED
    assert again.calls == [font_file]


def test_the_code_key_follows_the_vetting_source(monkeypatch, tmp_path):
    before = vetting_cache.vetting_code_key()
    edited = tmp_path / "font_vetting.py"
    edited.write_text(Path(vetting_cache.font_vetting.__file__).read_text() + "\n# edited\n")
    monkeypatch.setattr(vetting_cache.font_vetting, "__file__", str(edited))
    assert vetting_cache.vetting_code_key() != before


@pytest.mark.parametrize(
    "renderer",
    [
        lambda monkeypatch: monkeypatch.setattr(vetting_cache.Image, "__version__", "0.0.1"),
        lambda monkeypatch: monkeypatch.setattr(
            vetting_cache.ImageFont, "core", SimpleNamespace(freetype2_version="0.0.1")
        ),
        lambda monkeypatch: monkeypatch.setattr(vetting_cache, "FORMAT", 0),
    ],
    ids=["pillow", "freetype", "cache-format"],
)
def test_the_code_key_follows_the_renderer_and_the_cache_format(monkeypatch, renderer):
    """Another Pillow or FreeType draws glyphs differently: what it covers is vetted again."""
    before = vetting_cache.vetting_code_key()
    renderer(monkeypatch)
    assert vetting_cache.vetting_code_key() != before


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b'{"code": 1, "fonts": []}'])
def test_an_unreadable_cache_is_vetted_again_and_rewritten(cache_file, font_file, content):
    cache_file.parent.mkdir()
    cache_file.write_bytes(content)
    vet = CountingVet()
    assert vet_in_a_new_process(cache_file, font_file, vet) == RESTRICTED
    assert vet.calls == [font_file]
    assert json.loads(cache_file.read_text())["code"] == vetting_cache.vetting_code_key()


def test_a_cache_folder_that_cannot_be_written_only_costs_the_vetting(font_file, tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    vet = CountingVet()
    assert vet_in_a_new_process(blocked / vetting_cache.CACHE_FILE, font_file, vet) == RESTRICTED
    assert vet.calls == [font_file]


def test_a_missing_font_file_is_left_to_the_vetting_to_report(cache_file, tmp_path):
    vet = CountingVet(REJECTED)
    missing = tmp_path / "gone.ttf"
    assert vet_in_a_new_process(cache_file, missing, vet) == REJECTED
    assert vet.calls == [missing] and not cache_file.exists()


def test_nothing_is_written_when_every_font_came_from_the_cache(cache_file, font_file):
    vet_in_a_new_process(cache_file, font_file, CountingVet())
    written = cache_file.stat().st_mtime_ns
    os.utime(cache_file, ns=(written - 10**9, written - 10**9))
    vet_in_a_new_process(cache_file, font_file, CountingVet())
    assert cache_file.stat().st_mtime_ns == written - 10**9


def test_the_library_vets_each_font_once_across_processes(monkeypatch, tmp_path):
    from text_recognizer.data import fonts

    calls: list[Path] = []

    def counting(path):
        calls.append(Path(path))
        return vetting_cache.font_vetting.vet_font(path)

    monkeypatch.setattr(fonts, "vet_font", counting)
    fonts._library.cache_clear()
    first = fonts.discover_fonts(cache_dir=tmp_path)
    vetted = len(calls)
    fonts._library.cache_clear()  # a new process: the in-memory cache is gone
    assert fonts.discover_fonts(cache_dir=tmp_path) == first
    assert vetted > 0 and len(calls) == vetted
    fonts._library.cache_clear()


def test_the_cache_can_be_turned_off(monkeypatch, tmp_path):
    from text_recognizer.data import fonts

    monkeypatch.setenv("TEXT_RECOGNIZER_VETTING_CACHE", "0")
    fonts._library.cache_clear()
    try:
        assert fonts.discover_fonts(cache_dir=tmp_path)
        assert not (tmp_path / vetting_cache.CACHE_FILE).exists()
    finally:
        fonts._library.cache_clear()
