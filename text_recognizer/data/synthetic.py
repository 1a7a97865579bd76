"""Offline synthetic handwriting: lines and paragraphs rendered from handwriting fonts.

Each sample is a pure function of ``(config, index)``: its numpy Generator is seeded from
``SeedSequence([seed, index, kind])``, its split from the index alone. So any subset of samples
can be rendered in any order, by any number of processes, and the bytes come out the same.

Lines are written by :mod:`text_recognizer.data.handwriting` and put on paper by
:mod:`text_recognizer.data.paper`. Writers are split by the library's rule
(:data:`text_recognizer.data.fonts.WRITER_RULE`): test-only writers appear only in the test
split and validation-only writers only in the validation split, so both measure unseen writers.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from PIL import Image

from text_recognizer.data import augment, corpus, handwriting, paper
from text_recognizer.data.augment import AugmentConfig, uniform
from text_recognizer.data.fonts import (
    WRITER_RULE,
    HandwritingFont,
    discover_fonts,
    library_report,
    writers_by_split,
)
from text_recognizer.data.manifest import (  # noqa: F401 - encode_png is part of this API
    IMAGE_DIR,
    KINDS,
    SPLITS,
    Manifest,
    ManifestRecord,
    encode_png,
    write_image_record,
    write_manifest,
)
from text_recognizer.errors import ManifestError, TextRecognizerError

#: Bump when a change alters the rendered bytes or labels for a given seed.
GENERATOR_VERSION = "synthetic-2.0"
MAX_LINE_CHARS = 128
MAX_PARAGRAPH_CHARS = 512
MAX_PARAGRAPH_LINES = 8
_KIND_CODES = {"lines": 1, "paragraphs": 2}
_GOLDEN = 0x9E3779B97F4A7C15  # 2**64 / golden ratio: Fibonacci hashing of indices


@dataclass(frozen=True)
class SyntheticConfig:
    """What to generate. Two configs that compare equal produce identical samples."""

    kind: str = "lines"
    seed: int = 0
    augment: bool = True
    split_fractions: tuple[float, float, float] = (0.8, 0.1, 0.1)
    line_chars: tuple[int, int] = (10, 60)
    paragraph_lines: tuple[int, int] = (2, MAX_PARAGRAPH_LINES)
    paragraph_line_chars: tuple[int, int] = (20, 56)
    augmentation: AugmentConfig = field(default_factory=AugmentConfig)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise TextRecognizerError(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.seed < 0:
            raise TextRecognizerError(f"seed must be >= 0, got {self.seed}")
        fractions = self.split_fractions
        if len(fractions) != 3 or min(fractions) < 0 or not math.isclose(sum(fractions), 1.0):
            raise TextRecognizerError(
                f"split_fractions (train, val, test) must be 3 non-negative numbers summing to 1, "
                f"got {fractions}"
            )
        low, high = self.line_chars
        if not 1 <= low <= high <= MAX_LINE_CHARS:
            raise TextRecognizerError(
                f"line_chars must satisfy 1 <= low <= high <= 128: {low, high}"
            )
        low, high = self.paragraph_lines
        if not 1 <= low <= high <= MAX_PARAGRAPH_LINES:
            raise TextRecognizerError(f"paragraph_lines must be within 1..8: {low, high}")
        low, high = self.paragraph_line_chars
        if not 1 <= low <= high <= MAX_LINE_CHARS:
            raise TextRecognizerError(f"paragraph_line_chars out of range: {low, high}")


@dataclass(frozen=True)
class SyntheticSample:
    """One rendered sample: a grayscale image (dark ink on light paper) and its label."""

    image: Image.Image
    text: str
    writer: str
    split: str


def split_for_index(index: int, fractions: Sequence[float] = (0.8, 0.1, 0.1)) -> str:
    """The split of sample ``index``: Fibonacci hashing spreads indices evenly over [0, 1), so
    every prefix 0..n-1 has close to the requested fractions, with no seed involved.

    >>> [split_for_index(i) for i in range(9)]
    ['train', 'train', 'train', 'val', 'train', 'train', 'train', 'train', 'test']
    """
    if index < 0:
        raise TextRecognizerError(f"sample index must be >= 0, got {index}")
    position = ((index * _GOLDEN) % 2**64) / 2**64
    cumulative = 0.0
    for name, fraction in zip(SPLITS, fractions):
        cumulative += fraction
        if position < cumulative:
            return name
    return SPLITS[-1] if fractions[-1] > 0 else max(zip(fractions, SPLITS))[1]


def sample_rng(config: SyntheticConfig, index: int) -> np.random.Generator:
    """The Generator of sample ``index``: independent of every other sample's."""
    return np.random.default_rng(
        np.random.SeedSequence([config.seed, index, _KIND_CODES[config.kind]])
    )


def writers_for_split(split: str) -> tuple[HandwritingFont, ...]:
    """Fonts a split may use: test-only writers for test, validation-only ones for val (see
    :func:`text_recognizer.data.fonts.writers_by_split`), the rest for train."""
    return writers_by_split(discover_fonts())[split]


# -- lines ------------------------------------------------------------------------------------


def _render_line(
    rng: np.random.Generator, config: SyntheticConfig, font: HandwritingFont
) -> tuple[Image.Image, str]:
    low, high = config.line_chars
    aug, augmented = config.augmentation, config.augment
    text = corpus.sample_line(rng, low, high, "".join(sorted(font.coverage)))
    style = handwriting.draw_style(rng, aug, augmented)
    mask, _ = handwriting.render_mask(text, font, style, rng, aug, augmented)
    mask, _ = augment.crop_to_ink(mask, handwriting.margins(rng, style, aug, augmented))
    image = paper.finish(mask, rng, aug, clean=not augmented, x_height=style.x_height)
    return image, text


# -- paragraphs -------------------------------------------------------------------------------


def _render_paragraph(
    rng: np.random.Generator, config: SyntheticConfig, font: HandwritingFont
) -> tuple[Image.Image, str]:
    lines = corpus.sample_paragraph(
        rng,
        config.paragraph_lines,
        config.paragraph_line_chars,
        MAX_PARAGRAPH_CHARS,
        "".join(sorted(font.coverage)),
    )
    aug, augmented = config.augmentation, config.augment
    style = handwriting.draw_style(rng, aug, augmented)
    pitch = style.x_height * (uniform(rng, (2.9, 3.8)) if augmented else 3.3)
    margin = style.x_height * (uniform(rng, (0.5, 3.0)) if augmented else 1.0)
    placed: list[tuple[np.ndarray, int, int]] = []  # mask, left, baseline row on the page
    for number, line in enumerate(lines):
        line_style = style
        if augmented:  # the same writer, but no two lines alike
            line_style = replace(
                style,
                x_height=style.x_height * rng.uniform(0.95, 1.05),
                slant=style.slant + rng.normal(0.0, 0.03),
            )
        mask, baseline = handwriting.render_mask(line, font, line_style, rng, aug, augmented)
        left = margin + (rng.normal(0.0, 0.25 * style.x_height) if augmented else 0.0)
        if number == 0 and augmented and rng.random() < 0.3:
            left += style.x_height * rng.uniform(1.0, 3.0)  # indented first line
        row = pitch * (number + 1) + (rng.normal(0.0, 0.12 * style.x_height) if augmented else 0.0)
        placed.append((mask, int(round(left)), int(round(row)) - baseline))
    top = min(y for _, _, y in placed)
    left_most = min(x for _, x, _ in placed)
    width = max(x + mask.shape[1] for mask, x, _ in placed) - left_most
    height = max(y + mask.shape[0] for mask, _, y in placed) - top
    page = np.zeros((height, width), dtype=np.uint8)
    for mask, x, y in placed:
        region = page[
            y - top : y - top + mask.shape[0], x - left_most : x - left_most + mask.shape[1]
        ]
        np.maximum(region, mask, out=region)
    page_mask, _ = augment.crop_to_ink(page, handwriting.margins(rng, style, aug, augmented))
    if augmented:
        page_mask = paper.scan_page(page_mask, rng, aug)
    image = paper.finish(page_mask, rng, aug, clean=not augmented, x_height=style.x_height)
    return image, "\n".join(lines)


def render_sample(config: SyntheticConfig, index: int) -> SyntheticSample:
    """Sample ``index`` of the data set ``config`` describes; a pure function of both."""
    split = split_for_index(index, config.split_fractions)
    rng = sample_rng(config, index)
    writers = writers_for_split(split)
    font = writers[int(rng.integers(len(writers)))]
    render = _render_line if config.kind == "lines" else _render_paragraph
    image, text = render(rng, config, font)
    return SyntheticSample(image=image, text=text, writer=font.name, split=split)


# -- data sets --------------------------------------------------------------------------------


def sample_id(kind: str, index: int) -> str:
    """Stable id of sample ``index``: ``line-000042`` or ``paragraph-000042``."""
    return f"{kind[:-1]}-{index:06d}"


def _write_sample(task: tuple[SyntheticConfig, int, str]) -> ManifestRecord:
    """Render sample ``index`` and write its PNG atomically; runs in worker processes."""
    config, index, root = task
    sample = render_sample(config, index)
    return write_image_record(
        root,
        sample_id(config.kind, index),
        sample.image,
        text=sample.text,
        writer=sample.writer,
        split=sample.split,
        source="synthetic",
        generator_version=GENERATOR_VERSION,
    )


def _worker_init() -> None:
    """One thread per worker: the workers already use every core."""
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover
        pass


_OUR_FILE = re.compile(r"(line|paragraph)-\d{6,}\.png|\.(line|paragraph)-\d{6,}\.png\..*\.tmp")


def _is_ours(name: str) -> bool:
    """Whether ``name`` is an image (or an interrupted write) this generator makes."""
    return _OUR_FILE.fullmatch(name) is not None


def _prepare_folder(root: Path) -> None:
    """Refuse a non-empty folder that is not a data set; invalidate an old data set first.

    The old manifest goes before any image is rewritten, so an interrupted run leaves no
    manifest whose hashes might describe files it did not write.
    """
    from text_recognizer.data.manifest import MANIFEST_CSV, MANIFEST_JSON

    if root.exists() and not root.is_dir():
        raise ManifestError(f"{root} exists and is not a folder")
    if root.is_dir() and any(root.iterdir()):
        owned = {MANIFEST_CSV, MANIFEST_JSON, IMAGE_DIR}
        foreign = sorted(p.name for p in root.iterdir() if p.name not in owned)
        if (root / IMAGE_DIR).is_dir():
            images = (root / IMAGE_DIR).iterdir()
            foreign += sorted(f"{IMAGE_DIR}/{p.name}" for p in images if not _is_ours(p.name))
        if foreign:
            raise ManifestError(
                f"{root} is not empty and is not a synthetic data set "
                f"(found {', '.join(foreign[:5])}); choose an empty or new folder"
            )
        for name in (MANIFEST_JSON, MANIFEST_CSV):
            (root / name).unlink(missing_ok=True)
    (root / IMAGE_DIR).mkdir(parents=True, exist_ok=True)


_LICENCES = {"pip": "OFL-1.1", "npm": "OFL-1.1", "apt": "see the Debian package"}


def dataset_metadata(config: SyntheticConfig, n: int) -> dict[str, Any]:
    """What the manifest table cannot say: how the set was made, from what, under which licences,
    which writers each split drew from (and by which rule), and which fonts were left out."""
    fonts = discover_fonts()
    by_split = writers_by_split(fonts)
    return {
        "kind": config.kind,
        "seed": config.seed,
        "n": n,
        "augment": config.augment,
        "generator": "text_recognizer.data.synthetic",
        "generator_version": GENERATOR_VERSION,
        "text_source": corpus.text_source(),
        "fonts": [
            {
                "name": font.name,
                "style": font.style,
                "role": font.role,
                "file": os.path.basename(font.path),
                "package": font.package,
                "installer": font.installer,
                "licence": _LICENCES[font.installer],
                "held_out": font in by_split["test"],
                "missing_characters": font.missing(),
                "dropped_characters": [list(item) for item in font.dropped],
            }
            for font in fonts
        ],
        "writer_rule": WRITER_RULE,
        "held_out_writers": [font.name for font in by_split["test"]],
        "val_writers": [font.name for font in by_split["val"]],
        "training_writers": [font.name for font in by_split["train"]],
        "skipped_writers": [
            {"name": row.name, "status": row.status, "reason": row.detail}
            for row in library_report()
            if row.status in ("rejected", "excluded", "not installed")
        ],
        "split_fractions": dict(zip(SPLITS, config.split_fractions)),
    }


def generate_dataset(
    out_dir: str | os.PathLike,
    kind: str,
    n: int,
    seed: int,
    workers: int = 1,
    augment: bool = True,
) -> Manifest:
    """Render samples ``0..n-1`` into ``out_dir`` (PNGs + manifest); same seed, same bytes.

    Every image is rendered and written atomically, and the manifest is written last: a folder
    with a manifest is complete, and an interrupted run leaves none.
    """
    if n <= 0:
        raise TextRecognizerError(f"n must be a positive number of samples, got {n}")
    if workers <= 0:
        raise TextRecognizerError(f"workers must be >= 1, got {workers}")
    config = SyntheticConfig(kind=kind, seed=seed, augment=augment)
    root = Path(out_dir)
    metadata = dataset_metadata(config, n)  # fails early (MissingFontsError) before any write
    _prepare_folder(root)
    tasks = [(config, index, str(root)) for index in range(n)]
    if workers == 1:
        records = [_write_sample(task) for task in tasks]
    else:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        chunk = max(1, min(64, n // (4 * workers)))
        with context.Pool(workers, initializer=_worker_init) as pool:
            records = list(pool.imap(_write_sample, tasks, chunksize=chunk))
    keep = {Path(record.path).name for record in records}
    for stale in (root / IMAGE_DIR).iterdir():
        if stale.name not in keep and _is_ours(
            stale.name
        ):  # leftovers of a larger earlier run or of a killed write
            stale.unlink()
    return write_manifest(root, records, metadata)
