"""Installing npm fonts: whole files or none, skipped with a reason where npm cannot help."""

from __future__ import annotations

import io
import os
import stat
import sys
import tarfile
from pathlib import Path

import pytest

from text_recognizer.data import font_install
from text_recognizer.data.fonts import npm_font_file


def package_tarball(path: Path, family: str, face: bytes | None = b"woff2 bytes") -> None:
    """An ``npm pack`` tarball of ``@fontsource/<family>`` (only the members we read)."""
    with tarfile.open(path, "w:gz") as archive:
        members = {"package/LICENSE": b"OFL-1.1"}
        if face is not None:
            members[f"package/files/{npm_font_file(family)}"] = face
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


@pytest.fixture
def fake_npm(tmp_path: Path) -> Path:
    """An ``npm`` that packs tarballs from a folder of prepared ones, failing for others."""
    store = tmp_path / "registry"
    store.mkdir()
    script = tmp_path / "npm"
    script.write_text(
        f"#!{sys.executable}\n"
        "import shutil, sys\n"
        "from pathlib import Path\n"
        "family = sys.argv[3].split('/')[-1]\n"
        f"source = Path({str(store)!r}) / (family + '.tgz')\n"
        "if not source.exists():\n"
        "    print('npm error code E404', file=sys.stderr); sys.exit(1)\n"
        "shutil.copy(source, Path(sys.argv[5]) / ('fontsource-' + family + '-5.0.0.tgz'))\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_a_family_is_unpacked_with_its_licence(fake_npm: Path, tmp_path: Path) -> None:
    package_tarball(fake_npm.parent / "registry" / "caveat.tgz", "caveat")
    report = font_install.install_npm_fonts(["caveat"], tmp_path / "cache", npm=str(fake_npm))
    folder = tmp_path / "cache" / "fontsource"
    assert report.installed == ["caveat"]
    assert (folder / npm_font_file("caveat")).read_bytes() == b"woff2 bytes"
    assert (folder / "caveat.LICENSE").read_text() == "OFL-1.1"


def test_installed_families_are_not_fetched_again(fake_npm: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache" / "fontsource"
    folder.mkdir(parents=True)
    (folder / npm_font_file("caveat")).write_bytes(b"x")
    report = font_install.install_npm_fonts(["caveat"], tmp_path / "cache", npm=str(fake_npm))
    assert report.present == ["caveat"] and not report.installed


def test_a_family_the_registry_lacks_is_skipped_with_npms_reason(
    fake_npm: Path, tmp_path: Path
) -> None:
    report = font_install.install_npm_fonts(["nope"], tmp_path / "cache", npm=str(fake_npm))
    assert report.skipped == {"nope": "npm pack failed: npm error code E404"}


def test_a_package_without_the_latin_face_leaves_no_file(fake_npm: Path, tmp_path: Path) -> None:
    package_tarball(fake_npm.parent / "registry" / "odd.tgz", "odd", face=None)
    report = font_install.install_npm_fonts(["odd"], tmp_path / "cache", npm=str(fake_npm))
    assert "cannot unpack" in report.skipped["odd"]
    assert not list((tmp_path / "cache" / "fontsource").glob("odd*"))


def test_without_npm_every_family_is_skipped_with_that_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", os.fspath(tmp_path))
    report = font_install.install_npm_fonts(["caveat", "kalam"], tmp_path / "cache")
    assert report.skipped == {"caveat": "npm is not installed", "kalam": "npm is not installed"}
    assert report.summary().endswith("2 skipped (npm is not installed)")


def test_the_families_to_install_are_the_catalogues_npm_sources() -> None:
    families = font_install.npm_families()
    assert "homemade-apple" in families and "caveat" in families
    assert "ballet" not in families  # left out by eye
    assert families == sorted(set(families))
