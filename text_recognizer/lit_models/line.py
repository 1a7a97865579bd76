"""LightningModule of the line model: CTC loss, CTC greedy/beam decoding, CER/WER."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from text_recognizer.decoding import Decoded, ctc_beam_search, ctc_greedy
from text_recognizer.lit_models.base import RecognizerLitModel


class LineCTCLitModel(RecognizerLitModel):
    """Trains :class:`~text_recognizer.models.LineCTC` on line batches (see the batch contract).

    CTC's ``zero_infinity`` turns the infinite loss of an impossible alignment (a label longer
    than the frames it gets) into zero instead of a NaN that would poison the weights.
    """

    model_kind = "line_ctc"

    def forward(self, images: torch.Tensor, widths: torch.Tensor):
        return self.model(images, widths)

    def compute_loss(self, batch: dict[str, Any]) -> torch.Tensor:
        log_probs, lengths = self.model(batch["images"], batch["widths"])
        return F.ctc_loss(
            log_probs.float().transpose(0, 1),
            batch["targets"],
            lengths,
            batch["target_lengths"],
            blank=self.vocab.blank_index,
            reduction="mean",
            zero_infinity=True,
        )

    def decode_batch(self, batch: dict[str, Any]) -> list[Decoded]:
        log_probs, lengths = self.model(batch["images"], batch["widths"])
        if self.hparams.decoding == "beam":
            return ctc_beam_search(log_probs, lengths, self.vocab, self.hparams.beam_width)
        return ctc_greedy(log_probs, lengths, self.vocab)
