"""The committed loss-ranked suite re-checked with the default model, and the suite mechanism.

Mine it (and its grid) with ``text-recognizer regress mine --model DIR --data VAL_DIR --k 32
--out tests/regression/loss_ranked.json --grid docs/loss_ranked.png``.
"""

from __future__ import annotations

import json

import pytest
import torch
from PIL import Image

from tests.regression.conftest import SUITE_FILE, stage_tiny_lines
from text_recognizer.data.manifest import read_manifest
from text_recognizer.data.preprocess import input_tensor, open_image, preprocess_line
from text_recognizer.errors import GoldenError
from text_recognizer.testing import (
    loss_ranked,
    loss_ranked_check,
    loss_ranked_scoring,
    loss_ranked_tags,
)
from text_recognizer.testing.loss_ranked_grid import render_grid


def test_committed_suite_does_not_regress(default_model, regenerated):
    """Every frozen example within its loss/CER margin; the per-suite table is the message."""
    if not SUITE_FILE.is_file():
        pytest.fail(
            f"no loss-ranked suite at {SUITE_FILE}: mine it with `{loss_ranked.MINE_COMMAND}`",
            pytrace=False,
        )
    result = loss_ranked_check.check_suite(SUITE_FILE, default_model)
    print(result.table())
    if not result.passed:
        pytest.fail(
            f"failure rate {100 * result.failure_rate:.1f} % > allowed "
            f"{100 * result.suite.max_failure_rate:.1f} %\n{result.report()}",
            pytrace=False,
        )


# -- the mechanism, on a tiny random model and fake printed lines -----------------------------


@pytest.fixture
def mined(tmp_path, tiny_model_dir, tiny_val_dir):
    out = tmp_path / "suite" / "loss_ranked.json"
    suite = loss_ranked.mine(tiny_model_dir, tiny_val_dir, out, k=4)
    return out, suite


def test_mine_freezes_the_k_highest_loss_examples_by_id_and_hash(
    mined, tiny_model_dir, tiny_val_dir
):
    out, suite = mined
    manifest = read_manifest(tiny_val_dir)
    by_id = {record.id: record for record in manifest.records}
    staged = loss_ranked_scoring.load_kind(tiny_model_dir, "lines")
    records = list(by_id.values())
    inputs = [
        loss_ranked_scoring.model_input_image(open_image(manifest.root / r.path), "lines")
        for r in records
    ]
    losses = sorted(
        (
            s.loss
            for s in loss_ranked_scoring.score_images(
                staged.model, "lines", inputs, [r.text for r in records]
            )
        ),
        reverse=True,
    )
    assert [e.loss for e in suite.examples] == pytest.approx(losses[:4], abs=1e-5)
    assert all(
        e.sha256 == by_id[e.id].sha256 and e.text == by_id[e.id].text for e in suite.examples
    )
    assert loss_ranked.read_suite(out) == suite


def test_frozen_image_reproduces_the_model_input_exactly(mined, tiny_val_dir):
    out, suite = mined
    example = suite.examples[0]
    manifest = read_manifest(tiny_val_dir)
    record = next(r for r in manifest.records if r.id == example.id)
    original = preprocess_line(open_image(manifest.root / record.path))
    frozen = input_tensor(Image.open(out.parent / example.file), "lines")
    assert torch.equal(frozen, original)


def test_recheck_with_the_same_model_passes(mined, tiny_model_dir):
    out, _ = mined
    result = loss_ranked_check.check_suite(out, tiny_model_dir)
    assert result.passed and result.failure_rate == 0.0
    assert all(abs(c.score.loss - c.example.loss) < 1e-4 for c in result.checks)


def test_worse_model_fails_examples_and_reports_the_failure_rate(mined, tmp_path):
    out, suite = mined
    worse = stage_tiny_lines(tmp_path / "worse", version="lines-worse", head_bias={5: 20.0})
    result = loss_ranked_check.check_suite(out, worse)
    assert result.failure_rate == 1.0 and not result.passed
    report = result.report()
    assert "4 frozen example(s) got worse" in report and suite.examples[0].id in report
    assert "100.0%" in result.table()


def test_user_tags_form_named_suites_with_their_own_results(mined, tiny_model_dir):
    out, suite = mined
    chosen = suite.examples[1].id
    loss_ranked.add_tags(out, [chosen], ["my hard case"])
    result = loss_ranked_check.check_suite(out, tiny_model_dir)
    rows = {row.tag: row for row in result.by_tag()}
    assert rows["my hard case"].examples == 1 and rows["all"].examples == 4
    assert "my hard case" in result.table()


def test_tagging_an_unknown_id_is_refused(mined):
    out, _ = mined
    with pytest.raises(GoldenError, match="no frozen example with id nope"):
        loss_ranked.add_tags(out, ["nope"], ["x"])


def test_user_tags_survive_re_mining(mined, tiny_model_dir, tiny_val_dir):
    out, suite = mined
    loss_ranked.add_tags(out, [suite.examples[0].id], ["reviewed"])
    again = loss_ranked.mine(tiny_model_dir, tiny_val_dir, out, k=4)
    assert "reviewed" in again.examples[0].tags


def test_refreeze_records_the_new_model_and_logs_the_change(mined, tmp_path):
    out, suite = mined
    other = stage_tiny_lines(tmp_path / "other", seed=2, version="lines-other")
    entry = loss_ranked_check.refreeze(out, other, "new model")
    refrozen = loss_ranked.read_suite(out)
    assert [e.id for e in refrozen.examples] == [e.id for e in suite.examples]
    assert refrozen.model_version == "lines-other" and refrozen.reason == "new model"
    assert entry.old_model == suite.model_version and entry.changes
    assert loss_ranked_check.check_suite(out, other).passed


def test_grid_shows_every_example(mined, tmp_path):
    out, suite = mined
    grid = render_grid(out, tmp_path / "grid.png", columns=2)
    with Image.open(grid) as image:
        assert image.width == 2 * (720 + 16) and image.height > 2 * 60


def test_tampered_frozen_image_is_refused(mined, tiny_model_dir):
    out, suite = mined
    path = out.parent / suite.examples[0].file
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(GoldenError, match="does not match its SHA-256"):
        loss_ranked_check.check_suite(out, tiny_model_dir)


def test_missing_suite_names_the_mining_command(tmp_path):
    with pytest.raises(GoldenError, match="regress mine"):
        loss_ranked.read_suite(tmp_path / "none.json")


def test_digits_and_slant_are_tagged_automatically():
    image = Image.new("L", (200, 40), 255)
    from PIL import ImageDraw

    draw = ImageDraw.Draw(image)
    for x in range(10, 190, 12):  # strokes leaning right by 0.75 px per row
        draw.line((x + 15, 5, x, 35), fill=0, width=3)
    tags = loss_ranked_tags.auto_tags(image, "call 555 0199")
    assert "digits" in tags and "slanted" in tags
    upright = Image.new("L", (200, 40), 255)
    for x in range(10, 190, 12):
        ImageDraw.Draw(upright).line((x, 5, x, 35), fill=0, width=3)
    assert "slanted" not in loss_ranked_tags.auto_tags(upright, "no numbers")


def test_suite_file_is_plain_json(mined):
    out, _ = mined
    payload = json.loads(out.read_text())
    assert payload["format"] == loss_ranked.SUITE_FORMAT and len(payload["examples"]) == 4


@pytest.mark.slow
def test_paragraph_suite_recheck_reproduces_loss_and_prediction_in_any_batch(tmp_path):
    """A random paragraph model never emits <end>: per-sample decoding caps must still make
    the prediction independent of the batch it was scored in."""
    from text_recognizer.data.fake import write_fake_manifest
    from text_recognizer.models import build_model
    from text_recognizer.staging import MODEL_FILE, model_payload

    torch.manual_seed(0)
    model = build_model("paragraph_transformer", "tiny").eval()
    (tmp_path / "model").mkdir()
    torch.save(model_payload("paragraphs", model, {}, "p-tiny"), tmp_path / "model" / MODEL_FILE)
    write_fake_manifest(tmp_path / "val", "paragraphs", {"train": 0, "val": 4})
    out = tmp_path / "suite.json"
    suite = loss_ranked.mine(tmp_path / "model", tmp_path / "val", out, k=2, batch_size=4)
    result = loss_ranked_check.check_suite(out, tmp_path / "model", batch_size=1)
    assert [c.score.prediction for c in result.checks] == [e.prediction for e in suite.examples]
    assert result.passed
