"""Find a package's guards: ``if`` statements that compare with ``<``, ``<=``, ``>`` or ``>=``
and raise.

Such a guard is where a limit lives (a minimum batch size, a pixel budget, a range of seconds),
and the commonest bug in one is the bound a step off: ``<`` written for ``<=``. A test at the
limit and one step past it catches that; a test at a typical value does not. Listing the guards
from the source, rather than from memory, lets a suite demand such a pair for every guard,
including the ones added after the suite was written (see ``tests/test_guard_bounds.py``).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

_ORDERINGS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


@dataclass(frozen=True)
class Guard:
    """One guard: where it is and what it tests (the condition, as source text)."""

    path: str  # relative to the folder scanned from, POSIX separators
    function: str  # dotted qualified name: ``Class.method``, ``outer.inner``
    line: int
    condition: str

    @property
    def site(self) -> str:
        """``path::function``: stable across edits that move lines."""
        return f"{self.path}::{self.function}"


def guards_in_source(source: str, path: str) -> list[Guard]:
    """The guards of one module's ``source``, in line order.

    >>> guards_in_source("def f(n):\\n    if n < 1:\\n        raise ValueError(n)\\n", "m.py")
    [Guard(path='m.py', function='f', line=2, condition='n < 1')]
    """
    found: list[Guard] = []
    for node, qualname in _walk(ast.parse(source), ()):
        if isinstance(node, ast.If) and _orders(node.test) and _raises(node.body):
            found.append(Guard(path, ".".join(qualname), node.lineno, ast.unparse(node.test)))
    return sorted(found, key=lambda guard: guard.line)


def package_guards(root: Path, package: str, exclude: tuple[str, ...] = ()) -> list[Guard]:
    """The guards of every module under ``root / package``, skipping subfolders in ``exclude``."""
    found: list[Guard] = []
    for module in sorted((root / package).rglob("*.py")):
        relative = module.relative_to(root)
        if any(part in exclude for part in relative.parts):
            continue
        found.extend(guards_in_source(module.read_text(encoding="utf-8"), relative.as_posix()))
    return found


def _walk(node: ast.AST, qualname: tuple[str, ...]) -> Iterator[tuple[ast.AST, tuple[str, ...]]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield from _walk(child, qualname + (child.name,))
        else:
            yield child, qualname
            yield from _walk(child, qualname)


def _orders(condition: ast.expr) -> bool:
    return any(
        isinstance(node, ast.Compare) and any(isinstance(op, _ORDERINGS) for op in node.ops)
        for node in ast.walk(condition)
    )


def _raises(body: list[ast.stmt]) -> bool:
    return any(isinstance(node, ast.Raise) for statement in body for node in ast.walk(statement))
