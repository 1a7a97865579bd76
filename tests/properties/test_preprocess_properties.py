"""Preprocessing properties not already pinned by tests/data/test_preprocess.py.

That file covers line aspect ratio and bounds, the paragraph fit, and collate/split round
trips; here: the ink normalization round trip and paragraph canvas bounds for any image.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from text_recognizer.data.preprocess import (
    LINE_HEIGHT,
    ink_tensor,
    paragraph_size_for,
    preprocess_line,
    preprocess_paragraph,
)

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from text_recognizer.testing.strategies import image_of_mode, image_sizes, pil_images  # noqa: E402


def gray_from_ink(ink: torch.Tensor) -> np.ndarray:
    """The inverse of the normalization: 8-bit gray levels of an ink tensor."""
    return np.rint((1.0 - ink[0].numpy()) * 255.0).astype(np.uint8)


@given(image_sizes(max_width=120, max_height=60), st.integers(0, 2**32 - 1))
def test_ink_normalization_round_trips_to_the_same_gray_levels(size, seed):
    gray = image_of_mode("L", size[0], size[1], seed)
    ink = ink_tensor(gray)
    assert ink.dtype == torch.float32 and 0.0 <= float(ink.min()) and float(ink.max()) <= 1.0
    assert np.array_equal(gray_from_ink(ink), np.asarray(gray))


@given(st.integers(1, 400), st.integers(0, 2**32 - 1))
def test_a_line_already_at_model_height_round_trips_through_preprocessing(width, seed):
    gray = image_of_mode("L", width, LINE_HEIGHT, seed)
    assert np.array_equal(gray_from_ink(preprocess_line(gray)), np.asarray(gray))


@given(pil_images(max_width=160, max_height=160))
def test_any_image_becomes_a_bounded_canvas_with_paper_outside_the_fitted_area(image):
    canvas = preprocess_paragraph(image)
    width, height = paragraph_size_for(image.width, image.height)
    assert 0.0 <= float(canvas.min()) and float(canvas.max()) <= 1.0
    assert float(canvas[:, height:, :].abs().sum()) == 0.0
    assert float(canvas[:, :, width:].abs().sum()) == 0.0


def test_white_paper_is_zero_ink_and_black_is_one():
    assert float(ink_tensor(Image.new("L", (3, 3), 255)).max()) == 0.0
    assert float(ink_tensor(Image.new("L", (3, 3), 0)).min()) == 1.0
