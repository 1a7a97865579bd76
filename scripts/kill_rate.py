"""The kill rate: the share of the planted-bug catalogue that the fast lane catches.

:mod:`scripts.property_mutants` checks that each bug's own test catches it; this asks what the
project needs to know: does the fast lane, by any test, go red on each bug? Each bug is planted
in a fresh copy of the checkout and first meets the tests that can matter for the module it
touches (its target and ``also`` files, see :mod:`scripts.planted_bugs`): seconds. Only a bug
those miss costs a run of the whole fast lane; one that survives that too is a missing test.
The nightly job publishes the rate and the survivors::

    python -m scripts.kill_rate --json kill_rate.json --summary kill_rate.md
    python -m scripts.kill_rate --targeted-only --only NAME ...   # quick, no whole-lane runs

The catalogue's bugs were written beside their tests. To measure the rate on bugs the tests were
*not* written against, a held-out set (:mod:`scripts.unseen_bugs`, written without reading the
tests) goes straight to the whole lane::

    python -m scripts.kill_rate --catalogue scripts.unseen_bugs --lane-only --workers 2
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional, Sequence

from scripts.mutant import Mutant
from scripts.property_mutants import (
    FAST_LANE,
    LANE_TIMEOUT_S,
    RUN_TIMEOUT_S,
    TESTS_FAILED,
    Outcome,
    planted_sandbox,
    planted_source,
    run_pytest,
)
from text_recognizer.errors import PlantedBugDriftError
from text_recognizer.io import atomic_write_text

#: The share of the catalogue the fast lane must kill (issue 17).
TARGET_RATE = 0.95
_FAILED_TEST = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)


@dataclass(frozen=True)
class Verdict:
    """What became of one planted bug."""

    name: str
    area: str
    status: str  # "killed" | "survived" | "error"
    phase: str  # "targeted" | "lane": the run that decided it
    seconds: float
    caught_by: str  # the first failing test, or why nothing was
    description: str


def first_failure(outcome: Outcome) -> str:
    found = _FAILED_TEST.search(outcome.output)
    return found.group(1) if found else outcome.output.strip().splitlines()[-1][:200]


#: Checks the catalogue against the unplanted source, so it fails in every planted copy: a
#: kill by it would mean nothing.
CATALOGUE_CHECK = "tests/properties/test_planted_bugs.py"
#: pytest's exit status when ``-x`` stops an xdist run at its first failure.
INTERRUPTED = 2


def lane_args(workers: Optional[str]) -> list[str]:
    """The whole fast lane but the catalogue check, optionally over ``workers`` xdist workers."""
    return [
        *FAST_LANE,
        f"--ignore={CATALOGUE_CHECK}",
        *(["-n", workers] if workers else ["-p", "no:xdist"]),
    ]


def was_killed(outcome: Outcome) -> bool:
    """A test failed: pytest says so (exit 1), or ``-x`` stopped xdist at a named failure."""
    if outcome.returncode == TESTS_FAILED:
        return True
    return outcome.returncode == INTERRUPTED and _FAILED_TEST.search(outcome.output) is not None


def judge(
    mutant: Mutant, targeted_only: bool, workers: Optional[str], lane_only: bool = False
) -> Verdict:
    """Plant ``mutant``; targeted tests first (unless ``lane_only``), then (unless
    ``targeted_only``) the whole lane."""
    with tempfile.TemporaryDirectory(prefix=f"kill-{mutant.name}-") as folder:
        sandbox = planted_sandbox(Path(folder), mutant)
        runs = [] if lane_only else [("targeted", mutant.targeted_args(), RUN_TIMEOUT_S)]
        if not targeted_only:
            runs.append(("lane", lane_args(workers), LANE_TIMEOUT_S))
        seconds = 0.0
        for phase, args, timeout in runs:
            outcome = run_pytest(sandbox, mutant.name, mutant.label, args, timeout)
            seconds += outcome.seconds
            if was_killed(outcome):
                return verdict(mutant, "killed", phase, seconds, first_failure(outcome))
            if outcome.returncode != 0:
                problem = f"pytest exit {outcome.returncode}: {first_failure(outcome)}"
                return verdict(mutant, "error", phase, seconds, problem)
        return verdict(mutant, "survived", phase, seconds, "no test failed")


def verdict(mutant: Mutant, status: str, phase: str, seconds: float, caught_by: str) -> Verdict:
    return Verdict(
        mutant.name, mutant.area, status, phase, round(seconds, 1), caught_by, mutant.description
    )


def baseline(mutants: Sequence[Mutant], targeted_only: bool, workers: Optional[str]) -> Outcome:
    """The unplanted copy: every targeted file (and the whole lane) must pass, else a kill
    means nothing."""
    with tempfile.TemporaryDirectory(prefix="kill-baseline-") as folder:
        sandbox = planted_sandbox(Path(folder), None)
        if targeted_only:
            files = sorted(
                {arg for m in mutants for arg in m.targeted_args() if arg.endswith(".py")}
            )
            return run_pytest(sandbox, "baseline", "targeted files", files, LANE_TIMEOUT_S)
        return run_pytest(sandbox, "baseline", "fast lane", lane_args(workers), LANE_TIMEOUT_S)


def summary(verdicts: Sequence[Verdict], scope: str) -> dict:
    """The numbers the project tracks: rate, survivors, and the rate per pipeline area."""
    killed = sum(v.status == "killed" for v in verdicts)
    areas: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for item in verdicts:
        areas[item.area][0] += item.status == "killed"
        areas[item.area][1] += 1
    return {
        "scope": scope,
        "killed": killed,
        "total": len(verdicts),
        "kill_rate": round(killed / len(verdicts), 4) if verdicts else 0.0,
        "target": TARGET_RATE,
        "survivors": [asdict(v) for v in verdicts if v.status != "killed"],
        "by_area": {area: {"killed": k, "total": n} for area, (k, n) in sorted(areas.items())},
        "verdicts": [asdict(v) for v in verdicts],
    }


def markdown(result: dict) -> str:
    """The job summary: the rate, the survivors (each a missing test) and the areas."""
    lines = [
        f"## Kill rate: {result['kill_rate']:.1%} ({result['killed']}/{result['total']} planted "
        f"bugs caught by the {result['scope']}; target {result['target']:.0%})",
        "",
    ]
    if result["survivors"]:
        lines += ["### Survivors: each is a missing test", "", "| bug | area | status | why |"]
        lines += ["| --- | --- | --- | --- |"]
        lines += [
            f"| `{s['name']}` | {s['area']} | {s['status']} | {s['description']} |"
            for s in result["survivors"]
        ]
    else:
        lines.append("No survivors.")
    lines += ["", "| area | killed | planted |", "| --- | --- | --- |"]
    lines += [f"| {a} | {v['killed']} | {v['total']} |" for a, v in result["by_area"].items()]
    return "\n".join(lines) + "\n"


def load_catalogue(module: str) -> tuple[Mutant, ...]:
    """The ``MUTANTS`` of ``module`` (default :mod:`scripts.planted_bugs`)."""
    try:
        mutants = importlib.import_module(module).MUTANTS
    except (ImportError, AttributeError) as error:
        raise SystemExit(f"error: --catalogue {module}: no MUTANTS there ({error})") from error
    return tuple(mutants)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--catalogue",
        default="scripts.planted_bugs",
        help="module whose MUTANTS are planted (default: scripts.planted_bugs)",
    )
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these bugs")
    parser.add_argument(
        "--targeted-only", action="store_true", help="no whole-lane run for a bug that survives"
    )
    parser.add_argument(
        "--lane-only",
        action="store_true",
        help="no targeted run: each bug meets the whole lane (bugs without a known target)",
    )
    parser.add_argument("--workers", default=None, help="xdist workers for whole-lane runs")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unplanted run")
    parser.add_argument("--jobs", type=int, default=1, help="bugs judged at once (each a process)")
    parser.add_argument("--json", default=None, help="write the result as JSON here")
    parser.add_argument("--summary", default=None, help="write the Markdown summary here")
    args = parser.parse_args(argv)
    if args.targeted_only and args.lane_only:
        parser.error("--targeted-only and --lane-only exclude each other")
    catalogue = load_catalogue(args.catalogue)
    unknown = sorted(set(args.only or ()) - {m.name for m in catalogue})
    if unknown:
        parser.error(f"not in {args.catalogue}: {', '.join(unknown)}")
    mutants = [m for m in catalogue if not args.only or m.name in args.only]
    try:
        for mutant in mutants:
            planted_source(mutant)  # drift fails before minutes are spent
    except PlantedBugDriftError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    if not args.no_baseline:
        base = baseline(mutants, args.targeted_only, args.workers)
        if not base.passed:
            print(f"the unplanted copy fails ({base.target}):\n{base.output[-4000:]}")
            return 2
        print(f"baseline passed ({base.target}, {base.seconds:.0f} s)", flush=True)
    verdicts = []
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for item in pool.map(
            lambda m: judge(m, args.targeted_only, args.workers, args.lane_only), mutants
        ):
            verdicts.append(item)
            print(
                f"{item.name:<40} {item.status:<9} {item.phase:<9} {item.seconds:>6.1f} s  "
                f"{item.caught_by}",
                flush=True,
            )
    scope = "targeted tests" if args.targeted_only else "fast lane"
    result = summary(verdicts, scope)
    result["seconds"] = round(time.perf_counter() - start)
    if args.json:
        atomic_write_text(Path(args.json), json.dumps(result, indent=2) + "\n")
    if args.summary:
        atomic_write_text(Path(args.summary), markdown(result))
    print("\n" + markdown(result))
    return 0 if result["kill_rate"] >= TARGET_RATE else 1


if __name__ == "__main__":
    sys.exit(main())
