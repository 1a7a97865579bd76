"""Staging a checkpoint: the files it writes, the weights it keeps, its model card, parity."""

from __future__ import annotations

import json
import re
import sys

import pytest
import torch

from tests.staged_models import transcribed_rates
from text_recognizer.data.fake import render_fake
from text_recognizer.errors import ExportParityError, StagedModelError
from text_recognizer.staging import load_staged

STAGED_FILES = ("model.pt", "model.ts", "model.onnx", "model_card.json", "model_card.md")


def test_staging_writes_every_file(staged_lines):
    for name in STAGED_FILES:
        assert (staged_lines.folder / name).stat().st_size > 0, name


@pytest.mark.slow
def test_paragraph_staging_also_writes_the_decoder_step(staged_paragraphs):
    for name in STAGED_FILES + ("model.decoder.onnx",):
        assert (staged_paragraphs.folder / name).stat().st_size > 0, name


def test_staged_model_reproduces_the_checkpoint_weights(staged_lines, line_checkpoint):
    from text_recognizer.lit_models import load_model_from_checkpoint

    trained, _ = load_model_from_checkpoint(line_checkpoint)
    staged = load_staged(staged_lines.folder).model
    for name, tensor in trained.state_dict().items():
        assert torch.equal(staged.state_dict()[name], tensor), name


def test_model_card_records_data_metrics_size_and_revision(staged_lines):
    card = json.loads((staged_lines.folder / "model_card.json").read_text())
    for field in ("kind", "version", "created", "git_revision", "parameters", "metrics", "data"):
        assert field in card, field
    assert card["parameters"] > 0
    assert (
        card["files"]["model.onnx"]["bytes"] == (staged_lines.folder / "model.onnx").stat().st_size
    )
    assert card["export"]["parity"]["atol"] > 0
    assert "# Model card" in (staged_lines.folder / "model_card.md").read_text()


def test_model_card_markdown_ends_with_exactly_one_newline(staged_lines):
    text = (staged_lines.folder / "model_card.md").read_text()
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_failed_parity_aborts_staging_without_leaving_a_folder(
    line_checkpoint, tmp_path, monkeypatch
):
    from text_recognizer import export_parity
    from text_recognizer.training.stage import stage

    def broken(model, images, widths, backends, *args, **kwargs):
        return [export_parity.ParityResult("onnx", "forward", 0.5, False)]

    monkeypatch.setattr(export_parity, "check_parity", broken)
    out = tmp_path / "staged"
    with pytest.raises(ExportParityError, match="onnx forward"):
        stage(line_checkpoint, out, images=[render_fake("lines", 0)[0]])
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_staging_a_missing_checkpoint_names_it(tmp_path):
    from text_recognizer.training.stage import stage

    with pytest.raises(StagedModelError, match="does not exist"):
        stage(tmp_path / "nope.ckpt", tmp_path / "out")


def test_staging_can_keep_only_the_weights(line_checkpoint, tmp_path):
    from text_recognizer.training.stage import stage

    report = stage(
        line_checkpoint, tmp_path / "small", images=[render_fake("lines", 0)[0]], formats=[]
    )
    names = sorted(path.name for path in report.folder.iterdir())
    assert names == ["model.pt", "model_card.json", "model_card.md"]
    assert all(result.passed for result in report.parity)  # exports were still checked


def test_without_the_onnx_package_staging_skips_the_onnx_export_and_says_so(
    line_checkpoint, tmp_path, monkeypatch
):
    from text_recognizer import export
    from text_recognizer.training import stage as staging

    def no_onnx(*args, **kwargs):
        raise AssertionError("the ONNX exporter ran without the onnx package")

    monkeypatch.setattr(staging, "_onnx_installed", lambda: False)
    monkeypatch.setattr(export, "save_onnx", no_onnx)
    report = staging.stage(
        line_checkpoint, tmp_path / "m", images=[render_fake("lines", 0)[0]], formats=[]
    )
    assert {result.backend for result in report.parity} == {"torchscript"}
    assert all(result.passed for result in report.parity)
    assert any("onnx is not installed" in note for note in report.card["export"]["parity"]["notes"])


def test_half_precision_staging_halves_the_weights_and_still_loads(line_checkpoint, tmp_path):
    from text_recognizer.training.stage import stage

    image = render_fake("lines", 0)[0]
    report = stage(line_checkpoint, tmp_path / "half", images=[image], formats=[], half=True)
    payload = torch.load(report.folder / "model.pt", weights_only=True)
    assert payload["state_dict"]["head.weight"].dtype == torch.float16
    assert load_staged(report.folder).model.head.weight.dtype == torch.float32
    assert all(result.passed for result in report.parity)


def test_staging_with_eval_data_records_the_staged_models_test_error(line_checkpoint, tmp_path):
    from text_recognizer.data.fake import write_fake_manifest
    from text_recognizer.training.stage import stage

    data = write_fake_manifest(tmp_path / "data", counts={"train": 1, "test": 3}).root
    image = render_fake("lines", 0)[0]
    report = stage(line_checkpoint, tmp_path / "m", images=[image], formats=[], eval_data=data)
    evaluation = report.card["evaluation"]
    assert evaluation["samples"] == 3 and evaluation["split"] == "test"
    cer, wer = transcribed_rates(report.folder, data)
    assert (evaluation["cer"], evaluation["wer"]) == pytest.approx((cer, wer))
    assert report.card["metrics"]["test cer (staged model)"] == round(cer, 4)
    assert "CER" in (report.folder / "model_card.md").read_text()


def test_staging_with_an_eval_limit_evaluates_that_many_test_samples(line_checkpoint, tmp_path):
    from text_recognizer.data.fake import write_fake_manifest
    from text_recognizer.training.stage import stage

    data = write_fake_manifest(tmp_path / "data", counts={"train": 1, "test": 3}).root
    image = render_fake("lines", 0)[0]
    report = stage(
        line_checkpoint, tmp_path / "m", images=[image], formats=[], eval_data=data, eval_limit=2
    )
    assert report.card["evaluation"]["samples"] == 2


def card_evaluation(writers: list[str], held_out: list[str]) -> dict:
    """An evaluation as the card records it: one perfectly read line per writer."""
    score = {"samples": 1, "cer": 0.0, "wer": 0.0}
    return {
        **dict.fromkeys(("data", "split", "kind", "model_version"), "x"),
        **dict.fromkeys(("samples", "cer", "wer", "seconds_per_sample"), 1),
        "by_writer": dict.fromkeys(writers, score),
        "held_out_writers": held_out,
    }


def test_the_card_counts_as_unseen_only_the_evaluated_writers_held_out_of_training():
    from text_recognizer.training.model_card import evaluation_markdown

    evaluation = card_evaluation(["seen-a", "held-b", "seen-c"], ["held-b", "not-evaluated"])
    text = evaluation_markdown(evaluation)
    assert "1 of 3 unseen in training" in text
    assert [row.split(" | ")[:2] for row in text.splitlines() if row.startswith("| seen")] == [
        ["| seen-a", "no"],
        ["| seen-c", "no"],
    ]


@pytest.mark.parametrize("extra", [-1, 0, 1], ids=["below", "at", "above"])
def test_the_card_tabulates_writers_up_to_the_row_limit_and_not_beyond(extra):
    from text_recognizer.evaluation import MAX_WRITER_ROWS
    from text_recognizer.training.model_card import evaluation_markdown

    writers = [f"writer-{index}" for index in range(MAX_WRITER_ROWS + extra)]
    evaluation = card_evaluation(writers, held_out=[])
    rows = [row for row in evaluation_markdown(evaluation).splitlines() if "| writer-" in row]
    assert len(rows) == (0 if extra > 0 else len(writers))


def test_staging_with_eval_data_tabulates_each_writer_on_the_card(
    line_checkpoint, two_writer_data, tmp_path
):
    from text_recognizer.training.stage import stage

    image = render_fake("lines", 0)[0]
    report = stage(
        line_checkpoint, tmp_path / "m", images=[image], formats=[], eval_data=two_writer_data
    )
    assert set(report.card["evaluation"]["by_writer"]) == {"seen", "unseen"}
    card = (report.folder / "model_card.md").read_text()
    assert "| writer | unseen | samples | CER | WER |" in card
    assert re.search(r"^\| unseen \| yes \| 1 \| \d+\.\d\d% \|", card, re.M), card
    assert re.search(r"^\| seen \| no \| 2 \|", card, re.M), card


def test_the_card_names_the_test_and_the_validation_writers_of_the_eval_data(
    line_checkpoint, tmp_path
):
    from text_recognizer.data.manifest import write_image_record, write_manifest
    from text_recognizer.training.stage import stage

    root = tmp_path / "writers"
    splits = {"test": "held-out-writer", "val": "val-writer", "train": "train-writer"}
    records = [
        write_image_record(root, f"{split}-0", *render_fake("lines", i), writer, split, "fake")
        for i, (split, writer) in enumerate(splits.items())
    ]
    metadata = {
        "kind": "lines",
        "source": "fake",
        "writer_rule": "by rank",
        "held_out_writers": ["held-out-writer"],
        "val_writers": ["val-writer"],
        "training_writers": ["train-writer", "another"],
    }
    write_manifest(root, records, metadata)
    image = render_fake("lines", 0)[0]
    report = stage(line_checkpoint, tmp_path / "m", images=[image], formats=[], eval_data=root)
    assert report.card["writers"] == {
        "rule": "by rank",
        "test": ["held-out-writer"],
        "val": ["val-writer"],
        "train": 2,
    }


def test_staging_without_eval_data_leaves_the_evaluation_empty(staged_lines):
    card = json.loads((staged_lines.folder / "model_card.json").read_text())
    assert card["evaluation"] is None
    assert "test split" not in (staged_lines.folder / "model_card.md").read_text()


def test_staging_without_onnx_keeps_torchscript_and_says_why_there_is_no_onnx(
    line_checkpoint, tmp_path, monkeypatch
):
    from text_recognizer.training.stage import stage

    monkeypatch.setitem(sys.modules, "onnx", None)  # as if the export extra were missing
    image = render_fake("lines", 0)[0]
    report = stage(line_checkpoint, tmp_path / "m", images=[image], formats=["torchscript"])
    assert sorted(report.card["files"]) == ["model.pt", "model.ts"]
    assert report.card["export"]["onnx"] == {}
    assert any(
        "text-recognizer[export]" in note for note in report.card["export"]["parity"]["notes"]
    )


def test_keeping_onnx_without_the_export_extra_is_refused_naming_it(
    line_checkpoint, tmp_path, monkeypatch
):
    from text_recognizer.extras import MissingExtraError
    from text_recognizer.training.stage import stage

    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(MissingExtraError, match=r"text-recognizer\[export\].*--keep torchscript"):
        stage(line_checkpoint, tmp_path / "m", images=[render_fake("lines", 0)[0]])
    assert not (tmp_path / "m").exists()


def test_half_precision_survives_calibration(line_checkpoint, tmp_path):
    """Staging with a calibration set re-saves model.pt with the fitted temperature: it must
    keep the float16 weights asked for."""
    from text_recognizer.data.fake import write_fake_manifest
    from text_recognizer.training.stage import stage

    data = write_fake_manifest(tmp_path / "data", counts={"train": 1, "val": 4, "test": 2}).root
    image = render_fake("lines", 0)[0]
    report = stage(
        line_checkpoint, tmp_path / "m", images=[image], formats=[], half=True, eval_data=data
    )
    payload = torch.load(report.folder / "model.pt", weights_only=True)
    assert payload["calibration"].get("temperature") is not None
    assert payload["state_dict"]["head.weight"].dtype == torch.float16


def test_stage_command_prints_what_it_staged_and_how_each_export_matched(
    line_checkpoint, tmp_path, capsys
):
    from text_recognizer.cli import main

    out = tmp_path / "staged"
    assert main(["stage", str(line_checkpoint), "--out", str(out), "--samples", "1"]) == 0
    printed = capsys.readouterr().out.splitlines()
    card = json.loads((out / "model_card.json").read_text(encoding="utf-8"))
    assert printed[0] == f"staged {card['name']} {card['version']} into {out}"
    assert f"  parameters: {card['parameters']:,}" in printed
    for name, info in card["files"].items():
        assert any(line.split() == [name, f"{info['bytes']:,}", "bytes"] for line in printed)
    parity = [line for line in printed if line.startswith("  parity ")]
    expected = card["export"]["parity"]["results"]
    assert len(parity) == len(expected)
    for line, result in zip(parity, expected):
        assert line.startswith(f"  parity {result['backend']:<11} {result['part']:<28} max |diff|")
        assert line.endswith("ok")


def test_parity_images_are_rendered_from_the_test_split_of_the_generator():
    from text_recognizer.data.synthetic import SyntheticConfig, render_sample, split_for_index
    from text_recognizer.training.stage import parity_images

    images, source = parity_images("lines", 2, seed=3)
    config = SyntheticConfig(kind="lines", seed=3)
    test_indices = [i for i in range(40) if split_for_index(i, config.split_fractions) == "test"]
    expected = [render_sample(config, index).image for index in test_indices[:2]]
    assert source == "synthetic test split (held-out fonts)"
    assert [image.tobytes() for image in images] == [image.tobytes() for image in expected]


def test_without_the_generator_parity_falls_back_to_fake_test_images_and_says_why(monkeypatch):
    from text_recognizer.data import synthetic
    from text_recognizer.training.stage import parity_images

    def no_fonts(*args, **kwargs):
        raise RuntimeError("no handwriting fonts installed")

    monkeypatch.setattr(synthetic, "render_sample", no_fonts)
    images, source = parity_images("lines", 2, seed=1)
    expected = [render_fake("lines", index, seed=1, split="test")[0] for index in range(2)]
    assert [image.tobytes() for image in images] == [image.tobytes() for image in expected]
    assert source == "fake printed test images (RuntimeError: no handwriting fonts installed)"
