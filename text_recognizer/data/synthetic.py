"""Offline synthetic handwriting: lines and paragraphs rendered from handwriting fonts.

Each sample is a pure function of ``(config, index)``: its numpy Generator is seeded from
``SeedSequence([seed, index, kind])``, its split from the index alone. So any subset of samples
can be rendered in any order, by any number of processes, and the bytes come out the same.

Text is placed one character at a time (no shaping engine, so no ligatures the label does not
name), which makes character spacing and baseline jitter real rather than a post-hoc warp. The
held-out fonts (:data:`text_recognizer.data.fonts.HELD_OUT_WRITERS`) appear only in the test
split, so test scores measure unseen writers.
"""

from __future__ import annotations

import functools
import math
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from text_recognizer.data import augment, corpus
from text_recognizer.data.augment import AugmentConfig, uniform
from text_recognizer.data.fonts import HandwritingFont, discover_fonts, split_writers
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
GENERATOR_VERSION = "synthetic-1.1"
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
    """Fonts a split may use: held-out ones for test, the others for train and val."""
    training, held_out = split_writers(discover_fonts())
    return held_out if split == "test" else training


# -- glyphs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Glyph:
    mask: np.ndarray  # uint8, ink 255
    left: int  # offset of the mask from the pen position
    top: int  # offset of the mask's top from the baseline (negative: above)
    advance: float


@functools.lru_cache(maxsize=512)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)


@functools.lru_cache(maxsize=64)
def _x_height_per_point(path: str) -> float:
    """x-height in pixels per point of font size, measured on the glyph 'x'."""
    box = _font(path, 100).getbbox("x", anchor="ls")
    return max(box[3] - box[1], 1) / 100.0


@functools.lru_cache(maxsize=65536)
def _glyph(path: str, size: int, char: str) -> _Glyph:
    font = _font(path, size)
    advance = float(font.getlength(char))
    left, top, right, bottom = font.getbbox(char, anchor="ls")
    if char == " " or right <= left or bottom <= top:
        return _Glyph(np.zeros((0, 0), np.uint8), 0, 0, advance)
    image = Image.new("L", (right - left, bottom - top), 0)
    ImageDraw.Draw(image).text((-left, -top), char, font=font, fill=255, anchor="ls")
    return _Glyph(np.asarray(image, dtype=np.uint8), left, top, advance)


# -- lines ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Style:
    """How one writer writes on this sample (drawn once per sample, shared by its lines)."""

    x_height: float
    slant: float
    tracking: float
    word_spacing: float
    baseline_wave: float
    baseline_jitter: float
    spacing_jitter: float
    elastic: float
    pen_change: int


def _draw_style(rng: np.random.Generator, config: SyntheticConfig) -> _Style:
    aug = config.augmentation
    if not config.augment:
        x_height = sum(aug.x_height) / 2
        return _Style(x_height, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0)
    x_height = uniform(rng, aug.x_height)
    return _Style(
        x_height=x_height,
        slant=uniform(rng, aug.slant),
        tracking=uniform(rng, aug.tracking) * x_height,
        word_spacing=uniform(rng, aug.word_spacing),
        baseline_wave=uniform(rng, aug.baseline_wave) * x_height,
        baseline_jitter=aug.baseline_jitter * x_height,
        spacing_jitter=aug.spacing_jitter * x_height,
        elastic=uniform(rng, aug.elastic) * x_height,
        pen_change=augment.draw_pen_change(rng, aug),
    )


def _layout(
    text: str, font: HandwritingFont, style: _Style, rng: np.random.Generator
) -> tuple[np.ndarray, int]:
    """Ink mask of ``text`` placed glyph by glyph, and the row of its baseline."""
    size = max(6, int(round(style.x_height / _x_height_per_point(font.path))))
    glyphs = [_glyph(font.path, size, char) for char in text]
    ascent, descent = _font(font.path, size).getmetrics()
    steps = np.array(
        [g.advance * (style.word_spacing if c == " " else 1.0) for c, g in zip(text, glyphs)]
    )
    steps = steps + style.tracking
    if style.spacing_jitter > 0:
        steps = steps + rng.normal(0.0, style.spacing_jitter, size=len(steps))
    pen_x = np.concatenate([[0.0], np.cumsum(np.maximum(steps, 0.0))[:-1]])
    offsets = augment.baseline_offsets(rng, pen_x, style.baseline_wave, style.baseline_jitter)
    pad = int(math.ceil(style.x_height)) + 2
    slack = int(math.ceil(np.abs(offsets).max(initial=0.0))) + pad
    width = int(math.ceil(pen_x[-1] + glyphs[-1].advance + 2 * size)) + 2 * pad
    height = ascent + descent + 2 * slack
    baseline = ascent + slack
    canvas = np.zeros((height, width), dtype=np.uint8)
    for x, dy, glyph in zip(pen_x, offsets, glyphs):
        if glyph.mask.size == 0:
            continue
        gx = int(round(x)) + glyph.left + pad
        gy = int(round(baseline + dy)) + glyph.top
        gh, gw = glyph.mask.shape
        gx0, gy0 = max(gx, 0), max(gy, 0)
        region = canvas[gy0 : gy + gh, gx0 : gx + gw]
        source = glyph.mask[
            gy0 - gy : gy0 - gy + region.shape[0], gx0 - gx : gx0 - gx + region.shape[1]
        ]
        np.maximum(region, source, out=region)
    return canvas, baseline


def _render_mask(
    text: str,
    font: HandwritingFont,
    style: _Style,
    rng: np.random.Generator,
    config: SyntheticConfig,
) -> tuple[np.ndarray, int]:
    """Ink mask of one line after pen and geometric augmentation, and its baseline row."""
    canvas, baseline = _layout(text, font, style, rng)
    mask, first_row = augment.crop_to_ink(canvas, 2)  # warping blank paper costs time
    baseline -= first_row
    if not config.augment:
        return mask, baseline
    aug = config.augmentation
    thickness = augment.stroke_thickness(mask)
    mask = augment.adjust_stroke(mask, style.pen_change, thickness, style.x_height)
    rotation = uniform(rng, (-aug.rotation_degrees, aug.rotation_degrees))
    cell = aug.elastic_cell * style.x_height
    warped = augment.warp(mask, rng, style.slant, rotation, style.elastic, cell)
    return warped, baseline + (warped.shape[0] - mask.shape[0]) // 2


def _margins(rng: np.random.Generator, style: _Style, augmented: bool) -> tuple[int, int, int, int]:
    """Blank paper around the ink (left, top, right, bottom): people do not write edge to edge."""
    base = max(2, int(round(0.3 * style.x_height)))
    if not augmented:
        return base, base, base, base
    left, top, right, bottom = (int(v) for v in rng.integers(base // 2, 2 * base + 1, size=4))
    return left, top, right, bottom


def _render_line(
    rng: np.random.Generator, config: SyntheticConfig, font: HandwritingFont
) -> tuple[Image.Image, str]:
    low, high = config.line_chars
    text = corpus.sample_line(rng, low, high, "".join(sorted(font.coverage)))
    style = _draw_style(rng, config)
    mask, _ = _render_mask(text, font, style, rng, config)
    mask, _ = augment.crop_to_ink(mask, _margins(rng, style, config.augment))
    return augment.finish(mask, rng, config.augmentation, clean=not config.augment), text


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
    style = _draw_style(rng, config)
    augmented = config.augment
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
        mask, baseline = _render_mask(line, font, line_style, rng, config)
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
    page_mask, _ = augment.crop_to_ink(page, _margins(rng, style, augmented))
    image = augment.finish(page_mask, rng, config.augmentation, clean=not augmented)
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


def dataset_metadata(config: SyntheticConfig, n: int) -> dict[str, Any]:
    """What the manifest table cannot say: how the set was made, from what, under which licences."""
    fonts = discover_fonts()
    training, held_out = split_writers(fonts)
    return {
        "kind": config.kind,
        "seed": config.seed,
        "n": n,
        "augment": config.augment,
        "generator": "text_recognizer.data.synthetic",
        "generator_version": GENERATOR_VERSION,
        "text_source": corpus.TEXT_SOURCE,
        "fonts": [
            {
                "name": font.name,
                "file": os.path.basename(font.path),
                "package": font.package,
                "installer": font.installer,
                "licence": "OFL-1.1" if font.installer == "pip" else "see the Debian package",
                "held_out": font in held_out,
                "missing_characters": font.missing(),
            }
            for font in fonts
        ],
        "held_out_writers": [font.name for font in held_out],
        "training_writers": [font.name for font in training],
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
