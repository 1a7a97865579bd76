"""Font bundles: the writer library's files copied into one folder, for machines that cannot
install fonts (a GPU runner with no pip, apt or npm).

A bundle holds each usable writer's font file under ``<kind>/<package>/<file>`` and an index,
``fonts.json``, that maps the catalogue source the file came from (``npm:caveat``,
``pypi:fontpkg-caveat:Caveat``, ``apt:fonts-breip:Breip.ttf``) to the file, with its size and
SHA-256. Discovery (:mod:`text_recognizer.data.fonts`) consults the bundle named by
``TEXT_RECOGNIZER_FONT_BUNDLE`` for any source that is not installed, so the same writers (same
names, same files, hence the same roles and the same vetting) are found without ``fontpkg``,
Debian packages or the npm cache.
"""

from __future__ import annotations

import datetime
import functools
import json
import os
import platform
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from text_recognizer.errors import MissingFontsError

#: The index file inside a bundle folder.
INDEX_FILE = "fonts.json"
INDEX_FORMAT = 1


@dataclass(frozen=True)
class BundledFont:
    """One file of a bundle: the writer, the catalogue source it came from, where it lies."""

    writer: str
    source: str
    file: str  # relative to the bundle folder
    bytes: int
    sha256: str


def _licence_file(kind: str, package: str, path: Path) -> Path | None:
    """Where the licence of a font installed from ``kind``/``package`` usually lies."""
    candidates = {
        "npm": [path.with_name(path.name.split("-latin-")[0] + ".LICENSE")],
        "pypi": [path.parent.parent / "LICENSE", path.parent / "LICENSE"],
        "apt": [Path("/usr/share/doc") / package / "copyright"],
    }[kind]
    return next((candidate for candidate in candidates if candidate.is_file()), None)


def write_font_bundle(
    folder: str | os.PathLike, fonts: Sequence[Any], catalog: Sequence[Any]
) -> list[BundledFont]:
    """Copy the files of ``fonts`` (writers found by :func:`text_recognizer.data.fonts.
    discover_fonts`) into ``folder`` with their licences where they are found, then write the
    index last (a folder with an index is complete). ``catalog`` is the writer catalogue
    (``fonts.read_catalog()``), whose sources name each file. Returns the index entries."""
    from text_recognizer.io import atomic_write_text, sha256_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / INDEX_FILE).unlink(missing_ok=True)
    sources = {entry.name: entry.sources for entry in catalog}
    entries = []
    for font in fonts:
        source = next(s for s in sources[font.name] if s.package == font.package)
        path = Path(font.path)
        relative = Path(source.kind) / source.package.replace("/", "_") / path.name
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, folder / relative)
        licence = _licence_file(source.kind, source.package, path)
        if licence is not None:
            shutil.copyfile(licence, folder / relative.parent / f"{path.name}.LICENSE")
        entries.append(
            BundledFont(
                font.name,
                source.spec,
                relative.as_posix(),
                path.stat().st_size,
                sha256_file(folder / relative),
            )
        )
    index = {
        "format": INDEX_FORMAT,
        "made": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "host": platform.node(),
        "fonts": [vars(entry) for entry in entries],
    }
    atomic_write_text(folder / INDEX_FILE, json.dumps(index, indent=1) + "\n")
    read_bundle.cache_clear()
    return entries


@functools.lru_cache(maxsize=4)
def read_bundle(folder: Path) -> tuple[BundledFont, ...]:
    """The index of the bundle in ``folder``; :class:`MissingFontsError` when there is none."""
    index_path = folder / INDEX_FILE
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
        if index.get("format") != INDEX_FORMAT:
            raise ValueError(f"format {index.get('format')!r}, expected {INDEX_FORMAT}")
        return tuple(BundledFont(**entry) for entry in index["fonts"])
    except FileNotFoundError:
        raise MissingFontsError(
            f"font bundle {folder} has no {INDEX_FILE}; make one with "
            "`python -m scripts.gpu_bundle DIR` on a machine with the fonts installed"
        ) from None
    except (ValueError, KeyError, TypeError) as error:
        raise MissingFontsError(f"font bundle index {index_path} is malformed: {error}") from None


def bundled_file(folder: Path, source_spec: str) -> Path | None:
    """The bundled file of the catalogue source ``source_spec``, or None when not bundled."""
    for entry in read_bundle(folder):
        if entry.source == source_spec:
            path = folder / entry.file
            return path if path.is_file() else None
    return None


def check_bundle(folder: str | os.PathLike) -> list[str]:
    """Problems of the bundle in ``folder``: missing files, wrong sizes or hashes (none: [])."""
    from text_recognizer.io import sha256_file

    folder = Path(folder)
    problems = []
    for entry in read_bundle(folder):
        path = folder / entry.file
        if not path.is_file():
            problems.append(f"{entry.writer}: {entry.file} is missing")
        elif path.stat().st_size != entry.bytes or sha256_file(path) != entry.sha256:
            problems.append(f"{entry.writer}: {entry.file} differs from the index (size or hash)")
    return problems
