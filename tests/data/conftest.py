"""Fixtures shared by the data tests: a small ink mask for the augmentation modules."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def mask() -> np.ndarray:
    """A small ink mask: two strokes, 3 px wide, ink 255 on 0."""
    canvas = np.zeros((30, 60), dtype=np.uint8)
    canvas[5:25, 10:13] = 255
    canvas[12:15, 20:50] = 255
    return canvas
