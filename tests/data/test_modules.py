"""Specification of the DataModules: contract batches, split hygiene and determinism."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from text_recognizer.data.fake import write_fake_manifest
from text_recognizer.data.manifest import read_manifest
from text_recognizer.data.modules import (
    FakeDataModule,
    LineDataModule,
    ParagraphDataModule,
)
from text_recognizer.data.preprocess import (
    LINE_HEIGHT,
    PARAGRAPH_HEIGHT,
    PARAGRAPH_WIDTH,
    WIDTH_MULTIPLE,
)
from text_recognizer.data.transforms import ImageAugmentation
from text_recognizer.errors import ManifestError
from text_recognizer.vocab import DEFAULT_VOCABULARY

SPLITS = ("train", "val", "test")


def assert_contract_batch(batch: dict, kind: str, size: int) -> None:
    """The batch contract of the brief, checked key by key."""
    assert set(batch) == {"images", "widths", "targets", "target_lengths", "texts", "ids"}
    images, widths, targets = batch["images"], batch["widths"], batch["targets"]
    assert images.dtype == torch.float32 and images.dim() == 4
    assert images.shape[:2] == (size, 1)
    if kind == "lines":
        assert images.shape[2] == LINE_HEIGHT and images.shape[3] % WIDTH_MULTIPLE == 0
    else:
        assert images.shape[2:] == (PARAGRAPH_HEIGHT, PARAGRAPH_WIDTH)
    assert 0.0 <= images.min() and images.max() <= 1.0
    assert widths.dtype == torch.long and widths.shape == (size,)
    assert int(widths.max()) <= images.shape[3]
    assert targets.dtype == torch.long and targets.shape[0] == size
    assert batch["target_lengths"].tolist() == [len(text) for text in batch["texts"]]
    for row, text in enumerate(batch["texts"]):
        assert DEFAULT_VOCABULARY.decode(targets[row]) == text
        assert (targets[row, len(text) :] == DEFAULT_VOCABULARY.pad_index).all()
    assert len(batch["ids"]) == size and len(set(batch["ids"])) == size


def loader(module, split: str):
    return getattr(module, f"{split}_dataloader")()


def first_batch(module, split: str) -> dict:
    return next(iter(loader(module, split)))


def add_noise(image: Image.Image) -> Image.Image:
    """A random augmentation: different on every call, so its use is visible."""
    values = np.asarray(image, dtype=np.int16) + np.random.randint(-60, 60, size=image.size[::-1])
    return Image.fromarray(np.clip(values, 0, 255).astype(np.uint8))


@pytest.fixture
def line_folder(tmp_path):
    write_fake_manifest(tmp_path, "lines", {"train": 4, "val": 3, "test": 2})
    return tmp_path


@pytest.mark.parametrize("split", SPLITS)
@pytest.mark.parametrize("kind", ["lines", "paragraphs"])
def test_fake_module_yields_contract_batches(kind, split):
    module = FakeDataModule(kind, train_size=3, val_size=3, test_size=3, batch_size=3)
    assert_contract_batch(first_batch(module, split), kind, 3)


@pytest.mark.parametrize("split", SPLITS)
def test_manifest_module_yields_the_folder_split(line_folder, split):
    module = LineDataModule(data_dir=line_folder, batch_size=8)
    module.prepare_data()
    batch = first_batch(module, split)
    records = read_manifest(line_folder).split(split)
    assert_contract_batch(batch, "lines", len(records))
    assert sorted(batch["ids"]) == sorted(record.id for record in records)


def test_manifest_sizes_limit_each_split(line_folder):
    module = LineDataModule(data_dir=line_folder, train_size=2, val_size=1, test_size=None)
    assert [len(loader(module, split).dataset) for split in SPLITS] == [2, 1, 2]


def test_a_folder_of_the_wrong_kind_is_refused_before_training(line_folder):
    with pytest.raises(
        ManifestError, match="holds lines, but ParagraphDataModule needs paragraphs"
    ):
        ParagraphDataModule(data_dir=line_folder).prepare_data()


def test_a_folder_without_manifest_is_refused_before_training(tmp_path):
    with pytest.raises(ManifestError, match="no complete manifest"):
        LineDataModule(data_dir=tmp_path).prepare_data()


@pytest.mark.parametrize("split", ["val", "test"])
def test_evaluation_batches_are_identical_across_epochs(split):
    module = FakeDataModule(val_size=6, test_size=6, batch_size=4, train_transform=add_noise)
    evaluation = loader(module, split)  # Lightning builds it once and iterates it every epoch
    epochs = [[batch["images"] for batch in evaluation] for _ in range(2)]
    assert all(torch.equal(a, b) for a, b in zip(*epochs, strict=True))


@pytest.mark.parametrize("split", ["val", "test"])
def test_evaluation_loaders_read_their_split_in_order(split):
    module = FakeDataModule(val_size=9, test_size=9, batch_size=4)
    read = [sample_id for batch in loader(module, split) for sample_id in batch["ids"]]
    assert read == [module.datasets[split][index]["id"] for index in range(9)]


def test_train_transform_augments_the_training_split_only():
    plain = FakeDataModule(train_size=2, val_size=2)
    noisy = FakeDataModule(train_size=2, val_size=2, train_transform=add_noise)
    for module in (plain, noisy):
        module.setup("fit")
    assert torch.equal(plain.datasets["val"][0]["image"], noisy.datasets["val"][0]["image"])
    assert not torch.equal(plain.datasets["train"][0]["image"], noisy.datasets["train"][0]["image"])


def test_training_order_is_shuffled_reproducibly_from_the_seed():
    def order(seed: int) -> list[str]:
        module = FakeDataModule(train_size=16, batch_size=16, seed=seed)
        return first_batch(module, "train")["ids"]

    assert order(1) == order(1)
    assert order(1) != order(2)
    assert sorted(order(1)) == sorted(order(2))


def test_workers_persist_between_epochs():
    train_loader = FakeDataModule(num_workers=2).train_dataloader()
    assert train_loader.num_workers == 2 and train_loader.persistent_workers


def test_modules_declare_their_kind_and_vocabulary():
    assert (LineDataModule.kind, ParagraphDataModule.kind) == ("lines", "paragraphs")
    assert FakeDataModule("paragraphs").kind == "paragraphs"
    assert LineDataModule.vocab is DEFAULT_VOCABULARY


def test_on_the_fly_data_needs_every_split_size():
    with pytest.raises(ValueError, match="needs train_size, val_size and test_size"):
        LineDataModule(val_size=None)


@pytest.mark.parametrize(
    ("module_class", "kind"), [(LineDataModule, "lines"), (ParagraphDataModule, "paragraphs")]
)
def test_on_the_fly_synthetic_module_yields_contract_batches(module_class, kind):
    module = module_class(train_size=2, val_size=2, test_size=2, batch_size=2, seed=5)
    assert module.source == "synthetic"
    assert_contract_batch(first_batch(module, "val"), kind, 2)


@pytest.mark.slow
def test_worker_processes_yield_the_same_val_batches_as_the_main_process():
    in_process = FakeDataModule(val_size=8, batch_size=4, num_workers=0)
    with_workers = FakeDataModule(val_size=8, batch_size=4, num_workers=2)
    expected = [batch["images"] for batch in in_process.val_dataloader()]
    loader_with_workers = with_workers.val_dataloader()
    for _epoch in range(2):  # the second epoch reuses the persistent workers
        got = [batch["images"] for batch in loader_with_workers]
        assert all(torch.equal(a, b) for a, b in zip(expected, got, strict=True))


@pytest.mark.slow
def test_synthetic_training_batches_load_in_worker_processes():
    module = LineDataModule(train_size=8, val_size=2, test_size=2, batch_size=4, num_workers=2)
    batches = list(module.train_dataloader())
    assert [len(batch["ids"]) for batch in batches] == [4, 4]
    assert_contract_batch(batches[0], "lines", 4)


def test_cached_training_images_get_the_default_augmentation(line_folder):
    module = LineDataModule(data_dir=line_folder, augment=True)
    module.setup()
    assert isinstance(module.datasets["train"].transform, ImageAugmentation)
    assert module.datasets["val"].transform is None and module.datasets["test"].transform is None


def test_cached_images_are_left_alone_without_augment(line_folder):
    module = LineDataModule(data_dir=line_folder, augment=False)
    module.setup("fit")
    assert module.datasets["train"].transform is None


@pytest.fixture(scope="module")
def generated_line_folder(tmp_path_factory):
    """A real synthetic data set folder; 9 samples cover train, val and test."""
    from text_recognizer.data.synthetic import generate_dataset

    root = tmp_path_factory.mktemp("generated")
    generate_dataset(root, "lines", 9, seed=3, augment=False)
    return root


@pytest.mark.parametrize("split", SPLITS)
def test_a_folder_written_by_the_generator_yields_contract_batches(generated_line_folder, split):
    module = LineDataModule(data_dir=generated_line_folder, batch_size=16)
    module.prepare_data()
    batch = first_batch(module, split)
    assert_contract_batch(batch, "lines", len(read_manifest(generated_line_folder).split(split)))


def test_fake_module_augments_training_images_only_when_asked():
    plain, augmented = FakeDataModule(), FakeDataModule(augment=True)
    for module in (plain, augmented):
        module.setup()
    assert plain.datasets["train"].transform is None
    assert isinstance(augmented.datasets["train"].transform, ImageAugmentation)
    assert augmented.datasets["val"].transform is None
