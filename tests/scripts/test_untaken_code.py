"""The untaken-code check: it reads coverage's XML, names each untaken line and branch by its
function, and fails only where the ledger does not explain them; the committed ledger names
functions that exist, each with a reason."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scripts.untaken_code import (
    Untaken,
    check,
    function_of_each_line,
    judge,
    untaken_in_report,
)
from tests.conftest import REPO_ROOT
from tests.untaken_code import UNTAKEN

MODULE = """\
def pick(n):
    if n > 0:
        return "positive"
    return "other"


def never():
    return 1
"""
HELPER = "def helper():\n    return 2\n"


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """A real coverage XML of a miniature package: ``pick(1)`` runs, nothing else does."""
    pytest.importorskip("coverage")
    root = tmp_path_factory.mktemp("project")
    package = root / "text_recognizer"
    (package / "testing").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "mod.py").write_text(MODULE, encoding="utf-8")
    (package / "testing" / "__init__.py").write_text("", encoding="utf-8")
    (package / "testing" / "helper.py").write_text(HELPER, encoding="utf-8")
    (root / "run.py").write_text("from text_recognizer.mod import pick\npick(1)\n")
    coverage = [sys.executable, "-m", "coverage"]
    run = ["run", "--branch", "--source=text_recognizer", "--data-file=.cov", "run.py"]
    subprocess.run(coverage + run, cwd=root, check=True, capture_output=True)
    xml = ["xml", "--data-file=.cov", "-o", "coverage.xml"]
    subprocess.run(coverage + xml, cwd=root, check=True, capture_output=True)
    return root / "coverage.xml"


def places(report: Path) -> list[Untaken]:
    return untaken_in_report(report, root=report.parent)


def test_an_untaken_branch_and_unrun_lines_are_named_by_function_and_text(report):
    path = "text_recognizer/mod.py"
    assert places(report) == [
        Untaken(path, "pick", 2, "if n > 0:", 'line 4 (return "other")'),
        Untaken(path, "pick", 4, 'return "other"'),
        Untaken(path, "never", 8, "return 1"),
    ]


def test_the_testing_helpers_are_not_held_to_the_ledger(report):
    assert all("/testing/" not in place.path for place in places(report))


def test_a_function_missing_from_the_ledger_is_unexplained_and_shown_place_by_place():
    untaken = [Untaken("text_recognizer/m.py", "f", 3, "if x:", "exit")]
    (problem,) = judge(untaken, {}).unexplained
    assert problem.startswith("text_recognizer/m.py::f: 1 untaken, the ledger allows 0")
    assert "text_recognizer/m.py:3 never goes to exit: if x:" in problem


def test_more_untaken_places_than_the_ledger_allows_fail_and_fewer_only_tighten_it():
    two = [Untaken("p.py", "f", line, "x") for line in (1, 2)]
    assert judge(two, {"p.py::f": (1, "why")}).unexplained
    verdict = judge(two, {"p.py::f": (3, "why")})
    assert verdict.unexplained == []
    assert verdict.tightened == ["p.py::f: 2 untaken, the ledger allows 3"]


def test_the_check_exits_1_when_unexplained_and_0_when_the_ledger_explains_it(report, capsys):
    pick, never = "text_recognizer/mod.py::pick", "text_recognizer/mod.py::never"
    assert check(report, {pick: (2, "r")}, root=report.parent) == 1
    assert f"{never}: 1 untaken, the ledger allows 0" in capsys.readouterr().err
    assert check(report, {pick: (2, "r"), never: (1, "r")}, root=report.parent) == 0
    assert "3 untaken places in 2 functions" in capsys.readouterr().out


def test_an_unreadable_report_exits_2_naming_it(tmp_path, capsys):
    broken = tmp_path / "coverage.xml"
    broken.write_text("<coverage", encoding="utf-8")
    assert check(broken, {}) == 2
    assert f"cannot read the coverage report {broken}" in capsys.readouterr().err


def test_every_ledger_entry_names_a_function_that_exists_with_a_count_and_a_reason():
    for site, (count, reason) in UNTAKEN.items():
        path, function = site.split("::")
        defined = function_of_each_line((REPO_ROOT / path).read_text(encoding="utf-8"))
        assert function == "<module>" or function in defined.values(), site
        assert count >= 1 and len(reason) > 20, site
