"""The learning rate follows the configured schedule at every optimizer step of a real run.

A schedule stepped per epoch instead of per step, a warm-up that never ends, a cosine that
decays over the wrong number of steps: the loss still falls, so only the learning rate itself
shows it. These laws run the real Lightning loop for random schedules, learning rates,
epoch lengths and gradient accumulation, and compare the rate the optimizer used at each step
with what the config means.
"""

from __future__ import annotations

import math

import pytest
import torch
from lightning.pytorch import Callback

from text_recognizer.data.preprocess import LINE_HEIGHT, Sample, collate_lines
from text_recognizer.testing.memorize import quiet_trainer, repeated_batch_loader

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


class LearningRates(Callback):
    """The learning rate each optimizer step used (read just before the step)."""

    def __init__(self) -> None:
        self.rates: list[float] = []

    def on_before_optimizer_step(self, trainer, pl_module, optimizer) -> None:
        self.rates.append(float(optimizer.param_groups[0]["lr"]))


def expected_rates(schedule: str, lr: float, warmup: int, steps: int) -> list[float]:
    """What the config means: ``constant``; ``cosine`` = linear warm-up (at most a tenth of
    the run) then cosine decay to 5 % at the last step; ``onecycle`` = torch's OneCycleLR
    peaking at ``lr`` over the run's optimizer steps, its warm-up a tenth of them but at least
    two scheduler steps."""
    if schedule == "constant":
        return [lr] * steps
    if schedule == "cosine":  # written out, not warmup_cosine: the law must not trust it
        warmup = min(warmup, max(1, steps // 10))
        rates = []
        for step in range(steps):
            if step < warmup:
                rates.append(lr * (step + 1) / warmup)
            else:
                progress = min(1.0, (step - warmup) / max(1, steps - warmup))
                rates.append(lr * (0.05 + 0.95 * 0.5 * (1.0 + math.cos(math.pi * progress))))
        return rates
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    reference = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=lr, total_steps=steps + 1, pct_start=max(0.1, 2.0 / (steps + 1))
    )
    rates = []
    for _ in range(steps):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        reference.step()
    return rates


@pytest.fixture(scope="module")
def line_batch():
    generator = torch.Generator().manual_seed(0)
    lines = [
        Sample(image=torch.rand(1, LINE_HEIGHT, 32, generator=generator), text=text, id=text)
        for text in ("ab", "c d")
    ]
    return collate_lines(lines)


@settings(max_examples=6)
@given(
    st.sampled_from(["cosine", "onecycle", "constant"]),
    st.floats(1e-4, 1e-2),
    st.integers(0, 6),
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(1, 2),
)
@example("onecycle", 1e-3, 0, 3, 3, 1)  # 9 steps: OneCycleLR's warm-up phase had zero length
def test_each_optimizer_step_uses_the_configured_learning_rate(
    line_batch, schedule, lr, warmup, batches, epochs, accumulate
):
    from text_recognizer.lit_models import LineCTCLitModel

    lit = LineCTCLitModel(model_config="tiny", lr=lr, schedule=schedule, warmup_steps=warmup)
    recorder = LearningRates()
    trainer = quiet_trainer(-1, [recorder], max_epochs=epochs, accumulate_grad_batches=accumulate)
    trainer.fit(lit, train_dataloaders=repeated_batch_loader(line_batch, batches))
    steps = epochs * math.ceil(batches / accumulate)
    assert len(recorder.rates) == steps
    assert recorder.rates == pytest.approx(expected_rates(schedule, lr, warmup, steps), rel=1e-6)


@given(st.integers(0, 20), st.integers(1, 200), st.integers(1, 400), st.floats(0.0, 0.5))
def test_after_its_warm_up_the_cosine_factor_never_rises_and_holds_its_floor_past_the_end(
    warmup, total, extra, floor
):
    """A run that steps past its planned length (resumed with a larger ``max_steps``, or an
    estimate of the steps that came out short) keeps the floor rate; it does not climb back."""
    from text_recognizer.lit_models.base import warmup_cosine

    warmup = min(warmup, total)
    factors = [warmup_cosine(step, warmup, total, floor) for step in range(warmup, total + extra)]
    assert all(later <= earlier + 1e-12 for earlier, later in zip(factors, factors[1:]))
    assert warmup_cosine(total + extra, warmup, total, floor) == pytest.approx(floor)
