"""Train-time augmentation of finished images (cached synthetic sets, IAM scans).

The synthetic generator augments while it renders, but a cached set repeats the same images each
epoch and real scans are not augmented at all. This jitter keeps both from being memorized. It
draws its randomness from torch's generator, which Lightning seeds per worker, so a seeded run
augments identically every time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image, ImageFilter


def _paper_level(image: Image.Image) -> int:
    """The 90th-percentile gray level: the paper, whatever share of the image is ink."""
    cumulative = np.cumsum(image.histogram())
    return int(np.searchsorted(cumulative, 0.9 * cumulative[-1]))


@dataclass(frozen=True)
class ImageAugmentation:
    """Mild geometric and photometric jitter of an ``"L"`` image (dark ink on light paper).

    Each field is a range drawn uniformly per image; ranges of zero width switch an effect off.

    >>> still = ImageAugmentation((0, 0), (0, 0), (1, 1), (1, 1), (0, 0), 0.0, (0, 0))
    >>> image = Image.new("L", (20, 8), 200)
    >>> still(image).tobytes() == image.tobytes()
    True
    """

    rotation_degrees: tuple[float, float] = (-1.5, 1.5)
    shear: tuple[float, float] = (-0.25, 0.25)  # horizontal shift per row, as a slant
    stretch: tuple[float, float] = (0.9, 1.1)  # horizontal scale
    contrast: tuple[float, float] = (0.6, 1.0)  # multiplies the ink
    brightness: tuple[float, float] = (-20.0, 10.0)  # added to the gray levels
    blur_probability: float = 0.2
    noise_sigma: tuple[float, float] = (0.0, 6.0)

    def __call__(self, image: Image.Image) -> Image.Image:
        if image.mode != "L":
            raise ValueError(f"ImageAugmentation expects an 'L' image, got mode {image.mode!r}")
        rng = np.random.default_rng(int(torch.randint(0, 2**31 - 1, ()).item()))
        image = self._geometry(image, rng)
        return self._photometry(image, rng)

    def _geometry(self, image: Image.Image, rng: np.random.Generator) -> Image.Image:
        stretch = rng.uniform(*self.stretch)
        shear = rng.uniform(*self.shear)
        angle = math.radians(rng.uniform(*self.rotation_degrees))
        if stretch == 1.0 and shear == 0.0 and angle == 0.0:
            return image
        paper = _paper_level(image)
        width, height = image.size
        new_width = max(1, int(round(width * stretch + abs(shear) * height)))
        new_height = max(1, int(round(height + abs(math.sin(angle)) * width * stretch)))
        # The affine map takes output pixels back to input pixels: undo rotation about the
        # output centre, then shear and stretch, then move to the input centre.
        cos, sin = math.cos(angle), math.sin(angle)
        cx_out, cy_out, cx_in, cy_in = new_width / 2, new_height / 2, width / 2, height / 2
        a, b = (cos + shear * sin) / stretch, (sin - shear * cos) / stretch
        d, e = -sin, cos
        a_shift = cx_in - a * cx_out - b * cy_out
        d_shift = cy_in - d * cx_out - e * cy_out
        return image.transform(
            (new_width, new_height),
            Image.Transform.AFFINE,
            (a, b, a_shift, d, e, d_shift),
            resample=Image.Resampling.BILINEAR,
            fillcolor=paper,
        )

    def _photometry(self, image: Image.Image, rng: np.random.Generator) -> Image.Image:
        contrast = rng.uniform(*self.contrast)
        brightness = rng.uniform(*self.brightness)
        sigma = rng.uniform(*self.noise_sigma)
        blur = rng.random() < self.blur_probability
        if blur:
            image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9)))
        if contrast == 1.0 and brightness == 0.0 and sigma == 0.0:
            return image
        gray = np.asarray(image, dtype=np.float32)
        gray = 255.0 - (255.0 - gray) * contrast + brightness
        if sigma > 0:
            gray = gray + rng.normal(0.0, sigma, size=gray.shape).astype(np.float32)
        return Image.fromarray(np.clip(gray + 0.5, 0, 255).astype(np.uint8))
