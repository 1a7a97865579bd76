"""LightningModules that train the models, and how to rebuild a model from a checkpoint.

Checkpoint format (a standard Lightning ``.ckpt``, loadable with ``torch.load(path,
map_location="cpu", weights_only=False)``):

- ``checkpoint["hyper_parameters"]`` holds ``model_kind`` (``"line_ctc"`` or
  ``"paragraph_transformer"``), ``model_config`` (the model's config dataclass as a plain dict,
  see :func:`text_recognizer.models.config_to_dict`), ``vocabulary`` (the vocabulary's
  characters, specials excluded), the optimizer settings and ``decoding``/``beam_width``.
- ``checkpoint["state_dict"]`` holds the LightningModule's weights; the model's own weights are
  the keys prefixed with ``"model."``.

Rebuild the bare ``nn.Module`` without Lightning or the training configs::

    model, hparams = load_model_from_checkpoint("runs/x/checkpoints/last.ckpt")

which does ``build_model(hp["model_kind"], hp["model_config"])`` and loads the ``model.*``
weights; or the whole LightningModule with ``LIT_MODELS[kind].load_from_checkpoint(path)``.

Inference with the bare model (what ``Recognizer`` and staging build on):

- ``text_recognizer.models.INPUT_KIND[kind]`` says which preprocessing to use:
  ``"lines"`` -> ``preprocess_line`` images ``(B, 1, 40, W)`` plus unpadded ``widths``;
  ``"paragraphs"`` -> ``preprocess_paragraph`` images ``(B, 1, 512, 512)``.
- ``line_ctc``: ``log_probs, lengths = model(images, widths)`` then
  ``decoding.ctc_greedy(log_probs, lengths)`` or ``decoding.ctc_beam_search(...)``.
- ``paragraph_transformer``: ``decoding.autoregressive_greedy(model, images)`` or
  ``decoding.autoregressive_beam_search(model, images, beam_width=...)``.
- Each returns ``Decoded(text, confidence, log_prob, char_confidences, indices)`` per image;
  ``hparams["decoding"]``/``hparams["beam_width"]`` are the settings the model was validated with.
"""

from __future__ import annotations

import os
import pickle
from typing import Any

from torch import nn

from text_recognizer.errors import ModelInputError
from text_recognizer.lit_models.base import RecognizerLitModel
from text_recognizer.lit_models.line import LineCTCLitModel
from text_recognizer.lit_models.metrics import ErrorRates
from text_recognizer.lit_models.paragraph import ParagraphLitModel

#: model kind -> the LightningModule that trains it
LIT_MODELS: dict[str, type[RecognizerLitModel]] = {
    LineCTCLitModel.model_kind: LineCTCLitModel,
    ParagraphLitModel.model_kind: ParagraphLitModel,
}


def load_model_from_checkpoint(
    path: str | os.PathLike, map_location: str = "cpu"
) -> tuple[nn.Module, dict[str, Any]]:
    """The bare model of a training checkpoint (in eval mode) and its hyperparameters."""
    import torch

    from text_recognizer.models import build_model

    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=False)
    except (OSError, RuntimeError, EOFError, pickle.UnpicklingError) as error:
        raise ModelInputError(f"cannot read checkpoint {path}: {error}") from error
    hparams = dict(checkpoint.get("hyper_parameters") or {}) if isinstance(checkpoint, dict) else {}
    if "model_kind" not in hparams or "model_config" not in hparams:
        raise ModelInputError(f"{path} is not a text-recognizer checkpoint (no model_kind/config)")
    if not isinstance(checkpoint.get("state_dict"), dict):
        raise ModelInputError(f"{path} holds no state_dict: not a checkpoint Lightning saved")
    model = build_model(hparams["model_kind"], hparams["model_config"])
    prefix = "model."
    state = {
        key[len(prefix) :]: value
        for key, value in checkpoint["state_dict"].items()
        if key.startswith(prefix)
    }
    try:
        model.load_state_dict(state)
    except RuntimeError as error:  # missing, unexpected or misshapen weights
        raise ModelInputError(f"{path} does not hold the weights of its model: {error}") from error
    return model.eval(), hparams


__all__ = [
    "LIT_MODELS",
    "ErrorRates",
    "LineCTCLitModel",
    "ParagraphLitModel",
    "RecognizerLitModel",
    "load_model_from_checkpoint",
]
