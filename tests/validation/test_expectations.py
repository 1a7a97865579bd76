"""The data suites: clean generated data passes, and each corruption fails exactly its check.

Clean generated lines are shown to pass by the CLI test (exit code 0 means every expectation
holds); the fast lane validates one copy holding every corruption on its own record, and the
slow lane validates one copy per corruption.
"""

from __future__ import annotations

import pytest

pytest.importorskip("great_expectations")

from text_recognizer.validation.expectations import build_suite  # noqa: E402
from text_recognizer.validation.suites import LINES_SUITE, SuiteError, suite_config  # noqa: E402
from text_recognizer.validation.validate import held_out_writers, validate_dataset  # noqa: E402

LINE_CORRUPTION_NAMES = [
    "blank_image",
    "truncated_png",
    "out_of_vocabulary_label",
    "label_too_long_for_image",
    "duplicate_across_splits",
    "held_out_writer_in_train",
    "wrong_sha256",
    "rgba_image",
    "sixteen_bit_image",
    "missing_file",
    "empty_label",
    "duplicate_within_split",
]


def test_clean_generated_paragraphs_pass_every_expectation(clean_paragraphs):
    report = validate_dataset(clean_paragraphs)

    assert report.failed_names == set() and report.suite == "paragraphs"
    assert "text_lines_match_rows" in {outcome.name for outcome in report.outcomes}


def test_every_line_corruption_is_exercised(line_corruptions):
    assert sorted(line_corruptions) == sorted(LINE_CORRUPTION_NAMES)


def test_all_corruptions_together_fail_exactly_their_expectations(
    all_lines_corrupted, line_corruptions
):
    report, _ = all_lines_corrupted

    assert report.failed_names == {c.expected for c in line_corruptions.values()}
    assert [outcome.name for outcome in report.outcomes] == build_suite(LINES_SUITE).names


@pytest.mark.parametrize("name", LINE_CORRUPTION_NAMES)
def test_each_corrupted_record_is_reported_only_by_its_expectation(
    all_lines_corrupted, line_corruptions, name
):
    report, touched = all_lines_corrupted

    flagged_by = {f.name for f in report.failures if touched[name] & set(f.sample_ids)}

    assert flagged_by == {line_corruptions[name].expected}


@pytest.mark.slow
@pytest.mark.parametrize("name", LINE_CORRUPTION_NAMES)
def test_each_corruption_alone_fails_only_its_expectation(
    clean_lines, corrupt, line_corruptions, name
):
    corruption = line_corruptions[name]
    corrupted, touched = corrupt(clean_lines, {name: corruption})

    report = validate_dataset(corrupted)

    assert report.failed_names == {corruption.expected}
    (failure,) = report.failures
    assert touched[name] & set(failure.sample_ids)


@pytest.mark.parametrize("path", ["../outside.png", "/etc/hostname"])
def test_a_manifest_path_leaving_the_data_set_is_reported_not_read(clean_lines, tmp_path, path):
    """A path outside the folder is a finding of the report (nothing outside is ever read), not
    a crash of the validation."""
    import shutil
    from dataclasses import replace

    from text_recognizer.data.manifest import read_manifest, write_manifest

    copy = tmp_path / "escaping"
    shutil.copytree(clean_lines, copy)
    manifest = read_manifest(copy)
    escaping = replace(manifest.records[0], path=path)
    write_manifest(copy, [escaping, *manifest.records[1:]], manifest.metadata)

    report = validate_dataset(copy)

    flagged = {f.name for f in report.failures if escaping.id in f.sample_ids}
    assert "paths_inside_dataset" in flagged


def test_paragraph_label_with_more_lines_than_the_image_fails_rows_check(
    clean_paragraphs, corrupt, paragraph_corruptions
):
    corrupted, touched = corrupt(clean_paragraphs, paragraph_corruptions)

    (failure,) = validate_dataset(corrupted).failures

    assert failure.name == "text_lines_match_rows"
    assert set(failure.sample_ids) == touched["extra_label_lines"]


def test_a_suite_for_the_other_kind_is_refused():
    with pytest.raises(SuiteError, match="use --suite paragraphs"):
        suite_config("lines", "paragraphs")


def test_auto_suite_picks_iam_for_iam_records():
    config = suite_config("auto", "lines", frozenset({"iam"}))

    assert config.name == "iam" and config.writers_disjoint_by_split


def test_check_names_are_stable_identifiers():
    names = build_suite(LINES_SUITE).names

    assert all(name.isidentifier() and name.islower() for name in names)
    assert {"labels_in_vocabulary", "ink_present", "sha256_matches"} <= set(names)


def test_held_out_writers_come_from_the_generator_metadata():
    rows = [{"writer": "A", "split": "test"}]

    assert held_out_writers({"held_out_writers": ["B"]}, rows, disjoint=True) == {"B"}


def test_writer_independent_splits_hold_out_every_test_writer():
    rows = [{"writer": "A", "split": "train"}, {"writer": "B", "split": "test"}]

    assert held_out_writers({}, rows, disjoint=True) == {"B"}
    assert held_out_writers({}, rows, disjoint=False) == set()


@pytest.mark.parametrize(
    "relative", ["../data2/x.png", "../data-old/images/a.png", "../data", "/data2/a.png"]
)
def test_a_sibling_folder_sharing_the_prefix_is_outside_the_data_set(relative):
    from text_recognizer.validation.validate import image_file

    assert image_file("/data", relative) == "/data/\x00outside"


def test_paths_inside_the_data_set_point_into_it():
    from text_recognizer.validation.validate import image_file

    assert image_file("/data", "images/../a.png") == "/data/a.png"
    assert image_file("/data", "images/x.png") == "/data/images/x.png"
