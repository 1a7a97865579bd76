"""Fast lane: the tiny models memorize a batch of 4 on CPU, and the memorization helper itself.

A model that cannot reproduce 4 training samples exactly has a bug; a model that needs more
than twice its recorded steps to do so got slower to learn (see ``memorization_fixtures``
for the history artifact and the baseline).
"""

from __future__ import annotations

import pytest
from torch import nn

from tests.testing.memorization_fixtures import device_name, load_batch, shrink_paragraphs, track
from text_recognizer.lit_models import LineCTCLitModel, ParagraphLitModel
from text_recognizer.models import preset
from text_recognizer.testing.memorize import (
    MemorizationResult,
    Mismatch,
    disable_dropout,
    memorize,
    summarize_losses,
)
from text_recognizer.testing.memorize_history import (
    append_history,
    history_record,
    read_baseline,
    record_baseline,
    regression_problem,
)

#: The tiny paragraph model reads a 256 x 256 canvas here: same code, a quarter of the pixels
#: of the staged 512 x 512 one (which the GPU lane memorizes at full size).
PARAGRAPH_CANVAS = 256
#: Step budgets and constant learning rates (AdamW, no weight decay), tuned so the recorded
#: steps-to-criterion sit well inside the budget: line ~250 steps, paragraph ~70 steps.
#: The line batch is the 4 shortest fixture lines (about 100 px wide): half the cost per step.
#: The line model's CTC spends its first ~100 steps on the blank plateau.
LINE_LR, LINE_BUDGET = 5e-3, 400
PARAGRAPH_LR, PARAGRAPH_BUDGET = 3e-3, 200


@pytest.fixture(scope="module")
def line_batch():
    return load_batch("lines", 4, shortest=True)


@pytest.fixture(scope="module")
def paragraph_batch():
    return shrink_paragraphs(load_batch("paragraphs", 4), PARAGRAPH_CANVAS)


def tiny_line_model() -> LineCTCLitModel:
    return LineCTCLitModel("tiny", schedule="constant", weight_decay=0.0)


def tiny_paragraph_model() -> ParagraphLitModel:
    config = preset(
        "paragraph_transformer", "tiny", image_height=PARAGRAPH_CANVAS, image_width=PARAGRAPH_CANVAS
    )
    return ParagraphLitModel(config, schedule="constant", weight_decay=0.0)


def test_tiny_line_model_memorizes_four_lines(line_batch):
    result = memorize(
        tiny_line_model, line_batch, max_steps=LINE_BUDGET, lr=LINE_LR, check_every=5, threads=1
    )
    assert result.converged, result.failure_message()
    track("cpu/line_ctc-tiny/batch4/32-true", result, device=device_name("cpu"))


def test_tiny_paragraph_model_memorizes_four_paragraphs(paragraph_batch):
    result = memorize(
        tiny_paragraph_model,
        paragraph_batch,
        max_steps=PARAGRAPH_BUDGET,
        lr=PARAGRAPH_LR,
        check_every=5,
        threads=1,
    )
    assert result.converged, result.failure_message()
    track("cpu/paragraph_transformer-tiny256/batch4/32-true", result, device=device_name("cpu"))


def test_memorize_reports_the_first_mismatch_when_the_budget_runs_out(line_batch):
    result = memorize(tiny_line_model, line_batch, max_steps=2, lr=1e-3, threads=1)
    assert not result.converged and result.steps_to_criterion is None
    assert result.steps_run == 2 and len(result.losses) == 2
    assert result.final_cer > 0 and result.first_mismatch is not None
    assert result.first_mismatch.expected == line_batch["texts"][result.first_mismatch.index]
    message = result.failure_message()
    assert "loss curve: start" in message and repr(result.first_mismatch.expected) in message


def test_failure_message_shows_curve_and_expected_versus_got():
    result = MemorizationResult(
        None,
        None,
        0.5,
        0.25,
        False,
        100,
        3.0,
        tuple(float(100 - s) for s in range(100)),
        Mismatch(2, "line-2", "hello", "helo"),
    )
    message = result.failure_message()
    assert "within 100 steps" in message and "final CER 0.2500" in message
    assert "start 100 min 1 last 1" in message and "step 50: 51" in message
    assert "sample 2 (line-2): expected 'hello', got 'helo'" in message


def test_loss_summary_samples_about_every_tenth_of_the_run():
    summary = summarize_losses([float(s) for s in range(1, 101)])
    marks = [part.split(":")[0] for part in summary.split("| ")[1].split(", ")]
    assert marks == [f"step {s}" for s in (1, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100)]


def test_disable_dropout_zeroes_modules_and_float_rates():
    model = nn.Sequential(nn.Dropout(0.3), nn.LSTM(4, 4, num_layers=2, dropout=0.2))
    attention = nn.MultiheadAttention(4, 2, dropout=0.1)
    model.append(attention)
    assert disable_dropout(model) == 3
    assert model[0].p == 0.0 and model[1].dropout == 0.0 and attention.dropout == 0.0


def test_memorization_helpers_reject_a_zero_budget(line_batch):
    with pytest.raises(ValueError, match="max_steps"):
        memorize(tiny_line_model, line_batch, max_steps=0)


def _result(steps):
    return MemorizationResult(
        steps, 1.0, 0.1, 0.0 if steps else 0.5, steps is not None, 99, 1.0, ()
    )


def test_baseline_check_flags_steps_past_the_factor_and_non_convergence():
    baseline = {"factor": 2.0, "entries": {"key": {"steps_to_criterion": 40}}}
    assert regression_problem(baseline, "key", _result(80)) is None
    assert "81 steps to criterion, more than 2.0x" in regression_problem(
        baseline, "key", _result(81)
    )
    assert "no convergence" in regression_problem(baseline, "key", _result(None))


def test_recorded_baseline_round_trips_and_keeps_other_keys(tmp_path):
    path = tmp_path / "baseline.json"
    record_baseline(path, "a", _result(10), device="cpu")
    record_baseline(path, "b", _result(20))
    entries = read_baseline(path)["entries"]
    assert entries["a"]["steps_to_criterion"] == 10 and entries["a"]["device"] == "cpu"
    assert entries["b"]["steps_to_criterion"] == 20
    with pytest.raises(ValueError, match="did not converge"):
        record_baseline(path, "c", _result(None))


def test_history_appends_one_record_per_run(tmp_path):
    path = tmp_path / "history.json"
    append_history(path, history_record("a", _result(10)))
    history = append_history(path, history_record("a", _result(12)))
    assert [entry["steps_to_criterion"] for entry in history] == [10, 12]
