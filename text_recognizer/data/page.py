"""From a grey image of any scan to a normalised page: dark ink on white paper, its ink, its text.

Handwriting arrives as light ink on dark paper (several public sets publish scans that way), on
grey or unevenly lit paper, with wide margins, the scanner lid's dark edge and specks of dust.
A model trained on clean lines reads such input badly or not at all (an inverted page read as
an empty text with full confidence), so every image, at training and at inference alike, goes
through :func:`normalize_page` before anything else looks at it:

1. **polarity**: paper is most of a page's border and most of each patch of it, so the side of
   the grey levels the border and the patches' medians lie on is paper; light ink on dark
   paper is inverted;
2. **light**: the paper's brightness is estimated at a coarse scale (a maximum filter removes the
   strokes) and divided out, so shadows and gradients become white paper;
3. **contrast**: the darkest ink is stretched to black, unless the page holds no ink at all: no
   pixel is darker than the paper by a margin and by many times the pixel noise (else noise
   would be stretched into strokes);
4. **text block**: ink is marked against the paper; dark bands along the borders (the scanner's
   edge) are dropped, and the block is the span of the ink profile's substantial runs, so specks
   of dust away from the text do not widen it.

numpy and PIL only; a few milliseconds for a 1000 x 1000 page.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

#: Grey levels between paper and ink, after normalisation, at which a pixel counts as ink.
INK_THRESHOLD = 128
#: Least spread (grey levels) between the paper and the darkest ink for a page to hold ink ...
MIN_CONTRAST = 48
#: ... and least spread in units of the page's pixel noise, so that the darkest grains of a
#: noisy blank sheet are not taken for ink. Blank sheets of any size, noise (sigma 1-25) and
#: gradient reach at most 5.4 sigma; faint lines on heavy noise start at about 7 (at 8 the
#: normaliser whitened 5 of 2,000 validation lines, the model's hardest examples).
MIN_CONTRAST_NOISE = 6.5
#: Share of darkest pixels taken as the ink level (so one dead pixel does not set it, while a
#: single word on a whole page still does).
INK_QUANTILE = 0.0005
#: A border row/column that is at least this much ink belongs to a scanner edge (a letter's
#: stroke on a tightly cropped line covers less of the side).
EDGE_INK_SHARE = 0.92
#: A run of the ink profile holding less than this share of the ink is a speck, not text.
MIN_RUN_SHARE = 0.02
#: Size (pixels) of the window the paper's light is taken from: larger than a letter's dense
#: ink, smaller than the shadows and gradients it must follow. 60 % of the shorter side, so a
#: line's window reaches the paper above and below its letters, within these bounds.
LIGHT_WINDOW = (16, 96)


@dataclass(frozen=True)
class Page:
    """A normalised page: ``gray`` holds dark ink on white paper whatever the input was."""

    gray: np.ndarray  # uint8 (H, W)
    inverted: bool  # the input was light ink on dark paper
    ink: np.ndarray  # bool (H, W): ink pixels, scanner edges excluded
    box: tuple[int, int, int, int] | None  # text block (top, bottom, left, right); None: blank

    @property
    def blank(self) -> bool:
        """No ink at all: nothing to read."""
        return self.box is None

    def crop(self, margin: float = 0.0) -> np.ndarray:
        """The text block with ``margin`` times its height of white paper around it (the whole
        page when blank)."""
        if self.box is None:
            return self.gray
        top, bottom, left, right = self.box
        pad = int(round(margin * (bottom - top)))
        block = self.gray[top:bottom, left:right]
        return np.pad(block, pad, constant_values=255) if pad else block


def quantiles(gray: np.ndarray, *shares: float) -> list[int]:
    """Grey levels below which the given shares of the pixels lie (one histogram).

    >>> quantiles(np.array([[0, 100, 200, 255]], dtype=np.uint8), 0.5, 0.25)
    [100, 0]
    """
    cumulative = np.cumsum(np.bincount(gray.ravel(), minlength=256))
    return [int(np.searchsorted(cumulative, share * gray.size)) for share in shares]


def row_percentiles(rows: np.ndarray, *percents: float) -> np.ndarray:
    """``np.percentile(rows, percents, axis=1)`` of a uint8 (N, M) array, from one histogram
    per row instead of a partition: the same values (linear interpolation between order
    statistics), several times faster on the pages inference sees.

    >>> row_percentiles(np.array([[0, 10, 20, 30], [5, 5, 5, 9]], dtype=np.uint8), 50, 100).tolist()
    [[15.0, 5.0], [30.0, 9.0]]
    """
    count, size = rows.shape
    offsets = (np.arange(count, dtype=np.int64) * 256)[:, None]
    histograms = np.bincount((rows + offsets).ravel(), minlength=256 * count)
    cumulative = np.cumsum(histograms.reshape(count, 256), axis=1)
    results = []
    for percent in percents:
        position = percent / 100.0 * (size - 1)
        below, fraction = int(np.floor(position)), position - np.floor(position)
        low = (cumulative <= below).sum(axis=1)  # the order statistic at ``below``
        high = (cumulative <= min(below + 1, size - 1)).sum(axis=1)
        results.append(low + fraction * (high - low))
    return np.array(results, dtype=np.float64)


def _window(shape: tuple[int, ...]) -> int:
    return int(np.clip(0.6 * min(shape[0], shape[1]), *LIGHT_WINDOW))


def _cell_vote(gray: np.ndarray) -> float:
    """Evidence for light ink in [-1, 1], patch by patch (cells of the light window's size):
    within a cell paper is the median and ink the tail lying further from it, and the cells
    vote with the size of their tails. A shadow over half the sheet does not fool it; ink
    covering more than half of a patch (a heavy marker, solid marks) does."""
    size = _window(gray.shape)
    rows, cols = max(1, gray.shape[0] // size), max(1, gray.shape[1] // size)
    height, width = gray.shape[0] // rows * rows, gray.shape[1] // cols * cols
    grid = gray[:height, :width].reshape(rows, height // rows, cols, width // cols)
    cells = grid.transpose(0, 2, 1, 3).reshape(rows * cols, -1)
    low, middle, high = row_percentiles(cells, 1, 50, 99)
    dark_tail, light_tail = float((middle - low).sum()), float((high - middle).sum())
    return (light_tail - dark_tail) / max(light_tail + dark_tail, 1e-9)


def _border_vote(gray: np.ndarray, low: int, high: int) -> float:
    """Evidence for light ink in [-1, 1] from the page's border, which is mostly paper
    (margins): -1 when its median is the page's lightest level, 1 when the darkest. Scanner
    edges and shadows along the sides, or writing cut by a tight crop, blur it."""
    border = np.concatenate((gray[0], gray[-1], gray[:, 0], gray[:, -1]))
    position = (float(np.median(border)) - low) / (high - low)
    return float(np.clip(1.0 - 2.0 * position, -1.0, 1.0))


def is_inverted(gray: np.ndarray) -> bool:
    """Whether ``gray`` shows light ink on dark paper: the patches' vote, weighted twice, and
    the border's vote together. Each fails alone in a case the other gets right (scanner edges
    fool the border, solid ink fools the patches); on 1,000 generated samples with shadows,
    edges and inversion the pair made no mistake.

    >>> page = np.full((20, 40), 30, dtype=np.uint8); page[8:12, 5:35] = 220
    >>> is_inverted(page), is_inverted(255 - page)
    (True, False)
    """
    low, high = quantiles(gray, 0.001, 0.999)
    if high - low < MIN_CONTRAST // 2:
        return False
    return 2.0 * _cell_vote(gray) + _border_vote(gray, low, high) > 0


def pixel_noise(gray: np.ndarray) -> float:
    """Standard deviation of the pixel noise, from neighbouring pixels' differences: their
    median absolute value is 0.954 sigma for Gaussian noise, and strokes' edges are too few to
    move a median."""
    if gray.shape[1] < 2:
        return 0.0
    differences = np.abs(np.diff(gray.astype(np.int16), axis=1)).astype(np.uint8)
    return quantiles(differences, 0.5)[0] / 0.954  # a histogram's median: no sort


def paper_light(gray: np.ndarray) -> np.ndarray:
    """The paper's brightness at every pixel (float32), strokes removed: the local maximum on a
    coarse grid, smoothed and brought back to full size."""
    height, width = gray.shape
    step = max(1, _window(gray.shape) // 4)
    small = Image.fromarray(gray).resize(
        (max(1, width // step), max(1, height // step)), Image.Resampling.BOX
    )
    small = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(1.5))
    light = small.resize((width, height), Image.Resampling.BILINEAR)
    return np.maximum(np.asarray(light, dtype=np.float32), 1.0)


def _edge_depth(share: np.ndarray) -> int:
    """How many leading entries of a border's ink shares belong to a dark edge band (at least
    two: a single dark row is more likely a stroke or a ruled line)."""
    dark = share >= EDGE_INK_SHARE
    depth = int(np.argmin(dark)) if not dark.all() else len(share)
    return depth if depth >= 2 else 0


def _span(profile: np.ndarray, reach: int) -> tuple[int, int] | None:
    """``[start, end)`` from the first to the last substantial run of a 1-D ink profile, runs
    being joined across gaps shorter than ``reach``."""
    total = float(profile.sum())
    if total <= 0:
        return None
    present = profile > 0
    if reach > 1:  # a 1-D dilation joins the letters of a word and the words of a line
        kernel = np.ones(reach, dtype=np.int32)
        present = np.convolve(present.astype(np.int32), kernel, mode="same") > 0
    padded = np.concatenate(([False], present, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    runs = [(int(a), int(b)) for a, b in zip(edges[0::2], edges[1::2])]
    kept = [(a, b) for a, b in runs if profile[a:b].sum() >= MIN_RUN_SHARE * total]
    if not kept:
        return None
    start, end = kept[0][0], kept[-1][1]
    inked = np.flatnonzero(profile[start:end])
    return start + int(inked[0]), start + int(inked[-1]) + 1


def text_block(ink: np.ndarray) -> tuple[int, int, int, int] | None:
    """``(top, bottom, left, right)`` of the text on an ink mask (edges already removed)."""
    rows = _span(ink.sum(axis=1), max(2, ink.shape[0] // 8))
    if rows is None:
        return None
    height = rows[1] - rows[0]
    band = ink[rows[0] : rows[1]]
    columns = _span(band.sum(axis=0), max(2, int(1.5 * height / max(1, _line_count(band)))))
    if columns is None:
        return None
    return rows[0], rows[1], columns[0], columns[1]


def _line_count(band: np.ndarray) -> int:
    """A rough number of text lines in a band (dense row runs), to size the column reach."""
    profile = band.sum(axis=1)
    dense = profile > 0.25 * profile.max() if profile.max() > 0 else profile > 0
    return max(1, int(np.count_nonzero(dense[1:] & ~dense[:-1]) + int(dense[0])))


def scanner_edges(ink: np.ndarray) -> np.ndarray:
    """``ink`` without the dark bands along its borders (the scanner lid's edge)."""
    height, width = ink.shape
    rows, columns = ink.mean(axis=1), ink.mean(axis=0)
    top, bottom = _edge_depth(rows), _edge_depth(rows[::-1])
    left, right = _edge_depth(columns), _edge_depth(columns[::-1])
    if not (top or bottom or left or right):
        return ink
    cleaned = ink.copy()
    cleaned[:top] = False
    cleaned[height - bottom :] = False
    cleaned[:, :left] = False
    cleaned[:, width - right :] = False
    # the band's soft inner border, a few pixels wide, is edge too
    margin = max(2, min(height, width) // 100)
    if top:
        cleaned[top : top + margin] = False
    if bottom:
        cleaned[max(0, height - bottom - margin) : height - bottom] = False
    if left:
        cleaned[:, left : left + margin] = False
    if right:
        cleaned[:, max(0, width - right - margin) : width - right] = False
    return cleaned


def _flattened(array: np.ndarray) -> tuple[np.ndarray, float, bool]:
    """The page with its light divided out (float32), its darkest ink level, and whether it is
    blank: no pixel darker than the paper by :data:`MIN_CONTRAST` and by
    :data:`MIN_CONTRAST_NOISE` times the pixel noise."""
    light = paper_light(array)
    flat = np.minimum(array.astype(np.float32) * (255.0 / light), 255.0)
    darkest = float(quantiles((flat + 0.5).astype(np.uint8), INK_QUANTILE)[0])
    paper = float(row_percentiles(light.astype(np.uint8).reshape(1, -1), 50)[0, 0])
    noise = pixel_noise(array) * 255.0 / paper  # in units of the flat page
    return flat, darkest, 255.0 - darkest < max(MIN_CONTRAST, MIN_CONTRAST_NOISE * noise)


def normalize_page(gray: np.ndarray | Image.Image) -> Page:
    """The normalised page of a grey image (see the module docstring).

    >>> page = np.full((30, 90), 40, dtype=np.uint8); page[10:20, 10:80] = 230
    >>> normalized = normalize_page(page)
    >>> normalized.inverted, normalized.box, int(normalized.gray[15, 40]), int(normalized.gray[2, 2])
    (True, (10, 20, 10, 80), 0, 255)
    """
    array = np.asarray(gray, dtype=np.uint8)
    if array.ndim != 2:
        raise ValueError(f"a grey page must be (H, W), not {array.shape}")
    inverted = is_inverted(array)
    if inverted:
        array = 255 - array
    flat, darkest, blank = _flattened(array)
    if blank:
        white = np.full(array.shape, 255, dtype=np.uint8)
        return Page(white, inverted, np.zeros(array.shape, dtype=bool), None)
    stretched = np.clip((flat - darkest) * (255.0 / (255.0 - darkest)), 0.0, 255.0)
    normalized = (stretched + 0.5).astype(np.uint8)
    ink = scanner_edges(normalized < INK_THRESHOLD)
    box = text_block(ink)
    if box is None:
        return Page(normalized, inverted, ink, None)
    top, bottom, left, right = box
    cleaned = np.full_like(normalized, 255)
    cleaned[top:bottom, left:right] = normalized[top:bottom, left:right]
    inside = np.zeros_like(ink)
    inside[top:bottom, left:right] = ink[top:bottom, left:right]
    return Page(cleaned, inverted, inside, box)
