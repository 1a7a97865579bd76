"""Map-style data sets yielding preprocessed :class:`~text_recognizer.data.preprocess.Sample` dicts.

Three sources, one output: a manifest folder on disk (synthetic or IAM), the synthetic generator
rendering on the fly, and fake printed strings for smoke tests. Every one normalises the page and
preprocesses with the same :class:`~text_recognizer.data.preprocess.Preprocessor` that inference
uses, and applies the optional ``transform`` (a PIL ``"L"`` -> ``"L"`` augmentation hook) to the
normalised page only when it is given, which the DataModules do for the training split alone.
"""

from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING, Callable, Collection

from PIL import Image
from torch.utils.data import Dataset

from text_recognizer.data.fake import render_fake
from text_recognizer.data.manifest import KINDS, SPLITS, Manifest, ManifestRecord, read_manifest
from text_recognizer.data.preprocess import (
    Preprocessor,
    Sample,
    open_image,
    page_of,
    to_grayscale,
)
from text_recognizer.errors import ManifestError

if TYPE_CHECKING:
    from text_recognizer.data.synthetic import SyntheticConfig

ImageTransform = Callable[[Image.Image], Image.Image]


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")


class _PreprocessingDataset(Dataset):
    """Shared tail of every data set: grayscale, optional transform, preprocess."""

    def __init__(self, kind: str, transform: ImageTransform | None) -> None:
        _check_kind(kind)
        self.kind = kind
        self.transform = transform
        self.preprocessor = Preprocessor(kind)

    def _sample(self, image: Image.Image, text: str, sample_id: str) -> Sample:
        page = page_of(image)
        if self.transform is not None:  # jitter a clean page, then normalise what it made
            page = page_of(to_grayscale(self.transform(Image.fromarray(page.gray))))
        return Sample(image=self.preprocessor(page), text=text, id=sample_id)


class ManifestDataset(_PreprocessingDataset):
    """One split of a data set folder (``manifest.csv`` + ``manifest.json`` + images).

    ``kind`` defaults to the manifest's; giving a different one is an error, since line and
    paragraph images need different preprocessing. ``limit`` keeps the split's first records.
    """

    def __init__(
        self,
        root_or_manifest: str | os.PathLike | Manifest,
        split: str,
        kind: str | None = None,
        transform: ImageTransform | None = None,
        limit: int | None = None,
        writers: Collection[str] | None = None,
    ) -> None:
        _check_split(split)
        manifest = (
            root_or_manifest
            if isinstance(root_or_manifest, Manifest)
            else read_manifest(root_or_manifest)
        )
        if kind is not None and kind != manifest.kind:
            raise ManifestError(
                f"{manifest.root} holds {manifest.kind}, but a {kind} data set was asked for"
            )
        super().__init__(manifest.kind, transform)
        self.manifest = manifest
        self.split = split
        records = manifest.split(split)
        if writers is not None:
            records = [record for record in records if record.writer in writers]
        self.records: list[ManifestRecord] = records[:limit]

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, index: int) -> Sample:
        record = self.records[index]
        path = self.manifest.image_path(record)
        try:
            image = open_image(path, name=f"{path} (manifest id {record.id!r})")
        except FileNotFoundError:
            raise ManifestError(
                f"{path} is listed in {self.manifest.root}'s manifest (id {record.id!r}) "
                "but does not exist"
            ) from None
        return self._sample(image, record.text, record.id)


class SyntheticDataset(_PreprocessingDataset):
    """``length`` samples of one split, rendered on the fly by the synthetic generator.

    Sample ``i`` is the ``i``-th generator index whose split is ``split``, so the same
    (config, split, i) always gives the same image, in any worker. The generator's own
    augmentation is switched off outside the training split.
    """

    def __init__(
        self,
        config: SyntheticConfig,
        length: int,
        split: str,
        transform: ImageTransform | None = None,
    ) -> None:
        from text_recognizer.data import synthetic

        _check_split(split)
        if length < 0:
            raise ValueError(f"length must be >= 0, got {length}")
        if split != "train" and config.augment:
            config = dataclasses.replace(config, augment=False)
        super().__init__(config.kind, transform)
        self.config = config
        self.split = split
        self.length = length
        self._render = synthetic.render_sample
        self._sample_id = synthetic.sample_id  # the id a cached copy of this sample would have
        self._indices = synthetic_split_indices(config, split, length)

    def __len__(self) -> int:
        return self.length

    def generator_index(self, index: int) -> int:
        """The generator index of this data set's ``index``-th sample."""
        if not 0 <= index < self.length:
            raise IndexError(f"index {index} is out of range for {self.length} samples")
        return self._indices[index]

    def __getitem__(self, index: int) -> Sample:
        generator_index = self.generator_index(index)
        sample = self._render(self.config, generator_index)
        if sample.split != self.split:  # the split rule changed under us: fail loudly
            raise RuntimeError(
                f"generator index {generator_index} is in split {sample.split!r}, "
                f"expected {self.split!r}"
            )
        return self._sample(
            sample.image, sample.text, self._sample_id(self.config.kind, generator_index)
        )


def synthetic_split_indices(config: SyntheticConfig, split: str, length: int) -> list[int]:
    """The first ``length`` generator indices whose split is ``split``.

    The generator assigns splits from the index alone, so this is cheap arithmetic; it never
    renders. A split with a zero fraction cannot supply samples, which is reported, not looped on.
    """
    from text_recognizer.data.synthetic import split_for_index

    fraction = dict(zip(SPLITS, config.split_fractions))[split]
    if length > 0 and fraction <= 0:
        raise ValueError(f"split {split!r} has fraction 0 in {config.split_fractions}")
    indices: list[int] = []
    index = 0
    while len(indices) < length:
        if split_for_index(index, config.split_fractions) == split:
            indices.append(index)
        index += 1
    return indices


class FakeDataset(_PreprocessingDataset):
    """``length`` printed random strings (see :mod:`text_recognizer.data.fake`) of one split.

    >>> sample = FakeDataset("lines", 4, "val")[0]
    >>> sample["image"].shape[:2], sample["id"]
    (torch.Size([1, 40]), 'fake-lines-val-0')
    """

    def __init__(
        self,
        kind: str,
        length: int,
        split: str,
        seed: int = 0,
        transform: ImageTransform | None = None,
    ) -> None:
        _check_split(split)
        if length < 0:
            raise ValueError(f"a fake data set needs a length >= 0, got {length}")
        super().__init__(kind, transform)
        self.length = length
        self.split = split
        self.seed = seed

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> Sample:
        if not 0 <= index < self.length:
            raise IndexError(f"index {index} is out of range for {self.length} samples")
        image, text = render_fake(self.kind, index, seed=self.seed, split=self.split)
        return self._sample(image, text, f"fake-{self.kind}-{self.split}-{index}")
