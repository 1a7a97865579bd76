"""Font bundles: the same writers from copied files on a machine that cannot install fonts."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from text_recognizer.data import font_bundle, fonts
from text_recognizer.errors import MissingFontsError


def one_writer_per_source_kind() -> list[fonts.HandwritingFont]:
    """A PyPI, a Debian and an npm writer found on this machine (skips where one is missing)."""
    try:
        found = fonts.discover_fonts()
    except MissingFontsError as error:
        pytest.skip(str(error))
    chosen = {}
    for font in found:
        chosen.setdefault(font.installer, font)
    missing = {"pip", "apt", "npm"} - set(chosen)
    if missing:
        pytest.skip(f"no writer installed from {sorted(missing)} here")
    return [chosen[kind] for kind in ("pip", "apt", "npm")]


@pytest.fixture(scope="module")
def bundled(tmp_path_factory) -> tuple[Path, list[fonts.HandwritingFont]]:
    """A bundle of three writers, one from each kind of source."""
    writers = one_writer_per_source_kind()
    folder = tmp_path_factory.mktemp("bundle") / "fonts"
    font_bundle.write_font_bundle(folder, writers, fonts.read_catalog())
    return folder, writers


@pytest.fixture
def nothing_installed(monkeypatch, tmp_path) -> dict:
    """Discovery arguments of a machine with no fontpkg, no Debian fonts, no npm font cache."""
    monkeypatch.setitem(sys.modules, "fontpkg", None)  # import fontpkg -> ImportError
    monkeypatch.delenv(fonts.FONT_BUNDLE_VARIABLE, raising=False)
    return {"search_dirs": (), "cache_dir": tmp_path / "empty-npm-cache"}


def test_every_catalogue_source_spells_back_as_written() -> None:
    for entry in fonts.read_catalog():
        for source in entry.sources:
            assert fonts.FontSource.parse(source.spec) == source


def test_without_a_bundle_nothing_installed_means_no_writers(nothing_installed) -> None:
    with pytest.raises(MissingFontsError, match="no usable handwriting font"):
        fonts.discover_fonts(**nothing_installed)


def test_a_bundle_gives_the_same_writers_roles_and_glyphs_with_nothing_installed(
    bundled, nothing_installed
) -> None:
    folder, writers = bundled
    found = fonts.discover_fonts(**nothing_installed, bundle=folder)
    assert [font.name for font in found] == sorted(font.name for font in writers)
    by_name = {font.name: font for font in writers}
    for font in found:
        original = by_name[font.name]
        assert Path(font.path).is_relative_to(folder)
        assert (font.role, font.style, font.package, font.installer) == (
            original.role,
            original.style,
            original.package,
            original.installer,
        )
        assert font.coverage == original.coverage


def test_the_bundle_is_named_by_the_environment_variable(
    bundled, nothing_installed, monkeypatch
) -> None:
    folder, writers = bundled
    monkeypatch.setenv(fonts.FONT_BUNDLE_VARIABLE, str(folder))
    assert len(fonts.discover_fonts(**nothing_installed)) == len(writers)
    rows = {row.name: row for row in fonts.library_report(**nothing_installed)}
    assert all(rows[font.name].detail.endswith("(bundled)") for font in writers)


def test_installed_fonts_come_before_their_bundled_copies(bundled) -> None:
    folder, writers = bundled
    found = {font.name: font for font in fonts.discover_fonts(bundle=folder)}
    assert all(not Path(found[font.name].path).is_relative_to(folder) for font in writers)


def test_the_index_records_each_source_with_its_size_and_hash(bundled) -> None:
    folder, writers = bundled
    index = json.loads((folder / font_bundle.INDEX_FILE).read_text())
    assert [entry["writer"] for entry in index["fonts"]] == [font.name for font in writers]
    for entry in index["fonts"]:
        assert (folder / entry["file"]).stat().st_size == entry["bytes"]
    assert font_bundle.check_bundle(folder) == []


def test_a_changed_or_missing_bundled_file_is_reported(bundled, tmp_path) -> None:
    folder, _ = bundled
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    entries = json.loads((copy / font_bundle.INDEX_FILE).read_text())["fonts"]
    (copy / entries[0]["file"]).write_bytes(b"not a font")
    (copy / entries[1]["file"]).unlink()
    problems = font_bundle.check_bundle(copy)
    assert len(problems) == 2
    assert "differs from the index" in problems[0] and "is missing" in problems[1]


@pytest.mark.parametrize("damage", ["same-size", "one-byte-more"])
def test_a_bundled_file_with_either_its_size_or_its_content_changed_is_reported(
    bundled, tmp_path, damage
) -> None:
    folder, _ = bundled
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    entry = json.loads((copy / font_bundle.INDEX_FILE).read_text())["fonts"][0]
    path = copy / entry["file"]
    data = bytearray(path.read_bytes())
    if damage == "same-size":
        data[len(data) // 2] ^= 0xFF  # a flipped byte: the size still matches the index
    else:
        data += b"\0"
    path.write_bytes(bytes(data))
    assert font_bundle.check_bundle(copy) == [
        f"{entry['writer']}: {entry['file']} differs from the index (size or hash)"
    ]


def test_a_folder_without_an_index_is_named_in_the_error(nothing_installed, tmp_path) -> None:
    with pytest.raises(MissingFontsError, match=r"no fonts\.json.*gpu_bundle"):
        fonts.discover_fonts(**nothing_installed, bundle=tmp_path)
