"""``text-recognizer data generate | stats | contact-sheet`` through the real entry point."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("fontpkg")
pytest.importorskip("wordfreq")

from PIL import Image  # noqa: E402

from text_recognizer.cli import main  # noqa: E402
from text_recognizer.data.manifest import read_manifest  # noqa: E402


@pytest.fixture(scope="module")
def paragraphs_dir(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("cli") / "paragraphs"
    code = main(
        ["data", "generate", "--kind", "paragraphs", "--n", "3", "--seed", "4", "--out", str(out)]
    )
    assert code == 0
    return out


def test_generate_writes_a_data_set_and_reports_the_split_counts(tmp_path, capsys) -> None:
    out = tmp_path / "lines"
    assert (
        main(["data", "generate", "--kind", "lines", "--n", "4", "--seed", "2", "--out", str(out)])
        == 0
    )
    printed = capsys.readouterr().out
    manifest = read_manifest(out)
    assert len(manifest.records) == 4
    assert str(out) in printed
    for split, count in manifest.metadata["counts"].items():
        assert f"{split} {count}" in printed


def test_stats_reports_splits_writers_and_sizes(paragraphs_dir, capsys) -> None:
    assert main(["data", "stats", str(paragraphs_dir)]) == 0
    report = capsys.readouterr().out
    assert report.startswith("3 paragraphs")
    for heading in ("train", "writers:", "label length", "width px", "height px"):
        assert heading in report


def test_stats_as_json_matches_the_manifest(paragraphs_dir, capsys) -> None:
    assert main(["data", "stats", str(paragraphs_dir), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    records = read_manifest(paragraphs_dir).records
    assert stats["records"] == 3
    assert stats["label_chars"]["max"] == max(len(record.text) for record in records)
    assert sum(stats["splits"].values()) == 3


def test_contact_sheet_is_a_png_showing_the_samples(paragraphs_dir, tmp_path, capsys) -> None:
    sheet = tmp_path / "sheet.png"
    assert (
        main(["data", "contact-sheet", str(paragraphs_dir), "--out", str(sheet), "--n", "2"]) == 0
    )
    with Image.open(sheet) as image:
        assert image.format == "PNG"
        assert image.width > 400 and image.height > 100
    assert "2 samples" in capsys.readouterr().out


def test_generate_refuses_a_folder_that_is_not_a_data_set(tmp_path, capsys) -> None:
    (tmp_path / "thesis.tex").write_text("precious")
    code = main(["data", "generate", "--n", "2", "--out", str(tmp_path)])
    assert code == 2
    assert "thesis.tex" in capsys.readouterr().err
    assert (tmp_path / "thesis.tex").read_text() == "precious"


@pytest.mark.parametrize("bad", [["--n", "0"], ["--n", "-3"], ["--n", "x"], ["--workers", "0"]])
def test_generate_rejects_bad_numbers_with_a_usage_error(tmp_path, bad, capsys) -> None:
    arguments = ["data", "generate", "--n", "2", "--out", str(tmp_path / "d")]
    with pytest.raises(SystemExit) as exit_info:
        main(arguments + bad)
    assert exit_info.value.code == 2
    assert "--" in capsys.readouterr().err


def test_stats_of_a_folder_without_manifest_is_a_clear_error(tmp_path, capsys) -> None:
    assert main(["data", "stats", str(tmp_path)]) == 2
    assert "no complete manifest" in capsys.readouterr().err


def test_contact_sheet_needs_a_png_path(paragraphs_dir, tmp_path, capsys) -> None:
    assert (
        main(["data", "contact-sheet", str(paragraphs_dir), "--out", str(tmp_path / "a.jpg")]) == 2
    )
    assert ".png" in capsys.readouterr().err
