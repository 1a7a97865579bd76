"""The manifest format: round trip, atomic commit order and errors that name the problem."""

import json

import pytest

from text_recognizer.data.manifest import (
    MANIFEST_CSV,
    MANIFEST_JSON,
    ManifestRecord,
    read_manifest,
    write_manifest,
)
from text_recognizer.errors import ManifestError


def make_record(index: int, text: str = "a line", split: str = "train") -> ManifestRecord:
    return ManifestRecord(
        id=f"s{index:04d}",
        path=f"images/s{index:04d}.png",
        sha256="0" * 64,
        width=120,
        height=40,
        text=text,
        writer="Kalam",
        split=split,
        generator_version="1",
    )


@pytest.fixture
def records():
    return [
        make_record(0, 'quotes " and, commas'),
        make_record(1, "two\nlines", "val"),
        make_record(2, "", "test"),
    ]


def test_round_trip_keeps_every_field_including_newlines_and_quotes(tmp_path, records):
    write_manifest(tmp_path, records, {"kind": "paragraphs"})
    manifest = read_manifest(tmp_path)
    assert manifest.records == records
    assert manifest.kind == "paragraphs"


def test_metadata_records_counts_per_split(tmp_path, records):
    write_manifest(tmp_path, records, {"kind": "lines"})
    metadata = json.loads((tmp_path / MANIFEST_JSON).read_text())
    assert metadata["counts"] == {"train": 1, "val": 1, "test": 1}
    assert metadata["num_records"] == 3


def test_split_selects_records_in_order(tmp_path, records):
    manifest = write_manifest(tmp_path, records, {})
    assert [r.id for r in manifest.split("val")] == ["s0001"]


def test_duplicate_ids_are_refused(tmp_path):
    with pytest.raises(ManifestError, match="duplicate ids"):
        write_manifest(tmp_path, [make_record(0), make_record(0)], {})


def test_missing_manifest_says_how_to_make_one(tmp_path):
    with pytest.raises(ManifestError, match="data generate"):
        read_manifest(tmp_path)


def test_a_folder_without_the_json_commit_marker_is_not_trusted(tmp_path, records):
    write_manifest(tmp_path, records, {})
    (tmp_path / MANIFEST_JSON).unlink()
    with pytest.raises(ManifestError, match="no complete manifest"):
        read_manifest(tmp_path)


def test_missing_column_is_named(tmp_path, records):
    write_manifest(tmp_path, records, {})
    csv_path = tmp_path / MANIFEST_CSV
    lines = csv_path.read_text().splitlines()
    lines[0] = lines[0].replace("sha256", "digest")
    csv_path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ManifestError, match="lacks column.*sha256"):
        read_manifest(tmp_path)


def test_non_integer_width_is_named_with_its_line(tmp_path, records):
    write_manifest(tmp_path, records[:1], {})
    csv_path = tmp_path / MANIFEST_CSV
    csv_path.write_text(csv_path.read_text().replace(",120,", ",wide,"))
    with pytest.raises(ManifestError, match=r"manifest.csv:2: width 'wide'"):
        read_manifest(tmp_path)


def test_invalid_json_is_reported(tmp_path, records):
    write_manifest(tmp_path, records, {})
    (tmp_path / MANIFEST_JSON).write_text("{")
    with pytest.raises(ManifestError, match="not valid JSON"):
        read_manifest(tmp_path)


def test_a_row_shorter_than_the_header_is_named_by_file_line_and_column(tmp_path):
    write_manifest(tmp_path, [make_record(0), make_record(1)], {"kind": "lines"})
    csv_path = tmp_path / MANIFEST_CSV
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    lines[2] = ",".join(lines[2].split(",")[:3])  # the second record, cut after three fields
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ManifestError, match=rf"{MANIFEST_CSV}:3: missing column\(s\) width, "):
        read_manifest(tmp_path)


def test_a_manifest_csv_that_is_not_utf8_is_named_not_a_decoding_traceback(tmp_path):
    write_manifest(tmp_path, [make_record(0)], {"kind": "lines"})
    csv_path = tmp_path / MANIFEST_CSV
    csv_path.write_bytes(csv_path.read_bytes() + b"s0001,images/\xff.png\n")
    with pytest.raises(ManifestError, match=rf"{MANIFEST_CSV} is not a readable UTF-8 CSV file"):
        read_manifest(tmp_path)


def test_an_empty_data_set_has_zero_statistics_and_no_contact_sheet(tmp_path):
    from text_recognizer.data.inspection import contact_sheet, dataset_stats

    manifest = write_manifest(tmp_path, [], {"kind": "lines"})
    stats = dataset_stats(manifest)
    assert stats["records"] == 0
    assert stats["label_chars"] == {"min": 0, "median": 0, "mean": 0.0, "max": 0}
    with pytest.raises(ManifestError, match="has no records to show"):
        contact_sheet(manifest)
