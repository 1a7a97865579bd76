"""LightningModule of the paragraph model: teacher-forced cross-entropy, autoregressive decoding."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from text_recognizer.decoding import Decoded, autoregressive_beam_search, autoregressive_greedy
from text_recognizer.lit_models.base import RecognizerLitModel
from text_recognizer.vocab import Vocabulary


def teacher_forcing_pair(
    targets: torch.Tensor, target_lengths: torch.Tensor, vocab: Vocabulary
) -> tuple[torch.Tensor, torch.Tensor]:
    """Decoder input ``<start> text`` and expected output ``text <end>``, both ``(B, T + 1)``.

    >>> from text_recognizer.vocab import DEFAULT_VOCABULARY as V
    >>> inputs, outputs = teacher_forcing_pair(torch.tensor([[10, 11], [12, 1]]),
    ...                                        torch.tensor([2, 1]), V)
    >>> inputs.tolist(), outputs.tolist()
    ([[2, 10, 11], [2, 12, 1]], [[10, 11, 3], [12, 3, 1]])
    """
    batch = targets.shape[0]
    outputs = torch.full(
        (batch, targets.shape[1] + 1), vocab.pad_index, dtype=torch.long, device=targets.device
    )
    outputs[:, :-1] = targets
    outputs[torch.arange(batch, device=targets.device), target_lengths.long()] = vocab.end_index
    start = torch.full((batch, 1), vocab.start_index, dtype=torch.long, device=targets.device)
    inputs = torch.cat([start, targets.long()], dim=1)
    return inputs, outputs


class ParagraphLitModel(RecognizerLitModel):
    """Trains :class:`~text_recognizer.models.ParagraphTransformer` on paragraph batches.

    Extra args: ``label_smoothing`` of the cross-entropy (padding is ignored by the loss).
    Validation decodes at most ``2 * longest reference + 16`` tokens: a longer prediction is
    already wrong by more than 100 % CER, and an untrained model would otherwise run to
    ``max_length`` on every validation batch.
    """

    model_kind = "paragraph_transformer"

    def __init__(self, *args: Any, label_smoothing: float = 0.0, **kwargs: Any) -> None:
        super().__init__(*args, label_smoothing=label_smoothing, **kwargs)

    def forward(self, images: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        return self.model(images, tokens)

    def compute_loss(self, batch: dict[str, Any]) -> torch.Tensor:
        inputs, outputs = teacher_forcing_pair(
            batch["targets"], batch["target_lengths"], self.vocab
        )
        logits = self.model(batch["images"], inputs)
        return F.cross_entropy(
            logits.float().transpose(1, 2),
            outputs,
            ignore_index=self.vocab.pad_index,
            label_smoothing=self.hparams.label_smoothing,
        )

    def decode_batch(self, batch: dict[str, Any]) -> list[Decoded]:
        max_length = None
        if self.training is False and "target_lengths" in batch and self._trainer is not None:
            if not self.trainer.predicting:
                max_length = 2 * int(batch["target_lengths"].max()) + 16
        if self.hparams.decoding == "beam":
            return autoregressive_beam_search(
                self.model, batch["images"], self.vocab, self.hparams.beam_width, max_length
            )
        return autoregressive_greedy(self.model, batch["images"], self.vocab, max_length)
