"""Training sanity checks on both tiny models (fast lane, CPU), and proof that each check fails
on a model with the bug it is meant to catch.

The paragraph model runs on a 128 x 128 canvas with 3 samples and at most 64 decoder positions
here: the checks are about wiring, not reading, and this keeps each one well under a second on
2 cores.
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from lightning.pytorch import LightningModule
from torch import nn

from tests.testing.memorization_fixtures import load_batch, shrink_paragraphs
from text_recognizer.lit_models import (
    LIT_MODELS,
    LineCTCLitModel,
    ParagraphLitModel,
    load_model_from_checkpoint,
)
from text_recognizer.models import preset
from text_recognizer.testing.sanity import (
    Probe,
    SanityCheckFailed,
    check_all_finite,
    check_every_parameter_learns,
    check_initial_loss,
    check_no_unused_parameters,
    check_step_updates_trainable_only,
    lit_model_probe,
    uniform_loss,
)
from text_recognizer.testing.sanity_eval import (
    check_batch_independence,
    check_eval_is_deterministic,
)
from text_recognizer.testing.sanity_runs import (
    check_checkpoint_round_trip,
    check_gradients_fresh_each_step,
    check_same_losses,
    check_weights_unchanged,
    fit_steps,
)

SANITY_CANVAS = 128
#: Decoder positions of the sanity paragraph model: enough for the fixtures' texts (<= 42
#: characters + start/end), and an untrained model's greedy decode stops there, not at 514.
SANITY_MAX_TOKENS = 64

#: kind -> (factory of a fresh tiny LightningModule, parameter-name prefix frozen in the
#: freezing test)
SUBJECTS = {
    "line": (lambda: LineCTCLitModel("tiny", schedule="constant", weight_decay=0.0), "model.stem."),
    "paragraph": (
        lambda: ParagraphLitModel(
            preset(
                "paragraph_transformer",
                "tiny",
                image_height=SANITY_CANVAS,
                image_width=SANITY_CANVAS,
                max_length=SANITY_MAX_TOKENS,
            ),
            schedule="constant",
            weight_decay=0.0,
        ),
        "model.encoder.",
    ),
}


@pytest.fixture(scope="module")
def batches():
    return {
        "line": load_batch("lines", 4),
        "paragraph": shrink_paragraphs(load_batch("paragraphs", 3), SANITY_CANVAS),
    }


@pytest.fixture(params=sorted(SUBJECTS))
def kind(request) -> str:
    return request.param


@pytest.fixture
def batch(batches, kind):
    return batches[kind]


@pytest.fixture
def lit_model(kind) -> LightningModule:
    return SUBJECTS[kind][0]()


def adamw(lit_model: LightningModule) -> torch.optim.Optimizer:
    """The LightningModule's own optimizer (constant schedule: configure_optimizers returns it)."""
    return lit_model.configure_optimizers()


def test_loss_at_init_is_close_to_the_uniform_predictors(lit_model, batch):
    with torch.no_grad():
        loss = float(lit_model.eval().compute_loss(batch))
    check_initial_loss(loss, uniform_loss(lit_model, batch))


def test_no_parameter_is_unused(lit_model, batch):
    check_no_unused_parameters(lit_model_probe(lit_model), batch)


def test_every_parameter_gets_a_finite_nonzero_gradient(lit_model, batch):
    check_every_parameter_learns(lit_model_probe(lit_model), batch, adamw(lit_model))


def test_optimizer_steps_change_trainable_and_not_frozen_parameters(lit_model, batch, kind):
    check_step_updates_trainable_only(
        lit_model_probe(lit_model), batch, lambda: adamw(lit_model), frozen=[SUBJECTS[kind][1]]
    )


def with_a_label_longer_than_its_line(batch: dict) -> dict:
    """A copy of the line batch whose first sample is cut to 4 pixels (one frame) but keeps its
    label of several characters: a crop too tight for its text, as real line sets hold. CTC
    cannot align it, and the loss must still stay finite rather than poison the weights."""
    images, widths = batch["images"].clone(), batch["widths"].clone()
    widths[0] = 4
    images[0, :, :, 4:] = 0.0
    return {**batch, "images": images, "widths": widths}


@pytest.fixture
def finite_check_batch(batch, kind):
    return with_a_label_longer_than_its_line(batch) if kind == "line" else batch


def test_outputs_loss_and_gradients_are_finite(lit_model, finite_check_batch):
    check_all_finite(lit_model_probe(lit_model), finite_check_batch)


def test_samples_are_independent_in_eval_mode(lit_model, batch):
    check_batch_independence(lit_model_probe(lit_model), batch)


def test_eval_mode_is_deterministic(lit_model, batch):
    check_eval_is_deterministic(lit_model_probe(lit_model), batch)


@pytest.fixture
def lr_zero_run(lit_model, batch):
    return fit_steps(lit_model, batch, steps=3, lr=0.0, without_dropout=True)


def test_learning_rate_zero_leaves_weights_unchanged(lr_zero_run):
    check_weights_unchanged(lr_zero_run)


def test_gradients_do_not_accumulate_across_steps(lr_zero_run):
    check_gradients_fresh_each_step(lr_zero_run)


def test_same_seed_gives_identical_losses(kind, batch):
    runs = []
    for _ in range(2):
        torch.manual_seed(1234)
        runs.append(fit_steps(SUBJECTS[kind][0](), batch, steps=2))
    assert all(math.isfinite(loss) for loss in runs[0].losses)
    check_same_losses(*runs)


def test_checkpoint_save_and_load_gives_identical_predictions(lit_model, batch, kind, tmp_path):
    path = tmp_path / "model.ckpt"
    fit_steps(lit_model, batch, steps=1, checkpoint=path)
    reloaded = LIT_MODELS[lit_model.model_kind].load_from_checkpoint(path, map_location="cpu")
    check_checkpoint_round_trip(lit_model, reloaded, batch)
    bare_wrapper = SUBJECTS[kind][0]()
    bare_wrapper.model, _ = load_model_from_checkpoint(path)
    check_checkpoint_round_trip(lit_model, bare_wrapper, batch)


# -- each check catches its bug -----------------------------------------------------------------


class ToyRecognizer(nn.Module):
    """Conv features -> per-column classifier, with switches that plant one classic bug each."""

    def __init__(self, bug: str = "", classes: int = 5) -> None:
        super().__init__()
        self.bug = bug
        self.features = nn.Conv2d(1, 4, 3, padding=1)
        self.norm = nn.BatchNorm2d(4)
        self.head = nn.Linear(4 * 8, classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.norm(self.features(images)))  # (B, 4, 8, W)
        if self.bug == "detach":
            x = x.detach()
        batch, channels, height, width = x.shape
        if self.bug == "mix_batch":  # view where a permute belongs: rows of samples interleave
            x = x.reshape(width, batch, channels * height).transpose(0, 1)
        else:
            x = x.permute(0, 3, 1, 2).reshape(batch, width, channels * height)
        if self.bug == "dropout_in_eval":
            x = F.dropout(x, 0.5, training=True)
        return self.head(x)  # (B, W, classes)


def toy_batch(size: int = 3) -> dict:
    generator = torch.Generator().manual_seed(0)
    return {
        "images": torch.rand(size, 1, 8, 6, generator=generator),
        "labels": torch.randint(0, 5, (size, 6), generator=generator),
    }


def toy_probe(model: ToyRecognizer) -> Probe:
    def loss(batch: dict) -> torch.Tensor:
        return F.cross_entropy(model(batch["images"]).transpose(1, 2), batch["labels"])

    return Probe(module=model, loss=loss, outputs=lambda batch: model(batch["images"]))


def test_healthy_toy_passes_every_check():
    model = ToyRecognizer()
    probe = toy_probe(model)
    check_no_unused_parameters(probe, toy_batch())
    check_every_parameter_learns(probe, toy_batch(), torch.optim.SGD(model.parameters(), lr=0.1))
    check_batch_independence(probe, toy_batch())
    check_eval_is_deterministic(probe, toy_batch())
    check_all_finite(probe, toy_batch())


def test_gradient_check_catches_a_detached_layer():
    model = ToyRecognizer("detach")
    with pytest.raises(SanityCheckFailed, match="features.weight"):
        check_every_parameter_learns(
            toy_probe(model), toy_batch(), torch.optim.SGD(model.parameters(), lr=0.1)
        )


def test_unused_parameter_check_catches_a_detached_layer():
    with pytest.raises(SanityCheckFailed, match="unused"):
        check_no_unused_parameters(toy_probe(ToyRecognizer("detach")), toy_batch())


def test_batch_independence_catches_batch_mixing_in_a_reshape():
    with pytest.raises(SanityCheckFailed, match="depends on input"):
        check_batch_independence(toy_probe(ToyRecognizer("mix_batch")), toy_batch())


def test_eval_determinism_catches_dropout_left_on_in_eval():
    with pytest.raises(SanityCheckFailed, match="dropout"):
        check_eval_is_deterministic(toy_probe(ToyRecognizer("dropout_in_eval")), toy_batch())


class DecayEverything(torch.optim.SGD):
    """The bug: decoupled weight decay applied to every parameter, trainable or not."""

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for parameter in group["params"]:
                parameter.mul_(0.9)
        return super().step(closure)


def test_frozen_check_catches_an_optimizer_that_moves_frozen_parameters():
    model = ToyRecognizer()
    with pytest.raises(SanityCheckFailed, match="frozen but changed"):
        check_step_updates_trainable_only(
            toy_probe(model),
            toy_batch(),
            lambda: DecayEverything(model.parameters(), lr=0.1),
            frozen=["head."],
        )


def test_finite_check_catches_a_nan_input():
    batch = toy_batch()
    batch["images"][1, 0, 0, 0] = math.nan
    with pytest.raises(SanityCheckFailed, match="NaN"):
        check_all_finite(toy_probe(ToyRecognizer()), batch)


def test_initial_loss_check_catches_an_overconfident_output_layer(batches):
    lit_model = SUBJECTS["paragraph"][0]()
    with torch.no_grad():
        lit_model.model.head.weight.mul_(10.0)  # logits ~10x too large: confidently wrong
        loss = float(lit_model.eval().compute_loss(batches["paragraph"]))
    with pytest.raises(SanityCheckFailed, match="uniform predictor"):
        check_initial_loss(loss, uniform_loss(lit_model, batches["paragraph"]))


def test_initial_loss_check_catches_a_summed_ctc_loss(batches):
    class SummedLoss(LineCTCLitModel):  # the bug: "sum" where the contract says "mean"
        def compute_loss(self, batch):
            return super().compute_loss(batch) * batch["target_lengths"].sum()

    lit_model = SummedLoss("tiny")
    with torch.no_grad():
        loss = float(lit_model.eval().compute_loss(batches["line"]))
    with pytest.raises(SanityCheckFailed, match="uniform predictor"):
        check_initial_loss(loss, uniform_loss(lit_model, batches["line"]))


class NoZeroGradLineModel(LineCTCLitModel):
    """The bug: gradients are never cleared, so every step adds to the last one's."""

    def optimizer_zero_grad(self, epoch, batch_idx, optimizer) -> None:
        pass


def test_fresh_gradient_check_catches_a_dropped_zero_grad(batches):
    model = NoZeroGradLineModel("tiny", schedule="constant", weight_decay=0.0)
    run = fit_steps(model, batches["line"], steps=3, lr=0.0, without_dropout=True)
    with pytest.raises(SanityCheckFailed, match="accumulate"):
        check_gradients_fresh_each_step(run)


def test_same_loss_check_catches_unseeded_randomness(batches):
    class Unseeded(LineCTCLitModel):
        def training_step(self, batch, batch_idx):  # the bug: noise from an unseeded generator
            noise = torch.randn((), generator=torch.Generator().manual_seed(torch.seed()))
            return super().training_step(batch, batch_idx) + 1e-3 * noise

    runs = []
    for _ in range(2):
        torch.manual_seed(1234)
        runs.append(fit_steps(Unseeded("tiny", schedule="constant"), batches["line"], steps=1))
    with pytest.raises(SanityCheckFailed, match="same seed"):
        check_same_losses(*runs)
