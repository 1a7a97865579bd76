"""CTC greedy/beam and autoregressive greedy/beam decoding."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from text_recognizer.decoding import (
    autoregressive_beam_search,
    autoregressive_greedy,
    ctc_beam_search,
    ctc_collapse,
    ctc_greedy,
    tempered,
)
from text_recognizer.vocab import DEFAULT_VOCABULARY as VOCAB


def frames_for(path: str, confident: float = 0.9) -> torch.Tensor:
    """``(1, T, C)`` log-probs whose best path spells ``path`` ("-" is the blank)."""
    size = len(VOCAB)
    probs = torch.full((len(path), size), (1 - confident) / (size - 1))
    for t, char in enumerate(path):
        probs[t, VOCAB.blank_index if char == "-" else int(VOCAB.encode(char)[0])] = confident
    return probs.log().unsqueeze(0)


@pytest.mark.parametrize(
    "frames, expected",
    [
        ([], []),
        ([0, 0], []),
        ([4, 4, 4], [4]),
        ([4, 0, 4], [4, 4]),
        ([0, 4, 5, 5, 0, 5], [4, 5, 5]),
    ],
)
def test_ctc_collapse_merges_repeats_then_drops_blanks(frames, expected):
    assert ctc_collapse(frames) == expected


@given(st.lists(st.integers(0, 5), max_size=30))
def test_ctc_collapse_of_a_collapsed_labelling_without_repeats_is_itself(frames):
    once = ctc_collapse(frames)
    if all(a != b for a, b in zip(once, once[1:])):
        assert ctc_collapse(once) == once


@pytest.mark.parametrize(
    "path, text", [("hh-e-ll-lo", "hello"), ("--", ""), ("a", "a"), ("a-a", "aa"), ("aaa", "a")]
)
def test_ctc_greedy_reads_the_best_path(path, text):
    assert ctc_greedy(frames_for(path))[0].text == text


def test_ctc_greedy_gives_one_confidence_per_character():
    decoded = ctc_greedy(frames_for("h-i", confident=0.8))[0]
    assert decoded.char_confidences == pytest.approx((0.8, 0.8))
    assert decoded.confidence == pytest.approx(0.8)


def test_ctc_greedy_ignores_frames_beyond_the_length():
    log_probs = frames_for("ab")
    assert ctc_greedy(log_probs, torch.tensor([1]))[0].text == "a"


def test_ctc_beam_reads_a_confident_path_like_greedy():
    log_probs = frames_for("t-e-xx-t")
    assert ctc_beam_search(log_probs)[0].text == ctc_greedy(log_probs)[0].text == "text"


def small_random_log_probs(frames: int, labels: int) -> torch.Tensor:
    """(1, T, C) log-probs where only the blank and ``labels`` characters are likely."""
    logits = torch.full((1, frames, len(VOCAB)), -30.0)
    logits[0, :, : labels + 1] = torch.randn(frames, labels + 1) * 2
    logits[0, :, 1:4] = -30.0  # specials other than the blank
    logits[0, :, 4 : 4 + labels] = torch.randn(frames, labels) * 2
    logits[0, :, 0] = torch.randn(frames) * 2
    return logits.log_softmax(-1)


def labelling_log_prob(log_probs: torch.Tensor, labels: tuple[int, ...]) -> float:
    """Exact log P(labels | x), summed over all alignments by the CTC loss."""
    target = torch.tensor([list(labels)]) if labels else torch.zeros(1, 0, dtype=torch.long)
    loss = F.ctc_loss(
        log_probs.transpose(0, 1),
        target,
        torch.tensor([log_probs.shape[1]]),
        torch.tensor([len(labels)]),
        reduction="sum",
    )
    return -float(loss)


def test_unpruned_ctc_beam_finds_the_most_probable_labelling():
    log_probs = small_random_log_probs(frames=4, labels=2)
    best = ctc_beam_search(log_probs, beam_width=64, candidates=3)[0]
    labellings = {tuple(ctc_collapse(path)) for path in itertools.product([0, 4, 5], repeat=4)}
    exact = {labels: labelling_log_prob(log_probs, labels) for labels in labellings}
    assert best.indices == max(exact, key=exact.get)
    assert best.log_prob == pytest.approx(exact[best.indices], abs=1e-4)


@settings(max_examples=25)
@given(st.integers(0, 2**31 - 1), st.integers(1, 5), st.integers(1, 2))
def test_unpruned_ctc_beam_scores_its_labelling_exactly_as_the_ctc_loss_does(seed, frames, labels):
    """Over every labelling of a short random input (repeats included, which need a blank
    between them): the unpruned beam returns the most probable one with its exact probability."""
    torch.manual_seed(seed)
    log_probs = small_random_log_probs(frames=frames, labels=labels)
    best = ctc_beam_search(log_probs, beam_width=256, candidates=labels + 1)[0]
    alphabet = [VOCAB.blank_index, *range(4, 4 + labels)]
    labellings = {tuple(ctc_collapse(path)) for path in itertools.product(alphabet, repeat=frames)}
    exact = {labelling: labelling_log_prob(log_probs, labelling) for labelling in labellings}
    assert best.log_prob == pytest.approx(exact[best.indices], abs=1e-4)
    assert exact[best.indices] == pytest.approx(max(exact.values()), abs=1e-4)


def test_ctc_beam_reads_a_letter_held_over_frames_once():
    assert ctc_beam_search(frames_for("aa"))[0].text == "a"
    assert ctc_beam_search(frames_for("a-a"))[0].text == "aa"


@settings(max_examples=15)
@given(st.integers(0, 2**31 - 1))
def test_ctc_beam_is_at_least_as_probable_as_the_greedy_path(seed):
    torch.manual_seed(seed)
    log_probs = small_random_log_probs(frames=8, labels=3)
    greedy = ctc_greedy(log_probs)[0]
    beam = ctc_beam_search(log_probs, beam_width=16, candidates=4)[0]
    assert beam.log_prob >= greedy.log_prob - 1e-6


def test_ctc_beam_prefers_a_labelling_with_many_alignments():
    # Best single path is blank-blank (p = 0.36), but "a" has three paths summing to 0.64.
    probs = torch.full((2, len(VOCAB)), 1e-6)
    probs[:, VOCAB.blank_index] = 0.6
    probs[:, int(VOCAB.encode("a")[0])] = 0.4
    log_probs = (probs / probs.sum(-1, keepdim=True)).log().unsqueeze(0)
    assert ctc_greedy(log_probs)[0].text == ""
    decoded = ctc_beam_search(log_probs, beam_width=4)[0]
    assert decoded.text == "a"
    assert math.exp(decoded.log_prob) == pytest.approx(0.64, abs=1e-3)


class ScriptedDecoder:
    """An autoregressive model that spells fixed token rows, then ``<end>``, with p = 0.9."""

    def __init__(self, rows: list[list[int]]) -> None:
        self.rows = [row + [VOCAB.end_index] for row in rows]
        self.steps = 0

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        return torch.arange(images.shape[0], dtype=torch.float32).view(-1, 1, 1)

    def memory_keys_values(self, memory: torch.Tensor):
        return [(memory, memory)]

    def _logits(self, rows: torch.Tensor, position: int) -> torch.Tensor:
        probs = torch.full((rows.shape[0], len(VOCAB)), 0.1 / (len(VOCAB) - 1))
        for index, row in enumerate(rows.long().flatten().tolist()):
            script = self.rows[row]
            probs[index, script[min(position, len(script) - 1)]] = 0.9
        return probs.log()

    def decode_step(self, tokens, position, memory, past=None):
        self.steps += 1
        return self._logits(memory[0][0], position), [(tokens, tokens)]

    def decode(self, tokens, memory):
        return torch.stack([self._logits(memory, p) for p in range(tokens.shape[1])], dim=1)


def test_autoregressive_greedy_stops_once_every_row_has_ended():
    model = ScriptedDecoder([VOCAB.encode("hi").tolist(), VOCAB.encode("hello").tolist()])
    decoded = autoregressive_greedy(model, torch.zeros(2, 1, 8, 8), max_length=100)
    assert [d.text for d in decoded] == ["hi", "hello"]
    assert model.steps == len("hello") + 1


def test_autoregressive_confidence_is_the_mean_token_probability():
    model = ScriptedDecoder([VOCAB.encode("ok").tolist()])
    decoded = autoregressive_greedy(model, torch.zeros(1, 1, 8, 8))[0]
    assert decoded.confidence == pytest.approx(0.9)
    assert decoded.char_confidences == pytest.approx((0.9, 0.9))


def test_autoregressive_greedy_stops_at_max_length_without_end():
    model = ScriptedDecoder([VOCAB.encode("abcdefgh").tolist()])
    decoded = autoregressive_greedy(model, torch.zeros(1, 1, 8, 8), max_length=4)[0]
    assert decoded.text == "abc"


def test_beam_of_width_one_is_greedy(tiny_paragraph_model):
    images = torch.rand(2, 1, 512, 512)
    greedy = autoregressive_greedy(tiny_paragraph_model, images, max_length=12)
    beam = autoregressive_beam_search(tiny_paragraph_model, images, beam_width=1, max_length=12)
    assert [d.indices for d in beam] == [d.indices for d in greedy]
    assert [d.log_prob for d in beam] == pytest.approx([d.log_prob for d in greedy], abs=1e-4)


def test_autoregressive_beam_reads_a_scripted_text():
    model = ScriptedDecoder([VOCAB.encode("beam").tolist()])
    decoded = autoregressive_beam_search(model, torch.zeros(1, 1, 8, 8), beam_width=3)[0]
    assert decoded.text == "beam"
    assert decoded.confidence == pytest.approx(0.9)


class TrapDecoder(ScriptedDecoder):
    """Greedy's trap: the first token is "a" (p = 0.6) or "b" (0.4); after "a" every next
    token is unlikely (at most 0.3), after "b" the text ends (0.95). The best text is "b"
    (0.4 x 0.95 = 0.38 against at most 0.6 x 0.3 = 0.18), which only a real beam finds."""

    def __init__(self) -> None:
        super().__init__([])
        self.a, self.b, self.c = (int(VOCAB.encode(char)[0]) for char in "abc")

    def _next(self, previous: int) -> torch.Tensor:
        size = len(VOCAB)
        if previous == VOCAB.start_index:
            probs = torch.full((size,), 1e-6)
            probs[self.a], probs[self.b] = 0.6, 0.4
        elif previous == self.a:
            probs = torch.full((size,), 0.7 / (size - 1))
            probs[self.c] = 0.3
        else:
            probs = torch.full((size,), 0.05 / (size - 1))
            probs[VOCAB.end_index] = 0.95
        return (probs / probs.sum()).log()

    def decode_step(self, tokens, position, memory, past=None):
        self.steps += 1
        return torch.stack([self._next(t) for t in tokens.flatten().tolist()]), [(tokens, tokens)]

    def decode(self, tokens, memory):
        return torch.stack([torch.stack([self._next(t) for t in row]) for row in tokens.tolist()])


def test_greedy_falls_into_the_trap_that_a_beam_of_two_escapes():
    images = torch.zeros(1, 1, 8, 8)
    assert autoregressive_greedy(TrapDecoder(), images, max_length=4)[0].text.startswith("a")
    best = autoregressive_beam_search(TrapDecoder(), images, beam_width=2, max_length=4)[0]
    assert best.text == "b"
    assert best.log_prob == pytest.approx(math.log(0.4 * 0.95), abs=1e-3)


def test_a_characters_confidence_is_the_best_frame_of_its_run():
    probs = torch.full((3, len(VOCAB)), 0.01)
    a = int(VOCAB.encode("a")[0])
    probs[0, a], probs[1, a], probs[2, VOCAB.blank_index] = 0.9, 0.6, 0.9
    decoded = ctc_greedy((probs / probs.sum(-1, keepdim=True)).log().unsqueeze(0))[0]
    assert decoded.text == "a"
    assert decoded.char_confidences[0] == pytest.approx(0.9 / (0.9 + 0.01 * (len(VOCAB) - 1)))


@pytest.mark.parametrize("temperature", [0.0, -1.0, math.inf, math.nan])
def test_a_temperature_that_is_not_a_positive_number_is_refused(temperature):
    log_probs = torch.log_softmax(torch.randn(1, 5, len(VOCAB)), dim=-1)
    with pytest.raises(ValueError, match="temperature must be a positive number"):
        tempered(log_probs, temperature)
