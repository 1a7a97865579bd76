"""Experiment configs: find one (a path or a shipped name), read it, and validate every section.

A config has the sections ``model`` (``kind``, ``config``: a preset name or the config's fields,
``overrides``: fields replaced in the preset), ``lit`` (arguments of the kind's LightningModule),
``data`` (``module``: ``lines``/``paragraphs``/``fake``, and that DataModule's arguments),
``trainer`` (``lightning.Trainer`` arguments), ``early_stopping`` (``EarlyStopping``
arguments) and ``seed``. Each section is checked against the signature of the code that
consumes it (see :mod:`text_recognizer.training.schema`), so a typo such as
``lit: {learnign_rate: 0.1}`` stops the run with the key's path instead of training with the
default learning rate.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, Optional, Union

from text_recognizer.errors import TextRecognizerError
from text_recognizer.training.schema import (
    SchemaError,
    check_mapping,
    check_type,
    dataclass_schema,
    signature_schema,
)

DATA_MODULES = {
    "lines": "LineDataModule",
    "paragraphs": "ParagraphDataModule",
    "fake": "FakeDataModule",
}
#: model kind -> data kind (mirrors ``text_recognizer.models.INPUT_KIND``; kept here so this
#: module imports without torch)
KIND_OF_DATA = {"line_ctc": "lines", "paragraph_transformer": "paragraphs"}
CONFIG_DIR = Path(__file__).resolve().parent / "configs"
SECTIONS: dict[str, Any] = {
    "model": dict,
    "lit": Optional[dict],
    "data": Optional[dict],
    "trainer": Optional[dict],
    "early_stopping": Optional[Union[dict, Literal[False]]],
    "seed": int,
}
CONFIG_SECTIONS = tuple(SECTIONS)
#: Arguments the runner passes itself: a config that sets them would conflict or be ignored.
RESERVED = {
    "lit": {
        "model_config": "the model section's config and overrides say which model to build",
        "model_kind": "the model section's kind says it",
    },
    "trainer": {
        name: "the runner sets it (see text_recognizer.training.experiment.build_trainer)"
        for name in ("callbacks", "logger", "default_root_dir", "fast_dev_run")
    },
    "early_stopping": {
        name: "early stopping always watches val/cer, lower is better"
        for name in ("monitor", "mode")
    },
    "data": {"data_dir": "the fake module makes its own data; use module: lines/paragraphs"},
}


#: Values a config may hold and still train, by key path: (low, high, why). A value of the
#: right type outside its range is as fatal as a typo (a learning rate 1000x too small trains
#: for hours and learns nothing), so it is refused the same way, with the reason.
PLAUSIBLE_RANGES: dict[tuple[str, str], tuple[float, float, str]] = {
    ("lit", "lr"): (
        1e-5,
        1.0,
        "AdamW peak rates that train these models lie within 1e-4..1e-2; below 1e-5 the "
        "weights barely move in a run's steps",
    ),
    ("lit", "weight_decay"): (0.0, 1.0, "decoupled decay is a fraction of the weights per step"),
    ("lit", "label_smoothing"): (0.0, 0.5, "beyond 0.5 the target is not the likeliest token"),
    ("lit", "warmup_steps"): (0, float("inf"), "a number of optimizer steps"),
    ("trainer", "gradient_clip_val"): (0.0, float("inf"), "a gradient norm"),
}


class ExperimentConfigError(TextRecognizerError, ValueError):
    """A training config is missing, malformed or names something unknown."""


def shipped_configs() -> list[str]:
    """Names of the configs shipped with the package, for ``--config NAME``.

    >>> "lines_tiny" in shipped_configs()
    True
    """
    return sorted(path.stem for path in CONFIG_DIR.glob("*.yaml"))


def resolve_config_path(path: str | os.PathLike) -> Path:
    """An existing file, else a shipped config named ``path`` (with or without ``.yaml``).

    >>> resolve_config_path("lines_tiny") == CONFIG_DIR / "lines_tiny.yaml"
    True
    """
    candidate = Path(path)
    if candidate.is_file():
        return candidate
    for name in (candidate.name, f"{candidate.name}.yaml"):
        if candidate.parent == Path(".") and (CONFIG_DIR / name).is_file():
            return CONFIG_DIR / name
    raise ExperimentConfigError(
        f"config file {path} does not exist (shipped configs: {', '.join(shipped_configs())})"
    )


def load_config(path: str | os.PathLike) -> dict[str, Any]:
    """Read and validate a YAML config: a path, or the name of a shipped one.

    >>> load_config("lines_tiny")["model"]["kind"]
    'line_ctc'
    """
    import yaml

    candidate = resolve_config_path(path)
    try:
        config = yaml.safe_load(candidate.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise ExperimentConfigError(f"{candidate} is not valid YAML: {error}") from error
    validate_config(config, source=str(candidate))
    return config


def validate_config(config: Any, source: str = "config") -> None:
    """Raise :class:`ExperimentConfigError` naming ``source`` and the key path of the first
    unknown key, missing key or wrongly typed value in ``config``."""
    try:
        check_mapping(config, SECTIONS, "", required=("model",))
        kind = _check_model(config["model"])
        for section, schema in _section_schemas(kind, config).items():
            if config.get(section):
                reserved = RESERVED.get(section, {})
                if section == "data" and config["data"].get("module") != "fake":
                    reserved = {}
                check_mapping(config[section], schema, section, reserved=reserved)
    except SchemaError as error:
        raise ExperimentConfigError(f"{source}: {error}") from None
    check_ranges(config, source)


def check_ranges(config: dict[str, Any], source: str = "config") -> None:
    """Refuse a value outside its :data:`PLAUSIBLE_RANGES` entry, naming path, range and why.

    >>> check_ranges({"lit": {"lr": 3e-6}})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    text_recognizer.training.config.ExperimentConfigError: config: lit.lr: 3e-06 is outside [1e-05, 1]: ...
    """
    for (section, key), (low, high, why) in PLAUSIBLE_RANGES.items():
        value = (config.get(section) or {}).get(key)
        if isinstance(value, (int, float)) and not low <= value <= high:
            raise ExperimentConfigError(
                f"{source}: {section}.{key}: {value:g} is outside [{low:g}, {high:g}]: {why}"
            )


def _check_model(model: dict[str, Any]) -> str:
    """Check the model section; returns its kind."""
    from text_recognizer.models import MODEL_KINDS, PRESETS

    kinds = tuple(sorted(MODEL_KINDS))
    schema = {
        "kind": Literal[kinds],
        "config": Union[str, dict],
        "overrides": Optional[dict],
    }
    check_mapping(model, schema, "model", required=("kind",))
    kind = model["kind"]
    fields = dataclass_schema(MODEL_KINDS[kind][1])
    base = model.get("config", "base")
    if isinstance(base, str):
        check_type(base, Literal[tuple(sorted(PRESETS[kind]))], "model.config")
    else:
        check_mapping(base, fields, "model.config")
        if model.get("overrides"):
            raise SchemaError("model.overrides: only with a preset name in model.config")
    check_mapping(model.get("overrides") or {}, fields, "model.overrides")
    return kind


def _section_schemas(kind: str, config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The allowed keys and their types of each section, from the code that consumes it."""
    import lightning as L
    from lightning.pytorch.callbacks import EarlyStopping

    from text_recognizer.data import modules
    from text_recognizer.lit_models import LIT_MODELS

    own = [
        klass
        for klass in LIT_MODELS[kind].__mro__
        if klass.__module__.startswith("text_recognizer.")
    ]
    lit = signature_schema(*(vars(klass)["__init__"] for klass in own if "__init__" in vars(klass)))
    data = config.get("data") or {}
    allowed_modules = tuple(sorted({KIND_OF_DATA[kind], "fake"}))
    check_type(data.get("module", KIND_OF_DATA[kind]), Literal[allowed_modules], "data.module")
    module = getattr(modules, DATA_MODULES[data.get("module", KIND_OF_DATA[kind])])
    data_schema = {"module": str, **signature_schema(module.__init__)}
    return {
        "lit": lit,
        "data": data_schema,
        "trainer": signature_schema(L.Trainer.__init__),
        "early_stopping": signature_schema(EarlyStopping.__init__),
    }
