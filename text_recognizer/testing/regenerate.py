"""Regenerate every golden at once, deliberately and with a reason: transcription goldens,
numeric goldens and (when given) a loss-ranked suite's recorded losses, each logged to the
changelog. The one module that knows all three kinds, so none of them imports another.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from text_recognizer.errors import GoldenError
from text_recognizer.io import atomic_write_text
from text_recognizer.testing import loss_ranked_check, numeric_goldens
from text_recognizer.testing.changelog import ChangelogEntry, append_changelog
from text_recognizer.testing.fixed_samples import read_fixed_samples
from text_recognizer.testing.goldens import (
    TRANSCRIPTIONS_FILE,
    build_transcription_goldens,
    read_transcription_goldens,
    require_staged_model,
    transcribe,
    transcription_changes,
)


@dataclass(frozen=True)
class RegenerationReport:
    """What :func:`regenerate_goldens` wrote."""

    files: list[Path]
    entries: list[ChangelogEntry]
    changelog: Path


def regenerate_goldens(
    reason: str,
    samples_dir: str | os.PathLike,
    goldens_dir: str | os.PathLike,
    model_dir: str | os.PathLike | None = None,
    suite_file: str | os.PathLike | None = None,
) -> RegenerationReport:
    """Rewrite the transcription and numeric goldens (and re-record a loss-ranked suite's
    stored losses when ``suite_file`` exists) with ``model_dir``; log each change."""
    if not reason or not reason.strip():
        raise GoldenError("regenerating goldens needs a reason (--regen-reason / --reason)")
    model_dir = require_staged_model(model_dir)
    goldens_dir = Path(goldens_dir)
    samples = read_fixed_samples(samples_dir)
    path = goldens_dir / TRANSCRIPTIONS_FILE
    previous = read_transcription_goldens(path) if path.is_file() else None
    predictions, version = transcribe(model_dir, samples_dir, samples)
    goldens = build_transcription_goldens(predictions, samples, version, reason, previous)
    atomic_write_text(path, goldens.to_json())
    entries = [
        ChangelogEntry(
            file=path.name,
            reason=reason,
            metric="mean CER vs ground truth",
            old_metric=previous.mean_cer if previous else None,
            new_metric=goldens.mean_cer,
            old_model=previous.model_version if previous else None,
            new_model=goldens.model_version,
            changes=transcription_changes(previous, goldens, {s.id: s.text for s in samples}),
        )
    ]
    files = [path]
    numeric_path, numeric_entry = numeric_goldens.regenerate(
        reason, model_dir, samples_dir, samples, goldens_dir
    )
    files.append(numeric_path)
    entries.append(numeric_entry)
    if suite_file is not None and Path(suite_file).is_file():
        entries.append(loss_ranked_check.refreeze(suite_file, model_dir, reason))
        files.append(Path(suite_file))
    changelog = append_changelog(goldens_dir, entries)
    return RegenerationReport(files, entries, changelog)
