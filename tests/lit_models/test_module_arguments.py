"""What a Lightning module is built with is what it trains and decodes with.

A constructor argument that is accepted and then ignored (a custom vocabulary replaced by the
default one, a beam width never passed to the decoder, a warm-up the schedule never reads) still
builds a module that trains. So does a misspelt setting that falls through to a default. Each
test here builds a module twice, once with every argument at its default and once with one
argument changed, and compares what the module *does* on a fixed batch: the vocabulary and model
it holds, its loss, the optimizer groups and learning rates it schedules over 100 steps, and the
call its decoder receives.
"""

from __future__ import annotations

import inspect
from types import SimpleNamespace
from typing import Any

import pytest
import torch

from text_recognizer.data.datasets import FakeDataset
from text_recognizer.data.preprocess import collate_lines, collate_paragraphs
from text_recognizer.errors import ModelInputError
from text_recognizer.lit_models import LineCTCLitModel, ParagraphLitModel
from text_recognizer.lit_models import line as line_module
from text_recognizer.lit_models import paragraph as paragraph_module
from text_recognizer.lit_models.base import RecognizerLitModel
from text_recognizer.models import config_to_dict
from text_recognizer.vocab import DEFAULT_VOCABULARY, Vocabulary

CLASSES = {"lines": LineCTCLitModel, "paragraphs": ParagraphLitModel}
#: The default vocabulary's characters in another order: same size, so the model still fits.
REORDERED = DEFAULT_VOCABULARY.characters[::-1]
#: One value away from the default per argument, and the arguments it only matters beside.
CHANGES: dict[str, tuple[Any, dict[str, Any]]] = {
    "lr": (2e-3, {}),
    "weight_decay": (0.05, {}),
    "schedule": ("onecycle", {}),
    "warmup_steps": (3, {}),  # over 100 steps the warm-up is min(warmup_steps, 10)
    "decoding": ("beam", {}),
    "beam_width": (3, {"decoding": "beam"}),
    "vocabulary": (REORDERED, {}),
    "label_smoothing": (0.2, {}),
}
#: Arguments with no single other value to try, and why.
NOT_CHANGED = {
    "model_config": "it is the model: every test of the package builds one from it",
    "model_kind": "it may only repeat the class's own kind (refused otherwise, tested below)",
}
STEPS = 100


def constructor_arguments(cls: type[RecognizerLitModel]) -> set[str]:
    names: set[str] = set()
    for klass in cls.__mro__:
        if "__init__" in vars(klass) and issubclass(klass, RecognizerLitModel):
            for parameter in inspect.signature(klass.__init__).parameters.values():
                if parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                    names.add(parameter.name)
    return names - {"self"}


class DecoderCall(Exception):
    """Raised by a stand-in decoder once it has recorded what it was asked to do."""


@pytest.fixture(scope="module")
def batches() -> dict[str, dict[str, Any]]:
    lines = FakeDataset("lines", 2, "train", seed=1)
    pages = FakeDataset("paragraphs", 1, "train", seed=1)
    return {
        "lines": collate_lines([lines[0], lines[1]]),
        "paragraphs": collate_paragraphs([pages[0]]),
    }


def decoder_call(lit: RecognizerLitModel, batch: dict[str, Any], monkeypatch) -> str:
    """The decoder ``lit.decode_batch`` calls and what it passes, vocabulary included."""
    module = line_module if isinstance(lit, LineCTCLitModel) else paragraph_module
    names = ("ctc_greedy", "ctc_beam_search", "autoregressive_greedy", "autoregressive_beam_search")
    for name in names:
        if hasattr(module, name):

            def stand_in(*args: Any, _name: str = name) -> None:
                shown = [a.characters if isinstance(a, Vocabulary) else a for a in args[2:]]
                raise DecoderCall(f"{_name}{tuple(shown)}")

            monkeypatch.setattr(module, name, stand_in)
    with pytest.raises(DecoderCall) as call:
        lit.decode_batch(batch)
    return str(call.value)


def behaviour(kind: str, batch: dict[str, Any], monkeypatch, **arguments: Any) -> dict[str, Any]:
    """What a module built with ``arguments`` holds, computes, schedules and decodes."""
    torch.manual_seed(0)
    lit = CLASSES[kind]("tiny", **arguments).eval()
    lit._trainer = SimpleNamespace(estimated_stepping_batches=STEPS, predicting=False)
    with torch.no_grad():
        loss = float(lit.compute_loss(batch))
    optimizers = lit.configure_optimizers()
    optimizer = optimizers["optimizer"] if isinstance(optimizers, dict) else optimizers
    groups = [(group["lr"], group["weight_decay"]) for group in optimizer.param_groups]
    rates = []
    scheduler = optimizers["lr_scheduler"]["scheduler"] if isinstance(optimizers, dict) else None
    for _ in range(STEPS):
        rates.append(round(optimizer.param_groups[0]["lr"], 12))
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
    return {
        "vocabulary": lit.vocab.characters,
        "model": config_to_dict(lit.model.config),
        "loss": round(loss, 5),
        "groups": groups,
        "rates": rates,
        "decoder": decoder_call(lit, batch, monkeypatch),
    }


@pytest.mark.parametrize("kind", sorted(CLASSES))
def test_every_constructor_argument_is_changed_here_or_said_why_not(kind):
    arguments = constructor_arguments(CLASSES[kind])
    expected = set(CHANGES) if kind == "paragraphs" else set(CHANGES) - {"label_smoothing"}
    assert arguments == expected | set(NOT_CHANGED)


@pytest.mark.parametrize(
    "kind,argument",
    [
        (kind, name)
        for kind in sorted(CLASSES)
        for name in sorted(CHANGES)
        if name in constructor_arguments(CLASSES[kind])  # label smoothing: paragraphs only
    ],
)
def test_an_argument_changes_what_the_module_does(kind, argument, batches, monkeypatch):
    value, beside = CHANGES[argument]
    without = behaviour(kind, batches[kind], monkeypatch, **beside)
    changed = behaviour(kind, batches[kind], monkeypatch, **beside, **{argument: value})
    assert changed != without, f"{argument}={value!r} changed nothing the module does"


@pytest.mark.parametrize("kind", sorted(CLASSES))
def test_a_custom_vocabulary_is_the_one_the_module_uses_and_checkpoints(kind):
    lit = CLASSES[kind]("tiny", vocabulary=REORDERED)
    assert lit.vocab.characters == REORDERED
    assert lit.hparams["vocabulary"] == REORDERED


@pytest.mark.parametrize("kind", sorted(CLASSES))
@pytest.mark.parametrize("decoding", ["Beam", "beams", "greedy ", ""])
def test_a_misspelt_decoding_is_refused_naming_it(kind, decoding):
    with pytest.raises(ModelInputError, match=f"unknown decoding {decoding!r}"):
        CLASSES[kind]("tiny", decoding=decoding)


@pytest.mark.parametrize("kind", sorted(CLASSES))
def test_a_model_kind_other_than_the_class_own_is_refused(kind):
    other = "line_ctc" if kind == "paragraphs" else "paragraph_transformer"
    with pytest.raises(ModelInputError, match=f"not {other!r}"):
        CLASSES[kind]("tiny", model_kind=other)
