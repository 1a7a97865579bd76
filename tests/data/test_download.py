"""Resumable, checksummed downloads against a loopback HTTP server (no network needed)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.data.miniature_archives import FileServer, serve_files
from text_recognizer.data.download import download
from text_recognizer.errors import ChecksumError, DownloadError

PAYLOAD = bytes(range(256)) * 400  # 100 KiB, several chunks of the small chunk size below
DIGEST = hashlib.sha256(PAYLOAD).hexdigest()


@pytest.fixture
def file_server():
    yield from serve_files(FileServer(files={"data/archive.bin": PAYLOAD}))


def test_download_writes_the_file_under_its_final_name_only(file_server, tmp_path: Path) -> None:
    dest = download(file_server.url("data/archive.bin"), tmp_path / "archive.bin", sha256=DIGEST)
    assert dest.read_bytes() == PAYLOAD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive.bin"]


def test_download_resumes_a_truncated_part_file_with_a_range_request(
    file_server, tmp_path: Path
) -> None:
    (tmp_path / "archive.bin.part").write_bytes(PAYLOAD[:12345])
    dest = download(
        file_server.url("data/archive.bin"),
        tmp_path / "archive.bin",
        sha256=DIGEST,
        chunk_size=4096,
    )
    assert file_server.requests[-1]["Range"] == "bytes=12345-"
    assert dest.read_bytes() == PAYLOAD
    assert not (tmp_path / "archive.bin.part").exists()


def test_download_restarts_when_the_server_ignores_range(file_server, tmp_path: Path) -> None:
    file_server.honour_range = False
    (tmp_path / "archive.bin.part").write_bytes(b"stale bytes from another file")
    dest = download(file_server.url("data/archive.bin"), tmp_path / "archive.bin", sha256=DIGEST)
    assert dest.read_bytes() == PAYLOAD


def test_download_accepts_a_part_file_that_is_already_complete(file_server, tmp_path) -> None:
    (tmp_path / "archive.bin.part").write_bytes(PAYLOAD)
    dest = download(file_server.url("data/archive.bin"), tmp_path / "archive.bin", sha256=DIGEST)
    assert dest.read_bytes() == PAYLOAD


def test_wrong_checksum_names_file_and_both_digests_and_keeps_nothing(
    file_server, tmp_path: Path
) -> None:
    wrong = "0" * 64
    with pytest.raises(ChecksumError) as caught:
        download(file_server.url("data/archive.bin"), tmp_path / "archive.bin", sha256=wrong)
    message = str(caught.value)
    assert "archive.bin" in message and wrong in message and DIGEST in message
    assert list(tmp_path.iterdir()) == []


def test_existing_file_is_verified_not_fetched_again(file_server, tmp_path: Path) -> None:
    (tmp_path / "archive.bin").write_bytes(PAYLOAD)
    download(file_server.url("data/archive.bin"), tmp_path / "archive.bin", sha256=DIGEST)
    assert file_server.requests == []


def test_existing_file_with_wrong_digest_is_reported(file_server, tmp_path: Path) -> None:
    (tmp_path / "archive.bin").write_bytes(PAYLOAD[:-1])
    with pytest.raises(ChecksumError, match="archive.bin"):
        download(file_server.url("data/archive.bin"), tmp_path / "archive.bin", sha256=DIGEST)


def test_http_error_names_the_url_and_status(file_server, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"missing\.bin: HTTP 404"):
        download(file_server.url("missing.bin"), tmp_path / "missing.bin")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("code", "hint"),
    [(401, "wants credentials"), (403, "wants credentials"), (404, "pass --url"), (500, None)],
)
def test_an_http_error_carries_the_hint_for_its_status(file_server, tmp_path, code, hint):
    file_server.refuse["data/archive.bin"] = code
    with pytest.raises(DownloadError, match=rf"archive\.bin: HTTP {code} ") as caught:
        download(file_server.url("data/archive.bin"), tmp_path / "archive.bin")
    message = str(caught.value)
    if hint is None:
        assert "(" not in message.split(f"HTTP {code}")[1]
    else:
        assert hint in message


def test_a_resume_answered_from_another_offset_is_refused_and_the_part_kept(
    file_server, tmp_path: Path
) -> None:
    file_server.range_shift = 100
    (tmp_path / "archive.bin.part").write_bytes(PAYLOAD[:12345])
    with pytest.raises(DownloadError, match=r"asked for bytes from 12345 but the server answered"):
        download(file_server.url("data/archive.bin"), tmp_path / "archive.bin", sha256=DIGEST)
    assert (tmp_path / "archive.bin.part").read_bytes() == PAYLOAD[:12345]
    assert not (tmp_path / "archive.bin").exists()


def test_a_download_without_content_length_completes_with_an_unknown_total(
    file_server, tmp_path: Path
) -> None:
    file_server.send_length = False
    seen: list[tuple[int, int | None]] = []
    dest = download(
        file_server.url("data/archive.bin"),
        tmp_path / "archive.bin",
        sha256=DIGEST,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert dest.read_bytes() == PAYLOAD
    assert seen and {total for _, total in seen} == {None}


def test_an_existing_file_without_a_digest_to_check_is_kept_as_it_is(file_server, tmp_path):
    (tmp_path / "archive.bin").write_bytes(b"an earlier download")
    dest = download(file_server.url("data/archive.bin"), tmp_path / "archive.bin")
    assert dest.read_bytes() == b"an earlier download"
    assert file_server.requests == []


def test_unreachable_server_is_a_download_error(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="cannot connect"):
        download("http://127.0.0.1:9/x.bin", tmp_path / "x.bin", timeout=2)


def test_progress_reports_bytes_done_and_total(file_server, tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    download(
        file_server.url("data/archive.bin"),
        tmp_path / "archive.bin",
        chunk_size=50_000,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen[-1] == (len(PAYLOAD), len(PAYLOAD))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


@pytest.mark.data
@pytest.mark.slow
def test_real_emnist_archive_matches_its_published_digest(tmp_path: Path) -> None:
    from text_recognizer.data.emnist import EMNIST_GZIP_ZIP

    path = download(
        EMNIST_GZIP_ZIP.url, tmp_path / EMNIST_GZIP_ZIP.filename, sha256=EMNIST_GZIP_ZIP.sha256
    )
    assert path.stat().st_size == EMNIST_GZIP_ZIP.size
