"""``text-recognizer demo``: renders unseen-writer samples, transcribes them, reports CER."""

import pytest

from text_recognizer.cli import main


def test_demo_writes_samples_and_prints_truth_prediction_and_cer(staged_lines, tmp_path, capsys):
    out = tmp_path / "demo"
    code = main(
        [
            "demo",
            "--model",
            str(staged_lines.folder),
            "--out",
            str(out),
            "--lines",
            "1",
            "--paragraphs",
            "0",
        ]
    )
    captured = capsys.readouterr()
    printed = captured.out
    assert code == 0, captured.err
    assert [p.name for p in out.iterdir()] == ["lines-0008.png"]
    assert "truth:" in printed and "prediction:" in printed
    assert "mean CER over 1 unseen-writer samples" in printed


@pytest.mark.parametrize("counts", [["--lines", "0", "--paragraphs", "0"], ["--lines", "-1"]])
def test_demo_refuses_counts_that_render_nothing(staged_lines, tmp_path, capsys, counts):
    assert main(["demo", "--model", str(staged_lines.folder), "--out", str(tmp_path), *counts]) == 2
    assert "must be >= 0" in capsys.readouterr().err
