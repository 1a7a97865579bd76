"""Every guard's bound, one step off: a planted bug per ordering operator, built from the source.

``tests/test_guard_bounds.py`` runs each guard at its limit and one step past it. These bugs
check that it does so for every operator of every guard: each flips one ``<`` to ``<=`` (or
``<=`` to ``<``, ``>`` to ``>=``, ``>=`` to ``>``) in one guard, and the bound tests must fail::

    python -m scripts.kill_rate --catalogue scripts.guard_mutants --targeted-only --jobs 2

The list is rebuilt from the package each time, so a new guard is covered the day it is written.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

from scripts.mutant import Mutant
from text_recognizer.testing.guards import Guard, package_guards

REPO_ROOT = Path(__file__).resolve().parents[1]
TARGET = "tests/test_guard_bounds.py"
_FLIPPED = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}


def guard_mutants(root: Path = REPO_ROOT) -> tuple[Mutant, ...]:
    """One mutant per ordering operator of each guard in ``root``'s package."""
    mutants: list[Mutant] = []
    for guard in package_guards(root, "text_recognizer", exclude=("testing",)):
        source = (root / guard.path).read_text(encoding="utf-8")
        header, header_start = _unique_header(source, guard)
        operators = _orderings(source, guard)
        for number, (offset, operator) in enumerate(operators, start=1):
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
    return tuple(mutants)


def _line_starts(source: str) -> list[int]:
    starts = [0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def _unique_header(source: str, guard: Guard) -> tuple[str, int]:
    """The guard's ``if ...:`` lines, with as many lines before them as make the text unique,
    and where that text starts in ``source``."""
    lines = source.splitlines(keepends=True)
    end = guard.line - 1
    while not lines[end].rstrip().endswith(":"):
        end += 1
    start = guard.line - 1
    while source.count("".join(lines[start : end + 1])) > 1:
        start -= 1
    return "".join(lines[start : end + 1]), _line_starts(source)[start]


def _orderings(source: str, guard: Guard) -> list[tuple[int, str]]:
    """``(offset in source, operator)`` of each ordering operator in the guard's condition."""
    node = next(
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.If) and node.lineno == guard.line
    )
    starts = _line_starts(source)
    line = source.splitlines(keepends=True)[node.test.lineno - 1]
    begin = starts[node.test.lineno - 1] + len(line.encode()[: node.test.col_offset].decode())
    condition = ast.get_source_segment(source, node.test) or ""
    readline = io.StringIO(f"({condition})").readline
    return [
        (begin + token.start[1] - 1 + _line_starts(condition)[token.start[0] - 1], token.string)
        for token in tokenize.generate_tokens(readline)
        if token.type == tokenize.OP and token.string in _FLIPPED
    ]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.removeprefix("text_recognizer/").lower()).strip("_")


MUTANTS: tuple[Mutant, ...] = guard_mutants()
