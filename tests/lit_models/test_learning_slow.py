"""Slow lane: a short training from scratch improves val CER (the line model learns)."""

from __future__ import annotations

import pytest

from text_recognizer.lit_models import LineCTCLitModel

pytestmark = pytest.mark.slow


def val_cer(trainer, lit_model, data) -> float:
    (metrics,) = trainer.validate(lit_model, datamodule=data, verbose=False)
    return metrics["val/cer"]


def test_short_training_from_scratch_improves_val_cer(quiet_trainer):
    from text_recognizer.data.modules import FakeDataModule

    data = FakeDataModule(kind="lines", train_size=512, val_size=32, test_size=8, batch_size=16)
    lit_model = LineCTCLitModel("tiny", lr=3e-3, schedule="constant")
    # ~600 steps carry CTC past its all-blank plateau (CER 1.0) on random printed strings.
    trainer = quiet_trainer(
        max_steps=700,
        limit_val_batches=2,
        check_val_every_n_epoch=1000,
        gradient_clip_val=1.0,
        num_sanity_val_steps=0,
    )
    before = val_cer(trainer, lit_model, data)
    trainer.fit(lit_model, datamodule=data)
    after = val_cer(trainer, lit_model, data)
    assert after < 0.7 * before, (before, after)
