"""Clean generated data sets (made once per session) and corruptions of copies of them.

Each corruption changes one thing the way a real pipeline bug would, and keeps the manifest
otherwise truthful (a rewritten image gets its new hash), so exactly one expectation should
notice it.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
from PIL import Image

from tests.built_once import built_once
from text_recognizer.data.manifest import Manifest, ManifestRecord, read_manifest, write_manifest
from text_recognizer.io import encode_png

CLEAN_LINES = 40
CLEAN_PARAGRAPHS = 12


def _generate(factory: pytest.TempPathFactory, kind: str, n: int) -> Path:
    """Generated once per run and shared by the xdist workers (tests/built_once.py)."""
    from text_recognizer.data.synthetic import generate_dataset

    return built_once(
        factory, f"clean-{kind}-{n}", lambda folder: generate_dataset(folder, kind, n, seed=0)
    )


@pytest.fixture(scope="session")
def clean_lines(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated set of 40 lines; never modified (corruptions work on copies)."""
    return _generate(tmp_path_factory, "lines", CLEAN_LINES)


@pytest.fixture(scope="session")
def clean_paragraphs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated set of 12 paragraphs; never modified."""
    return _generate(tmp_path_factory, "paragraphs", CLEAN_PARAGRAPHS)


# -- corruptions ------------------------------------------------------------------------------


def _rewrite_image(manifest: Manifest, record: ManifestRecord, data: bytes) -> ManifestRecord:
    """Replace a record's file, keeping the manifest's hash truthful."""
    manifest.image_path(record).write_bytes(data)
    return replace(record, sha256=hashlib.sha256(data).hexdigest())


def _replace(manifest: Manifest, old: ManifestRecord, new: ManifestRecord) -> list[ManifestRecord]:
    return [new if record.id == old.id else record for record in manifest.records]


def _any(manifest: Manifest, used: set[str]) -> ManifestRecord:
    return next(r for r in manifest.split("train") if r.id not in used)


def _shortest_label(manifest: Manifest, used: set[str]) -> ManifestRecord:
    return min((r for r in manifest.split("train") if r.id not in used), key=lambda r: len(r.text))


def _held_out_test_record(manifest: Manifest, used: set[str]) -> ManifestRecord:
    held_out = set(manifest.metadata["held_out_writers"])
    return next(r for r in manifest.split("test") if r.writer in held_out and r.id not in used)


def _fewest_lines(manifest: Manifest, used: set[str]) -> ManifestRecord:
    return min((r for r in manifest.records if r.id not in used), key=lambda r: r.text.count("\n"))


def blank_image(manifest: Manifest, record: ManifestRecord) -> list[ManifestRecord]:
    with Image.open(manifest.image_path(record)) as image:
        paper = int(np.percentile(np.asarray(image.convert("L")), 90))
        blank = Image.new("L", image.size, paper)
    return _replace(manifest, record, _rewrite_image(manifest, record, encode_png(blank)))


def truncated_png(manifest: Manifest, record: ManifestRecord) -> list[ManifestRecord]:
    data = manifest.image_path(record).read_bytes()
    return _replace(manifest, record, _rewrite_image(manifest, record, data[: len(data) // 2]))


def out_of_vocabulary_label(manifest: Manifest, record: ManifestRecord) -> list[ManifestRecord]:
    return _replace(manifest, record, replace(record, text="é" + record.text[1:]))


def label_too_long_for_image(manifest: Manifest, record: ManifestRecord) -> list[ManifestRecord]:
    text = ((record.text + " ") * 20)[:120].strip()
    return _replace(manifest, record, replace(record, text=text))


def duplicate_across_splits(manifest: Manifest, record: ManifestRecord) -> list[ManifestRecord]:
    copy = replace(
        record, id=record.id + "-copy", path=f"images/{record.id}-copy.png", split="test"
    )
    shutil.copyfile(manifest.image_path(record), manifest.image_path(copy))
    return [*manifest.records, copy]


def duplicate_within_split(manifest: Manifest, record: ManifestRecord) -> list[ManifestRecord]:
    copy = replace(record, id=record.id + "-copy", path=f"images/{record.id}-copy.png")
    shutil.copyfile(manifest.image_path(record), manifest.image_path(copy))
    return [*manifest.records, copy]


def held_out_writer_in_train(manifest: Manifest, record: ManifestRecord) -> list[ManifestRecord]:
    return _replace(manifest, record, replace(record, split="train"))


def wrong_sha256(manifest: Manifest, record: ManifestRecord) -> list[ManifestRecord]:
    wrong = hashlib.sha256(b"some other image").hexdigest()
    return _replace(manifest, record, replace(record, sha256=wrong))


def _reencoded(manifest: Manifest, record: ManifestRecord, convert: Callable):
    with Image.open(manifest.image_path(record)) as image:
        data = encode_png(convert(image))
    return _replace(manifest, record, _rewrite_image(manifest, record, data))


def rgba_image(manifest: Manifest, record: ManifestRecord) -> list[ManifestRecord]:
    return _reencoded(manifest, record, lambda image: image.convert("RGBA"))


def sixteen_bit_image(manifest: Manifest, record: ManifestRecord) -> list[ManifestRecord]:
    def widen(image: Image.Image) -> Image.Image:
        values = np.asarray(image.convert("L"), dtype=np.uint16) * 257
        return Image.fromarray(values)  # uint16 -> "I;16"

    return _reencoded(manifest, record, widen)


def missing_file(manifest: Manifest, record: ManifestRecord) -> list[ManifestRecord]:
    manifest.image_path(record).unlink()
    return manifest.records


def empty_label(manifest: Manifest, record: ManifestRecord) -> list[ManifestRecord]:
    return _replace(manifest, record, replace(record, text=""))


def extra_label_lines(manifest: Manifest, record: ManifestRecord) -> list[ManifestRecord]:
    """Paragraphs: a label with twice the lines its image shows."""
    return _replace(manifest, record, replace(record, text=record.text + "\n" + record.text))


@dataclass(frozen=True)
class Corruption:
    """A way to break one record, how it picks the record, and the one check that must fail."""

    apply: Callable[[Manifest, ManifestRecord], list[ManifestRecord]]
    expected: str
    pick: Callable[[Manifest, set[str]], ManifestRecord] = _any


#: The corruptions of lines the issue lists, each with the only expectation that must fail.
LINE_CORRUPTIONS: dict[str, Corruption] = {
    "blank_image": Corruption(blank_image, "ink_present"),
    "truncated_png": Corruption(truncated_png, "images_decode"),
    "out_of_vocabulary_label": Corruption(out_of_vocabulary_label, "labels_in_vocabulary"),
    "label_too_long_for_image": Corruption(
        label_too_long_for_image, "chars_per_pixel_plausible", _shortest_label
    ),
    "duplicate_across_splits": Corruption(
        duplicate_across_splits, "no_duplicate_images_across_splits"
    ),
    "held_out_writer_in_train": Corruption(
        held_out_writer_in_train, "held_out_writers_only_in_test", _held_out_test_record
    ),
    "wrong_sha256": Corruption(wrong_sha256, "sha256_matches"),
    "rgba_image": Corruption(rgba_image, "image_mode_supported"),
    "sixteen_bit_image": Corruption(sixteen_bit_image, "image_mode_supported"),
    "missing_file": Corruption(missing_file, "files_exist"),
    "empty_label": Corruption(empty_label, "labels_non_empty"),
    "duplicate_within_split": Corruption(
        duplicate_within_split, "no_duplicate_images_within_split"
    ),
}

PARAGRAPH_CORRUPTIONS: dict[str, Corruption] = {
    "extra_label_lines": Corruption(extra_label_lines, "text_lines_match_rows", _fewest_lines),
}


def corrupted_copy(
    clean: Path, destination: Path, corruptions: dict[str, Corruption]
) -> dict[str, set[str]]:
    """Copy ``clean`` to ``destination`` and apply each corruption to a record of its own.

    Returns, per corruption, the ids of the records it touched (its record and any it added).
    """
    shutil.copytree(clean, destination)
    manifest = read_manifest(destination)
    touched: dict[str, set[str]] = {}
    used: set[str] = set()
    for name, corruption in corruptions.items():
        record = corruption.pick(manifest, used)
        before = {r.id for r in manifest.records}
        manifest.records = corruption.apply(manifest, record)
        touched[name] = {record.id} | ({r.id for r in manifest.records} - before)
        used |= touched[name]
    write_manifest(destination, manifest.records, manifest.metadata)
    return touched


@pytest.fixture(scope="session")
def line_corruptions() -> dict[str, Corruption]:
    return LINE_CORRUPTIONS


@pytest.fixture(scope="session")
def paragraph_corruptions() -> dict[str, Corruption]:
    return PARAGRAPH_CORRUPTIONS


@pytest.fixture
def corrupt(tmp_path: Path) -> Callable[..., tuple[Path, dict[str, set[str]]]]:
    """``corrupt(clean_dir, {name: corruption})`` -> (corrupted copy, ids touched per name)."""

    def apply(clean: Path, corruptions: dict[str, Corruption]) -> tuple[Path, dict[str, set[str]]]:
        destination = tmp_path / "corrupted"
        return destination, corrupted_copy(clean, destination, corruptions)

    return apply


@pytest.fixture(scope="module")
def all_lines_corrupted(clean_lines: Path, tmp_path_factory: pytest.TempPathFactory):
    """One copy of the clean lines with every line corruption, each on its own record,
    validated once: the fast lane's view of all corruptions (one GX run instead of twelve)."""
    from text_recognizer.validation.validate import validate_dataset

    destination = tmp_path_factory.mktemp("all-corrupted") / "lines"
    touched = corrupted_copy(clean_lines, destination, LINE_CORRUPTIONS)
    return validate_dataset(destination), touched
