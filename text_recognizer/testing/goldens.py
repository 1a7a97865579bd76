"""Golden transcriptions of the fixed samples, compared by CER, and their recorded regeneration.

A golden file pins what the default staged model reads on each fixed sample. A new run fails
when a transcription drifts from its golden by more than the sample's CER ``tolerance``, when a
sample marked ``stable`` (transcribed exactly right when the golden was made) is no longer
exact, or when the set's mean CER against the ground truth rises past the recorded value plus
``margin``. Comparing by edit distance, not string equality, lets a tolerance absorb a single
flipped character of an uncertain sample while still catching real regressions.

Goldens move only deliberately: :func:`~text_recognizer.testing.regenerate.regenerate_goldens`
(``pytest tests/regression
--regen-goldens --regen-reason "..."`` or ``text-recognizer regress goldens --reason "..."``)
rewrites them and appends to ``CHANGELOG.md`` beside them the old and new metrics, the model
versions, the changed samples and the reason, so a reviewer sees why a golden moved.
"""

from __future__ import annotations

import datetime
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from text_recognizer.errors import GoldenError, StagedModelError
from text_recognizer.metrics import character_error_rate, inline_diff
from text_recognizer.provenance import git_revision
from text_recognizer.testing.changelog import REGENERATE_CLI, REGENERATE_COMMAND, clip
from text_recognizer.testing.fixed_samples import FixedSample

TRANSCRIPTIONS_FILE = "transcriptions.json"
GOLDENS_FORMAT = 1
#: Largest CER between a new transcription and its golden before the sample fails.
DEFAULT_TOLERANCE = 0.05
#: How far the mean CER against ground truth may rise above the recorded value.
DEFAULT_MEAN_MARGIN = 0.02
#: With this set to 1 and no default model staged, model-bound regression tests skip.
ALLOW_NO_MODEL_ENV = "TEXT_RECOGNIZER_ALLOW_NO_MODEL"
STAGE_COMMAND = (
    "text-recognizer stage CKPT --out text_recognizer/artifacts/default/lines "
    "(and .../paragraphs for a paragraph checkpoint)"
)


def default_model_dir() -> Path:
    """The packaged default model folder that :meth:`Recognizer.load` reads without a path."""
    from text_recognizer.staging import DEFAULT_MODEL_DIR

    return DEFAULT_MODEL_DIR


def require_staged_model(path: str | os.PathLike | None = None) -> Path:
    """``path`` (default: the packaged model) if it holds a staged model, else a clear error."""
    from text_recognizer.staging import staged_folders

    folder = default_model_dir() if path is None else Path(path)
    try:
        staged_folders(folder)
    except StagedModelError as error:
        raise GoldenError(f"no default model staged: run `{STAGE_COMMAND}` ({error})") from None
    return folder


@dataclass(frozen=True)
class GoldenTranscription:
    """What the model read on one sample when the golden was made, and how strictly to hold it."""

    id: str
    prediction: str
    cer_to_truth: float
    tolerance: float = DEFAULT_TOLERANCE
    stable: bool = False


@dataclass(frozen=True)
class TranscriptionGoldens:
    """The golden file: per-sample transcriptions plus the set's mean CER and its margin."""

    model_version: str
    mean_cer: float
    margin: float
    samples: dict[str, GoldenTranscription]
    created: str = ""
    git_revision: str = ""
    reason: str = ""
    format: int = GOLDENS_FORMAT

    def to_json(self) -> str:
        payload = asdict(self)
        payload["samples"] = [asdict(golden) for golden in self.samples.values()]
        return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class TranscriptionMismatch:
    """One sample outside its golden's tolerance; :meth:`describe` is the readable diff."""

    id: str
    expected: str
    got: str
    truth: str
    cer: float
    tolerance: float
    stable: bool

    def describe(self) -> str:
        rule = "stable: must match exactly" if self.stable else f"tolerance {self.tolerance:.3f}"
        return (
            f"{self.id}: CER vs golden {self.cer:.3f} ({rule})\n"
            f"    expected: {self.expected!r}\n"
            f"    got:      {self.got!r}\n"
            f"    diff:     {inline_diff(self.expected, self.got)}\n"
            f"    truth:    {self.truth!r} (CER vs truth {character_error_rate(self.got, self.truth):.3f})"
        )


def compare_transcription(
    golden: GoldenTranscription, got: str, truth: str
) -> TranscriptionMismatch | None:
    """None when ``got`` is within the golden's tolerance (exact for a stable sample)."""
    cer = character_error_rate(got, golden.prediction)
    allowed = 0.0 if golden.stable else golden.tolerance
    if cer <= allowed + 1e-12:
        return None
    return TranscriptionMismatch(
        golden.id, golden.prediction, got, truth, cer, golden.tolerance, golden.stable
    )


def mean_cer(predictions: Mapping[str, str], samples: Sequence[FixedSample]) -> float:
    """Mean over the predicted samples of each prediction's CER against its ground truth."""
    samples = [sample for sample in samples if sample.id in predictions]
    if not samples:
        raise GoldenError("no samples to score")
    return sum(character_error_rate(predictions[s.id], s.text) for s in samples) / len(samples)


def transcribe(
    model_dir: str | os.PathLike, samples_dir: str | os.PathLike, samples: Sequence[FixedSample]
) -> tuple[dict[str, str], str]:
    """The staged model's greedy transcriptions (id -> text) and its version.

    Goes through :class:`Recognizer`, the deployed path, with each sample's kind forced so the
    line/paragraph guess of ``mode="auto"`` cannot move a golden. A lines-only model reads the
    paragraph samples by segmentation, as it would a user's page.
    """
    from text_recognizer.recognizer import Recognizer

    recognizer = Recognizer.load(model_dir)
    predictions: dict[str, str] = {}
    for kind in recognizer.readable_kinds:
        chosen = [s for s in samples if s.kind == kind]
        if chosen:
            paths = [Path(samples_dir) / s.file for s in chosen]
            for sample, item in zip(chosen, recognizer.predict_batch(paths, mode=kind)):
                predictions[sample.id] = item.text
    if not predictions:
        raise GoldenError(f"{model_dir} has no model for any kind of the fixed samples")
    return predictions, recognizer.model_version


def build_transcription_goldens(
    predictions: Mapping[str, str],
    samples: Sequence[FixedSample],
    model_version: str,
    reason: str,
    previous: TranscriptionGoldens | None = None,
) -> TranscriptionGoldens:
    """Goldens of ``predictions``. Hand-set tolerances and the margin of ``previous`` are kept;
    a sample is ``stable`` when the model reads it exactly right."""
    samples = [sample for sample in samples if sample.id in predictions]
    samples_out = {}
    for sample in samples:
        kept = previous.samples.get(sample.id) if previous else None
        prediction = predictions[sample.id]
        samples_out[sample.id] = GoldenTranscription(
            id=sample.id,
            prediction=prediction,
            cer_to_truth=round(character_error_rate(prediction, sample.text), 6),
            tolerance=kept.tolerance if kept else DEFAULT_TOLERANCE,
            stable=prediction == sample.text,
        )
    return TranscriptionGoldens(
        model_version=model_version,
        mean_cer=round(mean_cer(predictions, samples), 6),
        margin=previous.margin if previous else DEFAULT_MEAN_MARGIN,
        samples=samples_out,
        created=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        git_revision=git_revision(short=True),
        reason=reason,
    )


def read_transcription_goldens(path: str | os.PathLike) -> TranscriptionGoldens:
    """Read a golden file; a missing one is an error naming the regeneration command."""
    path = Path(path)
    if not path.is_file():
        raise GoldenError(
            f"golden file {path} is missing: create it deliberately with `{REGENERATE_COMMAND}` "
            f"(or `{REGENERATE_CLI}`)"
        )
    try:
        payload: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        goldens = [GoldenTranscription(**item) for item in payload.pop("samples")]
        return TranscriptionGoldens(**payload, samples={golden.id: golden for golden in goldens})
    except (ValueError, KeyError, TypeError) as error:
        raise GoldenError(
            f"golden file {path} is malformed ({error}): regenerate with `{REGENERATE_COMMAND}`"
        ) from None


def transcription_changes(
    old: TranscriptionGoldens | None, new: TranscriptionGoldens, truths: Mapping[str, str]
) -> list[str]:
    """One readable line per sample whose golden prediction changed, appeared or vanished."""
    changes = []
    old_samples = old.samples if old else {}
    for sample_id, golden in new.samples.items():
        before = old_samples.get(sample_id)
        if before is None:
            changes.append(f"{sample_id}: new golden {clip(repr(golden.prediction))}")
        elif before.prediction != golden.prediction:
            changes.append(
                f"{sample_id}: {clip(inline_diff(before.prediction, golden.prediction))} "
                f"(CER vs truth {before.cer_to_truth:.3f} -> {golden.cer_to_truth:.3f})"
            )
    changes += [f"{gone}: removed" for gone in sorted(set(old_samples) - set(new.samples))]
    return changes
