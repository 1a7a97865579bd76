"""Planted bugs ("mutants") that the property and training sanity tests must catch, and the
check that they do.

A test that never fails proves nothing: hypothesis may only draw easy examples, a law may be
too weak to notice a real mistake, a sanity check may look at a batch where the bug cannot show.
Each mutant below is a realistic bug in the code that a property file or a training sanity test
(``tests/testing/test_training_sanity.py``) checks. The check copies the package, the tests and
the pytest configuration into a fresh temporary folder, plants one bug there, and runs the test
expected to catch it against that copy (the copy is first on ``sys.path``, so the mutated
package is the one imported, not the editable install). It passes only if the unmutated copy
passes and every mutant makes its test fail. A mutant whose original snippet is no longer in the
source stops the check with :class:`~text_recognizer.errors.PlantedBugDriftError`, so the list
cannot silently rot when the code changes::

    python -m scripts.property_mutants --list
    python -m scripts.property_mutants                      # baseline + every mutant
    python -m scripts.property_mutants --only vocab_decode_drops_first_character

The kill rate of the whole fast lane over the same catalogue is :mod:`scripts.kill_rate`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from scripts.planted_bugs import MUTANTS, Mutant
from text_recognizer.errors import PlantedBugDriftError
from text_recognizer.io import atomic_write_text

REPO_ROOT = Path(__file__).resolve().parent.parent
#: The derandomized ``ci`` profile without shrinking (``mutants``, tests/conftest.py), tests in
#: file order (no pytest-randomly): a mutant is killed or not, reproducibly, and quickly.
PYTEST_ARGS = (
    "-q",
    "-p",
    "no:cacheprovider",
    "-p",
    "no:randomly",
    "-x",
    "--hypothesis-profile=mutants",
)
#: The fast lane, as ``make test`` selects it (without coverage).
FAST_LANE = ("-m", "not slow")
#: pytest's exit status when tests ran and some failed; collection errors etc. do not count.
TESTS_FAILED = 1
RUN_TIMEOUT_S = 600
LANE_TIMEOUT_S = 1800


def planted_source(mutant: Mutant, root: Path = REPO_ROOT) -> str:
    """The text of ``mutant.path`` under ``root`` with the bug planted.

    Raises :class:`PlantedBugDriftError` unless the original snippet occurs exactly once.
    """
    source = (root / mutant.path).read_text(encoding="utf-8")
    count = source.count(mutant.original)
    if count != 1:
        raise PlantedBugDriftError(
            f"mutant {mutant.name!r}: its original snippet occurs {count} times in "
            f"{mutant.path} (expected exactly once); update the mutant to the current code:\n"
            f"{mutant.original}"
        )
    return source.replace(mutant.original, mutant.replacement)


def checkout_files(root: Path = REPO_ROOT) -> list[str]:
    """The checkout's files as git sees them: tracked, and untracked but not ignored."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted(name for name in listing.split("\0") if name)


def make_sandbox(destination: Path, root: Path = REPO_ROOT) -> Path:
    """Copy the checkout (not its virtualenv, caches or data) into ``destination``: everything
    the whole fast lane reads (package, tests, scripts, docs, workflows)."""
    for name in checkout_files(root):
        source = root / name
        if not source.is_symlink() and not source.is_file():
            continue  # deleted in the working tree but not yet in the index
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    return destination


def sandbox_env(sandbox: Path) -> dict[str, str]:
    """The environment of a sandboxed run: the copy first on the path, the ``mutants`` profile."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key != "PYTEST_ADDOPTS" and not key.startswith("COV_CORE_")
    }
    inherited = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(sandbox) + (os.pathsep + inherited if inherited else "")
    env["HYPOTHESIS_PROFILE"] = "mutants"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.setdefault("OMP_NUM_THREADS", "1")  # the tests use one torch thread; stay modest
    return env


def check_imports_sandbox(sandbox: Path) -> None:
    """Fail unless ``text_recognizer`` resolves inside ``sandbox`` (not the editable install)."""
    probe = "import importlib.util; print(importlib.util.find_spec('text_recognizer').origin)"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=sandbox,
        env=sandbox_env(sandbox),
        capture_output=True,
        text=True,
        check=True,
    )
    origin = Path(result.stdout.strip()).resolve()
    if not origin.is_relative_to(sandbox.resolve()):
        raise RuntimeError(f"the sandbox imports text_recognizer from {origin}, not {sandbox}")


@dataclass(frozen=True)
class Outcome:
    """One pytest run in a sandbox."""

    name: str
    target: str
    returncode: int
    seconds: float
    output: str

    @property
    def passed(self) -> bool:
        return self.returncode == 0

    @property
    def killed(self) -> bool:
        """Tests ran and failed: an import or collection error does not kill a mutant."""
        return self.returncode == TESTS_FAILED


def run_pytest(sandbox: Path, name: str, target: str, args: Sequence[str], timeout: int) -> Outcome:
    """pytest with ``args`` in ``sandbox``, as one :class:`Outcome`."""
    command = [sys.executable, "-m", "pytest", *args, *PYTEST_ARGS]
    start = time.perf_counter()
    try:
        result = subprocess.run(
            command,
            cwd=sandbox,
            env=sandbox_env(sandbox),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        returncode, output = result.returncode, result.stdout + result.stderr
    except subprocess.TimeoutExpired:
        returncode, output = -1, f"timed out after {timeout} s"
    return Outcome(name, target, returncode, time.perf_counter() - start, output)


def planted_sandbox(folder: Path, mutant: Optional[Mutant]) -> Path:
    """A copy of the checkout in ``folder`` with ``mutant`` planted (if any)."""
    sandbox = make_sandbox(folder)
    if mutant is not None:
        atomic_write_text(sandbox / mutant.path, planted_source(mutant, REPO_ROOT))
    check_imports_sandbox(sandbox)
    return sandbox


def run_in_sandbox(
    name: str,
    target: str,
    pytest_args: Sequence[str],
    mutant: Optional[Mutant] = None,
    timeout: int = RUN_TIMEOUT_S,
) -> Outcome:
    """Copy the repository, plant ``mutant`` (if any) and run pytest on the copy."""
    with tempfile.TemporaryDirectory(prefix=f"mutant-{name}-") as folder:
        sandbox = planted_sandbox(Path(folder), mutant)
        return run_pytest(sandbox, name, target, pytest_args, timeout)


def run_baseline(mutants: Sequence[Mutant]) -> Outcome:
    """The unmutated copy on every targeted test file: it must pass."""
    targets = sorted({mutant.target for mutant in mutants})
    label = f"{len(targets)} target file(s)"
    return run_in_sandbox("baseline", label, targets, timeout=LANE_TIMEOUT_S)


def run_mutant(mutant: Mutant) -> Outcome:
    return run_in_sandbox(mutant.name, mutant.label, mutant.pytest_args(), mutant)


def mutant_status(outcome: Outcome) -> str:
    if outcome.killed:
        return "killed"
    if outcome.passed:
        return "SURVIVED"
    return f"ERROR (exit {outcome.returncode})"


def _row(widths: tuple[int, int], name: str, target: str, status: str, seconds: str) -> str:
    return f"{name:<{widths[0]}} | {target:<{widths[1]}} | {status:<12} | {seconds:>7}"


def run_check(mutants: Sequence[Mutant] = MUTANTS, show: bool = False) -> list[Outcome]:
    """Baseline first, then each mutant; the baseline outcome is the first of the list.

    Mutants are not run when the baseline fails: a kill would mean nothing. With ``show`` the
    table is printed row by row, with the pytest output of every unexpected result.
    """
    for mutant in mutants:
        planted_source(mutant)  # drift fails before minutes are spent
    widths = (
        max([len("baseline"), *(len(mutant.name) for mutant in mutants)]),
        max([len("10 target file(s)"), *(len(mutant.label) for mutant in mutants)]),
    )

    def report(outcome: Outcome, status: str, expected: bool) -> None:
        if show:
            seconds = f"{outcome.seconds:.1f}"
            print(_row(widths, outcome.name, outcome.target, status, seconds), flush=True)
            if not expected:
                print(outcome.output[-4000:], flush=True)

    if show:
        print(_row(widths, "mutant", "target", "result", "seconds"))
        print("-" * (sum(widths) + 31))
    baseline = run_baseline(mutants)
    report(baseline, "passed" if baseline.passed else "FAILED", baseline.passed)
    outcomes = [baseline]
    if not baseline.passed:
        return outcomes
    for mutant in mutants:
        outcome = run_mutant(mutant)
        report(outcome, mutant_status(outcome), outcome.killed)
        outcomes.append(outcome)
    return outcomes


def check_passed(outcomes: Sequence[Outcome], mutants: Sequence[Mutant]) -> bool:
    baseline, *rest = outcomes
    return baseline.passed and len(rest) == len(mutants) and all(o.killed for o in rest)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    names = [mutant.name for mutant in MUTANTS]
    parser.add_argument("--only", nargs="+", choices=names, metavar="NAME", help="these mutants")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    args = parser.parse_args(argv)
    mutants = [m for m in MUTANTS if not args.only or m.name in args.only]
    if args.list:
        for mutant in mutants:
            print(f"{mutant.name:<36} {mutant.label}\n{'':<36} {mutant.description}")
        return 0
    start = time.perf_counter()
    try:
        outcomes = run_check(mutants, show=True)
    except PlantedBugDriftError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    killed = sum(outcome.killed for outcome in outcomes[1:])
    print(
        f"\n{killed}/{len(mutants)} mutants killed, baseline "
        f"{'passed' if outcomes[0].passed else 'FAILED'}, {time.perf_counter() - start:.0f} s"
    )
    return 0 if check_passed(outcomes, mutants) else 1


if __name__ == "__main__":
    sys.exit(main())
