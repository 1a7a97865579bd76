"""Turning model outputs into text with confidences: CTC greedy/beam, autoregressive greedy/beam.

Every decoder returns one :class:`Decoded` per sample. ``confidence`` is the geometric mean of
the per-step probabilities of the chosen output (CTC: per frame; autoregressive: per token,
``<end>`` included), i.e. ``exp(log_prob / steps)``: 1.0 when the model is certain, falling
towards 0 as it hesitates, and comparable across lines of different lengths.
``char_confidences`` holds one probability per character of ``text``; ``indices`` are the raw
decoded token indices (special tokens an untrained model emits included).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Protocol, Sequence

import torch

from text_recognizer.models.paragraph_transformer import KeyValue
from text_recognizer.vocab import DEFAULT_VOCABULARY, Vocabulary


@dataclass(frozen=True)
class Decoded:
    """One decoded sample: its text, overall confidence and per-character confidences."""

    text: str
    confidence: float
    log_prob: float
    char_confidences: tuple[float, ...]
    indices: tuple[int, ...]


def _ctc_decoded(
    indices: Sequence[int],
    confidences: Sequence[float],
    log_prob: float,
    vocab: Vocabulary,
) -> Decoded:
    """A CTC result: its confidence is the mean of its characters' (0 when there are none)."""
    shown, shown_confidences = _visible(indices, confidences, vocab)
    confidence = sum(shown_confidences) / len(shown_confidences) if shown_confidences else 0.0
    return Decoded(
        text=vocab.decode(shown),
        confidence=confidence,
        log_prob=log_prob,
        char_confidences=shown_confidences,
        indices=tuple(indices),
    )


def _visible(
    indices: Sequence[int], confidences: Sequence[float], vocab: Vocabulary
) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """Keep only character tokens, so ``char_confidences`` lines up with ``text``.

    An untrained model can emit special tokens (padding, start) that the text skips.
    """
    kept = [(i, c) for i, c in zip(indices, confidences) if i >= vocab.num_specials]
    return tuple(i for i, _ in kept), tuple(c for _, c in kept)


def geometric_mean(log_total: float, count: int) -> float:
    """Geometric mean of ``count`` probabilities whose logs sum to ``log_total``: a path's
    per-step probability, or a page's mean line confidence. 1.0 for none (nothing doubtful).

    >>> geometric_mean(math.log(0.25) + math.log(1.0), 2), geometric_mean(0.0, 0)
    (0.5, 1.0)
    >>> geometric_mean(-math.inf, 3)  # one step of probability 0
    0.0
    """
    return math.exp(log_total / count) if count > 0 else 1.0


def tempered(log_probs: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """Log-probabilities at ``temperature`` (> 1 flattens them), renormalised, as float32.

    >>> probs = tempered(torch.log(torch.tensor([[0.9, 0.1]])), 2.0).exp()
    >>> [round(p, 3) for p in probs[0].tolist()]
    [0.75, 0.25]
    """
    if temperature <= 0 or not math.isfinite(temperature):
        raise ValueError(f"temperature must be a positive number, got {temperature}")
    log_probs = log_probs.detach().float()
    if temperature == 1.0:
        return log_probs
    return torch.log_softmax(log_probs / temperature, dim=-1)


def _lengths_or_full(log_probs: torch.Tensor, lengths: Optional[torch.Tensor]) -> list[int]:
    if log_probs.dim() != 3:
        raise ValueError(f"log_probs must be (B, T, C), got {tuple(log_probs.shape)}")
    if lengths is None:
        return [log_probs.shape[1]] * log_probs.shape[0]
    return [min(int(n), log_probs.shape[1]) for n in lengths.tolist()]


def ctc_collapse(frames: Sequence[int], blank: int = 0) -> list[int]:
    """Merge repeated frame labels, then drop blanks: the CTC many-to-one map.

    >>> ctc_collapse([0, 5, 5, 0, 5, 7, 7, 0])
    [5, 5, 7]
    """
    out = []
    previous = None
    for label in frames:
        if label != previous and label != blank:
            out.append(label)
        previous = label
    return out


def ctc_greedy(
    log_probs: torch.Tensor,
    lengths: Optional[torch.Tensor] = None,
    vocab: Vocabulary = DEFAULT_VOCABULARY,
    temperature: float = 1.0,
) -> list[Decoded]:
    """Best path decoding of ``log_probs`` (B, T, C) over each sample's first ``lengths[b]`` frames.

    A character's confidence is the highest probability among the frames of its run.

    >>> log_probs = torch.full((1, 4, len(DEFAULT_VOCABULARY)), -10.0)
    >>> for t, char in enumerate("aa-b"):
    ...     log_probs[0, t, 0 if char == "-" else DEFAULT_VOCABULARY.encode(char)[0]] = 0.0
    >>> ctc_greedy(log_probs)[0].text
    'ab'
    """
    best, labels = tempered(log_probs, temperature).max(dim=-1)
    results = []
    for row, length in enumerate(_lengths_or_full(log_probs, lengths)):
        frames = labels[row, :length].tolist()
        scores = best[row, :length].tolist()
        indices: list[int] = []
        confidences: list[float] = []
        previous = None
        for label, score in zip(frames, scores):
            if label != vocab.blank_index:
                if label != previous:
                    indices.append(label)
                    confidences.append(math.exp(score))
                else:
                    confidences[-1] = max(confidences[-1], math.exp(score))
            previous = label
        results.append(_ctc_decoded(indices, confidences, float(sum(scores)), vocab))
    return results


def _log_add(a: float, b: float) -> float:
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    high, low = (a, b) if a > b else (b, a)
    return high + math.log1p(math.exp(low - high))


def _ctc_prefix_beam(
    frames: torch.Tensor, blank: int, beam_width: int, candidates: int
) -> tuple[tuple[int, ...], float, tuple[float, ...]]:
    """Prefix beam search over one sample's ``(T, C)`` log-probs; returns best prefix and score."""
    # prefix -> [log P(prefix, ends in blank), log P(prefix, ends in non-blank), char confidences]
    beams: dict[tuple[int, ...], list] = {(): [0.0, -math.inf, ()]}
    top_scores, top_labels = frames.topk(min(candidates, frames.shape[1]), dim=-1)
    blank_scores = frames[:, blank].tolist()
    for t in range(frames.shape[0]):
        labels = top_labels[t].tolist()
        scores = top_scores[t].tolist()
        blank_score = blank_scores[t]
        step: dict[tuple[int, ...], list] = {}

        def entry(prefix: tuple[int, ...], confidences: tuple[float, ...]) -> list:
            if prefix not in step:
                step[prefix] = [-math.inf, -math.inf, confidences]
            return step[prefix]

        for prefix, (p_blank, p_label, confidences) in beams.items():
            total = _log_add(p_blank, p_label)
            stay = entry(prefix, confidences)
            stay[0] = _log_add(stay[0], total + blank_score)
            last = prefix[-1] if prefix else None
            for label, score in zip(labels, scores):
                if label == blank:
                    continue
                if label == last:
                    # Repeat without a blank in between collapses into the same prefix ...
                    stay[1] = _log_add(stay[1], p_label + score)
                    stay[2] = stay[2][:-1] + (max(stay[2][-1], math.exp(score)),)
                    # ... and only a blank-separated repeat extends it.
                    extended = entry(prefix + (label,), confidences + (math.exp(score),))
                    extended[1] = _log_add(extended[1], p_blank + score)
                else:
                    extended = entry(prefix + (label,), confidences + (math.exp(score),))
                    extended[1] = _log_add(extended[1], total + score)
        ranked = sorted(step.items(), key=lambda item: -_log_add(item[1][0], item[1][1]))
        beams = dict(ranked[:beam_width])
    prefix, (p_blank, p_label, confidences) = max(
        beams.items(), key=lambda item: _log_add(item[1][0], item[1][1])
    )
    return prefix, _log_add(p_blank, p_label), confidences


def ctc_beam_search(
    log_probs: torch.Tensor,
    lengths: Optional[torch.Tensor] = None,
    vocab: Vocabulary = DEFAULT_VOCABULARY,
    beam_width: int = 8,
    candidates: int = 8,
    temperature: float = 1.0,
) -> list[Decoded]:
    """CTC prefix beam search without a language model.

    Unlike greedy decoding it sums the probability of every alignment of a labelling, so
    ``log_prob`` is (a lower bound of) the probability of the *text*, not of one path. Only the
    ``candidates`` most likely labels of each frame are expanded, which keeps the cost linear
    in the vocabulary size without losing likely prefixes.
    """
    if beam_width < 1 or candidates < 1:
        raise ValueError("beam_width and candidates must be at least 1")
    frames_all = tempered(log_probs, temperature).cpu()
    results = []
    for row, length in enumerate(_lengths_or_full(log_probs, lengths)):
        prefix, log_prob, confidences = _ctc_prefix_beam(
            frames_all[row, :length], vocab.blank_index, beam_width, candidates
        )
        results.append(_ctc_decoded(prefix, confidences, log_prob, vocab))
    return results


class AutoregressiveModel(Protocol):
    """What the autoregressive decoders need (implemented by ``ParagraphTransformer``)."""

    def encode(self, images: torch.Tensor) -> torch.Tensor: ...

    def memory_keys_values(self, memory: torch.Tensor) -> list[KeyValue]: ...

    def decode(self, tokens: torch.Tensor, memory: torch.Tensor) -> torch.Tensor: ...

    def decode_step(
        self,
        tokens: torch.Tensor,
        position: int,
        memory: list[KeyValue],
        past: Optional[list[KeyValue]] = None,
    ) -> tuple[torch.Tensor, list[KeyValue]]: ...


def _max_steps(model: AutoregressiveModel, max_length: Optional[int]) -> int:
    limit = getattr(getattr(model, "config", None), "max_length", None) or 514
    return min(max_length or limit, limit) - 1  # the <start> token takes one position


def _finish(tokens: list[int], token_log_probs: list[float], vocab: Vocabulary) -> Decoded:
    """Cut at ``<end>`` (kept in the score, not in the text) and build the result."""
    if vocab.end_index in tokens:
        stop = tokens.index(vocab.end_index)
        scored = token_log_probs[: stop + 1]
        tokens = tokens[:stop]
    else:
        scored = token_log_probs
    log_prob = float(sum(scored))
    shown, confidences = _visible(tokens, [math.exp(x) for x in scored[: len(tokens)]], vocab)
    return Decoded(
        text=vocab.decode(shown),
        confidence=geometric_mean(log_prob, len(scored)),
        log_prob=log_prob,
        char_confidences=confidences,
        indices=tuple(tokens),
    )


@torch.no_grad()
def autoregressive_greedy(
    model: AutoregressiveModel,
    images: torch.Tensor,
    vocab: Vocabulary = DEFAULT_VOCABULARY,
    max_length: Optional[int] = None,
    use_cache: bool = True,
) -> list[Decoded]:
    """Greedy decoding: the most likely next token until every row has emitted ``<end>``.

    ``use_cache=False`` re-runs the decoder over the whole prefix at each step (slow); it
    exists to check that the cached path computes the same thing.
    """
    batch = images.shape[0]
    memory = model.encode(images)
    cross = model.memory_keys_values(memory)
    start = torch.full((batch,), vocab.start_index, dtype=torch.long, device=images.device)
    generated = [start]
    token_log_probs = []
    finished = torch.zeros(batch, dtype=torch.bool, device=images.device)
    past = None
    for position in range(_max_steps(model, max_length)):
        if use_cache:
            logits, past = model.decode_step(generated[-1], position, cross, past)
        else:
            logits = model.decode(torch.stack(generated, dim=1), memory)[:, -1]
        log_probs = torch.log_softmax(logits.float(), dim=-1)
        best, token = log_probs.max(dim=-1)
        token = torch.where(finished, torch.full_like(token, vocab.pad_index), token)
        generated.append(token)
        token_log_probs.append(best)
        finished = finished | (token == vocab.end_index)
        if bool(finished.all()):
            break
    tokens = torch.stack(generated[1:], dim=1).tolist() if len(generated) > 1 else [[]] * batch
    scores = torch.stack(token_log_probs, dim=1).tolist() if token_log_probs else [[]] * batch
    return [_finish(row, score, vocab) for row, score in zip(tokens, scores)]


def _reorder(past: list[KeyValue], index: torch.Tensor) -> list[KeyValue]:
    return [(key.index_select(0, index), value.index_select(0, index)) for key, value in past]


@torch.no_grad()
def autoregressive_beam_search(
    model: AutoregressiveModel,
    images: torch.Tensor,
    vocab: Vocabulary = DEFAULT_VOCABULARY,
    beam_width: int = 4,
    max_length: Optional[int] = None,
) -> list[Decoded]:
    """Beam search over token sequences; stops when every beam of every row has ended.

    Ended beams stay in the beam with their score frozen, so a complete hypothesis competes
    with longer unfinished ones on total log-probability. The final choice is the highest
    total log-probability. ``beam_width=1`` equals :func:`autoregressive_greedy`.
    """
    if beam_width < 1:
        raise ValueError("beam_width must be at least 1")
    batch, device = images.shape[0], images.device
    memory = model.encode(images)
    cross = [
        (key.repeat_interleave(beam_width, 0), value.repeat_interleave(beam_width, 0))
        for key, value in model.memory_keys_values(memory)
    ]
    rows = batch * beam_width
    scores = torch.full((batch, beam_width), -math.inf, device=device)
    scores[:, 0] = 0.0  # all beams start identical: keep one so the first step does not repeat
    tokens = torch.full((rows, 1), vocab.start_index, dtype=torch.long, device=device)
    step_scores = torch.zeros(rows, 0, device=device)
    finished = torch.zeros(rows, dtype=torch.bool, device=device)
    offsets = (torch.arange(batch, device=device) * beam_width).unsqueeze(1)
    past = None
    for position in range(_max_steps(model, max_length)):
        logits, past = model.decode_step(tokens[:, -1], position, cross, past)
        log_probs = torch.log_softmax(logits.float(), dim=-1)
        frozen = torch.full_like(log_probs, -math.inf)
        frozen[:, vocab.pad_index] = 0.0
        log_probs = torch.where(finished.unsqueeze(1), frozen, log_probs)
        vocab_size = log_probs.shape[-1]
        candidates = (scores.view(rows, 1) + log_probs).view(batch, beam_width * vocab_size)
        scores, flat = candidates.topk(beam_width, dim=-1)
        parent = (torch.div(flat, vocab_size, rounding_mode="floor") + offsets).view(-1)
        token = (flat % vocab_size).view(-1)
        chosen = log_probs[parent, token]
        tokens = torch.cat([tokens[parent], token.unsqueeze(1)], dim=1)
        step_scores = torch.cat([step_scores[parent], chosen.unsqueeze(1)], dim=1)
        finished = finished[parent] | (token == vocab.end_index)
        past = _reorder(past, parent)
        if bool(finished.all()):
            break
    best = scores.argmax(dim=-1) + offsets.squeeze(1)
    return [
        _finish(tokens[row, 1:].tolist(), step_scores[row].tolist(), vocab) for row in best.tolist()
    ]
