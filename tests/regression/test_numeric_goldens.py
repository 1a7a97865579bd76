"""Raw outputs of a fixed input through every backend of the default model, held to atol/rtol.

Regenerate deliberately: ``pytest tests/regression --regen-goldens --regen-reason "why"``.
"""

from __future__ import annotations

import json

import pytest
import torch

from tests.regression.conftest import GOLDENS_DIR, SAMPLES_DIR
from text_recognizer.errors import GoldenError
from text_recognizer.testing import numeric_goldens
from text_recognizer.testing.fixed_samples import read_fixed_samples

BACKENDS = ("eager", "torchscript", "onnx")


@pytest.fixture(scope="module")
def default_numeric_goldens(regenerated):
    try:
        return numeric_goldens.read_numeric_goldens(GOLDENS_DIR / numeric_goldens.NUMERIC_FILE)[0]
    except GoldenError as error:
        problem = str(error)
    pytest.fail(problem, pytrace=False)


@pytest.mark.parametrize("backend", BACKENDS)
def test_backend_outputs_match_numeric_goldens(
    backend, default_model, default_numeric_goldens, fixed_samples
):
    if backend == "onnx":
        pytest.importorskip("onnxruntime")
    outputs, _ = numeric_goldens.backend_outputs(default_model, backend, SAMPLES_DIR, fixed_samples)
    problems = numeric_goldens.compare(default_numeric_goldens, outputs, backend)
    if problems:
        pytest.fail("\n".join(problem.describe() for problem in problems), pytrace=False)


# -- the mechanism, on a tiny random model ----------------------------------------------------


@pytest.fixture
def tiny_numeric(tiny_model_dir, tiny_samples_dir):
    samples = read_fixed_samples(tiny_samples_dir)
    outputs, _ = numeric_goldens.backend_outputs(tiny_model_dir, "eager", tiny_samples_dir, samples)
    return numeric_goldens.record(outputs), outputs


def test_line_input_is_a_fixed_crop_of_the_first_line_sample(tiny_samples_dir):
    inputs = numeric_goldens.fixed_inputs(tiny_samples_dir, read_fixed_samples(tiny_samples_dir))
    assert tuple(inputs["lines"]["images"].shape) == (1, 1, 40, numeric_goldens.LINE_INPUT_WIDTH)
    assert inputs["lines"]["widths"].tolist() == [numeric_goldens.LINE_INPUT_WIDTH]


def test_recorded_outputs_match_themselves(tiny_numeric):
    goldens, outputs = tiny_numeric
    assert set(goldens) == {"lines/log_probs", "lines/lengths"}
    assert numeric_goldens.compare(goldens, outputs, "eager") == []


def test_drift_beyond_tolerance_names_key_backend_and_size(tiny_numeric):
    goldens, outputs = tiny_numeric
    drifted = dict(outputs, **{"lines/log_probs": outputs["lines/log_probs"] + 0.01})
    (problem,) = numeric_goldens.compare(goldens, drifted, "onnx")
    assert problem.key == "lines/log_probs" and problem.backend == "onnx"
    assert "max |diff| 0.01" in problem.describe()


def test_drift_within_tolerance_passes(tiny_numeric):
    goldens, outputs = tiny_numeric
    nudged = dict(outputs, **{"lines/log_probs": outputs["lines/log_probs"] + 1e-4})
    assert numeric_goldens.compare(goldens, nudged, "eager") == []


def test_integer_outputs_must_match_exactly(tiny_numeric):
    goldens, outputs = tiny_numeric
    shifted = dict(outputs, **{"lines/lengths": outputs["lines/lengths"] + 1})
    assert [p.key for p in numeric_goldens.compare(goldens, shifted, "eager")] == ["lines/lengths"]


def test_changed_shape_is_reported(tiny_numeric):
    goldens, outputs = tiny_numeric
    cut = dict(outputs, **{"lines/log_probs": outputs["lines/log_probs"][:, :-1]})
    (problem,) = numeric_goldens.compare(goldens, cut, "eager")
    assert "shape" in problem.detail


def test_hand_set_tolerance_is_kept_when_recording_again(tiny_numeric):
    goldens, outputs = tiny_numeric
    loose = dict(goldens)
    loose["lines/log_probs"] = numeric_goldens.NumericGolden(
        goldens["lines/log_probs"].shape, goldens["lines/log_probs"].values, 0.5, 0.0
    )
    assert numeric_goldens.record(outputs, loose)["lines/log_probs"].atol == 0.5


def test_regenerated_file_round_trips(tmp_path, tiny_model_dir, tiny_samples_dir):
    samples = read_fixed_samples(tiny_samples_dir)
    path, entry = numeric_goldens.regenerate(
        "first", tiny_model_dir, tiny_samples_dir, samples, tmp_path
    )
    goldens, meta = numeric_goldens.read_numeric_goldens(path)
    assert meta["reason"] == "first" and entry.old_metric is None
    assert torch.equal(goldens["lines/lengths"].tensor().long(), torch.tensor([16]))
    assert json.loads(path.read_text())["model_version"] == "lines-tiny-random"


def test_missing_numeric_goldens_name_the_regenerate_command(tmp_path):
    with pytest.raises(GoldenError, match="--regen-goldens"):
        numeric_goldens.read_numeric_goldens(tmp_path / numeric_goldens.NUMERIC_FILE)


@pytest.mark.parametrize("backend", ("torchscript", "onnx"))
def test_a_weights_only_folder_is_exported_for_the_backend_check(
    backend, tiny_model_dir, tiny_samples_dir, tiny_numeric
):
    if backend == "onnx":
        pytest.importorskip("onnxruntime")
    goldens, _ = tiny_numeric
    samples = read_fixed_samples(tiny_samples_dir)
    outputs, _ = numeric_goldens.backend_outputs(tiny_model_dir, backend, tiny_samples_dir, samples)
    assert numeric_goldens.compare(goldens, outputs, backend) == []
    assert sorted(p.name for p in tiny_model_dir.iterdir()) == ["model.pt"]  # left untouched
