"""Every shipped training config is proven to learn, not only to parse.

A config can be valid and still unable to train: a learning rate a thousand times too small, a
schedule that never leaves its warm-up, a weight decay that eats every update. Each shipped
config's *optimisation* (its ``lit`` section: learning rate, schedule, warm-up, weight decay,
label smoothing; and its trainer's gradient clipping and accumulation) is run here on its model
kind's tiny preset, on a few committed fixture samples, for a handful of steps, and the loss
must fall. The architecture itself is proven by the memorization tests; what a config adds is
how it trains.
"""

from __future__ import annotations

import dataclasses

import pytest

from tests.testing.memorization_fixtures import load_batch, shrink_paragraphs
from text_recognizer.testing.memorize import LossRecorder, quiet_trainer, repeated_batch_loader
from text_recognizer.training.config import load_config, shipped_configs

STEPS = 24
#: The mean loss of the last four steps must be at most this share of the first four's. The
#: shipped configs keep 0.19-0.89 of it here (the paragraphs_base label smoothing keeps the
#: most); with their learning rates divided by 1000 they all keep more than 0.99.
MOST_LOSS_LEFT = 0.95
#: Trainer settings that change the optimisation; the rest (steps, validation, devices) are
#: the run's length and place, which this test sets itself.
OPTIMISATION_KEYS = ("gradient_clip_val", "gradient_clip_algorithm", "accumulate_grad_batches")
PARAGRAPH_CANVAS = 128


def batch_for(kind: str):
    if kind == "line_ctc":
        return load_batch("lines", 4, shortest=True)
    return shrink_paragraphs(load_batch("paragraphs", 2, shortest=True), PARAGRAPH_CANVAS)


def tiny_shape_of(config: dict):
    """The config's LightningModule with its kind's tiny model (dropout off, so the loss of one
    repeated batch is a clean signal)."""
    from text_recognizer.lit_models import LIT_MODELS
    from text_recognizer.models import preset

    kind = config["model"]["kind"]
    model_config = preset(kind, "tiny")
    if kind == "paragraph_transformer":
        model_config = dataclasses.replace(
            model_config, image_height=PARAGRAPH_CANVAS, image_width=PARAGRAPH_CANVAS, dropout=0.0
        )
    return LIT_MODELS[kind](model_config=model_config, **(config.get("lit") or {}))


def fit_losses(config: dict, batch) -> list[float]:
    trainer_settings = {
        key: value
        for key, value in (config.get("trainer") or {}).items()
        if key in OPTIMISATION_KEYS
    }
    lit = tiny_shape_of(config)
    recorder = LossRecorder()
    steps = STEPS * int(trainer_settings.get("accumulate_grad_batches", 1))
    trainer = quiet_trainer(STEPS, [recorder], **trainer_settings)
    trainer.fit(lit, train_dataloaders=repeated_batch_loader(batch, steps))
    return recorder.losses


def share_left(losses: list[float]) -> float:
    first, last = losses[:4], losses[-4:]
    return (sum(last) / len(last)) / (sum(first) / len(first))


@pytest.mark.parametrize("name", shipped_configs())
def test_each_shipped_config_makes_the_loss_fall_within_a_few_steps(name):
    config = load_config(name)
    losses = fit_losses(config, batch_for(config["model"]["kind"]))
    assert share_left(losses) <= MOST_LOSS_LEFT, (
        f"{name}: the loss kept {share_left(losses):.0%} of its value after {STEPS} steps "
        f"(lit: {config.get('lit')}); losses {[round(value, 3) for value in losses]}"
    )
