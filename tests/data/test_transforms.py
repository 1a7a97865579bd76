"""Specification of the train-time augmentation of finished images."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from text_recognizer.data.transforms import ImageAugmentation


@pytest.fixture
def line_image() -> Image.Image:
    image = Image.new("L", (120, 30), 240)
    ImageDraw.Draw(image).text((5, 8), "Hello, world", fill=20)
    return image


def ink(image: Image.Image, paper: float = 240.0) -> float:
    """Total darkness below the fixture's paper level."""
    return float(np.clip(paper - np.asarray(image, dtype=np.float32), 0, None).sum())


def test_augmentation_is_reproducible_from_torch_seed(line_image):
    torch.manual_seed(4)
    first = ImageAugmentation()(line_image)
    torch.manual_seed(4)
    assert ImageAugmentation()(line_image).tobytes() == first.tobytes()


def test_augmentation_varies_between_calls(line_image):
    augment = ImageAugmentation()
    assert augment(line_image).tobytes() != augment(line_image).tobytes()


def test_geometry_keeps_the_ink_on_the_canvas(line_image):
    """Rotation and shear preserve area and stretch scales it by at most 10%: no ink is cut."""
    geometry_only = ImageAugmentation(
        contrast=(1, 1), brightness=(0, 0), blur_probability=0.0, noise_sigma=(0, 0)
    )
    for _ in range(5):
        out = geometry_only(line_image)
        assert out.mode == "L"
        assert 0.85 * ink(line_image) < ink(out) < 1.15 * ink(line_image)


def test_augmentation_refuses_images_that_are_not_grayscale(line_image):
    with pytest.raises(ValueError, match="expects an 'L' image"):
        ImageAugmentation()(line_image.convert("RGB"))


@pytest.mark.parametrize("probability", [0.0, 0.25, 1.0])
def test_blur_strikes_with_its_configured_probability(line_image, probability):
    """Only the blur can change the image here, so the share of changed images is its rate."""
    blur_only = ImageAugmentation((0, 0), (0, 0), (1, 1), (1, 1), (0, 0), probability, (0, 0))
    torch.manual_seed(0)
    draws = 200
    changed = sum(blur_only(line_image).tobytes() != line_image.tobytes() for _ in range(draws))
    assert abs(changed / draws - probability) < 0.08
