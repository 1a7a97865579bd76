"""Image augmentations that make font renderings look written, on PIL and numpy only.

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
from PIL import Image, ImageFilter


@dataclass(frozen=True)
class AugmentConfig:
    """Ranges the per-sample style is drawn from. Lengths are in units of the x-height, so the
    same config suits small and large writing."""

    x_height: tuple[float, float] = (14.0, 21.0)  # pixels: lines end up ~48-80 px tall
    slant: tuple[float, float] = (
        -0.15,
        0.35,
    )  # horizontal shear per pixel of height; > 0 leans right
    rotation_degrees: float = 1.2  # whole-line rotation, uniform in +-this
    baseline_wave: tuple[float, float] = (0.0, 0.12)  # amplitude of a slow baseline drift
    baseline_jitter: float = 0.035  # per-character vertical wobble (standard deviation)
    tracking: tuple[float, float] = (-0.03, 0.14)  # extra space between characters
    spacing_jitter: float = 0.03  # per-character horizontal wobble (standard deviation)
    word_spacing: tuple[float, float] = (0.75, 1.4)  # multiple of the font's space width
    dilate_probability: float = 0.2  # thicker pen (only for thin strokes)
    erode_probability: float = 0.15  # thinner pen (only for thick strokes)
    elastic: tuple[float, float] = (0.0, 0.09)  # displacement of the elastic mesh's vertices
    elastic_cell: float = 1.3  # spacing of the elastic mesh
    blur_probability: float = 0.5
    blur_radius: tuple[float, float] = (0.3, 0.9)  # pixels
    noise_sigma: tuple[float, float] = (0.0, 9.0)  # grey levels
    paper: tuple[int, int] = (205, 252)  # grey level of the paper
    paper_variation: float = 12.0  # slow shading across the sheet, grey levels
    ink: tuple[int, int] = (5, 95)  # grey level of the ink
    ink_pressure: tuple[float, float] = (0.8, 1.0)  # opacity of the ink


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


def paper_background(
    rng: np.random.Generator, shape: tuple[int, int], config: AugmentConfig
) -> np.ndarray:
    """Paper grey level per pixel (float32): a base tone with slow shading across the sheet."""
    height, width = shape
    base = uniform(rng, (float(config.paper[0]), float(config.paper[1])))
    coarse = rng.normal(0.0, config.paper_variation, size=(3, 4)).astype(np.float32)
    shading = Image.fromarray(coarse).resize((width, height), Image.Resampling.BILINEAR)
    paper = base + np.asarray(shading, dtype=np.float32)
    return np.clip(paper, 0.0, 255.0)


def apply_ink(
    mask: np.ndarray, paper: np.ndarray, ink_level: float, pressure: float = 1.0
) -> np.ndarray:
    """Blend ink of grey ``ink_level`` onto ``paper`` with the mask as opacity (float32)."""
    alpha = mask.astype(np.float32) * np.float32(pressure / 255.0)
    return paper * (1.0 - alpha) + np.float32(ink_level) * alpha


def add_noise(image: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Gaussian sensor/scanner noise, then quantize to uint8."""
    if sigma > 0:
        image = image + rng.standard_normal(image.shape, dtype=np.float32) * np.float32(sigma)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def blur(image: Image.Image, rng: np.random.Generator, config: AugmentConfig) -> Image.Image:
    """Out-of-focus or soft-pen look: a small Gaussian blur, some of the time."""
    if rng.random() < config.blur_probability:
        return image.filter(ImageFilter.GaussianBlur(uniform(rng, config.blur_radius)))
    return image


def finish(
    mask: np.ndarray, rng: np.random.Generator, config: AugmentConfig, clean: bool = False
) -> Image.Image:
    """Ink mask -> a written page: paper, ink tone and pressure, blur and noise.

    ``clean`` gives black ink on white paper with none of the random effects (for tests and
    for looking at the geometry alone).
    """
    array = np.ascontiguousarray(mask, dtype=np.uint8)
    if clean:
        return Image.fromarray(255 - array)
    paper = paper_background(rng, array.shape, config)
    ink_level = uniform(rng, (float(config.ink[0]), float(config.ink[1])))
    inked = apply_ink(array, paper, ink_level, uniform(rng, config.ink_pressure))
    image = Image.fromarray(np.clip(np.rint(inked), 0, 255).astype(np.uint8))
    image = blur(image, rng, config)
    noisy = add_noise(np.asarray(image, dtype=np.float32), rng, uniform(rng, config.noise_sigma))
    return Image.fromarray(noisy)
