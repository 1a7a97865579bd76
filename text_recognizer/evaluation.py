"""Score a staged model on a data set folder: CER and WER over one split, as training does.

The recognizer reads the images from disk exactly as a user's files would be read, so this
measures the deployed path (decoding, preprocessing, batching), not the training loop. Rates are
also kept per writer: a synthetic test split is written by held-out fonts, and one font the model
cannot read hides behind a tolerable mean. Confidences are checked against accuracies
(:mod:`text_recognizer.calibration`): a model that is wrong and sure of itself is the worst kind.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, Sequence

from text_recognizer.calibration import assess
from text_recognizer.data.fonts import LEGACY_TEST_WRITERS
from text_recognizer.data.manifest import SPLITS, read_manifest
from text_recognizer.errors import ManifestError
from text_recognizer.metrics import character_error_rate, word_error_rate
from text_recognizer.prediction import Prediction

#: Above this many writers (IAM's test split has hundreds) reports list none one by one.
MAX_WRITER_ROWS = 30
LEGACY_GROUP = "writers held out before synthetic-2.0 (" + ", ".join(LEGACY_TEST_WRITERS) + ")"


@dataclass(frozen=True)
class WriterScore:
    """Corpus-level error rates of a set of samples (one writer's, in :class:`Evaluation`)."""

    samples: int
    cer: float
    wer: float


@dataclass(frozen=True)
class Evaluation:
    """Corpus-level error rates of one split (see :mod:`text_recognizer.metrics`)."""

    data: str
    split: str
    kind: str
    samples: int
    cer: float
    wer: float
    mean_confidence: float
    seconds_per_sample: float
    model_version: str
    #: Rates per writer (font or person), by writer name; "" for records without a writer.
    by_writer: dict[str, WriterScore]
    #: Writers the data set says were kept out of training (a synthetic set's held-out fonts).
    held_out_writers: tuple[str, ...]
    #: How well confidences match accuracies (line and character ECE, reliability bins).
    calibration: dict[str, Any] = field(default_factory=dict)
    #: Rates over named groups of writers: the writers held out before the library grew
    #: (:data:`text_recognizer.data.fonts.LEGACY_TEST_WRITERS`), comparable with older models.
    by_group: dict[str, WriterScore] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _score(predictions: list[str], references: list[str]) -> WriterScore:
    """Corpus-level CER/WER of aligned predictions and references."""
    return WriterScore(
        len(references),
        character_error_rate(predictions, references),
        word_error_rate(predictions, references),
    )


class FileRecognizer(Protocol):
    """What :func:`evaluate_folder` needs: predictions for image files, and a version to report
    (a :class:`~text_recognizer.recognizer.Recognizer`, or a test double)."""

    model_version: str

    def predict_batch(
        self, images: Sequence[str | os.PathLike], mode: str = "auto"
    ) -> list[Prediction]: ...


def evaluate_folder(
    recognizer: FileRecognizer,
    data_dir: str | os.PathLike,
    split: str = "test",
    limit: int | None = None,
    batch_size: int = 16,
) -> Evaluation:
    """CER/WER of ``recognizer`` on ``split`` of the manifest folder ``data_dir``.

    ``seconds_per_sample`` times the transcription alone, not the scoring.
    """
    if split not in SPLITS:
        raise ManifestError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")
    manifest = read_manifest(data_dir)
    records = [record for record in manifest.records if record.split == split]
    if limit is not None:
        records = records[:limit]
    if not records:
        raise ManifestError(f"{data_dir} has no {split!r} samples to evaluate")
    predicted: list[str] = []
    confidences: list[float] = []
    char_confidences: list[list[float]] = []
    started = time.perf_counter()
    for start in range(0, len(records), batch_size):
        chunk = records[start : start + batch_size]
        paths = [manifest.root / record.path for record in chunk]
        predictions = recognizer.predict_batch(paths, mode=manifest.kind)
        predicted += [p.text for p in predictions]
        confidences += [p.confidence for p in predictions]
        char_confidences += [p.char_confidences for p in predictions]
    seconds = time.perf_counter() - started
    truths = [record.text for record in records]
    overall = _score(predicted, truths)
    calibration = assess(
        [text.replace("\n", "") for text in predicted],
        confidences,
        [
            [c for c, char in zip(cs, text) if char != "\n"]
            for cs, text in zip(char_confidences, predicted)
        ],
        [truth.replace("\n", "") for truth in truths],
    )
    positions_by_writer: dict[str, list[int]] = defaultdict(list)  # indices into ``records``
    for position, record in enumerate(records):
        positions_by_writer[record.writer].append(position)
    legacy = [i for i, record in enumerate(records) if record.writer in LEGACY_TEST_WRITERS]
    groups = {}
    if legacy and len(legacy) < len(records):
        groups[LEGACY_GROUP] = _score([predicted[i] for i in legacy], [truths[i] for i in legacy])
    return Evaluation(
        data=str(data_dir),
        split=split,
        kind=manifest.kind,
        samples=len(records),
        cer=overall.cer,
        wer=overall.wer,
        mean_confidence=sum(confidences) / len(confidences),
        seconds_per_sample=seconds / len(records),
        model_version=recognizer.model_version,
        by_writer={
            writer: _score([predicted[i] for i in positions], [records[i].text for i in positions])
            for writer, positions in sorted(positions_by_writer.items())
        },
        held_out_writers=tuple(manifest.metadata.get("held_out_writers") or ()),
        calibration=calibration.to_dict(),
        by_group=groups,
    )
