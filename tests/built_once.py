"""A read-only folder built once per test run and shared by every xdist worker.

Session fixtures run once per *worker*: on 2 cores both workers generated the same data sets.
Here the first worker to ask builds the folder under the run's shared temporary folder while
holding a lock; the others wait and reuse it. Tests must not modify what they get.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import pytest


def shared_root(factory: pytest.TempPathFactory) -> Path:
    """The temporary folder of the whole run: under xdist, the parent of each worker's."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (POSIX); without ``fcntl`` each worker builds its own."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def built_once(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """``build(folder)`` for the first caller of this run; the same finished folder for all."""
    root = shared_root(factory) / "built-once"
    root.mkdir(parents=True, exist_ok=True)
    folder = root / name
    done = root / f"{name}.built"  # beside the folder: its content is only what build wrote
    with locked(root / f"{name}.lock"):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # a build that failed half-way
            folder.mkdir()
            build(folder)
            done.touch()
    return folder
