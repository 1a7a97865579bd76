"""What inference returns, shared by the recognizer, the CLI and the REST service."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, Sequence

from PIL import Image


@dataclass(frozen=True)
class Prediction:
    """A transcription with its confidence in [0, 1] (the model's probability of the text)."""

    text: str
    confidence: float
    kind: str  # "lines" or "paragraphs": which model produced it
    char_confidences: list[float] = field(default_factory=list)
    model_version: str = ""
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ImageRecognizer(Protocol):
    """Anything that turns images into predictions (the staged model, or a test double)."""

    model_version: str

    def predict(self, image: Image.Image, mode: str = "auto") -> Prediction: ...

    def predict_batch(
        self, images: Sequence[Image.Image], mode: str = "auto"
    ) -> list[Prediction]: ...
