"""Geometric and pen augmentations that make font renderings look written, and every knob of
the synthetic augmentation (:class:`AugmentConfig`); the photometric half (paper, ink colour,
light, scanner) is :mod:`text_recognizer.data.paper`. PIL and numpy only.

Why not torch here: PIL's mesh transform and filters are integer-exact C code and numpy's
elementwise arithmetic is exactly rounded, so the same seed gives the same bytes on any machine
(the generator promises byte-identical data sets), and each call costs well under a millisecond
on a line image, which keeps generation at hundreds of lines per second per core.

Conventions: an *ink mask* is a PIL ``"L"`` image (or uint8 array) with ink 255 on 0; the final
image is ``"L"`` with dark ink on light paper. Every function takes the numpy Generator it draws
from, so a sample is a pure function of its seed. All knobs live in :class:`AugmentConfig`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AugmentConfig:
    """Ranges the per-sample style is drawn from. Lengths are in units of the x-height, so the
    same config suits small and large writing; probabilities are per sample.

    The ranges were widened in generator synthetic-2.0 after unseen writers read at 21 % CER:
    people vary from word to word (size, slant, height above the line), lift the pen, press
    unevenly, and are photographed on tinted paper under uneven light.
    """

    # -- the writer's hand (per sample, then per word and per character) --
    x_height: tuple[float, float] = (13.0, 22.0)  # pixels: lines end up ~45-85 px tall
    slant: tuple[float, float] = (
        -0.2,
        0.4,
    )  # horizontal shear per pixel of height; > 0 leans right
    word_slant: float = 0.06  # per-word slant change (standard deviation)
    word_scale: float = 0.07  # per-word size change (standard deviation of the log)
    word_drift: float = 0.12  # per-word baseline shift (standard deviation, x-heights)
    rotation_degrees: float = 2.5  # whole-line rotation, uniform in +-this
    baseline_wave: tuple[float, float] = (0.0, 0.15)  # amplitude of a slow baseline drift
    baseline_jitter: float = 0.04  # per-character vertical wobble (standard deviation)
    tracking: tuple[float, float] = (-0.05, 0.16)  # extra space between characters
    spacing_jitter: float = 0.035  # per-character horizontal wobble (standard deviation)
    word_spacing: tuple[float, float] = (0.7, 1.6)  # multiple of the font's space width
    # -- the pen --
    dilate_probability: float = 0.25  # thicker pen (only for thin strokes)
    erode_probability: float = 0.15  # thinner pen (only for thick strokes)
    pen_lift_probability: float = 0.3  # some strokes broken where the pen skipped
    pen_lifts: float = 0.25  # gaps per character when it does
    pen_lift_size: tuple[float, float] = (0.06, 0.14)  # gap radius
    elastic: tuple[float, float] = (0.0, 0.1)  # displacement of the elastic mesh's vertices
    elastic_cell: float = 1.3  # spacing of the elastic mesh
    # -- ink and paper (see text_recognizer.data.paper) --
    ink: tuple[int, int] = (5, 100)  # grey level of the ink
    ink_pressure: tuple[float, float] = (0.75, 1.0)  # opacity of the ink
    pressure_variation: tuple[float, float] = (0.65, 1.0)  # least opacity along the line
    pressure_cell: float = 2.5  # spacing of the pressure field
    colour_probability: float = 0.3  # coloured ink on tinted paper instead of grey
    paper: tuple[int, int] = (185, 252)  # grey level of the paper
    paper_variation: float = 12.0  # slow shading across the sheet, grey levels
    paper_texture: tuple[float, float] = (0.0, 7.0)  # fibre grain, grey levels
    gradient_probability: float = 0.4  # light falling off across the sheet
    gradient_strength: tuple[float, float] = (0.05, 0.35)
    shadow_probability: float = 0.15  # a soft shadow from one edge
    shadow_reach: tuple[float, float] = (0.1, 0.5)  # share of the side it covers
    shadow_depth: tuple[float, float] = (0.2, 0.6)
    # -- camera and scanner --
    blur_probability: float = 0.5
    blur_radius: tuple[float, float] = (0.3, 1.1)  # pixels
    noise_sigma: tuple[float, float] = (0.0, 10.0)  # grey levels
    jpeg_probability: float = 0.3
    jpeg_quality: tuple[float, float] = (25.0, 90.0)
    invert_probability: float = 0.1  # light ink on dark paper
    crop_probability: float = 0.15  # margins cut into the ink (a tight crop of a page)
    # -- whole pages (paragraphs) --
    page_probability: float = 0.5  # set on a scanned page with wide margins
    page_margin: tuple[float, float] = (0.05, 0.35)  # share of the text block's size
    specks: float = 2.0  # dust specks per page (mean)
    edge_probability: float = 0.35  # the scanner's dark edge along one or two sides
    edge_width: tuple[float, float] = (0.01, 0.05)  # share of the page


def uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    """One draw in ``[low, high)`` (``low`` when the range is empty, so a zero range disables)."""
    low, high = bounds
    return float(low) if high <= low else float(rng.uniform(low, high))


def baseline_offsets(
    rng: np.random.Generator, positions: np.ndarray, amplitude: float, jitter: float
) -> np.ndarray:
    """Vertical offset (pixels) of characters at x ``positions``: a slow wave plus a wobble.

    Handwriting drifts off a straight baseline over a line and each letter sits a little
    higher or lower; the wave's wavelength is a few words long.
    """
    wavelength = rng.uniform(150.0, 600.0)
    phase = rng.uniform(0.0, 2 * math.pi)
    wave = amplitude * np.sin(2 * math.pi * positions / wavelength + phase)
    return wave + rng.normal(0.0, jitter, size=len(positions)) if jitter > 0 else wave


def stroke_thickness(mask: np.ndarray) -> float:
    """Mean stroke width of an ink mask in pixels (2 * area / perimeter of the binarized ink)."""
    ink = mask > 127
    area = int(ink.sum())
    if area == 0:
        return 0.0
    edges = int((ink[:, 1:] != ink[:, :-1]).sum() + (ink[1:, :] != ink[:-1, :]).sum())
    return 2.0 * area / max(edges, 1)


def dilate(mask: np.ndarray) -> np.ndarray:
    """3x3 grey dilation (a thicker pen); separable maxima, same result as PIL's MaxFilter(3)."""
    padded = np.pad(mask, 1)
    rows = np.maximum(np.maximum(padded[:, :-2], padded[:, 1:-1]), padded[:, 2:])
    return np.maximum(np.maximum(rows[:-2], rows[1:-1]), rows[2:])


def erode(mask: np.ndarray) -> np.ndarray:
    """3x3 grey erosion (a thinner pen); the complement of :func:`dilate`."""
    return 255 - dilate(255 - mask)


def draw_pen_change(rng: np.random.Generator, config: AugmentConfig) -> int:
    """+1 (thicker pen), -1 (thinner) or 0, drawn once per sample so a paragraph keeps its pen."""
    draw = rng.random()
    if draw < config.dilate_probability:
        return 1
    if draw > 1.0 - config.erode_probability:
        return -1
    return 0


def adjust_stroke(
    mask: np.ndarray, pen_change: int, thickness: float, x_height: float
) -> np.ndarray:
    """Thicker (``pen_change`` > 0) or thinner (< 0) pen, by about a pixel.

    A full 3x3 dilation adds 2 px, so it is only used on strokes very thin for their size
    (a felt-tip look on a hairline font); others get half of it (a softer, wider edge).
    Likewise a full erosion only where strokes survive it; thin strokes are thinned by cutting
    their anti-aliased edges instead. numpy rather than PIL's rank filters: the same result,
    ~40x faster on a line.
    """
    if pen_change > 0:
        if thickness < min(2.0, 0.09 * x_height):
            return dilate(mask)
        return ((mask.astype(np.uint16) + dilate(mask)) // 2).astype(np.uint8)
    if pen_change < 0:
        if thickness >= 3.0:
            return erode(mask)
        thinned = (mask.astype(np.int32) - 64) * 255 // 191
        return np.clip(thinned, 0, 255).astype(np.uint8)
    return mask


def _smooth(field: np.ndarray) -> np.ndarray:
    """Average each vertex with its 4 neighbours, so the mesh bends instead of crumpling."""
    padded = np.pad(field, ((1, 1), (1, 1), (0, 0)), mode="edge")
    neighbours = padded[:-2, 1:-1] + padded[2:, 1:-1] + padded[1:-1, :-2] + padded[1:-1, 2:]
    return (field + neighbours) / 5.0


def _interpolation(length: int, cells: int) -> tuple[np.ndarray, np.ndarray]:
    """Lower vertex index and weight of each of ``length`` pixels on a ``cells + 1`` grid."""
    position = (np.arange(length, dtype=np.float64) + 0.5) * (cells / length)
    lower = np.minimum(np.floor(position).astype(np.intp), cells - 1)
    return lower, (position - lower).astype(np.float32)


def _upsample(grid: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bilinear upsampling of a ``(rows, cols)`` vertex grid to ``(height, width)`` pixels."""
    rows, cols = grid.shape
    c0, wc = _interpolation(width, cols - 1)
    r0, wr = _interpolation(height, rows - 1)
    along_x = grid[:, c0] * (1.0 - wc) + grid[:, c0 + 1] * wc
    return along_x[r0] * (1.0 - wr)[:, None] + along_x[r0 + 1] * wr[:, None]


def bilinear_sample(image: np.ndarray, src_x: np.ndarray, src_y: np.ndarray) -> np.ndarray:
    """``image`` (uint8) read at float coordinates (pixel centres at integers), zero outside.

    The four neighbours are gathered as uint8 (a quarter of float32's memory traffic) and
    blended in float32.
    """
    height, width = image.shape
    stride = width + 3
    padded = np.zeros((height + 3, stride), dtype=np.uint8)
    padded[1 : height + 1, 1 : width + 1] = image
    sx = np.clip(src_x, -1.0, float(width)).astype(np.float32)
    sy = np.clip(src_y, -1.0, float(height)).astype(np.float32)
    x0, y0 = np.floor(sx), np.floor(sy)
    fx, fy = sx - x0, sy - y0
    index = (y0.astype(np.intp) + 1) * stride + (x0.astype(np.intp) + 1)
    flat = padded.ravel()
    top_left, top_right = flat[index].astype(np.float32), flat[index + 1].astype(np.float32)
    bottom_left = flat[index + stride].astype(np.float32)
    bottom_right = flat[index + stride + 1].astype(np.float32)
    top = top_left * (1.0 - fx) + top_right * fx
    bottom = bottom_left * (1.0 - fx) + bottom_right * fx
    return top * (1.0 - fy) + bottom * fy


def warp(
    mask: np.ndarray,
    rng: np.random.Generator,
    slant: float,
    rotation_degrees: float,
    elastic: float,
    cell: float,
) -> np.ndarray:
    """Shear (slant), rotate and elastically distort an ink mask in one resampling pass.

    The output canvas grows so nothing is cut off; the centre stays at the centre. The elastic
    part moves the vertices of a coarse mesh (spacing ``cell`` pixels) by ~``elastic`` pixels
    and interpolates between them, which gives a smooth distortion cheaply.
    """
    height, width = mask.shape
    angle = math.radians(rotation_degrees)
    cos, sin = math.cos(angle), math.sin(angle)
    sheared_w = width + abs(slant) * height
    out_w = int(math.ceil(abs(cos) * sheared_w + abs(sin) * height)) + 4
    out_h = int(math.ceil(abs(sin) * sheared_w + abs(cos) * height)) + 4
    # Inverse map output -> source: undo rotation, then shear, about the centres.
    u = (np.arange(out_w, dtype=np.float32) - np.float32(out_w / 2.0))[None, :]
    v = (np.arange(out_h, dtype=np.float32) - np.float32(out_h / 2.0))[:, None]
    ru = np.float32(cos) * u + np.float32(sin) * v
    rv = np.float32(-sin) * u + np.float32(cos) * v
    src_x = ru + np.float32(slant) * rv + np.float32(width / 2.0)
    src_y = rv + np.float32(height / 2.0)
    if elastic > 0:
        cell = max(4.0, cell)
        cols = max(2, int(math.ceil(out_w / cell)) + 1)
        rows = max(2, int(math.ceil(out_h / cell)) + 1)
        field = _smooth(rng.normal(0.0, elastic, size=(rows, cols, 2))).astype(np.float32)
        src_x = src_x + _upsample(field[..., 0], out_h, out_w)
        src_y = src_y + _upsample(field[..., 1], out_h, out_w)
    src_x, src_y = np.broadcast_arrays(src_x, src_y)
    warped = bilinear_sample(mask, src_x, src_y)
    return np.clip(np.rint(warped), 0, 255).astype(np.uint8)


def ink_box(mask: np.ndarray, threshold: int = 24) -> tuple[int, int, int, int] | None:
    """``(top, bottom, left, right)`` (exclusive ends) of the pixels above ``threshold``."""
    ink = mask > threshold
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if len(rows) == 0:
        return None
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def crop_to_ink(
    mask: np.ndarray, margin: int | tuple[int, int, int, int]
) -> tuple[np.ndarray, int]:
    """Crop an ink mask to its ink plus ``margin`` pixels (left, top, right, bottom).

    Returns the crop and the row of the original that became its first row (may be negative:
    margins beyond the mask are blank).
    """
    left, top, right, bottom = (margin,) * 4 if isinstance(margin, int) else margin
    height, width = mask.shape
    box = ink_box(mask) or (0, height, 0, width)
    y0, y1, x0, x1 = box[0] - top, box[1] + bottom, box[2] - left, box[3] + right
    oy, ox = max(0, -y0), max(0, -x0)
    padded = np.pad(mask, ((oy, max(0, y1 - height)), (ox, max(0, x1 - width))))
    return padded[y0 + oy : y1 + oy, x0 + ox : x1 + ox], y0


def smooth_field(
    rng: np.random.Generator, shape: tuple[int, int], cell: float, low: float, high: float
) -> np.ndarray:
    """A slowly varying field (float32) over ``shape`` with values in ``[low, high]``: random
    values on a grid of spacing ``cell`` pixels, bilinearly interpolated."""
    height, width = shape
    rows = max(2, int(np.ceil(height / cell)) + 1)
    cols = max(2, int(np.ceil(width / cell)) + 1)
    grid = rng.uniform(low, high, size=(rows, cols)).astype(np.float32)
    return _upsample(grid, height, width)


def pen_lifts(mask: np.ndarray, rng: np.random.Generator, count: int, radius: float) -> np.ndarray:
    """Break ``count`` strokes where the pen skipped: clear a small disc around random ink pixels."""
    ink = np.flatnonzero(mask.ravel() > 127)
    if count <= 0 or ink.size == 0:
        return mask
    out = mask.copy()
    height, width = mask.shape
    reach = max(1, int(np.ceil(radius)))
    offsets = np.arange(-reach, reach + 1)
    disc = (offsets[:, None] ** 2 + offsets[None, :] ** 2) <= radius**2
    for position in rng.choice(ink, size=min(count, ink.size), replace=False).tolist():
        y, x = divmod(position, width)
        y0, x0 = max(0, y - reach), max(0, x - reach)
        y1, x1 = min(height, y + reach + 1), min(width, x + reach + 1)
        window = disc[y0 - y + reach : y1 - y + reach, x0 - x + reach : x1 - x + reach]
        out[y0:y1, x0:x1][window] = 0
    return out
