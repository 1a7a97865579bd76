"""Page normalisation: any polarity, light and scan becomes dark ink on white around its text."""

from __future__ import annotations

import numpy as np
import pytest

from text_recognizer.data import page
from text_recognizer.data.page import is_inverted, normalize_page


@pytest.fixture
def line() -> np.ndarray:
    """A 60x300 light-grey page with three dark "words" in its middle."""
    gray = np.full((60, 300), 215, dtype=np.uint8)
    for left in (30, 110, 190):
        gray[22:40, left : left + 60] = 40
        gray[28:34, left + 10 : left + 50] = 215  # a counter, so words are not solid blocks
    return gray


def test_dark_ink_on_light_paper_is_not_inverted(line) -> None:
    assert not is_inverted(line)
    assert not normalize_page(line).inverted


def test_light_ink_on_dark_paper_is_inverted_back(line) -> None:
    normalized = normalize_page(255 - line)
    assert normalized.inverted
    np.testing.assert_allclose(
        normalized.gray.astype(float), normalize_page(line).gray.astype(float), atol=3
    )


def test_paper_becomes_white_and_ink_black(line) -> None:
    normalized = normalize_page(line)
    assert normalized.gray[5, 5] == 255 and normalized.gray[25, 40] <= 2


def test_the_text_block_is_the_ink_not_the_margins(line) -> None:
    assert normalize_page(line).box == (22, 40, 30, 250)


def test_a_shadow_over_half_the_page_is_neither_ink_nor_a_polarity_flip(line) -> None:
    shaded = line.astype(float) * np.linspace(1.0, 0.45, line.shape[1])[None, :]
    normalized = normalize_page(shaded.astype(np.uint8))
    assert not normalized.inverted
    assert normalized.box == (22, 40, 30, 250)
    assert normalized.gray[5, 290] > 200  # the shaded paper is paper


def test_a_dark_scanner_edge_is_cut_away(line) -> None:
    scanned = line.copy()
    scanned[:, -8:] = 10  # the scanner lid's edge along the right side
    normalized = normalize_page(scanned)
    assert normalized.box == (22, 40, 30, 250)
    assert not normalized.ink[:, -12:].any()


@pytest.mark.parametrize("side", ["top", "bottom", "left", "right"])
def test_a_single_dark_border_line_is_ink_not_a_scanner_edge(side) -> None:
    """One dark row or column along a border is a ruled line or a stroke; an edge is wider."""
    ink = np.zeros((60, 300), dtype=bool)
    ink[22:40, 30:250] = True
    ruled = ink.copy()
    border = {"top": (0, slice(None)), "bottom": (-1, slice(None))}
    border |= {"left": (slice(None), 0), "right": (slice(None), -1)}
    ruled[border[side]] = True
    np.testing.assert_array_equal(page.scanner_edges(ruled), ruled)


def test_specks_away_from_the_text_do_not_widen_the_block() -> None:
    gray = np.full((400, 600), 230, dtype=np.uint8)
    gray[150:170, 100:500] = 20  # a line of text
    gray[190:210, 100:420] = 20  # and another
    gray[20:22, 30:32] = 20  # dust
    gray[380:382, 570:572] = 20
    assert normalize_page(gray).box == (150, 210, 100, 500)


@pytest.mark.parametrize("sigma", [2, 9, 16, 25])
@pytest.mark.parametrize("shape", [(40, 300), (200, 300), (600, 800)])
def test_a_blank_page_has_no_text_block_even_with_noise(sigma, shape) -> None:
    rng = np.random.default_rng(sigma)
    noisy = np.clip(rng.normal(215, sigma, size=shape), 0, 255).astype(np.uint8)
    normalized = normalize_page(noisy)
    assert normalized.blank and normalized.box is None and not normalized.ink.any()


@pytest.mark.parametrize("sigma", [8, 12, 15])
def test_a_faint_line_on_heavy_noise_is_ink_not_a_blank_page(line, sigma) -> None:
    """Faint grey writing on a noisy scan (its ink ~7 noise sigmas below the flattened paper,
    where heavy-noise lines of the generator begin) is text."""
    rng = np.random.default_rng(sigma)
    faint = 200 - (200 - line.astype(float)) * (5.3 * sigma / 175)
    noisy = np.clip(faint + rng.normal(0, sigma, size=line.shape), 0, 255).astype(np.uint8)
    normalized = normalize_page(noisy)
    assert not normalized.blank
    top, bottom, left, right = normalized.box
    assert top <= 24 and bottom >= 38 and left <= 32 and right >= 248


def test_a_single_word_on_a_large_page_is_still_ink() -> None:
    gray = np.full((1000, 800), 240, dtype=np.uint8)
    gray[500:520, 380:440] = 30
    assert normalize_page(gray).box == (500, 520, 380, 440)


def test_crop_adds_a_margin_proportional_to_the_block(line) -> None:
    cropped = normalize_page(line).crop(0.5)
    assert cropped.shape == (18 + 2 * 9, 220 + 2 * 9)
    assert (cropped[:9] == 255).all()


def test_quantiles_read_the_histogram() -> None:
    gray = np.array([[0, 10, 20, 30]], dtype=np.uint8)
    assert page.quantiles(gray, 0.25, 0.75) == [0, 20]


def test_a_non_2d_array_is_refused() -> None:
    with pytest.raises(ValueError, match="must be"):
        normalize_page(np.zeros((2, 3, 3), dtype=np.uint8))


@pytest.mark.parametrize("seed", range(6))
def test_row_percentiles_are_numpys_linear_percentiles(seed):
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, 256, (int(rng.integers(1, 12)), int(rng.integers(1, 3000))))
    rows = (rows // int(rng.integers(1, 90)) * 3).astype(np.uint8)  # ties, like real pages
    percents = (0, 1, 50, 99, 100)
    expected = np.percentile(rows, percents, axis=1)
    assert np.allclose(page.row_percentiles(rows, *percents), expected)
