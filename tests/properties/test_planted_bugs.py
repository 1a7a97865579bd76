"""Every property test file catches at least one planted bug (training/property_mutants.py).

The fast tests keep the list of planted bugs in step with the code; the slow one plants each bug
in a copy of the repository and checks that its property test fails there.
"""

from __future__ import annotations

import pytest

from text_recognizer.errors import PlantedBugDriftError
from training.property_mutants import (
    MUTANTS,
    PROPERTY_TESTS,
    REPO_ROOT,
    Mutant,
    check_passed,
    mutant_status,
    planted_source,
    run_check,
)


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda mutant: mutant.name)
def test_each_planted_bug_matches_the_current_source_exactly_once(mutant):
    source = (REPO_ROOT / mutant.path).read_text(encoding="utf-8")
    assert planted_source(mutant) != source


def test_every_property_test_file_is_targeted_by_a_planted_bug():
    found = (REPO_ROOT / PROPERTY_TESTS).glob("test_*_properties.py")
    files = {path.relative_to(REPO_ROOT).as_posix() for path in found}
    assert files == {mutant.target for mutant in MUTANTS}


def test_planted_bug_names_are_unique():
    names = [mutant.name for mutant in MUTANTS]
    assert len(names) == len(set(names))


def test_a_snippet_that_drifted_from_the_source_is_refused_by_mutant_name(tmp_path):
    (tmp_path / "module.py").write_text("x = 1\nx = 1\n", encoding="utf-8")
    drifted = Mutant("twice", "module.py", "x = 1", "x = 2", "t.py", None, "occurs twice")
    with pytest.raises(PlantedBugDriftError, match=r"'twice'.*occurs 2 times in module\.py"):
        planted_source(drifted, tmp_path)


@pytest.mark.slow
def test_every_planted_bug_is_caught_by_its_property_test():
    pytest.importorskip("hypothesis")  # without it the property tests skip and nothing is caught
    outcomes = run_check(MUTANTS)
    baseline, *planted = outcomes
    table = "\n".join(f"{o.name}: {mutant_status(o)} ({o.target})" for o in planted)
    assert baseline.passed, f"the unmutated copy fails its property tests:\n{baseline.output}"
    assert check_passed(outcomes, MUTANTS), f"planted bugs not caught:\n{table}"
