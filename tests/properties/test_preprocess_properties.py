"""Preprocessing properties not already pinned by tests/data/test_preprocess.py.

That file covers line aspect ratio and bounds, the paragraph fit, and collate/split round
trips; here: the ink normalization round trip, paragraph canvas bounds for any image, and the
page normalisation's invariances on text-like images: the tensor a model sees does not depend
on the margins around the writing, nor on whether ink is darker or lighter than the paper.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from text_recognizer.data.preprocess import (
    PARAGRAPH_MARGIN,
    ink_tensor,
    page_of,
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


@st.composite
def text_like_lines(draw) -> np.ndarray:
    """Paper of any tone with dark strokes (bars 2-6 px wide) along a text band."""
    width = draw(st.integers(120, 480))
    height = draw(st.integers(30, 90))
    paper = draw(st.integers(150, 255))
    ink = draw(st.integers(0, paper - 90))
    gray = np.full((height, width), paper, dtype=np.uint8)
    top = draw(st.integers(2, height // 3))
    bottom = draw(st.integers(top + 10, height - 2))
    left = 8
    for _ in range(draw(st.integers(3, 12))):
        stroke = draw(st.integers(2, 6))
        if left + stroke >= width - 8:
            break
        low = draw(st.integers(top, (top + bottom) // 2))
        gray[low:bottom, left : left + stroke] = ink
        left += stroke + draw(st.integers(4, 30))
    return gray


def mean_difference(a: torch.Tensor, b: torch.Tensor) -> float:
    assert a.shape == b.shape
    return float((a - b).abs().mean())


@given(text_like_lines(), st.integers(0, 60), st.integers(0, 60))
def test_margins_around_a_line_do_not_change_what_the_model_sees(gray, extra_x, extra_y):
    padded = np.pad(gray, ((extra_y, extra_y // 2), (extra_x // 2, extra_x)), mode="edge")
    before = preprocess_line(Image.fromarray(gray))
    after = preprocess_line(Image.fromarray(padded))
    assert mean_difference(before, after) < 0.02


@given(text_like_lines())
def test_a_line_and_its_inverse_give_the_same_model_input(gray):
    plain = preprocess_line(Image.fromarray(gray))
    inverse = preprocess_line(Image.fromarray(255 - gray))
    assert mean_difference(plain, inverse) < 0.02


@given(pil_images(max_width=160, max_height=160))
def test_any_image_becomes_a_bounded_canvas_with_paper_outside_the_fitted_area(image):
    canvas = preprocess_paragraph(image)
    block = page_of(image).crop(PARAGRAPH_MARGIN)
    width, height = paragraph_size_for(block.shape[1], block.shape[0])
    assert 0.0 <= float(canvas.min()) and float(canvas.max()) <= 1.0
    assert float(canvas[:, height:, :].abs().sum()) == 0.0
    assert float(canvas[:, :, width:].abs().sum()) == 0.0


def test_white_paper_is_zero_ink_and_black_is_one():
    assert float(ink_tensor(Image.new("L", (3, 3), 255)).max()) == 0.0
    assert float(ink_tensor(Image.new("L", (3, 3), 0)).min()) == 1.0
