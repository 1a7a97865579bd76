"""The training entry point: configs, command-line overrides, a fast_dev_run, and the CLI."""

from __future__ import annotations

import argparse
import json

import pytest

from text_recognizer.cli import build_parser
from text_recognizer.training.config import CONFIG_DIR
from text_recognizer.training.experiment import (
    add_arguments,
    apply_overrides,
    build_data_module,
    build_lit_model,
    build_trainer,
    load_config,
    main,
)

CONFIGS = sorted(CONFIG_DIR.glob("*.yaml"))


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_every_shipped_config_builds_its_model_and_data(path):
    config = load_config(path)
    lit_model = build_lit_model(config)
    data = build_data_module(config)
    assert lit_model.model_kind == config["model"]["kind"]
    assert (
        data.kind
        == {"line_ctc": "lines", "paragraph_transformer": "paragraphs"}[lit_model.model_kind]
    )


def test_command_line_options_override_the_file():
    parser = add_arguments(argparse.ArgumentParser())
    args = parser.parse_args(
        ["--config", "x.yaml", "--max-steps", "7", "--devices", "2", "--batch-size", "3"]
        + ["--precision", "bf16-mixed", "--seed", "5"]
    )
    config = apply_overrides({"model": {"kind": "line_ctc"}, "trainer": {"max_steps": 100}}, args)
    assert config["trainer"] == {"max_steps": 7, "devices": 2, "precision": "bf16-mixed"}
    assert config["data"] == {"batch_size": 3}
    assert config["seed"] == 5


def test_an_override_of_zero_replaces_the_files_value():
    """0 is a value, not "not given": ``--seed 0`` must not leave the file's seed in place."""
    parser = add_arguments(argparse.ArgumentParser())
    args = parser.parse_args(["--config", "x.yaml", "--seed", "0", "--num-workers", "0"])
    config = apply_overrides({"seed": 7, "data": {"num_workers": 4}}, args)
    assert config["seed"] == 0
    assert config["data"]["num_workers"] == 0


def test_train_is_a_cli_subcommand():
    args = build_parser().parse_args(["train", "--config", "lines_tiny.yaml", "--fast-dev-run"])
    assert args.command == "train" and args.fast_dev_run and callable(args.func)


FAKE_LINES = """
model: {kind: line_ctc, config: tiny}
lit: {lr: 0.001}
data: {module: fake, train_size: 4, val_size: 2, test_size: 2, batch_size: 2}
trainer: {accelerator: cpu, devices: 1, enable_model_summary: false}
"""


def test_fast_dev_run_writes_the_config_and_results(write_config, tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["--config", str(write_config(FAKE_LINES)), "--out", str(out)] + ["--fast-dev-run"])
    assert code == 0
    results = json.loads((out / "results.json").read_text())
    assert results["model_kind"] == "line_ctc" and results["global_step"] == 1
    assert load_config(out / "config.yaml")["data"]["module"] == "fake"


def test_resuming_from_a_missing_checkpoint_is_a_clear_error(write_config, tmp_path, capsys):
    code = main(
        ["--config", str(write_config(FAKE_LINES)), "--out", str(tmp_path / "r")]
        + ["--resume", str(tmp_path / "missing.ckpt"), "--max-steps", "1"]
    )
    assert code == 2
    assert "missing.ckpt" in capsys.readouterr().err


def test_resuming_keeps_the_metrics_history_of_the_run_it_continues(write_config, tmp_path):
    out = tmp_path / "run"
    config = write_config(FAKE_LINES)
    common = ["--config", str(config), "--out", str(out), "--no-test"]
    assert main(common + ["--max-steps", "2"]) == 0
    before = (out / "logs" / "metrics.csv").read_text()
    assert main(common + ["--max-steps", "4", "--resume", str(out / "checkpoints/last.ckpt")]) == 0
    (archive,) = (out / "previous").iterdir()
    assert (archive / "logs" / "metrics.csv").read_text() == before
    results = json.loads((out / "results.json").read_text())
    assert results["global_step"] == 4 and results["resumed_from"].endswith("last.ckpt")


def test_the_best_checkpoint_has_the_name_the_readme_stages(write_config, tmp_path):
    out = tmp_path / "run"
    config = write_config(FAKE_LINES)
    assert main(["--config", str(config), "--out", str(out), "--max-steps", "2"]) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["best_checkpoint"] == str(out / "checkpoints" / "best.ckpt")


def test_a_config_typo_stops_train_before_it_runs(write_config, tmp_path, capsys):
    config = write_config(FAKE_LINES.replace("lit: {", "lit: {learnign_rate: 0.1, "))
    out = tmp_path / "run"
    assert main(["--config", str(config), "--out", str(out), "--fast-dev-run"]) == 2
    assert "lit.learnign_rate: unknown key" in capsys.readouterr().err
    assert not out.exists()


def test_the_best_checkpoint_and_early_stopping_go_by_the_lowest_validation_cer(tmp_path):
    """ "best.ckpt" is what gets tested and staged: the checkpoint of the lowest CER."""
    trainer = build_trainer({"early_stopping": {"patience": 3}}, tmp_path, fast_dev_run=True)
    (best,) = [callback for callback in trainer.checkpoint_callbacks if callback.monitor]
    stopping = trainer.early_stopping_callback
    assert (best.monitor, best.mode, best.save_top_k) == ("val/cer", "min", 1)
    assert (stopping.monitor, stopping.mode) == ("val/cer", "min")


def test_tensorboard_logging_without_tensorboard_is_refused_and_auto_falls_back_to_csv(
    tmp_path, monkeypatch
):
    import sys

    from lightning.pytorch.loggers import CSVLogger

    from text_recognizer.training.experiment import ExperimentConfigError, _loggers

    monkeypatch.setitem(sys.modules, "tensorboard", None)  # import tensorboard -> ImportError
    with pytest.raises(ExperimentConfigError, match="needs `pip install tensorboard`"):
        _loggers("tensorboard", tmp_path)
    assert [type(logger) for logger in _loggers("auto", tmp_path)] == [CSVLogger]
