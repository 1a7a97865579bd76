"""EMNIST characters and EMNIST-lines (sentences composed from EMNIST glyphs).

Upstream: NIST's ``gzip.zip`` (https://www.nist.gov/itl/products-and-services/emnist-dataset)
holds ``gzip/emnist-<subset>-{train,test}-{images-idx3,labels-idx1}-ubyte.gz`` and
``gzip/emnist-<subset>-mapping.txt`` (one ``label ascii_code`` pair per row). The IDX format is
MNIST's: two zero bytes, a type code (0x08 = uint8), the number of dimensions, then each
dimension as a big-endian uint32, then the values in C order. EMNIST stores every 28x28 image
*transposed* and as white ink on black; we transpose back and invert to dark ink on white
paper, the convention of every image in our data sets.

The members are read straight from the zip (bounded in size), so the 540 MB archive never
has to be unpacked next to itself. EMNIST has no validation split: the last
``VAL_FRACTION`` of the training set (a deterministic permutation) serves as one.
EMNIST carries no writer ids, so every record's writer is ``nist-sd19``.
"""

from __future__ import annotations

import functools
import gzip
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from text_recognizer.data.download import RemoteFile, download, stderr_progress
from text_recognizer.data.manifest import Manifest, write_image_record, write_manifest
from text_recognizer.errors import DataSetLayoutError, TextRecognizerError
from text_recognizer.extras import require
from text_recognizer.vocab import DEFAULT_VOCABULARY

PARSER_VERSION = "emnist-1"
LINES_VERSION = "emnist-lines-1"

#: URL: NIST's EMNIST page. SHA-256 and size: tensorflow/datasets,
#: tensorflow_datasets/url_checksums/emnist.txt (the same file under its older itl.nist.gov
#: address; torchvision pins its MD5 58c8d27c78d21e728a6bc7b3cc06412e).
EMNIST_GZIP_ZIP = RemoteFile(
    "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip",
    "gzip.zip",
    sha256="fb9bb67e33772a9cc0b895e4ecf36d2cf35be8b709693c3564cea2a019fcda8e",
    size=561753746,
)

SUBSETS = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")
VAL_FRACTION = 0.1
WRITER = "nist-sd19"
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
MAX_IDX_BYTES = 2 * 2**30  # byclass train images are 547 MB; anything far beyond is not EMNIST


def parse_idx(data: bytes, name: str = "<idx>") -> np.ndarray:
    """Decode one IDX file's bytes into an array of its declared type and shape.

    >>> parse_idx(bytes([0, 0, 8, 2, 0, 0, 0, 1, 0, 0, 0, 2, 7, 9])).tolist()
    [[7, 9]]
    """
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise DataSetLayoutError(f"{name}: not an IDX file (header {data[:4].hex()})")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataSetLayoutError(f"{name}: IDX header truncated")
    shape = tuple(int(v) for v in np.frombuffer(data, ">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) - header != expected:
        raise DataSetLayoutError(
            f"{name}: IDX body has {len(data) - header} bytes, shape {shape} needs {expected}"
        )
    values = np.frombuffer(data, dtype, offset=header).reshape(shape)
    return values.astype(dtype.newbyteorder("="), copy=False)  # no copy for uint8 images


def parse_mapping(text: str, name: str = "<mapping>") -> dict[int, str]:
    """``emnist-*-mapping.txt`` rows ``label ascii_code`` -> {label: character}.

    >>> parse_mapping("0 48\\n10 65\\n")
    {0: '0', 10: 'A'}
    """
    mapping: dict[int, str] = {}
    for number, row in enumerate(text.splitlines(), start=1):
        if not row.strip():
            continue
        fields = row.split()
        if len(fields) < 2 or not all(f.isdigit() for f in fields):
            raise DataSetLayoutError(f"{name}:{number}: expected 'label ascii_code', got {row!r}")
        mapping[int(fields[0])] = chr(int(fields[1]))
    return mapping


@dataclass(frozen=True)
class EmnistSplit:
    """Upright character images (N, 28, 28) uint8, ink 0 on paper 255, and their characters."""

    images: np.ndarray
    labels: np.ndarray
    mapping: dict[int, str]

    def characters(self) -> list[str]:
        return [self.mapping[int(label)] for label in self.labels]


def _read_member(source: Path, member: str) -> bytes:
    """A gunzipped member of ``gzip.zip`` (or of an extracted ``gzip/`` folder), size-bounded."""
    if source.is_dir():
        candidates = [source / member, source / Path(member).name]
        path = next((p for p in candidates if p.is_file()), None)
        if path is None:
            raise DataSetLayoutError(f"{source} lacks {member} (put NIST's gzip.zip there)")
        packed = path.read_bytes()
    else:
        try:
            with zipfile.ZipFile(source) as bundle, bundle.open(member) as stream:
                packed = stream.read(MAX_IDX_BYTES + 1)
        except zipfile.BadZipFile:
            raise DataSetLayoutError(f"{source} is not a valid zip archive") from None
        except KeyError:
            raise DataSetLayoutError(f"{source} has no member {member}") from None
    if member.endswith(".gz"):
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(packed)) as stream:
                packed = stream.read(MAX_IDX_BYTES + 1)
        except (OSError, EOFError) as error:
            raise DataSetLayoutError(f"{member}: corrupt gzip data: {error}") from None
    if len(packed) > MAX_IDX_BYTES:
        raise DataSetLayoutError(f"{member} expands beyond {MAX_IDX_BYTES} bytes; refusing it")
    return packed


def find_source(raw: str | os.PathLike) -> Path:
    """``raw/gzip.zip``, or an extracted ``raw/gzip`` folder, or ``raw`` itself if it is either."""
    raw = Path(raw)
    for candidate in (raw / "gzip.zip", raw):
        if candidate.is_file() and zipfile.is_zipfile(candidate):
            return candidate
    if (raw / "gzip").is_dir():
        return raw
    if raw.is_dir() and any(raw.glob("emnist-*-mapping.txt")):
        return raw
    raise DataSetLayoutError(
        f"{raw} holds neither gzip.zip nor an extracted gzip/ folder; "
        "run `text-recognizer data download emnist --dir DIR` first"
    )


def load_emnist(
    raw: str | os.PathLike, split: str = "train", subset: str = "byclass"
) -> EmnistSplit:
    """Load one EMNIST split (train, val, test) of ``subset`` from NIST's distribution."""
    if subset not in SUBSETS:
        raise TextRecognizerError(f"subset must be one of {', '.join(SUBSETS)}, not {subset!r}")
    if split not in ("train", "val", "test"):
        raise TextRecognizerError(f"split must be train, val or test, not {split!r}")
    source = find_source(raw)
    prefix = f"gzip/emnist-{subset}"
    mapping_name = f"{prefix}-mapping.txt"
    mapping = parse_mapping(_read_member(source, mapping_name).decode("ascii"), mapping_name)
    upstream = "test" if split == "test" else "train"
    names = [f"{prefix}-{upstream}-{part}-ubyte.gz" for part in ("images-idx3", "labels-idx1")]
    images = parse_idx(_read_member(source, names[0]), names[0])
    labels = parse_idx(_read_member(source, names[1]), names[1]).astype(np.int64)
    if images.ndim != 3 or len(images) != len(labels):
        raise DataSetLayoutError(f"{names[0]}: shape {images.shape} vs {len(labels)} labels")
    unknown = sorted(set(np.unique(labels).tolist()) - set(mapping))
    if unknown:
        raise DataSetLayoutError(f"{names[1]}: labels {unknown[:10]} are not in {mapping_name}")
    if upstream == "train":
        order = np.random.default_rng(0).permutation(len(labels))
        cut = len(labels) - int(round(len(labels) * VAL_FRACTION))
        keep = np.sort(order[cut:] if split == "val" else order[:cut])
        images, labels = images[keep], labels[keep]
    upright = 255 - np.ascontiguousarray(images.transpose(0, 2, 1)).astype(np.uint8)
    return EmnistSplit(images=upright, labels=labels, mapping=mapping)


def _record(out: Path, item_id: str, image: np.ndarray, text: str, split: str, version: str):
    picture = Image.fromarray(image, mode="L")
    return write_image_record(out, item_id, picture, text, WRITER, split, "emnist", version)


def prepare_emnist(
    raw: str | os.PathLike,
    out: str | os.PathLike,
    subset: str = "byclass",
    limit: int | None = None,
) -> Manifest:
    """Write EMNIST characters as a ``lines`` data set of one-character lines.

    ``limit`` keeps the first N characters per split: the full byclass set is 814k PNGs.
    """
    out = Path(out)
    records = []
    for split in ("train", "val", "test"):
        data = load_emnist(raw, split, subset)
        count = len(data.labels) if limit is None else min(limit, len(data.labels))
        for index in range(count):
            char = data.mapping[int(data.labels[index])]
            item_id = f"emnist-{subset}-{split}-{index:06d}"
            records.append(_record(out, item_id, data.images[index], char, split, PARSER_VERSION))
    metadata = {
        "kind": "lines",
        "source": "emnist",
        "subset": subset,
        "parser_version": PARSER_VERSION,
        "url": EMNIST_GZIP_ZIP.url,
        "licence": "EMNIST (NIST SD19 derivative), public domain (US government work)",
    }
    return write_manifest(out, records, metadata)


# --------------------------------------------------------------------------- EMNIST-lines


@dataclass(frozen=True)
class EmnistLinesConfig:
    """How to compose a line: length in characters, glyph overlap, text sampling."""

    max_length: int = 32
    min_overlap: float = 0.0
    max_overlap: float = 0.33
    vocabulary_size: int = 5000  # most frequent English words to draw from


@functools.lru_cache(maxsize=4)
def english_words(vocabulary_size: int) -> tuple[tuple[str, ...], np.ndarray]:
    """wordfreq's most frequent English words and their cumulative frequency (for sampling)."""
    wordfreq = require("wordfreq", "EMNIST-lines text")
    frequencies = wordfreq.get_frequency_dict("en")
    words = tuple(w for w in wordfreq.top_n_list("en", vocabulary_size) if w in frequencies)
    weights = np.array([frequencies[w] for w in words], dtype=np.float64)
    return words, np.cumsum(weights / weights.sum())


def sample_sentences(
    rng: np.random.Generator, n: int, config: EmnistLinesConfig, alphabet: set[str]
) -> list[str]:
    """``n`` word sequences from wordfreq's English list, frequency-weighted, capitalized like
    prose, each at most ``config.max_length`` characters, using only ``alphabet`` and spaces."""
    all_words, cumulative = english_words(config.vocabulary_size)
    usable = np.array([bool(w) and set(w) <= alphabet for w in all_words])
    if not usable.any():
        raise TextRecognizerError("no wordfreq word can be written with the EMNIST characters")
    weights = np.diff(cumulative, prepend=0.0) * usable
    cumulative = np.cumsum(weights / weights.sum())
    sentences = []
    for _ in range(n):
        target = int(rng.integers(config.max_length // 3, config.max_length + 1))
        chosen: list[str] = []
        while True:
            index = min(
                int(np.searchsorted(cumulative, rng.random(), side="right")), len(all_words) - 1
            )
            word = all_words[index]
            if rng.random() < 0.1 and word[0].upper() in alphabet:
                word = word[0].upper() + word[1:]
            if chosen and len(" ".join(chosen + [word])) > target:
                break
            chosen.append(word)
            if len(chosen[0]) >= target:
                break
        text = " ".join(chosen)[: config.max_length].rstrip()
        if text[0].upper() in alphabet:
            text = text[0].upper() + text[1:]
        sentences.append(text)
    return sentences


def compose_line(
    text: str,
    glyphs_by_char: dict[str, np.ndarray],
    rng: np.random.Generator,
    config: EmnistLinesConfig,
) -> np.ndarray:
    """Paste one random glyph per character left to right with random overlap (dark ink wins).

    A space is an empty glyph-wide gap; the result is 28 px high, ink 0 on paper 255.
    """
    size = 28
    steps = [
        int(round(size * (1 - rng.uniform(config.min_overlap, config.max_overlap)))) for _ in text
    ]
    width = sum(steps[:-1]) + size if text else size
    ink = np.zeros((size, width), dtype=np.uint8)
    x = 0
    for char, step in zip(text, steps):
        if char != " ":
            pool = glyphs_by_char[char]
            glyph = 255 - pool[int(rng.integers(len(pool)))]
            np.maximum(ink[:, x : x + size], glyph, out=ink[:, x : x + size])
        x += step
    return 255 - ink


def prepare_emnist_lines(
    raw: str | os.PathLike,
    out: str | os.PathLike,
    n: int = 10_000,
    seed: int = 0,
    config: EmnistLinesConfig | None = None,
    subset: str = "byclass",
) -> Manifest:
    """Compose ``n`` lines (80% train, 10% val, 10% test), each from its own split's glyphs."""
    out = Path(out)
    config = config or EmnistLinesConfig()
    rng = np.random.default_rng(seed)
    counts = {"train": n - 2 * (n // 10), "val": n // 10, "test": n // 10}
    records = []
    for split, count in counts.items():
        if not count:
            continue
        data = load_emnist(raw, split, subset)
        chars = np.array(data.characters())
        glyphs = {c: data.images[chars == c] for c in set(chars.tolist())}
        alphabet = {c for c in glyphs if c in DEFAULT_VOCABULARY.characters}
        for index, text in enumerate(sample_sentences(rng, count, config, alphabet)):
            image = compose_line(text, glyphs, rng, config)
            item_id = f"emnist-lines-{split}-{index:06d}"
            records.append(_record(out, item_id, image, text, split, LINES_VERSION))
    metadata = {
        "kind": "lines",
        "source": "emnist-lines",
        "seed": seed,
        "parser_version": LINES_VERSION,
        "config": config.__dict__,
        "text_source": "wordfreq (English), frequency-weighted",
        "licence": "EMNIST glyphs: public domain; wordfreq data: CC BY-SA 4.0",
    }
    return write_manifest(out, records, metadata)


def download_emnist(
    directory: str | os.PathLike, url: str | None = None, sha256: str | None = None
) -> Path:
    """Fetch NIST's ``gzip.zip`` (checked against its published SHA-256) into ``directory``."""
    remote = EMNIST_GZIP_ZIP
    digest = sha256 or (remote.sha256 if url in (None, remote.url) else None)
    return download(
        url or remote.url,
        Path(directory) / remote.filename,
        sha256=digest,
        progress=stderr_progress,
    )
