"""Resumable, checksummed HTTP downloads of raw data sets.

Data set archives are hundreds of megabytes on slow academic servers, so a dropped connection
must not cost the whole transfer: bytes go to ``NAME.part`` and a later call resumes from its
size with an HTTP ``Range`` request. The file only takes its final name once complete and, when
a digest is known, verified; a ``.part`` whose digest is wrong is deleted so the next run
starts clean instead of resuming from corrupt bytes.
"""

from __future__ import annotations

import base64
import os
import re
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from text_recognizer.errors import ChecksumError, DownloadError
from text_recognizer.io import sha256_file

#: ``progress(done_bytes, total_bytes_or_None)`` is called after every chunk.
ProgressCallback = Callable[[int, "int | None"], None]

USER_AGENT = "text-recognizer-data/1 (+https://github.com/text-recognizer/text-recognizer)"
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


@dataclass(frozen=True)
class RemoteFile:
    """A file on the web, with its SHA-256 where a trustworthy source publishes one."""

    url: str
    filename: str
    sha256: str | None = None
    size: int | None = None


def basic_auth_header(username: str, password: str) -> dict[str, str]:
    """An ``Authorization`` header for HTTP basic authentication.

    >>> basic_auth_header("a", "b")
    {'Authorization': 'Basic YTpi'}
    """
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return {"Authorization": f"Basic {token}"}


def stderr_progress(done: int, total: int | None) -> None:
    """A one-line progress display on stderr, redrawn in place after every chunk."""
    shown = f"{100 * done / total:5.1f}% of {total / 2**20:.1f} MiB" if total else f"{done} bytes"
    print(f"\r{shown}", end="\n" if total and done >= total else "", file=sys.stderr, flush=True)


def verify_sha256(path: str | os.PathLike, expected: str) -> None:
    """Raise :class:`ChecksumError` naming the file and both digests unless they match."""
    got = sha256_file(path)
    if got.lower() != expected.lower():
        raise ChecksumError(f"{Path(path).name}: SHA-256 mismatch: expected {expected}, got {got}")


def download(
    url: str,
    dest: str | os.PathLike,
    *,
    sha256: str | None = None,
    headers: Mapping[str, str] | None = None,
    progress: ProgressCallback | None = None,
    chunk_size: int = 1 << 20,
    timeout: float = 60.0,
) -> Path:
    """Download ``url`` to ``dest``, resuming ``dest.part`` if an earlier run left one.

    An existing ``dest`` is trusted only after its digest matches ``sha256`` (when given); it is
    never fetched again. Raises :class:`DownloadError` on HTTP/network failures and on a
    transfer that ended early (the ``.part`` is kept, so rerunning resumes), and
    :class:`ChecksumError` when the complete file's digest is wrong (the ``.part`` is deleted).
    """
    dest = Path(dest)
    if dest.exists():
        if sha256:
            verify_sha256(dest, sha256)
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    _fetch_into(url, part, dict(headers or {}), progress, chunk_size, timeout)
    if sha256:
        got = sha256_file(part)
        if got.lower() != sha256.lower():
            part.unlink()  # corrupt bytes: resuming from them could never succeed
            raise ChecksumError(f"{dest.name}: SHA-256 mismatch: expected {sha256}, got {got}")
    os.replace(part, dest)
    return dest


def _fetch_into(
    url: str,
    part: Path,
    headers: dict[str, str],
    progress: ProgressCallback | None,
    chunk_size: int,
    timeout: float,
) -> None:
    """Append the missing bytes of ``url`` to ``part`` (restart it if the server ignores Range)."""
    offset = part.stat().st_size if part.exists() else 0
    request_headers = {"User-Agent": USER_AGENT, **headers}
    if offset:
        request_headers["Range"] = f"bytes={offset}-"
    request = urllib.request.Request(url, headers=request_headers)
    try:
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (http/https only)
    except urllib.error.HTTPError as error:
        if error.code == 416 and offset:
            return  # the .part already holds every byte; the checksum decides if it is right
        raise DownloadError(
            f"{_safe_url(url)}: HTTP {error.code} {error.reason}{_hint(error.code)}"
        )
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DownloadError(f"{_safe_url(url)}: cannot connect: {reason}") from None
    with response:
        status = response.status
        total = _expected_total(response, offset)
        if offset and status == 206:
            _check_content_range(url, response.headers.get("Content-Range"), offset)
            mode = "ab"
        else:
            offset, mode = 0, "wb"  # 200: the server sent the whole file
        done = offset
        with open(part, mode) as handle:
            while True:
                try:
                    chunk = response.read(chunk_size)
                except (OSError, urllib.error.URLError) as error:
                    raise DownloadError(
                        f"{_safe_url(url)}: connection lost after {done} bytes ({error}); "
                        f"rerun to resume from {part.name}"
                    ) from None
                if not chunk:
                    break
                handle.write(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
            handle.flush()
            os.fsync(handle.fileno())
    if total is not None and done < total:
        raise DownloadError(
            f"{_safe_url(url)}: transfer ended at {done} of {total} bytes; "
            f"rerun to resume from {part.name}"
        )


def _expected_total(response, offset: int) -> int | None:
    """Size of the whole file, from Content-Range (206) or Content-Length (200)."""
    content_range = response.headers.get("Content-Range")
    if response.status == 206 and content_range:
        match = _CONTENT_RANGE.match(content_range)
        if match and match.group(3) != "*":
            return int(match.group(3))
    length = response.headers.get("Content-Length")
    if length is None:
        return None
    return int(length) + (offset if response.status == 206 else 0)


def _check_content_range(url: str, header: str | None, offset: int) -> None:
    match = _CONTENT_RANGE.match(header or "")
    if not match or int(match.group(1)) != offset:
        raise DownloadError(
            f"{_safe_url(url)}: asked for bytes from {offset} but the server answered "
            f"Content-Range {header!r}; delete the .part file and retry"
        )


def _safe_url(url: str) -> str:
    """The URL without any ``user:password@`` part, fit for error messages."""
    return re.sub(r"//[^/@]*@", "//", url)


def _hint(code: int) -> str:
    if code in (401, 403):
        return " (the server wants credentials or refuses this client; see the data set's docs)"
    if code == 404:
        return " (the file moved; pass --url with its new address)"
    return ""
