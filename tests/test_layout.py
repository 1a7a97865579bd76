"""The layout the README promises: its "Where things live" map names real paths and every
folder of the package; the package never imports the repository's own folders, and its modules
never import each other in a circle (lazy imports inside functions included)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "text_recognizer"
#: Top-level folders of the checkout that are not shipped; the package must not import them.
REPOSITORY_FOLDERS = ("training", "scripts", "tests")


def readme_map(readme: str) -> list[str]:
    """Paths named in the first column of the README's "Where things live" block.

    A name at column 0 is a top-level path; at column 2 it lies in ``text_recognizer/``.
    """
    section = readme.split("## Where things live", 1)[1]
    block = section.split("```", 2)[1]
    paths = []
    for line in block.splitlines()[1:]:
        indent = len(line) - len(line.lstrip(" "))
        if not line.strip() or indent > 2:
            continue  # a description's continuation line
        column = re.split(r" {2,}", line.strip(), maxsplit=1)[0]
        for name in column.split(", "):
            paths.append(name if indent == 0 else f"text_recognizer/{name}")
    return paths


@pytest.fixture(scope="module")
def mapped() -> list[str]:
    return readme_map((REPO_ROOT / "README.md").read_text(encoding="utf-8"))


def test_every_path_in_the_readme_map_exists(mapped):
    missing = [path for path in mapped if not (REPO_ROOT / path).exists()]
    assert mapped and not missing


def test_the_readme_map_names_every_subpackage(mapped):
    subpackages = {
        f"text_recognizer/{path.parent.name}/"
        for path in PACKAGE.glob("*/__init__.py")
        if path.parent.name != "__pycache__"
    }
    assert subpackages - set(mapped) == set()


@pytest.mark.parametrize("folder", ["text_recognizer/", "training/", "scripts/", "tests/"])
def test_the_readme_map_names_each_top_level_folder(mapped, folder):
    assert folder in mapped


def imported_roots(path: Path) -> set[str]:
    """First components of the modules ``path`` imports (absolute imports only)."""
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_package_module_imports_a_repository_folder():
    offenders = {
        str(path.relative_to(REPO_ROOT)): sorted(imported_roots(path) & set(REPOSITORY_FOLDERS))
        for path in PACKAGE.rglob("*.py")
    }
    assert {name: roots for name, roots in offenders.items() if roots} == {}


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports anywhere in its file."""
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found |= {f"{node.module}.{alias.name}" for alias in node.names} | {node.module}
            elif isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
        graph[name] = {other for other in found if other in modules and other != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle of ``graph`` (as a path that returns to its start), or []."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = "open"
        path.append(node)
        for other in sorted(graph[node]):
            if state.get(other) == "open":
                return path[path.index(other) :] + [other]
            if other not in state and (cycle := visit(other)):
                return cycle
        state[node] = "done"
        path.pop()
        return []

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return []


def test_no_package_modules_import_each_other_in_a_circle():
    assert find_cycle(package_graph()) == []
