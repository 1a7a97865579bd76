"""Fake-data modules and a quiet CPU trainer factory for LightningModule tests."""

from __future__ import annotations

import lightning as L
import pytest

from text_recognizer.data.modules import FakeDataModule


@pytest.fixture
def fake_lines():
    return FakeDataModule(kind="lines", train_size=4, val_size=4, test_size=4, batch_size=2)


@pytest.fixture
def fake_paragraphs():
    return FakeDataModule(kind="paragraphs", train_size=2, val_size=2, test_size=2, batch_size=2)


@pytest.fixture
def quiet_trainer(tmp_path):
    """``quiet_trainer(**overrides)``: a CPU Trainer without logger, progress bar or summary."""

    def make(**overrides) -> L.Trainer:
        settings = dict(
            accelerator="cpu",
            devices=1,
            logger=False,
            enable_progress_bar=False,
            enable_model_summary=False,
            default_root_dir=tmp_path,
        )
        settings.update(overrides)
        return L.Trainer(**settings)

    return make
