"""One table per data set: the contract between generators/loaders, expectations and training.

A data set is a folder with ``manifest.csv`` (one row per image) and ``manifest.json`` (what the
table cannot say: kind, seed, sources, licences). CSV keeps the format readable and dependency
free; paragraph labels hold newlines, which the csv module quotes correctly.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from text_recognizer.errors import ManifestError
from text_recognizer.io import atomic_write_bytes, atomic_write_text, encode_png, sha256_bytes

if TYPE_CHECKING:
    from PIL import Image

MANIFEST_CSV = "manifest.csv"
MANIFEST_JSON = "manifest.json"
IMAGE_DIR = "images"
SPLITS = ("train", "val", "test")
#: Fixed PNG settings (no timestamp, fixed compression): equal images give equal files.
KINDS = ("lines", "paragraphs")


@dataclass(frozen=True)
class ManifestRecord:
    """One image: where it is, what it says, who wrote it and which split it belongs to."""

    id: str
    path: str  # relative to the data set folder, POSIX separators
    sha256: str
    width: int
    height: int
    text: str
    writer: str  # font name for synthetic data, writer id for IAM
    split: str
    source: str = "synthetic"
    generator_version: str = ""


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(ManifestRecord))
_INT_COLUMNS = {"width", "height"}


def write_image_record(
    root: str | Path,
    item_id: str,
    image: "Image.Image",
    text: str,
    writer: str,
    split: str,
    source: str,
    generator_version: str = "",
) -> ManifestRecord:
    """Write ``image`` atomically as ``images/<item_id>.png`` under ``root``; return its row."""
    data = encode_png(image)
    relative = f"{IMAGE_DIR}/{item_id}.png"
    atomic_write_bytes(Path(root) / relative, data)
    return ManifestRecord(
        id=item_id,
        path=relative,
        sha256=sha256_bytes(data),
        width=image.width,
        height=image.height,
        text=text,
        writer=writer,
        split=split,
        source=source,
        generator_version=generator_version,
    )


@dataclass
class Manifest:
    """A data set folder's table and metadata."""

    root: Path
    records: list[ManifestRecord]
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return str(self.metadata.get("kind", "lines"))

    def split(self, name: str) -> list[ManifestRecord]:
        """Records of one split, in manifest order."""
        return [record for record in self.records if record.split == name]

    def image_path(self, record: ManifestRecord) -> Path:
        return self.root / record.path


def records_to_csv(records: Iterable[ManifestRecord]) -> str:
    """Serialize records to CSV text with a header row."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow(asdict(record))
    return buffer.getvalue()


def write_manifest(
    root: str | Path, records: Iterable[ManifestRecord], metadata: dict[str, Any]
) -> Manifest:
    """Write ``manifest.csv`` and ``manifest.json`` atomically; JSON last, as the commit marker."""
    root = Path(root)
    records = list(records)
    ids = [record.id for record in records]
    if len(set(ids)) != len(ids):
        raise ManifestError(f"manifest for {root} has duplicate ids")
    metadata = {**metadata, "columns": list(COLUMNS), "num_records": len(records)}
    metadata["counts"] = {s: sum(r.split == s for r in records) for s in SPLITS}
    atomic_write_text(root / MANIFEST_CSV, records_to_csv(records))
    atomic_write_text(root / MANIFEST_JSON, json.dumps(metadata, indent=2, sort_keys=True) + "\n")
    return Manifest(root=root, records=records, metadata=metadata)


def _parse_row(row: dict[str, str], line: int, path: Path) -> ManifestRecord:
    missing = [column for column in COLUMNS if column not in row or row[column] is None]
    if missing:
        raise ManifestError(f"{path}:{line}: missing column(s) {', '.join(missing)}")
    values: dict[str, Any] = dict(row)
    for column in _INT_COLUMNS:
        try:
            values[column] = int(row[column])
        except ValueError:
            raise ManifestError(
                f"{path}:{line}: {column} {row[column]!r} is not an integer"
            ) from None
    return ManifestRecord(**{column: values[column] for column in COLUMNS})


def read_manifest_files(
    root: Path, missing_hint: str = ""
) -> tuple[dict[str, Any], list[str], list[dict[str, str]]]:
    """``manifest.json``'s object, ``manifest.csv``'s header and its rows as strings; what the
    files cannot give (absent, not UTF-8, not JSON or CSV) is a :class:`ManifestError` naming
    the file. Shared by :func:`read_manifest` and validation, which reads the raw strings."""
    csv_path, json_path = root / MANIFEST_CSV, root / MANIFEST_JSON
    if not root.is_dir():
        raise ManifestError(f"{root} is not a folder")
    if not csv_path.is_file() or not json_path.is_file():
        raise ManifestError(
            f"{root} has no complete manifest ({MANIFEST_CSV} and {MANIFEST_JSON}){missing_hint}"
        )
    try:
        metadata = json.loads(json_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ManifestError(f"{json_path} is not valid JSON: {error}") from None
    if not isinstance(metadata, dict):
        raise ManifestError(f"{json_path} must hold a JSON object")
    try:
        with open(csv_path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            header = list(reader.fieldnames or [])
    except (UnicodeDecodeError, csv.Error) as error:
        raise ManifestError(f"{csv_path} is not a readable UTF-8 CSV file: {error}") from None
    return metadata, header, rows


def read_manifest(root: str | os.PathLike) -> Manifest:
    """Read a data set folder's manifest, with errors that name the file and line."""
    root = Path(root)
    metadata, header, rows = read_manifest_files(
        root, "; generate one with `text-recognizer data generate`"
    )
    csv_path = root / MANIFEST_CSV
    absent = [column for column in COLUMNS if column not in header]
    if absent:
        raise ManifestError(f"{csv_path}: header lacks column(s) {', '.join(absent)}")
    records = [_parse_row(row, i + 2, csv_path) for i, row in enumerate(rows)]
    return Manifest(root=root, records=records, metadata=metadata)
