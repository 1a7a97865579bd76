"""Per-image facts the data expectations check, computed once per file and in parallel.

Expectations are declared over a table; the pixels behind that table are read here exactly once:
each file's bytes are hashed and decoded in the same pass, and every statistic is taken from the
gray levels the model sees (:func:`text_recognizer.data.preprocess.to_grayscale`), so a 16-bit or
transparent image gets the same statistics as its 8-bit twin and only its *format* is judged.

Ink, text rows and polarity come from the page normalisation that training and inference use
(:func:`text_recognizer.data.page.normalize_page`): one idea of paper and ink for the whole
package, which reads a light-on-dark scan like its inverse and a blank page as 0 ink. Intensity,
contrast and saturation describe the scan itself, oriented as dark ink on light paper.
"""

from __future__ import annotations

import hashlib
import io
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, fields
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
from PIL import Image

from text_recognizer.data.page import normalize_page
from text_recognizer.data.preprocess import to_grayscale
from text_recognizer.segmentation import ROW_INK_THRESHOLD, text_row_cores

#: Absolute gray level at or below which a pixel is "black" (saturation is judged on these).
BLACK_LEVEL = 32
#: Bits per channel of Pillow's modes (modes not listed count as 8-bit).
BIT_DEPTHS = {"1": 1, "I;16": 16, "I;16B": 16, "I;16L": 16, "I;16N": 16, "I": 32, "F": 32}
#: Below this many images a process pool costs more than it saves.
MIN_IMAGES_FOR_POOL = 400
DEFAULT_WORKERS = 2


@dataclass(frozen=True)
class ImageStats:
    """What one image file holds; fields are ``None`` when the file is missing or undecodable."""

    file_exists: bool
    file_sha256: str | None = None
    decodable: bool | None = None
    decode_error: str | None = None
    image_width: int | None = None
    image_height: int | None = None
    mode: str | None = None
    bit_depth: int | None = None
    mean_intensity: float | None = None  # 0 = black, 1 = white
    contrast: float | None = None  # standard deviation of intensity, 0..0.5
    ink_fraction: float | None = None
    black_fraction: float | None = None
    text_rows: int | None = None  # only when rows were asked for (paragraphs)


STAT_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(ImageStats))


def count_text_rows(ink: np.ndarray, threshold: float = ROW_INK_THRESHOLD) -> int:
    """Number of text rows in a boolean ink mask, from its horizontal projection profile.

    The same line finder that segments pages for the line model
    (:func:`text_recognizer.segmentation.text_row_cores`), so the data checks count lines
    the way inference will cut them.

    >>> mask = np.zeros((30, 10), dtype=bool); mask[2:8] = True; mask[15:22] = True
    >>> count_text_rows(mask)
    2
    """
    return len(text_row_cores(ink, threshold))


def gray_statistics(gray: Image.Image | np.ndarray, rows: bool = False) -> dict[str, Any]:
    """Intensity, contrast, ink and saturation of an 8-bit gray image (and its text rows).

    >>> page = np.full((20, 40), 255, dtype=np.uint8); page[8:12, 5:35] = 0
    >>> stats = gray_statistics(Image.fromarray(page), rows=True)
    >>> round(stats["ink_fraction"], 2), stats["text_rows"]
    (0.15, 1)
    >>> gray_statistics(255 - page) == gray_statistics(page)  # light ink on dark: the same
    True
    """
    array = np.asarray(gray, dtype=np.uint8)
    page = normalize_page(array)
    oriented = 255 - array if page.inverted else array
    histogram = np.bincount(oriented.ravel(), minlength=256)
    total = max(int(histogram.sum()), 1)
    levels = np.arange(256, dtype=np.float64)
    mean = float(histogram @ levels) / total
    variance = float(histogram @ (levels - mean) ** 2) / total
    result: dict[str, Any] = {
        "mean_intensity": mean / 255.0,
        "contrast": variance**0.5 / 255.0,
        "ink_fraction": float(page.ink.mean()),
        "black_fraction": float(histogram[: BLACK_LEVEL + 1].sum()) / total,
    }
    if rows:
        result["text_rows"] = count_text_rows(page.ink)
    return result


def compute_image_stats(path: str | os.PathLike, rows: bool = False) -> ImageStats:
    """Hash, decode and measure one file; never raises for a missing or broken image."""
    try:
        data = Path(path).read_bytes()
    # ValueError: a name no file can have, validate.image_file's mark for a path outside the set
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, ValueError):
        return ImageStats(file_exists=False)
    digest = hashlib.sha256(data).hexdigest()
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            mode, size = image.mode, image.size
            gray = to_grayscale(image)
    except Exception as error:  # noqa: BLE001 - any decoder failure means "does not decode"
        message = f"{type(error).__name__}: {error}"
        return ImageStats(
            file_exists=True, file_sha256=digest, decodable=False, decode_error=message
        )
    return ImageStats(
        file_exists=True,
        file_sha256=digest,
        decodable=True,
        image_width=size[0],
        image_height=size[1],
        mode=mode,
        bit_depth=BIT_DEPTHS.get(mode, 8),
        **gray_statistics(gray, rows=rows),
    )


def _stats_chunk(paths: Sequence[str], rows: bool) -> list[ImageStats]:
    return [compute_image_stats(path, rows) for path in paths]


def _pool_context():
    # fork shares the already-imported package with the workers (spawn would re-import torch).
    return get_context("fork" if "fork" in get_all_start_methods() else "spawn")


def compute_all_stats(
    paths: Iterable[str | os.PathLike], rows: bool = False, workers: int = DEFAULT_WORKERS
) -> list[ImageStats]:
    """Statistics of many files in input order, on ``workers`` processes for big lists."""
    names = [str(path) for path in paths]
    if workers <= 1 or len(names) < MIN_IMAGES_FOR_POOL:
        return _stats_chunk(names, rows)
    chunk = max(64, -(-len(names) // (workers * 8)))
    chunks = [names[start : start + chunk] for start in range(0, len(names), chunk)]
    with ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context()) as pool:
        results = pool.map(_stats_chunk, chunks, [rows] * len(chunks))
        return [stats for part in results for stats in part]
