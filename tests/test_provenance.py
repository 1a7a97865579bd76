"""The git revision recorded in model cards and golden changelogs."""

from __future__ import annotations

import re
import shutil

import pytest

from text_recognizer.provenance import git_revision

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs the git executable")


@needs_git
def test_full_and_short_revisions_name_the_same_commit():
    full, short = git_revision(), git_revision(short=True)
    if full == "unknown":
        pytest.skip("the package is not inside a git checkout")
    assert re.fullmatch(r"[0-9a-f]{40}(\+dirty)?", full)
    assert full.startswith(short.removesuffix("+dirty"))


def test_outside_a_repository_the_revision_is_unknown(tmp_path):
    assert git_revision(cwd=tmp_path) == "unknown"
