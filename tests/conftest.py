"""Markers, the GPU policy, per-test seeding and hypothesis profiles for the whole suite.

GPU policy: a ``gpu`` test skips with a reason when CUDA is absent, so the CPU lane shows what
it did not run; but a run that *selected* the GPU lane (``-m gpu``) on a machine without CUDA
is refused outright, because a lane that silently skips everything is a false green.
"""

from __future__ import annotations

import contextlib
import os
import random
import zlib
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest
import torch

pytest_plugins = ["text_recognizer.testing.pytest_plugin", "tests.staged_models"]

#: The checkout's root, for tests that read its files (pyproject.toml, scripts/, configs).
REPO_ROOT = Path(__file__).resolve().parent.parent

#: Committed examples every ``ci`` run replays first: failures found by a nightly run (or by
#: hand) go here, so a pull request can never pass a property that once failed.
HYPOTHESIS_EXAMPLES = REPO_ROOT / "tests" / "hypothesis-examples"

try:  # hypothesis is in the dev extra and on the GPU runner's stock stack
    from hypothesis import HealthCheck, Phase, settings
    from hypothesis.database import DirectoryBasedExampleDatabase, ReadOnlyDatabase
except ImportError:  # pragma: no cover
    settings = None


def register_hypothesis_profiles() -> None:
    """``dev`` (laptops), ``ci`` (pull requests: few fresh examples per run after the committed
    ones, read-only), ``nightly`` (many fresh examples; failures saved into the committed
    folder) and ``mutants`` (derandomized: a planted bug is caught or not, reproducibly)."""
    quiet = [HealthCheck.too_slow]
    settings.register_profile("dev", max_examples=60, deadline=None)
    # derandomize is explicit: Hypothesis loads its own derandomized "ci" defaults when it sees a
    # CI variable, and every profile registered after that would inherit them.
    settings.register_profile(
        "ci",
        max_examples=20,
        deadline=None,
        derandomize=False,
        print_blob=True,
        suppress_health_check=quiet,
        database=ReadOnlyDatabase(DirectoryBasedExampleDatabase(HYPOTHESIS_EXAMPLES)),
    )
    settings.register_profile(
        "nightly",
        max_examples=1000,
        deadline=None,
        derandomize=False,
        print_blob=True,
        suppress_health_check=quiet,
        database=DirectoryBasedExampleDatabase(HYPOTHESIS_EXAMPLES),
    )
    settings.register_profile(
        "mutants",
        max_examples=20,
        deadline=None,
        derandomize=True,
        print_blob=True,
        suppress_health_check=quiet,
        database=None,
        # Planted-bug runs (scripts/kill_rate.py) need a failure, not its smallest example: no
        # shrinking, which can take minutes on a model test.
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
    )


if settings is not None:
    register_hypothesis_profiles()
    _default_profile = "ci" if os.environ.get("CI") else "dev"
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", _default_profile))


def selects_lane(markexpr: str, marker: str) -> bool:
    """True when a ``-m`` expression selects ``marker`` tests but not unmarked ones.

    ``gpu`` and ``gpu and not slow`` select the gpu lane; ``not slow`` does not.
    """
    if not markexpr:
        return False
    from _pytest.mark.expression import Expression

    expression = Expression.compile(markexpr)
    with_marker = expression.evaluate(lambda name, **_: name == marker)
    without = expression.evaluate(lambda name, **_: False)
    return with_marker and not without


def selects_gpu_lane(markexpr: str) -> bool:
    """True when a ``-m`` expression selects the GPU lane."""
    return selects_lane(markexpr, "gpu")


def pytest_configure(config: pytest.Config) -> None:
    if selects_gpu_lane(config.option.markexpr) and not torch.cuda.is_available():
        raise pytest.UsageError(
            "the GPU lane was selected (-m gpu) but no CUDA device is visible "
            f"(torch {torch.__version__}, CUDA build: {torch.version.cuda}). Run it on a GPU "
            "runner; on a CPU machine use -m 'not slow', which skips gpu tests with a reason."
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_gpu = pytest.mark.skip(reason="needs a CUDA device: run the GPU lane with `pytest -m gpu`")
    skip_data = pytest.mark.skip(reason="downloads a real data set: run with `pytest -m data`")
    has_cuda = torch.cuda.is_available()
    wants_data = selects_lane(config.option.markexpr, "data")
    for item in items:
        if item.get_closest_marker("gpu") and not has_cuda:
            item.add_marker(skip_gpu)
        if item.get_closest_marker("data") and not wants_data:
            item.add_marker(skip_data)


@pytest.fixture(autouse=True)
def _seed_everything(request: pytest.FixtureRequest) -> int:
    """Seed python, numpy and torch from the test's id, so each test is reproducible alone."""
    seed = zlib.crc32(request.node.nodeid.encode()) % (2**31)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return seed


@contextlib.contextmanager
def one_torch_thread() -> Iterator[None]:
    """Run with one intra-op torch thread, then restore the setting.

    The suite's models are tiny: on a shared 2-core runner, torch's thread pool made them 10-100x
    slower, not faster. Inference on 2 cores also uses one thread.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    with one_torch_thread():
        yield
