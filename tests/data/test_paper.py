"""Paper, ink, light and scanner: each effect does what its name says, deterministically."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from text_recognizer.data import paper
from text_recognizer.data.augment import AugmentConfig
from text_recognizer.data.page import is_inverted

#: Every random effect off: only paper and ink remain.
PLAIN = AugmentConfig(
    pressure_variation=(1.0, 1.0),
    colour_probability=0.0,
    paper_texture=(0.0, 0.0),
    gradient_probability=0.0,
    shadow_probability=0.0,
    blur_probability=0.0,
    noise_sigma=(0.0, 0.0),
    jpeg_probability=0.0,
    invert_probability=0.0,
)


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def contrast(image, mask: np.ndarray) -> float:
    pixels = np.asarray(image.convert("L"), dtype=float)
    return pixels[mask == 0].mean() - pixels[mask == 255].mean()


def test_finish_gives_dark_ink_on_light_paper(mask: np.ndarray) -> None:
    image = paper.finish(mask, rng(1), AugmentConfig(invert_probability=0.0))
    assert image.size == (mask.shape[1], mask.shape[0])
    assert contrast(image, mask) > 60


def test_finish_is_deterministic_for_a_seed(mask: np.ndarray) -> None:
    first = paper.finish(mask, rng(9), AugmentConfig()).tobytes()
    assert first == paper.finish(mask, rng(9), AugmentConfig()).tobytes()
    assert first != paper.finish(mask, rng(10), AugmentConfig()).tobytes()


def test_clean_finish_is_black_ink_on_white(mask: np.ndarray) -> None:
    image = np.asarray(paper.finish(mask, rng(), AugmentConfig(), clean=True))
    np.testing.assert_array_equal(image, 255 - mask)


def test_inversion_writes_light_ink_on_dark_paper(mask: np.ndarray) -> None:
    image = paper.finish(mask, rng(), dataclasses.replace(PLAIN, invert_probability=1.0))
    assert contrast(image, mask) < -60
    assert is_inverted(np.asarray(image))


def test_colour_ink_gives_an_rgb_image_whose_ink_is_still_darker(mask: np.ndarray) -> None:
    image = paper.finish(mask, rng(), dataclasses.replace(PLAIN, colour_probability=1.0))
    assert image.mode == "RGB"
    assert contrast(image, mask) > 40


def test_jpeg_keeps_the_size_and_changes_the_pixels(mask: np.ndarray) -> None:
    config = dataclasses.replace(PLAIN, jpeg_probability=1.0, jpeg_quality=(20.0, 20.0))
    plain = np.asarray(paper.finish(mask, rng(), PLAIN), dtype=float)
    compressed = np.asarray(paper.finish(mask, rng(), config), dtype=float)
    assert compressed.shape == plain.shape
    assert 0 < np.abs(compressed - plain).mean() < 20


def test_a_gradient_darkens_one_side_of_the_sheet() -> None:
    config = dataclasses.replace(PLAIN, gradient_probability=1.0, gradient_strength=(0.3, 0.3))
    light = paper.lighting(rng(), (50, 200), config)
    assert light.max() <= 1.0 and light.min() == pytest.approx(0.7, abs=0.02)


def test_a_shadow_falls_in_from_one_edge_only() -> None:
    config = dataclasses.replace(PLAIN, shadow_probability=1.0, shadow_reach=(0.3, 0.3))
    light = paper.lighting(rng(3), (100, 100), config)
    edges = [light[0].mean(), light[-1].mean(), light[:, 0].mean(), light[:, -1].mean()]
    assert sum(edge < 0.95 for edge in edges) == 1
    assert light[50, 50] == pytest.approx(1.0)


def test_noise_quantizes_to_uint8_in_range() -> None:
    noisy = paper.add_noise(np.full((4, 4), 250.0, np.float32), rng(), sigma=30.0)
    assert noisy.dtype == np.uint8 and noisy.max() <= 255 and noisy.std() > 0


def test_noise_on_white_paper_saturates_instead_of_wrapping_to_black() -> None:
    noisy = paper.add_noise(
        np.full((32, 32), 250.0, dtype=np.float32), np.random.default_rng(0), 12
    )
    assert noisy.min() > 200 and noisy.max() == 255


def test_paper_is_within_its_configured_tone() -> None:
    config = AugmentConfig(paper=(220, 221), paper_variation=0.0, paper_texture=(0.0, 0.0))
    sheet = paper.paper_background(rng(), (8, 12), config)
    assert sheet.shape == (8, 12) and sheet.dtype == np.float32
    assert 220 <= sheet.min() <= sheet.max() <= 221


def test_paper_texture_adds_grain_of_about_its_amplitude() -> None:
    config = AugmentConfig(paper=(200, 200), paper_variation=0.0, paper_texture=(6.0, 6.0))
    sheet = paper.paper_background(rng(), (60, 80), config)
    assert 4.0 < sheet.std() < 8.0


def test_pressure_varies_the_ink_opacity_along_the_line(mask: np.ndarray) -> None:
    config = dataclasses.replace(PLAIN, ink_pressure=(1.0, 1.0), pressure_variation=(0.5, 0.5))
    alpha = paper.ink_layer(mask, rng(), config, x_height=5.0)
    inked = alpha[mask == 255]
    assert 0.5 <= inked.min() < inked.max() <= 1.0


def test_a_scanned_page_gets_margins_and_a_dark_edge(mask: np.ndarray) -> None:
    config = AugmentConfig(page_probability=1.0, edge_probability=1.0, specks=0.0)
    page = paper.scan_page(mask, rng(2), config)
    assert page.shape[0] > mask.shape[0] and page.shape[1] > mask.shape[1]
    borders = [page[0], page[-1], page[:, 0], page[:, -1]]
    assert any((border == 255).all() for border in borders)


def test_without_a_page_the_mask_is_unchanged(mask: np.ndarray) -> None:
    assert paper.scan_page(mask, rng(), AugmentConfig(page_probability=0.0)) is mask
