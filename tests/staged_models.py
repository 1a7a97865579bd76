"""Fixtures: tiny random-weight models, checkpointed as training does and staged once per session.

A pytest plugin (tests/conftest.py). Staging (tracing, ONNX export, parity) costs seconds, so
every test of the staged format, the stage pipeline, the recognizer and the CLI shares the
folders built here; tests must not modify them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tests.conftest import one_torch_thread
from text_recognizer.data.fake import render_fake


def save_checkpoint(lit_model, path: Path) -> Path:
    """Write ``lit_model`` the way training does (``Trainer.save_checkpoint``), 0 steps taken."""
    from lightning.pytorch import Trainer

    trainer = Trainer(
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        max_steps=0,
    )
    trainer.strategy.connect(lit_model)
    trainer.save_checkpoint(path)
    return path


@pytest.fixture(scope="session")
def line_checkpoint(tmp_path_factory) -> Path:
    from text_recognizer.lit_models import LineCTCLitModel

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("line-ckpt")
    return save_checkpoint(LineCTCLitModel(model_config="tiny"), folder / "tiny-lines.ckpt")


@pytest.fixture(scope="session")
def paragraph_checkpoint(tmp_path_factory) -> Path:
    from text_recognizer.lit_models import ParagraphLitModel

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("paragraph-ckpt")
    return save_checkpoint(ParagraphLitModel(model_config="tiny"), folder / "tiny-para.ckpt")


def fake_images(kind: str, count: int) -> list:
    return [render_fake(kind, index, split="test")[0] for index in range(count)]


@pytest.fixture(scope="session")
def staged_lines(tmp_path_factory, line_checkpoint):
    """A staged tiny line model (StageReport); parity ran on fake printed lines."""
    from text_recognizer.training.stage import stage

    out = tmp_path_factory.mktemp("staged") / "lines"
    with one_torch_thread():
        return stage(line_checkpoint, out, images=fake_images("lines", 3))


@pytest.fixture(scope="session")
def staged_paragraphs(tmp_path_factory, paragraph_checkpoint):
    from text_recognizer.training.stage import stage

    out = tmp_path_factory.mktemp("staged") / "paragraphs"
    with one_torch_thread():
        return stage(paragraph_checkpoint, out, images=fake_images("paragraphs", 2))


@pytest.fixture(scope="session")
def line_recognizer(staged_lines):
    from text_recognizer.recognizer import Recognizer

    return Recognizer.load(staged_lines.folder)


@pytest.fixture(scope="session")
def both_folder(tmp_path_factory, staged_lines, staged_paragraphs) -> Path:
    """A folder with ``lines/`` and ``paragraphs/`` staged models, as the packaged default."""
    import shutil

    root = tmp_path_factory.mktemp("both")
    shutil.copytree(staged_lines.folder, root / "lines")
    shutil.copytree(staged_paragraphs.folder, root / "paragraphs")
    return root


@pytest.fixture
def two_writer_data(tmp_path):
    """A test split by two writers, "seen" (2 lines) and "unseen" (1 line, held out)."""
    from text_recognizer.data.manifest import write_image_record, write_manifest

    root = tmp_path / "two-writers"
    records = [
        write_image_record(root, f"w-{index}", *render_fake("lines", index), writer, "test", "fake")
        for index, writer in enumerate(["seen", "unseen", "seen"])
    ]
    metadata = {"kind": "lines", "source": "fake", "held_out_writers": ["unseen"]}
    write_manifest(root, records, metadata)
    return root


def transcribed_rates(model_dir, data_dir, writer: str | None = None) -> tuple[float, float]:
    """Corpus CER and WER of the test split of ``data_dir`` (one writer's records when given),
    computed image by image with ``Recognizer.predict``: the reference an evaluation must match."""
    from text_recognizer.data.manifest import read_manifest
    from text_recognizer.metrics import character_error_rate, word_error_rate
    from text_recognizer.recognizer import Recognizer

    recognizer = Recognizer.load(model_dir)
    manifest = read_manifest(data_dir)
    records = [r for r in manifest.records if r.split == "test" and writer in (None, r.writer)]
    predictions = [recognizer.predict(manifest.root / r.path, mode="lines").text for r in records]
    references = [r.text for r in records]
    return character_error_rate(predictions, references), word_error_rate(predictions, references)
