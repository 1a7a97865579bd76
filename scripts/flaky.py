"""Flaky tests: run the fast lane several times in random order and name every test that flips.

A test that passes in one order and fails in another depends on another test (shared state, a
seed, a file) or on time; either way it will one day fail someone's pull request. Each run
shuffles the tests with its own pytest-randomly seed and writes a JUnit report; a test whose
outcome differs between runs is *flipped* and reported by name with the seeds that show it. The
report also tabulates each run's wall time: the fast lane's duration, measured where it runs::

    python -m scripts.flaky --runs 3 --json flaky.json --summary flaky.md -- -n auto
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Optional, Sequence

from text_recognizer.io import atomic_write_text

LANE = ("-m", "not slow", "-p", "no:cacheprovider", "-q")


def outcomes(junit: Path) -> dict[str, str]:
    """Test id -> "passed" | "failed" | "skipped" from a JUnit XML report."""
    tree = ET.parse(junit)
    found = {}
    for case in tree.iter("testcase"):
        name = f"{case.get('classname', '')}::{case.get('name', '')}"
        if case.find("failure") is not None or case.find("error") is not None:
            found[name] = "failed"
        elif case.find("skipped") is not None:
            found[name] = "skipped"
        else:
            found[name] = "passed"
    return found


def flipped(runs: Sequence[dict[str, str]]) -> dict[str, list[str]]:
    """Tests whose outcome (passed or failed; skips ignored) differs between runs.

    >>> flipped([{"a": "passed", "b": "failed"}, {"a": "failed", "b": "failed"}])
    {'a': ['passed', 'failed']}
    """
    names = sorted({name for run in runs for name in run})
    result = {}
    for name in names:
        seen = [run.get(name, "missing") for run in runs]
        decided = {outcome for outcome in seen if outcome in ("passed", "failed")}
        if len(decided) > 1:
            result[name] = seen
    return result


def run_lane(seed: int, junit: Path, extra: Sequence[str]) -> tuple[int, float]:
    """One fast-lane run shuffled by ``seed``; its outcomes go to ``junit``. Returns pytest's
    exit status and the run's wall time in seconds (start-up and collection included)."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        *LANE,
        "-p",
        "randomly",
        f"--randomly-seed={seed}",
        f"--junitxml={junit}",
        *extra,
    ]
    start = time.perf_counter()
    code = subprocess.run(command, check=False).returncode
    return code, time.perf_counter() - start


def run_row(seed: int, seconds: float, found: dict[str, str]) -> dict:
    """One run's line of the report: its seed, wall time and counts."""
    counts = {kind: sum(o == kind for o in found.values()) for kind in ("passed", "failed")}
    return {"seed": seed, "seconds": round(seconds, 1), **counts}


def markdown(result: dict) -> str:
    seeds = ", ".join(str(seed) for seed in result["seeds"])
    lines = [
        f"## Flakiness: {len(result['flipped'])} test(s) flipped over {len(result['seeds'])}"
        f" random-order runs of the fast lane (seeds {seeds})",
        "",
    ]
    if result["flipped"]:
        lines += ["| test | outcome per run |", "| --- | --- |"]
        lines += [f"| `{name}` | {' / '.join(seen)} |" for name, seen in result["flipped"].items()]
    if result["always_failed"]:
        lines += ["", "Failed in every run (not flaky, broken):", ""]
        lines += [f"- `{name}`" for name in result["always_failed"]]
    if result.get("runs"):
        lines += ["", "| seed | wall time (s) | passed | failed |", "| --- | --- | --- | --- |"]
        lines += [
            f"| {run['seed']} | {run['seconds']:.1f} | {run['passed']} | {run['failed']} |"
            for run in result["runs"]
        ]
    return "\n".join(lines) + "\n"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=None, help="first seed (default: random)")
    parser.add_argument("--json", default=None)
    parser.add_argument("--summary", default=None)
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments (after --)")
    args = parser.parse_args(argv)
    first = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    seeds = [first + 7919 * run for run in range(args.runs)]
    runs, rows = [], []
    with tempfile.TemporaryDirectory(prefix="flaky-") as folder:
        for seed in seeds:
            junit = Path(folder) / f"run-{seed}.xml"
            code, seconds = run_lane(seed, junit, args.pytest_args)
            if not junit.is_file():
                print(f"run with seed {seed} wrote no report (pytest exit {code})", file=sys.stderr)
                return 2
            runs.append(outcomes(junit))
            rows.append(run_row(seed, seconds, runs[-1]))
    flips = flipped(runs)
    always = sorted(name for name in runs[0] if all(run.get(name) == "failed" for run in runs))
    result = {"seeds": seeds, "flipped": flips, "always_failed": always, "runs": rows}
    if args.json:
        atomic_write_text(Path(args.json), json.dumps(result, indent=2) + "\n")
    if args.summary:
        atomic_write_text(Path(args.summary), markdown(result))
    print(markdown(result))
    return 1 if flips or always else 0


if __name__ == "__main__":
    sys.exit(main())
