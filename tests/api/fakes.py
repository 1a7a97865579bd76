"""A deterministic stand-in for the recognizer, and builders of encoded test images.

Imported as ``tests.api.fakes`` by the API tests, the live-server helper and the load test's own
test. The fake reads the image it gets (its size and ink), so a response proves the upload was
decoded and reached the model; optional delays and gates exercise the queue and batching.
"""

from __future__ import annotations

import io
import threading
import time
from typing import Callable, Sequence

import numpy as np
from PIL import Image

from text_recognizer.errors import InvalidImageError, ModelInputError
from text_recognizer.prediction import Prediction

#: What the recognizer receives: the documented spellings only (text_recognizer.modes.MODES).
RECOGNIZER_MODES = ("auto", "lines", "paragraphs")
#: Images this wide make the fake raise, to test error isolation and the 500 path.
INVALID_WIDTH = 13
CRASH_WIDTH = 17


class SizeReadingRecognizer:
    """Answers ``"<width>x<height>"`` with confidence = mean ink; records every call.

    ``delay_s`` sleeps in each model call (like a real model's latency); while ``gate`` is
    cleared, calls block until it is set (so a test can hold the model busy).
    """

    model_version = "fake-1"

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        #: Like a recognizer staged with a line model only.
        self.refuse_paragraphs = False
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()
        self.batch_sizes: list[int] = []
        self.modes: list[str] = []
        self.image_modes: list[str] = []
        self._lock = threading.Lock()

    def predict(self, image: Image.Image, mode: str = "auto") -> Prediction:
        return self.predict_batch([image], mode)[0]

    def predict_batch(self, images: Sequence[Image.Image], mode: str = "auto") -> list[Prediction]:
        if mode not in RECOGNIZER_MODES:
            raise ModelInputError(f"unknown mode {mode!r}; expected one of {RECOGNIZER_MODES}")
        if mode == "paragraphs" and self.refuse_paragraphs:
            raise ModelInputError("mode 'paragraphs' asked for, but only lines model(s) are staged")
        with self._lock:
            self.batch_sizes.append(len(images))
            self.modes.append(mode)
            self.image_modes.extend(image.mode for image in images)
        self.entered.set()
        self.gate.wait(timeout=10)
        if self.delay_s:
            time.sleep(self.delay_s)
        for image in images:
            if image.width == INVALID_WIDTH:
                raise InvalidImageError(
                    f"image is {INVALID_WIDTH} pixels wide, which the fake refuses"
                )
            if image.width == CRASH_WIDTH:
                raise RuntimeError("secret internal detail /srv/model.pt")
        return [self._read(image, mode) for image in images]

    def _read(self, image: Image.Image, mode: str) -> Prediction:
        ink = 1.0 - float(np.asarray(image.convert("L"), dtype=np.float32).mean()) / 255.0
        kind = "paragraphs" if mode == "paragraphs" else "lines"
        return Prediction(
            text=f"{image.width}x{image.height}",
            confidence=round(ink, 6),
            kind=kind,
            model_version=self.model_version,
            seconds=self.delay_s,
        )


def encoded_image(
    width: int = 60, height: int = 20, fmt: str = "PNG", mode: str = "RGB", ink: int = 0
) -> bytes:
    """An image file of the given size: white paper with a dark bar of gray level ``ink``."""
    gray = Image.new("L", (width, height), 255)
    gray.paste(ink, (width // 4, height // 3, max(width // 4 + 1, 3 * width // 4), 2 * height // 3))
    image = gray.convert(mode) if mode not in ("I;16", "F", "I") else _wide(gray, mode)
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def _wide(gray: Image.Image, mode: str) -> Image.Image:
    values = np.asarray(gray, dtype=np.float32)
    if mode == "F":
        return Image.fromarray(values / 255.0, mode="F")
    return Image.fromarray((values * 257).astype(np.uint16)).convert(mode)


def wait_until(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    """Poll ``condition`` until it holds; raise AssertionError if it never does."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition did not hold within {timeout_s} s")
        time.sleep(0.002)
