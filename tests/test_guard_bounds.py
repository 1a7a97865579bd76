"""Each guard in the package accepts its limit and refuses one step past it; each decision
against a named limit comes out one way at the limit and the other way one step past it.

A bound one step off (``<`` for ``<=``) passes every test that uses typical values; only a test
at the limit notices. Guards and decisions are found from the source, so a new one without its
bounds in ``tests/guard_bounds.py`` or ``tests/decision_bounds.py`` fails here by name.
"""

from __future__ import annotations

import re
import signal
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import REPO_ROOT
from tests.decision_bounds import EXEMPT, Decision, all_decisions
from tests.guard_bounds import Bound, all_bounds
from text_recognizer.testing.guards import Guard, package_guards, package_limit_decisions

BOUNDS = all_bounds()
GUARDS = package_guards(REPO_ROOT, "text_recognizer", exclude=("testing",))
DECISIONS = all_decisions()
LIMIT_DECISIONS = package_limit_decisions(REPO_ROOT, "text_recognizer", exclude=("testing",))


#: Seconds one call at a bound may take: a limit one step off can turn a loop endless.
CALL_SECONDS = 30


@contextmanager
def time_limit(seconds: int = CALL_SECONDS) -> Iterator[None]:
    """Fail, rather than hang, when the block runs longer than ``seconds`` (where the platform
    has SIGALRM; elsewhere the block runs unbounded)."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def expire(*_: object) -> None:
        raise TimeoutError(f"the call did not return within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def outcome_of(bound: Bound, value: object, tmp: Path) -> BaseException | None:
    """What ``bound.call(value)`` raised, or None when it returned."""
    try:
        with time_limit():
            bound.call(value, tmp)
    except Exception as error:  # noqa: BLE001 - the test says which outcomes are right
        return error
    return None


@pytest.mark.parametrize("bound", BOUNDS, ids=lambda bound: bound.id)
def test_the_value_at_the_limit_is_accepted(bound: Bound, tmp_path: Path) -> None:
    raised = outcome_of(bound, bound.inside, tmp_path)
    ended = "returned" if raised is None else f"raised {type(raised).__name__}: {raised}"
    if bound.then is None:
        assert raised is None, f"{bound.inside!r} is within {bound.name} but the call {ended}"
    else:
        refused = isinstance(raised, bound.refusal) and re.search(bound.message, str(raised))
        assert isinstance(raised, bound.then) and not refused, (
            f"{bound.inside!r} is within {bound.name}: expected it past the guard and on to "
            f"{bound.then.__name__}, but the call {ended}"
        )


@pytest.mark.parametrize("bound", BOUNDS, ids=lambda bound: bound.id)
def test_one_step_past_the_limit_is_refused(bound: Bound, tmp_path: Path) -> None:
    with pytest.raises(bound.refusal, match=bound.message), time_limit():
        bound.call(bound.outside, tmp_path)


def sites_short_of_bounds(found: list[Guard], held: list[str], what: str) -> dict[str, str]:
    """Each site among ``found`` with fewer entries in ``held`` than it has ``what``s."""
    count_found, count_held = Counter(item.site for item in found), Counter(held)
    return {
        site: f"{count_held[site]} bound(s) for {count} {what}(s)"
        for site, count in count_found.items()
        if count_held[site] < count
    }


def test_every_guard_site_has_a_bound_per_guard() -> None:
    short = sites_short_of_bounds(GUARDS, [bound.site for bound in BOUNDS], "guard")
    assert not short, f"guards with too few bounds in tests/guard_bounds.py: {short}"


@pytest.mark.parametrize("decision", DECISIONS, ids=lambda decision: decision.id)
def test_a_decision_at_its_limit_comes_out_as_at_the_limit(decision: Decision, tmp_path) -> None:
    with time_limit():
        assert decision.observe(decision.inside, tmp_path) == decision.at_limit


@pytest.mark.parametrize("decision", DECISIONS, ids=lambda decision: decision.id)
def test_a_decision_one_step_past_its_limit_comes_out_as_past_it(decision: Decision, tmp_path):
    with time_limit():
        assert decision.observe(decision.outside, tmp_path) == decision.past_limit


def test_every_decision_against_a_named_limit_has_its_bounds_or_a_reason() -> None:
    held = [decision.site for decision in DECISIONS]
    short = sites_short_of_bounds(LIMIT_DECISIONS, held, "decision")
    short = {site: why for site, why in short.items() if site not in EXEMPT}
    assert not short, f"decisions with too few bounds in tests/decision_bounds.py: {short}"


def test_bounds_and_exemptions_name_decision_sites_that_exist() -> None:
    sites = {decision.site for decision in LIMIT_DECISIONS}
    assert {decision.site for decision in DECISIONS} | set(EXEMPT) <= sites


def test_every_bound_names_a_guard_site_that_exists() -> None:
    sites = {guard.site for guard in GUARDS}
    assert {bound.site for bound in BOUNDS} <= sites


def test_bound_ids_are_unique() -> None:
    ids = Counter([bound.id for bound in BOUNDS] + [decision.id for decision in DECISIONS])
    assert [name for name, count in ids.items() if count > 1] == []


def test_the_scan_finds_a_guard_in_a_nested_method() -> None:
    from text_recognizer.testing.guards import guards_in_source

    source = "class A:\n    def f(self, n):\n        if n >= 3:\n            raise ValueError\n"
    assert guards_in_source(source, "a.py") == [Guard("a.py", "A.f", 3, "n >= 3")]


def test_the_scan_ignores_an_ordering_that_does_not_raise() -> None:
    from text_recognizer.testing.guards import guards_in_source

    assert guards_in_source("def f(n):\n    if n < 3:\n        return 0\n", "a.py") == []


def test_a_package_scanned_again_after_an_edit_shows_the_edit(tmp_path: Path) -> None:
    """Scans are cached per process; an edited module must not be served from the cache."""
    module = tmp_path / "pkg" / "m.py"
    module.parent.mkdir()
    module.write_text("def f(n):\n    if n < 3:\n        raise ValueError\n", encoding="utf-8")
    assert [g.condition for g in package_guards(tmp_path, "pkg")] == ["n < 3"]
    module.write_text("def f(n):\n    if n <= 30:\n        raise ValueError\n", encoding="utf-8")
    assert [g.condition for g in package_guards(tmp_path, "pkg")] == ["n <= 30"]


def test_each_guard_mutant_flips_one_operator_of_a_guard_that_exists() -> None:
    from scripts.guard_mutants import MUTANTS
    from scripts.property_mutants import planted_source

    assert len(MUTANTS) >= len(GUARDS)
    for mutant in MUTANTS:
        planted_source(mutant)  # refuses a snippet that is not there exactly once
        assert inserted_or_removed(mutant.original, mutant.replacement) == "=", mutant.name


def inserted_or_removed(before: str, after: str) -> str:
    """The text one string has beyond the other, after an ordering operator."""
    shorter, longer = sorted((before, after), key=len)
    at = next(i for i, (a, b) in enumerate(zip(shorter + "\0", longer)) if a != b)
    assert longer[:at] + longer[at + 1 :] == shorter and longer[at - 1] in "<>"
    return longer[at]
