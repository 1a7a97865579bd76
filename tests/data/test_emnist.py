"""EMNIST: a miniature NIST gzip.zip (gzipped IDX, transposed images) through the real parser."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.data.miniature_archives import emnist_glyph, idx_bytes, write_emnist_gzip_zip
from text_recognizer.data.emnist import (
    EmnistLinesConfig,
    compose_line,
    load_emnist,
    parse_idx,
    parse_mapping,
    prepare_emnist,
    prepare_emnist_lines,
)
from text_recognizer.data.manifest import read_manifest
from text_recognizer.errors import DataSetLayoutError

# Every byclass label, several times, in both upstream splits.
TRAIN_LABELS = [label for _ in range(3) for label in range(62)]
TEST_LABELS = list(range(62))


@pytest.fixture(scope="module")
def emnist_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tmp_path_factory.mktemp("emnist")
    write_emnist_gzip_zip(raw / "gzip.zip", {"train": TRAIN_LABELS, "test": TEST_LABELS})
    return raw


def test_idx_round_trips_shape_and_values() -> None:
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    assert np.array_equal(parse_idx(idx_bytes(array)), array)


def test_idx_with_a_bad_header_is_refused_by_name() -> None:
    with pytest.raises(DataSetLayoutError, match="labels.gz: not an IDX file"):
        parse_idx(b"\x1f\x8b\x08\x00rest", "labels.gz")


def test_idx_with_a_short_body_names_the_mismatch() -> None:
    with pytest.raises(DataSetLayoutError, match=r"shape \(2, 3\) needs 6"):
        parse_idx(idx_bytes(np.zeros((2, 3), np.uint8))[:-1])


def test_mapping_gives_characters_and_names_bad_rows() -> None:
    assert parse_mapping("0 48\n36 97\n") == {0: "0", 36: "a"}
    with pytest.raises(DataSetLayoutError, match="m.txt:2"):
        parse_mapping("0 48\nzero\n", "m.txt")


def test_images_are_transposed_upright_and_inverted_to_dark_ink(emnist_raw: Path) -> None:
    test = load_emnist(emnist_raw, "test")
    assert test.images.shape == (62, 28, 28)
    assert np.array_equal(test.images[5], 255 - emnist_glyph(5))  # top-left block is ink
    assert test.characters()[:3] == ["0", "1", "2"] and test.characters()[36] == "a"


def test_validation_is_a_disjoint_tenth_of_train(emnist_raw: Path) -> None:
    train, val = load_emnist(emnist_raw, "train"), load_emnist(emnist_raw, "val")
    assert len(val.labels) == round(len(TRAIN_LABELS) * 0.1)
    assert len(train.labels) + len(val.labels) == len(TRAIN_LABELS)
    assert np.array_equal(load_emnist(emnist_raw, "val").labels, val.labels)  # deterministic


def test_extracted_gzip_folder_reads_like_the_zip(emnist_raw: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(emnist_raw / "gzip.zip") as bundle:
        bundle.extractall(tmp_path)
    from_folder, from_zip = load_emnist(tmp_path, "test"), load_emnist(emnist_raw, "test")
    assert np.array_equal(from_folder.images, from_zip.images)


def test_label_missing_from_the_mapping_is_reported(tmp_path: Path) -> None:
    write_emnist_gzip_zip(tmp_path / "gzip.zip", {"test": [0, 1]})
    with zipfile.ZipFile(tmp_path / "gzip.zip", "a") as bundle:
        bundle.writestr(
            "gzip/emnist-byclass-train-labels-idx1-ubyte.gz",
            gzip.compress(idx_bytes(np.array([99], np.uint8))),
        )
        bundle.writestr(
            "gzip/emnist-byclass-train-images-idx3-ubyte.gz",
            gzip.compress(idx_bytes(np.zeros((1, 28, 28), np.uint8))),
        )
    with pytest.raises(DataSetLayoutError, match=r"labels \[99\] are not in"):
        load_emnist(tmp_path, "train")


def test_folder_without_the_archive_says_how_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(DataSetLayoutError, match="data download emnist"):
        load_emnist(tmp_path, "train")


def test_prepare_writes_single_character_records(emnist_raw: Path, tmp_path: Path) -> None:
    manifest = prepare_emnist(emnist_raw, tmp_path / "chars", limit=4)
    assert [len(manifest.split(s)) for s in ("train", "val", "test")] == [4, 4, 4]
    record = manifest.split("test")[1]
    assert (record.text, record.width, record.height) == ("1", 28, 28)
    image = np.asarray(Image.open(manifest.image_path(record)))
    assert np.array_equal(image, 255 - emnist_glyph(1))
    assert read_manifest(tmp_path / "chars").records == manifest.records


def test_composed_line_places_glyphs_left_to_right_with_overlap() -> None:
    glyphs = {c: (255 - emnist_glyph(i))[None] for i, c in enumerate("ab")}
    rng = np.random.default_rng(0)
    config = EmnistLinesConfig(min_overlap=0.25, max_overlap=0.25)
    image = compose_line("ab a", glyphs, rng, config)
    assert image.shape == (28, 21 * 3 + 28)  # each step is 28 * (1 - 0.25) = 21 px
    assert image[0, 0] == 0 and image[0, 21] == 0  # glyph corners at x = 0 and x = 21
    assert image[0, 42] == 255 and image[0, 63] == 0  # the space leaves a gap


def test_emnist_lines_are_deterministic_and_use_only_known_characters(
    emnist_raw: Path, tmp_path: Path
) -> None:
    pytest.importorskip("wordfreq")
    first = prepare_emnist_lines(emnist_raw, tmp_path / "a", n=20, seed=3)
    second = prepare_emnist_lines(emnist_raw, tmp_path / "b", n=20, seed=3)
    assert [r.sha256 for r in first.records] == [r.sha256 for r in second.records]
    assert [len(first.split(s)) for s in ("train", "val", "test")] == [16, 2, 2]
    for record in first.records:
        assert 0 < len(record.text) <= 32
        assert set(record.text) <= set(
            "0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        )
        assert record.height == 28 and record.width >= 28


def test_cli_prepares_emnist_characters(emnist_raw: Path, tmp_path: Path) -> None:
    from text_recognizer.cli import main

    out = tmp_path / "o"
    assert (
        main(
            [
                "data",
                "prepare",
                "emnist",
                "--raw",
                str(emnist_raw),
                "--out",
                str(out),
                "--limit",
                "2",
            ]
        )
        == 0
    )
    assert len(read_manifest(out).records) == 6
