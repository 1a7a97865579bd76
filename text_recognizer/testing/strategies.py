"""Hypothesis strategies for images, labels and preprocessed samples, reusable by users' tests.

hypothesis is a test-only dependency, so this module imports without it (the doctest run imports
every module) and raises a clear error only when a strategy is requested. Pixel content comes
from a numpy generator seeded by hypothesis: drawing pixels one by one would be far too slow,
and the properties under test concern sizes, modes and bookkeeping rather than pixel values.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch
from PIL import Image

from text_recognizer.data.preprocess import (
    LINE_HEIGHT,
    LINE_MAX_WIDTH,
    MAX_ASPECT_RATIO,
    MAX_LINE_CHARS,
    MAX_PARAGRAPH_CHARS,
    PARAGRAPH_HEIGHT,
    PARAGRAPH_WIDTH,
    Sample,
)
from text_recognizer.vocab import DEFAULT_VOCABULARY, NEWLINE, Vocabulary

try:
    from hypothesis import strategies as _st
except ImportError:  # pragma: no cover - exercised only without the dev extra
    _st = None  # type: ignore[assignment]

#: Every PIL mode an uploaded or scanned image plausibly has, 16-bit and alpha included.
IMAGE_MODES: tuple[str, ...] = (
    "1",
    "L",
    "LA",
    "La",
    "P",
    "PA",
    "RGB",
    "RGBA",
    "RGBa",
    "CMYK",
    "YCbCr",
    "I",
    "I;16",
    "I;16B",
    "F",
)


def _strategies() -> Any:
    if _st is None:
        raise ImportError(
            "text_recognizer.testing.strategies needs hypothesis: "
            "pip install hypothesis (or the project's dev extra)"
        )
    return _st


def image_sizes(
    min_side: int = 1,
    max_width: int = 64,
    max_height: int = 64,
    max_aspect: float = MAX_ASPECT_RATIO,
) -> Any:
    """``(width, height)`` pairs whose aspect ratio the preprocessor accepts."""
    st = _strategies()
    return st.tuples(st.integers(min_side, max_width), st.integers(min_side, max_height)).filter(
        lambda size: max(size[0] / size[1], size[1] / size[0]) <= max_aspect
    )


def image_of_mode(mode: str, width: int, height: int, seed: int) -> Image.Image:
    """A random image of ``mode``: 8-bit modes via RGBA, wide modes from their own dtype."""
    rng = np.random.default_rng(seed)
    if mode.startswith("I;16"):
        values = rng.integers(0, 65536, size=(height, width), dtype=np.uint16)
        return Image.fromarray(values).convert(mode) if mode != "I;16" else Image.fromarray(values)
    if mode == "I":
        return Image.fromarray(rng.integers(0, 65536, size=(height, width), dtype=np.int32))
    if mode == "F":
        return Image.fromarray(rng.random(size=(height, width), dtype=np.float32))
    rgba = Image.fromarray(rng.integers(0, 256, size=(height, width, 4), dtype=np.uint8))
    if mode == "La":
        return rgba.convert("LA").convert("La")
    if mode in ("RGBA", "RGBa", "LA", "PA"):
        return rgba.convert(mode)
    return rgba.convert("RGB").convert(mode)


def pil_images(
    modes: Sequence[str] = IMAGE_MODES,
    min_side: int = 1,
    max_width: int = 64,
    max_height: int = 64,
) -> Any:
    """PIL images of any of ``modes`` and any accepted size up to the given bounds."""
    st = _strategies()
    return st.builds(
        lambda mode, size, seed: image_of_mode(mode, size[0], size[1], seed),
        st.sampled_from(list(modes)),
        image_sizes(min_side, max_width, max_height),
        st.integers(0, 2**32 - 1),
    )


def label_texts(
    kind: str = "lines",
    vocab: Vocabulary = DEFAULT_VOCABULARY,
    min_size: int = 0,
    max_size: int | None = None,
) -> Any:
    """Labels over ``vocab``'s characters; newlines only in paragraphs; at most the kind's limit."""
    st = _strategies()
    alphabet = vocab.characters if kind == "paragraphs" else vocab.characters.replace(NEWLINE, "")
    limit = MAX_PARAGRAPH_CHARS if kind == "paragraphs" else MAX_LINE_CHARS
    return st.text(
        alphabet=alphabet, min_size=min_size, max_size=limit if max_size is None else max_size
    )


def samples(kind: str = "lines", max_width: int = LINE_MAX_WIDTH) -> Any:
    """Preprocessed-looking samples: ink tensors of the kind's shape, a label and an id.

    Line widths range over ``1..max_width``; paragraphs are full canvases.
    """
    st = _strategies()
    if kind == "paragraphs":
        shapes = st.just((PARAGRAPH_HEIGHT, PARAGRAPH_WIDTH))
    else:
        shapes = st.integers(1, max_width).map(lambda width: (LINE_HEIGHT, width))

    def build(shape: tuple[int, int], seed: int, text: str, sample_id: str) -> Sample:
        generator = torch.Generator().manual_seed(seed)
        height, width = shape
        # Distinct rows and columns at a fraction of the cost of a full random canvas.
        rows = torch.rand(1, height, 1, generator=generator)
        columns = torch.rand(1, 1, width, generator=generator)
        return Sample(image=(rows + columns) / 2, text=text, id=sample_id)

    return st.builds(
        build,
        shapes,
        st.integers(0, 2**32 - 1),
        label_texts(kind, max_size=40),
        st.text(min_size=1, max_size=12),
    )


def sample_lists(kind: str = "lines", min_size: int = 1, max_size: int = 8, **kwargs: Any) -> Any:
    """Non-empty lists of :func:`samples` with distinct ids, as a loader would batch them."""
    st = _strategies()
    return st.lists(
        samples(kind, **kwargs),
        min_size=min_size,
        max_size=max_size,
        unique_by=lambda sample: sample["id"],
    )
