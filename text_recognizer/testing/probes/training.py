"""Probes of the training stage: losses, error-rate metrics, learning-rate schedules, the lit
models' hooks and the training entry point's configs, overrides, callbacks and data module."""

from __future__ import annotations

import argparse
import copy
import inspect
import logging
import re
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator, Sequence

import numpy as np
import torch
from torch import nn

from text_recognizer.lit_models import LineCTCLitModel, ParagraphLitModel, RecognizerLitModel
from text_recognizer.lit_models.base import one_cycle_warmup, parameter_groups, warmup_cosine
from text_recognizer.lit_models.metrics import EditErrorRate, ErrorRates
from text_recognizer.lit_models.paragraph import teacher_forcing_pair
from text_recognizer.metrics import (
    character_error_rate,
    edit_counts,
    edit_distance,
    inline_diff,
    word_error_rate,
)
from text_recognizer.models import config_to_dict, preset
from text_recognizer.testing.probes import probe
from text_recognizer.training.config import (
    PLAUSIBLE_RANGES,
    ExperimentConfigError,
    check_ranges,
    load_config,
    shipped_configs,
)
from text_recognizer.training.experiment import (
    add_arguments,
    apply_overrides,
    archive_previous_run,
    build_data_module,
    build_trainer,
)
from text_recognizer.vocab import DEFAULT_VOCABULARY as VOCAB

# -- shared inputs --------------------------------------------------------------------------

#: Line batch: texts, unpadded widths (the batch is padded to the first), tiny frames are 4 px.
LINE_TEXTS = ["ab cd", "hi", "x"]
LINE_WIDTHS = [96, 64, 40]
#: Paragraph batch: the tiny preset on small images so a forward pass costs milliseconds.
PARAGRAPH_TEXTS = ["ab\ncd", "hi", "xyz e"]
PARAGRAPH_SIZE = (64, 96)


def _line_batch(seed: int = 11) -> dict[str, Any]:
    """Three lines of seeded ink rectangles, right-padded with paper, targets padded."""
    rng = np.random.default_rng(seed)
    width = max(LINE_WIDTHS)
    images = np.zeros((len(LINE_TEXTS), 1, 40, width), dtype=np.float32)
    for row, (text, used) in enumerate(zip(LINE_TEXTS, LINE_WIDTHS)):
        for index in range(len(text)):
            left = 4 + index * (used - 8) // max(1, len(text))
            top = int(rng.integers(6, 14))
            images[row, 0, top : top + int(rng.integers(12, 22)), left : left + 5] = 1.0
    targets, lengths = VOCAB.pad_batch([VOCAB.encode(text) for text in LINE_TEXTS])
    return {
        "images": torch.from_numpy(images),
        "widths": torch.tensor(LINE_WIDTHS),
        "targets": targets,
        "target_lengths": lengths,
        "texts": list(LINE_TEXTS),
        "ids": [f"line-{row}" for row in range(len(LINE_TEXTS))],
    }


def _paragraph_batch(seed: int = 12) -> dict[str, Any]:
    """Three small paragraph images of seeded rectangles, targets padded with ``<pad>``."""
    rng = np.random.default_rng(seed)
    height, width = PARAGRAPH_SIZE
    images = np.zeros((len(PARAGRAPH_TEXTS), 1, height, width), dtype=np.float32)
    for row in range(len(PARAGRAPH_TEXTS)):
        for _ in range(6):
            top, left = int(rng.integers(2, height - 12)), int(rng.integers(2, width - 12))
            images[row, 0, top : top + 8, left : left + int(rng.integers(3, 10))] = 1.0
    targets, lengths = VOCAB.pad_batch([VOCAB.encode(text) for text in PARAGRAPH_TEXTS])
    return {
        "images": torch.from_numpy(images),
        "widths": torch.full((len(PARAGRAPH_TEXTS),), width),
        "targets": targets,
        "target_lengths": lengths,
        "texts": list(PARAGRAPH_TEXTS),
        "ids": [f"para-{row}" for row in range(len(PARAGRAPH_TEXTS))],
    }


def _line_lit(seed: int = 0, **kwargs: Any) -> LineCTCLitModel:
    torch.manual_seed(seed)
    return LineCTCLitModel("tiny", **kwargs)


def _paragraph_lit(seed: int = 0, max_length: int = 514, **kwargs: Any) -> ParagraphLitModel:
    torch.manual_seed(seed)
    height, width = PARAGRAPH_SIZE
    config = preset(
        "paragraph_transformer",
        "tiny",
        image_height=height,
        image_width=width,
        max_length=max_length,
    )
    return ParagraphLitModel(config, **kwargs)


def _stand_in_trainer(**fields: Any) -> SimpleNamespace:
    """What the lit models read of their trainer, without building one."""
    settings = {"world_size": 1, "predicting": False, "estimated_stepping_batches": 30}
    settings.update(fields)
    return SimpleNamespace(**settings)


class SpelledFrames(nn.Module):
    """A stand-in line model: row ``r`` spells ``spelled[r]`` (blank written "-") over its first
    ``lengths[r]`` frames with peaks cycling 6, 3, 2 (so confidences differ); padded frames
    spell "x" with a tall peak, so a decoder or loss that reads past a length shows."""

    def __init__(self, spelled: Sequence[str], lengths: Sequence[int]) -> None:
        super().__init__()
        self.spelled, self.lengths = list(spelled), list(lengths)
        self.anchor = nn.Parameter(torch.zeros(1))

    def forward(self, images: Any, widths: Any) -> tuple[torch.Tensor, torch.Tensor]:
        frames = max(len(text) for text in self.spelled)
        logits = torch.zeros(len(self.spelled), frames, len(VOCAB))
        logits[:, :, int(VOCAB.encode("x")[0])] = 8.0
        for row, text in enumerate(self.spelled):
            for frame, char in enumerate(text[: self.lengths[row]]):
                index = VOCAB.blank_index if char == "-" else int(VOCAB.encode(char)[0])
                logits[row, frame] = 0.0
                logits[row, frame, index] = (6.0, 3.0, 2.0)[frame % 3]
        return torch.log_softmax(logits + self.anchor, dim=-1), torch.tensor(self.lengths)


#: What the stand-in reads (row 0 has padded frames after its 7), and the batch's references.
SPELLED = ["h-e-l-o", "a-b-c-d-e-f", "w"]
SPELLED_LENGTHS = [7, 11, 1]
SPELLED_REFERENCES = ["hello world", "ab", "we"]


def _spelled_lit(decoding: str = "greedy") -> tuple[LineCTCLitModel, dict[str, Any], list]:
    """A line lit model over the stand-in, its batch, and the list its ``self.log`` fills."""
    lit = _line_lit(decoding=decoding, beam_width=2)
    lit.model = SpelledFrames(SPELLED, SPELLED_LENGTHS)
    targets, lengths = VOCAB.pad_batch([VOCAB.encode(text) for text in SPELLED_REFERENCES])
    batch = {
        "images": None,
        "widths": None,
        "targets": targets,
        "target_lengths": lengths,
        "texts": list(SPELLED_REFERENCES),
        "ids": ["s0", "s1", "s2"],
    }
    logged: list = []

    def log(name: str, value: Any, **kwargs: Any) -> None:
        logged.append((name, value, kwargs))

    lit.log = log
    return lit, batch, logged


def _logged_value(value: Any) -> float:
    if hasattr(value, "compute"):
        return float(value.compute())
    return float(value.detach()) if isinstance(value, torch.Tensor) else float(value)


def _describe_calls(logged: list) -> list[str]:
    """``name: kwargs`` of each ``self.log`` call, in order."""
    return [
        f"{name} ({type(value).__name__}): "
        + ", ".join(f"{key}={kwargs[key]!r}" for key in sorted(kwargs))
        for name, value, kwargs in logged
    ]


def _flat(config: Any, prefix: str = "") -> list[str]:
    """``path=repr(value)`` of every leaf of a nested dict, in key order."""
    if isinstance(config, dict):
        if not config and prefix:
            return [f"{prefix}={{}}"]
        lines: list[str] = []
        for key in sorted(config, key=str):
            lines += _flat(config[key], f"{prefix}.{key}" if prefix else str(key))
        return lines
    return [f"{prefix}={config!r}"]


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence Lightning's informational logging and warnings for the block."""
    names = ("lightning.pytorch", "lightning.fabric", "lightning")
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


# -- losses -----------------------------------------------------------------------------------


@probe("training/line_ctc_loss")
def line_ctc_loss() -> dict[str, Any]:
    """Line CTC loss on a padded batch: train/eval mode, per sample, padding-blind, at init."""
    batch = _line_batch()
    lit = _line_lit(seed=1)
    with torch.no_grad():
        train_loss = lit.compute_loss(batch)
        lit.eval()
        eval_loss = lit.compute_loss(batch)
        scrambled = dict(batch)
        images = batch["images"].clone()
        targets = batch["targets"].clone()
        generator = torch.Generator().manual_seed(5)
        for row, (width, length) in enumerate(zip(LINE_WIDTHS, batch["target_lengths"])):
            images[row, :, :, width:] = torch.rand(
                1, 40, images.shape[-1] - width, generator=generator
            )
            targets[row, int(length) :] = 20 + row
        scrambled.update(images=images, targets=targets)
        scrambled_loss = lit.compute_loss(scrambled)
        single = []
        for row, (width, length) in enumerate(zip(LINE_WIDTHS, batch["target_lengths"])):
            one = {
                "images": batch["images"][row : row + 1, :, :, :width],
                "widths": batch["widths"][row : row + 1],
                "targets": batch["targets"][row : row + 1, : int(length)],
                "target_lengths": batch["target_lengths"][row : row + 1],
            }
            single.append(float(lit.compute_loss(one)))
    return {
        "train_mode": train_loss,
        "eval_mode": eval_loss,
        "eval_padding_scrambled": scrambled_loss,
        "per_sample_unpadded": single,
        "mean_of_per_sample": float(np.mean(single)),
    }


@probe("training/line_ctc_loss_fixed_log_probs")
def line_ctc_loss_fixed_log_probs() -> dict[str, Any]:
    """CTC loss of fixed log-probabilities: blank index, frame lengths, zero_infinity, padding."""

    class Fixed(nn.Module):
        def __init__(self, log_probs: torch.Tensor, lengths: list[int]) -> None:
            super().__init__()
            self.log_probs, self.lengths = log_probs, lengths

        def forward(self, images: Any, widths: Any) -> tuple[torch.Tensor, torch.Tensor]:
            return self.log_probs, torch.tensor(self.lengths)

    generator = torch.Generator().manual_seed(21)
    log_probs = torch.log_softmax(3 * torch.randn(3, 9, len(VOCAB), generator=generator), -1)
    texts = ["abba", "c", "dddd"]  # "dddd" needs 7 frames; row 2 gets 5: impossible
    targets, lengths = VOCAB.pad_batch([VOCAB.encode(text) for text in texts])
    batch = {"images": None, "widths": None, "targets": targets, "target_lengths": lengths}
    lit = _line_lit()
    frame_lengths = [9, 4, 5]
    lit.model = Fixed(log_probs, frame_lengths)
    loss = lit.compute_loss(batch)
    garbage = log_probs.clone()
    garbage[1, 4:] = torch.log_softmax(torch.randn(5, len(VOCAB), generator=generator), -1)
    lit.model = Fixed(garbage, frame_lengths)
    loss_garbage_padding = lit.compute_loss(batch)
    lit.model = Fixed(log_probs, [9, 4, 9])
    loss_all_possible = lit.compute_loss(batch)
    blank_first = log_probs.clone()
    blank_first[..., [0, 1]] = blank_first[..., [1, 0]]
    lit.model = Fixed(blank_first, frame_lengths)
    loss_blank_swapped = lit.compute_loss(batch)
    return {
        "loss": loss,
        "loss_garbage_after_lengths": loss_garbage_padding,
        "loss_all_alignments_possible": loss_all_possible,
        "loss_blank_and_pad_swapped": loss_blank_swapped,
    }


@probe("training/paragraph_loss")
def paragraph_loss() -> dict[str, Any]:
    """Paragraph cross-entropy: label smoothing 0/0.1, eval vs train (dropout), padding ignored."""
    batch = _paragraph_batch()
    results: dict[str, Any] = {}
    for smoothing in (0.0, 0.1):
        lit = _paragraph_lit(seed=2, label_smoothing=smoothing)
        key = f"smoothing_{smoothing:g}"
        with torch.no_grad():
            torch.manual_seed(3)
            results[f"{key}.train_mode"] = lit.compute_loss(batch)
            lit.eval()
            results[f"{key}.eval_mode"] = lit.compute_loss(batch)
            single = []
            for row, length in enumerate(batch["target_lengths"].tolist()):
                one = {
                    "images": batch["images"][row : row + 1],
                    "targets": batch["targets"][row : row + 1, :length],
                    "target_lengths": batch["target_lengths"][row : row + 1],
                }
                single.append(float(lit.compute_loss(one)))
        tokens = [length + 1 for length in batch["target_lengths"].tolist()]
        results[f"{key}.per_sample"] = single
        results[f"{key}.token_weighted_mean"] = float(np.average(single, weights=tokens))
    return results


@probe("training/paragraph_loss_fixed_logits")
def paragraph_loss_fixed_logits() -> dict[str, Any]:
    """Paragraph loss of fixed logits: decoder input, end token, ignored padding, smoothing."""

    class Fixed(nn.Module):
        def __init__(self, logits: torch.Tensor) -> None:
            super().__init__()
            self.logits = logits
            self.seen: list[torch.Tensor] = []

        def forward(self, images: Any, tokens: torch.Tensor) -> torch.Tensor:
            self.seen.append(tokens.clone())
            return self.logits

    generator = torch.Generator().manual_seed(31)
    targets, lengths = VOCAB.pad_batch([VOCAB.encode(t) for t in ("abc", "d", "")], length=4)
    logits = 2 * torch.randn(3, 5, len(VOCAB), generator=generator)
    _, expected = teacher_forcing_pair(targets, lengths, VOCAB)
    logits.scatter_add_(2, expected.unsqueeze(-1), torch.full((3, 5, 1), 6.0))  # mostly right
    batch = {"images": None, "targets": targets, "target_lengths": lengths}
    results: dict[str, Any] = {}
    for smoothing in (0.0, 0.1, 0.3):
        lit = _paragraph_lit(label_smoothing=smoothing)
        lit.model = Fixed(logits)
        results[f"loss_smoothing_{smoothing:g}"] = lit.compute_loss(batch)
        results["decoder_input"] = lit.model.seen[0]
    pad_logits = logits.clone()
    pad_logits[0, 4] += 5 * torch.randn(len(VOCAB), generator=generator)  # after row 0's <end>
    pad_logits[1, 2:] -= 7.0
    lit = _paragraph_lit(label_smoothing=0.1)
    lit.model = Fixed(pad_logits)
    results["loss_smoothing_0.1_padded_logits_changed"] = lit.compute_loss(batch)
    return results


@probe("training/teacher_forcing_pair")
def teacher_forcing_pairs() -> dict[str, Any]:
    """``<start> text`` inputs and ``text <end>`` outputs, lengths 3/1/0, extra padding column."""
    targets, lengths = VOCAB.pad_batch([VOCAB.encode(t) for t in ("abc", "d", "")], length=5)
    inputs, outputs = teacher_forcing_pair(targets, lengths, VOCAB)
    return {"inputs": inputs, "outputs": outputs, "dtype_is_long": inputs.dtype == torch.long}


# -- metrics ----------------------------------------------------------------------------------

#: (prediction, reference): exact, empties, repeated words, newlines, case, spacing, swaps.
METRIC_PAIRS = [
    ("hello world", "hello world"),
    ("", "hello"),
    ("abc", ""),
    ("", ""),
    ("the the cat", "the cat"),
    ("the cat", "the the cat"),
    ("line one\nline two", "line one line two"),
    ("line one\nline two", "line one\nline tow"),
    ("kitten", "sitting"),
    ("ab", "ba"),
    ("Hello", "hello"),
    ("a  b", "a b"),
    (" lead", "lead "),
    ("aaa", "aaaa"),
    ("x y z", "z y x"),
]


@probe("training/edit_counts")
def edit_count_probe() -> dict[str, Any]:
    """Character and word edit counts of each fixed pair, and corpus totals."""
    char = [edit_counts(p, r, "char") for p, r in METRIC_PAIRS]
    word = [edit_counts(p, r, "word") for p, r in METRIC_PAIRS]
    predictions = [p for p, _ in METRIC_PAIRS]
    references = [r for _, r in METRIC_PAIRS]
    corpus_char = edit_counts(predictions, references, "char")
    corpus_word = edit_counts(predictions, references, "word")
    return {
        "char_errors": [c.errors for c in char],
        "char_units": [c.units for c in char],
        "word_errors": [w.errors for w in word],
        "word_units": [w.units for w in word],
        "corpus_char": [corpus_char.errors, corpus_char.units],
        "corpus_word": [corpus_word.errors, corpus_word.units],
        "edit_distance_reversed_args": [edit_distance(r, p) for p, r in METRIC_PAIRS],
        "edit_distance_lists": [
            edit_distance([1, 2, 3], [1, 3]),
            edit_distance([], [1, 2]),
            edit_distance("abcdef", "azcdxf"),
            edit_distance(["a", "b"], ["a", "b"]),
        ],
    }


@probe("training/error_rates")
def error_rate_probe() -> dict[str, Any]:
    """CER and WER per pair and over the corpus, one-pair corpora, refusals, inline diffs."""
    predictions = [p for p, _ in METRIC_PAIRS]
    references = [r for _, r in METRIC_PAIRS]
    refusals = []
    for call in (
        lambda: character_error_rate("a", ["a"]),
        lambda: word_error_rate(["a"], ["a", "b"]),
        lambda: edit_counts("a", "a", "line"),
    ):
        try:
            call()
            refusals.append("accepted")
        except (TypeError, ValueError) as error:
            refusals.append(type(error).__name__)
    return {
        "cer": [character_error_rate(p, r) for p, r in METRIC_PAIRS],
        "wer": [word_error_rate(p, r) for p, r in METRIC_PAIRS],
        "corpus_cer": character_error_rate(predictions, references),
        "corpus_wer": word_error_rate(predictions, references),
        "one_pair_corpus_equals_pair": [
            character_error_rate([p], [r]) == character_error_rate(p, r) for p, r in METRIC_PAIRS
        ],
        "tuple_corpus_cer": character_error_rate(tuple(predictions[:3]), tuple(references[:3])),
        "refusals": refusals,
        "inline_diff": [inline_diff(r, p) for p, r in METRIC_PAIRS],
    }


@probe("training/error_rates_metric")
def error_rates_metric() -> dict[str, Any]:
    """ErrorRates over update, update, reset, update: rates and summed states after each."""
    rates = ErrorRates()
    steps = [
        ("update", ["hello world"], ["hello word"]),
        ("update", ["", "abc", "a\nb"], ["xyz", "abc", "a b"]),
        ("reset", None, None),
        ("update", ["a b"], ["a b c"]),
        ("update", [], []),
    ]
    cer, wer, states = [], [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for action, predictions, references in steps:
            if action == "reset":
                rates.reset()
            else:
                rates.update(predictions, references)
            computed = rates.compute()
            cer.append(float(computed["cer"]))
            wer.append(float(computed["wer"]))
            states.append(
                [int(rates.cer.errors), int(rates.cer.units)]
                + [int(rates.wer.errors), int(rates.wer.units)]
            )
        single = EditErrorRate("word")
        batch_value = single(["a b c", "d"], ["a x c", "e f"])
        single.update(["q"], ["q"])
        after = single.compute()
    return {
        "cer": cer,
        "wer": wer,
        "states_cer_errors_units_wer_errors_units": states,
        "state_dtypes_long": [
            rates.cer.errors.dtype == torch.long,
            rates.wer.units.dtype == torch.long,
        ],
        "flags_higher_full_differentiable": [
            EditErrorRate.higher_is_better,
            EditErrorRate.full_state_update,
            EditErrorRate.is_differentiable,
        ],
        "units": [rates.cer.unit, rates.wer.unit],
        "forward_batch_value": batch_value,
        "forward_then_update_compute": after,
    }


# -- learning-rate schedules --------------------------------------------------------------------


@probe("training/warmup_cosine")
def warmup_cosine_probe() -> dict[str, Any]:
    """warmup_cosine factors around 0, the warm-up end, mid-decay, the end and past it."""
    cases = {
        "w10_t100": (10, 100, [0, 1, 8, 9, 10, 11, 30, 55, 99, 100, 101, 150]),
        "w0_t50": (0, 50, [0, 1, 25, 49, 50, 60]),
        "w2_t10": (2, 10, [0, 1, 2, 3, 6, 9, 10]),
        "w5_t5": (5, 5, [0, 4, 5, 6]),
        "w1_t1": (1, 1, [0, 1, 2]),
    }
    results: dict[str, Any] = {}
    for name, (warmup, total, steps) in cases.items():
        results[name] = [warmup_cosine(step, warmup, total) for step in steps]
    results["w10_t100_floor0"] = [warmup_cosine(s, 10, 100, floor=0.0) for s in (10, 55, 100)]
    results["w10_t100_floor0.2"] = [warmup_cosine(s, 10, 100, floor=0.2) for s in (10, 55, 100)]
    return results


@probe("training/one_cycle_warmup")
def one_cycle_warmup_probe() -> dict[str, Any]:
    """OneCycleLR's pct_start for runs of 0 to 1000 steps (the 2-step floor and the tenth)."""
    steps = [0, 1, 2, 5, 9, 10, 18, 19, 20, 21, 29, 30, 99, 1000]
    return {"steps": steps, "pct_start": [one_cycle_warmup(s) for s in steps]}


def _lr_trace(lit: RecognizerLitModel, total: int, batches: int) -> dict[str, Any]:
    """configure_optimizers for a run of ``total`` steps, stepped as Lightning would."""
    lit.trainer = _stand_in_trainer(estimated_stepping_batches=total)
    configured = lit.configure_optimizers()
    if isinstance(configured, torch.optim.Optimizer):
        optimizer, scheduler, interval, frequency = configured, None, "none", 1
        keys = ["optimizer only"]
    else:
        optimizer = configured["optimizer"]
        settings = configured["lr_scheduler"]
        scheduler = settings["scheduler"]
        interval, frequency = settings.get("interval", "epoch"), settings.get("frequency", 1)
        keys = sorted(configured) + [f"lr_scheduler.{key}" for key in sorted(settings)]
    betas_eps = [*optimizer.param_groups[0]["betas"], optimizer.param_groups[0]["eps"]]
    lrs, beta1 = [], []
    for batch in range(batches):
        lrs.append([group["lr"] for group in optimizer.param_groups])
        beta1.append(optimizer.param_groups[0]["betas"][0])
        if batch == batches - 1:
            break
        optimizer.step()  # no gradients: the weights stay, the scheduler sees a step
        if scheduler is not None and interval == "step" and (batch + 1) % frequency == 0:
            scheduler.step()
    groups = optimizer.param_groups
    return {
        "optimizer": type(optimizer).__name__,
        "scheduler": type(scheduler).__name__ if scheduler is not None else "none",
        "returned_keys": keys,
        "interval": interval,
        "initial_betas_eps": betas_eps,
        "group_weight_decay": [group["weight_decay"] for group in groups],
        "group_tensors": [len(group["params"]) for group in groups],
        "group_numel": [sum(p.numel() for p in group["params"]) for group in groups],
        "lr_per_batch": np.asarray(lrs),
        "beta1_per_batch": beta1,
    }


@probe("training/optimizers_line_cosine")
def optimizers_line_cosine() -> dict[str, Any]:
    """Line model, default settings: AdamW groups and the cosine lr of 31 and of 8 batches."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = _lr_trace(_line_lit(), total=30, batches=31)
        short = _lr_trace(_line_lit(), total=5, batches=8)
    return {**run, "short_run_lr": short["lr_per_batch"][:, 0]}


@probe("training/optimizers_line_onecycle")
def optimizers_line_onecycle() -> dict[str, Any]:
    """Line model, one-cycle schedule: lr and beta1 over a 30-step and a 9-step run."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = _lr_trace(_line_lit(schedule="onecycle", lr=2e-3), total=30, batches=31)
        short = _lr_trace(_line_lit(schedule="onecycle", lr=2e-3), total=9, batches=10)
    return {
        **run,
        "short_run_lr": short["lr_per_batch"][:, 0],
        "short_run_beta1": short["beta1_per_batch"],
    }


@probe("training/optimizers_constant")
def optimizers_constant() -> dict[str, Any]:
    """Constant schedule: the optimizer alone, its betas/eps, and an lr that never moves."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = _lr_trace(_line_lit(schedule="constant", lr=4e-3, weight_decay=0.2), 30, 31)
    return run


@probe("training/optimizers_paragraph")
def optimizers_paragraph() -> dict[str, Any]:
    """Paragraph model: AdamW groups (decay 0.05) and the cosine lr with a 2-step warm-up."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lit = _paragraph_lit(lr=5e-4, weight_decay=0.05, warmup_steps=2, label_smoothing=0.1)
        run = _lr_trace(lit, total=30, batches=31)
    return run


@probe("training/parameter_groups")
def parameter_groups_probe() -> dict[str, Any]:
    """Which parameters decay: matrices and kernels, never biases, norms, embeddings, frozen."""

    class Toy(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(1, 2, 3)
            self.norm = nn.LayerNorm(4)
            self.token_embedding = nn.Embedding(5, 4)
            self.proj = nn.Linear(4, 3)
            self.frozen = nn.Linear(2, 2)
            self.frozen.requires_grad_(False)
            self.scale = nn.Parameter(torch.ones(()))

    results: dict[str, Any] = {}
    models = {
        "toy": Toy(),
        "line_tiny": _line_lit().model,
        "paragraph_tiny": _paragraph_lit().model,
    }
    for name, model in models.items():
        names = {id(p): n for n, p in model.named_parameters()}
        decay, no_decay = parameter_groups(model, 0.07)
        results[f"{name}.weight_decay"] = [decay["weight_decay"], no_decay["weight_decay"]]
        results[f"{name}.tensors"] = [len(decay["params"]), len(no_decay["params"])]
        results[f"{name}.numel"] = [
            sum(p.numel() for p in decay["params"]),
            sum(p.numel() for p in no_decay["params"]),
        ]
        if name != "paragraph_tiny":
            results[f"{name}.decay_names"] = [names[id(p)] for p in decay["params"]]
        results[f"{name}.no_decay_names"] = [names[id(p)] for p in no_decay["params"]]
    return results


# -- lit-model hooks -----------------------------------------------------------------------------


@probe("training/evaluate_val_and_test")
def evaluate_val_and_test() -> dict[str, Any]:
    """_evaluate per stage: names and options logged, loss, CER/WER, DDP sync of the loss."""
    results: dict[str, Any] = {}
    for stage in ("val", "test"):
        lit, batch, logged = _spelled_lit()
        loss = lit._evaluate(batch, stage)
        results[f"{stage}.calls"] = _describe_calls(logged)
        results[f"{stage}.values"] = [_logged_value(value) for _, value, _ in logged]
        results[f"{stage}.returned_loss"] = loss
        results[f"{stage}.other_stage_units"] = int(
            lit.rates["test" if stage == "val" else "val"].cer.units
        )
    lit, batch, logged = _spelled_lit()
    lit.trainer = _stand_in_trainer(world_size=2)
    lit._evaluate(batch, "val")
    results["ddp.calls"] = _describe_calls(logged)
    return results


@probe("training/epoch_start_resets")
def epoch_start_resets() -> dict[str, Any]:
    """on_validation/test_epoch_start: which stage's rates each clears, and what accumulates."""
    lit, batch, _ = _spelled_lit()

    def states() -> list[int]:
        return [
            int(getattr(getattr(lit.rates[stage], unit), state))
            for stage in ("val", "test")
            for unit in ("cer", "wer")
            for state in ("errors", "units")
        ]

    trace: dict[str, Any] = {}
    lit._evaluate(batch, "val")
    lit._evaluate(batch, "val")
    lit._evaluate(batch, "test")
    trace["after_val_val_test"] = states()
    lit.on_validation_epoch_start()
    trace["after_validation_epoch_start"] = states()
    lit._evaluate(batch, "val")
    trace["after_val_again"] = states()
    lit.on_test_epoch_start()
    trace["after_test_epoch_start"] = states()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trace["rates_val_cer_wer_test_cer_wer"] = [
            float(lit.rates[stage].compute()[unit])
            for stage in ("val", "test")
            for unit in ("cer", "wer")
        ]
    trace["state_order"] = "errors, units of val.cer, val.wer, test.cer, test.wer"
    return trace


@probe("training/predict_step")
def predict_step_probe() -> dict[str, Any]:
    """predict_step with greedy and beam decoding: ids, texts, confidences, char confidences."""
    results: dict[str, Any] = {}
    for decoding in ("greedy", "beam"):
        lit, batch, _ = _spelled_lit(decoding)
        out = lit.predict_step(batch, 0)
        no_ids = lit.predict_step({key: v for key, v in batch.items() if key != "ids"}, 1)
        results[f"{decoding}.keys"] = sorted(out)
        results[f"{decoding}.ids"] = out["ids"]
        results[f"{decoding}.ids_when_absent"] = len(no_ids["ids"])
        results[f"{decoding}.texts"] = out["texts"]
        results[f"{decoding}.confidences"] = out["confidences"]
        results[f"{decoding}.char_confidence_lengths"] = [len(c) for c in out["char_confidences"]]
        results[f"{decoding}.char_confidences"] = [v for c in out["char_confidences"] for v in c]
    return results


@probe("training/training_step")
def training_step_probe() -> dict[str, Any]:
    """training_step on the line batch: loss (train mode), what it logs, equal to compute_loss."""
    batch = _line_batch()
    lit = _line_lit(seed=4)
    logged: list = []
    lit.log = lambda name, value, **kwargs: logged.append((name, value, kwargs))
    loss = lit.training_step(batch, 0)
    again = lit.compute_loss(batch)
    lit2, spelled_batch, logged2 = _spelled_lit()
    stand_in_loss = lit2.training_step(spelled_batch, 3)
    return {
        "loss": loss,
        "requires_grad": loss.requires_grad,
        "equals_compute_loss": bool(torch.equal(loss, again)),
        "model_in_train_mode": lit.training,
        "calls": _describe_calls(logged) + _describe_calls(logged2),
        "stand_in_loss": stand_in_loss,
    }


@probe("training/paragraph_decode_cap")
def paragraph_decode_cap() -> dict[str, Any]:
    """Paragraph decode_batch length caps: validation 2x longest + 16, predict/train/no trainer."""
    full = _paragraph_batch()
    batch = {"images": full["images"][:2], "target_lengths": torch.tensor([2, 1])}
    results: dict[str, Any] = {"validation_cap": 2 * 2 + 16, "model_max_length": 24}
    cases = {
        "no_trainer": (None, False),
        "validating": (_stand_in_trainer(predicting=False), False),
        "predicting": (_stand_in_trainer(predicting=True), False),
        "train_mode": (_stand_in_trainer(predicting=False), True),
    }
    for decoding in ("greedy", "beam"):
        lit = _paragraph_lit(seed=5, max_length=24, decoding=decoding, beam_width=2)
        with torch.no_grad():  # never <end>, always "a": decoding runs to its cap
            lit.model.head.bias[VOCAB.end_index] = -1e4
            lit.model.head.bias[int(VOCAB.encode("a")[0])] = 50.0
        names = list(cases) if decoding == "greedy" else ["validating", "predicting"]
        lengths = []
        for name in names:
            trainer, train_mode = cases[name]
            lit.trainer = trainer
            lit.train(train_mode)
            lengths.append([len(d.text) for d in lit.decode_batch(batch)])
        results[f"{decoding}.cases"] = names
        results[f"{decoding}.text_lengths"] = lengths
    return results


@probe("training/lit_hparams")
def lit_hparams() -> dict[str, Any]:
    """Hyperparameters each lit model saves (what a checkpoint records), defaults included."""
    line = _line_lit()
    paragraph = _paragraph_lit(label_smoothing=0.1)
    return {
        "line": _flat(dict(line.hparams)),
        "paragraph": [
            entry for entry in _flat(dict(paragraph.hparams)) if not entry.startswith("vocabulary")
        ],
        "stages_with_rates": [f"line.{s}" for s in line.rates]
        + [f"paragraph.{s}" for s in paragraph.rates],
    }


# -- training entry point ------------------------------------------------------------------------


def _describe_trainer(trainer: Any, out: Path) -> dict[str, Any]:
    from lightning.pytorch.callbacks import EarlyStopping, LearningRateMonitor, ModelCheckpoint

    fields: dict[str, Any] = {
        "callbacks": [type(callback).__name__ for callback in trainer.callbacks],
        "loggers": [type(logger).__name__ for logger in trainer.loggers] or ["none"],
        "numbers": [
            trainer.max_steps,
            trainer.log_every_n_steps,
            float(trainer.gradient_clip_val or 0.0),
            float(trainer.val_check_interval),
        ],
        "check_val_every_n_epoch": repr(trainer.check_val_every_n_epoch),
        "fast_dev_run": repr(trainer.fast_dev_run),
        "root_is_out": Path(trainer.default_root_dir) == out,
    }
    for callback in trainer.callbacks:
        if isinstance(callback, ModelCheckpoint):
            fields["checkpoint"] = [
                f"dirpath={Path(callback.dirpath).relative_to(out)}",
                f"monitor={callback.monitor!r}",
                f"mode={callback.mode!r}",
                f"save_last={callback.save_last!r}",
                f"save_top_k={callback.save_top_k!r}",
                f"filename={callback.filename!r}",
                f"auto_insert_metric_name={callback.auto_insert_metric_name!r}",
                f"save_weights_only={callback.save_weights_only!r}",
                f"every_n_train_steps={callback._every_n_train_steps!r}",
                f"every_n_epochs={callback._every_n_epochs!r}",
            ]
        elif isinstance(callback, EarlyStopping):
            fields["early_stopping"] = [
                f"monitor={callback.monitor!r}",
                f"mode={callback.mode!r}",
                f"patience={callback.patience!r}",
                f"min_delta={float(callback.min_delta)!r}",
                f"check_finite={callback.check_finite!r}",
                f"strict={callback.strict!r}",
            ]
        elif isinstance(callback, LearningRateMonitor):
            fields["lr_monitor"] = [
                f"logging_interval={callback.logging_interval!r}",
                f"log_momentum={callback.log_momentum!r}",
                f"log_weight_decay={callback.log_weight_decay!r}",
            ]
    for logger in trainer.loggers:
        fields["logger_dir"] = str(Path(logger.log_dir).relative_to(out))
    return fields


@probe("training/build_trainer")
def build_trainer_probe() -> dict[str, Any]:
    """build_trainer: checkpoint on min val/cer, early stopping, LR monitor only with loggers."""
    quiet = {"enable_progress_bar": False, "enable_model_summary": False}
    tiny = load_config("lines_tiny")
    base = load_config("lines_base")
    base["trainer"].update(accelerator="cpu", devices=1)
    cases = {
        "lines_tiny_no_logger": (tiny, "none", False),
        "lines_base_csv": (base, "csv", False),
        "lines_base_fast_dev_run": (base, "csv", True),
    }
    results: dict[str, Any] = {}
    with _quiet(), tempfile.TemporaryDirectory() as folder:
        for name, (config, logger, fast) in cases.items():
            config = copy.deepcopy(config)
            config["trainer"].update(quiet)
            out = Path(folder) / name
            trainer = build_trainer(config, out, logger=logger, fast_dev_run=fast)
            results[name] = _describe_trainer(trainer, out)
        default = build_trainer(
            {"trainer": {"accelerator": "cpu", **quiet}}, Path(folder) / "d", "none"
        )
        results["empty_config"] = _describe_trainer(default, Path(folder) / "d")
    return results


def _parser() -> argparse.ArgumentParser:
    return add_arguments(argparse.ArgumentParser(prog="train"))


@probe("training/apply_overrides")
def apply_overrides_probe() -> dict[str, Any]:
    """Each command-line option written into its section, zeros included; the file untouched."""
    config = {
        "model": {"kind": "line_ctc", "config": "tiny"},
        "trainer": {"max_steps": 100, "devices": 1, "precision": "32-true"},
        "data": {"batch_size": 16, "num_workers": 4, "module": "lines"},
        "seed": 3,
    }
    argvs = {
        "none": [],
        "all": ["--max-steps", "7", "--accelerator", "gpu", "--devices", "2", "--num-nodes", "3"]
        + ["--strategy", "ddp", "--precision", "bf16-mixed", "--data-dir", "d", "--batch-size"]
        + ["5", "--train-writers", "9", "--num-workers", "2", "--seed", "11"],
        "zeros": ["--max-steps", "0", "--devices", "0", "--num-nodes", "0", "--batch-size", "0"]
        + ["--train-writers", "0", "--num-workers", "0", "--seed", "0"],
        "devices_list": ["--devices", "0,1"],
        "devices_auto": ["--devices", "auto"],
        "run_flags_only": ["--out", "o", "--compile", "--fast-dev-run", "--resume", "c.ckpt"]
        + ["--logger", "none", "--no-test"],
    }
    parser = _parser()
    original = copy.deepcopy(config)
    results: dict[str, Any] = {}
    for name, argv in argvs.items():
        args = parser.parse_args(["--config", "x.yaml", *argv])
        results[name] = _flat(apply_overrides(config, args))
    args = parser.parse_args(["--config", "x.yaml", *argvs["all"]])
    results["sections_missing_or_null"] = _flat(
        apply_overrides({"model": {"kind": "line_ctc"}, "trainer": None}, args)
    )
    results["input_unchanged"] = config == original
    defaults = parser.parse_args(["--config", "x.yaml"])
    results["parser_defaults"] = [f"{k}={v!r}" for k, v in sorted(vars(defaults).items())]
    return results


def _lit_default(kind: str, key: str) -> Any:
    if key == "label_smoothing":
        default = inspect.signature(ParagraphLitModel.__init__).parameters[key].default
        return default if kind == "paragraph_transformer" else None
    return inspect.signature(RecognizerLitModel.__init__).parameters[key].default


@probe("training/shipped_configs")
def shipped_configs_probe() -> dict[str, Any]:
    """Every shipped config as resolved: sections, model config, lit settings and lr curve."""
    results: dict[str, Any] = {"names": shipped_configs()}
    for name in shipped_configs():
        config = load_config(name)
        kind = config["model"]["kind"]
        model = config["model"]
        resolved = preset(kind, model.get("config", "base"), **(model.get("overrides") or {}))
        lit = config.get("lit") or {}
        settings = {
            key: lit.get(key, _lit_default(kind, key))
            for key in ("lr", "weight_decay", "schedule", "warmup_steps", "decoding")
            + ("beam_width", "label_smoothing")
        }
        trainer = config.get("trainer") or {}
        data = config.get("data") or {}
        total = int(trainer["max_steps"])
        warmup = min(settings["warmup_steps"], max(1, total // 10))
        steps = [0, warmup - 1, warmup, total // 2, total - 1, total]
        results[name] = {
            "file": _flat(config),
            "model_config": _flat(config_to_dict(resolved)),
            "effective_lit": [f"{key}={value!r}" for key, value in settings.items()],
            "data_module": data.get("module", "(kind default)"),
            "batch_size_max_steps_seed": [int(data["batch_size"]), total, int(config["seed"])],
            "effective_warmup": warmup,
            "lr_at_steps": [settings["lr"] * warmup_cosine(s, warmup, total) for s in steps],
        }
    return results


@probe("training/config_ranges")
def config_ranges() -> dict[str, Any]:
    """The plausible-range table and check_ranges at, just inside and just outside each edge."""
    verdicts = []
    probes_ = []
    for (section, key), (low, high, _) in sorted(PLAUSIBLE_RANGES.items()):
        for value in (low, low * 0.99 if low else -1e-9, high, high * 1.01):
            if value == float("inf") or value != value:
                continue
            probes_.append(f"{section}.{key}={value:g}")
            try:
                check_ranges({section: {key: value}})
                verdicts.append(True)
            except ExperimentConfigError:
                verdicts.append(False)
    return {
        "keys": [f"{s}.{k}" for s, k in sorted(PLAUSIBLE_RANGES)],
        "bounds": [
            [low, high if high != float("inf") else -1.0]
            for _, (low, high, _) in sorted(PLAUSIBLE_RANGES.items())
        ],
        "checked": probes_,
        "accepted": verdicts,
    }


@probe("training/build_data_module")
def build_data_module_probe() -> dict[str, Any]:
    """build_data_module: module chosen, kind, seed precedence, sizes; a fake batch's texts."""
    configs = {
        "fake_lines": {
            "model": {"kind": "line_ctc"},
            "data": {
                "module": "fake",
                "train_size": 4,
                "val_size": 2,
                "test_size": 2,
                "batch_size": 2,
            },
            "seed": 7,
        },
        "fake_paragraphs_own_seed": {
            "model": {"kind": "paragraph_transformer"},
            "data": {"module": "fake", "seed": 3, "augment": True},
            "seed": 7,
        },
        "fake_no_seed": {"model": {"kind": "line_ctc"}, "data": {"module": "fake"}},
        "no_data_section": {"model": {"kind": "line_ctc"}, "seed": 2},
        "paragraphs_default_module": {
            "model": {"kind": "paragraph_transformer"},
            "data": {"batch_size": 4, "train_size": 8},
        },
    }
    results: dict[str, Any] = {}
    for name, config in configs.items():
        original = copy.deepcopy(config)
        module = build_data_module(config)
        results[name] = {
            "class": type(module).__name__,
            "kind": module.kind,
            "source": module.source,
            "numbers": [
                module.seed,
                module.batch_size,
                module.num_workers,
                *(module.sizes[split] for split in ("train", "val", "test")),
            ],
            "augment": module.augment,
            "config_unchanged": config == original,
        }
    module = build_data_module(configs["fake_lines"])
    val = next(iter(module.val_dataloader()))
    train = next(iter(module.train_dataloader()))
    results["fake_lines"]["val_texts"] = val["texts"]
    results["fake_lines"]["val_widths"] = val["widths"]
    results["fake_lines"]["val_image_shape"] = list(val["images"].shape)
    results["fake_lines"]["train_first_ids"] = train["ids"]
    return results


@probe("training/archive_previous_run")
def archive_previous_run_probe() -> dict[str, Any]:
    """Resuming moves metrics.csv/config.yaml/results.json into previous/<UTC stamp>/ only."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        files = {
            "logs/metrics.csv": "step,loss\n1,2.0\n",
            "config.yaml": "seed: 0\n",
            "checkpoints/last.ckpt": "weights",
            "logs/hparams.yaml": "lr: 1\n",
        }
        for name, text in files.items():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            (out / name).write_text(text)
        archive = archive_previous_run(out)
        assert archive is not None
        moved = sorted(str(p.relative_to(archive)) for p in archive.rglob("*") if p.is_file())
        kept = sorted(
            str(p.relative_to(out))
            for p in out.rglob("*")
            if p.is_file() and archive not in p.parents
        )
        contents_kept = all((archive / n).read_text() == files[n] for n in moved)
        second = archive_previous_run(out)
        return {
            "archive_parent": str(archive.parent.relative_to(out)),
            "stamp_is_utc_format": bool(re.fullmatch(r"\d{8}T\d{6}Z", archive.name)),
            "moved": moved,
            "kept": kept,
            "contents_kept": contents_kept,
            "second_call_archives_nothing": second is None,
        }
