"""Safe extraction: nothing escapes the target folder, bombs are refused, failures leave nothing."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.data.miniature_archives import link_member, write_tgz, write_zip
from text_recognizer.data.archive import ExtractionLimits, extract_archive
from text_recognizer.errors import TextRecognizerError, UnsafeArchiveError


def assert_nothing_left(folder: Path) -> None:
    """Only the archive itself may remain: no target, no temporary extraction folder."""
    assert sorted(p.name for p in folder.iterdir()) == ["archive"]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "archive").mkdir()
    return tmp_path


def test_zip_extracts_members_into_the_new_target(workdir: Path) -> None:
    archive = write_zip(workdir / "archive" / "a.zip", {"xml/a.xml": b"<a/>", "b.txt": b"b"})
    target = extract_archive(archive, workdir / "out")
    assert (target / "xml" / "a.xml").read_bytes() == b"<a/>"
    assert (target / "b.txt").read_bytes() == b"b"


def test_tar_gz_extracts_files_and_internal_links(workdir: Path) -> None:
    archive = write_tgz(
        workdir / "archive" / "a.tgz",
        [("forms/a.png", b"png"), link_member("forms/alias.png", "a.png")],
    )
    target = extract_archive(archive, workdir / "out")
    assert (target / "forms" / "alias.png").read_bytes() == b"png"


def test_tar_symlink_is_resolved_from_its_own_folder(workdir: Path) -> None:
    """``../a.png`` from ``forms/scans/`` stays inside the target, so it is extracted."""
    archive = write_tgz(
        workdir / "archive" / "a.tgz",
        [("forms/a.png", b"png"), link_member("forms/scans/alias.png", "../a.png")],
    )
    target = extract_archive(archive, workdir / "out")
    assert (target / "forms" / "scans" / "alias.png").read_bytes() == b"png"


def test_zip_slip_member_is_refused_by_name(workdir: Path) -> None:
    archive = write_zip(workdir / "archive" / "evil.zip", {"ok.txt": b"x", "../evil": b"pwned"})
    with pytest.raises(UnsafeArchiveError, match=r"'\.\./evil'.*escapes"):
        extract_archive(archive, workdir / "out")
    assert not (workdir / "evil").exists()
    assert_nothing_left(workdir)


def test_zip_absolute_member_is_refused(workdir: Path) -> None:
    archive = write_zip(workdir / "archive" / "abs.zip", {"/tmp/evil": b"x"})
    with pytest.raises(UnsafeArchiveError, match="'/tmp/evil' has an absolute path"):
        extract_archive(archive, workdir / "out")
    assert_nothing_left(workdir)


def test_tar_absolute_member_is_refused(workdir: Path) -> None:
    archive = write_tgz(workdir / "archive" / "abs.tgz", [("/etc/evil", b"x")])
    with pytest.raises(UnsafeArchiveError, match="'/etc/evil' has an absolute path"):
        extract_archive(archive, workdir / "out")
    assert_nothing_left(workdir)


def test_tar_symlink_pointing_outside_is_refused(workdir: Path) -> None:
    archive = write_tgz(
        workdir / "archive" / "link.tgz", [link_member("data/link", "../../outside")]
    )
    with pytest.raises(UnsafeArchiveError, match="'data/link' is a symlink pointing outside"):
        extract_archive(archive, workdir / "out")
    assert_nothing_left(workdir)


def test_tar_symlink_to_absolute_path_is_refused(workdir: Path) -> None:
    archive = write_tgz(workdir / "archive" / "link.tgz", [link_member("passwd", "/etc/passwd")])
    with pytest.raises(UnsafeArchiveError, match="'passwd' is a symlink to the absolute path"):
        extract_archive(archive, workdir / "out")


def test_tar_hard_link_outside_is_refused(workdir: Path) -> None:
    archive = write_tgz(
        workdir / "archive" / "hard.tgz", [link_member("x", "../secret", hard=True)]
    )
    with pytest.raises(UnsafeArchiveError, match="'x' is a hard link"):
        extract_archive(archive, workdir / "out")


def test_high_ratio_zip_bomb_is_refused(workdir: Path) -> None:
    archive = workdir / "archive" / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("zeros.bin", bytes(4 << 20))
    with pytest.raises(UnsafeArchiveError, match="'zeros.bin' expands .*refusing a bomb"):
        extract_archive(archive, workdir / "out")
    assert_nothing_left(workdir)


def test_high_ratio_tar_gz_bomb_is_refused(workdir: Path) -> None:
    archive = write_tgz(workdir / "archive" / "bomb.tgz", [("zeros.bin", bytes(4 << 20))])
    with pytest.raises(UnsafeArchiveError, match="'zeros.bin' expands .*refusing a bomb"):
        extract_archive(archive, workdir / "out")
    assert_nothing_left(workdir)


def test_zip_lying_about_its_size_is_refused_and_leaves_nothing(workdir: Path) -> None:
    archive = write_zip(workdir / "archive" / "liar.zip", {"a.bin": b"a" * 5000})
    raw = bytearray(archive.read_bytes())
    # Shrink the declared uncompressed size in both headers to 10 bytes (CRC check comes later).
    local = raw.find(b"PK\x03\x04")
    central = raw.find(b"PK\x01\x02")
    raw[local + 22 : local + 26] = (10).to_bytes(4, "little")
    raw[central + 24 : central + 28] = (10).to_bytes(4, "little")
    archive.write_bytes(bytes(raw))
    with pytest.raises(UnsafeArchiveError, match="'a.bin' is corrupt"):
        extract_archive(archive, workdir / "out")
    assert_nothing_left(workdir)


def test_member_count_limit_is_enforced(workdir: Path) -> None:
    archive = write_zip(workdir / "archive" / "many.zip", {f"f{i}": b"" for i in range(5)})
    with pytest.raises(UnsafeArchiveError, match="more than 4 members"):
        extract_archive(archive, workdir / "out", ExtractionLimits(max_members=4))


def test_total_size_limit_is_enforced_for_tar(workdir: Path) -> None:
    archive = write_tgz(workdir / "archive" / "big.tgz", [("a", b"a" * 600), ("b", b"b" * 600)])
    with pytest.raises(UnsafeArchiveError, match="beyond 1000 bytes \\(at member 'b'\\)"):
        extract_archive(archive, workdir / "out", ExtractionLimits(max_total_bytes=1000))


def test_total_size_limit_counts_every_zip_member_together(workdir: Path) -> None:
    """Each member fits the budget alone; the archive does not."""
    archive = write_zip(workdir / "archive" / "big.zip", {"a": b"a" * 600, "b": b"b" * 600})
    with pytest.raises(UnsafeArchiveError, match="beyond 1000 bytes \\(at member 'b'\\)"):
        extract_archive(archive, workdir / "out", ExtractionLimits(max_total_bytes=1000))
    assert_nothing_left(workdir)


def test_existing_target_is_not_overwritten(workdir: Path) -> None:
    archive = write_zip(workdir / "archive" / "a.zip", {"a": b"a"})
    (workdir / "out").mkdir()
    with pytest.raises(TextRecognizerError, match="already exists"):
        extract_archive(archive, workdir / "out")


def test_file_that_is_no_archive_is_refused(workdir: Path) -> None:
    bogus = workdir / "archive" / "notes.zip"
    bogus.write_bytes(b"just text")
    with pytest.raises(UnsafeArchiveError, match="neither a zip nor a tar"):
        extract_archive(bogus, workdir / "out")


def test_a_member_reaching_outside_through_a_linked_folder_is_refused(tmp_path: Path) -> None:
    from text_recognizer.data.archive import member_destination

    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "xml").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafeArchiveError, match="'xml/a.xml' resolves outside the target"):
        member_destination(root, "xml/a.xml")
    assert member_destination(root, "lines/a.png") == (root / "lines" / "a.png").resolve()
