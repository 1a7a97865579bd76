"""Calibration: accuracies and ECE as defined, and a temperature that fixes over-confidence."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from text_recognizer import calibration
from text_recognizer.calibration import LineOutput
from text_recognizer.vocab import DEFAULT_VOCABULARY

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def test_character_accuracy_is_one_minus_cer_floored_at_zero() -> None:
    assert calibration.character_accuracy("hello", "hello") == 1.0
    assert calibration.character_accuracy("help", "hello") == pytest.approx(0.6)
    assert calibration.character_accuracy("completely different", "ab") == 0.0


def test_every_predicted_character_is_marked_right_or_wrong() -> None:
    assert calibration.correct_characters("abXd", "abcd") == [True, True, False, True]
    assert calibration.correct_characters("abcd", "abd") == [True, True, False, True]
    assert calibration.correct_characters("", "abc") == []


def test_a_confidence_of_one_falls_in_the_last_bin() -> None:
    bins = calibration.reliability([1.0, 0.05], [1.0, 0.0])
    assert bins[-1].count == 1 and bins[0].count == 1 and len(bins) == calibration.BINS


def test_ece_weights_each_bin_by_its_samples() -> None:
    confidences = [0.95] * 3 + [0.15]
    accuracies = [0.65] * 3 + [0.15]
    assert calibration.expected_calibration_error(confidences, accuracies) == pytest.approx(0.225)


def test_ece_refuses_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="confidences"):
        calibration.expected_calibration_error([0.5], [0.5, 0.5])


def overconfident_lines(count: int = 120, seed: int = 0) -> list[LineOutput]:
    """Lines whose frames put a sharp peak on the greedy label, which is wrong a third of the
    time: an over-confident model."""
    rng = np.random.default_rng(seed)
    vocab = DEFAULT_VOCABULARY
    letters = "abcdefghij"
    outputs = []
    for _ in range(count):
        truth = "".join(rng.choice(list(letters), size=6))
        frames = torch.full((12, len(vocab)), -8.0)
        for position, char in enumerate(truth):
            shown = char if rng.random() < 0.67 else letters[(letters.index(char) + 1) % 10]
            frames[2 * position, vocab.encode(shown)[0]] = 0.0
            frames[2 * position + 1, vocab.blank_index] = 0.0
        outputs.append(LineOutput(torch.log_softmax(frames, dim=-1), truth))
    return outputs


def test_an_overconfident_model_reports_a_large_ece() -> None:
    report = calibration.report(overconfident_lines(), temperature=1.0)
    assert report.mean_confidence > 0.95 and report.mean_accuracy < 0.75
    assert report.line_ece > 0.2 and report.char_ece > 0.2


def test_the_fitted_temperature_brings_confidence_to_the_accuracy() -> None:
    outputs = overconfident_lines()
    temperature = calibration.fit_temperature(outputs)
    after = calibration.report(outputs, temperature)
    assert temperature > 1.0
    assert after.line_ece < 0.06
    assert after.mean_confidence == pytest.approx(after.mean_accuracy, abs=0.05)


def test_temperature_never_changes_the_text() -> None:
    outputs = overconfident_lines(20)
    cold, hot = calibration._decode(outputs, 1.0), calibration._decode(outputs, 4.0)
    assert [item.text for item in cold] == [item.text for item in hot]
    assert all(h.confidence < c.confidence for c, h in zip(cold, hot))


def test_calibrate_describes_the_fit_for_the_model_card() -> None:
    fit = calibration.calibrate(overconfident_lines(60), "unit-test lines")
    assert fit["fitted_on"] == "unit-test lines" and fit["lines"] == 60
    assert fit["line_ece_after"] < fit["line_ece_before"]
    assert math.isfinite(fit["temperature"])


texts = st.text(alphabet="abc ", max_size=8)


@given(texts, texts)
def test_character_accuracy_and_correct_characters_agree_with_the_edit_distance(
    prediction: str, truth: str
) -> None:
    """The calibration's own alignment (it must mark characters, so it keeps the whole table)
    against the metrics' edit distance, for any pair: the same number of errors, and every
    predicted character that no edit touches is marked right."""
    from text_recognizer.metrics import edit_distance

    edits = edit_distance(prediction, truth)
    if truth:
        expected = max(0.0, 1.0 - edits / len(truth))
        assert calibration.character_accuracy(prediction, truth) == pytest.approx(expected)
    right = sum(calibration.correct_characters(prediction, truth))
    assert len(prediction) - edits <= right <= min(len(prediction), len(truth))
