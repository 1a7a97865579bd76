"""The training-throughput table: FLOPs that count every layer, MFU arithmetic, robust rows."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from text_recognizer.training import throughput
from text_recognizer.training.throughput import Mode, ThroughputRow


def counted_flops(function) -> int:
    with throughput.countable_kernels(), FlopCounterMode(display=False) as counter:
        function()
    return int(counter.get_total_flops())


def test_a_bidirectional_lstm_is_counted_as_its_matrix_products() -> None:
    batch, steps, inputs, hidden = 3, 7, 16, 8
    lstm = nn.LSTM(inputs, hidden, batch_first=True, bidirectional=True)
    x = torch.rand(batch, steps, inputs)
    # 4 gates, input and recurrent products, 2 FLOPs per multiply-add, 2 directions
    expected = 2 * 4 * (inputs + hidden) * hidden * steps * batch * 2
    assert counted_flops(lambda: lstm(x)) == expected


def test_attention_is_counted_as_its_two_batched_products() -> None:
    batch, heads, queries, keys, dim = 2, 4, 5, 9, 8
    q = torch.rand(batch, heads, queries, dim)
    k = v = torch.rand(batch, heads, keys, dim)
    flops = counted_flops(lambda: nn.functional.scaled_dot_product_attention(q, k, v))
    assert flops == 2 * (2 * batch * heads * queries * keys * dim)


def test_a_training_step_counts_about_three_forward_passes() -> None:
    plan = throughput.tiny_plan()["lines"]
    lit = throughput.lit_model_for("lines", plan.config)
    batch = throughput.synthetic_batch(plan)
    forward = counted_flops(lambda: lit.compute_loss(batch))
    step = throughput.count_step_flops("lines", plan)
    assert 2.5 * forward < step < 3.5 * forward


def test_mfu_is_achieved_flops_over_the_assumed_peak() -> None:
    assert throughput.model_flop_utilisation(1e12, 0.01, 100.0) == pytest.approx(1.0)
    assert throughput.model_flop_utilisation(1e12, 0.02, 100.0) == pytest.approx(0.5)
    assert throughput.model_flop_utilisation(1e12, 0.01, None) is None
    with pytest.raises(ValueError, match="positive"):
        throughput.model_flop_utilisation(1e12, 0.0, 100.0)


@pytest.mark.parametrize(
    ("device", "number_format", "peak"),
    [
        ("NVIDIA H100 80GB HBM3", "bf16", 989.4),
        ("NVIDIA H100 80GB HBM3", "fp32", 66.9),
        ("NVIDIA H100 PCIe", "bf16", 756.0),
        ("NVIDIA H100 NVL", "fp32", 60.0),
        ("NVIDIA H200", "bf16", 989.4),
        ("NVIDIA H200 NVL", "bf16", 835.5),
        ("Tesla T4", "bf16", None),
    ],
)
def test_the_peak_assumed_is_the_most_specific_card_match(device, number_format, peak) -> None:
    assert throughput.peak_tflops(device, number_format) == peak


def test_modes_are_three_formats_eager_first_then_compiled() -> None:
    names = [mode.name for mode in throughput.MODES]
    assert names == [
        "fp32",
        "bf16-mixed",
        "bf16+channels_last",
        "fp32+compile",
        "bf16-mixed+compile",
        "bf16+channels_last+compile",
    ]
    assert [mode.number_format for mode in throughput.MODES[:3]] == ["fp32", "bf16", "bf16"]


def test_tiny_models_train_in_each_eager_mode_on_the_cpu() -> None:
    plan = {"lines": throughput.tiny_plan()["lines"]}
    seen = []
    rows = throughput.run_throughput(
        torch.device("cpu"), plan, throughput.MODES[:3], steps=1, warmup=1, on_row=seen.append
    )
    assert seen == rows and [row.mode for row in rows] == [m.name for m in throughput.MODES[:3]]
    for row in rows:
        assert row.error == "" and row.step_ms > 0 and row.mfu is None  # no peak for a CPU
        assert row.samples_per_s == pytest.approx(2000 / row.step_ms)
        assert row.extra["flops_per_step"] > 0


@pytest.fixture
def fixed_flops(monkeypatch) -> None:
    monkeypatch.setattr(throughput, "count_step_flops", lambda kind, plan: 10**9)


def test_a_mode_that_fails_becomes_a_row_with_its_error(monkeypatch, fixed_flops) -> None:
    def fails(kind, plan, mode, *args, **kwargs):
        if mode.compiled:
            raise RuntimeError("inductor exploded")
        return ThroughputRow(kind, mode.name, plan.batch_size, step_ms=1.0, samples_per_s=2000.0)

    monkeypatch.setattr(throughput, "measure", fails)
    rows = throughput.run_throughput(torch.device("cpu"), throughput.tiny_plan())
    assert len(rows) == 12
    assert all(row.error == "RuntimeError: inductor exploded" for row in rows[6:])
    assert all(row.error == "" for row in rows[:6])


def test_rows_after_the_budget_are_recorded_as_skipped(monkeypatch, fixed_flops) -> None:
    monkeypatch.setattr(throughput, "measure", pytest.fail)
    rows = throughput.run_throughput(torch.device("cpu"), throughput.tiny_plan(), budget_seconds=-1)
    assert {row.error for row in rows} == {"skipped: out of time"}


def test_the_table_shows_each_mode_against_plain_fp32() -> None:
    rows = [
        ThroughputRow("paragraphs", "fp32", 16, 100.0, 160.0, 2.5, 0.037, 1.0, 900.0),
        ThroughputRow("paragraphs", "bf16-mixed", 16, 40.0, 400.0, 6.4, 0.0064, 1.0, 600.0),
        ThroughputRow("paragraphs", "fp32+compile", 16, error="skipped: out of time"),
    ]
    table = throughput.format_table(rows).splitlines()
    assert table[2].startswith("| paragraphs | fp32 | 16 | 100.0 | 160 | 1.00x | 2.50 | 3.7% |")
    assert table[3].startswith(
        "| paragraphs | bf16-mixed | 16 | 40.0 | 400 | 2.50x | 6.40 | 0.6% |"
    )
    assert table[4].endswith("| 16 | - | - | - | - | - | - | - | skipped: out of time |")


def test_channels_last_batches_keep_their_values() -> None:
    plan = throughput.tiny_plan()["paragraphs"]
    torch.manual_seed(0)
    plain = throughput.synthetic_batch(plan)
    torch.manual_seed(0)
    last = throughput.synthetic_batch(plan, channels_last=Mode(True, True).channels_last)
    assert last["images"].is_contiguous(memory_format=torch.channels_last)
    assert torch.equal(plain["images"], last["images"])
