"""Simulate the GPU machine's stock Python stack on a development machine.

The GPU machine has torch, Lightning, torchmetrics, numpy, Pillow, pandas, PyYAML, pytest and
hypothesis (and what they need), and nothing can be installed there. A dry run of
``scripts/gpu_run.sh`` should fail here exactly where it would fail there, so it hides every
other installed distribution (wordfreq, fontpkg, onnx, great-expectations, FastAPI, ...):
``eval "$(python -m scripts.stock_stack)"`` exports their top-level modules and names, and with
``scripts/stock_stack_site`` on ``PYTHONPATH`` importing any of them raises
``ModuleNotFoundError`` and ``importlib.metadata`` does not list them (libraries such as
torchmetrics decide by metadata whether to import an optional package). pytest plugins stay
importable (pytest loads them by entry point before any test runs; they are the runner's
business, not the package's).
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

#: The GPU machine's stack (distribution names).
STOCK = (
    "torch",
    "lightning",
    "torchmetrics",
    "numpy",
    "pillow",
    "pandas",
    "pyyaml",
    "pytest",
    "hypothesis",
)
#: The project itself: there it runs from PYTHONPATH, without its dependencies.
PROJECT = "text-recognizer"
#: The interpreter's own tooling, never imported by the package.
TOOLING = ("pip", "setuptools", "wheel")
HIDE_VARIABLE = "STOCK_STACK_HIDE"
DISTRIBUTIONS_VARIABLE = "STOCK_STACK_HIDE_DISTRIBUTIONS"
SITE_DIR = Path(__file__).resolve().parent / "stock_stack_site"


def normalize(name: str) -> str:
    """PEP 503 normalisation of a distribution name.

    >>> normalize("Pillow"), normalize("typing_extensions")
    ('pillow', 'typing-extensions')
    """
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements(distribution: metadata.Distribution) -> list[str]:
    """Names of what ``distribution`` requires, optional extras left out."""
    names = []
    for requirement in distribution.requires or []:
        spec, _, marker = requirement.partition(";")
        if "extra" in marker:
            continue
        if marker.strip():
            try:
                from packaging.markers import Marker

                if not Marker(marker).evaluate():
                    continue
            except ImportError:  # pragma: no cover - packaging comes with pytest
                pass
        names.append(normalize(re.split(r"[\s<>=!~\[(@]", spec.strip(), maxsplit=1)[0]))
    return names


def allowed_distributions() -> set[str]:
    """The stock stack, pytest plugins and tooling, closed under their requirements."""
    installed = {normalize(dist.metadata["Name"]): dist for dist in metadata.distributions()}
    plugins = {
        normalize(dist.metadata["Name"])
        for dist in installed.values()
        if any(entry.group == "pytest11" for entry in dist.entry_points)
    }
    pending = [*STOCK, *TOOLING, *plugins]
    allowed = {PROJECT}
    while pending:
        name = pending.pop()
        if name in allowed:
            continue
        allowed.add(name)
        if name in installed:
            pending += _requirements(installed[name])
    return allowed


def hidden_distributions() -> list[str]:
    """Installed distributions outside the stock stack (normalised names)."""
    allowed = allowed_distributions()
    installed = {normalize(dist.metadata["Name"]) for dist in metadata.distributions()}
    return sorted(installed - allowed)


def hidden_modules() -> list[str]:
    """Top-level modules that only distributions outside the stock stack provide."""
    allowed = allowed_distributions()
    hidden = []
    for module, providers in metadata.packages_distributions().items():
        if module.isidentifier() and not any(normalize(name) in allowed for name in providers):
            hidden.append(module)
    return sorted(hidden)


def environment() -> dict[str, str]:
    """The variables that hide everything outside the stock stack (PYTHONPATH not included)."""
    return {
        HIDE_VARIABLE: ",".join(hidden_modules()),
        DISTRIBUTIONS_VARIABLE: ",".join(hidden_distributions()),
    }


if __name__ == "__main__":
    for name, value in environment().items():
        sys.stdout.write(f"export {name}={value}\n")
