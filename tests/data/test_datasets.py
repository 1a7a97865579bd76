"""Specification of the data sets: manifest folders, on-the-fly synthetic data and fakes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image, ImageOps

from text_recognizer.data import synthetic
from text_recognizer.data.datasets import (
    FakeDataset,
    ManifestDataset,
    SyntheticDataset,
    synthetic_split_indices,
)
from text_recognizer.data.fake import write_fake_manifest
from text_recognizer.data.manifest import read_manifest
from text_recognizer.data.preprocess import LINE_HEIGHT, PARAGRAPH_HEIGHT, preprocess_line
from text_recognizer.errors import InvalidImageError, ManifestError


@pytest.fixture
def line_folder(tmp_path):
    """A data set folder of 3 train, 2 val and 1 test fake line images."""
    write_fake_manifest(tmp_path, "lines", {"train": 3, "val": 2, "test": 1})
    return tmp_path


def test_manifest_dataset_yields_the_split_in_manifest_order(line_folder):
    manifest = read_manifest(line_folder)
    dataset = ManifestDataset(line_folder, "train")
    assert [dataset[i]["id"] for i in range(len(dataset))] == [
        r.id for r in manifest.split("train")
    ]
    assert [dataset[i]["text"] for i in range(len(dataset))] == [
        r.text for r in manifest.split("train")
    ]


def test_manifest_samples_are_preprocessed_lines(line_folder):
    record = read_manifest(line_folder).split("val")[0]
    sample = ManifestDataset(line_folder, "val")[0]
    expected = preprocess_line(Image.open(line_folder / record.path))
    assert torch.equal(sample["image"], expected)


def test_limit_keeps_the_first_records(line_folder):
    assert len(ManifestDataset(line_folder, "train", limit=2)) == 2


def test_asking_for_the_wrong_kind_is_refused(line_folder):
    with pytest.raises(ManifestError, match="holds lines, but a paragraphs data set"):
        ManifestDataset(line_folder, "train", kind="paragraphs")


def test_unknown_split_is_refused(line_folder):
    with pytest.raises(ValueError, match="unknown split 'dev'"):
        ManifestDataset(line_folder, "dev")


def test_undecodable_image_names_the_file(line_folder):
    record = read_manifest(line_folder).split("test")[0]
    (line_folder / record.path).write_bytes(b"not a png")
    with pytest.raises(InvalidImageError, match=f"{record.path}.*{record.id}"):
        ManifestDataset(line_folder, "test")[0]


def test_missing_image_names_the_file(line_folder):
    record = read_manifest(line_folder).split("test")[0]
    (line_folder / record.path).unlink()
    with pytest.raises(ManifestError, match=f"{record.path}.*does not exist"):
        ManifestDataset(line_folder, "test")[0]


def test_transform_sees_a_normalised_page_and_its_output_is_normalised_again(line_folder):
    seen = []

    def record(image):
        seen.append(np.asarray(image))
        return ImageOps.invert(image)

    plain = ManifestDataset(line_folder, "train")[0]["image"]
    inverted = ManifestDataset(line_folder, "train", transform=record)[0]["image"]
    assert np.median(seen[0]) == 255 and seen[0].min() == 0  # white paper, black ink
    assert torch.allclose(inverted, plain, atol=0.02)  # the inversion was undone


def test_fake_samples_are_deterministic_and_differ_between_splits():
    train = FakeDataset("lines", 2, "train", seed=3)
    assert torch.equal(train[1]["image"], FakeDataset("lines", 2, "train", seed=3)[1]["image"])
    assert train[1]["text"] != FakeDataset("lines", 2, "val", seed=3)[1]["text"]


def test_fake_paragraphs_have_the_paragraph_shape():
    assert FakeDataset("paragraphs", 1, "test")[0]["image"].shape == (1, PARAGRAPH_HEIGHT, 512)


def test_fake_dataset_refuses_out_of_range_indices():
    with pytest.raises(IndexError):
        FakeDataset("lines", 2, "train")[2]


def test_fake_dataset_refuses_a_negative_length():
    with pytest.raises(ValueError, match="length >= 0, got -1"):
        FakeDataset("lines", -1, "train")


# -- synthetic, on the fly -------------------------------------------------------------------


@pytest.mark.parametrize("split", ["train", "val", "test"])
def test_synthetic_indices_belong_to_the_requested_split(split):
    config = synthetic.SyntheticConfig(kind="lines", seed=1)
    indices = synthetic_split_indices(config, split, 20)
    assert len(set(indices)) == 20
    assert {synthetic.split_for_index(i, config.split_fractions) for i in indices} == {split}


def test_a_split_with_zero_fraction_is_refused():
    config = synthetic.SyntheticConfig(split_fractions=(1.0, 0.0, 0.0))
    with pytest.raises(ValueError, match="'val' has fraction 0"):
        synthetic_split_indices(config, "val", 1)


@pytest.mark.parametrize(("split", "augmented"), [("train", True), ("val", False), ("test", False)])
def test_generator_augmentation_runs_on_the_training_split_only(split, augmented):
    dataset = SyntheticDataset(synthetic.SyntheticConfig(augment=True), 1, split)
    assert dataset.config.augment is augmented


def test_synthetic_sample_matches_the_generator_and_its_cached_id():
    config = synthetic.SyntheticConfig(kind="lines", seed=2, augment=False)
    dataset = SyntheticDataset(config, 1, "val")
    index = dataset.generator_index(0)
    rendered = synthetic.render_sample(config, index)
    sample = dataset[0]
    assert sample["text"] == rendered.text
    assert sample["id"] == synthetic.sample_id("lines", index)
    assert torch.equal(sample["image"], preprocess_line(rendered.image))
    assert sample["image"].shape[1] == LINE_HEIGHT
