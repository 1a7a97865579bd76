"""Re-checking a loss-ranked suite: every frozen example re-scored with a staged model, failing
one whose loss or CER rose past its stored value plus the suite's margins, reported overall and
per tag; and re-recording the stored values deliberately (:func:`refreeze`)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from text_recognizer.io import atomic_write_text
from text_recognizer.testing.changelog import ChangelogEntry
from text_recognizer.testing.loss_ranked import (
    FrozenExample,
    LossRankedSuite,
    load_frozen_images,
    now_utc,
    read_suite,
)
from text_recognizer.testing.loss_ranked_scoring import Score, load_kind, score_images


@dataclass(frozen=True)
class ExampleCheck:
    """One frozen example re-scored."""

    example: FrozenExample
    score: Score
    loss_limit: float
    cer_limit: float

    @property
    def passed(self) -> bool:
        return self.score.loss <= self.loss_limit and self.score.cer <= self.cer_limit + 1e-12

    def describe(self) -> str:
        e, s = self.example, self.score
        return (
            f"{e.id} [{', '.join(e.tags) or 'untagged'}]: loss {e.loss:.4f} -> {s.loss:.4f} "
            f"(limit {self.loss_limit:.4f}), CER {e.cer:.3f} -> {s.cer:.3f} "
            f"(limit {self.cer_limit:.3f})\n    truth: {e.text!r}\n    was:   {e.prediction!r}\n"
            f"    now:   {s.prediction!r}"
        )


@dataclass(frozen=True)
class TagResult:
    """Per-suite (per-tag) outcome."""

    tag: str
    examples: int
    failed: int
    mean_loss: float
    mean_cer: float

    @property
    def failure_rate(self) -> float:
        return self.failed / self.examples if self.examples else 0.0


@dataclass(frozen=True)
class SuiteCheck:
    """Every frozen example re-scored, with the suite's and each tag's failure rate."""

    suite: LossRankedSuite
    checks: list[ExampleCheck]

    @property
    def failures(self) -> list[ExampleCheck]:
        return [check for check in self.checks if not check.passed]

    @property
    def failure_rate(self) -> float:
        return len(self.failures) / len(self.checks) if self.checks else 0.0

    @property
    def passed(self) -> bool:
        return self.failure_rate <= self.suite.max_failure_rate

    def by_tag(self) -> list[TagResult]:
        groups: dict[str, list[ExampleCheck]] = {"all": list(self.checks)}
        for check in self.checks:
            for tag in check.example.tags:
                groups.setdefault(tag, []).append(check)
        return [
            TagResult(
                tag,
                len(group),
                sum(not check.passed for check in group),
                sum(check.score.loss for check in group) / len(group),
                sum(check.score.cer for check in group) / len(group),
            )
            for tag, group in groups.items()
        ]

    def table(self) -> str:
        rows = [f"{'suite':<14} {'n':>4} {'failed':>6} {'rate':>6} {'loss':>8} {'CER':>6}"]
        rows += [
            f"{r.tag:<14} {r.examples:>4} {r.failed:>6} {100 * r.failure_rate:>5.1f}% "
            f"{r.mean_loss:>8.4f} {r.mean_cer:>6.3f}"
            for r in self.by_tag()
        ]
        return "\n".join(rows)

    def report(self) -> str:
        lines = [self.table()]
        if self.failures:
            lines.append(f"\n{len(self.failures)} frozen example(s) got worse:")
            lines += [check.describe() for check in self.failures]
        return "\n".join(lines)


def check_suite(
    suite_path: str | os.PathLike, model_dir: str | os.PathLike, batch_size: int = 16
) -> SuiteCheck:
    """Re-score every frozen example of the suite with ``model_dir``'s model of its kind."""
    suite = read_suite(suite_path)
    if not suite.examples:
        return SuiteCheck(suite, [])
    staged = load_kind(model_dir, suite.kind)
    images = load_frozen_images(suite_path, suite)
    scores = score_images(
        staged.model, suite.kind, images, [e.text for e in suite.examples], batch_size
    )
    return SuiteCheck(
        suite,
        [
            ExampleCheck(
                example,
                score,
                example.loss * (1 + suite.loss_rtol) + suite.loss_atol,
                example.cer + suite.cer_margin,
            )
            for example, score in zip(suite.examples, scores)
        ],
    )


def refreeze(
    suite_path: str | os.PathLike, model_dir: str | os.PathLike, reason: str
) -> ChangelogEntry:
    """Re-record the stored loss/prediction/CER of the same frozen examples with ``model_dir``.

    Returns the changelog entry (mean loss before and after). To pick new examples, mine again.
    """
    from text_recognizer.provenance import git_revision

    check = check_suite(suite_path, model_dir)
    old = check.suite
    examples = [
        replace(
            c.example,
            prediction=c.score.prediction,
            loss=round(c.score.loss, 6),
            cer=round(c.score.cer, 6),
        )
        for c in check.checks
    ]
    version = load_kind(model_dir, old.kind).version
    new = replace(
        old,
        examples=examples,
        model_version=version,
        created=now_utc(),
        git_revision=git_revision(short=True),
        reason=reason,
    )
    atomic_write_text(suite_path, new.to_json())
    changes = [
        f"{c.example.id}: loss {c.example.loss:.4f} -> {c.score.loss:.4f}, "
        f"CER {c.example.cer:.3f} -> {c.score.cer:.3f}"
        for c in check.checks
        if abs(c.example.loss - round(c.score.loss, 6)) > 1e-6
        or c.example.prediction != c.score.prediction
    ]
    return ChangelogEntry(
        file=Path(suite_path).name,
        reason=reason,
        metric="mean loss of the frozen examples",
        old_metric=_mean([e.loss for e in old.examples]),
        new_metric=_mean([e.loss for e in examples]),
        old_model=old.model_version,
        new_model=version,
        changes=changes,
    )


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0
