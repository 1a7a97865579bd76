"""The coverage pre-import plugin: heavy libraries only, and only where tests run."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests import coverage_preimport
from tests.coverage_preimport import runs_tests


def test_nothing_of_the_measured_package_is_imported_before_coverage_starts():
    modules = coverage_preimport.HEAVY_MODULES + coverage_preimport.CONFTEST_MODULES
    assert not [name for name in modules if name.split(".")[0] in {"text_recognizer", "tests"}]


@pytest.mark.parametrize(
    ("worker", "numprocesses", "expected"),
    [(None, None, True), (None, 0, True), (None, 2, False), ("gw0", None, True)],
    ids=["plain", "n0", "xdist-controller", "xdist-worker"],
)
def test_only_processes_that_run_tests_import_every_heavy_library(
    monkeypatch, worker, numprocesses, expected
):
    if worker is None:
        monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    else:
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
    assert runs_tests(SimpleNamespace(numprocesses=numprocesses)) is expected
