"""Find a package's limits: its guards (``if`` statements that compare with ``<``, ``<=``,
``>`` or ``>=`` and raise) and its decisions against a named limit (see
:func:`limit_decisions_in_source`).

Such a guard is where a limit lives (a minimum batch size, a pixel budget, a range of seconds),
and the commonest bug in one is the bound a step off: ``<`` written for ``<=``. A test at the
limit and one step past it catches that; a test at a typical value does not. Listing the guards
from the source, rather than from memory, lets a suite demand such a pair for every limit,
including the ones added after the suite was written (see ``tests/test_guard_bounds.py``).
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, TypeGuard

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
    return _guards_in_tree(ast.parse(source), path)


def _guards_in_tree(tree: ast.Module, path: str) -> list[Guard]:
    found = [
        Guard(path, ".".join(qualname), node.lineno, ast.unparse(node.test))
        for node, qualname in _walk(tree, ())
        if _is_guard(node)
    ]
    return sorted(found, key=lambda guard: guard.line)


def package_guards(root: Path, package: str, exclude: tuple[str, ...] = ()) -> list[Guard]:
    """The guards of every module under ``root / package``, skipping subfolders in ``exclude``."""
    return _over_modules(_guards_in_tree, root, package, exclude)


def _over_modules(
    find: Callable[[ast.Module, str], list[Guard]],
    root: Path,
    package: str,
    exclude: tuple[str, ...],
) -> list[Guard]:
    """``find(tree, path)`` over every module under ``root / package``, in path order."""
    found: list[Guard] = []
    for module in sorted((root / package).rglob("*.py")):
        relative = module.relative_to(root)
        if not any(part in exclude for part in relative.parts):
            stat = module.stat()
            found.extend(
                _found_in(find, module, relative.as_posix(), stat.st_mtime_ns, stat.st_size)
            )
    return found


@functools.lru_cache(maxsize=None)
def _found_in(
    find: Callable[[ast.Module, str], list[Guard]],
    module: Path,
    path: str,
    mtime_ns: int,
    size: int,
) -> tuple[Guard, ...]:
    """One scan of one version of a module, done once per process however often it is asked
    for (the bound tests and their mutants scan the same package); an edited file has a new
    modification time and size, so it is scanned afresh."""
    return tuple(find(_parse(module, mtime_ns, size), path))


@functools.lru_cache(maxsize=None)
def _parse(module: Path, mtime_ns: int, size: int) -> ast.Module:
    """One version of a module's tree, shared by the scans (none of them edits it)."""
    return ast.parse(module.read_text(encoding="utf-8"))


def _walk(node: ast.AST, qualname: tuple[str, ...]) -> Iterator[tuple[ast.AST, tuple[str, ...]]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield from _walk(child, qualname + (child.name,))
        else:
            yield child, qualname
            yield from _walk(child, qualname)


def _is_guard(node: ast.AST) -> TypeGuard[ast.If]:
    return isinstance(node, ast.If) and _orders(node.test) and _raises(node.body)


def _is_ordering(node: ast.AST) -> TypeGuard[ast.Compare]:
    """A comparison with ``<``, ``<=``, ``>`` or ``>=`` among its operators."""
    return isinstance(node, ast.Compare) and any(isinstance(op, _ORDERINGS) for op in node.ops)


def _orders(condition: ast.expr) -> bool:
    return any(_is_ordering(node) for node in ast.walk(condition))


def _raises(body: list[ast.stmt]) -> bool:
    return any(isinstance(node, ast.Raise) for statement in body for node in ast.walk(statement))


#: Names that say a value is a limit: ``MAX_WRITER_ROWS``, ``max_connections``, ``limit``...
_LIMIT_NAME = re.compile(r"(?i)(^|_)(max|min|limit|budget|capacity|threshold)(_|$|s$)")
#: A module constant: ``MAX_ROWS``, ``MIB``.
_CONSTANT = re.compile(r"[A-Z][A-Z0-9_]*[A-Z0-9]")


def limit_decisions_in_source(source: str, path: str) -> list[Guard]:
    """Comparisons outside guards that weigh a value against a named limit, in line order.

    These decide rather than refuse (a batch is full, a table gets too long to print, a request
    is one connection too many), and one step off is as easy to write as in a guard. A limit is
    a name or attribute spelled like one (``MAX_ROWS``, ``self.max_queue``, ``budget_seconds``);
    ``x.max()`` is a reduction, not a limit.

    >>> limit_decisions_in_source("def f(rows):\\n    return len(rows) > MAX_ROWS\\n", "m.py")
    [Guard(path='m.py', function='f', line=2, condition='len(rows) > MAX_ROWS')]
    """
    return _decisions_in_tree(ast.parse(source), path)


def _decisions_in_tree(tree: ast.Module, path: str) -> list[Guard]:
    in_guards = {
        id(node)
        for guard, _ in _walk(tree, ())
        if _is_guard(guard)
        for node in ast.walk(guard.test)
    }
    found = [
        Guard(path, ".".join(qualname), node.lineno, ast.unparse(node))
        for node, qualname in _walk(tree, ())
        if _is_ordering(node)
        and id(node) not in in_guards
        and any(_names_a_limit(operand) for operand in (node.left, *node.comparators))
    ]
    return sorted(found, key=lambda decision: (decision.line, decision.condition))


def package_limit_decisions(root: Path, package: str, exclude: tuple[str, ...] = ()) -> list[Guard]:
    """:func:`limit_decisions_in_source` over every module under ``root / package``."""
    return _over_modules(_decisions_in_tree, root, package, exclude)


def _names_a_limit(operand: ast.expr) -> bool:
    """Whether ``operand`` is or holds a limit: a name spelled like one, a module constant
    (``MIB``, ``EDGE_INK_SHARE``), or a number other than 0 and 1 (``255``, ``65535``, ``1.0``
    as the top of a range of floats)."""
    called = {id(node.func) for node in ast.walk(operand) if isinstance(node, ast.Call)}
    for node in ast.walk(operand):
        if id(node) in called:
            continue
        if isinstance(node, ast.Constant) and _is_a_bound_number(node.value):
            return True
        name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
        if isinstance(name, str) and (_LIMIT_NAME.search(name) or _CONSTANT.fullmatch(name)):
            return True
    return False


def _is_a_bound_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return value != 0 and not (isinstance(value, int) and value == 1)
