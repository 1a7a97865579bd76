"""CER and WER as torchmetrics ``Metric`` states, so Lightning logs them per stage.

The counting is :func:`text_recognizer.metrics.edit_counts`; these classes only keep the two
sums as metric states. That is what torchmetrics adds over a plain accumulator: under DDP the
sums are added across processes before the rate is taken (``dist_reduce_fx="sum"``), and
Lightning computes, logs and resets them at the end of each epoch.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn
from torchmetrics import Metric

from text_recognizer.metrics import edit_counts


class EditErrorRate(Metric):
    """Corpus error rate in characters (``unit="char"``) or words (``unit="word"``)."""

    full_state_update = False
    higher_is_better = False
    is_differentiable = False

    def __init__(self, unit: str = "char") -> None:
        super().__init__()
        self.unit = unit
        self.add_state("errors", default=torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")
        self.add_state("units", default=torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")

    def update(self, predictions: Sequence[str], references: Sequence[str]) -> None:
        counts = edit_counts(list(predictions), list(references), self.unit)
        self.errors += counts.errors
        self.units += counts.units

    def compute(self) -> torch.Tensor:
        return self.errors.float() / self.units.clamp(min=1)


class ErrorRates(nn.Module):
    """CER and WER of one stage; ``compute`` returns both, ``reset`` clears them.

    >>> rates = ErrorRates()
    >>> rates.update(["hello world"], ["hello word"])
    >>> {name: round(float(value), 3) for name, value in rates.compute().items()}
    {'cer': 0.1, 'wer': 0.5}
    """

    def __init__(self) -> None:
        super().__init__()
        self.cer = EditErrorRate("char")
        self.wer = EditErrorRate("word")

    def update(self, predictions: Sequence[str], references: Sequence[str]) -> None:
        self.cer.update(predictions, references)
        self.wer.update(predictions, references)

    def compute(self) -> dict[str, torch.Tensor]:
        return {"cer": self.cer.compute(), "wer": self.wer.compute()}

    def reset(self) -> None:
        self.cer.reset()
        self.wer.reset()
