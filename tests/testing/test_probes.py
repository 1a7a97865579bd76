"""The pipeline-probe mechanism: recording, comparing, the golden file and its regeneration."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from text_recognizer.cli import main as cli_main
from text_recognizer.errors import GoldenError
from text_recognizer.testing import probes


def make_probe(outputs: dict, atol: float = 1e-4, rtol: float = 1e-4) -> probes.Probe:
    """A probe of the recording format only: its calls are traced in test_probe_calls.py."""
    return probes.Probe("stage/example", lambda: outputs, atol, rtol, trace=False)


@pytest.fixture
def example() -> dict:
    return {
        "logits": torch.tensor([[0.5, -1.25], [2.0, 3.0]]),
        "lengths": [3, 1],
        "flags": np.array([True, False]),
        "texts": ["ab", "c"],
        "kind": "lines",
        "nested": {"mean": 0.125},
    }


def test_a_probe_compares_equal_to_its_own_recording(example):
    item = make_probe(example)
    assert probes.compare_probe(item, probes.run_probe(item), probes.run_probe(item)) == []


def test_nested_fields_are_named_by_their_path(example):
    assert set(probes.run_probe(make_probe(example))) == {
        "logits",
        "lengths",
        "flags",
        "texts",
        "kind",
        "nested.mean",
    }


def test_float_drift_within_tolerance_passes_and_beyond_it_is_named(example):
    item = make_probe(example)
    golden = probes.run_probe(item)
    nudged = probes.run_probe(make_probe({**example, "logits": example["logits"] + 5e-5}))
    assert probes.compare_probe(item, golden, nudged) == []
    moved = probes.run_probe(make_probe({**example, "logits": example["logits"] + 0.01}))
    (problem,) = probes.compare_probe(item, golden, moved)
    assert problem.startswith("logits: max |diff| 0.01")


def test_integers_and_booleans_must_match_exactly(example):
    item = make_probe(example, atol=10.0)
    golden = probes.run_probe(item)
    shifted = probes.run_probe(make_probe({**example, "lengths": [3, 2]}, atol=10.0))
    (problem,) = probes.compare_probe(item, golden, shifted)
    assert problem.startswith("lengths:") and "exact" in problem


@pytest.mark.parametrize(
    "field, value", [("texts", ["ab", "d"]), ("kind", "paragraphs"), ("texts", ["ab"])]
)
def test_texts_must_match_exactly(example, field, value):
    item = make_probe(example)
    changed = probes.run_probe(make_probe({**example, field: value}))
    (problem,) = probes.compare_probe(item, probes.run_probe(item), changed)
    assert problem.startswith(f"{field}:")


def test_a_reshaped_missing_or_new_field_is_named(example):
    item = make_probe(example)
    golden = probes.run_probe(item)
    reshaped = {**example, "logits": example["logits"].flatten()}
    del reshaped["flags"]
    reshaped["extra"] = 1.0
    problems = probes.compare_probe(item, golden, probes.run_probe(make_probe(reshaped)))
    assert problems == [
        "extra: new field, not in the goldens",
        "flags: no longer produced",
        "logits: shape [4] != golden [2, 2]",
    ]


def test_probes_are_seeded_so_random_draws_repeat():
    item = probes.Probe("stage/random", lambda: {"draw": torch.rand(3)}, 0.0, 0.0)
    assert probes.compare_probe(item, probes.run_probe(item), probes.run_probe(item)) == []


def test_a_whole_image_is_refused_in_favour_of_a_summary():
    item = probes.Probe("stage/big", lambda: {"image": np.zeros((64, 64))}, 0.0, 0.0)
    with pytest.raises(GoldenError, match="'image' holds 4096 values .*image_summary"):
        probes.run_probe(item)


def test_a_value_that_is_not_numbers_or_text_is_named():
    item = probes.Probe("stage/odd", lambda: {"thing": object()}, 0.0, 0.0)
    with pytest.raises(GoldenError, match="'thing': cannot record a object"):
        probes.run_probe(item)


def test_image_summary_sees_an_inverted_and_a_shifted_image():
    page = np.full((40, 80), 250.0)
    page[10:30, 10:40] = 10.0
    summary = probes.image_summary(page)
    assert summary["size"] == [40, 80] and summary["blocks"].shape == (8, 8)
    inverted = probes.image_summary(260.0 - page)
    shifted = probes.image_summary(np.roll(page, 8, axis=1))
    assert abs(inverted["mean"] - summary["mean"]) > 50
    assert np.abs(shifted["blocks"] - summary["blocks"]).max() > 50


def test_the_registry_refuses_a_name_twice():
    probes.probe("stage/once")(lambda: {})
    with pytest.raises(ValueError, match="'stage/once' is registered twice"):
        probes.probe("stage/once")(lambda: {})
    del probes._REGISTRY["stage/once"]


# -- the golden file and its regeneration -------------------------------------------------------


@pytest.fixture
def two_probes(monkeypatch) -> dict:
    """A registry of two small probes in place of the real ones; ``outputs`` steers one."""
    outputs = {"value": 1.0}
    registry = {
        "stage/steady": probes.Probe(
            "stage/steady", lambda: {"x": [1, 2]}, 1e-4, 1e-4, trace=False
        ),
        "stage/steered": probes.Probe(
            "stage/steered", lambda: dict(outputs), 1e-4, 1e-4, trace=False
        ),
    }
    monkeypatch.setattr(probes, "all_probes", lambda: dict(registry))
    return outputs


def test_regeneration_writes_the_goldens_and_logs_what_moved(tmp_path, two_probes):
    path, first = probes.regenerate_probes("first recording", tmp_path)
    assert first.old_metric is None and first.new_metric == 2
    assert first.changes == ["first recording of 2 probes"]
    two_probes["value"] = 2.0
    _, second = probes.regenerate_probes("the value doubled on purpose", tmp_path)
    assert second.changes == [
        "stage/steered: value: max |diff| 1 at index 0 "
        "(got 2, golden 1; atol 0.0001, rtol 0.0001)"
    ]
    goldens = probes.read_probe_goldens(path)
    assert goldens.reason == "the value doubled on purpose"
    assert goldens.probes["stage/steered"]["value"].values == [2.0]
    changelog = (tmp_path / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "the value doubled on purpose" in changelog and "stage/steered: value" in changelog


def test_regeneration_needs_a_reason(tmp_path, two_probes):
    with pytest.raises(GoldenError, match="needs a reason"):
        probes.regenerate_probes("  ", tmp_path)
    assert not (tmp_path / probes.PROBES_FILE).exists()


@pytest.mark.parametrize("content", [None, "{not json", '{"format": 99}'])
def test_missing_or_unreadable_goldens_name_the_command_that_writes_them(tmp_path, content):
    path = tmp_path / probes.PROBES_FILE
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(GoldenError, match="regress probes --reason"):
        probes.read_probe_goldens(path)


def test_a_mismatch_report_names_versions_that_differ_from_the_recording():
    recorded = {**probes.environment(), "torch": "0.0.1"}
    report = probes.mismatch_report("stage/x", ["x: moved"], recorded)
    assert "probe 'stage/x' no longer behaves as recorded" in report
    assert f"torch 0.0.1 -> {torch.__version__}" in report
    assert report.endswith(probes.REGENERATE_PROBES)


def test_the_cli_check_exits_1_naming_a_moved_probe(tmp_path, two_probes, capsys):
    assert cli_main(["regress", "probes", "--reason", "first", "--goldens", str(tmp_path)]) == 0
    assert cli_main(["regress", "probes", "--check", "--goldens", str(tmp_path)]) == 0
    two_probes["value"] = 3.0
    assert cli_main(["regress", "probes", "--check", "--goldens", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "probe 'stage/steered' no longer behaves as recorded" in out
    assert "pipeline probes: 1 moved" in out


def test_the_golden_file_is_reviewable_json(tmp_path, two_probes):
    path, _ = probes.regenerate_probes("first", tmp_path)
    payload = json.loads(path.read_text(encoding="utf-8"))
    assert payload["regenerate"] == probes.REGENERATE_PROBES
    assert set(payload["environment"]) == {"python", "torch", "numpy", "pillow", "machine"}
    assert payload["probes"]["stage/steady"] == {
        "x": {"shape": [2], "values": [1.0, 2.0], "exact": True}
    }


def test_a_probe_needing_a_missing_extra_is_not_recorded_without_it(tmp_path, monkeypatch):
    needy = probes.Probe("stage/needy", lambda: {"x": 1}, 0.0, 0.0, ("no_such_extra_module",))
    assert needy.missing() == ["no_such_extra_module"]
    monkeypatch.setattr(probes, "all_probes", lambda: {"stage/needy": needy})
    with pytest.raises(GoldenError, match="needs no_such_extra_module"):
        probes.regenerate_probes("first", tmp_path)
    assert not (tmp_path / probes.PROBES_FILE).exists()


def test_a_refusal_is_recorded_the_same_wherever_and_whenever_it_ran(tmp_path):
    def refuse():
        raise ValueError(f"cannot read {tmp_path}/a.png at 0x7f3a2b1c9d80\nsecond line")

    assert probes.outcome(refuse, tmp_path) == "ValueError: cannot read <tmp>/a.png at 0x-"
    assert probes.outcome(lambda: None) == "ok"


def test_a_temporary_folder_is_masked_but_a_path_named_in_the_data_is_not():
    error = OSError("member '/tmp/evil' beside /tmp/tmpa1b2c3/x and /tmp/probe-fit-9z/y")
    assert probes.describe_error(error) == "OSError: member '/tmp/evil' beside <path> and <path>"
