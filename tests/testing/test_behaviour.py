"""The behavioural-suite machinery, on test doubles of a reader: perturbations, measurement,
tolerances and their re-measurement. The suites on the staged model are
``tests/regression/test_behaviour_suites.py`` (slow lane)."""

from __future__ import annotations

import dataclasses
import json
import shutil

import numpy as np
import pytest
from PIL import Image

from tests.conftest import REPO_ROOT
from text_recognizer.errors import GoldenError
from text_recognizer.testing import behaviour as bh

LINES = REPO_ROOT / "tests" / "regression" / "behaviour"


@pytest.fixture(scope="module")
def lines():
    return bh.read_lines(LINES)


@pytest.fixture(scope="module")
def tolerances():
    return bh.read_tolerances(LINES / bh.TOLERANCES_FILE)


@pytest.fixture(scope="module")
def few_lines(tmp_path_factory, lines):
    """Two base lines and one of each functionality set: the suites' shape at a tenth of the
    cost (the committed lines are for the staged model)."""
    folder = tmp_path_factory.mktemp("behaviour")
    chosen = [line for line in lines if line.set == bh.BASE_SET][:2]
    chosen += [next(ln for ln in lines if ln.set == name) for name in ("digits", "capitals")]
    for line in chosen:
        shutil.copy(LINES / line.file, folder / line.file)
    payload = {"lines": [dataclasses.asdict(line) for line in chosen]}
    (folder / bh.LINES_FILE).write_text(json.dumps(payload), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def fragile_results(few_lines, tolerances):
    """The suites measured with a reader that reads nothing on inverted (dark) pages."""
    return {r.name: r for r in bh.measure(truthful(is_dark), few_lines, tolerances)}


def truthful(broken_when=lambda image: False):
    """A reader that reads every line right, except images ``broken_when`` says it cannot
    read, which it reads as nothing."""

    def read(images, lines):
        return ["" if broken_when(image) else line.text for image, line in zip(images, lines)]

    return read


def is_dark(image: Image.Image) -> bool:
    return float(np.asarray(image).mean()) < 128


def test_every_perturbation_returns_a_grey_image_and_is_deterministic(lines):
    image = Image.open(LINES / lines[0].file)
    for name, (perturb, _) in bh.PERTURBATIONS.items():
        once, twice = perturb(image), perturb(image)
        assert once.mode == "L", name
        assert np.array_equal(np.asarray(once), np.asarray(twice)), name


def test_polarity_inverts_and_margins_add_only_paper(lines):
    image = Image.open(LINES / lines[0].file).convert("L")
    assert np.array_equal(np.asarray(bh.invert(bh.invert(image))), np.asarray(image))
    framed = np.asarray(bh.margins(1.0)(image))
    pad = (framed.shape[0] - image.height) // 2
    assert pad == image.height and (framed[:pad] == 255).all()


def test_a_reader_that_reads_every_line_passes_every_suite_with_no_change(few_lines, tolerances):
    results = bh.measure(truthful(), few_lines, tolerances)
    assert {r.name for r in results} == set(bh.PERTURBATIONS) | {"digits", "capitals"}
    assert all(r.value == 0 and r.passed for r in results)


def test_a_reader_that_cannot_read_inverted_pages_fails_the_polarity_suite_only(
    fragile_results,
):
    failed = {name for name, result in fragile_results.items() if not result.passed}
    assert failed == {"polarity"}
    assert fragile_results["polarity"].value == pytest.approx(1.0)
    assert "worst base-0" in fragile_results["polarity"].describe()


def test_every_suite_has_a_tolerance_with_a_reason(lines, tolerances):
    sets = {line.set for line in lines} - {bh.BASE_SET}
    assert set(tolerances.invariance) == set(bh.PERTURBATIONS)
    assert set(tolerances.functionality) == sets
    entries = {**tolerances.invariance, **tolerances.functionality}
    assert all(len(t.reason) > 20 and t.kind in ("spec", "measured") for t in entries.values())


def test_remeasuring_sets_measured_limits_to_value_plus_margin_and_keeps_spec_ones(
    fragile_results, tolerances
):
    updated = bh.remeasured(tolerances, list(fragile_results.values()), "model-b", "new model")
    assert updated.model_version == "model-b" and updated.reason == "new model"
    assert updated.invariance["polarity"] == tolerances.invariance["polarity"]  # spec
    rotated = updated.invariance["rotate_plus_2"]
    assert (rotated.measured, rotated.limit) == (0.0, tolerances.margin)
    assert rotated.reason == tolerances.invariance["rotate_plus_2"].reason


def test_remeasuring_needs_a_reason(tolerances):
    with pytest.raises(GoldenError, match="needs a reason"):
        bh.remeasured(tolerances, [], "model-b", " ")


def test_tolerances_measured_for_another_model_name_the_command(tolerances):
    other = dataclasses.replace(tolerances, model_version="model-a")
    assert bh.mismatched_model(other, "model-a") is None
    assert bh.REMEASURE_COMMAND in bh.mismatched_model(other, "model-b")


def test_tolerances_round_trip_through_their_file(tmp_path, tolerances):
    path = bh.write_tolerances(tmp_path / "tolerances.json", tolerances)
    assert bh.read_tolerances(path) == tolerances
    assert json.loads(path.read_text())["invariance"]["polarity"]["kind"] == "spec"


def test_a_missing_tolerance_file_names_the_command(tmp_path):
    with pytest.raises(GoldenError, match="regress behaviour --remeasure"):
        bh.read_tolerances(tmp_path / "none.json")
