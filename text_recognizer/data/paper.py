"""What paper, ink, light and a scanner do to a written ink mask: the photometric half of the
synthetic augmentation (the geometric half, and every knob, is :mod:`text_recognizer.data.augment`).

Real scans and photos differ from font renderings less in letter shapes than in everything
around them: tinted and textured paper, coloured ink laid down with varying pressure, uneven
light and shadows, blur, sensor noise, JPEG blocks, pages published as light ink on dark paper,
and, on whole pages, wide margins, the dark edge of the scanner lid and specks of dust. Each
effect here draws from the numpy Generator it is given, so a sample stays a pure function of its
seed; numpy and PIL only, exact on any machine.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter

from text_recognizer.data.augment import AugmentConfig, smooth_field, uniform

#: Ink colours (RGB) people write with: black, blue and dark blue ballpoint, grey pencil, red.
INK_COLOURS: tuple[tuple[int, int, int], ...] = (
    (20, 20, 25),
    (25, 45, 140),
    (15, 25, 80),
    (70, 70, 75),
    (150, 30, 35),
)


def paper_background(
    rng: np.random.Generator, shape: tuple[int, int], config: AugmentConfig
) -> np.ndarray:
    """Paper grey level per pixel (float32): a base tone, slow shading and a fine fibre texture."""
    height, width = shape
    base = uniform(rng, (float(config.paper[0]), float(config.paper[1])))
    coarse = rng.normal(0.0, config.paper_variation, size=(3, 4)).astype(np.float32)
    shading = Image.fromarray(coarse).resize((width, height), Image.Resampling.BILINEAR)
    paper = base + np.asarray(shading, dtype=np.float32)
    texture = uniform(rng, config.paper_texture)
    if texture > 0:
        grain = rng.standard_normal((height, width), dtype=np.float32)
        grain = box_blur(grain, 1)
        paper = paper + grain * np.float32(texture / max(float(grain.std()), 1e-6))
    return np.clip(paper, 0.0, 255.0)


def box_blur(values: np.ndarray, radius: int) -> np.ndarray:
    """Mean over a ``(2r+1)²`` window (edges replicated): fibre-sized grain from white noise."""
    if radius <= 0:
        return values
    padded = np.pad(values, radius, mode="edge")
    size = 2 * radius + 1
    rows = np.cumsum(np.pad(padded, ((0, 0), (1, 0))), axis=1, dtype=np.float64)
    rows = (rows[:, size:] - rows[:, :-size]) / size
    cols = np.cumsum(np.pad(rows, ((1, 0), (0, 0))), axis=0)
    return ((cols[size:] - cols[:-size]) / size).astype(np.float32)


def lighting(rng: np.random.Generator, shape: tuple[int, int], config: AugmentConfig) -> np.ndarray:
    """Multiplicative light over the sheet: a linear gradient (a lamp to one side) and, some of
    the time, a soft shadow falling in from one edge (a hand, a book's spine)."""
    height, width = shape
    light = np.ones(shape, dtype=np.float32)
    if rng.random() < config.gradient_probability:
        angle = rng.uniform(0.0, 2 * np.pi)
        strength = uniform(rng, config.gradient_strength)
        ys = (np.arange(height, dtype=np.float32) / max(height - 1, 1))[:, None] - 0.5
        xs = (np.arange(width, dtype=np.float32) / max(width - 1, 1))[None, :] - 0.5
        ramp = np.float32(np.cos(angle)) * xs + np.float32(np.sin(angle)) * ys
        ramp = (ramp - ramp.min()) / max(float(ramp.max() - ramp.min()), 1e-6)
        light = light * (1.0 - np.float32(strength) * ramp)
    if rng.random() < config.shadow_probability:
        side = int(rng.integers(4))
        length = (width, height, width, height)[side]
        reach = max(2.0, uniform(rng, config.shadow_reach) * length)
        depth = np.float32(uniform(rng, config.shadow_depth))
        distance = np.arange(length, dtype=np.float32)
        falloff = np.clip(1.0 - distance / np.float32(reach), 0.0, 1.0) ** 2
        profile = 1.0 - depth * (falloff if side < 2 else falloff[::-1])
        light = light * (profile[None, :] if side % 2 == 0 else profile[:, None])
    return light


def ink_layer(
    mask: np.ndarray, rng: np.random.Generator, config: AugmentConfig, x_height: float
) -> np.ndarray:
    """Ink opacity (float32 0..1): the mask times the pen's pressure, which varies slowly along
    the line (a lighter stroke here, a heavier one there)."""
    pressure = uniform(rng, config.ink_pressure)
    alpha = mask.astype(np.float32) * np.float32(pressure / 255.0)
    low = uniform(rng, config.pressure_variation)
    if low < 1.0:
        cell = max(4.0, config.pressure_cell * x_height)
        alpha = alpha * smooth_field(rng, mask.shape, cell, low, 1.0)
    return alpha


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


def jpeg(image: Image.Image, rng: np.random.Generator, config: AugmentConfig) -> Image.Image:
    """JPEG blocks and ringing, some of the time, as phones and scanners save pages."""
    if rng.random() >= config.jpeg_probability:
        return image
    buffer = io.BytesIO()
    quality = int(round(uniform(rng, config.jpeg_quality)))
    image.save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return decoded.convert(image.mode)


def _composite(
    alpha: np.ndarray,
    paper: np.ndarray,
    rng: np.random.Generator,
    config: AugmentConfig,
) -> Image.Image:
    """Ink over paper, in grey or, some of the time, in colour (tinted paper, coloured ink)."""
    if rng.random() < config.colour_probability:
        ink = np.array(INK_COLOURS[int(rng.integers(len(INK_COLOURS)))], dtype=np.float32)
        ink = ink + rng.normal(0.0, 10.0, size=3).astype(np.float32)
        tint = (1.0 - rng.uniform(0.0, 0.08, size=3)).astype(np.float32)
        sheet = paper[..., None] * tint[None, None, :]
        mixed = sheet * (1.0 - alpha[..., None]) + ink[None, None, :] * alpha[..., None]
        return Image.fromarray(np.clip(np.rint(mixed), 0, 255).astype(np.uint8), "RGB")
    level = np.float32(uniform(rng, (float(config.ink[0]), float(config.ink[1]))))
    mixed = paper * (1.0 - alpha) + level * alpha
    return Image.fromarray(np.clip(np.rint(mixed), 0, 255).astype(np.uint8))


def finish(
    mask: np.ndarray,
    rng: np.random.Generator,
    config: AugmentConfig,
    clean: bool = False,
    x_height: float = 16.0,
) -> Image.Image:
    """Ink mask -> a written, photographed page: paper and light, pressure and colour of the ink,
    blur, noise, polarity (light ink on dark paper, as some archives publish scans) and JPEG.

    ``clean`` gives black ink on white paper with none of the random effects (for tests and
    for looking at the geometry alone).
    """
    array = np.ascontiguousarray(mask, dtype=np.uint8)
    if clean:
        return Image.fromarray(255 - array)
    paper = paper_background(rng, array.shape, config) * lighting(rng, array.shape, config)
    alpha = ink_layer(array, rng, config, x_height)
    image = blur(_composite(alpha, paper, rng, config), rng, config)
    sigma = uniform(rng, config.noise_sigma)
    noisy = add_noise(np.asarray(image, dtype=np.float32), rng, sigma)
    if rng.random() < config.invert_probability:
        noisy = 255 - noisy
    return jpeg(Image.fromarray(noisy), rng, config)


def scan_page(mask: np.ndarray, rng: np.random.Generator, config: AugmentConfig) -> np.ndarray:
    """A paragraph's ink mask set on a scanned page, some of the time: wide margins around the
    text block, specks of dust, and the scanner's dark edge along one or two sides.

    The edge goes into the mask as "ink" of full opacity, so it takes the ink's tone like a
    real shadow takes the scanner's; preprocessing must find the text block despite it.
    """
    if rng.random() >= config.page_probability:
        return mask
    height, width = mask.shape
    low, high = config.page_margin
    top, bottom = (int(rng.uniform(low, high) * height) for _ in range(2))
    left, right = (int(rng.uniform(low, high) * width) for _ in range(2))
    page = np.pad(mask, ((top, bottom), (left, right)))
    for _ in range(int(rng.poisson(config.specks))):
        y, x = int(rng.integers(page.shape[0])), int(rng.integers(page.shape[1]))
        size = int(rng.integers(1, 4))
        page[y : y + size, x : x + size] = 255
    if rng.random() < config.edge_probability:
        sides = rng.choice(4, size=int(rng.integers(1, 3)), replace=False)
        for side in sides.tolist():
            along = page.shape[0] if side < 2 else page.shape[1]
            thickness = max(2, int(uniform(rng, config.edge_width) * along))
            if side == 0:
                page[:thickness] = 255
            elif side == 1:
                page[-thickness:] = 255
            elif side == 2:
                page[:, :thickness] = 255
            else:
                page[:, -thickness:] = 255
    return page
