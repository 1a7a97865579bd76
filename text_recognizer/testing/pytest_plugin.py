"""pytest options for deliberate golden regeneration: ``--regen-goldens --regen-reason "..."``.

Load it from the root ``tests/conftest.py`` with
``pytest_plugins = ["text_recognizer.testing.pytest_plugin"]`` (pytest only accepts options
from the root conftest or a plugin). Tests ask for the :func:`golden_regeneration` fixture: when
regeneration is on they rewrite their goldens (logging the reason) instead of failing on them.
A reason is mandatory, so no golden ever moves without a recorded why.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class GoldenRegeneration:
    """Whether this run rewrites goldens, and the reason it records."""

    enabled: bool
    reason: str


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("goldens", "golden files")
    group.addoption(
        "--regen-goldens",
        action="store_true",
        default=False,
        help="rewrite golden files from the current model instead of comparing with them",
    )
    group.addoption(
        "--regen-reason",
        default="",
        help="why the goldens move; recorded in the changelog beside them (required with "
        "--regen-goldens)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--regen-goldens") and not config.getoption("--regen-reason").strip():
        raise pytest.UsageError(
            '--regen-goldens needs --regen-reason "why the goldens move" (it is logged)'
        )


@pytest.fixture(scope="session")
def golden_regeneration(pytestconfig: pytest.Config) -> GoldenRegeneration:
    """This run's regeneration request (off unless ``--regen-goldens`` was given)."""
    return GoldenRegeneration(
        enabled=bool(pytestconfig.getoption("--regen-goldens")),
        reason=pytestconfig.getoption("--regen-reason").strip(),
    )
