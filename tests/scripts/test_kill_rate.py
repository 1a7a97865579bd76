"""The kill-rate runner and the flaky-test finder: their verdicts, numbers and reports; and the
catalogue they run, which must span the pipeline."""

from __future__ import annotations

from collections import Counter

import pytest

from scripts import kill_rate
from scripts.flaky import flipped
from scripts.flaky import markdown as flaky_markdown
from scripts.flaky import outcomes
from scripts.kill_rate import Verdict, first_failure, markdown, summary
from scripts.planted_bugs import MUTANTS, REQUIRED_AREAS
from scripts.property_mutants import Outcome
from tests.conftest import REPO_ROOT


def verdict(name: str, status: str, area: str = "data") -> Verdict:
    return Verdict(name, area, status, "targeted", 1.0, "t.py::test", f"{name} described")


def test_the_catalogue_holds_sixty_bugs_over_every_area_of_the_pipeline():
    areas = Counter(mutant.area for mutant in MUTANTS)
    assert len(MUTANTS) >= 60
    assert set(REQUIRED_AREAS) <= set(areas), f"areas without a planted bug: {areas}"
    assert "other" not in areas, [m.path for m in MUTANTS if m.area == "other"]


def test_the_rate_counts_only_killed_bugs_and_lists_every_other_as_a_survivor():
    verdicts = [verdict("a", "killed"), verdict("b", "survived", "models"), verdict("c", "error")]
    result = summary(verdicts, "fast lane")
    assert (result["killed"], result["total"]) == (1, 3)
    assert result["kill_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert [s["name"] for s in result["survivors"]] == ["b", "c"]
    assert result["by_area"] == {
        "data": {"killed": 1, "total": 2},
        "models": {"killed": 0, "total": 1},
    }


def test_the_summary_names_the_rate_and_each_survivor_as_a_missing_test():
    text = markdown(summary([verdict("a", "killed"), verdict("b", "survived")], "fast lane"))
    assert "Kill rate: 50.0% (1/2" in text
    assert "missing test" in text and "`b`" in text and "`a`" not in text


def test_the_first_failing_test_is_read_from_pytests_summary():
    output = "....F\nFAILED tests/x.py::test_y - AssertionError\nFAILED tests/x.py::test_z\n"
    outcome = Outcome("bug", "t", 1, 1.0, output)
    assert first_failure(outcome) == "tests/x.py::test_y"


def test_junit_outcomes_are_read_per_test(tmp_path):
    report = tmp_path / "run.xml"
    report.write_text(
        '<testsuites><testsuite name="pytest">'
        '<testcase classname="tests.a" name="test_ok"/>'
        '<testcase classname="tests.a" name="test_bad"><failure message="x"/></testcase>'
        '<testcase classname="tests.a" name="test_skip"><skipped message="y"/></testcase>'
        "</testsuite></testsuites>",
        encoding="utf-8",
    )
    assert outcomes(report) == {
        "tests.a::test_ok": "passed",
        "tests.a::test_bad": "failed",
        "tests.a::test_skip": "skipped",
    }


def test_a_test_that_passes_in_one_order_and_fails_in_another_has_flipped():
    runs = [
        {"a": "passed", "b": "failed", "c": "skipped"},
        {"a": "passed", "b": "passed", "c": "passed"},
        {"a": "passed", "b": "passed", "c": "skipped"},
    ]
    flips = flipped(runs)
    assert flips == {"b": ["failed", "passed", "passed"]}
    report = {"seeds": [1, 2, 3], "flipped": flips, "always_failed": []}
    assert "`b`" in flaky_markdown(report) and "1 test(s) flipped" in flaky_markdown(report)


def test_the_whole_lane_run_leaves_out_the_catalogue_check_that_every_planted_copy_fails():
    assert f"--ignore={kill_rate.CATALOGUE_CHECK}" in kill_rate.lane_args("2")
    assert (REPO_ROOT / kill_rate.CATALOGUE_CHECK).is_file()


@pytest.mark.parametrize(
    ("returncode", "output", "killed"),
    [
        (1, "FAILED tests/a.py::test_x - boom", True),
        (2, "FAILED tests/a.py::test_x - boom\nInterrupted: stopping after 1 failures", True),
        (2, "ERROR: usage: pytest [options]", False),
        (0, "3 passed", False),
    ],
)
def test_a_failure_that_stopped_xdist_counts_as_a_kill_and_a_usage_error_does_not(
    returncode, output, killed
):
    outcome = Outcome("bug", "tests", returncode, 1.0, output)
    assert kill_rate.was_killed(outcome) is killed


class RecordingRuns:
    """Stands in for pytest runs in a planted copy: records each phase, every run passes."""

    def __init__(self) -> None:
        self.phases: list[list[str]] = []

    def __call__(self, sandbox, name, target, args, timeout) -> Outcome:
        self.phases.append(list(args))
        return Outcome(name, target, 0, 0.1, "1 passed")


@pytest.fixture
def recorded(monkeypatch) -> RecordingRuns:
    runs = RecordingRuns()
    monkeypatch.setattr(kill_rate, "run_pytest", runs)
    monkeypatch.setattr(kill_rate, "planted_sandbox", lambda folder, mutant: folder)
    return runs


def test_a_bug_meets_its_targeted_tests_before_the_whole_lane(recorded):
    mutant = MUTANTS[0]
    result = kill_rate.judge(mutant, targeted_only=False, workers="2")
    assert recorded.phases == [mutant.targeted_args(), kill_rate.lane_args("2")]
    assert (result.status, result.phase) == ("survived", "lane")


def test_lane_only_sends_a_bug_straight_to_the_whole_lane(recorded):
    kill_rate.judge(MUTANTS[0], targeted_only=False, workers="2", lane_only=True)
    assert recorded.phases == [kill_rate.lane_args("2")]


def test_an_unknown_catalogue_is_a_clear_error():
    with pytest.raises(SystemExit, match="--catalogue scripts.nowhere: no MUTANTS"):
        kill_rate.load_catalogue("scripts.nowhere")


def test_a_bug_name_from_another_catalogue_is_a_usage_error(capsys):
    with pytest.raises(SystemExit):
        kill_rate.main(["--catalogue", "scripts.unseen_bugs", "--only", MUTANTS[0].name])
    assert "not in scripts.unseen_bugs" in capsys.readouterr().err


def test_the_flaky_report_tabulates_each_runs_wall_time_and_counts():
    from scripts.flaky import run_row

    row = run_row(11, 72.34, {"a": "passed", "b": "passed", "c": "failed", "d": "skipped"})
    assert row == {"seed": 11, "seconds": 72.3, "passed": 2, "failed": 1}
    report = {"seeds": [11], "flipped": {}, "always_failed": [], "runs": [row]}
    assert "| 11 | 72.3 | 2 | 1 |" in flaky_markdown(report)
