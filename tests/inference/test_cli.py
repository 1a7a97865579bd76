"""The inference commands: predict (text and JSON lines), evaluate, stage."""

from __future__ import annotations

import json
import re

import pytest

from tests.staged_models import transcribed_rates
from text_recognizer.cli import main
from text_recognizer.data.fake import render_fake, write_fake_manifest


@pytest.fixture(scope="module")
def line_files(tmp_path_factory) -> list[str]:
    folder = tmp_path_factory.mktemp("line-images")
    paths = []
    for index in range(2):
        path = folder / f"line-{index}.png"
        render_fake("lines", index, split="test")[0].save(path)
        paths.append(str(path))
    return paths


def test_predict_json_prints_one_parsable_object_per_image(staged_lines, line_files, capsys):
    assert main(["predict", *line_files, "--model", str(staged_lines.folder), "--json"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    records = [json.loads(line) for line in lines]
    assert [record["image"] for record in records] == line_files
    for record in records:
        assert record["kind"] == "lines"
        assert isinstance(record["text"], str)
        assert 0.0 <= record["confidence"] <= 1.0


def test_predict_prints_text_and_confidence(staged_lines, line_files, capsys):
    assert main(["predict", line_files[0], "--model", str(staged_lines.folder)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{line_files[0]} (lines, confidence ")


@pytest.mark.parametrize("mode", ["line", "lines"])
def test_predict_accepts_both_spellings_of_the_mode(staged_lines, line_files, capsys, mode):
    args = ["predict", line_files[0], "--model", str(staged_lines.folder), "--mode", mode, "--json"]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["kind"] == "lines"


def test_predict_refuses_an_unknown_mode_naming_the_choices(staged_lines, line_files, capsys):
    with pytest.raises(SystemExit):
        main(["predict", line_files[0], "--model", str(staged_lines.folder), "--mode", "words"])
    assert "expected one of auto, lines, paragraphs" in capsys.readouterr().err


def test_predict_on_an_unreadable_file_is_a_clean_error(staged_lines, tmp_path, capsys):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"definitely not a png")
    assert main(["predict", str(bad), "--model", str(staged_lines.folder)]) == 2
    assert "cannot decode" in capsys.readouterr().err


@pytest.mark.parametrize("json_lines", [False, True])
def test_predict_reads_every_image_it_can_and_exits_2_if_any_failed(
    staged_lines, line_files, tmp_path, capsys, json_lines
):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"definitely not a png")
    argv = ["predict", line_files[0], str(bad), line_files[1], "--model", str(staged_lines.folder)]
    assert main(argv + (["--json"] if json_lines else [])) == 2
    captured = capsys.readouterr()
    assert captured.out.count(line_files[0]) == captured.out.count(line_files[1]) == 1
    failure = captured.out if json_lines else captured.err
    assert f"{bad}" in failure and "cannot decode" in failure


def test_evaluate_prints_cer_and_wer(staged_lines, tmp_path, capsys):
    data = tmp_path / "data"
    write_fake_manifest(data, "lines", {"test": 3})
    assert main(["evaluate", "--model", str(staged_lines.folder), "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^CER\s+\d+\.\d\d %$", out, re.M), out
    assert re.search(r"^WER\s+\d+\.\d\d %$", out, re.M), out
    assert re.search(r"^samples\s+3$", out, re.M), out


def test_evaluate_json_reports_the_rates_of_the_transcriptions(staged_lines, tmp_path, capsys):
    data = tmp_path / "data"
    write_fake_manifest(data, "lines", {"test": 2})
    args = ["evaluate", "--model", str(staged_lines.folder), "--data", str(data), "--json"]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["samples"] == 2 and result["split"] == "test"
    cer, wer = transcribed_rates(staged_lines.folder, data)
    assert (result["cer"], result["wer"]) == pytest.approx((cer, wer))


def test_evaluate_scores_each_writer_separately(staged_lines, two_writer_data):
    from text_recognizer.evaluation import evaluate_folder
    from text_recognizer.recognizer import Recognizer

    result = evaluate_folder(Recognizer.load(staged_lines.folder), two_writer_data)
    assert {name: score.samples for name, score in result.by_writer.items()} == {
        "seen": 2,
        "unseen": 1,
    }
    assert result.held_out_writers == ("unseen",)
    for writer, score in result.by_writer.items():
        expected = transcribed_rates(staged_lines.folder, two_writer_data, writer)
        assert (score.cer, score.wer) == pytest.approx(expected), writer


def lines_written_by(root, writers: list[str]):
    """A data set at ``root`` of fake test-split lines, the ``k``-th written by ``writers[k]``."""
    from text_recognizer.data.manifest import write_image_record, write_manifest

    records = [
        write_image_record(root, f"w-{index}", *render_fake("lines", index), writer, "test", "fake")
        for index, writer in enumerate(writers)
    ]
    write_manifest(root, records, {"kind": "lines", "source": "fake"})
    return root


def test_the_legacy_group_scores_exactly_the_legacy_writers_lines(staged_lines, tmp_path):
    """The group comparable with older models holds the lines of the writers held out before
    the library grew, and no others."""
    from text_recognizer.data.fonts import LEGACY_TEST_WRITERS
    from text_recognizer.evaluation import LEGACY_GROUP, evaluate_folder
    from text_recognizer.recognizer import Recognizer

    root = lines_written_by(tmp_path / "mixed", [LEGACY_TEST_WRITERS[0], "newer", "newer"])
    result = evaluate_folder(Recognizer.load(staged_lines.folder), root)
    group, legacy = result.by_group[LEGACY_GROUP], result.by_writer[LEGACY_TEST_WRITERS[0]]
    assert (group.samples, group.cer, group.wer) == (legacy.samples, legacy.cer, legacy.wer)


class ReadsEveryLineAsText:
    """A recognizer that reads every line as ``"text"``: what is grouped, not what is read."""

    model_version = "stand-in"

    def predict_batch(self, images, mode="auto"):
        from text_recognizer.prediction import Prediction

        return [Prediction("text", 0.5, "lines", [0.5] * 4) for _ in images]


@pytest.mark.parametrize("legacy_share", ["all", "none"])
def test_the_legacy_group_is_left_out_when_it_is_all_or_none_of_the_writers(tmp_path, legacy_share):
    """A group that is every line repeats the overall rates, and one of no lines has none."""
    from text_recognizer.data.fonts import LEGACY_TEST_WRITERS
    from text_recognizer.evaluation import evaluate_folder

    writer = LEGACY_TEST_WRITERS[0] if legacy_share == "all" else "newer"
    root = lines_written_by(tmp_path / "one-kind-of-writer", [writer, writer])
    assert evaluate_folder(ReadsEveryLineAsText(), root).by_group == {}


def test_evaluate_prints_a_row_per_writer_marking_held_out_ones(
    staged_lines, two_writer_data, capsys
):
    assert (
        main(["evaluate", "--model", str(staged_lines.folder), "--data", str(two_writer_data)]) == 0
    )
    out = capsys.readouterr().out
    assert re.search(r"^unseen\s+1\s+\d+\.\d\d%\s+\d+\.\d\d%  \(held out\)$", out, re.M), out
    assert re.search(r"^seen\s+2\s+\d+\.\d\d%\s+\d+\.\d\d%$", out, re.M), out


@pytest.mark.slow
def test_stage_command_reports_files_and_parity(line_checkpoint, tmp_path, capsys):
    out = tmp_path / "staged"
    assert main(["stage", str(line_checkpoint), "--out", str(out), "--samples", "1"]) == 0
    printed = capsys.readouterr().out
    assert "model.onnx" in printed and "parity torchscript" in printed
    assert (out / "model.pt").is_file()


@pytest.mark.slow
def test_bench_prints_a_latency_table(staged_lines, capsys):
    args = ["bench", "--model", str(staged_lines.folder), "--repeats", "2", "--batch-sizes", "1"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "p50 ms" in out and "line latency" in out and "line throughput" in out


@pytest.mark.slow
def test_bench_times_segmented_paragraphs_for_a_lines_only_model(staged_lines, capsys):
    args = ["bench", "--model", str(staged_lines.folder), "--repeats", "2", "--batch-sizes", "1"]
    assert main(args) == 0
    rows = [row for row in capsys.readouterr().out.splitlines() if "paragraph" in row]
    assert rows and all("segmented into lines" in row for row in rows)


class _TruthReader:
    """A recognizer that reads every image of a manifest as its label, confidence 0.9."""

    model_version = "truth-reader"

    def __init__(self, manifest) -> None:
        self.texts = {str(manifest.root / record.path): record.text for record in manifest.records}

    def predict_batch(self, paths, mode="auto"):
        from text_recognizer.prediction import Prediction

        return [
            Prediction(text, 0.9, mode, [0.9] * len(text))
            for text in (self.texts[str(path)] for path in paths)
        ]


def test_a_perfect_reading_of_paragraphs_is_calibrated_as_fully_accurate(tmp_path):
    """Readings and references are compared alike (newlines dropped from both), so a reading
    that equals its multi-line label is 100 % accurate, not wrong at every line break."""
    from text_recognizer.data.fake import write_fake_manifest
    from text_recognizer.evaluation import evaluate_folder

    manifest = write_fake_manifest(tmp_path / "paragraphs", "paragraphs", {"test": 6}, seed=1)
    assert any("\n" in record.text for record in manifest.records)
    result = evaluate_folder(_TruthReader(manifest), tmp_path / "paragraphs")
    assert result.cer == 0.0
    assert result.calibration["mean_accuracy"] == pytest.approx(1.0)


def test_evaluation_reads_every_image_as_the_data_sets_kind(tmp_path):
    """A paragraph set is read as paragraphs even where an image looks like one line."""
    from text_recognizer.data.fake import write_fake_manifest
    from text_recognizer.evaluation import evaluate_folder

    manifest = write_fake_manifest(tmp_path / "paragraphs", "paragraphs", {"test": 4}, seed=2)
    reader = _TruthReader(manifest)
    modes = []
    predict = reader.predict_batch
    reader.predict_batch = lambda paths, mode="auto": modes.append(mode) or predict(paths, mode)
    evaluate_folder(reader, tmp_path / "paragraphs")
    assert modes and set(modes) == {"paragraphs"}
