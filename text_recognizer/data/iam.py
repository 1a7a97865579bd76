"""The IAM Handwriting Database: forms XML + form scans -> line and paragraph data sets.

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
import html
import io
import os
import re
import xml.etree.ElementTree as ElementTree
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from PIL import Image

from text_recognizer.data.archive import extract_archive
from text_recognizer.data.download import (
    RemoteFile,
    basic_auth_header,
    download,
    stderr_progress,
)
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

#: Official files (IAM 3.0). No checksum is published; the download records what it got.
IAM_OFFICIAL_FILES: tuple[RemoteFile, ...] = (
    RemoteFile("https://fki.tic.heia-fr.ch/DBs/iamDB/data/xml.tgz", "xml.tgz"),
    RemoteFile("https://fki.tic.heia-fr.ch/DBs/iamDB/data/formsA-D.tgz", "formsA-D.tgz"),
    RemoteFile("https://fki.tic.heia-fr.ch/DBs/iamDB/data/formsE-H.tgz", "formsE-H.tgz"),
    RemoteFile("https://fki.tic.heia-fr.ch/DBs/iamDB/data/formsI-Z.tgz", "formsI-Z.tgz"),
)

#: The task split needs no account; the address cited by Kaldi's IAM recipe (egs/iam) and many
#: HTR repositories. Credentials are never sent to it (plain http).
IAM_TASK_FILE = RemoteFile(
    "http://www.fki.inf.unibe.ch/DBs/iamDB/tasks/largeWriterIndependentTextLineRecognitionTask.zip",
    "largeWriterIndependentTextLineRecognitionTask.zip",
)

#: FSDL's mirror (xml + half-size JPEG forms + task files). URL and SHA-256 from
#: the-full-stack/fsdl-text-recognizer-2022, data/raw/iam/metadata.toml.
IAM_FSDL_MIRROR = RemoteFile(
    "https://s3-us-west-2.amazonaws.com/fsdl-public-assets/iam/iamdb.zip",
    "iamdb.zip",
    sha256="f3c9e87a88a313e557c6d3548ed8a2a1af2dc3c4a678c5f3fc6f972ba4a50c55",
)

USERNAME_ENV, PASSWORD_ENV = "IAM_USERNAME", "IAM_PASSWORD"
SPLIT_FILES = {
    "trainset.txt": "train",
    "validationset1.txt": "val",
    "validationset2.txt": "val",
    "testset.txt": "test",
}
_SPLIT_PRECEDENCE = {"train": 0, "val": 1, "test": 2}
LINE_PADDING = 16  # form pixels (300 dpi) around a line's ink, limited by the neighbours
PARAGRAPH_PADDING = 32
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);")

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive) in form pixels


@dataclass(frozen=True)
class IamLine:
    """One handwritten line: its id, label and the union of its ink components' boxes."""

    id: str
    text: str
    box: Box
    segmentation_ok: bool = True


@dataclass(frozen=True)
class IamForm:
    """One form: who wrote it, its size in the XML's pixels and its handwritten lines."""

    id: str
    writer: str
    width: int
    height: int
    lines: tuple[IamLine, ...]

    @property
    def paragraph_text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def paragraph_box(self) -> Box:
        return union_boxes(line.box for line in self.lines)


def union_boxes(boxes: Iterable[Box]) -> Box:
    """Smallest box around all ``boxes``.

    >>> union_boxes([(10, 5, 20, 9), (2, 7, 12, 30)])
    (2, 5, 20, 30)
    """
    boxes = list(boxes)
    if not boxes:
        raise DataSetLayoutError("cannot take the union of no boxes")
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def decode_label(text: str) -> str:
    """Undo entity escaping that survived XML parsing (some tools escape twice).

    >>> decode_label('&quot;Yes&quot; &amp; no')
    '"Yes" & no'
    """
    return html.unescape(text) if _ENTITY.search(text) else text


def parse_form_xml(source: str | os.PathLike | bytes) -> IamForm:
    """Parse one IAM form XML file (path or bytes) into its lines and their ink boxes."""
    name = "<bytes>" if isinstance(source, bytes) else str(source)
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    if b"<!ENTITY" in data:
        raise DataSetLayoutError(f"{name}: XML entity declarations are refused (entity bombs)")
    try:
        root = ElementTree.parse(io.BytesIO(data)).getroot()
    except ElementTree.ParseError as error:
        raise DataSetLayoutError(f"{name}: not well-formed XML: {error}") from None
    if root.tag != "form" or "id" not in root.attrib or "writer-id" not in root.attrib:
        raise DataSetLayoutError(f"{name}: root is not <form id=... writer-id=...>")
    lines = []
    for element in root.findall("handwritten-part/line"):
        boxes = [_cmp_box(cmp, name) for cmp in element.iterfind("word/cmp")]
        if not boxes:
            continue  # a line without ink components cannot be cropped (very rare upstream)
        lines.append(
            IamLine(
                id=element.get("id", ""),
                text=decode_label(element.get("text", "")),
                box=union_boxes(boxes),
                segmentation_ok=element.get("segmentation", "ok") == "ok",
            )
        )
    return IamForm(
        id=root.get("id"),
        writer=root.get("writer-id"),
        width=_int_attribute(root, "width", name, default=0),
        height=_int_attribute(root, "height", name, default=0),
        lines=tuple(lines),
    )


def _int_attribute(
    element: ElementTree.Element, key: str, name: str, default: int | None = None
) -> int:
    value = element.get(key)
    if value is None and default is not None:
        return default
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DataSetLayoutError(
            f"{name}: <{element.tag}> attribute {key}={value!r} is not an integer"
        ) from None


def _cmp_box(cmp: ElementTree.Element, name: str) -> Box:
    """A ``<cmp x y width height/>`` component as (x0, y0, x1, y1)."""
    x, y = _int_attribute(cmp, "x", name), _int_attribute(cmp, "y", name)
    return (x, y, x + _int_attribute(cmp, "width", name), y + _int_attribute(cmp, "height", name))


def read_split_file(path: str | os.PathLike) -> list[str]:
    """Line ids listed in one task split file (blank rows ignored)."""
    return [
        row.strip() for row in Path(path).read_text(encoding="utf-8").splitlines() if row.strip()
    ]


def form_id_of_line(line_id: str) -> str:
    """``a01-000u-00`` -> ``a01-000u``.

    >>> form_id_of_line("n02-082a-03")
    'n02-082a'
    """
    return line_id.rsplit("-", 1)[0]


def writer_splits(
    forms: Iterable[IamForm], listed: dict[str, list[str]]
) -> tuple[dict[str, str], list[str]]:
    """Map writer id -> split from the task files; returns the map and conflicting writers.

    ``listed`` maps split file name (``testset.txt``…) to its line ids. Writers not listed
    anywhere are absent from the map (callers put them in train).
    """
    writer_of_form = {form.id: form.writer for form in forms}
    split_of: dict[str, str] = {}
    conflicts: set[str] = set()
    for file_name, line_ids in listed.items():
        split = SPLIT_FILES[file_name]
        for line_id in line_ids:
            writer = writer_of_form.get(form_id_of_line(line_id))
            if writer is None:
                continue
            previous = split_of.get(writer)
            if previous is not None and previous != split:
                conflicts.add(writer)
            if previous is None or _SPLIT_PRECEDENCE[split] > _SPLIT_PRECEDENCE[previous]:
                split_of[writer] = split
    return split_of, sorted(conflicts)


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


def line_crop_boxes(form: IamForm, padding: int = LINE_PADDING) -> list[Box]:
    """Each line's box with ``padding``, vertically limited to half the gap to its neighbours.

    >>> line = lambda y0, y1: IamLine("l", "t", (100, y0, 200, y1))
    >>> line_crop_boxes(IamForm("f", "w", 300, 300, (line(10, 40), line(50, 80))), padding=16)
    [(84, 0, 216, 45), (84, 45, 216, 96)]
    """
    boxes = [line.box for line in form.lines]
    result = []
    for index, (x0, y0, x1, y1) in enumerate(boxes):
        above = (y0 - boxes[index - 1][3]) // 2 if index else padding
        below = (boxes[index + 1][1] - y1) // 2 if index + 1 < len(boxes) else padding
        result.append(
            (
                max(x0 - padding, 0),
                max(y0 - min(padding, max(above, 0)), 0),
                x1 + padding,
                y1 + min(padding, max(below, 0)),
            )
        )
    return result


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
        page = Image.open(path)
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
        image = Image.open(path)
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


# --------------------------------------------------------------------------- download


def download_iam(
    directory: str | os.PathLike,
    url: str | None = None,
    sha256: str | None = None,
    username: str | None = None,
    password: str | None = None,
) -> list[Path]:
    """Fetch IAM into ``directory``.

    With ``url`` (e.g. :data:`IAM_FSDL_MIRROR`'s, or a copy your institution hosts) that one
    archive is fetched; its SHA-256 is checked when given or known. Without ``url`` the
    official files are fetched with HTTP basic authentication from the ``IAM_USERNAME`` /
    ``IAM_PASSWORD`` environment variables (register at the IAM site first). If the site's
    login does not accept basic authentication, download the files in a browser into
    ``directory``: ``prepare`` accepts the archives as they are.
    """
    directory = Path(directory)
    if url:
        known = IAM_FSDL_MIRROR.sha256 if url == IAM_FSDL_MIRROR.url else None
        name = url.rstrip("/").rsplit("/", 1)[-1] or "iam.zip"
        return [download(url, directory / name, sha256=sha256 or known, progress=stderr_progress)]
    username = username or os.environ.get(USERNAME_ENV)
    password = password or os.environ.get(PASSWORD_ENV)
    if not username or not password:
        raise TextRecognizerError(
            f"IAM needs a registered account: set {USERNAME_ENV} and {PASSWORD_ENV} (register at "
            "https://fki.tic.heia-fr.ch/databases/iam-handwriting-database), or pass --url with "
            f"an archive you may use, e.g. FSDL's mirror {IAM_FSDL_MIRROR.url}"
        )
    headers = basic_auth_header(username, password)
    paths = [
        download(remote.url, directory / remote.filename, headers=headers, progress=stderr_progress)
        for remote in IAM_OFFICIAL_FILES
    ]
    task = IAM_TASK_FILE
    return paths + [download(task.url, directory / task.filename, progress=stderr_progress)]
