"""Fake labelled images for smoke tests: printed random strings, instant and dependency free.

They are not handwriting and teach a model nothing useful; they exist so a training loop, an
export or a server can be exercised end to end in seconds on any machine, without fonts or data.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Mapping

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from text_recognizer.data.manifest import SPLITS, Manifest, write_image_record, write_manifest
from text_recognizer.vocab import CHARACTERS

#: Characters of fake labels: the whole vocabulary except newline, which joins paragraph lines.
FAKE_CHARACTERS = CHARACTERS
MAX_FAKE_LINE_CHARS = 24
MAX_FAKE_PARAGRAPH_LINES = 4


@functools.lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """Pillow's bundled font; the bitmap fallback when Pillow was built without FreeType."""
    try:
        return ImageFont.load_default(size=size)
    except (ImportError, OSError):  # pragma: no cover - Pillow without FreeType
        return ImageFont.load_default()


def _fake_line_text(rng: np.random.Generator) -> str:
    length = int(rng.integers(1, MAX_FAKE_LINE_CHARS + 1))
    chars = rng.choice(list(FAKE_CHARACTERS), size=length)
    return "".join(chars).strip() or str(int(rng.integers(10)))


def render_fake(
    kind: str, index: int, seed: int = 0, split: str = "train"
) -> tuple[Image.Image, str]:
    """A deterministic (``"L"`` image, label) pair: a pure function of its arguments.

    >>> image, text = render_fake("lines", 3)
    >>> image.mode, render_fake("lines", 3)[1] == text
    ('L', True)
    """
    if kind not in ("lines", "paragraphs"):
        raise ValueError(f"unknown kind {kind!r}; expected 'lines' or 'paragraphs'")
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")
    rng = np.random.default_rng([seed, SPLITS.index(split), index])
    lines_count = 1 if kind == "lines" else int(rng.integers(1, MAX_FAKE_PARAGRAPH_LINES + 1))
    text = "\n".join(_fake_line_text(rng) for _ in range(lines_count))
    font = _font(int(rng.integers(14, 25)))
    spacing = int(rng.integers(2, 10))
    scratch = ImageDraw.Draw(Image.new("L", (1, 1)))
    left, top, right, bottom = scratch.multiline_textbbox((0, 0), text, font=font, spacing=spacing)
    margin = int(rng.integers(2, 12))
    size = (int(right - left) + 2 * margin, int(bottom - top) + 2 * margin)
    paper = int(rng.integers(200, 256))
    image = Image.new("L", size, paper)
    ink = int(rng.integers(0, 90))
    ImageDraw.Draw(image).multiline_text(
        (margin - left, margin - top), text, fill=ink, font=font, spacing=spacing
    )
    return image, text


def write_fake_manifest(
    root: str | os.PathLike,
    kind: str = "lines",
    counts: Mapping[str, int] | None = None,
    seed: int = 0,
) -> Manifest:
    """Write a tiny data set folder of fake images in the real manifest format.

    It exercises the cached-data path (reading, hashing, splits) without fonts or downloads.
    ``counts`` maps split -> number of images (default 4 train, 2 val, 2 test).
    """
    root = Path(root)
    counts = dict(counts or {"train": 4, "val": 2, "test": 2})
    records = []
    for split, count in counts.items():
        for index in range(count):
            image, text = render_fake(kind, index, seed=seed, split=split)
            item_id = f"fake-{kind}-{split}-{index}"
            records.append(
                write_image_record(root, item_id, image, text, "pillow-default-font", split, "fake")
            )
    return write_manifest(root, records, {"kind": kind, "seed": seed, "source": "fake"})
