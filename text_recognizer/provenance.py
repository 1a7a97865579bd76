"""Where an artifact came from: the git revision of the code that made it.

Model cards, goldens and their changelog all record it, so one function answers for all.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def git_revision(short: bool = False, cwd: str | os.PathLike | None = None) -> str:
    """``HEAD`` of the repository holding ``cwd`` (default: this package), ``+dirty`` when
    tracked files changed, or ``"unknown"`` outside a git checkout or without git."""
    cwd = cwd or Path(__file__).resolve().parent
    command = ["git", "rev-parse"] + (["--short"] if short else []) + ["HEAD"]
    try:
        revision = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=10)
        if revision.returncode != 0:
            return "unknown"
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    dirty = "+dirty" if status.returncode == 0 and status.stdout.strip() else ""
    return revision.stdout.strip() + dirty
