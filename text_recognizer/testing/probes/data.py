"""Probes of the data stage: fake data, data sets and collation, data modules, manifests,
splits, corpus text, archives, offline download checks and the vocabulary (no fonts rendered).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import hashlib
import io
import os
import random
import shutil
import stat
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Literal
from unittest import mock

import numpy as np
import torch
from PIL import Image, ImageDraw
from torch.utils.data import RandomSampler

from text_recognizer.data import corpus
from text_recognizer.data.archive import ExtractionLimits, extract_archive, member_destination
from text_recognizer.data.datasets import FakeDataset, ManifestDataset, synthetic_split_indices
from text_recognizer.data.download import (
    basic_auth_header,
    download,
    stderr_progress,
    verify_sha256,
)
from text_recognizer.data.emnist import (
    EmnistLinesConfig,
    compose_line,
    load_emnist,
    parse_idx,
    parse_mapping,
)
from text_recognizer.data.fake import render_fake, write_fake_manifest
from text_recognizer.data.fonts import (
    CatalogEntry,
    HandwritingFont,
    read_catalog,
    writer_rank,
    writer_roles,
    writers_by_split,
)
from text_recognizer.data.iam import prepare_iam
from text_recognizer.data.iam_forms import (
    IamForm,
    IamLine,
    decode_label,
    line_crop_boxes,
    parse_form_xml,
    union_boxes,
)
from text_recognizer.data.iam_splits import form_id_of_line, read_split_file, writer_splits
from text_recognizer.data.inspection import dataset_stats, format_stats
from text_recognizer.data.manifest import (
    Manifest,
    ManifestRecord,
    read_manifest,
    records_to_csv,
    write_image_record,
    write_manifest,
)
from text_recognizer.data.modules import (
    FakeDataModule,
    LineDataModule,
    ParagraphDataModule,
    seed_worker,
)
from text_recognizer.data.preprocess import (
    Sample,
    collate_lines,
    collate_paragraphs,
    split_batch,
)
from text_recognizer.data.synthetic import SyntheticConfig, split_for_index
from text_recognizer.testing.probes import image_summary, outcome, probe
from text_recognizer.vocab import DEFAULT_VOCABULARY, Vocabulary


def _sample(width: int, text: str, sample_id: str, height: int = 40) -> Sample:
    """A preprocessed-looking sample whose ink rises along its columns."""
    ramp = torch.linspace(0.1, 1.0, width).expand(1, height, width).clone()
    return Sample(image=ramp, text=text, id=sample_id)


# -- fake data ---------------------------------------------------------------------------------


@probe("data/fake_render")
def fake_render() -> dict[str, Any]:
    """render_fake: labels, sizes and ink of lines and paragraphs per split, index and seed."""
    out: dict[str, Any] = {}
    for kind, split, index, seed in (
        ("lines", "train", 0, 0),
        ("lines", "train", 1, 0),
        ("lines", "val", 0, 0),
        ("lines", "test", 0, 3),
        ("paragraphs", "train", 2, 0),
    ):
        image, text = render_fake(kind, index, seed=seed, split=split)
        gray = np.asarray(image, dtype=np.float64)
        out[f"{kind}_{split}_{index}_{seed}"] = {
            "text": text,
            "mode": image.mode,
            "size": [image.height, image.width],
            "paper": int(gray.max()),
            "ink": int(gray.min()),
            "mean": float(gray.mean()),
        }
    out["unknown_kind"] = outcome(lambda: render_fake("words", 0))
    out["unknown_split"] = outcome(lambda: render_fake("lines", 0, split="dev"))
    return out


@probe("data/fake_dataset")
def fake_dataset() -> dict[str, Any]:
    """FakeDataset: preprocessed sample shape, ink summary, id and label; index range refused."""
    lines = FakeDataset("lines", 3, "val", seed=1)
    first = lines[0]
    paragraphs = FakeDataset("paragraphs", 1, "train")
    paragraph = paragraphs[0]
    return {
        "len": len(lines),
        "line_ids": [lines[i]["id"] for i in range(3)],
        "line_texts": [lines[i]["text"] for i in range(3)],
        "line_widths": [int(lines[i]["image"].shape[-1]) for i in range(3)],
        "line": image_summary(first["image"], grid=4),
        "paragraph_id": paragraph["id"],
        "paragraph_shape": list(paragraph["image"].shape),
        "paragraph_ink_rows": int((paragraph["image"][0].sum(dim=1) > 0).sum()),
        "paragraph_ink_columns": int((paragraph["image"][0].sum(dim=0) > 0).sum()),
        "out_of_range": outcome(lambda: lines[3]),
        "negative": outcome(lambda: lines[-1]),
        "bad_split": outcome(lambda: FakeDataset("lines", 1, "dev")),
        "bad_kind": outcome(lambda: FakeDataset("pages", 1, "train")),
    }


# -- collation ---------------------------------------------------------------------------------


@probe("data/collate_lines")
def collate_lines_probe() -> dict[str, Any]:
    """collate_lines: padded width (multiple of 16), widths, paper padding, targets and lengths."""
    out: dict[str, Any] = {}
    for name, widths in (
        ("mixed", [1, 16, 17, 33]),
        ("exact16", [16, 16]),
        ("max", [1024, 3]),
    ):
        texts = ["", "a", "Hi there!", "x" * 128][: len(widths)]
        samples = [_sample(w, t, f"s{i}") for i, (w, t) in enumerate(zip(widths, texts))]
        batch = collate_lines(samples)
        padding = [
            float(batch["images"][row, :, :, width:].abs().sum())
            for row, width in enumerate(widths)
        ]
        out[name] = {
            "images_shape": list(batch["images"].shape),
            "widths": batch["widths"],
            "target_lengths": batch["target_lengths"],
            "targets_shape": list(batch["targets"].shape),
            "targets_head": batch["targets"][:, :10],
            "padding_ink": padding,
            "row_ink": batch["images"].sum(dim=(1, 2, 3)),
            "ids": batch["ids"],
            "dtype_float32": batch["images"].dtype == torch.float32,
        }
    out["too_long_label"] = outcome(lambda: collate_lines([_sample(8, "y" * 129, "long")]))
    out["wrong_height"] = outcome(lambda: collate_lines([_sample(8, "a", "tall", height=41)]))
    out["too_wide"] = outcome(lambda: collate_lines([_sample(1025, "a", "wide")]))
    out["empty"] = outcome(lambda: collate_lines([]))
    out["unknown_char"] = outcome(lambda: collate_lines([_sample(8, "café", "oov")]))
    return out


@probe("data/collate_paragraphs")
def collate_paragraphs_probe() -> dict[str, Any]:
    """collate_paragraphs: 512x512 canvases, widths all 512, newline targets, the 512-char limit."""
    samples = [
        _sample(512, "ab\ncd", "p0", height=512),
        _sample(512, "z" * 512, "p1", height=512),
    ]
    batch = collate_paragraphs(samples)
    back = split_batch(batch)
    return {
        "images_shape": list(batch["images"].shape),
        "widths": batch["widths"],
        "target_lengths": batch["target_lengths"],
        "targets_first": batch["targets"][0, :8],
        "newline_index": DEFAULT_VOCABULARY.encode("\n"),
        "split_back_shapes": [list(sample["image"].shape) for sample in back],
        "split_back_equal": all(torch.equal(a["image"], b["image"]) for a, b in zip(back, samples)),
        "too_long": outcome(
            lambda: collate_paragraphs([_sample(512, "z" * 513, "p2", height=512)])
        ),
        "narrow": outcome(lambda: collate_paragraphs([_sample(500, "a", "p3", height=512)])),
    }


@probe("data/split_batch")
def split_batch_probe() -> dict[str, Any]:
    """split_batch undoes collate_lines: per-sample widths, texts, ids and pixels."""
    samples = [_sample(w, t, f"id{w}") for w, t in ((5, "ab"), (20, "c"), (17, ""))]
    batch = collate_lines(samples)
    back = split_batch(batch)
    return {
        "widths": [int(s["image"].shape[-1]) for s in back],
        "texts": [s["text"] or "<empty>" for s in back],
        "ids": [s["id"] for s in back],
        "equal": [bool(torch.equal(a["image"], b["image"])) for a, b in zip(back, samples)],
    }


# -- data modules ------------------------------------------------------------------------------


def _loader_facts(loader: torch.utils.data.DataLoader, epochs: int) -> dict[str, Any]:
    orders, shapes = [], []
    for _ in range(epochs):
        for batch in loader:
            orders.append("|".join(batch["ids"]))
            shapes.append(list(batch["images"].shape))
    return {
        "batch_size": int(loader.batch_size or 0),
        "drop_last": bool(loader.drop_last),
        "shuffle": isinstance(loader.sampler, RandomSampler),
        "num_workers": loader.num_workers,
        "persistent_workers": bool(loader.persistent_workers),
        "batches": orders,
        "shapes": shapes,
    }


@probe("data/fake_datamodule")
def fake_datamodule() -> dict[str, Any]:
    """FakeDataModule: per split loader settings (shuffle, batch size, drop_last) and id order."""
    torch.manual_seed(0)
    module = FakeDataModule(train_size=6, val_size=3, test_size=2, batch_size=4, seed=3)
    module.setup("fit")
    out: dict[str, Any] = {
        "source": module.source,
        "train": _loader_facts(module.train_dataloader(), epochs=2),
        "train_again": _loader_facts(module.train_dataloader(), epochs=1)["batches"],
        "val": _loader_facts(module.val_dataloader(), epochs=1),
        "test": _loader_facts(module.test_dataloader(), epochs=1),
        "transforms": [str(type(module._transform_for(s)).__name__) for s in module.sizes],
    }
    other = FakeDataModule(train_size=6, batch_size=4, seed=4)
    out["train_seed4"] = _loader_facts(other.train_dataloader(), epochs=1)["batches"]
    paragraphs = FakeDataModule(kind="paragraphs", train_size=2, batch_size=2)
    out["paragraph_shape"] = list(next(iter(paragraphs.val_dataloader()))["images"].shape)
    out["bad_batch"] = outcome(lambda: FakeDataModule(batch_size=0))
    out["bad_size"] = outcome(lambda: FakeDataModule(train_size=-1))
    out["bad_kind"] = outcome(lambda: FakeDataModule(kind="words"))
    return out


@probe("data/fake_datamodule_augment")
def fake_datamodule_augment() -> dict[str, Any]:
    """FakeDataModule(augment=True): the training split alone is jittered, under a fixed seed."""
    plain = FakeDataModule(train_size=2, val_size=2, test_size=1, augment=False)
    jittered = FakeDataModule(train_size=2, val_size=2, test_size=1, augment=True)
    torch.manual_seed(11)
    train = jittered._dataset("train")[0]["image"]
    clean = plain._dataset("train")[0]["image"]
    val_same = torch.equal(jittered._dataset("val")[1]["image"], plain._dataset("val")[1]["image"])
    return {
        "transforms": [type(jittered._transform_for(s)).__name__ for s in ("train", "val", "test")],
        "clean": image_summary(clean, grid=2),
        "augmented": image_summary(train, grid=2),
        "val_unchanged": val_same,
    }


@probe("data/seed_worker")
def seed_worker_probe() -> dict[str, Any]:
    """seed_worker seeds python's and numpy's generators from torch's seed (states restored)."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    try:
        torch.manual_seed(2**32 + 7)
        seed_worker(3)
        first = [random.random(), float(np.random.random())]
        torch.manual_seed(7)
        seed_worker(0)
        second = [random.random(), float(np.random.random())]
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
    return {"draws": first, "same_modulo_2_32": first == second}


def _write_writer_manifest(root: Path) -> Manifest:
    """Eight fake lines by four writers over the splits."""
    records = []
    plan = [
        ("train", "w-anna"),
        ("train", "w-bert"),
        ("train", "w-carl"),
        ("train", "w-dora"),
        ("train", "w-anna"),
        ("val", "w-erik"),
        ("val", "w-erik"),
        ("test", "w-fred"),
    ]
    for index, (split, writer) in enumerate(plan):
        image, text = render_fake("lines", index, seed=2, split=split)
        records.append(
            write_image_record(root, f"r{index}", image, text, writer, split, "fake", "v1")
        )
    return write_manifest(root, records, {"kind": "lines", "source": "probe"})


@probe("data/manifest_datamodule")
def manifest_datamodule() -> dict[str, Any]:
    """LineDataModule on a manifest folder: train_writers subset by writer rank, limits, order."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        _write_writer_manifest(root)
        module = LineDataModule(
            data_dir=root,
            train_size=None,
            val_size=1,
            test_size=None,
            batch_size=2,
            seed=1,
            train_writers=2,
        )
        module.prepare_data()
        module.setup()
        train = module.datasets["train"]
        ranked = sorted(["w-anna", "w-bert", "w-carl", "w-dora"], key=writer_rank)
        out = {
            "source": module.source,
            "ranked_writers": ranked,
            "train_ids": [record.id for record in train.records],
            "val_ids": [record.id for record in module.datasets["val"].records],
            "test_ids": [record.id for record in module.datasets["test"].records],
            "transforms": [type(module._transform_for(s)).__name__ for s in ("train", "val")],
            "val_loader": _loader_facts(module.val_dataloader(), epochs=1),
            "train_shuffle": isinstance(module.train_dataloader().sampler, RandomSampler),
            "wrong_kind": outcome(lambda: ParagraphDataModule(data_dir=root).prepare_data(), root),
            "writers_without_dir": outcome(lambda: LineDataModule(train_writers=1)),
            "writers_zero": outcome(lambda: LineDataModule(data_dir=root, train_writers=0)),
            "fly_needs_sizes": outcome(lambda: LineDataModule(train_size=None)),
        }
    return out


# -- manifests ---------------------------------------------------------------------------------


@probe("data/manifest_roundtrip")
def manifest_roundtrip() -> dict[str, Any]:
    """write_fake_manifest + read_manifest: records, metadata counts and file digests agree."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        written = write_fake_manifest(
            root / "p", "paragraphs", counts={"train": 2, "val": 0, "test": 1}, seed=5
        )
        read = read_manifest(root / "p")
        digests = [
            hashlib.sha256(read.image_path(r).read_bytes()).hexdigest() == r.sha256
            for r in read.records
        ]
        files = sorted(str(p.relative_to(root / "p")) for p in (root / "p").rglob("*"))
        dataset = ManifestDataset(root / "p", "train", limit=1)
        return {
            "equal": read.records == written.records,
            "ids": [r.id for r in read.records],
            "splits": [r.split for r in read.records],
            "widths": [r.width for r in read.records],
            "heights": [r.height for r in read.records],
            "texts": [r.text for r in read.records],
            "writers": [r.writer for r in read.records],
            "digests_match": digests,
            "kind": read.kind,
            "counts": [read.metadata["counts"][s] for s in ("train", "val", "test")],
            "num_records": read.metadata["num_records"],
            "columns": read.metadata["columns"],
            "metadata_keys": sorted(read.metadata),
            "files": files,
            "dataset_len": len(dataset),
            "dataset_shape": list(dataset[0]["image"].shape),
            "test_split": [r.id for r in read.split("test")],
        }


@probe("data/manifest_errors")
def manifest_errors() -> dict[str, Any]:
    """read_manifest/write_manifest/ManifestDataset refusals: error class and message."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        good = root / "good"
        manifest = write_fake_manifest(good, "lines", counts={"train": 2}, seed=0)
        out: dict[str, Any] = {
            "not_folder": outcome(lambda: read_manifest(root / "absent"), root),
        }
        partial = root / "partial"
        partial.mkdir()
        (partial / "manifest.csv").write_text("id\n", encoding="utf-8")
        out["no_json"] = outcome(lambda: read_manifest(partial), root)
        (partial / "manifest.json").write_text("{oops", encoding="utf-8")
        out["bad_json"] = outcome(lambda: read_manifest(partial), root)
        (partial / "manifest.json").write_text("{}", encoding="utf-8")
        out["missing_columns"] = outcome(lambda: read_manifest(partial), root)
        bad = dataclasses.replace(manifest.records[1], width="wide")
        (partial / "manifest.csv").write_text(records_to_csv([bad]), encoding="utf-8")
        out["bad_int"] = outcome(lambda: read_manifest(partial), root)
        record = manifest.records[0]
        out["duplicates"] = outcome(
            lambda: write_manifest(root / "dup", [record, record], {}), root
        )
        out["wrong_kind"] = outcome(lambda: ManifestDataset(good, "train", "paragraphs"), root)
        out["bad_split"] = outcome(lambda: ManifestDataset(good, "dev"), root)
        (good / record.path).unlink()
        out["missing_image"] = outcome(lambda: ManifestDataset(good, "train")[0], root)
        out["writers_filter"] = len(ManifestDataset(good, "train", writers={"someone"}))
        return out


# -- splits ------------------------------------------------------------------------------------


def _form(form_id: str, writer: str) -> IamForm:
    return IamForm(form_id, writer, 100, 100, (IamLine(f"{form_id}-00", "a", (0, 0, 5, 5)),))


@probe("data/iam_writer_splits")
def iam_writer_splits() -> dict[str, Any]:
    """writer_splits: a writer in two task files takes the more held-out split and is a conflict."""
    forms = [
        _form("a01-000u", "000"),
        _form("a01-003", "000"),
        _form("b01-000", "001"),
        _form("c02-010x", "002"),
        _form("c02-011", "002"),
        _form("d03-000", "003"),
        _form("e04-000", "004"),
        _form("f05-000", "005"),
    ]
    listed = {
        "trainset.txt": ["a01-000u-00", "b01-000-02", "c02-010x-01", "zz9-999-00", "f05-000-00"],
        "validationset1.txt": ["c02-011-03", "e04-000-00"],
        "validationset2.txt": ["f05-000-04"],
        "testset.txt": ["a01-003-01", "d03-000-00", "e04-000-01"],
    }
    split_of, conflicts = writer_splits(forms, listed)
    reversed_split, reversed_conflicts = writer_splits(forms, dict(reversed(list(listed.items()))))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trainset.txt"
        path.write_text("a01-000u-00\n\n  b01-000-02  \n\n", encoding="utf-8")
        rows = read_split_file(path)
    return {
        "writers": sorted(split_of),
        "splits": [split_of[w] for w in sorted(split_of)],
        "conflicts": conflicts,
        "order_independent": split_of == reversed_split and conflicts == reversed_conflicts,
        "form_ids": [form_id_of_line(x) for x in ("a01-000u-00", "n02-082a-03", "x-1-2-3")],
        "split_file_rows": rows,
    }


def _iam_xml(form_id: str, writer: str, lines: list[tuple[str, str, list[tuple]]]) -> bytes:
    """A form XML in IAM's layout; a line id ending in ``!`` is marked ``segmentation="err"``."""
    parts = [f'<form id="{form_id}" writer-id="{writer}" width="400" height="300">']
    parts.append('<machine-printed-part><machine-print-line text="x"/></machine-printed-part>')
    parts.append("<handwritten-part>")
    for marked, text, boxes in lines:
        line_id, state = marked.rstrip("!"), "err" if marked.endswith("!") else "ok"
        parts.append(f'<line id="{line_id}" text="{text}" segmentation="{state}">')
        for number, (x, y, w, h) in enumerate(boxes):
            parts.append(f'<word id="{line_id}-{number}" text="w">')
            parts.append(f'<cmp x="{x}" y="{y}" width="{w}" height="{h}"/></word>')
        parts.append("</line>")
    parts.append("</handwritten-part></form>")
    return "".join(parts).encode("utf-8")


@probe("data/iam_forms")
def iam_forms() -> dict[str, Any]:
    """parse_form_xml, decode_label, union_boxes and line_crop_boxes (padding cut by neighbours)."""
    xml = _iam_xml(
        "a01-000u",
        "042",
        [
            ("a01-000u-00", "A &amp;quot;move&amp;quot; &amp;amp; more", [(50, 20, 40, 30)]),
            ("a01-000u-01!", "plain", [(60, 70, 30, 20), (100, 65, 20, 40)]),
            ("a01-000u-02", "no ink", []),
            ("a01-000u-03", "close", [(40, 110, 50, 10)]),
        ],
    )
    xml = xml.replace(
        b'id="a01-000u-01" text="plain" segmentation="ok"',
        b'id="a01-000u-01" ' b'text="plain" segmentation="err"',
    )
    form = parse_form_xml(xml)
    overlapping = IamForm(
        "f",
        "w",
        300,
        300,
        (IamLine("l0", "t", (10, 10, 50, 60)), IamLine("l1", "t", (10, 55, 50, 90))),
    )
    return {
        "id": form.id,
        "writer": form.writer,
        "size": [form.width, form.height],
        "line_ids": [line.id for line in form.lines],
        "texts": [line.text for line in form.lines],
        "boxes": [list(line.box) for line in form.lines],
        "segmentation_ok": [line.segmentation_ok for line in form.lines],
        "paragraph_box": list(form.paragraph_box),
        "paragraph_text": form.paragraph_text,
        "crop_boxes": [list(b) for b in line_crop_boxes(form)],
        "crop_boxes_pad4": [list(b) for b in line_crop_boxes(form, padding=4)],
        "overlapping_crops": [list(b) for b in line_crop_boxes(overlapping)],
        "decoded": [decode_label(s) for s in ("&quot;a&quot;", "a & b", "&#65;&#x42;", "x")],
        "union": list(union_boxes([(5, 6, 7, 8), (1, 9, 3, 12)])),
        "union_empty": outcome(lambda: union_boxes([])),
        "entity_bomb": outcome(lambda: parse_form_xml(b'<!DOCTYPE x [<!ENTITY a "b">]><form/>')),
        "bad_root": outcome(lambda: parse_form_xml(b'<page id="x"/>')),
        "bad_int": outcome(lambda: parse_form_xml(xml.replace(b'x="50"', b'x="fifty"'))),
        "malformed": outcome(lambda: parse_form_xml(b"<form")),
    }


@probe("data/iam_prepare")
def iam_prepare() -> dict[str, Any]:
    """prepare_iam on a miniature raw folder: crops, writer splits, skipped labels, metadata."""
    with tempfile.TemporaryDirectory() as folder:
        raw = Path(folder) / "raw"
        raw.mkdir()
        forms = {
            "a01-000u": (
                "000",
                [
                    ("a01-000u-00", "Hello there", [(40, 40, 200, 30)]),
                    ("a01-000u-01", "na\u00efve ok", [(40, 100, 120, 30)]),
                ],
            ),
            "b02-010": ("001", [("b02-010-00", "Second form", [(30, 50, 300, 40)])]),
            "c03-020": ("002", [("c03-020-00", "no scan", [(30, 50, 300, 40)])]),
        }
        for form_id, (writer, lines) in forms.items():
            (raw / f"{form_id}.xml").write_bytes(_iam_xml(form_id, writer, lines))
            if form_id == "c03-020":
                continue
            image = Image.new("L", (400, 300), 235)
            draw = ImageDraw.Draw(image)
            for _, _, boxes in lines:
                for x, y, w, h in boxes:
                    draw.rectangle((x, y + h // 3, x + w - 1, y + h - 1), fill=30)
            image.save(raw / f"{form_id}.png")
        split_rows = {
            "trainset.txt": "a01-000u-00\n",
            "validationset1.txt": "",
            "validationset2.txt": "",
            "testset.txt": "b02-010-00\n",
        }
        for name, rows in split_rows.items():
            (raw / name).write_text(rows, encoding="utf-8")
        lines = prepare_iam(raw, Path(folder) / "lines", kind="lines")
        paragraphs = prepare_iam(raw, Path(folder) / "paragraphs", kind="paragraphs", scale=0.25)
        out = {}
        for name, manifest in (("lines", lines), ("paragraphs", paragraphs)):
            skipped = manifest.metadata["skipped"]
            out[name] = {
                "ids": [r.id for r in manifest.records],
                "splits": [r.split for r in manifest.records],
                "writers": [r.writer for r in manifest.records],
                "sizes": [[r.width, r.height] for r in manifest.records],
                "texts": [r.text for r in manifest.records],
                "skipped": [
                    skipped["out_of_vocabulary"],
                    skipped["missing_form_image"],
                    skipped["writers_in_several_splits"],
                ],
                "unknown": sorted(skipped["unknown_characters"]),
            }
        (raw / "testset.txt").unlink()
        out["missing_split_file"] = outcome(
            lambda: prepare_iam(raw, Path(folder) / "again"), Path(folder)
        )
        out["bad_kind"] = outcome(lambda: prepare_iam(raw, Path(folder) / "x", kind="pages"))
        return out


@probe("data/writer_roles")
def writer_roles_probe() -> dict[str, Any]:
    """writer_roles: the test/val/train rule per style on a made-up catalogue, and the real one."""
    made_up = tuple(
        CatalogEntry(f"writer{i:02d}", style, (), "blurry" if i == 5 else "")
        for i, style in enumerate(["print"] * 12 + ["cursive"] * 6 + ["marker"] * 2)
    ) + (
        CatalogEntry("Breip", "print", (), ""),
    )
    roles = writer_roles(made_up)
    real = writer_roles()
    catalog = read_catalog()
    counts = {
        style: [
            sum(1 for e in catalog if e.style == style and real.get(e.name) == role)
            for role in ("train", "val", "test")
        ]
        for style in ("print", "cursive", "marker")
    }
    return {
        "names": sorted(roles),
        "roles": [roles[name] for name in sorted(roles)],
        "excluded_absent": "writer05" not in roles,
        "real_counts": counts,
        "rank_prefix": [writer_rank(n)[:8] for n in ("Breip", "Caveat", "")],
    }


def _font(name: str, role: str) -> HandwritingFont:
    return HandwritingFont(name, f"/fonts/{name}.ttf", "pkg", "pip", frozenset("ab"), role=role)


@probe("data/writers_by_split")
def writers_by_split_probe() -> dict[str, Any]:
    """writers_by_split fallbacks: a held-out test writer, val borrowing train, too few fonts."""
    cases = {
        "full": [("a", "train"), ("b", "train"), ("c", "val"), ("d", "test")],
        "no_test": [("a", "train"), ("b", "train"), ("c", "val")],
        "no_val": [("a", "train"), ("b", "train"), ("d", "test")],
        "no_train": [("c", "val"), ("e", "val"), ("d", "test")],
        "val_and_test_only": [("c", "val"), ("d", "test")],
    }
    out: dict[str, Any] = {}
    for name, spec in cases.items():
        split = writers_by_split([_font(n, r) for n, r in spec])
        out[name] = {role: [f.name for f in split[role]] or ["-"] for role in split}
    out["too_few"] = outcome(lambda: writers_by_split([_font("a", "train")])).split(".")[0]
    out["held_out"] = [_font("x", r).held_out for r in ("train", "val", "test")]
    return out


@probe("data/synthetic_splits")
def synthetic_splits() -> dict[str, Any]:
    """split_for_index (Fibonacci hashing) and synthetic_split_indices, incl. zero fractions."""
    names = [split_for_index(i) for i in range(24)]
    counts = [sum(split_for_index(i) == s for i in range(1000)) for s in ("train", "val", "test")]
    config = SyntheticConfig()
    half = SyntheticConfig(split_fractions=(0.5, 0.5, 0.0))
    return {
        "first24": names,
        "counts1000": counts,
        "no_test_split": [split_for_index(i, (0.5, 0.5, 0.0)) for i in range(12)],
        "indices": {s: synthetic_split_indices(config, s, 6) for s in ("train", "val", "test")},
        "half_val": synthetic_split_indices(half, "val", 5),
        "zero_fraction": outcome(lambda: synthetic_split_indices(half, "test", 1)),
        "zero_length": len(synthetic_split_indices(half, "test", 0)),
        "negative": outcome(lambda: split_for_index(-1)),
        "bad_fractions": outcome(lambda: SyntheticConfig(split_fractions=(0.5, 0.3, 0.1))),
    }


# -- corpus ------------------------------------------------------------------------------------


@probe("data/corpus_wrap")
def corpus_wrap() -> dict[str, Any]:
    """wrap (exact fits, long words cut), restrict and is_offensive."""
    text = "one two three four fivesixseven eight"
    return {
        **{f"wrap{w}": corpus.wrap(text, w) for w in (3, 7, 9, 13, 40)},
        "wrap_exact": corpus.wrap("abc def", 7),
        "wrap_one_short": corpus.wrap("abc def", 6),
        "wrap_empty": len(corpus.wrap("   ", 5)),
        "restrict": [
            corpus.restrict("It cost 3.50, ok?", "Iacikost ,"),
            corpus.restrict("a  b\n c", "abc"),
            corpus.restrict("é!", "abc") or "<empty>",
        ],
        "offensive": [corpus.is_offensive(w) for w in ("Bullshit", "cocktail", "DICK", "dickens")],
    }


_WORDS = """# probe word list, most frequent first
the
of
and
a
to
i
in
b
is
don't
that
na\u00efve
Hello
it
fuck
was
for
x2
on
with
he
as
you
at
by
this
had
not
but
from
have
were
they
which
one
all
she
there
would
their
"""


@probe("data/corpus_sampling")
def corpus_sampling() -> dict[str, Any]:
    """Word list filtering and Zipf weights, sentences, numbers, lines and paragraphs (seeded)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "words.txt"
        path.write_text(_WORDS, encoding="utf-8")
        empty = Path(folder) / "empty.txt"
        empty.write_text("# nothing\n\n", encoding="utf-8")
        with mock.patch.dict(os.environ, {corpus.WORDS_VARIABLE: str(path)}):
            words = corpus.load_words()
            rng = np.random.default_rng(7)
            out: dict[str, Any] = {
                "read_first5": corpus.read_word_file(path, 5),
                "words": list(words.words),
                "cdf_head": words.cdf[:5],
                "cdf_last": float(words.cdf[-1]),
                "drawn": words.sample(np.random.default_rng(1), 12),
                "sentences": [corpus.sample_sentence(rng, words) for _ in range(4)],
                "numbers": [corpus.sample_number(rng) for _ in range(18)],
                "text": corpus.sample_text(np.random.default_rng(2), 60),
                "text_restricted": corpus.sample_text(np.random.default_rng(2), 30, "aehiost "),
                "lines": [corpus.sample_line(np.random.default_rng(s), 10, 30) for s in range(4)],
                "line_lengths": [
                    len(corpus.sample_line(np.random.default_rng(s), 20, 20)) for s in range(6)
                ],
                "paragraph": corpus.sample_paragraph(np.random.default_rng(3)),
                "paragraph_capped": corpus.sample_paragraph(
                    np.random.default_rng(3), (8, 8), (40, 40), max_chars=100
                ),
                "bad_range": outcome(lambda: corpus.sample_line(rng, 10, 5)),
                "source_name": corpus.text_source()["name"],
            }
        out["empty_file"] = outcome(lambda: corpus.read_word_file(empty), Path(folder))
        missing = Path(folder) / "missing.txt"
        out["missing_file"] = outcome(lambda: corpus.read_word_file(missing), Path(folder))
    return out


# -- archives ----------------------------------------------------------------------------------


def _listing(root: Path) -> list[str]:
    """Every path under ``root``: ``f:path=bytes``, ``l:path->target`` or ``d:path``."""
    entries = []
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if path.is_symlink():
            entries.append(f"l:{name}->{os.readlink(path)}")
        elif path.is_dir():
            entries.append(f"d:{name}")
        else:
            entries.append(f"f:{name}={path.read_bytes().decode('latin-1')}")
    return entries


def _extract(archive: Path, work: Path, limits: ExtractionLimits | None = None) -> list[str]:
    """The outcome of extracting ``archive`` and what lies in ``work/out`` and beside it after."""
    target = work / "out"
    args = (archive, target) if limits is None else (archive, target, limits)
    result = outcome(lambda: extract_archive(*args), work)
    found = _listing(target) if target.exists() else []
    debris = sorted(p.name for p in work.iterdir() if p.name not in ("out", archive.name))
    if target.exists():
        shutil.rmtree(target)
    return [result] + found + [f"beside:{name}" for name in debris]


def _zip(path: Path, members: list[tuple[str, bytes, bool]], deflate: bool = False) -> Path:
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", method) as bundle:
        for name, data, link in members:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = method
            if link:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            bundle.writestr(info, data)
    return path


def _tar(
    path: Path, members: list[tuple[str, str, str | bytes]], mode: Literal["w:gz", "w"] = "w:gz"
) -> Path:
    """Members ``(type, name, data-or-link-target)``: f file, d dir, s symlink, h hard link,
    p fifo, c character device."""
    kinds = {"d": tarfile.DIRTYPE, "s": tarfile.SYMTYPE, "h": tarfile.LNKTYPE}
    kinds |= {"p": tarfile.FIFOTYPE, "c": tarfile.CHRTYPE, "f": tarfile.REGTYPE}
    with tarfile.open(path, mode) as bundle:
        for kind, name, data in members:
            info = tarfile.TarInfo(name)
            info.type = kinds[kind]
            info.mtime = 0
            info.mode = 0o755 if kind == "d" else 0o644
            if kind == "f":
                payload = data if isinstance(data, bytes) else data.encode()
                info.size = len(payload)
                bundle.addfile(info, io.BytesIO(payload))
            else:
                if kind in "sh":
                    info.linkname = str(data)
                bundle.addfile(info)
    return path


@probe("data/archive_zip")
def archive_zip() -> dict[str, Any]:
    """extract_archive on zips: safe members at depths, zip-slip, absolute names, symlinks."""
    cases: dict[str, list[tuple[str, bytes, bool]]] = {
        "safe": [
            ("a.txt", b"A", False),
            ("d1/b.txt", b"B", False),
            ("d1/d2/d3/c.txt", b"C", False),
            ("d1/empty/", b"", False),
        ],
        "dotdot": [("ok.txt", b"x", False), ("../evil", b"E", False)],
        "dotdot_deep": [("d1/d2/../../../evil", b"E", False)],
        "dotdot_inside": [("d1/../a.txt", b"x", False)],
        "absolute": [("/tmp/evil", b"E", False)],
        "drive": [("C:evil", b"E", False)],
        "backslash": [("d1\\..\\..\\evil", b"E", False)],
        "link_depth0": [("a.txt", b"A", False), ("link", b"a.txt", True)],
        "link_depth1": [("d1/link", b"../a.txt", True)],
        "link_depth3": [("d1/d2/d3/link", b"../../x", True)],
    }
    out = {}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for name, members in cases.items():
            archive = _zip(work / f"{name}.zip", members)
            out[name] = _extract(archive, work)
            archive.unlink()
    return out


@probe("data/archive_tar")
def archive_tar() -> dict[str, Any]:
    """extract_archive on tar.gz: symlinks and hard links at several depths, special files."""
    base: list[tuple[str, str, str | bytes]] = [
        ("f", "a.txt", "A"),
        ("d", "d1", ""),
        ("f", "d1/d2/b.txt", "B"),
    ]
    cases: dict[str, list[tuple[str, str, str | bytes]]] = {
        "safe": base,
        "sym_depth0_in": base + [("s", "link", "a.txt")],
        "sym_depth0_out": base + [("s", "link", "../a.txt")],
        "sym_depth1_in": base + [("s", "d1/link", "../a.txt")],
        "sym_depth1_out": base + [("s", "d1/link", "../../a.txt")],
        "sym_depth2_in": base + [("s", "d1/d2/link", "../../a.txt")],
        "sym_depth2_out": base + [("s", "d1/d2/link", "../../../a.txt")],
        "sym_depth3_in": base + [("s", "d1/d2/d3/link", "../../../a.txt")],
        "sym_depth3_out": base + [("s", "d1/d2/d3/link", "../../../../x")],
        "sym_absolute": base + [("s", "d1/passwd", "/etc/passwd")],
        "sym_dir_then_file": base + [("s", "d1/up", ".."), ("f", "d1/up/c.txt", "C")],
        "hard_in": base + [("h", "d1/hard", "a.txt")],
        "hard_out": base + [("h", "d1/hard", "../secret")],
        "fifo": base + [("p", "pipe", "")],
        "device": base + [("c", "dev", "")],
        "dotdot": base + [("f", "d1/../../evil", "E")],
        "absolute": [("f", "/etc/evil", "E")],
    }
    out = {}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for name, members in cases.items():
            archive = _tar(work / f"{name}.tgz", members)
            out[name] = _extract(archive, work)
            archive.unlink()
        plain = _tar(work / "plain.tar", base, mode="w")
        out["uncompressed"] = _extract(plain, work)
    return out


@probe("data/archive_limits")
def archive_limits() -> dict[str, Any]:
    """Bomb limits at their boundaries (members, bytes, ratio) and refusals before extraction."""
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        three = _zip(work / "three.zip", [(f"{i}.txt", b"abcd", False) for i in range(3)])
        out["members_at_limit"] = _extract(three, work, ExtractionLimits(max_members=3))[0]
        out["members_over"] = _extract(three, work, ExtractionLimits(max_members=2))[0]
        out["bytes_at_limit"] = _extract(three, work, ExtractionLimits(max_total_bytes=12))[0]
        out["bytes_over"] = _extract(three, work, ExtractionLimits(max_total_bytes=11))[0]
        zeros = [("zeros.bin", bytes(4000), False)]
        packed = _zip(work / "zeros.zip", zeros, deflate=True)
        stored = _zip(work / "stored.zip", zeros)
        ratio = ExtractionLimits(max_ratio=5.0, ratio_floor_bytes=100)
        out["zip_ratio_bomb"] = _extract(packed, work, ratio)[0]
        out["zip_ratio_stored"] = _extract(stored, work, ratio)[0]
        out["zip_ratio_below_floor"] = _extract(
            packed, work, ExtractionLimits(max_ratio=5.0, ratio_floor_bytes=4000)
        )[0]
        tar_zeros = _tar(work / "zeros.tgz", [("f", "zeros.bin", bytes(4000))])
        out["tar_ratio_bomb"] = _extract(tar_zeros, work, ratio)[0]
        out["tar_members_over"] = _extract(
            _tar(work / "t3.tgz", [("f", f"{i}", "x") for i in range(3)]),
            work,
            ExtractionLimits(max_members=2),
        )[0]
        junk = work / "junk.bin"
        junk.write_bytes(b"not an archive at all")
        out["not_archive"] = _extract(junk, work)[0]
        out["missing"] = _extract(work / "absent.zip", work)[0]
        (work / "out").mkdir()
        out["target_exists"] = outcome(lambda: extract_archive(three, work / "out"), work)
    return out


@probe("data/member_destination")
def member_destination_probe() -> dict[str, Any]:
    """member_destination: where names land under a root, or why they are refused."""
    names = [
        "xml/a.xml",
        "./a",
        "a/./b",
        "a/../b",
        "../a",
        "a/../../b",
        "/abs",
        "C:/x",
        "c:x",
        "a\\..\\..\\b",
        "a\\b",
        "..",
        ".",
    ]
    root = Path("/data/root")
    results = []
    for name in names:
        try:
            results.append(member_destination(root, name).as_posix())
        except Exception as error:  # noqa: BLE001
            results.append(f"{type(error).__name__}: {error}")
    return {"names": names, "results": results}


# -- downloads (offline) -----------------------------------------------------------------------


@probe("data/download_offline")
def download_offline() -> dict[str, Any]:
    """verify_sha256 and download with file:// URLs: checks, .part handling, progress calls."""
    payload = bytes(range(256)) * 10
    digest = hashlib.sha256(payload).hexdigest()
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        source = root / "source.bin"
        source.write_bytes(payload)
        out["verify_ok"] = outcome(lambda: verify_sha256(source, digest))
        out["verify_upper"] = outcome(lambda: verify_sha256(source, digest.upper()))
        out["verify_wrong"] = outcome(lambda: verify_sha256(source, "ab" * 32))
        calls: list[list[int]] = []
        dest = download(
            source.as_uri(),
            root / "got" / "file.bin",
            sha256=digest,
            progress=lambda done, total: calls.append([done, total or -1]),
            chunk_size=1000,
        )
        out["fetched_equal"] = dest.read_bytes() == payload
        out["progress"] = calls
        out["after_fetch"] = sorted(p.name for p in dest.parent.iterdir())
        out["existing_trusted"] = outcome(
            lambda: download((root / "absent").as_uri(), dest, sha256=digest), root
        )
        out["existing_wrong"] = outcome(
            lambda: download((root / "absent").as_uri(), dest, sha256="0" * 64), root
        )
        stale = root / "got" / "stale.bin.part"
        stale.write_bytes(b"stale")
        out["part_wrong_digest"] = outcome(
            lambda: download(source.as_uri(), root / "got" / "stale.bin", sha256="1" * 64), root
        )
        out["after_wrong"] = sorted(p.name for p in dest.parent.iterdir())
        out["missing_source"] = outcome(
            lambda: download((root / "nothing").as_uri(), root / "got" / "n.bin"), root
        )
        out["no_digest"] = outcome(lambda: download(source.as_uri(), root / "got" / "plain.bin"))
    stream = io.StringIO()
    with contextlib.redirect_stderr(stream):
        stderr_progress(512, 2048)
        stderr_progress(2048, 2048)
        stderr_progress(300, None)
    out["stderr_progress"] = stream.getvalue().split("\r")
    out["basic_auth"] = basic_auth_header("user", "p@ss:word")["Authorization"]
    return out


# -- EMNIST ------------------------------------------------------------------------------------


def _idx(array: np.ndarray, code: int, dtype: str) -> bytes:
    header = bytes([0, 0, code, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    return header + array.astype(dtype).tobytes()


@probe("data/emnist")
def emnist() -> dict[str, Any]:
    """parse_idx/parse_mapping, load_emnist's val cut, transpose and inversion, compose_line."""
    out: dict[str, Any] = {
        "idx_u8": parse_idx(_idx(np.arange(6).reshape(2, 3), 0x08, ">u1")),
        "idx_i16": parse_idx(_idx(np.array([-2, 300]), 0x0B, ">i2")),
        "idx_f32": parse_idx(_idx(np.array([0.5, -1.25]), 0x0D, ">f4")),
        "idx_bad_magic": outcome(lambda: parse_idx(b"\x01\x00\x08\x01")),
        "idx_short_body": outcome(lambda: parse_idx(_idx(np.arange(4), 0x08, ">u1")[:-1])),
        "idx_truncated_header": outcome(lambda: parse_idx(bytes([0, 0, 8, 3, 0, 0]))),
        "mapping": [f"{k}={v}" for k, v in parse_mapping("0 48\n\n10 65\n36 97\n").items()],
        "mapping_bad": outcome(lambda: parse_mapping("0 48\nx y\n")),
    }
    count = 20
    stored = np.zeros((count, 28, 28), dtype=np.uint8)
    for i in range(count):
        stored[i, i % 28, :] = 255  # transposed on disk: a stored row is an upright column
    labels = np.arange(count) % 3
    with tempfile.TemporaryDirectory() as folder:
        raw = Path(folder)
        (raw / "gzip").mkdir()
        prefix = raw / "gzip" / "emnist-digits"
        (raw / "gzip" / "emnist-digits-mapping.txt").write_text("0 48\n1 49\n2 50\n")
        for part, array, code, dtype in (
            ("train-images-idx3", stored, 0x08, ">u1"),
            ("train-labels-idx1", labels, 0x08, ">u1"),
            ("test-images-idx3", stored[:4], 0x08, ">u1"),
            ("test-labels-idx1", labels[:4], 0x08, ">u1"),
        ):
            Path(f"{prefix}-{part}-ubyte.gz").write_bytes(gzip.compress(_idx(array, code, dtype)))
        for split in ("train", "val", "test"):
            data = load_emnist(raw, split, "digits")
            columns = [int(np.flatnonzero(img.min(axis=0) == 0)[0]) for img in data.images]
            out[split] = {
                "characters": data.characters(),
                "ink_column": columns,
                "paper": int(data.images.max()),
                "shape": list(data.images.shape),
            }
        out["bad_subset"] = outcome(lambda: load_emnist(raw, "train", "words"))
    glyphs = {c: 255 - np.full((2, 28, 28), 200, dtype=np.uint8) for c in "ab"}
    glyphs["a"][1, :, :4] = 0
    line = compose_line("ab a", glyphs, np.random.default_rng(4), EmnistLinesConfig())
    out["compose"] = {
        "shape": list(line.shape),
        "min": int(line.min()),
        "column_ink": (255 - line.astype(np.int64)).sum(axis=0)[::7],
    }
    return out


# -- inspection --------------------------------------------------------------------------------


@probe("data/inspection_stats")
def inspection_stats() -> dict[str, Any]:
    """dataset_stats and format_stats of an in-memory manifest: counts, writers, length summaries."""

    def record(i: int, text: str, writer: str, split: str, size: tuple[int, int]) -> ManifestRecord:
        return ManifestRecord(
            f"r{i}", f"images/r{i}.png", "0", size[0], size[1], text, writer, split
        )

    manifest = Manifest(
        Path("/nowhere"),
        [
            record(0, "ab", "w1", "train", (100, 40)),
            record(1, "abc d\nef", "w2", "train", (300, 60)),
            record(2, "Zz!", "w1", "val", (120, 41)),
            record(3, "q", "w3", "test", (80, 39)),
            record(4, "mmmm", "w1", "train", (200, 50)),
        ],
        {"kind": "lines"},
    )
    stats = dataset_stats(manifest)
    return {
        "splits": [stats["splits"][s] for s in ("train", "val", "test")],
        "writers_train": [f"{k}={v}" for k, v in stats["writers"]["train"].items()],
        "label_chars": [stats["label_chars"][k] for k in ("min", "median", "mean", "max")],
        "label_lines": [stats["label_lines"][k] for k in ("min", "median", "mean", "max")],
        "width": [stats["width"][k] for k in ("min", "median", "mean", "max")],
        "height": [stats["height"][k] for k in ("min", "median", "mean", "max")],
        "characters": stats["characters"],
        "report": format_stats(stats).splitlines(),
    }


# -- vocabulary --------------------------------------------------------------------------------


@probe("data/vocab_encode_decode")
def vocab_encode_decode() -> dict[str, Any]:
    """Vocabulary: special indices, encode/decode (specials skipped), bounds, unknown characters."""
    vocab = DEFAULT_VOCABULARY
    small = Vocabulary(characters="ab\n")
    return {
        "size": len(vocab),
        "specials": [vocab.blank_index, vocab.pad_index, vocab.start_index, vocab.end_index],
        "num_specials": vocab.num_specials,
        "tokens_edges": vocab.tokens[:6] + vocab.tokens[-3:],
        "encode": vocab.encode("Hi 09az!\n"),
        "encode_empty": vocab.encode(""),
        "decode": vocab.decode([0, 1, 2, 3, 4, 40, 0, 40, 83]),
        "decode_tensor": vocab.decode(torch.tensor([3, 17, 2, 18])),
        "bounds": vocab.encode_with_bounds("ab"),
        "roundtrip": vocab.decode(vocab.encode('"Yes" & no; (a+b)*2? #1')),
        "unknown": vocab.unknown_characters("café <blank> ok\té"),
        "check": outcome(lambda: vocab.check("naïve café")),
        "decode_range": outcome(lambda: vocab.decode([len(vocab)])),
        "decode_negative": outcome(lambda: vocab.decode([-1])),
        "small": {
            "size": len(small),
            "encode": small.encode("b\na"),
            "decode": small.decode([4, 5, 6, 0, 3]),
        },
        "duplicate": outcome(lambda: Vocabulary(characters="aa")),
    }


@probe("data/vocab_pad_batch")
def vocab_pad_batch() -> dict[str, Any]:
    """pad_batch: padding with <pad>, lengths, an explicit length at and above the longest."""
    vocab = DEFAULT_VOCABULARY
    sequences = [vocab.encode("abc"), vocab.encode(""), vocab.encode("z")]
    batch, lengths = vocab.pad_batch(sequences)
    exact, _ = vocab.pad_batch(sequences, length=3)
    longer, _ = vocab.pad_batch(sequences, length=5)
    empty, empty_lengths = vocab.pad_batch([])
    return {
        "batch": batch,
        "lengths": lengths,
        "exact": exact,
        "longer": longer,
        "empty_shape": list(empty.shape),
        "empty_lengths": list(empty_lengths.shape),
        "too_short": outcome(lambda: vocab.pad_batch(sequences, length=2)),
        "dtype_long": batch.dtype == torch.long,
    }
