"""What a data module is built with is what its loaders serve.

An argument that is accepted and then ignored (a seed that never reaches the generator, a size
that never limits a split, worker settings that never reach the loader, an augmentation that
never reaches the training split) still builds a module that serves batches. Each test here
builds a module twice, once with every argument at its default and once with one argument
changed, and compares what its three loaders are set to serve: each split's data set (type,
length, the generator configuration or manifest rows behind it, its transform) and each loader's
settings, without rendering a whole split.
"""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path
from typing import Any

import pytest

from text_recognizer.data.fake import render_fake
from text_recognizer.data.manifest import write_image_record, write_manifest
from text_recognizer.data.modules import FakeDataModule, LineDataModule, TextDataModule

SPLITS = ("train", "val", "test")


def flip(image):
    """A training transform of its own (the argument ``train_transform``)."""
    return image.transpose(0)


#: Per argument: a value away from its default, whether it only matters when the module reads a
#: manifest folder, and the places it must reach (each split's data set, each loader's
#: settings): an argument with two destinations that reaches only one is still caught.
CHANGES: dict[str, tuple[Any, bool, tuple[str, ...]]] = {
    "data_dir": ("<manifest>", False, tuple(f"{split}.dataset" for split in SPLITS)),
    "train_size": (5, False, ("train.length",)),
    "val_size": (3, False, ("val.length",)),
    "test_size": (2, False, ("test.length",)),
    "batch_size": (3, False, tuple(f"{split}.batch_size" for split in SPLITS)),
    "num_workers": (
        1,
        False,
        tuple(f"{split}.{what}" for split in SPLITS for what in ("workers", "persistent")),
    ),
    "seed": (7, False, tuple(f"{split}.held" for split in SPLITS) + ("train.generator",)),
    "augment": (False, False, ("train.held",)),
    "train_transform": (flip, False, ("train.held",)),
    "synthetic_options": ({"line_chars": (5, 9)}, False, tuple(f"{s}.held" for s in SPLITS)),
    "train_writers": (1, True, ("train.rows",)),
    "kind": ("paragraphs", False, tuple(f"{s}.{w}" for s in SPLITS for w in ("held", "collate"))),
}
#: Fakes are unaugmented by default.
FAKE_CHANGES = {**CHANGES, "augment": (True, False, ("train.held",))}


@pytest.fixture(scope="module")
def manifest_dir(tmp_path_factory) -> Path:
    """Six fake lines by three writers, two per split."""
    root = tmp_path_factory.mktemp("module-arguments") / "lines"
    records = [
        write_image_record(
            root, f"line-{index}", *render_fake("lines", index), writer, split, "fake"
        )
        for index, (writer, split) in enumerate(
            [
                ("b", "train"),
                ("a", "train"),
                ("c", "val"),
                ("a", "val"),
                ("c", "test"),
                ("b", "test"),
            ]
        )
    ]
    write_manifest(root, records, {"kind": "lines", "source": "fake"})
    return root


def described(value: Any) -> Any:
    """``value`` as plain data: never a repr with an address, which differs between builds."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [described(item) for item in value]
    if isinstance(value, dict):
        return {str(key): described(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return described(dataclasses.asdict(value))
    if callable(value) and hasattr(value, "__qualname__"):
        return value.__qualname__
    return type(value).__name__


def flattened(prefix: str, value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(flattened(f"{prefix}.{key}", item))
        return flat
    return {prefix: value}


def what_it_serves(module: TextDataModule) -> dict[str, Any]:
    """Per split, flattened: the data set behind the loader and the loader's settings."""
    module.prepare_data()
    served: dict[str, Any] = {}
    for split in SPLITS:
        loader = getattr(module, f"{split}_dataloader")()
        dataset = loader.dataset
        held = {
            key: described(value)
            for key, value in vars(dataset).items()
            if not key.startswith("_") and key != "manifest"
        }
        rows = getattr(dataset, "records", None)
        served[split] = {
            "dataset": type(dataset).__name__,
            "length": len(dataset),
            "held": held,
            "rows": [(row.id, row.writer) for row in rows] if rows is not None else None,
            "batch_size": loader.batch_size,
            "workers": loader.num_workers,
            "persistent": loader.persistent_workers,
            "shuffled": type(loader.sampler).__name__,
            "generator": loader.generator.initial_seed() if loader.generator else None,
            "collate": loader.collate_fn.__name__,
        }
    return flattened("", served)


def build(cls: type[TextDataModule], manifest_dir: Path, **arguments: Any) -> TextDataModule:
    """``cls(**arguments)``; ``data_dir="<manifest>"`` reads the fixture's folder, whole."""
    if arguments.get("data_dir") == "<manifest>":
        whole = {name: None for name in ("train_size", "val_size", "test_size")}
        arguments = {**whole, **arguments, "data_dir": manifest_dir}
    return cls(**arguments)


def arguments_of(cls: type) -> set[str]:
    return set(inspect.signature(cls.__init__).parameters) - {"self"}


def cases() -> list[tuple[str, str]]:
    found = []
    for cls in (LineDataModule, FakeDataModule):
        for name in sorted(arguments_of(cls)):
            if name == "data_dir" and cls is FakeDataModule:
                continue
            found.append((cls.__name__, name))
    return found


CLASSES = {"LineDataModule": LineDataModule, "FakeDataModule": FakeDataModule}


@pytest.mark.parametrize("cls", [LineDataModule, FakeDataModule], ids=lambda cls: cls.__name__)
def test_every_constructor_argument_is_changed_here(cls):
    assert arguments_of(cls) <= set(CHANGES)


@pytest.mark.parametrize("name,argument", cases())
def test_an_argument_reaches_every_place_it_configures(name, argument, manifest_dir):
    cls = CLASSES[name]
    value, needs_manifest, places = (FAKE_CHANGES if cls is FakeDataModule else CHANGES)[argument]
    base: dict[str, Any] = {"data_dir": "<manifest>"} if needs_manifest else {}
    without = what_it_serves(build(cls, manifest_dir, **base))
    changed = what_it_serves(build(cls, manifest_dir, **base, **{argument: value}))
    moved = {key for key in without.keys() | changed.keys() if without.get(key) != changed.get(key)}
    missed = [place for place in places if not any(key[1:].startswith(place) for key in moved)]
    assert not missed, f"{name}({argument}={value!r}) does not reach {missed}"
