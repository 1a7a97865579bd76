"""Confidence that means something: measure it (ECE, reliability), and fit a temperature.

A line's confidence is the mean of its character confidences (:mod:`text_recognizer.decoding`),
so it should equal the share of the line's characters that are right: its *character accuracy*,
``max(0, 1 - CER)``. A recognizer trained to sharp softmax outputs is over-confident on writers
it never saw (mean confidence 0.92 where the accuracy was 0.78), which is the worst way to be
wrong. One parameter fixes most of that: a temperature dividing the log-probabilities. It is
fitted when a model is staged, on the validation split, whose writers are unseen by training
(:data:`text_recognizer.data.fonts.WRITER_RULE`), by minimising the squared gap between line
confidence and line accuracy over a grid of temperatures. Greedy decoding picks the same text at
every temperature, so only the confidences move.

The expected calibration error (ECE) is the sample-weighted mean, over ten equal-width bins of
confidence, of ``|mean confidence - mean accuracy|``; it is reported for lines (accuracy: the
character accuracy) and for characters (accuracy: whether the character is right, from an
edit-distance alignment with the truth).
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass
from typing import Any, Sequence

import numpy as np
import torch

from text_recognizer import decoding

BINS = 10
#: Temperatures tried when fitting: 0.5 to 8, evenly spaced in log.
TEMPERATURES = tuple(float(t) for t in np.exp(np.linspace(math.log(0.5), math.log(8.0), 81)))


def _edit_table(prediction: str, truth: str) -> np.ndarray:
    """Levenshtein table: ``table[i, j]`` edits between ``prediction[:i]`` and ``truth[:j]``."""
    table = np.zeros((len(prediction) + 1, len(truth) + 1), dtype=np.int32)
    table[:, 0] = np.arange(len(prediction) + 1)
    table[0, :] = np.arange(len(truth) + 1)
    for i, char in enumerate(prediction, start=1):
        for j, other in enumerate(truth, start=1):
            table[i, j] = min(
                table[i - 1, j] + 1, table[i, j - 1] + 1, table[i - 1, j - 1] + (char != other)
            )
    return table


def character_accuracy(prediction: str, truth: str) -> float:
    """``max(0, 1 - CER)`` of one line; an empty truth is read right only by an empty text.

    >>> character_accuracy("hallo", "hello"), character_accuracy("", ""), character_accuracy("x", "")
    (0.8, 1.0, 0.0)
    """
    if not truth:
        return 1.0 if not prediction else 0.0
    edits = int(_edit_table(prediction, truth)[-1, -1])
    return max(0.0, 1.0 - edits / len(truth))


def correct_characters(prediction: str, truth: str) -> list[bool]:
    """For each character of ``prediction``: whether an optimal alignment with ``truth`` matches
    it to the same character (substituted and inserted characters are wrong).

    >>> correct_characters("hallo", "hello")
    [True, False, True, True, True]
    """
    table = _edit_table(prediction, truth)
    right = [False] * len(prediction)
    i, j = len(prediction), len(truth)
    while i > 0:
        if j > 0 and table[i, j] == table[i - 1, j - 1] + (prediction[i - 1] != truth[j - 1]):
            right[i - 1] = prediction[i - 1] == truth[j - 1]
            i, j = i - 1, j - 1
        elif table[i, j] == table[i - 1, j] + 1:
            i -= 1  # an inserted character: wrong
        else:
            j -= 1  # a deleted character of the truth
    return right


@dataclass(frozen=True)
class ReliabilityBin:
    """Samples whose confidence fell in ``[low, high)``: their mean confidence and accuracy."""

    low: float
    high: float
    count: int
    confidence: float
    accuracy: float


def reliability(
    confidences: Sequence[float], accuracies: Sequence[float], bins: int = BINS
) -> list[ReliabilityBin]:
    """Equal-width confidence bins (the last one includes 1.0); empty bins are kept, count 0."""
    conf = np.asarray(confidences, dtype=np.float64)
    acc = np.asarray(accuracies, dtype=np.float64)
    if conf.shape != acc.shape:
        raise ValueError(f"{conf.size} confidences for {acc.size} accuracies")
    index = np.minimum((conf * bins).astype(int), bins - 1)
    result = []
    for b in range(bins):
        chosen = index == b
        count = int(chosen.sum())
        result.append(
            ReliabilityBin(
                low=b / bins,
                high=(b + 1) / bins,
                count=count,
                confidence=float(conf[chosen].mean()) if count else 0.0,
                accuracy=float(acc[chosen].mean()) if count else 0.0,
            )
        )
    return result


def expected_calibration_error(
    confidences: Sequence[float], accuracies: Sequence[float], bins: int = BINS
) -> float:
    """Sample-weighted mean gap between confidence and accuracy over the bins.

    >>> expected_calibration_error([0.9, 0.9], [1.0, 0.8])
    0.0
    >>> round(expected_calibration_error([0.95, 0.95], [0.5, 0.5]), 3)
    0.45
    """
    table = reliability(confidences, accuracies, bins)
    total = sum(item.count for item in table)
    if total == 0:
        return 0.0
    return sum(item.count * abs(item.confidence - item.accuracy) for item in table) / total


@dataclass(frozen=True)
class LineOutput:
    """What a line model made of one line: its frame log-probabilities and the true text."""

    log_probs: torch.Tensor  # (T, C)
    truth: str


@dataclass(frozen=True)
class CalibrationReport:
    """Line- and character-level calibration of a set of lines at one temperature."""

    temperature: float
    lines: int
    characters: int
    mean_confidence: float
    mean_accuracy: float
    line_ece: float
    char_ece: float
    line_bins: list[ReliabilityBin]
    char_bins: list[ReliabilityBin]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _decode(outputs: Sequence[LineOutput], temperature: float) -> list[decoding.Decoded]:
    decoded = []
    for start in range(0, len(outputs), 256):
        chunk = outputs[start : start + 256]
        width = max(item.log_probs.shape[0] for item in chunk)
        padded = torch.full((len(chunk), width, chunk[0].log_probs.shape[1]), -1e4)
        for row, item in enumerate(chunk):
            padded[row, : item.log_probs.shape[0]] = item.log_probs
        lengths = torch.tensor([item.log_probs.shape[0] for item in chunk])
        decoded += decoding.ctc_greedy(padded, lengths, temperature=temperature)
    return decoded


def assess(
    texts: Sequence[str],
    confidences: Sequence[float],
    char_confidences: Sequence[Sequence[float]],
    truths: Sequence[str],
    temperature: float = 1.0,
    bins: int = BINS,
) -> CalibrationReport:
    """How well the confidences of readings ``texts`` match their accuracy against ``truths``."""
    if not texts or len(texts) != len(truths):
        raise ValueError(f"calibration needs readings of lines: {len(texts)} for {len(truths)}")
    line_acc = [character_accuracy(text, truth) for text, truth in zip(texts, truths)]
    char_conf = [value for values in char_confidences for value in values]
    char_acc = [
        float(right)
        for text, truth in zip(texts, truths)
        for right in correct_characters(text, truth)
    ]
    if len(char_conf) != len(char_acc):
        raise ValueError("every read character needs one confidence")
    return CalibrationReport(
        temperature=temperature,
        lines=len(texts),
        characters=len(char_conf),
        mean_confidence=float(np.mean(confidences)),
        mean_accuracy=float(np.mean(line_acc)),
        line_ece=expected_calibration_error(confidences, line_acc, bins),
        char_ece=expected_calibration_error(char_conf, char_acc, bins) if char_conf else 0.0,
        line_bins=reliability(confidences, line_acc, bins),
        char_bins=reliability(char_conf, char_acc, bins),
    )


def report(
    outputs: Sequence[LineOutput], temperature: float = 1.0, bins: int = BINS
) -> CalibrationReport:
    """How well confidences at ``temperature`` match accuracies on ``outputs``."""
    if not outputs:
        raise ValueError("calibration needs at least one line")
    decoded = _decode(outputs, temperature)
    return assess(
        [item.text for item in decoded],
        [item.confidence for item in decoded],
        [item.char_confidences for item in decoded],
        [out.truth for out in outputs],
        temperature,
        bins,
    )


def fit_temperature(
    outputs: Sequence[LineOutput], temperatures: Sequence[float] = TEMPERATURES
) -> float:
    """The temperature whose line confidences are closest (squared error) to the lines'
    character accuracies."""
    if not outputs:
        raise ValueError("fitting a temperature needs at least one line")
    decoded = _decode(outputs, 1.0)
    accuracy = np.array(
        [character_accuracy(item.text, out.truth) for item, out in zip(decoded, outputs)]
    )
    best, best_error = 1.0, math.inf
    for temperature in temperatures:
        confidence = np.array([item.confidence for item in _decode(outputs, temperature)])
        error = float(np.mean((confidence - accuracy) ** 2))
        if error < best_error:
            best, best_error = float(temperature), error
    return best


def validation_outputs(
    recognizer: Any, data_dir: str | os.PathLike, split: str = "val", limit: int | None = 800
) -> list[LineOutput]:
    """The line model's outputs on ``split`` of a line data set folder (the writers of a
    synthetic validation split are unseen in training, like the users' will be)."""
    from text_recognizer.data.manifest import read_manifest
    from text_recognizer.errors import ManifestError

    manifest = read_manifest(data_dir)
    if manifest.kind != "lines":
        raise ManifestError(f"{data_dir} holds {manifest.kind}; calibration needs lines")
    records = manifest.split(split)[:limit]
    if not records:
        raise ManifestError(f"{data_dir} has no {split!r} lines to calibrate on")
    outputs: list[LineOutput] = []
    for start in range(0, len(records), 32):
        chunk = records[start : start + 32]
        frames = recognizer.line_log_probs([manifest.image_path(record) for record in chunk])
        outputs += [LineOutput(lp, record.text) for lp, record in zip(frames, chunk)]
    return outputs


def calibrate(outputs: Sequence[LineOutput], source: str) -> dict[str, Any]:
    """Fit the temperature on ``outputs`` and describe the fit (stored with a staged model)."""
    before = report(outputs, 1.0)
    temperature = fit_temperature(outputs)
    after = report(outputs, temperature)
    return {
        "temperature": round(temperature, 4),
        "fitted_on": source,
        "lines": len(outputs),
        "objective": "squared gap between line confidence and character accuracy",
        "line_ece_before": round(before.line_ece, 4),
        "line_ece_after": round(after.line_ece, 4),
        "char_ece_before": round(before.char_ece, 4),
        "char_ece_after": round(after.char_ece, 4),
    }
