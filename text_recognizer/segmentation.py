"""Split a paragraph image into text lines, so a line model can read a page.

A paragraph model reads a page in one pass; without one, the classic pipeline segments the page
into lines and reads each with the line model. Lines of handwriting are horizontal bands of
ink, so the *horizontal projection profile* (ink pixels per row) has one dense plateau per
line, the x-height zone, with sparse rows between them where only ascenders and descenders
reach. Segmentation here:

1. takes the ink of the normalised page (:func:`text_recognizer.data.page.normalize_page`: any
   polarity and lighting, scanner edges and specks away from the text already dropped);
2. smooths the profile and takes rows above a share of the densest row as line *cores*,
   bridging short gaps and dropping cores too short to be text (dots, stray strokes);
3. cuts between two neighbouring cores at the profile's minimum, not at the first blank row,
   since a descender of one line often touches the ascender of the next;
4. tightens every band to the rows and columns that hold ink, plus a little padding.

It is numpy only and takes a few milliseconds for a 1000 x 1000 page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import numpy as np
import torch
from PIL import Image, ImageOps

from text_recognizer.data.page import Page, normalize_page
from text_recognizer.data.preprocess import to_grayscale

#: Ink pixels below which a band is a speck, not a line.
MIN_LINE_INK = 12
#: Smoothed row ink, as a share of the densest row, above which a row belongs to a line core.
ROW_INK_THRESHOLD = 0.25
#: Profile smoothing window as a share of the image height.
ROW_SMOOTHING = 0.04
#: Gaps between dense runs bridged, and runs dropped, as shares of a typical run's height.
#: Chosen on 460 generated samples (lines and paragraphs, clean and augmented): every line
#: count was exact for bridges of 0.2-0.3 and drops of 0.33-0.5; these are the middles.
BRIDGE_GAP = 0.25
MIN_CORE = 0.4
#: Cores shorter than this (pixels) are never a line on their own.
MIN_LINE_HEIGHT = 4
#: Blank paper added around each cropped line, as a share of the median core height
#: (generated training lines carry margins of 0.15-0.6 x-heights).
PADDING = 0.25

SegmentInput = Union[Image.Image, np.ndarray, torch.Tensor, Page]


@dataclass(frozen=True)
class LineBox:
    """One text line's box on the page in pixels: rows ``top:bottom``, columns ``left:right``."""

    top: int
    bottom: int
    left: int
    right: int

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def box(self) -> tuple[int, int, int, int]:
        """``(left, top, right, bottom)``, the order :meth:`PIL.Image.Image.crop` takes."""
        return self.left, self.top, self.right, self.bottom


def page_of(image: SegmentInput) -> Page:
    """The normalised page of a PIL image, a uint8 gray array, an *ink* tensor or a Page.

    Tensors follow :mod:`text_recognizer.data.preprocess`: ``ink = 1 - gray / 255`` with shape
    ``(H, W)`` or ``(1, H, W)``; numpy arrays are taken as gray levels.
    """
    if isinstance(image, Page):
        return image
    if isinstance(image, torch.Tensor):
        ink = image.detach().to("cpu", torch.float32)
        if ink.ndim == 3 and ink.shape[0] == 1:
            ink = ink[0]
        if ink.ndim != 2:
            raise ValueError(f"an ink tensor must be (H, W) or (1, H, W), not {tuple(image.shape)}")
        gray = ((1.0 - ink.clamp(0.0, 1.0)) * 255.0 + 0.5).to(torch.uint8).numpy()
    elif isinstance(image, Image.Image):
        gray = np.asarray(to_grayscale(image))
    else:
        gray = np.asarray(image)
        if gray.ndim != 2:
            raise ValueError(f"a gray array must be (H, W), not {gray.shape}")
        if gray.dtype != np.uint8:
            gray = np.clip(gray, 0, 255).astype(np.uint8)
    return normalize_page(gray)


def _smooth(profile: np.ndarray, window: int) -> np.ndarray:
    if window <= 1:
        return profile
    return np.convolve(profile, np.full(window, 1.0 / window), mode="same")


def _runs(flags: np.ndarray) -> list[list[int]]:
    """``[start, end)`` of every run of True in a 1-D boolean array."""
    padded = np.concatenate(([False], flags, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [[int(start), int(end)] for start, end in zip(edges[0::2], edges[1::2])]


def text_row_cores(ink: np.ndarray, threshold: float = ROW_INK_THRESHOLD) -> list[tuple[int, int]]:
    """``[start, end)`` rows of each text line's dense core, from the projection profile.

    The profile (ink per pixel row) is smoothed over :data:`ROW_SMOOTHING` of the height, so
    a line's ascenders and descenders join it; rows above ``threshold`` times the densest row
    form runs. Measured against a typical run (the 75th percentile: fragments are short, so
    the median would be one of them on a page of one or two lines), gaps under
    :data:`BRIDGE_GAP` are bridged (an ascender zone rejoins its line) and runs under
    :data:`MIN_CORE` are dropped (dots, stray strokes), so the cores track lines.

    >>> mask = np.zeros((30, 10), dtype=bool); mask[2:8] = True; mask[15:22] = True
    >>> text_row_cores(mask)
    [(2, 8), (15, 22)]
    """
    profile = _smooth(ink.sum(axis=1).astype(np.float64), int(ROW_SMOOTHING * ink.shape[0]))
    if profile.size == 0 or profile.max() <= 0:
        return []
    runs = _runs(profile > threshold * profile.max())
    typical = float(np.quantile([end - start for start, end in runs], 0.75))
    merged = [runs[0]]
    for start, end in runs[1:]:
        if start - merged[-1][1] < BRIDGE_GAP * typical:
            merged[-1][1] = end
        else:
            merged.append([start, end])
    typical = float(np.quantile([end - start for start, end in merged], 0.75))
    shortest = max(MIN_LINE_HEIGHT, MIN_CORE * typical)
    cores = [(start, end) for start, end in merged if end - start >= shortest]
    cores = sorted(cores + _sparse_lines(ink, cores, shortest))
    row_ink = ink.sum(axis=1)
    return [(start, end) for start, end in cores if row_ink[start:end].sum() >= MIN_LINE_INK]


def _sparse_lines(
    ink: np.ndarray, cores: list[tuple[int, int]], shortest: float
) -> list[tuple[int, int]]:
    """Blocks of inked rows, set apart by blank rows, that no core touches but are tall enough.

    A line of a few characters ("end.") has too little ink per row to pass the threshold
    relative to the densest row; when blank rows separate it from its neighbours and it is as
    tall as a core, it is a line of its own. Dots and accents are too short to count.
    """
    blocks = _runs(np.asarray(ink.any(axis=1)))
    merged: list[list[int]] = []
    for start, end in blocks:  # glyph parts split by a blank row or two belong together
        if merged and start - merged[-1][1] < max(2.0, BRIDGE_GAP * shortest / MIN_CORE):
            merged[-1][1] = end
        else:
            merged.append([start, end])
    return [
        (start, end)
        for start, end in merged
        if end - start >= shortest
        and not any(start < core_end and core_start < end for core_start, core_end in cores)
    ]


def _cut(profile: np.ndarray, start: int, end: int) -> int:
    """Row to cut at between two cores: the middle of the lowest stretch of ``profile[start:end]``."""
    if end <= start:
        return start
    segment = profile[start:end]
    lowest = np.flatnonzero(segment <= segment.min() + 1e-9)
    runs = _runs(np.isin(np.arange(segment.size), lowest))
    first, last = max(runs, key=lambda run: run[1] - run[0])
    return start + (first + last) // 2


def _line_padding(cores: list[tuple[int, int]], padding: float) -> int:
    return max(1, int(round(padding * float(np.median([end - start for start, end in cores])))))


def segment_mask(ink: np.ndarray, padding: float = PADDING) -> list[LineBox]:
    """Line boxes of a boolean ink mask, top to bottom (see :func:`segment_lines`)."""
    return _segment(ink, padding)[0]


def _segment(ink: np.ndarray, padding: float) -> tuple[list[LineBox], int]:
    """Line boxes and the padding in pixels they got."""
    cores = text_row_cores(ink)
    if not cores:
        return [], 0
    row_ink = ink.sum(axis=1).astype(np.float64)
    fine = _smooth(row_ink, 3)
    cuts = [0]
    for (_, above_end), (below_start, _) in zip(cores[:-1], cores[1:]):
        cuts.append(_cut(fine, above_end, below_start))
    cuts.append(ink.shape[0])
    pad = _line_padding(cores, padding)
    boxes = []
    for top, bottom in zip(cuts[:-1], cuts[1:]):
        rows = np.flatnonzero(row_ink[top:bottom])
        if rows.size == 0:
            continue
        columns = np.flatnonzero(ink[top:bottom].any(axis=0))
        boxes.append(
            LineBox(
                top=max(top, top + int(rows[0]) - pad),
                bottom=min(bottom, top + int(rows[-1]) + 1 + pad),
                left=max(0, int(columns[0]) - pad),
                right=min(ink.shape[1], int(columns[-1]) + 1 + pad),
            )
        )
    return boxes, pad


def segment_lines(image: SegmentInput, padding: float = PADDING) -> list[LineBox]:
    """Boxes of the text lines on a page, top to bottom; a blank page has none.

    ``image`` is a PIL image (any mode and polarity), a uint8 gray array, an ink tensor as
    :mod:`text_recognizer.data.preprocess` makes them, or a normalised :class:`Page`. Bands are
    cut at the profile minimum between lines and never overlap; each box is tightened to its ink
    and padded by ``padding`` line heights, within its band (so it takes no row of a
    neighbour's band).

    >>> page = np.full((60, 80), 255, dtype=np.uint8)
    >>> page[10:20, 5:70] = 0; page[35:45, 5:40] = 0
    >>> [(box.top, box.bottom, box.left, box.right) for box in segment_lines(page)]
    [(7, 23, 2, 73), (32, 48, 2, 43)]
    """
    return segment_mask(page_of(image).ink, padding)


def crop_lines(image: SegmentInput, padding: float = PADDING) -> list[Image.Image]:
    """The page's text lines as gray PIL images (normalised: dark ink on white), top to bottom,
    each with a paper margin.

    A box that had to stop at its band's edge (a neighbour's descender touching) gets the rest
    of its margin as plain paper, so every crop shows its line with blank paper around it, as
    the line model saw its training lines.

    >>> page = np.full((60, 80), 255, dtype=np.uint8)
    >>> page[10:20, 5:70] = 0; page[35:45, 5:40] = 0
    >>> [crop.size for crop in crop_lines(page)]
    [(71, 16), (41, 16)]
    """
    normalized = page_of(image)
    ink = normalized.ink
    boxes, pad = _segment(ink, padding)
    if not boxes:
        return []
    page = Image.fromarray(normalized.gray)
    paper = 255
    crops = []
    for box in boxes:
        crop = page.crop(box.box)
        rows = np.flatnonzero(ink[box.top : box.bottom, box.left : box.right].any(axis=1))
        border = (0, max(0, pad - int(rows[0])), 0, max(0, pad - (box.height - 1 - int(rows[-1]))))
        crops.append(ImageOps.expand(crop, border, fill=paper) if any(border) else crop)
    return crops
