"""Can the model memorize one batch? The cheapest proof that a model and its training loop learn.

A correct model with enough capacity drives its loss on a single fixed batch towards zero and
then reproduces the batch exactly. If it cannot, something is broken (labels misaligned with
images, a detached layer, a wrong loss, a decoder that disagrees with training), and no amount
of data or GPU time will fix it. The criterion is therefore strict: CER exactly 0 on the batch
with the model's *own* decoding in eval mode (``decode_batch``, as validation and serving run
it), not merely a low loss.

Augmentation lives in the data loaders, which this bypasses: the batch is fixed tensors,
repeated. Dropout is switched off (``p = 0`` on every dropout module and every float
``dropout`` attribute, e.g. attention or LSTM dropout), so the only randomness left is the
initialisation; BatchNorm keeps its normal train/eval behaviour, so the eval-mode check also
proves that the running statistics agree with training.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import torch
from lightning.pytorch import Callback, LightningModule, Trainer
from torch import nn
from torch.utils.data import DataLoader, Dataset

from text_recognizer.metrics import character_error_rate

Batch = dict[str, Any]
LitModelFactory = Callable[[], LightningModule]


@dataclass(frozen=True)
class Mismatch:
    """The first sample of the batch that was not reproduced exactly."""

    index: int
    id: str
    expected: str
    got: str

    def __str__(self) -> str:
        return f"sample {self.index} ({self.id}): expected {self.expected!r}, got {self.got!r}"


@dataclass(frozen=True)
class MemorizationResult:
    """Outcome of :func:`memorize`. ``steps_to_criterion`` is None when it did not converge."""

    steps_to_criterion: Optional[int]
    seconds_to_criterion: Optional[float]
    final_loss: float
    final_cer: float
    converged: bool
    steps_run: int
    seconds_run: float
    losses: tuple[float, ...] = field(repr=False)
    first_mismatch: Optional[Mismatch] = None

    def loss_curve_summary(self, points: int = 10) -> str:
        """``start / min / last`` and the loss at every ``1/points`` of the run."""
        return summarize_losses(self.losses, points)

    def failure_message(self) -> str:
        """Why the criterion was missed: the loss curve and the first wrong transcription."""
        return (
            f"did not reproduce the batch within {self.steps_run} steps "
            f"({self.seconds_run:.1f} s): final CER {self.final_cer:.4f}, "
            f"final loss {self.final_loss:.4g}\n"
            f"loss curve: {self.loss_curve_summary()}\n"
            f"first mismatch: {self.first_mismatch}"
        )


def summarize_losses(losses: Sequence[float], points: int = 10) -> str:
    """One line describing a loss curve.

    >>> summarize_losses([4.0, 2.0, 1.0, 0.5, 0.6], points=2)
    'start 4 min 0.5 last 0.6 | step 1: 4, step 3: 1, step 5: 0.6'
    """
    if not losses:
        return "no steps run"
    count = len(losses)
    marks = sorted({0, count - 1} | {math.ceil(count * k / points) - 1 for k in range(1, points)})
    marks = [mark for mark in marks if 0 <= mark < count]
    curve = ", ".join(f"step {mark + 1}: {losses[mark]:.4g}" for mark in marks)
    return f"start {losses[0]:.4g} min {min(losses):.4g} last {losses[-1]:.4g} | {curve}"


def disable_dropout(module: nn.Module) -> int:
    """Set every dropout probability in ``module`` to 0; returns how many were non-zero.

    Covers ``nn.Dropout*`` modules and modules that keep their rate as a float ``dropout``
    attribute read in ``forward`` (``nn.LSTM``, ``nn.MultiheadAttention``, our attention).
    """
    changed = 0
    for sub in module.modules():
        if isinstance(sub, nn.modules.dropout._DropoutNd):
            changed += sub.p > 0
            sub.p = 0.0
        rate = getattr(sub, "dropout", None)
        if isinstance(rate, float):
            changed += rate > 0
            sub.dropout = 0.0
    return changed


class RepeatedBatch(Dataset):
    """A data set whose every item is the same, already collated batch (use ``batch_size=None``)."""

    def __init__(self, batch: Batch, length: int) -> None:
        self.batch = batch
        self.length = length

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> Batch:
        return self.batch


def repeated_batch_loader(batch: Batch, steps: int) -> DataLoader:
    """A loader yielding ``batch`` ``steps`` times, in-process (no workers, no collation)."""
    return DataLoader(RepeatedBatch(batch, steps), batch_size=None, shuffle=False, num_workers=0)


class LossRecorder(Callback):
    """Keeps every training step's loss (a float per step)."""

    def __init__(self) -> None:
        self.losses: list[float] = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        loss = outputs["loss"] if isinstance(outputs, dict) else outputs
        self.losses.append(float(loss.detach()))


class CriterionCheck(Callback):
    """Every ``every`` steps (and at the end), decode the batch in eval mode; stop at CER 0."""

    def __init__(self, every: int, started: float) -> None:
        self.every = every
        self.started = started
        self.steps_to_criterion: Optional[int] = None
        self.seconds_to_criterion: Optional[float] = None
        self.cer = math.inf
        self.mismatch: Optional[Mismatch] = None
        self.checked_at = -1
        self.last_batch: Optional[Batch] = None

    def check(self, trainer: Trainer, pl_module: LightningModule, batch: Batch) -> None:
        self.checked_at = trainer.global_step
        was_training = pl_module.training
        pl_module.eval()
        try:
            with torch.no_grad(), trainer.precision_plugin.forward_context():
                texts = [decoded.text for decoded in pl_module.decode_batch(batch)]
        finally:
            pl_module.train(was_training)
        references = list(batch["texts"])
        self.cer = character_error_rate(texts, references)
        self.mismatch = next(
            (
                Mismatch(index, str(batch["ids"][index]), expected, got)
                for index, (expected, got) in enumerate(zip(references, texts))
                if expected != got
            ),
            None,
        )
        if self.mismatch is None and self.steps_to_criterion is None:
            if pl_module.device.type == "cuda":
                torch.cuda.synchronize(pl_module.device)
            self.steps_to_criterion = trainer.global_step
            self.seconds_to_criterion = time.perf_counter() - self.started
            trainer.should_stop = True

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self.last_batch = batch
        if trainer.global_step % self.every == 0:
            self.check(trainer, pl_module, batch)

    def on_train_end(self, trainer, pl_module) -> None:
        if self.last_batch is not None and self.checked_at != trainer.global_step:
            self.check(trainer, pl_module, self.last_batch)


def quiet_trainer(
    max_steps: int,
    callbacks: Sequence[Callback] = (),
    device: str = "cpu",
    precision: str = "32-true",
    **overrides: Any,
) -> Trainer:
    """A single-device Trainer with no logger, checkpoints, progress bar or validation."""
    accelerator = "gpu" if device.startswith("cuda") else "cpu"
    devices: Any = 1
    if accelerator == "gpu" and ":" in device:
        devices = [int(device.split(":", 1)[1])]
    settings: dict[str, Any] = dict(
        max_steps=max_steps,
        max_epochs=-1,
        accelerator=accelerator,
        devices=devices,
        precision=precision,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        limit_val_batches=0,
        callbacks=list(callbacks),
    )
    settings.update(overrides)
    return Trainer(**settings)


def set_learning_rate(lit_model: LightningModule, lr: float) -> None:
    """Override the peak learning rate that ``configure_optimizers`` reads from hparams."""
    if "lr" not in lit_model.hparams:
        raise ValueError(f"{type(lit_model).__name__} has no 'lr' hyperparameter to override")
    lit_model.hparams["lr"] = lr


def memorize(
    lit_model_factory: LitModelFactory,
    batch: Batch,
    max_steps: int,
    lr: Optional[float] = None,
    device: str = "cpu",
    precision: str = "32-true",
    check_every: int = 10,
    seed: int = 0,
    threads: Optional[int] = None,
) -> MemorizationResult:
    """Train a fresh model on ``batch`` alone until it transcribes it exactly, or ``max_steps``.

    Args:
        lit_model_factory: builds the LightningModule (with its optimizer settings); it must
            implement ``compute_loss`` via ``training_step`` and ``decode_batch(batch)``.
        batch: one collated batch (the batch contract); it is repeated every step.
        max_steps: the step budget.
        lr: overrides the factory's peak learning rate when given.
        device: ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
        precision: a Lightning precision (``"32-true"``, ``"bf16-mixed"``...).
        check_every: decode the batch every this many steps (the criterion's resolution).
        seed: seeds the initialisation, so steps-to-criterion is comparable between runs.
        threads: CPU threads for torch during the run (restored after). On a shared machine
            one thread is several times faster than two fighting other processes for cores.

    Seconds count from this call, model construction and Trainer start-up included.
    """
    if max_steps < 1 or check_every < 1:
        raise ValueError("max_steps and check_every must be at least 1")
    saved_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        return _memorize(
            lit_model_factory, batch, max_steps, lr, device, precision, check_every, seed
        )
    finally:
        torch.set_num_threads(saved_threads)


def _memorize(
    lit_model_factory: LitModelFactory,
    batch: Batch,
    max_steps: int,
    lr: Optional[float],
    device: str,
    precision: str,
    check_every: int,
    seed: int,
) -> MemorizationResult:
    started = time.perf_counter()
    torch.manual_seed(seed)
    lit_model = lit_model_factory()
    disable_dropout(lit_model)
    if lr is not None:
        set_learning_rate(lit_model, lr)
    recorder = LossRecorder()
    criterion = CriterionCheck(check_every, started)
    trainer = quiet_trainer(max_steps, [recorder, criterion], device, precision)
    trainer.fit(lit_model, train_dataloaders=repeated_batch_loader(batch, max_steps))
    return MemorizationResult(
        steps_to_criterion=criterion.steps_to_criterion,
        seconds_to_criterion=criterion.seconds_to_criterion,
        final_loss=recorder.losses[-1] if recorder.losses else math.nan,
        final_cer=criterion.cer,
        converged=criterion.steps_to_criterion is not None,
        steps_run=trainer.global_step,
        seconds_run=time.perf_counter() - started,
        losses=tuple(recorder.losses),
        first_mismatch=criterion.mismatch,
    )
