"""Behavioural suites on the staged model: each within the tolerance of the one tolerance file.

The suites read the committed lines of ``tests/regression/behaviour`` with the packaged
default model (or the staged folder ``TEXT_RECOGNIZER_BEHAVIOUR_MODEL`` names). Without a
compatible staged model they skip, saying why. A new model is judged only after its tolerances
are re-measured deliberately: ``text-recognizer regress behaviour --remeasure --reason "..."``;
``text-recognizer regress behaviour --report docs/behaviour.png`` redraws the report.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from text_recognizer.errors import StagedModelError
from text_recognizer.testing import behaviour as bh

LINES = Path(__file__).resolve().parent / "behaviour"
MODEL_ENV = "TEXT_RECOGNIZER_BEHAVIOUR_MODEL"
TOLERANCES = bh.read_tolerances(LINES / bh.TOLERANCES_FILE)
SUITES = [*bh.PERTURBATIONS, *sorted(TOLERANCES.functionality)]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def recognizer():
    from text_recognizer.recognizer import Recognizer

    try:
        loaded = Recognizer.load(os.environ.get(MODEL_ENV) or None)
    except StagedModelError as error:
        pytest.skip(f"no compatible staged model for the behavioural suites: {error}")
    if "lines" not in loaded.models:
        pytest.skip("the staged model has no line model; the behavioural suites read lines")
    return loaded


@pytest.fixture(scope="module")
def version(recognizer) -> str:
    return recognizer.models["lines"].staged.version


@pytest.fixture(scope="module")
def results(recognizer):
    measured = bh.measure(bh.recognizer_reader(recognizer), LINES, TOLERANCES)
    return {result.name: result for result in measured}


def test_the_tolerances_were_measured_for_the_staged_model(version):
    problem = bh.mismatched_model(TOLERANCES, version)
    assert problem is None, problem


@pytest.mark.parametrize("name", SUITES)
def test_each_suite_is_within_its_tolerance(results, version, name):
    result = results[name]
    if result.tolerance is not None and result.tolerance.kind == "measured":
        problem = bh.mismatched_model(TOLERANCES, version)
        if problem:
            pytest.fail(problem, pytrace=False)
    assert result.passed, f"{result.describe()}\nreason for the tolerance: {result.tolerance}"
