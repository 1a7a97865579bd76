"""Character and word error rates of decoded texts (torchmetrics), one pair per stage.

Both are corpus-level rates: total edit operations over total reference characters (words),
so long lines weigh more than short ones, as in the IAM literature.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn
from torchmetrics.text import CharErrorRate, WordErrorRate


class ErrorRates(nn.Module):
    """Accumulates CER and WER over a stage; ``compute`` returns both, ``reset`` clears them.

    >>> rates = ErrorRates()
    >>> rates.update(["hello world"], ["hello word"])
    >>> {name: round(float(value), 3) for name, value in rates.compute().items()}
    {'cer': 0.1, 'wer': 0.5}
    """

    def __init__(self) -> None:
        super().__init__()
        self.cer = CharErrorRate()
        self.wer = WordErrorRate()

    def update(self, predictions: Sequence[str], references: Sequence[str]) -> None:
        predictions, references = list(predictions), list(references)
        if len(predictions) != len(references):
            raise ValueError(f"{len(predictions)} predictions for {len(references)} references")
        self.cer.update(predictions, references)
        self.wer.update(predictions, references)

    def compute(self) -> dict[str, torch.Tensor]:
        return {"cer": self.cer.compute(), "wer": self.wer.compute()}

    def reset(self) -> None:
        self.cer.reset()
        self.wer.reset()
