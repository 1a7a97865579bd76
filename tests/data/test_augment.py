"""Augmentations: shapes and dtypes as documented, deterministic under a seed, and each does
the one thing its name says."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from text_recognizer.data import augment


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def test_dilate_thickens_and_erode_thins_without_changing_shape(mask: np.ndarray) -> None:
    thick, thin = augment.dilate(mask), augment.erode(mask)
    assert thick.shape == thin.shape == mask.shape
    assert thick.dtype == thin.dtype == np.uint8
    assert (thick >= mask).all() and (thick > 0).sum() > (mask > 0).sum()
    assert (thin <= mask).all() and 0 < (thin > 0).sum() < (mask > 0).sum()


def test_dilation_matches_pils_max_filter(mask: np.ndarray) -> None:
    from PIL import ImageFilter

    expected = np.asarray(Image.fromarray(mask).filter(ImageFilter.MaxFilter(3)))
    np.testing.assert_array_equal(augment.dilate(mask), expected)


def test_stroke_thickness_measures_the_pen_width(mask: np.ndarray) -> None:
    assert augment.stroke_thickness(mask) == pytest.approx(3.0, rel=0.25)
    assert augment.stroke_thickness(np.zeros((5, 5), np.uint8)) == 0.0


@pytest.mark.parametrize("pen_change", [-1, 0, 1])
def test_adjust_stroke_keeps_shape_and_dtype(mask: np.ndarray, pen_change: int) -> None:
    adjusted = augment.adjust_stroke(mask, pen_change, thickness=3.0, x_height=30.0)
    assert adjusted.shape == mask.shape and adjusted.dtype == np.uint8
    ink, before = int(adjusted.astype(int).sum()), int(mask.astype(int).sum())
    assert np.sign(ink - before) == pen_change


def test_warp_without_distortion_only_pads(mask: np.ndarray) -> None:
    warped = augment.warp(mask, rng(), slant=0.0, rotation_degrees=0.0, elastic=0.0, cell=10)
    assert warped.shape == (mask.shape[0] + 4, mask.shape[1] + 4)
    np.testing.assert_array_equal(warped[2:-2, 2:-2], mask)


def test_warp_slant_shears_the_top_to_the_right(mask: np.ndarray) -> None:
    warped = augment.warp(mask, rng(), slant=0.5, rotation_degrees=0.0, elastic=0.0, cell=10)
    vertical = warped[:, : warped.shape[1] // 2 - 5]  # the vertical stroke's neighbourhood
    columns_top = np.flatnonzero(vertical[8] > 127)
    columns_bottom = np.flatnonzero(vertical[-8] > 127)
    assert columns_top.mean() > columns_bottom.mean() + 5


def test_warp_keeps_the_ink_and_grows_to_fit_it(mask: np.ndarray) -> None:
    warped = augment.warp(mask, rng(), slant=0.3, rotation_degrees=3.0, elastic=1.5, cell=10)
    assert warped.dtype == np.uint8
    assert warped.shape[0] >= mask.shape[0] and warped.shape[1] > mask.shape[1]
    assert warped.astype(float).sum() == pytest.approx(mask.astype(float).sum(), rel=0.1)


def test_warp_is_deterministic_for_a_seed(mask: np.ndarray) -> None:
    args = dict(slant=0.2, rotation_degrees=1.0, elastic=2.0, cell=8)
    first = augment.warp(mask, rng(3), **args)
    np.testing.assert_array_equal(first, augment.warp(mask, rng(3), **args))
    assert not np.array_equal(first, augment.warp(mask, rng(4), **args))


def test_crop_to_ink_leaves_exactly_the_margins(mask: np.ndarray) -> None:
    cropped, first_row = augment.crop_to_ink(mask, (1, 2, 3, 4))
    assert cropped.shape == (20 + 2 + 4, 40 + 1 + 3)
    assert first_row == 5 - 2
    assert augment.ink_box(cropped) == (2, 22, 1, 41)


def test_crop_margins_beyond_the_mask_are_blank_paper(mask: np.ndarray) -> None:
    cropped, first_row = augment.crop_to_ink(mask, 8)
    assert first_row == -3
    assert cropped.shape == (36, 56)
    assert cropped[:3].max() == 0


def test_baseline_offsets_follow_the_positions(mask: np.ndarray) -> None:
    offsets = augment.baseline_offsets(rng(), np.arange(50.0), amplitude=2.0, jitter=0.0)
    assert offsets.shape == (50,)
    assert np.abs(offsets).max() <= 2.0
    assert np.abs(np.diff(offsets)).max() < 0.2  # a slow drift, not a jump


def test_a_smooth_field_stays_in_its_range_and_varies_slowly() -> None:
    field = augment.smooth_field(rng(), (40, 200), cell=20.0, low=0.6, high=1.0)
    assert field.shape == (40, 200)
    assert 0.6 <= field.min() and field.max() <= 1.0 and field.std() > 0.01
    assert np.abs(np.diff(field, axis=1)).max() < 0.05


def test_pen_lifts_only_remove_ink(mask: np.ndarray) -> None:
    broken = augment.pen_lifts(mask, rng(), count=3, radius=2.0)
    assert broken.shape == mask.shape and (broken <= mask).all()
    assert 0 < (mask > 0).sum() - (broken > 0).sum() <= 3 * 13  # at most 3 discs of radius 2


def test_no_pen_lifts_leave_the_mask_alone(mask: np.ndarray) -> None:
    assert augment.pen_lifts(mask, rng(), count=0, radius=2.0) is mask


def test_an_empty_range_draws_its_low_end() -> None:
    assert augment.uniform(rng(), (0.5, 0.5)) == 0.5
    assert 1.0 <= augment.uniform(rng(), (1.0, 2.0)) < 2.0
