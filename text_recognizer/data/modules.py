"""LightningDataModules that yield contract batches of lines or paragraphs.

Sources: the synthetic generator on the fly (nothing on disk), a cached manifest folder (a
generated synthetic set or IAM as prepared by ``text-recognizer data``), or fake printed strings
for smoke tests. Validation and test loaders never shuffle or augment, so every epoch's metrics
are measured on identical batches.
"""

from __future__ import annotations

import os
import random
from typing import Any, Callable, Sequence

import numpy as np
import torch
from lightning.pytorch import LightningDataModule
from torch.utils.data import DataLoader, Dataset

from text_recognizer.data.datasets import (
    FakeDataset,
    ImageTransform,
    ManifestDataset,
    SyntheticDataset,
)
from text_recognizer.data.fonts import writer_rank
from text_recognizer.data.manifest import SPLITS, read_manifest
from text_recognizer.data.preprocess import Batch, Sample, collate_lines, collate_paragraphs
from text_recognizer.data.transforms import ImageAugmentation
from text_recognizer.errors import ManifestError
from text_recognizer.vocab import DEFAULT_VOCABULARY, Vocabulary


def seed_worker(worker_id: int) -> None:
    """Seed python and numpy in a loader worker from torch's per-worker seed.

    Torch seeds itself per worker, but not the other generators an augmentation may use.
    """
    seed = torch.initial_seed() % 2**32
    random.seed(seed)
    np.random.seed(seed)


def _check_size(name: str, value: int | None) -> None:
    if value is not None and value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")


class TextDataModule(LightningDataModule):
    """Train/val/test loaders of one kind ("lines" or "paragraphs"); subclasses fix the kind.

    Args:
        data_dir: a manifest folder to read; ``None`` renders synthetic data on the fly.
        train_size, val_size, test_size: samples per split. For a manifest folder ``None`` means
            the whole split; on the fly they are required (defaults apply).
        batch_size, num_workers: loader settings; workers persist between epochs.
        seed: seeds the synthetic generator and the training shuffle.
        augment: augment the training split: the synthetic generator's own augmentation on the
            fly; for finished images (a manifest folder, fakes) :class:`ImageAugmentation`
            unless ``train_transform`` is given. Validation and test are never augmented.
        train_transform: an extra PIL ``"L"`` -> ``"L"`` augmentation for training images.
        synthetic_options: other :class:`SyntheticConfig` fields for on-the-fly data.
        train_writers: train on the first N writers of a manifest folder's training split only
            (in the order of the writer rule, so smaller subsets are part of larger ones): how
            accuracy on unseen writers grows with the number of writers, at equal steps.
    """

    kind: str = "lines"
    vocab: Vocabulary = DEFAULT_VOCABULARY

    def __init__(
        self,
        data_dir: str | os.PathLike | None = None,
        train_size: int | None = 10_000,
        val_size: int | None = 1_000,
        test_size: int | None = 1_000,
        batch_size: int = 32,
        num_workers: int = 0,
        seed: int = 0,
        augment: bool = True,
        train_transform: ImageTransform | None = None,
        synthetic_options: dict[str, Any] | None = None,
        train_writers: int | None = None,
    ) -> None:
        super().__init__()
        for name, value in (("train_size", train_size), ("val_size", val_size)):
            _check_size(name, value)
        _check_size("test_size", test_size)
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if num_workers < 0:
            raise ValueError(f"num_workers must be >= 0, got {num_workers}")
        if train_writers is not None and (train_writers < 1 or data_dir is None):
            raise ValueError("train_writers needs a data_dir and must be >= 1")
        if data_dir is None and None in (train_size, val_size, test_size):
            raise ValueError("on-the-fly synthetic data needs train_size, val_size and test_size")
        self.data_dir = data_dir
        self.sizes = {"train": train_size, "val": val_size, "test": test_size}
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.seed = seed
        self.augment = augment
        self.train_transform = train_transform
        self.synthetic_options = dict(synthetic_options or {})
        self.train_writers = train_writers
        self.datasets: dict[str, Dataset] = {}
        self.save_hyperparameters(ignore=["train_transform"])

    @property
    def source(self) -> str:
        """``"manifest"`` when reading ``data_dir``, else ``"synthetic"``."""
        return "synthetic" if self.data_dir is None else "manifest"

    @property
    def collate_fn(self) -> Callable[[Sequence[Sample]], Batch]:
        return collate_lines if self.kind == "lines" else collate_paragraphs

    def prepare_data(self) -> None:
        """Fail early, in the main process, when the manifest folder is absent or of the wrong kind."""
        if self.data_dir is not None:
            manifest = read_manifest(self.data_dir)
            if manifest.kind != self.kind:
                raise ManifestError(
                    f"{self.data_dir} holds {manifest.kind}, but {type(self).__name__} needs "
                    f"{self.kind}"
                )

    def _transform_for(self, split: str) -> ImageTransform | None:
        """The training split's extra augmentation; cached images get a default one."""
        if split != "train":
            return None
        if self.train_transform is not None:
            return self.train_transform
        if self.augment and self.source != "synthetic":
            return ImageAugmentation()
        return None

    def _build(self, split: str) -> Dataset:
        transform = self._transform_for(split)
        if self.data_dir is not None:
            manifest = read_manifest(self.data_dir)
            writers = None
            if split == "train" and self.train_writers is not None:
                names = {record.writer for record in manifest.split("train")}
                writers = sorted(names, key=writer_rank)[: self.train_writers]
            return ManifestDataset(
                manifest,
                split,
                self.kind,
                transform=transform,
                limit=self.sizes[split],
                writers=writers,
            )
        from text_recognizer.data.synthetic import SyntheticConfig

        config = SyntheticConfig(
            kind=self.kind, seed=self.seed, augment=self.augment, **self.synthetic_options
        )
        return SyntheticDataset(config, int(self.sizes[split] or 0), split, transform=transform)

    def setup(self, stage: str | None = None) -> None:
        wanted = {"fit": ("train", "val"), "validate": ("val",), "test": ("test",)}.get(
            stage or "", SPLITS
        )
        for split in wanted:
            if split not in self.datasets:
                self.datasets[split] = self._build(split)

    def _dataset(self, split: str) -> Dataset:
        if split not in self.datasets:
            self.setup({"train": "fit", "val": "validate", "test": "test"}[split])
        return self.datasets[split]

    def _loader(self, split: str) -> DataLoader:
        shuffle = split == "train"
        return DataLoader(
            self._dataset(split),
            batch_size=self.batch_size,
            shuffle=shuffle,
            num_workers=self.num_workers,
            persistent_workers=self.num_workers > 0,
            pin_memory=torch.cuda.is_available(),
            collate_fn=self.collate_fn,
            worker_init_fn=seed_worker,
            generator=torch.Generator().manual_seed(self.seed) if shuffle else None,
        )

    def train_dataloader(self) -> DataLoader:
        return self._loader("train")

    def val_dataloader(self) -> DataLoader:
        return self._loader("val")

    def test_dataloader(self) -> DataLoader:
        return self._loader("test")


class LineDataModule(TextDataModule):
    """Text lines: ``(B, 1, 40, W)`` batches, W a multiple of 16."""

    kind = "lines"


class ParagraphDataModule(TextDataModule):
    """Paragraphs: ``(B, 1, 512, 512)`` batches."""

    kind = "paragraphs"


class FakeDataModule(TextDataModule):
    """Printed random strings of either kind: a training loop smoke test in seconds.

    Unaugmented by default, so smoke tests are deterministic; ``augment=True`` jitters training
    images with :class:`ImageAugmentation`.

    >>> batch = next(iter(FakeDataModule(train_size=4, batch_size=4).train_dataloader()))
    >>> batch["images"].shape[:3], batch["images"].shape[3] % 16
    (torch.Size([4, 1, 40]), 0)
    """

    def __init__(
        self,
        kind: str = "lines",
        train_size: int = 64,
        val_size: int = 16,
        test_size: int = 16,
        batch_size: int = 8,
        num_workers: int = 0,
        seed: int = 0,
        augment: bool = False,
        train_transform: ImageTransform | None = None,
    ) -> None:
        if kind not in ("lines", "paragraphs"):
            raise ValueError(f"unknown kind {kind!r}; expected 'lines' or 'paragraphs'")
        super().__init__(
            data_dir=None,
            train_size=train_size,
            val_size=val_size,
            test_size=test_size,
            batch_size=batch_size,
            num_workers=num_workers,
            seed=seed,
            augment=augment,
            train_transform=train_transform,
        )
        self.kind = kind

    @property
    def source(self) -> str:
        return "fake"

    def prepare_data(self) -> None:
        """Nothing to prepare: fake images are drawn on demand."""

    def _build(self, split: str) -> Dataset:
        return FakeDataset(
            self.kind,
            int(self.sizes[split] or 0),
            split,
            seed=self.seed,
            transform=self._transform_for(split),
        )
