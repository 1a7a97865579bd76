"""Golden transcriptions of the committed fixed samples, and the golden mechanism itself.

Regenerate deliberately: ``pytest tests/regression --regen-goldens --regen-reason "why"``.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from PIL import Image, ImageOps

from tests.regression.conftest import GOLDENS_DIR, SAMPLES_DIR, committed_sample_ids
from text_recognizer.errors import GoldenError
from text_recognizer.testing import goldens
from text_recognizer.testing.fixed_samples import (
    SAMPLES_FILE,
    generate_fixed_samples,
    read_fixed_samples,
)
from text_recognizer.testing.regenerate import regenerate_goldens

MAX_SAMPLES_BYTES = 500_000


@pytest.fixture(scope="module")
def default_goldens(regenerated):
    try:
        return goldens.read_transcription_goldens(GOLDENS_DIR / goldens.TRANSCRIPTIONS_FILE)
    except GoldenError as error:
        problem = str(error)
    pytest.fail(problem, pytrace=False)


@pytest.fixture(scope="module")
def default_predictions(default_model, fixed_samples):
    return goldens.transcribe(default_model, SAMPLES_DIR, fixed_samples)[0]


# -- the committed set ------------------------------------------------------------------------


def test_committed_samples_match_their_recorded_hashes():
    samples = read_fixed_samples(SAMPLES_DIR)
    assert {s.kind for s in samples} == {"lines", "paragraphs"}


def test_committed_samples_stay_small():
    total = sum(path.stat().st_size for path in SAMPLES_DIR.iterdir())
    assert total < MAX_SAMPLES_BYTES, f"{SAMPLES_DIR} holds {total} bytes"


@pytest.mark.parametrize("sample_id", committed_sample_ids())
def test_transcription_matches_its_golden(
    sample_id, default_goldens, default_predictions, fixed_samples
):
    """Exactly for a stable sample, within the sample's CER tolerance otherwise."""
    truth = {s.id: s.text for s in fixed_samples}[sample_id]
    if sample_id not in default_predictions:
        pytest.skip(f"the default model has no model for {sample_id}'s kind")
    if sample_id not in default_goldens.samples:
        pytest.fail(f"{sample_id} has no golden: run `{goldens.REGENERATE_COMMAND}`", pytrace=False)
    mismatch = goldens.compare_transcription(
        default_goldens.samples[sample_id], default_predictions[sample_id], truth
    )
    if mismatch is not None:
        pytest.fail(mismatch.describe(), pytrace=False)


def test_mean_cer_against_truth_stays_within_recorded_margin(
    default_goldens, default_predictions, fixed_samples
):
    mean = goldens.mean_cer(default_predictions, fixed_samples)
    if mean > default_goldens.mean_cer + default_goldens.margin:
        pytest.fail(
            f"mean CER vs ground truth {mean:.4f} > recorded {default_goldens.mean_cer:.4f} "
            f"+ margin {default_goldens.margin:.4f}",
            pytrace=False,
        )


@pytest.fixture(scope="module")
def default_recognizer(default_model):
    from text_recognizer.recognizer import Recognizer

    return Recognizer.load(default_model)


@pytest.mark.parametrize("sample_id", committed_sample_ids())
def test_a_sample_written_light_on_dark_reads_exactly_as_the_sample(
    sample_id, default_recognizer, default_predictions, fixed_samples
):
    """Polarity is normalised away: the inverted image gives the same transcription."""
    sample = {s.id: s for s in fixed_samples}[sample_id]
    if sample_id not in default_predictions:
        pytest.skip(f"the default model has no model for {sample_id}'s kind")
    with Image.open(SAMPLES_DIR / sample.file) as image:
        inverted = ImageOps.invert(image.convert("L"))
    reading = default_recognizer.predict(inverted, mode=sample.kind).text
    assert reading == default_predictions[sample_id]


# -- the mechanism, on a tiny random model ----------------------------------------------------


@pytest.fixture
def tiny_goldens(tmp_path, tiny_model_dir, tiny_samples_dir):
    """Goldens of the tiny model on three samples, written to a temporary folder."""
    samples = read_fixed_samples(tiny_samples_dir)
    predictions, version = goldens.transcribe(tiny_model_dir, tiny_samples_dir, samples)
    built = goldens.build_transcription_goldens(predictions, samples, version, "test")
    path = tmp_path / "goldens" / goldens.TRANSCRIPTIONS_FILE
    path.parent.mkdir()
    path.write_text(built.to_json(), encoding="utf-8")
    return path, samples, predictions


def test_missing_golden_fails_naming_the_regenerate_command(tmp_path):
    with pytest.raises(GoldenError, match="--regen-goldens"):
        goldens.read_transcription_goldens(tmp_path / goldens.TRANSCRIPTIONS_FILE)


def test_unchanged_model_matches_its_goldens(tiny_goldens):
    path, samples, predictions = tiny_goldens
    golden = goldens.read_transcription_goldens(path)
    assert all(
        goldens.compare_transcription(golden.samples[s.id], predictions[s.id], s.text) is None
        for s in samples
    )


def test_changed_golden_fails_with_a_readable_diff(tiny_goldens):
    path, samples, predictions = tiny_goldens
    sample = samples[0]
    golden = goldens.read_transcription_goldens(path).samples[sample.id]
    moved = replace(golden, prediction=golden.prediction + "XYZ", tolerance=0.01)
    mismatch = goldens.compare_transcription(moved, predictions[sample.id], sample.text)
    assert mismatch is not None
    text = mismatch.describe()
    assert f"expected: {moved.prediction!r}" in text
    assert f"got:      {predictions[sample.id]!r}" in text
    assert "[-XYZ-]" in text and "CER vs golden" in text


def test_stable_sample_fails_on_any_change_while_tolerant_one_absorbs_it():
    golden = goldens.GoldenTranscription("s", "hello world", 0.0, tolerance=0.1, stable=False)
    assert goldens.compare_transcription(golden, "hello wor1d", "hello world") is None
    stable = replace(golden, stable=True)
    assert goldens.compare_transcription(stable, "hello wor1d", "hello world") is not None


def test_regeneration_restores_goldens_and_logs_reason_and_metrics(
    tiny_goldens, tiny_model_dir, tiny_samples_dir
):
    path, samples, predictions = tiny_goldens
    payload = json.loads(path.read_text(encoding="utf-8"))
    payload["samples"][0]["prediction"] = "<>"
    payload["mean_cer"] = 0.5
    path.write_text(json.dumps(payload), encoding="utf-8")
    report = regenerate_goldens(
        "retrained on more data", tiny_samples_dir, path.parent, tiny_model_dir
    )
    restored = goldens.read_transcription_goldens(path)
    assert restored.samples[samples[0].id].prediction == predictions[samples[0].id]
    assert restored.reason == "retrained on more data"
    log = report.changelog.read_text(encoding="utf-8")
    assert "reason: retrained on more data" in log
    assert f"mean CER vs ground truth: 0.5 -> {restored.mean_cer:.6g}" in log
    assert f"{samples[0].id}: [-<>-]" in log
    assert "git revision:" in log


def test_regeneration_keeps_hand_set_tolerances(tiny_goldens, tiny_model_dir, tiny_samples_dir):
    path, samples, _ = tiny_goldens
    payload = json.loads(path.read_text(encoding="utf-8"))
    payload["samples"][1]["tolerance"] = 0.25
    path.write_text(json.dumps(payload), encoding="utf-8")
    regenerate_goldens("keep", tiny_samples_dir, path.parent, tiny_model_dir)
    assert goldens.read_transcription_goldens(path).samples[samples[1].id].tolerance == 0.25


def test_regeneration_without_a_reason_is_refused(tmp_path, tiny_model_dir, tiny_samples_dir):
    with pytest.raises(GoldenError, match="needs a reason"):
        regenerate_goldens("  ", tiny_samples_dir, tmp_path, tiny_model_dir)


def test_absent_model_is_reported_with_the_staging_command(tmp_path):
    with pytest.raises(GoldenError, match="no default model staged: run `text-recognizer stage"):
        goldens.require_staged_model(tmp_path / "nothing")


def test_tampered_sample_image_is_refused(tiny_samples_dir):
    image = next(tiny_samples_dir.glob("*.png"))
    image.write_bytes(image.read_bytes() + b"\0")
    with pytest.raises(GoldenError, match="does not match its SHA-256"):
        read_fixed_samples(tiny_samples_dir)


@pytest.mark.slow
def test_documented_command_reproduces_the_committed_first_line(tmp_path):
    committed = json.loads((SAMPLES_DIR / SAMPLES_FILE).read_text(encoding="utf-8"))
    generate_fixed_samples(tmp_path, seed=committed["seed"], lines=1, paragraphs=0)
    fresh = read_fixed_samples(tmp_path)[0]
    assert (fresh.id, fresh.sha256) == (
        committed["samples"][0]["id"],
        committed["samples"][0]["sha256"],
    )
