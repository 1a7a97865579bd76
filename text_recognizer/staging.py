"""The staged-model folder: what a trained model ships as, and how it is read back.

A staged folder holds ``model.pt`` (plain types only, so ``torch.load(weights_only=True)``
can read it without executing pickled code), ``model.ts`` and ``model.onnx`` (plus
``model.decoder.onnx`` for paragraphs; see :mod:`text_recognizer.export`), and
``model_card.json`` / ``model_card.md``. Writing one is :func:`text_recognizer.training.stage.stage`;
this module only defines the format, so inference never imports training code.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import torch
from torch import nn

from text_recognizer import models
from text_recognizer.data import preprocess
from text_recognizer.errors import ModelInputError, StagedModelError
from text_recognizer.vocab import DEFAULT_VOCABULARY

MODEL_FILE = "model.pt"
CARD_JSON = "model_card.json"
CARD_MARKDOWN = "model_card.md"
#: Version of the ``model.pt`` layout (not of the model); bump on incompatible changes.
FORMAT_VERSION = 1
KINDS = ("lines", "paragraphs")

#: Default staged model shipped with the package: a folder with ``lines/`` and/or
#: ``paragraphs/`` staged folders (or a single staged folder).
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "artifacts" / "default"


def preprocessing_constants() -> dict[str, Any]:
    """The preprocessing a model was trained with; a staged model must match the running code.

    >>> preprocessing_constants()["line_height"]
    40
    """
    return {
        "line_height": preprocess.LINE_HEIGHT,
        "line_max_width": preprocess.LINE_MAX_WIDTH,
        "paragraph_height": preprocess.PARAGRAPH_HEIGHT,
        "paragraph_width": preprocess.PARAGRAPH_WIDTH,
        "width_multiple": preprocess.WIDTH_MULTIPLE,
        "max_line_chars": preprocess.MAX_LINE_CHARS,
        "max_paragraph_chars": preprocess.MAX_PARAGRAPH_CHARS,
        "pixels": "ink = 1 - gray / 255 (paper 0), grayscale, bilinear resize",
        "page": preprocess.PAGE_NORMALIZATION,
        "line_margin": preprocess.LINE_MARGIN,
        "paragraph_margin": preprocess.PARAGRAPH_MARGIN,
    }


def plain(value: Any) -> Any:
    """Dataclasses/tuples/tensors -> dicts, lists and numbers that ``weights_only`` loads.

    >>> plain({"a": (1, 2), "b": torch.tensor(0.5)})
    {'a': [1, 2], 'b': 0.5}
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {item.name: plain(getattr(value, item.name)) for item in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, torch.Tensor):
        return value.item() if value.numel() == 1 else value.tolist()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return repr(value)


#: Staged kind (what a model reads: "lines"/"paragraphs") <-> model kind of the checkpoints.
MODEL_KIND_OF = {"lines": "line_ctc", "paragraphs": "paragraph_transformer"}
KIND_OF_MODEL = {model_kind: kind for kind, model_kind in MODEL_KIND_OF.items()}


def build_model(kind: str, config: Mapping[str, Any]) -> nn.Module:
    """A freshly initialised network of ``kind`` ("lines"/"paragraphs") from its config dict."""
    if kind not in MODEL_KIND_OF:
        raise StagedModelError(f"unknown model kind {kind!r}; expected one of {', '.join(KINDS)}")
    try:
        return models.build_model(MODEL_KIND_OF[kind], dict(config))
    except (ModelInputError, TypeError, ValueError) as error:
        raise StagedModelError(f"model config does not fit a {kind} model: {error}") from None


def parameter_count(model: nn.Module) -> int:
    return sum(parameter.numel() for parameter in model.parameters())


@dataclass
class StagedModel:
    """A staged model read back: the eager network (eval mode) and its metadata."""

    kind: str
    config: dict[str, Any]
    model: nn.Module
    vocab: str
    preprocessing: dict[str, Any]
    metrics: dict[str, Any]
    version: str
    folder: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    calibration: dict[str, Any] = field(default_factory=dict)

    @property
    def temperature(self) -> float:
        """The confidence temperature fitted at staging (1.0 for an uncalibrated model)."""
        return float(self.calibration.get("temperature", 1.0))


def model_payload(
    kind: str,
    model: nn.Module,
    metrics: Mapping[str, Any],
    version: str,
    extra: Mapping[str, Any] | None = None,
    half: bool = False,
    calibration: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """What ``model.pt`` holds: plain types and tensors only.

    ``half`` stores floating-point weights as float16 (half the size; they are widened to
    float32 on load, and exports are made from the widened weights, so parity still holds).
    """
    state = {key: value.detach().cpu() for key, value in model.state_dict().items()}
    if half:
        state = {
            key: value.half() if value.is_floating_point() else value
            for key, value in state.items()
        }
    return {
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "model_kind": MODEL_KIND_OF[kind],
        "config": plain(model.config),
        "state_dict": state,
        "weights_dtype": "float16" if half else "float32",
        "vocab": DEFAULT_VOCABULARY.tokens,
        "preprocessing": preprocessing_constants(),
        "metrics": plain(dict(metrics)),
        "version": version,
        "extra": plain(dict(extra or {})),
        "calibration": plain(dict(calibration or {})),
    }


def _check_payload(payload: Any, path: Path) -> None:
    if not isinstance(payload, dict):
        raise StagedModelError(f"{path} is not a staged model (expected a dict)")
    missing = [
        key
        for key in ("kind", "config", "state_dict", "vocab", "preprocessing", "version")
        if key not in payload
    ]
    if missing:
        raise StagedModelError(f"{path} lacks {', '.join(missing)}: re-stage the model")
    if payload["vocab"] != DEFAULT_VOCABULARY.tokens:
        raise StagedModelError(
            f"{path} was trained with a different vocabulary ({len(payload['vocab'])} tokens, "
            f"this package has {len(DEFAULT_VOCABULARY)})"
        )
    expected = preprocessing_constants()
    differing = sorted(
        key for key, value in expected.items() if payload["preprocessing"].get(key) != value
    )
    if differing:
        raise StagedModelError(
            f"{path} was trained with different preprocessing ({', '.join(differing)}); "
            "predictions would be wrong. Re-train or use the matching package version"
        )


def is_staged_folder(path: str | os.PathLike) -> bool:
    return (Path(path) / MODEL_FILE).is_file()


def load_staged(folder: str | os.PathLike, device: str | torch.device = "cpu") -> StagedModel:
    """Read a staged folder's ``model.pt`` (safely: ``weights_only=True``) into an eval model."""
    folder = Path(folder)
    path = folder / MODEL_FILE
    if not path.is_file():
        raise StagedModelError(f"{folder} is not a staged model folder: {MODEL_FILE} is missing")
    try:
        payload = torch.load(path, map_location=device, weights_only=True)
    except Exception as error:  # unpickling errors have many types
        raise StagedModelError(f"cannot read {path}: {error}") from None
    _check_payload(payload, path)
    model = build_model(payload["kind"], payload["config"])
    state = {
        key: value.float() if value.is_floating_point() else value
        for key, value in payload["state_dict"].items()
    }
    try:
        model.load_state_dict(state)
    except RuntimeError as error:
        raise StagedModelError(f"{path}: weights do not fit the config: {error}") from None
    model.to(device).eval()
    return StagedModel(
        kind=payload["kind"],
        config=payload["config"],
        model=model,
        vocab="".join(payload["vocab"][DEFAULT_VOCABULARY.num_specials :]),
        preprocessing=payload["preprocessing"],
        metrics=dict(payload.get("metrics") or {}),
        version=str(payload["version"]),
        folder=folder,
        extra=dict(payload.get("extra") or {}),
        calibration=dict(payload.get("calibration") or {}),
    )


def staged_folders(path: str | os.PathLike) -> dict[str, Path]:
    """Kind -> staged folder under ``path``: the folder itself, or its ``lines``/``paragraphs``.

    A folder holding both kinds lets ``mode="auto"`` pick per image.
    """
    root = Path(path)
    if not root.exists():
        raise StagedModelError(f"no staged model at {root}: the folder does not exist")
    if is_staged_folder(root):
        payload_kind = _peek_kind(root)
        return {payload_kind: root}
    found = {kind: root / kind for kind in KINDS if is_staged_folder(root / kind)}
    if not found:
        raise StagedModelError(
            f"{root} holds no staged model ({MODEL_FILE}, or lines/ and paragraphs/ subfolders "
            f"with one); stage a checkpoint with `text-recognizer stage CKPT --out {root}`"
        )
    return found


def _peek_kind(folder: Path) -> str:
    """The kind a staged folder holds, from its card (cheap) or else its ``model.pt``."""
    import json

    card = folder / CARD_JSON
    if card.is_file():
        try:
            kind = json.loads(card.read_text(encoding="utf-8")).get("kind")
        except (ValueError, OSError):
            kind = None
        if kind in KINDS:
            return kind
    try:
        payload = torch.load(folder / MODEL_FILE, map_location="cpu", weights_only=True)
    except Exception as error:
        raise StagedModelError(f"cannot read {folder / MODEL_FILE}: {error}") from None
    kind = payload.get("kind") if isinstance(payload, dict) else None
    if kind not in KINDS:
        raise StagedModelError(f"{folder / MODEL_FILE} names no known model kind ({kind!r})")
    return kind
