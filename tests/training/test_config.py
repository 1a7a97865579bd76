"""Experiment configs: found by name or path, and every section checked against the code that
consumes it, so an unknown key or a wrongly typed value stops the run with its key path."""

from __future__ import annotations

import pytest

from tests.conftest import REPO_ROOT
from text_recognizer.training.config import (
    CONFIG_DIR,
    ExperimentConfigError,
    load_config,
    shipped_configs,
    validate_config,
)

CONFIGS = sorted(CONFIG_DIR.glob("*.yaml"))


def tiny(**sections) -> dict:
    """The smallest valid config, with ``sections`` merged in."""
    return {"model": {"kind": "line_ctc", "config": "tiny"}, **sections}


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_every_shipped_config_validates(path):
    validate_config(load_config(path))


def test_shipped_configs_include_tiny_and_base_of_both_models():
    assert {p.stem for p in CONFIGS} >= {
        "lines_tiny",
        "lines_base",
        "paragraphs_tiny",
        "paragraphs_base",
    }


def test_a_bare_name_loads_the_shipped_config():
    assert load_config("lines_tiny") == load_config(CONFIG_DIR / "lines_tiny.yaml")


def test_an_existing_file_wins_over_a_shipped_config_of_the_same_name(tmp_path, monkeypatch):
    (tmp_path / "lines_tiny.yaml").write_text("model: {kind: paragraph_transformer}\n")
    monkeypatch.chdir(tmp_path)
    assert load_config("lines_tiny.yaml")["model"]["kind"] == "paragraph_transformer"


def test_an_unknown_config_name_lists_the_shipped_ones(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(
        ExperimentConfigError, match="lines_tiny, lines_writer_scaling, paragraphs_base"
    ):
        load_config("lines_tiniest")


def test_the_checkouts_configs_folder_is_the_packaged_one():
    assert (REPO_ROOT / "training" / "configs").resolve() == CONFIG_DIR.resolve()


def test_unknown_section_is_named(write_config):
    path = write_config("model: {kind: line_ctc}\noptimiser: {lr: 1}\n")
    with pytest.raises(ExperimentConfigError, match="optimiser"):
        load_config(path)


def test_unknown_model_kind_is_named(write_config):
    path = write_config("model: {kind: crnn}\n")
    with pytest.raises(ExperimentConfigError, match="crnn"):
        load_config(path)


def test_missing_config_file_is_reported(tmp_path):
    with pytest.raises(ExperimentConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")


# -- unknown keys: one per section, each named by its path --


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (tiny(lit={"learnign_rate": 0.1}), r"lit\.learnign_rate: unknown key; expected one of "),
        (
            tiny(lit={"weight_decy": 0.1}),
            r"lit\.weight_decy: unknown key; did you mean weight_decay\?",
        ),
        (tiny(data={"batch_sise": 4}), r"data\.batch_sise: unknown key; did you mean batch_size\?"),
        (
            tiny(trainer={"max_step": 4}),
            r"trainer\.max_step: unknown key; did you mean max_steps\?",
        ),
        (
            tiny(early_stopping={"patients": 3}),
            r"early_stopping\.patients: .*did you mean patience\?",
        ),
        (
            {"model": {"kind": "line_ctc", "overrides": {"rnn_hiden": 8}}},
            r"model\.overrides\.rnn_hiden: unknown key; did you mean rnn_hidden\?",
        ),
        ({"model": {"kind": "line_ctc", "preset": "tiny"}}, r"model\.preset: unknown key"),
        (tiny(sede=1), r"^[^:]*: sede: unknown key; did you mean seed\?"),
    ],
    ids=["lit", "lit-close", "data", "trainer", "early_stopping", "overrides", "model", "top"],
)
def test_an_unknown_key_is_named_by_its_path(config, message):
    with pytest.raises(ExperimentConfigError, match=message):
        validate_config(config)


def test_a_paragraph_only_argument_is_unknown_to_the_line_model():
    with pytest.raises(ExperimentConfigError, match="lit.label_smoothing: unknown key"):
        validate_config(tiny(lit={"label_smoothing": 0.1}))


def test_a_typo_in_a_config_file_names_the_file_and_the_key(write_config):
    path = write_config("model: {kind: line_ctc}\nlit: {learnign_rate: 0.1}\n")
    with pytest.raises(ExperimentConfigError, match=f"{path}: lit.learnign_rate: unknown key"):
        load_config(path)


# -- wrong types: one per section, each named by its path and the expected type --


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (tiny(lit={"lr": "fast"}), r"lit\.lr: expected float, got str 'fast'"),
        (tiny(lit={"warmup_steps": 1.5}), r"lit\.warmup_steps: expected int, got float 1\.5"),
        (tiny(data={"augment": "yes"}), r"data\.augment: expected bool, got str 'yes'"),
        (tiny(data={"train_size": True}), r"data\.train_size: expected int or None, got bool"),
        (tiny(lit={"lr": True}), r"lit\.lr: expected float, got bool True"),
        (tiny(trainer={"max_steps": "300"}), r"trainer\.max_steps: expected int, got str"),
        (
            tiny(trainer={"precision": "bf16-mix"}),
            r"trainer\.precision: expected one of .*'bf16-mixed'",
        ),
        (tiny(early_stopping={"patience": [3]}), r"early_stopping\.patience: expected int"),
        (tiny(seed="0"), r"seed: expected int, got str '0'"),
        (
            {"model": {"kind": "line_ctc", "overrides": {"widths": [32, "64"]}}},
            r"model\.overrides\.widths\[1\]: expected int, got str '64'",
        ),
        (
            {"model": {"kind": "line_ctc", "config": "huge"}},
            r"model\.config: expected one of 'base', 'tiny'",
        ),
        (tiny(lit=[0.1]), r"lit: expected dict or None, got list"),
        (
            {"model": {"kind": "line_ctc", "overrides": {"strides": [[2, 2, 1], [2, 1]]}}},
            r"model\.overrides\.strides\[0\]: expected a list of 2 \(int, int\), got list",
        ),
        (
            {"model": {"kind": "line_ctc", "overrides": {"strides": [[2], [2, 1]]}}},
            r"model\.overrides\.strides\[0\]: expected a list of 2 \(int, int\), got list",
        ),
    ],
    ids=[
        "lr",
        "int",
        "bool",
        "bool-is-no-int",
        "bool-is-no-float",
        "trainer",
        "literal",
        "early",
        "seed",
        "item",
        "preset",
        "section",
        "pair-too-long",
        "pair-too-short",
    ],
)
def test_a_wrongly_typed_value_is_named_by_its_path_and_expected_type(config, message):
    with pytest.raises(ExperimentConfigError, match=message):
        validate_config(config)


def test_an_int_is_accepted_where_a_float_is_expected():
    validate_config(tiny(lit={"lr": 1, "weight_decay": 0}))


def test_a_nested_model_config_is_checked_field_by_field():
    config = {"model": {"kind": "paragraph_transformer", "config": {"encoder": {"blocks": "2"}}}}
    with pytest.raises(
        ExperimentConfigError, match=r"model\.config\.encoder\.blocks: expected list"
    ):
        validate_config(config)


# -- keys the runner sets, and combinations that would be silently ignored --


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            tiny(trainer={"callbacks": []}),
            r"trainer\.callbacks: not allowed here; the runner sets it",
        ),
        (tiny(early_stopping={"monitor": "val/loss"}), r"early_stopping\.monitor: not allowed"),
        (tiny(lit={"model_kind": "line_ctc"}), r"lit\.model_kind: not allowed here"),
        (tiny(data={"module": "fake", "data_dir": "x"}), r"data\.data_dir: not allowed here"),
        (tiny(data={"module": "paragraphs"}), r"data\.module: expected one of 'fake', 'lines'"),
        (
            {
                "model": {
                    "kind": "line_ctc",
                    "config": {"rnn_hidden": 8},
                    "overrides": {"dropout": 0},
                }
            },
            r"model\.overrides: only with a preset name",
        ),
    ],
    ids=["trainer", "early_stopping", "lit", "fake-data-dir", "wrong-module", "overrides"],
)
def test_a_key_that_would_conflict_or_be_ignored_is_refused(config, message):
    with pytest.raises(ExperimentConfigError, match=message):
        validate_config(config)


def test_a_config_without_a_model_section_names_it():
    with pytest.raises(ExperimentConfigError, match="model: missing"):
        validate_config({"lit": {"lr": 0.1}})


# -- values of the right type that cannot train --


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (tiny(lit={"lr": 3e-6}), r"lit\.lr: 3e-06 is outside \[1e-05, 1\]: AdamW"),
        (tiny(lit={"lr": 5.0}), r"lit\.lr: 5 is outside"),
        (tiny(lit={"weight_decay": -0.1}), r"lit\.weight_decay: -0\.1 is outside"),
        (tiny(lit={"warmup_steps": -1}), r"lit\.warmup_steps: -1 is outside"),
        (tiny(trainer={"gradient_clip_val": -1.0}), r"trainer\.gradient_clip_val: -1 is outside"),
    ],
    ids=["lr-1000x-too-small", "lr-too-large", "decay", "warmup", "clip"],
)
def test_a_value_that_cannot_train_is_refused_with_its_range_and_reason(config, message):
    with pytest.raises(ExperimentConfigError, match=message):
        validate_config(config)


@pytest.mark.parametrize("name", shipped_configs())
def test_each_shipped_learning_rate_divided_by_1000_is_refused(name):
    config = load_config(name)
    config["lit"]["lr"] /= 1000
    with pytest.raises(ExperimentConfigError, match=r"lit\.lr: .* is outside"):
        validate_config(config)


def test_a_config_that_is_not_yaml_is_named(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("model: {kind: line_ctc\n", encoding="utf-8")
    with pytest.raises(ExperimentConfigError, match=r"broken\.yaml is not valid YAML"):
        load_config(bad)


def test_overrides_beside_an_inline_model_config_are_refused():
    config = tiny(model={"kind": "line_ctc", "config": {}, "overrides": {"dropout": 0.2}})
    with pytest.raises(ExperimentConfigError, match="model.overrides: only with a preset name"):
        validate_config(config)
