"""Model kinds, their config dataclasses and named presets, all in one place.

A model is fully described by ``(kind, config)``: ``kind`` is a key of :data:`MODEL_KINDS` and
``config`` its config dataclass (or the equivalent plain dict, as stored in checkpoints).
Presets: ``"tiny"`` (seconds on a CPU: tests, memorization), ``"base"`` (the staged model, sized
for CPU latency: a line in about 25 ms, a paragraph in about 600 ms on 2 cores) and, for
paragraphs, ``"small"`` (a lighter decoder when latency matters most).

>>> build_model("line_ctc", "tiny").config.rnn_hidden
64
>>> tiny = preset("paragraph_transformer", "tiny")
>>> config_from_dict("paragraph_transformer", config_to_dict(tiny)) == tiny
True
"""

from __future__ import annotations

import dataclasses
from typing import Any, Union

from torch import nn

from text_recognizer.errors import ModelInputError
from text_recognizer.models.line_ctc import LineCTC, LineCTCConfig
from text_recognizer.models.paragraph_transformer import (
    ParagraphTransformer,
    ParagraphTransformerConfig,
)
from text_recognizer.models.resnet import ResNetConfig

ModelConfig = Union[LineCTCConfig, ParagraphTransformerConfig]

#: kind -> (module class, config class)
MODEL_KINDS: dict[str, tuple[type[nn.Module], type]] = {
    "line_ctc": (LineCTC, LineCTCConfig),
    "paragraph_transformer": (ParagraphTransformer, ParagraphTransformerConfig),
}

#: kind -> the input it reads: "lines" ((B, 1, 40, W) + widths) or "paragraphs" ((B, 1, 512, 512))
INPUT_KIND: dict[str, str] = {"line_ctc": "lines", "paragraph_transformer": "paragraphs"}

_PARAGRAPH_BASE = ParagraphTransformerConfig(
    encoder=ResNetConfig(stem_channels=32, widths=(32, 64, 128, 256), blocks=(1, 2, 2, 1)),
    d_model=256,
    heads=4,
    layers=3,
    ffn=768,
    dropout=0.1,
)

PRESETS: dict[str, dict[str, ModelConfig]] = {
    "line_ctc": {
        "tiny": LineCTCConfig(
            stem_channels=8,
            widths=(16, 32),
            strides=((2, 2), (2, 1)),
            rnn_hidden=64,
            rnn_layers=1,
            dropout=0.0,
        ),
        "base": LineCTCConfig(
            stem_channels=32,
            widths=(64, 96, 128),
            strides=((2, 2), (2, 1), (1, 1)),
            rnn_hidden=96,
            rnn_layers=2,
            dropout=0.2,
        ),
    },
    "paragraph_transformer": {
        "tiny": ParagraphTransformerConfig(
            encoder=ResNetConfig(stem_channels=8, widths=(8, 16, 32, 32), blocks=(1, 1, 1, 1)),
            d_model=32,
            heads=2,
            layers=1,
            ffn=64,
        ),
        "base": _PARAGRAPH_BASE,
        # Half the per-token decoding cost of "base" (about 1 ms vs 2.3 ms per token on one
        # slow CPU core), for when paragraph latency matters more than the last CER point.
        "small": dataclasses.replace(_PARAGRAPH_BASE, d_model=192, layers=2, ffn=512),
    },
}


def _check_kind(kind: str) -> None:
    if kind not in MODEL_KINDS:
        raise ModelInputError(f"unknown model kind {kind!r}; choose one of {sorted(MODEL_KINDS)}")


def preset(kind: str, name: str, **overrides: Any) -> ModelConfig:
    """The named preset of ``kind``, with ``overrides`` applied to its top-level fields."""
    _check_kind(kind)
    if name not in PRESETS[kind]:
        raise ModelInputError(
            f"unknown preset {name!r} for {kind}; choose one of {sorted(PRESETS[kind])}"
        )
    return (
        dataclasses.replace(PRESETS[kind][name], **overrides) if overrides else PRESETS[kind][name]
    )


def config_to_dict(config: ModelConfig) -> dict[str, Any]:
    """Plain, YAML/JSON-friendly dict of a config (nested dataclasses become dicts)."""
    return dataclasses.asdict(config)


def config_from_dict(kind: str, data: dict[str, Any]) -> ModelConfig:
    """Rebuild the config dataclass of ``kind`` from :func:`config_to_dict`'s output."""
    _check_kind(kind)
    config_class = MODEL_KINDS[kind][1]
    known = {field.name for field in dataclasses.fields(config_class)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ModelInputError(f"unknown {kind} config field(s): {', '.join(unknown)}")
    return config_class(**data)


def resolve_config(kind: str, config: ModelConfig | dict[str, Any] | str) -> ModelConfig:
    """Accept a config dataclass, a dict, or a preset name."""
    if isinstance(config, str):
        return preset(kind, config)
    if isinstance(config, dict):
        return config_from_dict(kind, config)
    _check_kind(kind)
    if not isinstance(config, MODEL_KINDS[kind][1]):
        raise ModelInputError(f"{type(config).__name__} is not a config for {kind}")
    return config


def build_model(kind: str, config: ModelConfig | dict[str, Any] | str = "base") -> nn.Module:
    """A freshly initialised model of ``kind`` (weights random; load a state dict to restore)."""
    resolved = resolve_config(kind, config)
    return MODEL_KINDS[kind][0](resolved)


__all__ = [
    "INPUT_KIND",
    "MODEL_KINDS",
    "PRESETS",
    "LineCTC",
    "LineCTCConfig",
    "ModelConfig",
    "ParagraphTransformer",
    "ParagraphTransformerConfig",
    "ResNetConfig",
    "build_model",
    "config_from_dict",
    "config_to_dict",
    "preset",
    "resolve_config",
]
