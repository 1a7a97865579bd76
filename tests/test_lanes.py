"""The lane policy of tests/conftest.py: gpu tests skip visibly on CPU, a GPU-lane run refuses."""

from pathlib import Path

import pytest
import torch

from tests.conftest import selects_gpu_lane

pytest_plugins = ["pytester"]

CONFTEST = Path(__file__).with_name("conftest.py").read_text()
INI = """
[pytest]
addopts = --strict-markers -p no:cacheprovider
markers =
    slow: slow
    gpu: gpu
    data: data
"""
TESTS = """
import pytest

@pytest.mark.gpu
def test_needs_cuda():
    pass

def test_plain():
    pass
"""


@pytest.mark.parametrize(
    ("markexpr", "selected"),
    [
        ("gpu", True),
        ("gpu and not slow", True),
        ("not slow", False),
        ("not gpu", False),
        ("", False),
        ("slow or gpu", True),
        ("gpu or not slow", False),
    ],
)
def test_gpu_lane_selection_is_read_from_the_mark_expression(markexpr, selected):
    assert selects_gpu_lane(markexpr) is selected


@pytest.fixture
def lane_project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST)
    pytester.makeini(INI)
    pytester.makepyfile(test_lane=TESTS)
    return pytester


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the policy on a machine without CUDA")
def test_selecting_the_gpu_lane_without_cuda_fails_loudly(lane_project):
    result = lane_project.runpytest("-m", "gpu")
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*GPU lane was selected*no CUDA device is visible*"])


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the policy on a machine without CUDA")
def test_cpu_lane_skips_gpu_tests_with_a_reason_in_the_summary(lane_project):
    result = lane_project.runpytest("-m", "not slow", "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*SKIPPED*needs a CUDA device*pytest -m gpu*"])


def test_data_tests_skip_unless_the_data_lane_is_selected(pytester: pytest.Pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makeini(INI)
    pytester.makepyfile(
        test_download="import pytest\n\n@pytest.mark.data\ndef test_fetch():\n    pass\n"
    )
    pytester.runpytest("-rs").assert_outcomes(skipped=1)
    pytester.runpytest("-m", "data").assert_outcomes(passed=1)


def test_a_folder_named_data_does_not_make_its_tests_data_tests(pytester: pytest.Pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makeini(INI)
    pytester.mkpydir("data")
    pytester.path.joinpath("data", "test_parse.py").write_text("def test_parse():\n    pass\n")
    pytester.runpytest().assert_outcomes(passed=1)


def test_the_ci_hypothesis_profile_draws_fresh_examples_after_the_committed_ones():
    from hypothesis import settings
    from hypothesis.database import ReadOnlyDatabase

    from tests.conftest import HYPOTHESIS_EXAMPLES, register_hypothesis_profiles

    register_hypothesis_profiles()  # in-process pytester runs register their own copies
    ci = settings.get_profile("ci")
    assert not ci.derandomize
    assert isinstance(ci.database, ReadOnlyDatabase)
    assert str(HYPOTHESIS_EXAMPLES) in repr(ci.database)


def test_the_nightly_profile_draws_far_more_and_saves_failures_for_commit():
    from hypothesis import settings

    from tests.conftest import HYPOTHESIS_EXAMPLES, register_hypothesis_profiles

    register_hypothesis_profiles()
    nightly, ci = settings.get_profile("nightly"), settings.get_profile("ci")
    assert nightly.max_examples >= 10 * ci.max_examples and not nightly.derandomize
    assert str(HYPOTHESIS_EXAMPLES) in repr(nightly.database)


def test_planted_bugs_are_hunted_with_a_derandomized_profile():
    from hypothesis import settings

    from scripts.property_mutants import PYTEST_ARGS

    assert "--hypothesis-profile=mutants" in PYTEST_ARGS
    assert settings.get_profile("mutants").derandomize
