"""Scoring examples as training does: the per-sample training loss and the greedy prediction
with its CER, on exactly the image the model reads (for mining and re-checking suites)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Sequence

import torch
from PIL import Image

from text_recognizer.errors import GoldenError
from text_recognizer.metrics import character_error_rate


def model_input_image(image: Image.Image, kind: str) -> Image.Image:
    """The 8-bit gray image the model reads of ``image`` (normalised page, text block, model
    size): what a frozen example stores, so that scoring it reproduces the original's input."""
    from text_recognizer.data import preprocess

    return preprocess.model_input_image(preprocess.page_of(image), kind)


@dataclass(frozen=True)
class Score:
    """Loss (per-character mean, as training reports it), greedy prediction and its CER."""

    loss: float
    prediction: str
    cer: float


@torch.inference_mode()
def score_batch(
    model: torch.nn.Module, kind: str, images: Sequence[Image.Image], texts: Sequence[str]
) -> list[Score]:
    """Score one batch of :func:`model_input_image` images with an eager network: the training
    loss per sample, and greedy text.

    Lines: CTC loss divided by the label length (what ``reduction="mean"`` averages).
    Paragraphs: teacher-forced cross-entropy averaged over the label's tokens and ``<end>``.
    """
    import torch.nn.functional as F

    from text_recognizer import decoding
    from text_recognizer.data.preprocess import Preprocessor, Sample, input_tensor
    from text_recognizer.vocab import DEFAULT_VOCABULARY as vocab

    preprocessor = Preprocessor(kind)
    batch = preprocessor.collate(
        [
            Sample(image=input_tensor(image, kind), text=text, id=str(i))
            for i, (image, text) in enumerate(zip(images, texts))
        ]
    )
    if kind == "lines":
        log_probs, lengths = model(batch["images"], batch["widths"])
        losses = F.ctc_loss(
            log_probs.float().transpose(0, 1),
            batch["targets"],
            lengths,
            batch["target_lengths"],
            blank=vocab.blank_index,
            reduction="none",
            zero_infinity=True,
        ) / batch["target_lengths"].clamp(min=1)
        decoded = decoding.ctc_greedy(log_probs, lengths)
    else:
        from text_recognizer.lit_models.paragraph import teacher_forcing_pair

        inputs, outputs = teacher_forcing_pair(batch["targets"], batch["target_lengths"], vocab)
        logits = model(batch["images"], inputs)
        per_token = F.cross_entropy(
            logits.float().transpose(1, 2), outputs, ignore_index=vocab.pad_index, reduction="none"
        )
        counted = (outputs != vocab.pad_index).sum(dim=1).clamp(min=1)
        losses = per_token.sum(dim=1) / counted
        # Validation's cap, 2 * label + 16 decoder positions, applied per sample: greedy rows
        # are independent, so decoding to the batch's cap and cutting each row to its own
        # gives every sample the same prediction whichever batch it is scored in.
        caps = [2 * len(text) + 15 for text in texts]  # tokens after <start>
        decoded = decoding.autoregressive_greedy(model, batch["images"], max_length=max(caps) + 1)
        predictions = [vocab.decode(item.indices[:cap]) for item, cap in zip(decoded, caps)]
        return [
            Score(float(loss), prediction, character_error_rate(prediction, text))
            for loss, prediction, text in zip(losses.tolist(), predictions, texts)
        ]
    return [
        Score(float(loss), item.text, character_error_rate(item.text, text))
        for loss, item, text in zip(losses.tolist(), decoded, texts)
    ]


def score_images(
    model: torch.nn.Module,
    kind: str,
    images: Sequence[Image.Image],
    texts: Sequence[str],
    batch_size: int = 16,
) -> list[Score]:
    """:func:`score_batch` over ``images`` in chunks of ``batch_size``."""
    scores: list[Score] = []
    for start in range(0, len(images), batch_size):
        scores += score_batch(
            model, kind, images[start : start + batch_size], texts[start : start + batch_size]
        )
    return scores


def load_kind(model_dir: str | os.PathLike, kind: str) -> Any:
    """The staged model of ``kind`` in ``model_dir`` (a staged folder or lines/ + paragraphs/)."""
    from text_recognizer.staging import load_staged, staged_folders

    folders = staged_folders(model_dir)
    if kind not in folders:
        raise GoldenError(f"{model_dir} has no staged {kind} model (it has {', '.join(folders)})")
    return load_staged(folders[kind])
