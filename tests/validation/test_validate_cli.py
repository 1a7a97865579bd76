"""``text-recognizer data validate``: exit codes, printed failures and the HTML report."""

from __future__ import annotations

import pytest

pytest.importorskip("great_expectations")

from text_recognizer.cli import main  # noqa: E402
from text_recognizer.io import sha256_file  # noqa: E402


def _folder_digest(root) -> dict[str, str]:
    return {
        str(p.relative_to(root)): sha256_file(p) for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_clean_generated_lines_exit_0_with_report_and_data_untouched(clean_lines, tmp_path, capsys):
    before = _folder_digest(clean_lines)
    report = tmp_path / "report.html"

    code = main(["data", "validate", str(clean_lines), "--report", str(report)])

    assert code == 0
    assert "ok" in capsys.readouterr().out
    page = report.read_text(encoding="utf-8")
    assert "PASSED" in page and "labels_in_vocabulary" in page and "FAIL" not in page
    assert _folder_digest(clean_lines) == before


def test_failed_expectation_exits_1_naming_it_with_count_and_ids(
    clean_lines, corrupt, line_corruptions, tmp_path, capsys
):
    corrupted, touched = corrupt(clean_lines, {"wrong_sha256": line_corruptions["wrong_sha256"]})
    report = tmp_path / "report.html"

    code = main(["data", "validate", str(corrupted), "--report", str(report)])

    out = capsys.readouterr().out
    assert code == 1
    (record_id,) = touched["wrong_sha256"]
    assert "FAILED sha256_matches: 1 of" in out and record_id in out
    assert "FAIL" in report.read_text(encoding="utf-8")


def test_missing_folder_is_a_usage_error(tmp_path, capsys):
    assert main(["data", "validate", str(tmp_path / "nowhere")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_folder_without_manifest_is_a_usage_error(tmp_path, capsys):
    assert main(["data", "validate", str(tmp_path)]) == 2
    assert "no complete manifest" in capsys.readouterr().err


def test_wrong_suite_for_the_data_is_a_usage_error(clean_paragraphs, capsys):
    assert main(["data", "validate", str(clean_paragraphs), "--suite", "lines"]) == 2
    assert "--suite paragraphs" in capsys.readouterr().err


def test_report_inside_the_data_folder_is_refused(clean_lines, capsys):
    code = main(["data", "validate", str(clean_lines), "--report", str(clean_lines / "r.html")])

    assert code == 2 and not (clean_lines / "r.html").exists()
