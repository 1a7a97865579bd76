"""Writing one line of text with a font as a person would: an ink mask, glyph by glyph.

Text is placed one character at a time (no shaping engine, so no ligatures the label does not
name), which makes character spacing and baseline jitter real rather than a post-hoc warp.
People also vary from *word* to word, so each word gets its own size, slant and height above
the line before the whole line is rotated, distorted and given the pen's quirks (thicker or
thinner strokes, gaps where the pen skipped). Everything draws from the numpy Generator passed
in, so a line is a pure function of its seed.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from text_recognizer.data import augment
from text_recognizer.data.augment import AugmentConfig, uniform
from text_recognizer.data.fonts import HandwritingFont


@dataclass(frozen=True)
class Glyph:
    """One rendered character: its ink and where it sits relative to the pen."""

    mask: np.ndarray  # uint8, ink 255
    left: int  # offset of the mask from the pen position
    top: int  # offset of the mask's top from the baseline (negative: above)
    advance: float


@functools.lru_cache(maxsize=512)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)


@functools.lru_cache(maxsize=256)
def x_height_per_point(path: str) -> float:
    """x-height in pixels per point of font size, measured on the glyph 'x'."""
    box = _font(path, 100).getbbox("x", anchor="ls")
    return max(box[3] - box[1], 1) / 100.0


@functools.lru_cache(maxsize=65536)
def glyph(path: str, size: int, char: str) -> Glyph:
    """``char`` drawn by the font at ``path`` in ``size`` points."""
    font = _font(path, size)
    advance = float(font.getlength(char))
    left, top, right, bottom = (int(v) for v in font.getbbox(char, anchor="ls"))
    if char == " " or right <= left or bottom <= top:
        return Glyph(np.zeros((0, 0), np.uint8), 0, 0, advance)
    image = Image.new("L", (right - left, bottom - top), 0)
    ImageDraw.Draw(image).text((-left, -top), char, font=font, fill=255, anchor="ls")
    return Glyph(np.asarray(image, dtype=np.uint8), left, top, advance)


@dataclass(frozen=True)
class Style:
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
    word_slant: float = 0.0
    word_scale: float = 0.0
    word_drift: float = 0.0


def draw_style(rng: np.random.Generator, config: AugmentConfig, augmented: bool) -> Style:
    """A writer's style for one sample; without augmentation, the plain middle of every range."""
    if not augmented:
        return Style(sum(config.x_height) / 2, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0)
    x_height = uniform(rng, config.x_height)
    return Style(
        x_height=x_height,
        slant=uniform(rng, config.slant),
        tracking=uniform(rng, config.tracking) * x_height,
        word_spacing=uniform(rng, config.word_spacing),
        baseline_wave=uniform(rng, config.baseline_wave) * x_height,
        baseline_jitter=config.baseline_jitter * x_height,
        spacing_jitter=config.spacing_jitter * x_height,
        elastic=uniform(rng, config.elastic) * x_height,
        pen_change=augment.draw_pen_change(rng, config),
        word_slant=config.word_slant,
        word_scale=config.word_scale,
        word_drift=config.word_drift * x_height,
    )


def _place(canvas: np.ndarray, mask: np.ndarray, x: int, y: int) -> None:
    """Ink ``mask`` onto ``canvas`` with its top-left at (x, y), clipped to the canvas."""
    height, width = mask.shape
    x0, y0 = max(x, 0), max(y, 0)
    region = canvas[y0 : y + height, x0 : x + width]
    source = mask[y0 - y : y0 - y + region.shape[0], x0 - x : x0 - x + region.shape[1]]
    np.maximum(region, source, out=region)


def _word(
    word: str, path: str, size: int, style: Style, rng: np.random.Generator
) -> tuple[np.ndarray, int]:
    """Ink mask of one word, placed glyph by glyph with jitter, and the row of its baseline."""
    glyphs = [glyph(path, size, char) for char in word]
    ascent, descent = _font(path, size).getmetrics()
    steps = np.array([g.advance for g in glyphs]) + style.tracking
    if style.spacing_jitter > 0:
        steps = steps + rng.normal(0.0, style.spacing_jitter, size=len(steps))
    pen_x = np.concatenate([[0.0], np.cumsum(np.maximum(steps, 0.0))[:-1]])
    jitter = (
        rng.normal(0.0, style.baseline_jitter, size=len(glyphs))
        if style.baseline_jitter > 0
        else np.zeros(len(glyphs))
    )
    pad = size // 2 + 2
    slack = int(math.ceil(np.abs(jitter).max(initial=0.0))) + pad
    width = int(math.ceil(pen_x[-1] + glyphs[-1].advance + size)) + 2 * pad
    baseline = ascent + slack
    canvas = np.zeros((ascent + descent + 2 * slack, width), dtype=np.uint8)
    for x, dy, shape in zip(pen_x, jitter, glyphs):
        if shape.mask.size:
            top = int(round(baseline + dy)) + shape.top
            _place(canvas, shape.mask, int(round(x)) + shape.left + pad, top)
    return canvas, baseline


def layout(
    text: str, font: HandwritingFont, style: Style, rng: np.random.Generator
) -> tuple[np.ndarray, int]:
    """Ink mask of ``text`` word by word, and the row of its baseline.

    Each word gets its own size (log-normal around the style's), slant and baseline shift, on
    top of the slow baseline wave of the whole line; words are separated by the font's space
    (times the writer's word spacing) measured between their ink.
    """
    size = max(6, int(round(style.x_height / x_height_per_point(font.path))))
    space = glyph(font.path, size, " ").advance * style.word_spacing + style.tracking
    pieces: list[tuple[np.ndarray, int, float]] = []  # word mask, its baseline row, left x
    x = 0.0
    for word in text.split(" "):
        if not word:
            x += space
            continue
        scale = math.exp(rng.normal(0.0, style.word_scale)) if style.word_scale > 0 else 1.0
        mask, baseline = _word(word, font.path, max(6, int(round(size * scale))), style, rng)
        slant = style.slant + (rng.normal(0.0, style.word_slant) if style.word_slant > 0 else 0.0)
        if slant:
            sheared = augment.warp(mask, rng, slant, 0.0, 0.0, 8.0)
            baseline += (sheared.shape[0] - mask.shape[0]) // 2
            mask = sheared
        mask, first_row = augment.crop_to_ink(mask, (0, 0, 0, 0))
        pieces.append((mask, baseline - first_row, x))
        x += mask.shape[1] + max(space, 1.0)
    if not pieces:
        return np.zeros((max(1, size), max(1, int(x))), dtype=np.uint8), size
    lefts = np.array([left for _, _, left in pieces])
    wave = augment.baseline_offsets(rng, lefts, style.baseline_wave, 0.0)
    if style.word_drift > 0:
        wave = wave + rng.normal(0.0, style.word_drift, size=len(pieces))
    above = max(row - dy for (_, row, _), dy in zip(pieces, wave))
    below = max(mask.shape[0] - row + dy for (mask, row, _), dy in zip(pieces, wave))
    pad = int(math.ceil(style.x_height)) + 2
    baseline = int(math.ceil(above)) + pad
    height = baseline + int(math.ceil(below)) + pad
    width = int(math.ceil(x)) + 2 * pad
    canvas = np.zeros((height, width), dtype=np.uint8)
    for (mask, row, left), dy in zip(pieces, wave):
        _place(canvas, mask, int(round(left)) + pad, int(round(baseline + dy)) - row)
    return canvas, baseline


def render_mask(
    text: str,
    font: HandwritingFont,
    style: Style,
    rng: np.random.Generator,
    config: AugmentConfig,
    augmented: bool,
) -> tuple[np.ndarray, int]:
    """Ink mask of one line after pen and geometric augmentation, and its baseline row."""
    canvas, baseline = layout(text, font, style, rng)
    mask, first_row = augment.crop_to_ink(canvas, 2)  # warping blank paper costs time
    baseline -= first_row
    if not augmented:
        return mask, baseline
    thickness = augment.stroke_thickness(mask)
    mask = augment.adjust_stroke(mask, style.pen_change, thickness, style.x_height)
    if rng.random() < config.pen_lift_probability:
        count = int(rng.poisson(config.pen_lifts * len(text)))
        radius = uniform(rng, config.pen_lift_size) * style.x_height
        mask = augment.pen_lifts(mask, rng, count, radius)
    rotation = uniform(rng, (-config.rotation_degrees, config.rotation_degrees))
    cell = config.elastic_cell * style.x_height
    warped = augment.warp(mask, rng, 0.0, rotation, style.elastic, cell)
    return warped, baseline + (warped.shape[0] - mask.shape[0]) // 2


def margins(
    rng: np.random.Generator, style: Style, config: AugmentConfig, augmented: bool
) -> tuple[int, int, int, int]:
    """Paper around the ink (left, top, right, bottom): people do not write edge to edge, and
    a line cut from a page sometimes loses the tips of its letters."""
    base = max(2, int(round(0.3 * style.x_height)))
    if not augmented:
        return base, base, base, base
    left, top, right, bottom = (int(v) for v in rng.integers(base // 2, 3 * base + 1, size=4))
    if rng.random() < config.crop_probability:
        cut = -int(round(rng.uniform(0.03, 0.12) * style.x_height))
        if rng.random() < 0.5:
            top = cut
        else:
            bottom = cut
    return left, top, right, bottom
