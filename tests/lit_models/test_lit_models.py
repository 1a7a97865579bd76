"""LightningModules: fast_dev_run smoke, predictions, checkpoints, schedules, loss at init."""

from __future__ import annotations

import math

import pytest
import torch

from text_recognizer.errors import ModelInputError
from text_recognizer.lit_models import (
    LineCTCLitModel,
    ParagraphLitModel,
    load_model_from_checkpoint,
)
from text_recognizer.lit_models.base import warmup_cosine
from text_recognizer.testing.probes.training import SpelledFrames
from text_recognizer.testing.sanity import uniform_loss
from text_recognizer.vocab import DEFAULT_VOCABULARY as VOCAB


@pytest.fixture(params=["lines", "paragraphs"])
def lit_and_data(request, fake_lines, fake_paragraphs):
    if request.param == "lines":
        return LineCTCLitModel("tiny"), fake_lines
    return ParagraphLitModel("tiny", label_smoothing=0.1), fake_paragraphs


def test_fast_dev_run_trains_validates_and_logs_cer(lit_and_data, quiet_trainer):
    lit_model, data = lit_and_data
    trainer = quiet_trainer(fast_dev_run=True)
    trainer.fit(lit_model, datamodule=data)
    metrics = trainer.callback_metrics
    assert math.isfinite(float(metrics["train/loss"]))
    assert 0.0 <= float(metrics["val/cer"])
    assert {"val/loss", "val/wer"} <= set(metrics)


def test_predict_returns_a_text_and_confidence_per_sample(lit_and_data, quiet_trainer):
    lit_model, data = lit_and_data
    lit_model.hparams.decoding = "beam"
    lit_model.hparams.beam_width = 2
    data.setup("validate")
    (batch_output,) = quiet_trainer(limit_predict_batches=1).predict(
        lit_model, data.val_dataloader()
    )
    assert len(batch_output["texts"]) == len(batch_output["confidences"]) == 2
    assert all(0.0 <= c <= 1.0 for c in batch_output["confidences"])
    assert [len(c) for c in batch_output["char_confidences"]] == [
        len(t) for t in batch_output["texts"]
    ]


def test_checkpoint_rebuilds_the_same_model(lit_and_data, quiet_trainer, tmp_path):
    lit_model, data = lit_and_data
    trainer = quiet_trainer(max_steps=1, limit_val_batches=0)
    trainer.fit(lit_model, datamodule=data)
    path = tmp_path / "model.ckpt"
    trainer.save_checkpoint(path)
    model, hparams = load_model_from_checkpoint(path)
    assert hparams["model_kind"] == lit_model.model_kind
    original, rebuilt = lit_model.model.eval().state_dict(), model.state_dict()
    assert rebuilt.keys() == original.keys()
    assert [key for key in original if not torch.equal(original[key], rebuilt[key])] == []
    reloaded = type(lit_model).load_from_checkpoint(path)
    assert reloaded.hparams == lit_model.hparams


def test_line_ctc_loss_at_init_is_the_uniform_predictors_within_ten_percent(fake_lines):
    """A fresh model is near uniform: its CTC loss is what uniform outputs score on these very
    frame and label lengths (about 14.5 here; fresh models measured 1.004-1.011 times it)."""
    fake_lines.setup("fit")
    batch = next(iter(fake_lines.train_dataloader()))
    lit_model = LineCTCLitModel("tiny")
    with torch.no_grad():
        loss = lit_model.compute_loss(batch)
    assert float(loss) == pytest.approx(uniform_loss(lit_model, batch), rel=0.1)


def test_paragraph_loss_at_init_is_about_ln_vocabulary(fake_paragraphs):
    fake_paragraphs.setup("fit")
    batch = next(iter(fake_paragraphs.train_dataloader()))
    with torch.no_grad():
        loss = ParagraphLitModel("tiny").compute_loss(batch)
    assert float(loss) == pytest.approx(math.log(len(VOCAB)), rel=0.25)


def test_a_checkpoint_of_another_kind_is_refused():
    with pytest.raises(ModelInputError, match="line_ctc"):
        LineCTCLitModel("tiny", model_kind="paragraph_transformer")


def test_unknown_schedule_is_named():
    with pytest.raises(ModelInputError, match="warmup"):
        LineCTCLitModel("tiny", schedule="warmup")


def test_warmup_cosine_rises_then_decays_to_the_floor():
    factors = [warmup_cosine(step, 10, 100) for step in range(101)]
    assert factors[:10] == sorted(factors[:10])
    assert factors[10:] == sorted(factors[10:], reverse=True)
    assert max(factors) == 1.0 and factors[-1] == pytest.approx(0.05)


def test_zero_learning_rate_leaves_weights_untouched(fake_lines, quiet_trainer):
    lit_model = LineCTCLitModel("tiny", lr=0.0, weight_decay=0.0, schedule="constant")
    before = {name: p.detach().clone() for name, p in lit_model.model.named_parameters()}
    quiet_trainer(max_steps=2, limit_val_batches=0).fit(lit_model, datamodule=fake_lines)
    after = dict(lit_model.model.named_parameters())
    assert all(torch.equal(before[name], after[name]) for name in before)


class _Spelling(torch.nn.Module):
    """A stand-in line model whose frames spell each target with the vocabulary's blank
    between characters, almost surely: the CTC loss of such a model is close to zero."""

    def __init__(self, targets: torch.Tensor, lengths: torch.Tensor) -> None:
        super().__init__()
        self.targets, self.lengths = targets, lengths

    def forward(self, images, widths):
        frames = 2 * int(self.lengths.max()) + 1
        log_probs = torch.full((len(self.targets), frames, len(VOCAB)), -30.0)
        log_probs[:, :, VOCAB.blank_index] = 0.0
        for row, length in enumerate(self.lengths.tolist()):
            for position in range(length):
                log_probs[row, 2 * position + 1] = -30.0
                log_probs[row, 2 * position + 1, self.targets[row, position]] = 0.0
        return log_probs, torch.full((len(self.targets),), frames)


def test_the_line_loss_of_frames_that_spell_the_target_around_blanks_is_near_zero():
    targets, lengths = VOCAB.pad_batch([VOCAB.encode("hello"), VOCAB.encode("ab")])
    lit = LineCTCLitModel("tiny")
    lit.model = _Spelling(targets, lengths)
    batch = {"images": None, "widths": None, "targets": targets, "target_lengths": lengths}
    assert float(lit.compute_loss(batch)) < 1e-3


def test_only_matrices_are_decayed_never_biases_norms_or_embeddings():
    from text_recognizer.lit_models.base import parameter_groups

    model = ParagraphLitModel("tiny").model
    decay, no_decay = parameter_groups(model, 0.05)
    names = {id(p): name for name, p in model.named_parameters()}
    assert decay["weight_decay"] == 0.05 and no_decay["weight_decay"] == 0.0
    assert all(p.dim() >= 2 and "embedding" not in names[id(p)] for p in decay["params"])
    assert {names[id(p)] for p in no_decay["params"]} >= {"embedding.weight", "norm.weight"}
    assert len(decay["params"]) + len(no_decay["params"]) == len(list(model.parameters()))


@pytest.mark.parametrize("decoding", ["greedy", "beam"])
def test_each_line_of_a_batch_is_decoded_from_its_own_frames_only(decoding):
    lit = LineCTCLitModel("tiny", decoding=decoding)
    lit.model = SpelledFrames(["a-b", "c-dd-e-f"], [3, 8])
    texts = [decoded.text for decoded in lit.decode_batch({"images": None, "widths": None})]
    assert texts == ["ab", "cdef"]


#: What ``SpelledFrames(["h-e-l-o", "a-b-c-d-e-f"], [7, 11])`` reads, and the references of
#: its batch: a pair whose CER and WER differ, so a rate logged under the other's name shows.
SPELLED_PREDICTIONS = ["helo", "abcdef"]
SPELLED_REFERENCES = ["hello world", "ab"]


@pytest.fixture
def spelled_lit(monkeypatch) -> tuple[LineCTCLitModel, dict, dict]:
    """A line lit model over a stand-in that reads SPELLED_PREDICTIONS, one batch for it, and
    the values its ``self.log`` calls record (no Trainer is attached)."""
    lit = LineCTCLitModel("tiny")
    lit.model = SpelledFrames(["h-e-l-o", "a-b-c-d-e-f"], [7, 11])
    targets, lengths = VOCAB.pad_batch([VOCAB.encode(text) for text in SPELLED_REFERENCES])
    batch = {
        "images": None,
        "widths": None,
        "targets": targets,
        "target_lengths": lengths,
        "texts": SPELLED_REFERENCES,
    }
    logged: dict = {}
    monkeypatch.setattr(lit, "log", lambda name, value, **_: logged.__setitem__(name, value))
    return lit, batch, logged


def test_the_logged_error_rates_divide_by_the_references_not_the_predictions(spelled_lit):
    from text_recognizer.metrics import character_error_rate, word_error_rate

    lit, batch, _ = spelled_lit
    lit._evaluate(batch, "val")
    assert float(lit.rates["val"].cer.compute()) == pytest.approx(
        character_error_rate(SPELLED_PREDICTIONS, SPELLED_REFERENCES)
    )
    wer = float(lit.rates["val"].wer.compute())
    assert wer == pytest.approx(word_error_rate(SPELLED_PREDICTIONS, SPELLED_REFERENCES))


@pytest.mark.parametrize("stage", ["val", "test"])
def test_each_stage_logs_its_cer_and_wer_under_their_own_names(spelled_lit, stage):
    from text_recognizer.metrics import character_error_rate, word_error_rate

    lit, batch, logged = spelled_lit
    lit._evaluate(batch, stage)
    expected = {
        "cer": character_error_rate(SPELLED_PREDICTIONS, SPELLED_REFERENCES),
        "wer": word_error_rate(SPELLED_PREDICTIONS, SPELLED_REFERENCES),
    }
    assert expected["cer"] != pytest.approx(expected["wer"])
    for name, value in expected.items():
        assert float(logged[f"{stage}/{name}"].compute()) == pytest.approx(value)


@pytest.mark.parametrize(
    "hook, reset, kept",
    [("on_validation_epoch_start", "val", "test"), ("on_test_epoch_start", "test", "val")],
)
def test_an_epoch_start_resets_its_own_stage_rates_only(spelled_lit, hook, reset, kept):
    lit, batch, _ = spelled_lit
    for stage in ("val", "test"):
        lit._evaluate(batch, stage)
    getattr(lit, hook)()
    assert int(lit.rates[reset].cer.units) == int(lit.rates[reset].wer.units) == 0
    assert int(lit.rates[kept].cer.units) > 0 and int(lit.rates[kept].wer.units) > 0


@pytest.mark.parametrize("decoding", ["greedy", "beam"])
def test_validation_decodes_up_to_twice_the_longest_reference_of_the_batch(
    decoding, monkeypatch, quiet_trainer
):
    """Long enough for every reference (a shorter cap would cut the long ones and report a
    CER the model did not earn), bounded so an untrained model does not run to max_length."""
    from text_recognizer.lit_models import paragraph

    asked: list[int | None] = []

    def recording(model, images, vocab, *args):
        asked.append(args[-1])
        return []

    monkeypatch.setattr(paragraph, "autoregressive_greedy", recording)
    monkeypatch.setattr(paragraph, "autoregressive_beam_search", recording)
    lit = ParagraphLitModel("tiny", decoding=decoding).eval()
    lit.trainer = quiet_trainer()
    lit.decode_batch({"images": None, "target_lengths": torch.tensor([3, 40, 7])})
    assert asked == [2 * 40 + 16]


@pytest.mark.parametrize("damage", ["missing", "unexpected"])
def test_a_checkpoint_that_does_not_hold_its_models_weights_is_refused_naming_them(
    damage, line_checkpoint, tmp_path
):
    """Loading what is there and leaving the rest at random would stage a broken model."""
    checkpoint = torch.load(line_checkpoint, weights_only=False)
    state = checkpoint["state_dict"]
    name = "model.head.weight"
    if damage == "missing":
        del state[name]
    else:
        state["model.extra.weight"] = state[name].clone()
    damaged = tmp_path / "damaged.ckpt"
    torch.save(checkpoint, damaged)
    with pytest.raises(ModelInputError, match="head.weight" if damage == "missing" else "extra"):
        load_model_from_checkpoint(damaged)


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"epochs: 3\nlr: 0.1\n", "cannot read checkpoint"),
        (b"", "cannot read checkpoint"),
        ([1, 2, 3], "not a text-recognizer checkpoint"),
        ({"hyper_parameters": {"model_kind": "line_ctc", "model_config": {}}}, "no state_dict"),
    ],
    ids=["text", "empty", "a_list", "no_state_dict"],
)
def test_a_file_that_is_not_a_checkpoint_is_refused_naming_it(content, problem, tmp_path):
    path = tmp_path / "not-a.ckpt"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        torch.save(content, path)
    with pytest.raises(ModelInputError, match=problem) as raised:
        load_model_from_checkpoint(path)
    assert "not-a.ckpt" in str(raised.value)


def test_a_model_loaded_from_a_checkpoint_is_in_eval_mode(line_checkpoint):
    """Ready to predict: dropout off, BatchNorm statistics frozen."""
    model, _ = load_model_from_checkpoint(line_checkpoint)
    assert not model.training
    assert not any(module.training for module in model.modules())


def test_the_paragraph_model_uses_plain_cross_entropy_unless_asked_to_smooth():
    """Label smoothing is an opt-in of the configs: by default the targets are one-hot."""
    assert ParagraphLitModel("tiny").hparams.label_smoothing == 0.0
    assert ParagraphLitModel("tiny", label_smoothing=0.1).hparams.label_smoothing == 0.1


def test_a_vocabulary_the_model_config_was_not_built_for_is_refused_naming_both_sizes():
    with pytest.raises(ModelInputError, match=r"model vocab_size \d+ != vocabulary size \d+"):
        LineCTCLitModel("tiny", vocabulary="abc")


def test_calling_the_line_module_runs_its_model_on_the_images_and_widths():
    torch.manual_seed(0)
    lit = LineCTCLitModel("tiny").eval()
    images, widths = torch.rand(2, 1, 40, 96), torch.tensor([96, 64])
    with torch.no_grad():
        called, direct = lit(images, widths), lit.model(images, widths)
    assert len(called) == len(direct)
    for got, want in zip(called, direct):
        assert torch.equal(got, want)
