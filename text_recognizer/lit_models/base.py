"""What both LightningModules share: model construction, hyperparameters, optimizer, metrics.

Checkpoints store ``model_kind`` and ``model_config`` (a plain dict) among their
hyperparameters, so a model can be rebuilt from a checkpoint without the config files that
trained it (see :mod:`text_recognizer.lit_models`).
"""

from __future__ import annotations

import math
from typing import Any, Optional

import torch
from lightning.pytorch import LightningModule
from torch import nn

from text_recognizer.errors import ModelInputError
from text_recognizer.lit_models.metrics import ErrorRates
from text_recognizer.models import ModelConfig, build_model, config_to_dict, resolve_config
from text_recognizer.vocab import DEFAULT_VOCABULARY, Vocabulary

SCHEDULES = ("cosine", "onecycle", "constant")


def warmup_cosine(step: int, warmup_steps: int, total_steps: int, floor: float = 0.05) -> float:
    """Learning-rate factor: linear warm-up to 1, then cosine decay to ``floor``.

    >>> [round(warmup_cosine(s, 2, 10), 2) for s in (0, 1, 2, 10)]
    [0.5, 1.0, 1.0, 0.05]
    """
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    progress = min(1.0, (step - warmup_steps) / max(1, total_steps - warmup_steps))
    return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))


def one_cycle_warmup(steps: int) -> float:
    """OneCycleLR's ``pct_start`` for a run of ``steps`` optimizer steps: a tenth of the run,
    but at least two of its ``steps + 1`` scheduler steps (with a tenth of exactly ten, torch's
    warm-up phase has zero length and OneCycleLR divides by zero, so a 9-step run crashed).

    >>> one_cycle_warmup(99), one_cycle_warmup(9)
    (0.1, 0.2)
    """
    return max(0.1, 2.0 / (steps + 1))


def parameter_groups(model: nn.Module, weight_decay: float) -> list[dict[str, Any]]:
    """Decay matrices and kernels only: decaying biases, norms and embeddings hurts, not helps."""
    decay: list[nn.Parameter] = []
    no_decay: list[nn.Parameter] = []
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        is_matrix = parameter.dim() >= 2 and "embedding" not in name
        (decay if is_matrix else no_decay).append(parameter)
    return [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]


class RecognizerLitModel(LightningModule):
    """Base class; subclasses set ``model_kind`` and implement the steps.

    Args:
        model_config: a preset name (``"tiny"``, ``"base"``), a config dataclass or its dict.
        lr, weight_decay: AdamW settings (peak learning rate for the schedules).
        schedule: ``"cosine"`` (linear warm-up then cosine), ``"onecycle"`` or ``"constant"``.
        warmup_steps: warm-up length of the cosine schedule.
        decoding: ``"greedy"`` or ``"beam"``, used for validation, test and prediction.
        beam_width: beams of ``decoding="beam"``.
        model_kind: must match the class; stored so a checkpoint names its model.
        vocabulary: the characters of the vocabulary (specials excluded); default: the package's.
    """

    model_kind: str = ""

    def __init__(
        self,
        model_config: ModelConfig | dict[str, Any] | str = "base",
        lr: float = 1e-3,
        weight_decay: float = 0.01,
        schedule: str = "cosine",
        warmup_steps: int = 500,
        decoding: str = "greedy",
        beam_width: int = 8,
        model_kind: Optional[str] = None,
        vocabulary: Optional[str] = None,
        **extra: Any,
    ) -> None:
        super().__init__()
        if model_kind is not None and model_kind != self.model_kind:
            raise ModelInputError(
                f"{type(self).__name__} trains {self.model_kind!r} models, not {model_kind!r}"
            )
        if schedule not in SCHEDULES:
            raise ModelInputError(f"unknown schedule {schedule!r}; choose one of {SCHEDULES}")
        if decoding not in ("greedy", "beam"):
            raise ModelInputError(f"unknown decoding {decoding!r}; choose 'greedy' or 'beam'")
        self.vocab = DEFAULT_VOCABULARY if vocabulary is None else Vocabulary(vocabulary)
        config = resolve_config(self.model_kind, model_config)
        if config.vocab_size != len(self.vocab):
            raise ModelInputError(
                f"model vocab_size {config.vocab_size} != vocabulary size {len(self.vocab)}"
            )
        self.save_hyperparameters(
            {
                "model_kind": self.model_kind,
                "model_config": config_to_dict(config),
                "lr": lr,
                "weight_decay": weight_decay,
                "schedule": schedule,
                "warmup_steps": warmup_steps,
                "decoding": decoding,
                "beam_width": beam_width,
                "vocabulary": self.vocab.characters,
                **extra,
            }
        )
        self.model = build_model(self.model_kind, config)
        self.rates = nn.ModuleDict({stage: ErrorRates() for stage in ("val", "test")})

    # ----------------------------------------------------------------- subclass interface
    def compute_loss(self, batch: dict[str, Any]) -> torch.Tensor:
        raise NotImplementedError

    def decode_batch(self, batch: dict[str, Any]) -> list[Any]:
        """``Decoded`` results (see :mod:`text_recognizer.decoding`) for a batch."""
        raise NotImplementedError

    # ----------------------------------------------------------------- Lightning hooks
    def training_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        loss = self.compute_loss(batch)
        self.log("train/loss", loss, prog_bar=True, batch_size=len(batch["texts"]))
        return loss

    def _evaluate(self, batch: dict[str, Any], stage: str) -> torch.Tensor:
        size = len(batch["texts"])
        loss = self.compute_loss(batch)
        texts = [decoded.text for decoded in self.decode_batch(batch)]
        rates = self.rates[stage]
        rates.update(texts, batch["texts"])
        sync = self.trainer.world_size > 1 if self._trainer is not None else False
        self.log(f"{stage}/loss", loss, prog_bar=True, batch_size=size, sync_dist=sync)
        self.log(f"{stage}/cer", rates.cer, prog_bar=True, batch_size=size)
        self.log(f"{stage}/wer", rates.wer, batch_size=size)
        return loss

    def on_validation_epoch_start(self) -> None:
        # Fresh metric states created in the current grad mode: states left by an earlier
        # ``trainer.validate`` are inference tensors that ``fit``'s no-grad loop cannot update.
        self.rates["val"].reset()

    def on_test_epoch_start(self) -> None:
        self.rates["test"].reset()

    def validation_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        return self._evaluate(batch, "val")

    def test_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        return self._evaluate(batch, "test")

    def predict_step(self, batch: dict[str, Any], batch_idx: int, dataloader_idx: int = 0):
        """``{"ids", "texts", "confidences", "char_confidences"}`` for one batch."""
        decoded = self.decode_batch(batch)
        return {
            "ids": list(batch.get("ids", [])),
            "texts": [item.text for item in decoded],
            "confidences": [item.confidence for item in decoded],
            "char_confidences": [list(item.char_confidences) for item in decoded],
        }

    def configure_optimizers(self):
        hp = self.hparams
        optimizer = torch.optim.AdamW(
            parameter_groups(self.model, hp.weight_decay), lr=hp.lr, betas=(0.9, 0.98)
        )
        if hp.schedule == "constant":
            return optimizer
        total = max(1, int(self.trainer.estimated_stepping_batches))
        if hp.schedule == "onecycle":
            scheduler = torch.optim.lr_scheduler.OneCycleLR(
                optimizer, max_lr=hp.lr, total_steps=total + 1, pct_start=one_cycle_warmup(total)
            )
        else:
            warmup = min(hp.warmup_steps, max(1, total // 10))
            scheduler = torch.optim.lr_scheduler.LambdaLR(
                optimizer, lambda step: warmup_cosine(step, warmup, total)
            )
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "step"},
        }
