"""Every pipeline probe behaves as recorded in ``goldens/probes.json``.

A failure names the probe, each field that moved and by how much. If the change is deliberate,
re-record: ``text-recognizer regress probes --reason "WHY"`` (or ``pytest tests/regression
--regen-goldens --regen-reason "WHY"``, which rewrites every golden); the CHANGELOG entry lists
the probes that moved, for the reviewer.
"""

from __future__ import annotations

import pytest

from tests.regression.conftest import GOLDENS_DIR
from text_recognizer.errors import GoldenError
from text_recognizer.testing import probes

PROBES = probes.all_probes()


@pytest.fixture(scope="session")
def probe_goldens(golden_regeneration) -> probes.ProbeGoldens:
    if golden_regeneration.enabled:
        probes.regenerate_probes(golden_regeneration.reason, GOLDENS_DIR)
    try:
        return probes.read_probe_goldens(GOLDENS_DIR / probes.PROBES_FILE)
    except GoldenError as error:
        problem = str(error)
    pytest.fail(problem, pytrace=False)


@pytest.mark.parametrize("name", sorted(PROBES))
def test_pipeline_probe_behaves_as_recorded(name, probe_goldens):
    if name not in probe_goldens.probes:
        pytest.fail(f"probe {name!r} has no golden: {probes.REGENERATE_PROBES}", pytrace=False)
    item = PROBES[name]
    if item.missing():
        pytest.skip(f"probe {name!r} needs {', '.join(item.missing())} (an optional extra)")
    problems = probes.compare_probe(item, probe_goldens.probes[name], probes.run_probe(item))
    if problems:
        pytest.fail(
            probes.mismatch_report(name, problems, probe_goldens.environment), pytrace=False
        )


def test_every_recorded_probe_still_exists(probe_goldens):
    gone = sorted(set(probe_goldens.probes) - set(PROBES))
    assert not gone, f"recorded probes that no longer exist: {gone}; {probes.REGENERATE_PROBES}"


def test_every_stage_of_the_pipeline_is_probed():
    stages = {name.split("/", 1)[0] for name in PROBES}
    assert stages == set(probes.PROBE_MODULES)
