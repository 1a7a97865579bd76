"""Training sanity checks that need a short Lightning run: lr = 0 leaves the weights alone,
gradients do not accumulate across steps, a seed fixes the losses, and a checkpoint round trip
gives identical predictions (see :mod:`text_recognizer.testing.sanity`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import torch
from lightning.pytorch import Callback, LightningModule
from torch import nn

from text_recognizer.testing.memorize import (
    LossRecorder,
    disable_dropout,
    quiet_trainer,
    repeated_batch_loader,
    set_learning_rate,
)
from text_recognizer.testing.sanity import Batch, SanityCheckFailed, fail, lit_model_probe, snapshot


class GradientNormRecorder(Callback):
    """The global gradient norm just before each optimizer step."""

    def __init__(self) -> None:
        self.norms: list[float] = []

    def on_before_optimizer_step(self, trainer, pl_module, optimizer) -> None:
        grads = [p.grad.detach().flatten() for p in pl_module.parameters() if p.grad is not None]
        self.norms.append(float(torch.cat(grads).norm()) if grads else 0.0)


@dataclass(frozen=True)
class TrainingRun:
    """What a short Lightning run left behind (see :func:`fit_steps`)."""

    losses: tuple[float, ...]
    gradient_norms: tuple[float, ...]
    before: dict[str, torch.Tensor]
    after: dict[str, torch.Tensor]


def fit_steps(
    lit_model: LightningModule,
    batch: Batch,
    steps: int,
    lr: Optional[float] = None,
    without_dropout: bool = False,
    checkpoint: Optional[Path] = None,
) -> TrainingRun:
    """Train ``lit_model`` for ``steps`` steps on ``batch`` with the real Lightning loop.

    ``lr`` overrides the learning rate; ``checkpoint`` saves a checkpoint at the end. The
    model comes back detached from the Trainer.
    """
    if without_dropout:
        disable_dropout(lit_model)
    if lr is not None:
        set_learning_rate(lit_model, lr)
    losses, norms = LossRecorder(), GradientNormRecorder()
    before = snapshot(lit_model)
    trainer = quiet_trainer(steps, [losses, norms])
    trainer.fit(lit_model, train_dataloaders=repeated_batch_loader(batch, steps))
    if checkpoint is not None:
        trainer.save_checkpoint(checkpoint)
    # Hand the model back detached, as a served model is: the paragraph model decodes with a
    # validation-only length cap while a Trainer is attached.
    lit_model.trainer = None
    return TrainingRun(tuple(losses.losses), tuple(norms.norms), before, snapshot(lit_model))


def check_weights_unchanged(run: TrainingRun) -> None:
    """Every parameter equals its value before the run (used with ``lr=0``).

    Buffers are not compared: BatchNorm's running statistics legitimately move in train mode.
    """
    fail(
        "changed during a run with learning rate 0",
        [name for name in run.after if not torch.equal(run.before[name], run.after[name])],
    )


def check_gradients_fresh_each_step(run: TrainingRun, rtol: float = 1e-4) -> None:
    """With ``lr=0``, dropout off and the same batch, every step's gradient is the same.

    If gradients are not cleared between steps (a dropped ``zero_grad``) step ``k`` sees
    ``k`` times the first gradient, and the norm grows step after step.
    """
    norms = run.gradient_norms
    if len(norms) < 2:
        raise ValueError("needs a run of at least 2 steps")
    if not all(math.isclose(norm, norms[0], rel_tol=rtol) for norm in norms[1:]):
        raise SanityCheckFailed(
            "gradient norms differ between identical steps with lr=0 "
            f"({', '.join(f'{n:.6g}' for n in norms)}): gradients accumulate across steps "
            "(zero_grad missing?)"
        )


def check_same_losses(first: TrainingRun, second: TrainingRun) -> None:
    """Two runs from the same seed produced exactly the same losses."""
    if first.losses != second.losses:
        raise SanityCheckFailed(
            f"same seed, different losses: {list(first.losses)} vs {list(second.losses)}"
        )


def check_checkpoint_round_trip(
    lit_model: LightningModule, reloaded: nn.Module, batch: Batch, probe_of=lit_model_probe
) -> None:
    """The reloaded model's eval outputs and decoded texts equal the original's exactly."""
    original, copy = probe_of(lit_model), probe_of(reloaded)
    original.module.eval()
    copy.module.eval()
    with torch.no_grad():
        if not torch.equal(original.outputs(batch), copy.outputs(batch)):
            raise SanityCheckFailed("outputs after a checkpoint save + load differ from before")
        expected = [item.text for item in lit_model.decode_batch(batch)]
        got = [item.text for item in reloaded.decode_batch(batch)]
    if expected != got:
        raise SanityCheckFailed(f"predictions after save + load differ: {expected} vs {got}")
