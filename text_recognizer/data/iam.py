"""The IAM Handwriting Database: forms XML + form scans -> line and paragraph data sets.

This module prepares a data set from the raw folder; the form XML is parsed by
:mod:`~text_recognizer.data.iam_forms`, the writer split by :mod:`~text_recognizer.data.iam_splits`
and the archives fetched by :mod:`~text_recognizer.data.iam_download`.

Upstream layout (https://fki.tic.heia-fr.ch/databases/iam-handwriting-database, registration
required; IAM 3.0):

- ``xml.tgz`` -> ``<form-id>.xml``: ``<form id writer-id width height>`` with a
  ``<machine-printed-part>`` (the prompt) and a ``<handwritten-part>`` of
  ``<line id text segmentation>`` elements, each holding ``<word id text>`` elements whose
  ``<cmp x y width height/>`` children box the connected ink components in form pixels.
  Attribute text uses XML entities (``&quot;``, ``&amp;``).
- ``formsA-D.tgz``, ``formsE-H.tgz``, ``formsI-Z.tgz`` -> ``<form-id>.png`` (300 dpi scans).
- ``largeWriterIndependentTextLineRecognitionTask.zip`` -> ``trainset.txt``,
  ``validationset1.txt``, ``validationset2.txt``, ``testset.txt``: one line id per row
  (``a01-000u-00``); every writer appears in one set only.

The FSDL mirror ``iamdb.zip`` holds the same XML, half-size JPEG forms and the same task files;
crops are computed in the XML's coordinates and scaled by (image width / form width), so both
layouts parse the same way. Folders are searched recursively, so it does not matter whether the
archives were unpacked flat or into sub-folders.

Decisions (documented because they change the data):

- Split by **writer**: a writer listed in testset -> test, in validationset1/2 -> val, in
  trainset -> train (a writer listed in two sets takes the more held-out one and is counted);
  writers in no task file (about 157 of 657) -> train, as FSDL does, so no data is wasted
  and no test writer leaks into training.
- Labels outside the vocabulary: the line (or, for paragraphs, the whole form) is **skipped**,
  and the characters are counted in ``manifest.json`` under ``skipped``. Mapping them (e.g.
  accents to ASCII) would teach the model labels that the ink does not show.
- Lines whose word segmentation IAM marks ``err`` are kept: the line box is the union of its
  components and stays right even when the word split is wrong.
"""

from __future__ import annotations

import functools
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PIL import Image

from text_recognizer.data.archive import extract_archive
from text_recognizer.data.iam_forms import Box, IamForm, line_crop_boxes, parse_form_xml
from text_recognizer.data.iam_splits import SPLIT_FILES, read_split_file, writer_splits
from text_recognizer.data.manifest import (
    KINDS,
    Manifest,
    ManifestRecord,
    write_image_record,
    write_manifest,
)
from text_recognizer.errors import DataSetLayoutError, TextRecognizerError
from text_recognizer.vocab import DEFAULT_VOCABULARY, Vocabulary

PARSER_VERSION = "iam-1"
PARAGRAPH_PADDING = 32  # form pixels around a paragraph's ink


# --------------------------------------------------------------------------- raw folder


def unpack_archives(raw: str | os.PathLike) -> list[Path]:
    """Safely extract every IAM archive found in ``raw`` into ``raw/extracted/<name>``.

    Already-extracted archives are skipped, so rerunning is cheap.
    """
    raw = Path(raw)
    done = []
    patterns = ("xml.tgz", "forms*.tgz", "lines.tgz", "*TextLineRecognitionTask.zip", "iamdb.zip")
    for pattern in patterns:
        for archive in sorted(raw.glob(pattern)):
            target = raw / "extracted" / archive.name.split(".")[0]
            if not target.exists():
                extract_archive(archive, target)
            done.append(target)
    return done


def _files_under(raw: Path, pattern: str) -> list[Path]:
    """Sorted matches of ``pattern`` under ``raw``, skipping hidden folders: an extraction
    killed midway leaves its half-filled ``.NAME.*.extracting`` staging folder there."""
    return [
        path
        for path in sorted(raw.rglob(pattern))
        if not any(part.startswith(".") for part in path.relative_to(raw).parts)
    ]


def _index_files(raw: Path, suffixes: tuple[str, ...], exclude: Path) -> dict[str, Path]:
    """stem -> path for files with ``suffixes`` anywhere under ``raw`` but outside ``exclude``."""
    found: dict[str, Path] = {}
    for path in _files_under(raw, "*"):
        if path.is_relative_to(exclude):
            continue  # our own output, when it lives inside the raw folder
        if path.suffix.lower() in suffixes and path.is_file():
            found.setdefault(path.stem, path)
    return found


def _find_split_files(raw: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in _files_under(raw, "*.txt"):
        if path.name in SPLIT_FILES:
            found.setdefault(path.name, path)
    return found


def _find_xml_files(raw: Path) -> list[Path]:
    """Form XML files: ``*.xml`` whose name looks like a form id (``a01-000u.xml``)."""
    return [p for p in _files_under(raw, "*.xml") if re.fullmatch(r"[a-z]\d\d-\d+[a-z]?", p.stem)]


# --------------------------------------------------------------------------- cropping


def _crop(page: Image.Image, box: Box, factor: float) -> Image.Image:
    """Crop ``box`` (form pixels) from ``page`` whose pixels are ``factor`` form pixels each."""
    x0, y0, x1, y1 = (round(v * factor) for v in box)
    x1, y1 = min(x1, page.width), min(y1, page.height)
    if x1 <= x0 or y1 <= y0:
        raise DataSetLayoutError(f"crop {box} lies outside the {page.width}x{page.height} scan")
    return page.crop((x0, y0, x1, y1))


def _load_page(path: Path, form: IamForm, scale: float) -> tuple[Image.Image, float]:
    """The form scan as grayscale at ``scale`` of the XML's resolution, and that factor."""
    try:
        page: Image.Image = Image.open(path)
        page.load()
    except (OSError, Image.DecompressionBombError) as error:
        raise DataSetLayoutError(f"{path}: cannot read form image: {error}") from None
    page = page.convert("L")
    native = page.width / form.width if form.width else 1.0
    if abs(native - scale) > 1e-3:
        size = (round(page.width * scale / native), round(page.height * scale / native))
        page = page.resize(size, Image.Resampling.LANCZOS)
    return page, scale


def _form_items(
    form: IamForm, kind: str, images: dict[str, Path], scale: float
) -> list[tuple[str, str, Callable[[], Image.Image]]] | None:
    """(id, label, crop thunk) per line or per paragraph; None when no image of it exists.

    Crops come from the form scan; for lines without a scan, IAM's own ``lines.tgz`` images
    (``a01-000u-00.png``, already cropped at 300 dpi) are used as they are.
    """
    if form.id in images:
        page, factor = _load_page(images[form.id], form, scale)
        if kind == "lines":
            boxes = line_crop_boxes(form)
            return [
                (line.id, line.text, functools.partial(_crop, page, box, factor))
                for line, box in zip(form.lines, boxes)
            ]
        x0, y0, x1, y1 = form.paragraph_box
        pad = PARAGRAPH_PADDING
        box = (max(x0 - pad, 0), max(y0 - pad, 0), x1 + pad, y1 + pad)
        return [(form.id, form.paragraph_text, functools.partial(_crop, page, box, factor))]
    if kind == "lines" and all(line.id in images for line in form.lines):
        return [
            (line.id, line.text, functools.partial(_load_line_image, images[line.id], scale))
            for line in form.lines
        ]
    return None


def _load_line_image(path: Path, scale: float) -> Image.Image:
    try:
        image: Image.Image = Image.open(path)
        image.load()
    except (OSError, Image.DecompressionBombError) as error:
        raise DataSetLayoutError(f"{path}: cannot read line image: {error}") from None
    image = image.convert("L")
    if scale != 1.0:
        size = (max(round(image.width * scale), 1), max(round(image.height * scale), 1))
        image = image.resize(size, Image.Resampling.LANCZOS)
    return image


# --------------------------------------------------------------------------- preparation


@dataclass
class _Report:
    unknown_characters: Counter
    skipped_oov: int = 0
    missing_images: int = 0
    split_conflicts: int = 0

    def as_dict(self) -> dict:
        return {
            "unknown_characters": dict(sorted(self.unknown_characters.items())),
            "out_of_vocabulary": self.skipped_oov,
            "missing_form_image": self.missing_images,
            "writers_in_several_splits": self.split_conflicts,
        }


def prepare_iam(
    raw: str | os.PathLike,
    out: str | os.PathLike,
    kind: str = "lines",
    scale: float = 0.5,
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
) -> Manifest:
    """Turn a raw IAM folder (archives or extracted files) into a line or paragraph data set.

    ``scale`` is relative to the 300 dpi scans; 0.5 keeps lines about 60 px high, more than
    the model's 40 px input, at a quarter of the disk space.
    """
    raw, out = Path(raw).resolve(), Path(out).resolve()
    if kind not in KINDS:
        raise TextRecognizerError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if not raw.is_dir():
        raise DataSetLayoutError(f"{raw} is not a folder; download IAM into it first")
    unpack_archives(raw)
    xml_files = _find_xml_files(raw)
    if not xml_files:
        raise DataSetLayoutError(
            f"{raw} holds no IAM form XML (a01-000u.xml …): put xml.tgz (or iamdb.zip) there"
        )
    images = _index_files(raw, (".png", ".jpg", ".jpeg"), exclude=out)
    split_paths = _find_split_files(raw)
    missing = sorted(set(SPLIT_FILES) - set(split_paths))
    if missing:
        raise DataSetLayoutError(
            f"{raw} lacks the task split file(s) {', '.join(missing)}: put "
            "largeWriterIndependentTextLineRecognitionTask.zip there"
        )
    forms = [parse_form_xml(path) for path in xml_files]
    listed = {name: read_split_file(path) for name, path in split_paths.items()}
    split_of, conflicts = writer_splits(forms, listed)
    report = _Report(Counter(), split_conflicts=len(conflicts))
    records: list[ManifestRecord] = []
    for form in forms:
        if not form.lines:
            continue
        items = _form_items(form, kind, images, scale)
        if items is None:
            report.missing_images += 1
            continue
        split = split_of.get(form.writer, "train")
        for item_id, text, crop in items:
            unknown = vocabulary.unknown_characters(text)
            if unknown:
                report.skipped_oov += 1
                report.unknown_characters.update(c for c in text if c in unknown)
                continue
            records.append(_write_crop(out, crop(), item_id, text, form, split))
    if not records:
        raise DataSetLayoutError(
            f"no usable IAM {kind} in {raw} (forms: {len(forms)}, report: {report.as_dict()})"
        )
    metadata = {
        "kind": kind,
        "source": "iam",
        "parser_version": PARSER_VERSION,
        "scale": scale,
        "licence": "IAM Handwriting Database: non-commercial research use, registration required",
        "url": "https://fki.tic.heia-fr.ch/databases/iam-handwriting-database",
        "split_rule": "by writer from the Large Writer Independent Text Line Recognition Task; "
        "unlisted writers -> train",
        "skipped": report.as_dict(),
    }
    return write_manifest(out, records, metadata)


def _write_crop(
    out: Path, crop: Image.Image, item_id: str, text: str, form: IamForm, split: str
) -> ManifestRecord:
    return write_image_record(out, item_id, crop, text, form.writer, split, "iam", PARSER_VERSION)
