"""Every property test file, and every training sanity test on the real models, catches a
planted bug (scripts/planted_bugs.py, run by scripts/property_mutants.py).

The fast tests keep the list of planted bugs in step with the code; the slow one plants each bug
in a copy of the repository and checks that its test fails there.
"""

from __future__ import annotations

import ast

import pytest
import yaml

from scripts.planted_bugs import MUTANTS, PROPERTY_TESTS, SANITY_TESTS, Mutant
from scripts.property_mutants import (
    REPO_ROOT,
    check_passed,
    mutant_status,
    planted_source,
    run_check,
)
from text_recognizer.errors import PlantedBugDriftError


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda mutant: mutant.name)
def test_each_planted_bug_matches_the_current_source_exactly_once(mutant):
    source = (REPO_ROOT / mutant.path).read_text(encoding="utf-8")
    assert planted_source(mutant) != source


def test_the_held_out_rounds_plant_cleanly_and_only_their_survivors_joined_the_catalogue():
    """Here, not in the fast lane: in a planted copy the planted snippet is gone, so this check
    fails in every copy and the kill-rate runner leaves this file out."""
    from scripts.planted_bugs import HELD_OUT_CAUGHT
    from scripts.unseen_bugs import MUTANTS as HELD_OUT
    from scripts.unseen_bugs import ROUNDS

    assert all(len(bugs) >= 30 for bugs in ROUNDS.values())
    assert len({m.name for m in HELD_OUT}) == len(HELD_OUT)
    written_beside_the_tests = [m for m in MUTANTS if m not in HELD_OUT_CAUGHT]
    assert not {m.name for m in HELD_OUT} & {m.name for m in written_beside_the_tests}
    assert not {(m.path, m.original) for m in HELD_OUT} & {
        (m.path, m.original) for m in written_beside_the_tests
    }
    assert {m.name for m in HELD_OUT_CAUGHT} <= {m.name for m in HELD_OUT}
    for mutant in HELD_OUT:
        parse_planted(mutant)  # drift or a syntax error fails
    assert "other" not in {m.area for m in HELD_OUT}


def parse_planted(mutant: Mutant) -> None:
    """Parse the planted file as what it is: a bug may sit in a shipped YAML config too."""
    source = planted_source(mutant)
    if mutant.path.endswith((".yaml", ".yml")):
        yaml.safe_load(source)
    else:
        compile(source, mutant.path, "exec")


def test_every_property_test_file_is_targeted_by_a_planted_bug():
    found = (REPO_ROOT / PROPERTY_TESTS).glob("test_*_properties.py")
    files = {path.relative_to(REPO_ROOT).as_posix() for path in found}
    assert files == {m.target for m in MUTANTS if m.target.startswith(f"{PROPERTY_TESTS}/")}


def sanity_tests_on_the_models() -> set[str]:
    """Tests of the sanity file that take the ``kind`` parameter, directly or via fixtures."""
    tree = ast.parse((REPO_ROOT / SANITY_TESTS).read_text(encoding="utf-8"))
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    arguments = {node.name: {arg.arg for arg in node.args.args} for node in functions}
    on_kind = {"kind"}
    for _ in functions:  # fixtures on fixtures: as many passes as names reach the fixed point
        on_kind |= {name for name, args in arguments.items() if args & on_kind}
    return {name for name in on_kind if name.startswith("test_")}


def test_the_training_sanity_test_file_is_targeted_by_planted_bugs():
    assert SANITY_TESTS in {mutant.target for mutant in MUTANTS}


def test_every_sanity_test_on_the_models_is_targeted_by_a_planted_bug():
    aimed = {mutant.keyword.split()[0] for mutant in MUTANTS if mutant.target == SANITY_TESTS}
    assert aimed == sanity_tests_on_the_models()


def test_planted_bug_names_are_unique():
    names = [mutant.name for mutant in MUTANTS]
    assert len(names) == len(set(names))


def test_a_snippet_that_drifted_from_the_source_is_refused_by_mutant_name(tmp_path):
    (tmp_path / "module.py").write_text("x = 1\nx = 1\n", encoding="utf-8")
    drifted = Mutant("twice", "module.py", "x = 1", "x = 2", "t.py", None, "occurs twice")
    with pytest.raises(PlantedBugDriftError, match=r"'twice'.*occurs 2 times in module\.py"):
        planted_source(drifted, tmp_path)


@pytest.mark.slow
def test_every_planted_bug_is_caught_by_its_test():
    pytest.importorskip("hypothesis")  # without it the property tests skip and nothing is caught
    outcomes = run_check(MUTANTS)
    baseline, *planted = outcomes
    table = "\n".join(f"{o.name}: {mutant_status(o)} ({o.target})" for o in planted)
    assert baseline.passed, f"the unmutated copy fails its target tests:\n{baseline.output}"
    assert check_passed(outcomes, MUTANTS), f"planted bugs not caught:\n{table}"
