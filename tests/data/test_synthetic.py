"""The synthetic generator: pure per-sample rendering, honest splits, reproducible data sets."""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("fontpkg")
pytest.importorskip("wordfreq")

from text_recognizer.data import synthetic  # noqa: E402
from text_recognizer.data.fonts import discover_fonts  # noqa: E402
from text_recognizer.data.manifest import read_manifest  # noqa: E402
from text_recognizer.data.page import is_inverted, normalize_page  # noqa: E402
from text_recognizer.data.preprocess import to_grayscale  # noqa: E402
from text_recognizer.data.synthetic import (  # noqa: E402
    SyntheticConfig,
    render_sample,
    split_for_index,
)
from text_recognizer.errors import ManifestError, TextRecognizerError  # noqa: E402
from text_recognizer.io import sha256_file  # noqa: E402
from text_recognizer.vocab import DEFAULT_VOCABULARY  # noqa: E402

LINES = SyntheticConfig(kind="lines", seed=11)
PARAGRAPHS = SyntheticConfig(kind="paragraphs", seed=11)


def image_bytes(sample: synthetic.SyntheticSample) -> bytes:
    return synthetic.encode_png(sample.image)


@pytest.fixture(scope="module")
def line_samples() -> list[synthetic.SyntheticSample]:
    return [render_sample(LINES, index) for index in range(24)]


@pytest.fixture(scope="module")
def paragraph_samples() -> list[synthetic.SyntheticSample]:
    return [render_sample(PARAGRAPHS, index) for index in range(3)]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory):
    """The same tiny data set generated twice into two folders."""
    first = tmp_path_factory.mktemp("first")
    second = tmp_path_factory.mktemp("second")
    return (
        synthetic.generate_dataset(first, "lines", 6, seed=3),
        synthetic.generate_dataset(second, "lines", 6, seed=3),
    )


def test_a_sample_is_a_pure_function_of_config_and_index() -> None:
    alone = render_sample(LINES, 5)
    for index in (9, 2):  # other samples rendered in between change nothing
        render_sample(LINES, index)
    again = render_sample(LINES, 5)
    assert (again.text, again.writer, again.split) == (alone.text, alone.writer, alone.split)
    assert image_bytes(again) == image_bytes(alone)


def test_different_indices_and_seeds_give_different_samples() -> None:
    assert render_sample(LINES, 0).text != render_sample(LINES, 1).text
    other_seed = dataclasses.replace(LINES, seed=12)
    assert render_sample(LINES, 0).text != render_sample(other_seed, 0).text


def test_lines_and_paragraphs_of_one_seed_are_independent_streams() -> None:
    line = render_sample(LINES, 0).text
    assert not render_sample(PARAGRAPHS, 0).text.startswith(line)


def test_labels_are_in_the_vocabulary_and_within_line_limits(line_samples) -> None:
    for sample in line_samples:
        assert DEFAULT_VOCABULARY.unknown_characters(sample.text) == []
        assert 1 <= len(sample.text) <= synthetic.MAX_LINE_CHARS
        assert "\n" not in sample.text


def test_paragraph_labels_are_newline_joined_lines_within_limits(paragraph_samples) -> None:
    for sample in paragraph_samples:
        lines = sample.text.split("\n")
        assert 1 <= len(lines) <= synthetic.MAX_PARAGRAPH_LINES
        assert len(sample.text) <= synthetic.MAX_PARAGRAPH_CHARS
        assert all(line and len(line) <= synthetic.MAX_LINE_CHARS for line in lines)
        assert DEFAULT_VOCABULARY.unknown_characters(sample.text) == []


def test_images_are_line_sized_and_normalise_to_dark_ink_on_white(line_samples) -> None:
    for sample in line_samples:
        assert sample.image.mode in ("L", "RGB")
        assert 24 <= sample.image.height <= 160, sample.image.size
        assert sample.image.width > sample.image.height
        page = normalize_page(np.asarray(to_grayscale(sample.image)))
        assert not page.blank
        assert np.median(page.gray) > 200 and page.gray.min() < 60


def test_some_lines_are_written_light_on_dark_and_some_in_colour() -> None:
    samples = [render_sample(LINES, index) for index in range(60)]
    modes = {sample.image.mode for sample in samples}
    inverted = [is_inverted(np.asarray(to_grayscale(sample.image))) for sample in samples]
    assert modes == {"L", "RGB"}
    assert 1 <= sum(inverted) <= 15


def test_paragraph_images_grow_with_their_lines(paragraph_samples) -> None:
    for sample in paragraph_samples:
        lines = sample.text.count("\n") + 1
        assert sample.image.height > 30 * lines


def test_each_writer_appears_only_in_the_split_of_its_role(line_samples) -> None:
    roles = {font.name: font.role for font in discover_fonts()}
    for sample in line_samples:
        assert roles[sample.writer] == sample.split, (sample.writer, sample.split)


def test_training_lines_draw_from_many_writers(line_samples) -> None:
    writers = {sample.writer for sample in line_samples if sample.split == "train"}
    assert len(writers) >= 10


def test_a_font_is_only_given_text_it_can_draw(monkeypatch: pytest.MonkeyPatch) -> None:
    kalam = next(font for font in discover_fonts() if font.name == "Kalam")
    partial = dataclasses.replace(kalam, coverage=kalam.coverage - set("0123456789\"'()"))
    monkeypatch.setattr(synthetic, "writers_for_split", lambda split: (partial,))
    texts = [render_sample(LINES, index).text for index in range(8)]
    assert all(partial.covers(text) for text in texts)


def test_split_fractions_are_met_by_every_prefix_of_indices() -> None:
    splits = [synthetic.split_for_index(index) for index in range(1000)]
    assert splits.count("train") == pytest.approx(800, abs=5)
    assert splits.count("val") == pytest.approx(100, abs=5)
    assert splits.count("test") == pytest.approx(100, abs=5)


def test_a_split_with_zero_fraction_never_gets_a_sample() -> None:
    fractions = (0.9, 0.1, 0.0)
    assert {synthetic.split_for_index(index, fractions) for index in range(500)} == {
        "train",
        "val",
    }


def test_bad_configs_are_refused_with_the_reason() -> None:
    with pytest.raises(TextRecognizerError, match="kind"):
        SyntheticConfig(kind="words")
    with pytest.raises(TextRecognizerError, match="split_fractions"):
        SyntheticConfig(split_fractions=(0.5, 0.1, 0.1))
    with pytest.raises(TextRecognizerError, match="index"):
        synthetic.split_for_index(-1)


def test_without_augmentation_lines_are_black_on_white() -> None:
    sample = render_sample(dataclasses.replace(LINES, augment=False), 0)
    pixels = np.asarray(sample.image)
    assert pixels.max() == 255 and pixels.min() == 0
    assert np.median(pixels) == 255


def test_generating_twice_gives_byte_identical_data_sets(generated) -> None:
    first, second = generated
    assert (first.root / "manifest.csv").read_bytes() == (second.root / "manifest.csv").read_bytes()
    assert (first.root / "manifest.json").read_bytes() == (
        second.root / "manifest.json"
    ).read_bytes()
    for a, b in zip(first.records, second.records):
        assert (first.root / a.path).read_bytes() == (second.root / b.path).read_bytes()


def test_manifest_hashes_and_sizes_describe_the_written_files(generated) -> None:
    manifest = read_manifest(generated[0].root)
    assert [record.id for record in manifest.records] == [f"line-{i:06d}" for i in range(6)]
    for record in manifest.records:
        path = manifest.image_path(record)
        assert sha256_file(path) == record.sha256
        with Image.open(path) as image:
            assert image.size == (record.width, record.height)
        assert record.generator_version == synthetic.GENERATOR_VERSION


def test_manifest_metadata_says_how_the_set_was_made(generated) -> None:
    metadata = read_manifest(generated[0].root).metadata
    assert metadata["kind"] == "lines" and metadata["seed"] == 3 and metadata["n"] == 6
    assert "wordfreq" in metadata["text_source"]["name"]
    assert metadata["held_out_writers"] and metadata["val_writers"]
    assert "SHA-256" in metadata["writer_rule"]
    assert {row["name"] for row in metadata["skipped_writers"]} >= {"Ballet", "Rock Salt"}
    assert {font["package"] for font in metadata["fonts"]} >= {"fontpkg-kalam"}
    assert metadata["split_fractions"] == {"train": 0.8, "val": 0.1, "test": 0.1}
    assert "time" not in str(sorted(metadata))  # no timestamps: reruns are byte-identical


@pytest.mark.parametrize("augment", [False, True])
def test_a_generated_data_set_is_rendered_as_its_augment_setting_says(tmp_path, augment) -> None:
    """--no-augment sets are clean renders: the files equal render_sample without augmentation,
    and the manifest records the setting."""
    manifest = synthetic.generate_dataset(tmp_path, "lines", 2, seed=1, augment=augment)
    assert manifest.metadata["augment"] is augment
    config = SyntheticConfig(kind="lines", seed=1, augment=augment)
    for index, record in enumerate(manifest.records):
        expected = np.asarray(to_grayscale(render_sample(config, index).image))
        written = np.asarray(to_grayscale(Image.open(tmp_path / record.path)))
        np.testing.assert_array_equal(written, expected)


def test_regenerating_smaller_removes_stale_images_and_leftover_temp_files(tmp_path) -> None:
    synthetic.generate_dataset(tmp_path, "lines", 3, seed=1)
    (tmp_path / "images" / ".line-000000.png.abc123.tmp").write_bytes(b"half")
    manifest = synthetic.generate_dataset(tmp_path, "lines", 2, seed=1)
    assert sorted(os.listdir(tmp_path / "images")) == ["line-000000.png", "line-000001.png"]
    assert len(manifest.records) == 2


def test_an_interrupted_run_leaves_no_manifest_to_trust(tmp_path, monkeypatch) -> None:
    synthetic.generate_dataset(tmp_path, "lines", 2, seed=1)

    def crash(task):
        raise KeyboardInterrupt

    monkeypatch.setattr(synthetic, "_write_sample", crash)
    with pytest.raises(KeyboardInterrupt):
        synthetic.generate_dataset(tmp_path, "lines", 2, seed=2)
    with pytest.raises(ManifestError, match="no complete manifest"):
        read_manifest(tmp_path)


def test_a_folder_with_other_files_is_refused(tmp_path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ManifestError, match="notes.txt"):
        synthetic.generate_dataset(tmp_path, "lines", 1, seed=0)
    assert sorted(os.listdir(tmp_path)) == ["notes.txt"]


def test_a_file_where_the_data_set_folder_should_be_is_refused(tmp_path) -> None:
    (tmp_path / "data").write_text("not a folder")
    with pytest.raises(ManifestError, match="data exists and is not a folder"):
        synthetic.generate_dataset(tmp_path / "data", "lines", 1, seed=0)
    assert (tmp_path / "data").read_text() == "not a folder"


@pytest.mark.parametrize(
    ("short", "full", "past_the_sum"),
    [((0.4, 0.1, 0.1), (0.4, 0.1, 0.5), "test"), ((0.5, 0.2, 0.0), (0.5, 0.2, 0.3), "train")],
)
def test_an_index_past_fractions_that_fall_short_of_one_goes_to_the_last_split_with_a_share(
    short, full, past_the_sum
) -> None:
    """Fractions within rounding of 1 can leave a sliver past their sum: it must not vanish,
    and it must not land in a split the caller gave no share."""
    for index in range(200):
        expected = split_for_index(index, full)
        if expected == "test":  # beyond the short fractions' sum
            expected = past_the_sum
        assert split_for_index(index, short) == expected


def test_non_positive_sizes_are_refused(tmp_path) -> None:
    with pytest.raises(TextRecognizerError, match="n must be"):
        synthetic.generate_dataset(tmp_path, "lines", 0, seed=0)
    with pytest.raises(TextRecognizerError, match="workers"):
        synthetic.generate_dataset(tmp_path, "lines", 1, seed=0, workers=0)


@pytest.mark.slow
def test_parallel_workers_write_the_same_data_set_as_one(tmp_path) -> None:
    one = synthetic.generate_dataset(tmp_path / "one", "paragraphs", 8, seed=5)
    two = synthetic.generate_dataset(tmp_path / "two", "paragraphs", 8, seed=5, workers=2)
    assert (one.root / "manifest.csv").read_bytes() == (two.root / "manifest.csv").read_bytes()
