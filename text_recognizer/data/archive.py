"""Safe extraction of downloaded zip and tar(.gz) archives.

Archives come from the network, so every member is checked *before* anything is written:
no member may land outside the target folder (``../`` zip-slip, absolute paths, links that
point outside), and the archive may not be a bomb (too many members, too many bytes, or an
implausible compression ratio). Bytes actually written are counted too, because zip headers can
lie about sizes. Extraction goes to a temporary folder beside the target that is renamed onto
it at the end, so a failure leaves neither a half-extracted target nor temporary debris.
"""

from __future__ import annotations

import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from text_recognizer.errors import TextRecognizerError, UnsafeArchiveError


@dataclass(frozen=True)
class ExtractionLimits:
    """What a plausible data set archive looks like; anything beyond is refused as a bomb.

    The ratio limit applies per zip member and to a tar's whole payload, and only above
    ``ratio_floor_bytes``: tiny text files legitimately compress very well.
    """

    max_members: int = 200_000
    max_total_bytes: int = 16 * 2**30
    max_ratio: float = 200.0
    ratio_floor_bytes: int = 1 << 20


DEFAULT_LIMITS = ExtractionLimits()


def extract_archive(
    archive: str | os.PathLike, target: str | os.PathLike, limits: ExtractionLimits = DEFAULT_LIMITS
) -> Path:
    """Extract a zip or tar(.gz/.bz2/.xz) archive into the new folder ``target``.

    Raises :class:`UnsafeArchiveError` naming the offending member, before writing anything
    when the headers already show the problem.
    """
    archive, target = Path(archive), Path(target)
    if target.exists():
        raise TextRecognizerError(f"{target} already exists; remove it to extract {archive.name}")
    if not archive.is_file():
        raise TextRecognizerError(f"{archive} does not exist")
    if zipfile.is_zipfile(archive):
        extractor = _extract_zip
    elif tarfile.is_tarfile(archive):
        extractor = _extract_tar
    else:
        raise UnsafeArchiveError(f"{archive.name} is neither a zip nor a tar archive")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".extracting", dir=target.parent)
    )
    try:
        extractor(archive, staging, limits)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def member_destination(root: Path, name: str) -> Path:
    """Where member ``name`` would land under ``root``; refuses names that escape it.

    >>> member_destination(Path("/data"), "xml/a01-000u.xml").as_posix()
    '/data/xml/a01-000u.xml'
    """
    posix = name.replace("\\", "/")
    pure = PurePosixPath(posix)
    if pure.is_absolute() or (len(posix) > 1 and posix[1] == ":"):
        raise UnsafeArchiveError(f"member {name!r} has an absolute path")
    if ".." in pure.parts:
        raise UnsafeArchiveError(f"member {name!r} escapes the target folder with '..'")
    destination = (root / pure).resolve()
    if not destination.is_relative_to(root.resolve()):
        raise UnsafeArchiveError(f"member {name!r} resolves outside the target folder")
    return destination


def _check_count_and_total(name: str, count: int, total: int, limits: ExtractionLimits) -> None:
    if count > limits.max_members:
        raise UnsafeArchiveError(
            f"archive has more than {limits.max_members} members (at {name!r}); refusing a bomb"
        )
    if total > limits.max_total_bytes:
        raise UnsafeArchiveError(
            f"archive expands beyond {limits.max_total_bytes} bytes (at member {name!r}); "
            "refusing a bomb"
        )


def _check_ratio(name: str, expanded: int, packed: int, limits: ExtractionLimits) -> None:
    if expanded > limits.ratio_floor_bytes and expanded > limits.max_ratio * max(packed, 1):
        raise UnsafeArchiveError(
            f"member {name!r} expands {expanded / max(packed, 1):.0f}x "
            f"({packed} -> {expanded} bytes, limit {limits.max_ratio:.0f}x); refusing a bomb"
        )


def _extract_zip(archive: Path, root: Path, limits: ExtractionLimits) -> None:
    with zipfile.ZipFile(archive) as bundle:
        infos = bundle.infolist()
        total = 0
        for count, info in enumerate(infos, start=1):
            member_destination(root, info.filename)
            if stat.S_ISLNK(info.external_attr >> 16):
                raise UnsafeArchiveError(
                    f"member {info.filename!r} is a symlink; zip links refused"
                )
            total += info.file_size
            _check_count_and_total(info.filename, count, total, limits)
            _check_ratio(info.filename, info.file_size, info.compress_size, limits)
        written = 0
        for info in infos:
            destination = member_destination(root, info.filename)
            if info.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            written = _copy_member(bundle, info, destination, written, limits)


def _copy_member(
    bundle: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    destination: Path,
    written: int,
    limits: ExtractionLimits,
) -> int:
    """Stream one member to disk, refusing more bytes than its header declared."""
    produced = 0
    with bundle.open(info) as source, open(destination, "wb") as sink:
        while True:
            try:
                chunk = source.read(1 << 20)
            except (zipfile.BadZipFile, EOFError, OSError) as error:
                raise UnsafeArchiveError(f"member {info.filename!r} is corrupt: {error}") from None
            if not chunk:
                break
            produced += len(chunk)
            if produced > info.file_size:
                raise UnsafeArchiveError(
                    f"member {info.filename!r} expands beyond its declared {info.file_size} bytes"
                )
            _check_count_and_total(info.filename, 0, written + produced, limits)
            sink.write(chunk)
    return written + produced


def _extract_tar(archive: Path, root: Path, limits: ExtractionLimits) -> None:
    with tarfile.open(archive) as bundle:
        members = bundle.getmembers()
        total = 0
        for count, member in enumerate(members, start=1):
            _check_tar_member(root, member)
            total += member.size
            _check_count_and_total(member.name, count, total, limits)
            _check_ratio(member.name, total, archive.stat().st_size, limits)
        try:
            # The "data" filter re-checks links and strips permissions a data set never needs.
            bundle.extractall(root, members=members, filter="data")
        except tarfile.FilterError as error:
            raise UnsafeArchiveError(f"member {error.tarinfo.name!r} refused: {error}") from None


def _check_tar_member(root: Path, member: tarfile.TarInfo) -> None:
    destination = member_destination(root, member.name)
    if member.isfile() or member.isdir():
        return
    if member.issym():
        link = member.linkname.replace("\\", "/")
        if PurePosixPath(link).is_absolute():
            raise UnsafeArchiveError(
                f"member {member.name!r} is a symlink to the absolute path {member.linkname!r}"
            )
        if not (destination.parent / link).resolve().is_relative_to(root.resolve()):
            raise UnsafeArchiveError(
                f"member {member.name!r} is a symlink pointing outside the target folder "
                f"({member.linkname!r})"
            )
        return
    if member.islnk():
        try:
            member_destination(root, member.linkname)
        except UnsafeArchiveError:
            raise UnsafeArchiveError(
                f"member {member.name!r} is a hard link to {member.linkname!r} outside the target"
            ) from None
        return
    raise UnsafeArchiveError(
        f"member {member.name!r} is a device, fifo or other special file; refused"
    )
