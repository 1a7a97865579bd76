"""The font library: a catalogue looked at by eye, roles chosen by a rule, honest discovery."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections import Counter

import pytest

pytest.importorskip("fontpkg")

from tests.conftest import REPO_ROOT  # noqa: E402
from text_recognizer.data import fonts  # noqa: E402
from text_recognizer.errors import MissingFontsError  # noqa: E402


def font(name: str, role: str = "train", style: str = "print") -> fonts.HandwritingFont:
    return fonts.HandwritingFont(name, f"{name}.ttf", "pkg", "pip", frozenset("ab "), style, role)


def test_the_catalogue_names_every_writer_once_with_a_known_style() -> None:
    names = [entry.name for entry in fonts.read_catalog()]
    assert len(names) == len(set(names))
    assert {entry.style for entry in fonts.read_catalog()} == set(fonts.STYLES)


def test_every_writer_kept_by_eye_has_a_source_and_every_one_left_out_a_reason() -> None:
    for entry in fonts.read_catalog():
        assert entry.sources or entry.excluded, entry.name


def test_the_library_holds_at_least_sixty_writers_and_twelve_test_only_ones() -> None:
    roles = fonts.writer_roles()
    assert len(roles) >= 60
    assert Counter(roles.values())["test"] >= 12


def test_test_only_and_validation_only_writers_cover_every_style() -> None:
    roles = fonts.writer_roles()
    styles = {entry.name: entry.style for entry in fonts.read_catalog()}
    for role in ("test", "val"):
        assert {styles[name] for name, got in roles.items() if got == role} == set(fonts.STYLES)


def test_the_writers_held_out_before_the_library_grew_stay_test_only() -> None:
    roles = fonts.writer_roles()
    assert all(roles[name] == "test" for name in fonts.LEGACY_TEST_WRITERS)


def test_roles_follow_the_rule_not_the_catalogue_order() -> None:
    catalog = fonts.read_catalog()
    assert fonts.writer_roles(tuple(reversed(catalog))) == fonts.writer_roles(catalog)


def test_by_rank_each_style_lists_its_test_writers_then_validation_then_training() -> None:
    roles = fonts.writer_roles()
    order = {"test": 0, "val": 1, "train": 2}
    for style in fonts.STYLES:
        names = [
            entry.name
            for entry in fonts.read_catalog()
            if entry.style == style
            and not entry.excluded
            and entry.name not in fonts.LEGACY_TEST_WRITERS
        ]
        ranked = [order[roles[name]] for name in sorted(names, key=fonts.writer_rank)]
        assert ranked == sorted(ranked), f"{style}: roles by rank {ranked}"


def test_each_style_holds_out_its_share_of_writers() -> None:
    roles = fonts.writer_roles()
    kept = [entry for entry in fonts.read_catalog() if not entry.excluded]
    for style in fonts.STYLES:
        names = [entry.name for entry in kept if entry.style == style]
        test = sum(roles[name] == "test" for name in names)
        val = sum(roles[name] == "val" for name in names)
        assert test >= fonts.TEST_SHARE * len(names)
        assert fonts.VAL_SHARE * len(names) <= val < fonts.VAL_SHARE * len(names) + 1


def test_sources_parse_into_kind_package_and_locator() -> None:
    assert fonts.FontSource.parse("apt:fonts-breip:Breip.ttf") == fonts.FontSource(
        "apt", "fonts-breip", "Breip.ttf"
    )
    with pytest.raises(ValueError, match="malformed"):
        fonts.FontSource.parse("ftp:somewhere")


def test_every_pypi_font_is_in_the_synth_extra() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    synth = project["optional-dependencies"]["synth"]
    declared = {re.split(r"[<>=!~ ]", spec, maxsplit=1)[0] for spec in synth}
    pypi = {
        source.package
        for entry in fonts.read_catalog()
        for source in entry.sources
        if source.kind == "pypi"
    }
    assert pypi <= declared


def test_every_debian_font_is_installed_by_the_setup_script() -> None:
    script = (REPO_ROOT / "scripts" / "install_fonts.sh").read_text()
    listed = set(re.search(r"packages=\((.*?)\)", script, re.S).group(1).split())
    apt = {
        source.package
        for entry in fonts.read_catalog()
        if not entry.excluded
        for source in entry.sources
        if source.kind == "apt"
    }
    assert apt <= listed


def test_every_discovered_font_draws_every_letter_and_space() -> None:
    for found in fonts.discover_fonts():
        assert set(fonts.REQUIRED_CHARACTERS) <= found.coverage, found.name


def test_discovered_fonts_are_sorted_by_name_so_seeds_keep_their_meaning() -> None:
    names = [found.name for found in fonts.discover_fonts()]
    assert names == sorted(names)
    assert len(set(names)) == len(names)


def test_a_font_left_out_by_eye_is_never_discovered() -> None:
    excluded = {entry.name for entry in fonts.read_catalog() if entry.excluded}
    assert not excluded & {found.name for found in fonts.discover_fonts()}


def test_the_library_report_says_what_became_of_every_catalogue_entry() -> None:
    rows = fonts.library_report()
    assert [row.name for row in rows] == [entry.name for entry in fonts.read_catalog()]
    used = {row.name for row in rows if row.status in ("used", "restricted")}
    assert used == {found.name for found in fonts.discover_fonts()}
    assert all(row.detail for row in rows if row.status != "used")


def test_a_pypi_font_is_found_with_its_package() -> None:
    found = {item.name: item for item in fonts.discover_fonts()}
    assert found["Caveat"].package == "fontpkg-caveat"
    assert found["Caveat"].installer == "pip"


def test_npm_fonts_are_found_in_the_font_cache_folder(tmp_path, monkeypatch) -> None:
    import fontpkg

    folder = tmp_path / "fontsource"
    folder.mkdir()
    (folder / fonts.npm_font_file("homemade-apple")).write_bytes(
        fontpkg.path("Caveat").read_bytes()
    )
    monkeypatch.setenv(fonts.FONT_DIR_VARIABLE, str(tmp_path))
    source = fonts.FontSource.parse("npm:homemade-apple")
    assert fonts.locate(source) == folder / fonts.npm_font_file("homemade-apple")
    assert fonts.locate(fonts.FontSource.parse("npm:reenie-beanie")) is None


def test_missing_fonts_error_names_the_packages_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setattr(fonts, "_pypi_font_path", lambda family: None)
    with pytest.raises(MissingFontsError) as error:
        fonts.discover_fonts(search_dirs=(tmp_path,), cache_dir=tmp_path)
    message = str(error.value)
    assert "pip install fontpkg-caveat" in message
    assert "fonts-dkg-handwriting" in message
    assert "npm" in message


def test_each_split_draws_only_from_its_role() -> None:
    by_split = fonts.writers_by_split(fonts.discover_fonts())
    for split, role in (("train", "train"), ("val", "val"), ("test", "test")):
        assert by_split[split] and all(found.role == role for found in by_split[split])


def test_without_a_test_only_writer_the_last_training_font_is_held_out() -> None:
    by_split = fonts.writers_by_split([font("A"), font("B"), font("C"), font("V", "val")])
    assert [found.name for found in by_split["test"]] == ["C"]
    assert [found.name for found in by_split["train"]] == ["A", "B"]


def test_without_a_validation_only_writer_validation_uses_the_training_writers() -> None:
    by_split = fonts.writers_by_split([font("A"), font("B"), font("T", "test")])
    assert by_split["val"] == by_split["train"]


def test_one_font_is_not_enough_for_unseen_writers() -> None:
    only = fonts.discover_fonts()[0]
    with pytest.raises(MissingFontsError, match="at least 2"):
        fonts.writers_by_split([dataclasses.replace(only, role="train")])


def test_covers_ignores_newlines_and_rejects_uncovered_characters() -> None:
    plain = font("x")
    assert plain.covers("ab\nba")
    assert not plain.covers("abc")
    assert plain.missing("abc?") == "c?"
