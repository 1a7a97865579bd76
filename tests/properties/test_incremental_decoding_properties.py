"""Cached (incremental) decoding computes what the full decoder computes, at any depth and step.

The KV cache keeps one past per layer and grows by one token per step; a bug that mixes the
layers' pasts, or loses track of the position or of a beam's parent, is invisible on a one-layer
model or at the first step. So the laws range over depths, widths, lengths and beam widths, on
random weights: every cached step equals the teacher-forced logits, and every decoder's reported
score for the tokens it emitted is what the full decoder gives those tokens.
"""

from __future__ import annotations

import pytest
import torch

from tests.properties.conftest import random_paragraph_model
from text_recognizer.decoding import autoregressive_beam_search, autoregressive_greedy
from text_recognizer.vocab import DEFAULT_VOCABULARY as VOCAB

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

ATOL = 1e-4
SHAPES = (st.integers(1, 3), st.integers(1, 2), st.sampled_from([4, 8]))


def rescored(model, memory: torch.Tensor, tokens: list[int]) -> float:
    """Log-probability the full (uncached) decoder gives ``tokens`` after ``<start>``, up to
    and including the first ``<end>``."""
    if VOCAB.end_index in tokens:
        tokens = tokens[: tokens.index(VOCAB.end_index) + 1]
    inputs = torch.tensor([[VOCAB.start_index, *tokens[:-1]]])
    with torch.inference_mode():
        log_probs = model.decode(inputs, memory).log_softmax(-1)[0]
    return float(log_probs[torch.arange(len(tokens)), torch.tensor(tokens)].sum())


@settings(max_examples=15)
@given(*SHAPES, st.integers(1, 2), st.integers(1, 10), st.integers(0, 2**31 - 1))
def test_every_cached_step_equals_the_teacher_forced_logits_at_any_depth(
    layers, heads, head_dim, batch, length, seed
):
    model = random_paragraph_model(layers, heads, head_dim, seed)
    generator = torch.Generator().manual_seed(seed)
    memory = torch.randn(batch, 6, model.config.d_model, generator=generator)
    tokens = torch.randint(0, model.config.vocab_size, (batch, length), generator=generator)
    with torch.inference_mode():
        full = model.decode(tokens, memory)
        cross, past = model.memory_keys_values(memory), None
        for position in range(length):
            step, past = model.decode_step(tokens[:, position], position, cross, past)
            torch.testing.assert_close(step, full[:, position], atol=ATOL, rtol=0)


def boosted(model, seed: int, scale: float = 4.0):
    """Sharpen the head so decoding ends at different lengths instead of running to the cap."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        model.head.weight.mul_(scale)
        model.head.bias.add_(torch.randn(model.head.bias.shape, generator=generator))
        model.head.bias[VOCAB.end_index] += float(torch.rand(1, generator=generator)) * 3
    return model


@settings(max_examples=12)
@given(*SHAPES, st.integers(1, 4), st.integers(2, 10), st.integers(0, 2**31 - 1))
def test_decoders_report_the_score_the_full_decoder_gives_their_tokens(
    layers, heads, head_dim, beam_width, max_length, seed
):
    model = boosted(random_paragraph_model(layers, heads, head_dim, seed), seed)
    images = torch.rand(2, 1, 64, 64, generator=torch.Generator().manual_seed(seed))
    greedy = autoregressive_greedy(model, images, VOCAB, max_length)
    beam = autoregressive_beam_search(model, images, VOCAB, beam_width, max_length)
    with torch.inference_mode():
        memory = model.encode(images)
    for row in range(images.shape[0]):
        for decoded in (greedy[row], beam[row]):
            tokens = list(decoded.indices)
            if len(tokens) < max_length - 1:  # it stopped at <end>, which is scored too
                tokens.append(VOCAB.end_index)
            expected = rescored(model, memory[row : row + 1], tokens)
            assert decoded.log_prob == pytest.approx(expected, abs=ATOL * len(tokens))
