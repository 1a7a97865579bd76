"""Atomic writes: readers see the old file or the whole new one, never a partial write."""

import os

import pytest

from text_recognizer.io import atomic_open, atomic_write_bytes, atomic_write_text, sha256_file


def test_atomic_write_replaces_the_file_whole(tmp_path):
    target = tmp_path / "a.txt"
    atomic_write_text(target, "old")
    atomic_write_text(target, "new")
    assert target.read_text() == "new"


def test_failure_inside_the_block_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "a.bin"
    atomic_write_bytes(target, b"old")
    with pytest.raises(RuntimeError):
        with atomic_open(target) as handle:
            handle.write(b"partial")
            raise RuntimeError("interrupted")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["a.bin"]


def test_parent_folders_are_created(tmp_path):
    target = tmp_path / "x" / "y" / "z.txt"
    atomic_write_text(target, "ok")
    assert target.read_text() == "ok"


def test_sha256_file_matches_known_digest(tmp_path):
    path = tmp_path / "abc"
    path.write_bytes(b"abc")
    expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert sha256_file(path) == expected


def test_written_files_get_ordinary_permissions_not_mkstemps_private_ones(tmp_path):
    target = tmp_path / "shared.txt"
    old_mask = os.umask(0o022)
    try:
        atomic_write_text(target, "readable")
    finally:
        os.umask(old_mask)
    assert target.stat().st_mode & 0o777 == 0o644
