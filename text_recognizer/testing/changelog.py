"""The changelog of golden files: every deliberate regeneration appends why, from which git
revision and how the recorded metric moved, so a reviewer sees why a golden changed.

Transcription goldens, numeric goldens and loss-ranked suites all log here; this module
depends on none of them.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from text_recognizer.io import atomic_write_text
from text_recognizer.provenance import git_revision

CHANGELOG_FILE = "CHANGELOG.md"
REGENERATE_COMMAND = 'pytest tests/regression --regen-goldens --regen-reason "WHY"'
REGENERATE_CLI = 'text-recognizer regress goldens --reason "WHY"'


@dataclass(frozen=True)
class ChangelogEntry:
    """One deliberate regeneration of one golden file."""

    file: str
    reason: str
    metric: str
    old_metric: float | None
    new_metric: float
    old_model: str | None
    new_model: str
    changes: list[str] = field(default_factory=list)
    date: str = field(
        default_factory=lambda: datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        )
    )
    git_revision: str = field(default_factory=lambda: git_revision(short=True))

    def to_markdown(self) -> str:
        old = "none (new file)" if self.old_metric is None else f"{self.old_metric:.6g}"
        lines = [
            f"## {self.date} · {self.file}",
            "",
            f"- reason: {self.reason}",
            f"- git revision: `{self.git_revision}`",
            f"- model: `{self.old_model or 'none'}` -> `{self.new_model}`",
            f"- {self.metric}: {old} -> {self.new_metric:.6g}",
        ]
        if self.changes:
            lines.append(f"- changed ({len(self.changes)}):")
            lines += [f"  - {change}" for change in self.changes]
        else:
            lines.append("- changed: nothing (values re-recorded)")
        return "\n".join(lines) + "\n"


CHANGELOG_HEADER = (
    "# Golden file changelog\n\n"
    "Every deliberate regeneration of a golden file appends an entry here (newest last): why,\n"
    "from which git revision, and how the recorded metric moved. Written by\n"
    f"`{REGENERATE_COMMAND}`.\n"
)


def append_changelog(goldens_dir: str | os.PathLike, entries: Sequence[ChangelogEntry]) -> Path:
    """Append ``entries`` to ``CHANGELOG.md`` in ``goldens_dir`` (atomically rewritten)."""
    path = Path(goldens_dir) / CHANGELOG_FILE
    text = path.read_text(encoding="utf-8") if path.is_file() else CHANGELOG_HEADER
    for entry in entries:
        text += "\n" + entry.to_markdown()
    atomic_write_text(path, text)
    return path


def clip(text: str, limit: int = 160) -> str:
    """Keep changelog lines readable: long paragraph diffs are cut with a marker."""
    return text if len(text) <= limit else text[:limit] + f"... (+{len(text) - limit} chars)"
