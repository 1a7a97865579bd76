"""Code of the package that the fast lane never runs, held against a ledger of reasons.

A bug planted on a path no test takes survives every test: the held-out rounds kept finding
such paths (a type nobody passed, an argument dropped on a retry). Coverage shows where they
are; this check turns "92 % of branches" into a list a reviewer can act on. Each function with
untaken code (lines never run, or a branch whose other side never ran) must appear in
``tests/untaken_code.py`` with how much of it is untaken and why; a function gaining untaken
code fails the check by name. Run it on the coverage XML of the fast lane::

    make coverage                                   # the fast lane under coverage, then this
    python -m scripts.untaken_code coverage.xml     # on an existing report
    python -m scripts.untaken_code coverage.xml --list   # every untaken line and branch

Only ``text_recognizer/`` is held to it, less ``testing/`` (the helpers the tests themselves
exercise). Fewer untaken places than the ledger records is reported, not failed, so a run
that happens to take a rare branch does not break the build; the ledger is then tightened.
"""

from __future__ import annotations

import argparse
import ast
import sys
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "text_recognizer"
EXCLUDED = ("testing",)


@dataclass(frozen=True)
class Untaken:
    """One place the lane never went: a line never run, or one side of a branch."""

    path: str  # repository-relative, POSIX separators
    function: str  # dotted qualified name, or ``<module>``
    line: int
    text: str  # the line's source, stripped
    target: str | None = None  # for a branch: the line it never jumped to, or "exit"

    @property
    def site(self) -> str:
        return f"{self.path}::{self.function}"

    def describe(self) -> str:
        where = f"{self.path}:{self.line}"
        if self.target is None:
            return f"{where} never runs: {self.text}"
        return f"{where} never goes to {self.target}: {self.text}"


class CoverageReportError(ValueError):
    """The coverage report is missing, unreadable, or not a Cobertura XML file."""


def untaken_in_report(report: Path, root: Path = REPO_ROOT) -> list[Untaken]:
    """Every untaken line and branch of the package in a coverage XML report, in file order."""
    try:
        tree = ElementTree.parse(report)
    except (OSError, ElementTree.ParseError) as error:
        raise CoverageReportError(f"cannot read the coverage report {report}: {error}") from error
    sources = [Path(node.text or ".") for node in tree.getroot().iter("source")]
    found: list[Untaken] = []
    for cls in tree.getroot().iter("class"):
        path = _repository_path(cls.get("filename", ""), sources, root)
        if path is None or not _held_to_account(path):
            continue
        source = (root / path).read_text(encoding="utf-8")
        lines = source.splitlines()
        functions = function_of_each_line(source)
        for line in cls.iter("line"):
            number = int(line.get("number", "0"))
            text = lines[number - 1].strip() if 0 < number <= len(lines) else ""
            function = functions.get(number, "<module>")
            if line.get("hits") == "0":
                found.append(Untaken(path, function, number, text))
                continue
            for target in filter(None, (line.get("missing-branches") or "").split(",")):
                found.append(Untaken(path, function, number, text, _target(target, lines)))
    return sorted(found, key=lambda place: (place.path, place.line, place.target or ""))


def _repository_path(filename: str, sources: list[Path], root: Path) -> str | None:
    """The report names files relative to its ``<source>`` folders; find which one holds it."""
    for source in sources or [root]:
        candidate = (source / filename) if source.is_absolute() else (root / source / filename)
        if candidate.is_file():
            try:
                return candidate.resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                continue
    return None


def _held_to_account(path: str) -> bool:
    parts = path.split("/")
    return parts[0] == PACKAGE and not any(part in EXCLUDED for part in parts[1:])


def _target(target: str, lines: list[str]) -> str:
    if not target.lstrip("-").isdigit() or int(target) <= 0:
        return "exit"
    number = int(target)
    text = lines[number - 1].strip() if number <= len(lines) else ""
    return f"line {number} ({text})"


def function_of_each_line(source: str) -> dict[int, str]:
    """Line number -> qualified name of the innermost function or class holding it."""
    owner: dict[int, str] = {}

    def visit(node: ast.AST, qualname: tuple[str, ...]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                inner = qualname + (child.name,)
                for number in range(child.lineno, (child.end_lineno or child.lineno) + 1):
                    owner[number] = ".".join(inner)
                visit(child, inner)
            else:
                visit(child, qualname)

    visit(ast.parse(source), ())
    return owner


@dataclass(frozen=True)
class Verdict:
    unexplained: list[str]  # sites with more untaken places than the ledger allows: failures
    tightened: list[str]  # sites with fewer than recorded: the ledger can shrink


def judge(untaken: list[Untaken], ledger: dict[str, tuple[int, str]]) -> Verdict:
    """Hold each function's count of untaken places against its ledger entry."""
    by_site: dict[str, list[Untaken]] = defaultdict(list)
    for place in untaken:
        by_site[place.site].append(place)
    unexplained = []
    for site, places in sorted(by_site.items()):
        allowed = ledger.get(site, (0, ""))[0]
        if len(places) > allowed:
            detail = "\n".join(f"    {place.describe()}" for place in places)
            unexplained.append(
                f"{site}: {len(places)} untaken, the ledger allows {allowed}:\n{detail}"
            )
    tightened = [
        f"{site}: {len(by_site.get(site, []))} untaken, the ledger allows {count}"
        for site, (count, _) in sorted(ledger.items())
        if len(by_site.get(site, [])) < count
    ]
    return Verdict(unexplained, tightened)


def ledger() -> dict[str, tuple[int, str]]:
    """The committed ledger: ``"path::function"`` -> (untaken places allowed, why)."""
    from tests.untaken_code import UNTAKEN

    return UNTAKEN


def check(
    report: Path, allowed: dict[str, tuple[int, str]], show: bool = False, root: Path = REPO_ROOT
) -> int:
    """0 when every untaken place is explained, 1 when some are not, 2 on an unreadable report."""
    try:
        untaken = untaken_in_report(report, root)
    except CoverageReportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if show:
        for place in untaken:
            print(f"{place.site}  {place.describe()}")
    verdict = judge(untaken, allowed)
    for line in verdict.tightened:
        print(f"taken now (lower the ledger's count): {line}")
    if verdict.unexplained:
        print(
            "Code the fast lane never runs, beyond what tests/untaken_code.py explains. "
            "Give each a test, or a count and a reason in the ledger:",
            file=sys.stderr,
        )
        for line in verdict.unexplained:
            print(line, file=sys.stderr)
        return 1
    sites = len({place.site for place in untaken})
    print(f"{len(untaken)} untaken places in {sites} functions, each explained by the ledger")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("report", type=Path, help="coverage XML of the fast lane")
    parser.add_argument("--list", action="store_true", help="print every untaken place")
    args = parser.parse_args(argv)
    return check(args.report, ledger(), show=args.list)


if __name__ == "__main__":
    sys.exit(main())
