"""Every limit one step off: a planted bug per ordering operator, built from the source.

``tests/test_guard_bounds.py`` runs each guard, and each decision against a named limit, at its
limit and one step past it. These bugs check that it does so for every operator of each: each
flips one ``<`` to ``<=`` (or ``<=`` to ``<``, ``>`` to ``>=``, ``>=`` to ``>``), and the bound
tests must fail (decisions exempt in ``tests/decision_bounds.py`` are left out)::

    python -m scripts.kill_rate --catalogue scripts.guard_mutants --targeted-only --jobs 2

The list is rebuilt from the package each time, so a new guard is covered the day it is written.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import replace
from pathlib import Path

from scripts.mutant import Mutant
from tests.decision_bounds import EXEMPT
from text_recognizer.testing.guards import Guard, package_guards, package_limit_decisions

REPO_ROOT = Path(__file__).resolve().parents[1]
TARGET = "tests/test_guard_bounds.py"
_FLIPPED = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}


def guard_mutants(root: Path = REPO_ROOT) -> tuple[Mutant, ...]:
    """One mutant per ordering operator of each guard and each limit decision in ``root``."""
    package = ("text_recognizer",)
    guards = package_guards(root, *package, exclude=("testing",))
    decisions = [
        decision
        for decision in package_limit_decisions(root, *package, exclude=("testing",))
        if decision.site not in EXEMPT
    ]
    modules: dict[str, _Module] = {}
    mutants: list[Mutant] = []
    for guard in guards + decisions:
        if guard.path not in modules:
            modules[guard.path] = _Module((root / guard.path).read_text(encoding="utf-8"))
        module = modules[guard.path]
        node = module.node_of(guard)
        header, header_start = module.unique_lines(node)
        for number, (offset, operator) in enumerate(module.orderings(node), start=1):
            at = offset - header_start
            flipped = _FLIPPED[operator]
            mutants.append(
                Mutant(
                    name=f"bound_{_slug(guard.path)}_{_slug(guard.function)}_{guard.line}_{number}",
                    path=guard.path,
                    original=header,
                    replacement=header[:at] + flipped + header[at + len(operator) :],
                    target=TARGET,
                    keyword=None,
                    description=f"{guard.function}: {operator!r} becomes {flipped!r} in "
                    f"`{guard.condition}`",
                )
            )
    names = [mutant.name for mutant in mutants]
    return tuple(
        (
            replace(mutant, name=f"{mutant.name}_{names[:index].count(mutant.name) + 1}")
            if names.count(mutant.name) > 1
            else mutant
        )
        for index, mutant in enumerate(mutants)
    )


def _line_starts(text: str) -> list[int]:
    """Where each line of ``text`` starts (and, last, where the text ends)."""
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


class _Module:
    """One module's source, parsed once for all the mutants planted in it."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tree = ast.parse(source)
        self.lines = source.splitlines(keepends=True)
        self.starts = _line_starts(source)

    def node_of(self, guard: Guard) -> ast.expr:
        """The condition of a guard's ``if``, or a decision's comparison."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.If) and node.lineno == guard.line:
                if ast.unparse(node.test) == guard.condition:
                    return node.test
            if isinstance(node, ast.Compare) and node.lineno == guard.line:
                if ast.unparse(node) == guard.condition:
                    return node
        raise LookupError(f"{guard.site}: no `{guard.condition}` on line {guard.line}")

    def unique_lines(self, node: ast.expr) -> tuple[str, int]:
        """The lines holding ``node``, with as many lines before them as make the text unique,
        and where that text starts in the source."""
        start, end = node.lineno - 1, (node.end_lineno or node.lineno) - 1
        while self.source.count("".join(self.lines[start : end + 1])) > 1:
            start -= 1
        return "".join(self.lines[start : end + 1]), self.starts[start]

    def orderings(self, node: ast.expr) -> list[tuple[int, str]]:
        """``(offset in the source, operator)`` of each ordering operator in ``node``'s text."""
        line = self.lines[node.lineno - 1]
        begin = self.starts[node.lineno - 1] + len(line.encode()[: node.col_offset].decode())
        text = ast.get_source_segment(self.source, node) or ""
        text_starts = _line_starts(text)
        readline = io.StringIO(f"({text})").readline
        return [
            (begin + text_starts[token.start[0] - 1] + token.start[1] - 1, token.string)
            for token in tokenize.generate_tokens(readline)
            if token.type == tokenize.OP and token.string in _FLIPPED
        ]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.removeprefix("text_recognizer/").lower()).strip("_")


MUTANTS: tuple[Mutant, ...] = guard_mutants()
