"""``text-recognizer regress ...`` and the ``--regen-goldens`` pytest option."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from text_recognizer.cli import regress
from text_recognizer.testing import pytest_plugin
from text_recognizer.testing.goldens import TRANSCRIPTIONS_FILE


def run_cli(*argv: str) -> int:
    """Parse and run like the console script (which lists ``regress`` among its commands)."""
    parser = argparse.ArgumentParser(prog="text-recognizer")
    regress.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    return args.func(args)


def test_goldens_then_check_pass_and_a_moved_golden_fails_the_check(recorded, capsys):
    assert run_cli("regress", "check", *recorded) == 0

    def move_the_first(payload):
        payload["samples"][0]["prediction"] = "<moved>"

    edit_goldens(recorded, move_the_first)
    capsys.readouterr()
    assert run_cli("regress", "check", *recorded) == 1
    out = capsys.readouterr().out
    assert "expected: '<moved>'" in out and "regression check: FAILED" in out


@pytest.fixture
def recorded(tmp_path, tiny_model_dir, tiny_samples_dir, monkeypatch) -> list[str]:
    """Goldens recorded for the tiny model; returns the check's path options."""
    from text_recognizer.testing import numeric_goldens

    monkeypatch.setattr(
        numeric_goldens, "backend_outputs", _eager_only(numeric_goldens.backend_outputs)
    )
    paths = ["--model", str(tiny_model_dir), "--samples", str(tiny_samples_dir)]
    paths += ["--goldens", str(tmp_path / "goldens"), "--suite", str(tmp_path / "none.json")]
    assert run_cli("regress", "goldens", "--reason", "first", *paths) == 0
    return paths


def edit_goldens(paths: list[str], edit) -> None:
    golden_file = Path(paths[paths.index("--goldens") + 1]) / TRANSCRIPTIONS_FILE
    payload = json.loads(golden_file.read_text())
    edit(payload)
    golden_file.write_text(json.dumps(payload))


def test_a_mean_cer_beyond_the_recorded_one_and_its_margin_fails_the_check(recorded, capsys):
    def record_a_better_model(payload):
        payload["mean_cer"] = payload["mean_cer"] - payload["margin"] - 0.01

    edit_goldens(recorded, record_a_better_model)
    capsys.readouterr()
    assert run_cli("regress", "check", *recorded) == 1
    out = capsys.readouterr().out
    assert re.search(r"mean CER [\d.]+ > recorded [\d.]+ \+ margin", out)


def test_a_sample_without_a_golden_fails_the_check_naming_the_command_to_record_it(
    recorded, capsys
):
    forgotten = []
    edit_goldens(recorded, lambda payload: forgotten.append(payload["samples"].pop(0)["id"]))
    capsys.readouterr()
    assert run_cli("regress", "check", *recorded) == 1
    assert f"{forgotten[0]}: no golden; run `" in capsys.readouterr().out


def _eager_only(backend_outputs):
    """The tiny model has no exports; every backend reads as eager in this test."""
    return lambda model, backend, samples_dir, samples: backend_outputs(
        model, "eager", samples_dir, samples
    )


def test_mine_writes_the_suite_and_its_grid(tmp_path, tiny_model_dir, tiny_val_dir, capsys):
    suite, grid = tmp_path / "suite.json", tmp_path / "grid.png"
    code = run_cli(
        "regress", "mine", "--model", str(tiny_model_dir), "--data", str(tiny_val_dir),
        "--k", "3", "--out", str(suite), "--grid", str(grid),
    )  # fmt: skip
    assert code == 0 and grid.is_file()
    assert len(json.loads(suite.read_text())["examples"]) == 3
    assert "froze 3 of 10 val examples" in capsys.readouterr().out


def test_tag_adds_a_named_suite(tmp_path, tiny_model_dir, tiny_val_dir):
    suite = tmp_path / "suite.json"
    run_cli("regress", "mine", "--model", str(tiny_model_dir), "--data", str(tiny_val_dir),
            "--k", "2", "--out", str(suite))  # fmt: skip
    first = json.loads(suite.read_text())["examples"][0]["id"]
    assert run_cli("regress", "tag", str(suite), "--id", first, "--tag", "slanted") == 0
    assert "slanted" in json.loads(suite.read_text())["examples"][0]["tags"]


def test_regen_option_without_a_reason_is_a_usage_error():
    options = {"--regen-goldens": True, "--regen-reason": " "}
    config = SimpleNamespace(getoption=options.__getitem__)
    with pytest.raises(pytest.UsageError, match="--regen-reason"):
        pytest_plugin.pytest_configure(config)


def test_regeneration_is_off_unless_asked_for(golden_regeneration, pytestconfig):
    assert golden_regeneration.enabled == bool(pytestconfig.getoption("--regen-goldens"))
