"""Probes of the decoding stage (see text_recognizer.testing.probes): CTC greedy and beam search,
autoregressive greedy and beam search, temperatures, and the calibration of confidences."""

from __future__ import annotations

import io
import math
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from text_recognizer import calibration
from text_recognizer.calibration import LineOutput
from text_recognizer.calibration_plot import reliability_diagram
from text_recognizer.data.manifest import ManifestRecord, write_manifest
from text_recognizer.decoding import (
    Decoded,
    autoregressive_beam_search,
    autoregressive_greedy,
    ctc_beam_search,
    ctc_collapse,
    ctc_greedy,
    geometric_mean,
    tempered,
)
from text_recognizer.errors import ManifestError
from text_recognizer.models import build_model, preset
from text_recognizer.testing.probes import image_summary, probe
from text_recognizer.testing.probes.models import liven
from text_recognizer.vocab import DEFAULT_VOCABULARY as VOCAB

KeyValue = tuple[torch.Tensor, torch.Tensor]


# -- helpers ----------------------------------------------------------------------------------


def _index(char: str) -> int:
    return int(VOCAB.encode(char)[0])


def _error(call: Callable[[], Any]) -> str:
    """The message of the ``ValueError`` ``call`` raises, or "no error"."""
    try:
        call()
    except ValueError as error:
        return f"{type(error).__name__}: {error}"
    return "no error"


def _results(decoded: Sequence[Decoded]) -> dict[str, Any]:
    """Everything a decoder returned, flattened into reviewable fields."""
    return {
        "texts": [repr(item.text) for item in decoded],
        "confidence": [item.confidence for item in decoded],
        "log_prob": [item.log_prob for item in decoded],
        "char_confidences": [c for item in decoded for c in item.char_confidences] or [-1.0],
        "char_counts": [len(item.char_confidences) for item in decoded],
        "indices": [i for item in decoded for i in item.indices] or [-1],
        "index_counts": [len(item.indices) for item in decoded],
    }


def _path_log_probs(path: str, confident: float = 0.9) -> torch.Tensor:
    """``(1, T, C)`` log-probs whose best path spells ``path`` ("-" is the blank)."""
    probs = torch.full((len(path), len(VOCAB)), (1 - confident) / (len(VOCAB) - 1))
    for t, char in enumerate(path):
        probs[t, VOCAB.blank_index if char == "-" else _index(char)] = confident
    return probs.log().unsqueeze(0)


def _random_log_probs(
    seed: int, frames: int, batch: int = 1, labels: str = "ab ", spread: float = 1.5
) -> torch.Tensor:
    """Seeded ``(batch, frames, C)`` log-probs where only the blank and ``labels`` are likely,
    with competing alternatives in most frames (so greedy and beam search can disagree)."""
    generator = torch.Generator().manual_seed(seed)
    logits = torch.full((batch, frames, len(VOCAB)), -12.0)
    columns = [VOCAB.blank_index] + [_index(char) for char in labels]
    logits[:, :, columns] = spread * torch.randn(batch, frames, len(columns), generator=generator)
    return torch.log_softmax(logits, dim=-1)


class ScriptedModel:
    """An autoregressive model reading its next-token probabilities from a script per image.

    Image ``b`` is identified by its pixel ``[b, 0, 0, 0]``; ``scripts[b]`` maps a prefix (the
    token names after ``<start>``, joined) to ``{token name: probability}``, the rest of the mass
    spread evenly; a prefix not in the script uses ``defaults[b]``. The past is the token history,
    so beam reordering and the uncached path see the same prefixes.
    """

    def __init__(
        self,
        scripts: list[dict[str, dict[str, float]]],
        defaults: list[dict[str, float]],
        max_length: int,
    ) -> None:
        self.scripts, self.defaults = scripts, defaults
        self.config = SimpleNamespace(max_length=max_length)
        self.steps = 0

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        return images[:, :1, :1, :1].reshape(-1, 1, 1).clone()

    def memory_keys_values(self, memory: torch.Tensor) -> list[KeyValue]:
        view = memory.view(-1, 1, 1, 1)
        return [(view, view)]

    def _log_probs(self, image: int, history: list[int]) -> torch.Tensor:
        key = "".join(VOCAB.tokens[token] for token in history[1:])
        chosen = self.scripts[image].get(key, self.defaults[image])
        rest = (1.0 - sum(chosen.values())) / (len(VOCAB) - len(chosen))
        probs = torch.full((len(VOCAB),), rest)
        for name, value in chosen.items():
            probs[VOCAB.tokens.index(name)] = value
        return probs.log()

    def decode_step(
        self,
        tokens: torch.Tensor,
        position: int,
        memory: list[KeyValue],
        past: Optional[list[KeyValue]] = None,
    ) -> tuple[torch.Tensor, list[KeyValue]]:
        self.steps += 1
        step = tokens.view(-1, 1, 1, 1).float()
        history = step if past is None else torch.cat([past[0][0], step], dim=2)
        images = memory[0][0].view(-1).long().tolist()
        rows = history.view(history.shape[0], -1).long().tolist()
        if any(len(row) != position + 1 for row in rows):
            raise AssertionError(f"position {position} with histories of {len(rows[0])} tokens")
        logits = torch.stack([self._log_probs(i, row) for i, row in zip(images, rows)])
        return logits, [(history, history)]

    def decode(self, tokens: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        self.steps += 1
        images = memory.view(-1).long().tolist()
        return torch.stack(
            [
                torch.stack([self._log_probs(image, row[: t + 1]) for t in range(len(row))])
                for image, row in zip(images, tokens.tolist())
            ]
        )


def _scripted(max_length: int = 8) -> tuple[ScriptedModel, torch.Tensor]:
    """Seven scripted pages: a short text, a longer one, greedy's trap, one that never ends, one
    emitting special tokens, one whose ``<end>`` falls on the last step ``max_length`` 8 allows,
    and one where a text ended early ("s", 0.3) must keep its score, frozen, against a longer one
    ("long", 0.26) still being extended."""
    end = "<end>"
    scripts = [
        {"": {"h": 0.8}, "h": {"i": 0.7}, "hi": {end: 0.9}},
        {"": {"H": 0.6}, "H": {"e": 0.9}, "He": {"l": 0.5, "y": 0.3}, "He" + "l": {"l": 0.95}},
        {"": {"a": 0.55, "b": 0.45}, "a": {"c": 0.3}, "b": {end: 0.95}, "ac": {end: 0.9}},
        {},
        {"": {"<start>": 0.5}, "<start>": {"q": 0.8}, "<start>q": {"<pad>": 0.4, end: 0.35}},
        {"": {"a": 0.9}, "a": {"b": 0.9}, "ab": {"c": 0.9}, "abc": {"d": 0.9}},
        {"": {"s": 0.6, "l": 0.4}, "s": {end: 0.5}, "l": {"o": 0.9}, "lo": {"n": 0.95}},
    ]
    scripts[1]["Hell"] = {"o": 0.85}
    scripts[1]["Hello"] = {end: 0.6}
    scripts[4]["<start>q<pad>"] = {end: 0.9}
    scripts[5]["abcd"] = {"e": 0.9}
    scripts[5]["abcde"] = {"f": 0.9}
    scripts[5]["abcdef"] = {end: 0.8}
    scripts[6]["lon"] = {"g": 0.95}
    scripts[6]["long"] = {end: 0.8}
    defaults = [{end: 0.5}] * 3 + [{"x": 0.7}] + [{end: 0.5}] * 3
    images = torch.arange(7, dtype=torch.float32).view(7, 1, 1, 1).expand(7, 1, 4, 4)
    return ScriptedModel(scripts, defaults, max_length), images.contiguous()


def _tiny_paragraph(seed: int, end_bias: float = 0.0, max_length: int = 16) -> nn.Module:
    """The tiny paragraph preset on 64x64 pages, seeded, with trained-like BatchNorms (a fresh
    residual block is the identity), an 8x sharper head and ``end_bias`` added to ``<end>``."""
    torch.manual_seed(seed)
    config = preset(
        "paragraph_transformer", "tiny", image_height=64, image_width=64, max_length=max_length
    )
    model = liven(build_model("paragraph_transformer", config).eval(), seed, head_gain=8.0)
    with torch.no_grad():
        model.head.bias[VOCAB.end_index] += end_bias
    return model


def _pages() -> torch.Tensor:
    """Three 64x64 pages: white, black and seeded noise."""
    pages = torch.ones(3, 1, 64, 64)
    pages[1] = 0.0
    pages[2] = torch.rand(1, 64, 64, generator=torch.Generator().manual_seed(3))
    return pages


def _calibration_lines(count: int, seed: int) -> list[LineOutput]:
    """Seeded lines of 3 to 8 letters: each letter's frame peaks (at a seeded height) on the
    true letter or, a third of the time, on its neighbour (the true letter a little lower), then
    a blank frame; lengths differ, so decoding pads them."""
    rng = np.random.default_rng(seed)
    letters = "abcdefghij"
    outputs = []
    for _ in range(count):
        truth = "".join(rng.choice(list(letters), size=int(rng.integers(3, 9))))
        frames = torch.full((2 * len(truth), len(VOCAB)), -8.0)
        for position, char in enumerate(truth):
            height = float(rng.uniform(1.0, 6.0))
            if rng.random() < 0.33:
                frames[2 * position, _index(char)] = height - float(rng.uniform(0.5, 3.0))
                char = letters[(letters.index(char) + 1) % 10]
            frames[2 * position, _index(char)] = height
            frames[2 * position + 1, VOCAB.blank_index] = 2.0
        outputs.append(LineOutput(torch.log_softmax(frames, dim=-1), truth))
    return outputs


def _bins(bins: Sequence[calibration.ReliabilityBin]) -> dict[str, Any]:
    return {
        "count": [item.count for item in bins],
        "confidence": [item.confidence for item in bins],
        "accuracy": [item.accuracy for item in bins],
        "edges": [item.low for item in bins] + [bins[-1].high],
    }


def _report(report: calibration.CalibrationReport) -> dict[str, Any]:
    return {
        "numbers": [
            report.temperature,
            report.lines,
            report.characters,
            report.mean_confidence,
            report.mean_accuracy,
            report.line_ece,
            report.char_ece,
        ],
        "line_bins": _bins(report.line_bins),
        "char_bins": _bins(report.char_bins),
    }


# -- CTC ----------------------------------------------------------------------------------------


@probe("decoding/ctc_collapse")
def collapse() -> dict[str, Any]:
    """ctc_collapse merges repeats before dropping blanks, with the default and another blank."""
    cases = [[], [0, 0], [4, 4, 4], [4, 0, 4], [0, 4, 5, 5, 0, 5], [5, 5, 0, 0, 5, 6, 6, 0, 7]]
    return {
        "blank_0": [len(ctc_collapse(c)) for c in cases]
        + [x for c in cases for x in ctc_collapse(c)],
        "blank_5": [x for c in cases for x in ctc_collapse(c, blank=5)],
    }


@probe("decoding/ctc_greedy_paths")
def greedy_paths() -> dict[str, Any]:
    """ctc_greedy on best paths with repeats, blanks, a blank-separated double and no frames."""
    paths = ["hh-e-ll-lo", "--", "a", "a-a", "aaa", "-a-", "ab-ba"]
    out = {path: _results(ctc_greedy(_path_log_probs(path, 0.8))) for path in paths}
    empty = ctc_greedy(torch.zeros(1, 0, len(VOCAB)))
    out["no_frames"] = _results(empty)
    return out


@probe("decoding/ctc_greedy_run_confidence")
def greedy_run_confidence() -> dict[str, Any]:
    """A character's confidence is the best frame of its run; the line's is their mean; log_prob
    sums every frame's best (blanks included)."""
    probs = torch.full((6, len(VOCAB)), 0.01)
    a, b = _index("a"), _index("b")
    probs[0, a], probs[1, a], probs[2, a] = 0.5, 0.9, 0.7
    probs[3, VOCAB.blank_index], probs[4, b], probs[5, b] = 0.8, 0.6, 0.4
    probs[5, VOCAB.blank_index] = 0.3
    log_probs = (probs / probs.sum(-1, keepdim=True)).log().unsqueeze(0)
    return _results(ctc_greedy(log_probs))


@probe("decoding/ctc_greedy_lengths")
def greedy_lengths() -> dict[str, Any]:
    """ctc_greedy reads only each sample's first lengths[b] frames; longer lengths are clipped."""
    log_probs = _random_log_probs(50, 16, batch=3, labels="xyz")
    return {
        "full": _results(ctc_greedy(log_probs)),
        "lengths": _results(ctc_greedy(log_probs, torch.tensor([16, 9, 1]))),
        "too_long": _results(ctc_greedy(log_probs, torch.tensor([40, 0, 16]))),
    }


@probe("decoding/ctc_greedy_specials")
def greedy_specials() -> dict[str, Any]:
    """Special tokens an untrained model emits stay in indices, not in text or confidences (the
    first character, "0", is kept); a reading with no characters has confidence 0."""
    path = [VOCAB.pad_index, _index("0"), VOCAB.start_index, _index("k"), VOCAB.end_index]
    probs = torch.full((2, len(path), len(VOCAB)), 0.005)
    for t, label in enumerate(path):
        probs[0, t, label] = 0.7 - 0.05 * t
        probs[1, t, VOCAB.pad_index if t % 2 else VOCAB.end_index] = 0.9
    log_probs = (probs / probs.sum(-1, keepdim=True)).log()
    return {
        "greedy": _results(ctc_greedy(log_probs)),
        "beam": _results(ctc_beam_search(log_probs, beam_width=4)),
    }


@probe("decoding/tempered")
def tempered_probe() -> dict[str, Any]:
    """tempered: temperature 1 is the identity (as float32); others renormalise; bad ones refused."""
    row = torch.log(torch.tensor([[0.7, 0.2, 0.08, 0.02]], dtype=torch.float64))
    same = tempered(row, 1.0)
    return {
        "t0_5": tempered(row, 0.5)[0],
        "t1": same[0],
        "t2": tempered(row, 2.0)[0],
        "t8": tempered(row, 8.0)[0],
        "dtype": str(same.dtype),
        "sums": [float(tempered(row, t).exp().sum()) for t in (0.5, 2.0, 8.0)],
        "errors": [
            _error(lambda: tempered(row, 0.0)),
            _error(lambda: tempered(row, -1.0)),
            _error(lambda: tempered(row, math.inf)),
            _error(lambda: tempered(row, math.nan)),
        ],
    }


@probe("decoding/ctc_greedy_temperature")
def greedy_temperature() -> dict[str, Any]:
    """ctc_greedy at temperatures 0.5, 1 and 2: the same text, confidences sharper or flatter."""
    log_probs = _random_log_probs(51, 12, batch=2, labels="mn")
    return {f"t{t:g}": _results(ctc_greedy(log_probs, temperature=t)) for t in (0.5, 1.0, 2.0)}


@probe("decoding/geometric_mean")
def geometric_mean_probe() -> dict[str, Any]:
    """geometric_mean of log totals: none is 1, a zero probability is 0."""
    cases = [(math.log(0.25), 2), (0.0, 0), (-math.inf, 3), (math.log(0.5) * 3, 3), (-2.0, 1)]
    return {"values": [geometric_mean(total, count) for total, count in cases]}


@probe("decoding/ctc_beam_widths")
def beam_widths() -> dict[str, Any]:
    """ctc_beam_search at beam widths 1, 2 and 8 on seeded log-probs of 5, 12 and 30 frames."""
    out: dict[str, Any] = {}
    for frames in (5, 12, 30):
        log_probs = _random_log_probs(52 + frames, frames, batch=2)
        for width in (1, 2, 8):
            out[f"frames{frames}.width{width}"] = _results(
                ctc_beam_search(log_probs, beam_width=width)
            )
        out[f"frames{frames}.greedy"] = _results(ctc_greedy(log_probs))
    return out


@probe("decoding/ctc_beam_exact")
def beam_exact() -> dict[str, Any]:
    """Unpruned beam search scores its labelling as the CTC loss does, and finds a labelling with
    many alignments that greedy misses (blank 0.6 against "a" 0.4 on two frames)."""
    probs = torch.full((2, len(VOCAB)), 1e-9)
    probs[:, VOCAB.blank_index], probs[:, _index("a")] = 0.6, 0.4
    two = (probs / probs.sum(-1, keepdim=True)).log().unsqueeze(0)
    log_probs = _random_log_probs(60, 7, labels="ab")
    best = ctc_beam_search(log_probs, beam_width=64, candidates=3)[0]
    target = torch.tensor([best.indices]) if best.indices else torch.zeros(1, 0, dtype=torch.long)
    exact = -F.ctc_loss(
        log_probs.transpose(0, 1),
        target,
        torch.tensor([7]),
        torch.tensor([len(best.indices)]),
        blank=VOCAB.blank_index,
        reduction="sum",
    )
    return {
        "two_frames_greedy": _results(ctc_greedy(two)),
        "two_frames_beam": _results(ctc_beam_search(two, beam_width=4)),
        "random_beam": _results([best]),
        "random_ctc_loss_log_prob": float(exact),
        "random_greedy": _results(ctc_greedy(log_probs)),
    }


@probe("decoding/ctc_beam_repeats")
def beam_repeats() -> dict[str, Any]:
    """Beam search: a letter held over frames is read once, a blank-separated repeat twice."""
    paths = ["aa", "a-a", "aa-aa", "ab-b", "-"]
    return {path: _results(ctc_beam_search(_path_log_probs(path, 0.7))) for path in paths}


@probe("decoding/ctc_beam_candidates")
def beam_candidates() -> dict[str, Any]:
    """ctc_beam_search with 1, 2 and 8 candidate labels per frame (beam width 8)."""
    log_probs = _random_log_probs(61, 14, batch=2, labels="abc", spread=1.0)
    return {
        f"candidates{c}": _results(ctc_beam_search(log_probs, beam_width=8, candidates=c))
        for c in (1, 2, 8)
    }


@probe("decoding/ctc_beam_temperature")
def beam_temperature() -> dict[str, Any]:
    """ctc_beam_search at temperatures 0.5, 1 and 2 (beam width 4)."""
    log_probs = _random_log_probs(62, 10, batch=2)
    return {
        f"t{t:g}": _results(ctc_beam_search(log_probs, beam_width=4, temperature=t))
        for t in (0.5, 1.0, 2.0)
    }


@probe("decoding/ctc_beam_lengths")
def beam_lengths() -> dict[str, Any]:
    """ctc_beam_search over each sample's first lengths[b] frames, clipped to the frames there are."""
    log_probs = _random_log_probs(63, 12, batch=3, labels="xy")
    return {
        "lengths": _results(ctc_beam_search(log_probs, torch.tensor([12, 5, 1]), beam_width=4)),
        "too_long": _results(ctc_beam_search(log_probs, torch.tensor([30, 0, 3]), beam_width=4)),
    }


@probe("decoding/ctc_refusals")
def ctc_refusals() -> dict[str, Any]:
    """The CTC decoders' refusals: beam width or candidates below 1, log-probs not (B, T, C)."""
    log_probs = _random_log_probs(64, 3)
    return {
        "errors": [
            _error(lambda: ctc_beam_search(log_probs, beam_width=0)),
            _error(lambda: ctc_beam_search(log_probs, candidates=0)),
            _error(lambda: ctc_beam_search(log_probs[0])),
            _error(lambda: ctc_greedy(log_probs[0])),
            _error(lambda: ctc_greedy(log_probs, temperature=0.0)),
        ]
    }


# -- autoregressive ---------------------------------------------------------------------------


@probe("decoding/ar_greedy_scripted")
def ar_greedy_scripted() -> dict[str, Any]:
    """autoregressive_greedy on scripted pages: texts, confidences (<end> included), the trap,
    special tokens, the stop at max length, rows ending at different steps, cached = uncached."""
    model, images = _scripted()
    cached = autoregressive_greedy(model, images)
    steps = model.steps
    model.steps = 0
    uncached = autoregressive_greedy(model, images, use_cache=False)
    return {
        **_results(cached),
        "steps": steps,
        "uncached_equal": [
            a.indices == b.indices and abs(a.log_prob - b.log_prob) < 1e-5
            for a, b in zip(cached, uncached)
        ],
    }


@probe("decoding/ar_greedy_max_length")
def ar_greedy_max_length() -> dict[str, Any]:
    """autoregressive_greedy's step limit: max_length 1 (no step), 3, 7, the model's own limit,
    and a larger max_length clipped to it; decoding stops once every row has ended."""
    out: dict[str, Any] = {}
    for limit in (1, 3, 7, None, 100):
        model, images = _scripted(max_length=8)
        decoded = autoregressive_greedy(model, images, max_length=limit)
        out[f"max{limit}"] = {
            "texts": [repr(item.text) for item in decoded],
            "confidence": [item.confidence for item in decoded],
            "log_prob": [item.log_prob for item in decoded],
            "steps": model.steps,
        }
    model, images = _scripted(max_length=8)
    decoded = autoregressive_greedy(model, images[:3], max_length=50)
    out["ended_rows_only"] = {"texts": [repr(d.text) for d in decoded], "steps": model.steps}
    return out


@probe("decoding/ar_beam_scripted")
def ar_beam_scripted() -> dict[str, Any]:
    """autoregressive_beam_search on scripted pages at widths 1, 2 and 4: the trap escaped,
    ended beams frozen, the stop at max length."""
    out: dict[str, Any] = {}
    for width in (1, 2, 4):
        model, images = _scripted()
        out[f"width{width}"] = {
            **_results(autoregressive_beam_search(model, images, beam_width=width)),
            "steps": model.steps,
        }
    model, images = _scripted()
    out["width3_max4"] = _results(
        autoregressive_beam_search(model, images, beam_width=3, max_length=4)
    )
    out["refused"] = _error(lambda: autoregressive_beam_search(model, images, beam_width=0))
    return out


@probe("decoding/ar_greedy_tiny")
def ar_greedy_tiny() -> dict[str, Any]:
    """autoregressive_greedy on a seeded tiny paragraph model: without and with an <end> bias,
    cached and uncached, at the model's limit and a shorter max_length."""
    pages = _pages()
    out: dict[str, Any] = {}
    for bias in (0.0, 6.0):
        model = _tiny_paragraph(70, end_bias=bias)
        cached = autoregressive_greedy(model, pages)
        uncached = autoregressive_greedy(model, pages, use_cache=False)
        out[f"bias{bias:g}"] = {
            **_results(cached),
            "uncached_same_indices": [a.indices == b.indices for a, b in zip(cached, uncached)],
            "uncached_log_prob_diff": max(
                abs(a.log_prob - b.log_prob) for a, b in zip(cached, uncached)
            ),
        }
    out["max_length5"] = _results(autoregressive_greedy(_tiny_paragraph(70), pages, max_length=5))
    return out


@probe("decoding/ar_beam_tiny")
def ar_beam_tiny() -> dict[str, Any]:
    """autoregressive_beam_search on a seeded tiny paragraph model at widths 1, 2 and 4, without
    and with an <end> bias; width 1 reproduces greedy."""
    pages = _pages()
    out: dict[str, Any] = {}
    for bias in (0.0, 4.0):
        model = _tiny_paragraph(71, end_bias=bias)
        greedy = autoregressive_greedy(model, pages)
        for width in (1, 2, 4):
            beam = autoregressive_beam_search(model, pages, beam_width=width)
            out[f"bias{bias:g}.width{width}"] = _results(beam)
            if width == 1:
                out[f"bias{bias:g}.width1_is_greedy"] = [
                    a.indices == b.indices for a, b in zip(beam, greedy)
                ]
    return out


# -- calibration -------------------------------------------------------------------------------


@probe("decoding/calibration/accuracy")
def calibration_accuracy() -> dict[str, Any]:
    """character_accuracy (1 - CER floored at 0, empty truths) and correct_characters' alignment."""
    pairs = [
        ("hello", "hello"),
        ("hallo", "hello"),
        ("help", "hello"),
        ("", ""),
        ("x", ""),
        ("", "abc"),
        ("abXd", "abcd"),
        ("abcd", "abd"),
        ("completely different", "ab"),
        ("aab", "ab"),
        ("ba", "ab"),
    ]
    return {
        "accuracy": [calibration.character_accuracy(p, t) for p, t in pairs],
        "correct": [float(r) for p, t in pairs for r in calibration.correct_characters(p, t)]
        or [-1.0],
        "correct_counts": [len(calibration.correct_characters(p, t)) for p, t in pairs],
    }


@probe("decoding/calibration/reliability")
def calibration_reliability() -> dict[str, Any]:
    """reliability's equal-width bins (edges, 1.0 in the last) and the sample-weighted ECE."""
    confidences = [0.0, 0.05, 0.1, 0.19, 0.2, 0.3, 0.55, 0.7, 0.89, 0.9, 0.95, 1.0]
    accuracies = [0.0, 0.0, 1.0, 0.5, 0.0, 1.0, 0.6, 0.7, 1.0, 0.2, 0.95, 0.5]
    return {
        "bins10": _bins(calibration.reliability(confidences, accuracies)),
        "bins4": _bins(calibration.reliability(confidences, accuracies, bins=4)),
        "ece": [
            calibration.expected_calibration_error(confidences, accuracies),
            calibration.expected_calibration_error(confidences, accuracies, bins=4),
            calibration.expected_calibration_error([0.95] * 3 + [0.15], [0.65] * 3 + [0.15]),
            calibration.expected_calibration_error([0.9, 0.9], [1.0, 0.8]),
            calibration.expected_calibration_error([], []),
        ],
        "mismatch": _error(lambda: calibration.expected_calibration_error([0.5], [0.5, 0.5])),
    }


@probe("decoding/calibration/report")
def calibration_report() -> dict[str, Any]:
    """calibration.report on seeded lines of different lengths at temperatures 1 and 2.5."""
    lines = _calibration_lines(30, seed=80)
    return {
        "t1": _report(calibration.report(lines, 1.0)),
        "t2_5": _report(calibration.report(lines, 2.5)),
        "t1_bins5": calibration.report(lines, 1.0, bins=5).line_ece,
        "refused": _error(lambda: calibration.report([])),
    }


@probe("decoding/calibration/assess")
def calibration_assess() -> dict[str, Any]:
    """calibration.assess on given readings: line and character tables, and its refusals."""
    texts = ["hello", "wrld", "", "abc"]
    confidences = [0.9, 0.6, 0.0, 0.35]
    chars = [[0.95, 0.9, 0.85, 0.9, 0.9], [0.7, 0.5, 0.6, 0.6], [], [0.2, 0.4, 0.45]]
    truths = ["hello", "world", "x", "abd"]
    report = calibration.assess(texts, confidences, chars, truths, temperature=1.5)
    return {
        **_report(report),
        "to_dict_keys": sorted(report.to_dict()),
        "errors": [
            _error(lambda: calibration.assess([], [], [], [])),
            _error(lambda: calibration.assess(["a"], [0.5], [[0.5]], ["a", "b"])),
            _error(lambda: calibration.assess(["ab"], [0.5], [[0.5]], ["ab"])),
        ],
    }


@probe("decoding/calibration/fit_temperature")
def calibration_fit() -> dict[str, Any]:
    """calibrate() (fit_temperature on the full grid, ECE before and after) on seeded
    over-confident lines, and fit_temperature on small grids."""
    lines = _calibration_lines(16, seed=84)
    fit = calibration.calibrate(lines, "probe lines")
    grid = calibration.TEMPERATURES
    return {
        "grid": [len(grid), grid[0], grid[40], grid[-1]],
        "coarse": calibration.fit_temperature(lines, (0.5, 1.0, 2.0, 4.0)),
        "single": calibration.fit_temperature(lines, (3.0,)),
        "calibrate": [
            fit["temperature"],
            fit["lines"],
            fit["line_ece_before"],
            fit["line_ece_after"],
            fit["char_ece_before"],
            fit["char_ece_after"],
        ],
        "calibrate_text": [fit["fitted_on"], fit["objective"]],
        "refused": _error(lambda: calibration.fit_temperature([])),
    }


@probe("decoding/calibration/chunked_decode")
def calibration_chunked() -> dict[str, Any]:
    """The report decodes lines in chunks of 256, padding each chunk to its longest line."""
    lines = _calibration_lines(300, seed=82)
    decoded = calibration._decode(lines, 1.0)
    one_by_one = [ctc_greedy(line.log_probs.unsqueeze(0))[0] for line in lines[250:262]]
    return {
        "count": len(decoded),
        "texts_250_262": [d.text for d in decoded[250:262]],
        "same_as_alone": [
            a.text == b.text and abs(a.confidence - b.confidence) < 1e-6
            for a, b in zip(decoded[250:262], one_by_one)
        ],
        "mean_confidence": float(np.mean([d.confidence for d in decoded])),
    }


class _FakeRecognizer:
    """Log-probs spelling each line's file name's letters, and a log of the calls' sizes."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def line_log_probs(self, paths: list[Path]) -> list[torch.Tensor]:
        self.calls.append(len(paths))
        return [_path_log_probs("-".join(Path(p).stem.split("_")[1]), 0.8)[0] for p in paths]


@probe("decoding/calibration/validation_outputs")
def calibration_validation_outputs() -> dict[str, Any]:
    """validation_outputs reads a split of a line manifest in chunks of 32, up to its limit."""
    words = ["ab", "cd", "ef", "gh"]
    records = [
        ManifestRecord(
            id=f"{i}_{words[i % 4]}",
            path=f"images/{i}_{words[i % 4]}.png",
            sha256="0" * 64,
            width=40,
            height=40,
            text=words[i % 4] if i % 3 else words[(i + 1) % 4],
            writer="w",
            split="val" if i % 5 else "train",
        )
        for i in range(90)
    ]
    with tempfile.TemporaryDirectory() as folder:
        write_manifest(folder, records, {"kind": "lines"})
        recognizer = _FakeRecognizer()
        outputs = calibration.validation_outputs(recognizer, folder, "val", limit=70)
        calls = list(recognizer.calls)
        everything = calibration.validation_outputs(_FakeRecognizer(), folder, "val", limit=None)
        report = calibration.report(outputs)
        errors = []
        for split, kind in (("test", "lines"), ("val", "paragraphs")):
            write_manifest(folder, records, {"kind": kind})
            try:
                calibration.validation_outputs(_FakeRecognizer(), folder, split)
                errors.append("no error")
            except ManifestError as error:
                errors.append(str(error).replace(folder, "<folder>"))
    return {
        "counts": [len(outputs), len(everything)],
        "calls": calls,
        "truths": [item.truth for item in outputs[:8]],
        "frames": [item.log_probs.shape[0] for item in outputs[:8]],
        "mean_accuracy": report.mean_accuracy,
        "errors": errors,
    }


@probe("decoding/calibration/reliability_diagram", atol=0.01)
def calibration_diagram() -> dict[str, Any]:
    """reliability_diagram: a PNG of two panels, summarised (bars and lines, not the labels)."""
    report = calibration.report(_calibration_lines(20, seed=83), 2.0)
    image = Image.open(io.BytesIO(reliability_diagram(report, "probe"))).convert("L")
    array = np.asarray(image, dtype=np.float64) / 255.0
    half = array.shape[1] // 2
    return {
        "size": list(image.size),
        "lines_panel": image_summary(array[44:364, 44:364]),
        "chars_panel": image_summary(array[44:364, half + 44 : half + 364]),
    }
