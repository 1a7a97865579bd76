"""Plugin: import the heavy third-party libraries before coverage starts tracing.

``make coverage`` and the pull-request gate load it with ``-p tests.coverage_preimport`` (with
``python -m pytest``, which puts the checkout on ``sys.path``). Coverage measures only
``text_recognizer`` (pyproject.toml), but while it runs, every Python call anywhere pays the
tracer: importing torch, Lightning, great-expectations and hypothesis under it cost each xdist
worker about 13 s of a 2-core fast lane (collection 42.6 s against 29.8 s, 2026-11-27).
Imported here first, they are already in ``sys.modules`` when pytest-cov starts, and what
coverage reports does not change (none of them is ``text_recognizer``; nothing of the package
may be imported here, or its module-level lines would go unmeasured).
"""

from __future__ import annotations

import importlib
import os

import pytest

#: Third-party modules the suite imports anyway, heaviest first; a missing extra is skipped here
#: and reported by the tests that need it.
HEAVY_MODULES = (
    "lightning.pytorch",
    "torch",
    "great_expectations",
    "hypothesis",
    "fastapi",
    "pandas",
    "onnxruntime",
    "onnx",
)


#: What tests/conftest.py needs: all that an xdist controller, which runs no test, imports.
CONFTEST_MODULES = ("torch", "hypothesis")


def runs_tests(options) -> bool:
    """False in an xdist controller (``-n``), which only hands tests to its workers."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return True
    return getattr(options, "numprocesses", None) in (None, 0)


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser, args):
    """Runs around pytest-cov's hook of the same name, which starts coverage."""
    options = early_config.known_args_namespace
    if getattr(options, "cov_source", None):
        for name in HEAVY_MODULES if runs_tests(options) else CONFTEST_MODULES:
            try:
                importlib.import_module(name)
            except ImportError:
                pass
    return (yield)
