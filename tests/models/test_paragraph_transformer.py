"""Paragraph model: shapes, and that cached decoding computes what the full decoder computes."""

from __future__ import annotations

import pytest
import torch

from text_recognizer.decoding import autoregressive_greedy
from text_recognizer.errors import ModelInputError
from text_recognizer.vocab import DEFAULT_VOCABULARY as VOCAB


@pytest.fixture
def paragraph_images():
    return torch.rand(2, 1, 512, 512)


def test_teacher_forced_logits_have_one_row_per_input_token(tiny_paragraph_model, paragraph_images):
    tokens = torch.randint(4, len(VOCAB), (2, 9))
    logits = tiny_paragraph_model(paragraph_images, tokens)
    assert logits.shape == (2, 9, len(VOCAB))


def test_memory_has_one_position_per_stride_32_cell(tiny_paragraph_model, paragraph_images):
    memory = tiny_paragraph_model.encode(paragraph_images)
    assert memory.shape == (2, 16 * 16, tiny_paragraph_model.config.d_model)


def test_cached_steps_give_the_teacher_forced_logits(tiny_paragraph_model, paragraph_images):
    model = tiny_paragraph_model
    tokens = torch.cat(
        [torch.full((2, 1), VOCAB.start_index), torch.randint(4, len(VOCAB), (2, 11))], dim=1
    )
    with torch.no_grad():
        memory = model.encode(paragraph_images)
        full = model.decode(tokens, memory)
        cross = model.memory_keys_values(memory)
        past = None
        for position in range(tokens.shape[1]):
            step, past = model.decode_step(tokens[:, position], position, cross, past)
            assert torch.allclose(step, full[:, position], atol=1e-4), position


def test_cached_greedy_decoding_emits_the_same_tokens_as_recomputing(
    tiny_paragraph_model, paragraph_images
):
    cached = autoregressive_greedy(tiny_paragraph_model, paragraph_images, max_length=40)
    recomputed = autoregressive_greedy(
        tiny_paragraph_model, paragraph_images, max_length=40, use_cache=False
    )
    assert [d.indices for d in cached] == [d.indices for d in recomputed]
    assert [d.confidence for d in cached] == pytest.approx([d.confidence for d in recomputed])


def test_wrong_paragraph_size_is_refused(tiny_paragraph_model):
    with pytest.raises(ModelInputError, match="512, 512"):
        tiny_paragraph_model.encode(torch.rand(1, 1, 256, 512))


def test_too_many_tokens_are_refused(tiny_paragraph_model, paragraph_images):
    tokens = torch.zeros(1, tiny_paragraph_model.config.max_length + 1, dtype=torch.long)
    with pytest.raises(ModelInputError, match="max_length"):
        tiny_paragraph_model(paragraph_images[:1], tokens)


def test_token_vectors_enter_the_decoder_scaled_by_the_root_of_the_width(tiny_paragraph_model):
    """As in the Transformer: the learned vectors times sqrt(d_model), plus the position code
    (entries within +-1), so that neither drowns the other whatever the embedding's init."""
    from text_recognizer.models.positional import sinusoid_table

    model = tiny_paragraph_model
    tokens = torch.randint(4, len(VOCAB), (2, 7))
    width = model.config.d_model
    with torch.no_grad():
        token_part = model.embed(tokens, offset=3) - sinusoid_table(10, width)[3:10]
        torch.testing.assert_close(token_part, model.embedding(tokens) * width**0.5)
