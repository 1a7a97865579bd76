"""Folders built once per run: later callers reuse the finished folder; a failed build is
retried, never reused half-written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.built_once import built_once


class Factory:
    """Stands in for pytest's TempPathFactory, rooted in a test's own folder."""

    def __init__(self, base: Path) -> None:
        self.base = base

    def getbasetemp(self) -> Path:
        return self.base


@pytest.fixture
def factory(tmp_path: Path, monkeypatch) -> Factory:
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    return Factory(tmp_path)


def test_the_second_caller_gets_the_first_callers_folder_unbuilt(factory):
    builds: list[Path] = []

    def build(folder: Path) -> None:
        builds.append(folder)
        (folder / "data.txt").write_text("made once")

    first = built_once(factory, "data", build)
    second = built_once(factory, "data", build)
    assert first == second and builds == [first]
    assert (second / "data.txt").read_text() == "made once"


def test_a_build_that_failed_half_way_is_rebuilt_from_an_empty_folder(factory):
    def failing(folder: Path) -> None:
        (folder / "half.txt").write_text("half")
        raise RuntimeError("generator crashed")

    with pytest.raises(RuntimeError, match="generator crashed"):
        built_once(factory, "data", failing)
    folder = built_once(factory, "data", lambda f: (f / "whole.txt").write_text("whole"))
    assert sorted(p.name for p in folder.iterdir()) == ["whole.txt"]


def test_xdist_workers_share_the_runs_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    worker = Factory(tmp_path / "popen-gw1")
    folder = built_once(worker, "data", lambda f: None)
    assert folder.parent.parent == tmp_path
