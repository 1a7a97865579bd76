"""Per-image statistics: the facts the data suites check, measured once per file."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest
from PIL import Image

from text_recognizer.validation.image_stats import (
    compute_all_stats,
    compute_image_stats,
    count_text_rows,
    gray_statistics,
)


def _page(rows: int = 3, height: int = 120, width: int = 200) -> np.ndarray:
    """White page with ``rows`` dark text bands evenly spaced."""
    page = np.full((height, width), 250, dtype=np.uint8)
    pitch = height // (rows + 1)
    for row in range(1, rows + 1):
        page[row * pitch - 6 : row * pitch + 6, 10:-10] = 20
    return page


def _write(path, array_or_image) -> bytes:
    image = (
        array_or_image
        if isinstance(array_or_image, Image.Image)
        else Image.fromarray(array_or_image)
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


@pytest.mark.parametrize("rows", [1, 2, 5, 8])
def test_text_rows_are_counted_from_the_projection_profile(rows):
    assert count_text_rows(_page(rows, height=40 * rows + 40) < 128) == rows


def test_blank_page_has_no_ink_and_no_rows():
    stats = gray_statistics(np.full((50, 80), 240, dtype=np.uint8), rows=True)

    assert stats["ink_fraction"] == 0 and stats["text_rows"] == 0 and stats["contrast"] == 0


def test_ink_is_measured_against_the_page_own_paper():
    light = _page(2)
    dim = (light.astype(int) * 0.6).astype(np.uint8)  # darker paper and ink, same layout

    assert gray_statistics(dim)["ink_fraction"] == pytest.approx(
        gray_statistics(light)["ink_fraction"]
    )


@pytest.mark.parametrize("level, black", [(0, 1.0), (32, 1.0), (33, 0.0)])
def test_black_counts_every_pixel_up_to_and_including_the_black_level(level, black):
    from text_recognizer.validation.image_stats import BLACK_LEVEL

    assert BLACK_LEVEL == 32
    gray = np.full((10, 10), 250, dtype=np.uint8)
    gray[:5] = level
    assert gray_statistics(gray)["black_fraction"] == pytest.approx(black / 2)


def test_stats_of_a_file_include_its_hash_size_and_mode(tmp_path):
    data = _write(tmp_path / "a.png", _page(2))

    stats = compute_image_stats(tmp_path / "a.png")

    assert stats.file_sha256 == hashlib.sha256(data).hexdigest()
    assert (stats.image_width, stats.image_height, stats.mode, stats.bit_depth) == (
        200,
        120,
        "L",
        8,
    )
    assert stats.decodable and 0 < stats.ink_fraction < 0.5


def test_missing_file_is_reported_not_raised(tmp_path):
    stats = compute_image_stats(tmp_path / "absent.png")

    assert stats.file_exists is False and stats.decodable is None and stats.file_sha256 is None


def test_truncated_png_is_hashed_but_not_decodable(tmp_path):
    data = _write(tmp_path / "a.png", _page(2))
    (tmp_path / "a.png").write_bytes(data[: len(data) // 2])

    stats = compute_image_stats(tmp_path / "a.png")

    assert stats.file_exists and stats.file_sha256 and stats.decodable is False
    assert stats.decode_error and stats.ink_fraction is None


def test_wide_and_transparent_images_get_the_statistics_of_their_8_bit_twin(tmp_path):
    page = _page(2)
    _write(tmp_path / "l.png", page)
    _write(tmp_path / "w.png", Image.fromarray(page.astype(np.uint16) * 257))
    _write(tmp_path / "a.png", Image.fromarray(page).convert("RGBA"))

    base, wide, alpha = (compute_image_stats(tmp_path / f"{n}.png") for n in "lwa")

    assert (wide.mode, wide.bit_depth, alpha.mode) == ("I;16", 16, "RGBA")
    for other in (wide, alpha):
        assert other.ink_fraction == base.ink_fraction
        assert other.mean_intensity == pytest.approx(base.mean_intensity, abs=1e-3)


def test_parallel_statistics_equal_serial_ones_in_input_order(tmp_path, monkeypatch):
    import text_recognizer.validation.image_stats as image_stats

    paths = []
    for index in range(6):
        paths.append(tmp_path / f"{index}.png")
        _write(paths[-1], _page(1 + index % 3))
    monkeypatch.setattr(image_stats, "MIN_IMAGES_FOR_POOL", 2)

    assert compute_all_stats(paths, rows=True, workers=2) == compute_all_stats(
        paths, rows=True, workers=1
    )
