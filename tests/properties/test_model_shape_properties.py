"""Output shapes for any batch size and any width in range, and well-formed log-probabilities."""

from __future__ import annotations

import pytest
import torch

from text_recognizer.data.preprocess import LINE_HEIGHT, LINE_MAX_WIDTH
from text_recognizer.models.line_ctc import output_lengths

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def ceil_div(value: int, divisor: int) -> int:
    return -(-value // divisor)


@given(st.data())
def test_line_model_gives_one_frame_per_stride_for_any_batch_and_width(tiny_line_model, data):
    batch = data.draw(st.integers(1, 4), label="batch")
    widths = data.draw(st.lists(st.integers(1, LINE_MAX_WIDTH), min_size=batch, max_size=batch))
    padded = data.draw(st.integers(max(widths), LINE_MAX_WIDTH), label="padded width")
    images = torch.rand(batch, 1, LINE_HEIGHT, padded)
    with torch.inference_mode():
        log_probs, lengths = tiny_line_model(images, torch.tensor(widths))
    frame = tiny_line_model.config.frame_width
    assert tuple(log_probs.shape) == (
        batch,
        ceil_div(padded, frame),
        tiny_line_model.config.vocab_size,
    )
    assert lengths.tolist() == [ceil_div(width, frame) for width in widths]
    assert bool(torch.isfinite(log_probs).all())
    torch.testing.assert_close(log_probs.exp().sum(-1), torch.ones(log_probs.shape[:2]))


@given(st.integers(1, 5000), st.lists(st.integers(1, 3), min_size=1, max_size=4))
def test_output_lengths_are_ceil_divisions_by_each_stride(width, strides):
    expected = width
    for stride in strides:
        expected = ceil_div(expected, stride)
    assert output_lengths(torch.tensor([width]), tuple(strides)).item() == expected


@given(st.integers(1, 3), st.integers(1, 20))
def test_paragraph_decoder_gives_logits_per_token_for_any_batch_and_length(
    tiny_paragraph_model, batch, length
):
    model = tiny_paragraph_model
    memory = torch.randn(batch, 5, model.config.d_model)
    tokens = torch.randint(0, model.config.vocab_size, (batch, length))
    with torch.inference_mode():
        logits = model.decode(tokens, memory)
    assert tuple(logits.shape) == (batch, length, model.config.vocab_size)
    assert bool(torch.isfinite(logits).all())


@pytest.mark.parametrize("batch", [1, 2])
def test_paragraph_encoder_gives_a_memory_sequence_per_image(tiny_paragraph_model, batch):
    model = tiny_paragraph_model
    config = model.config
    images = torch.rand(batch, 1, config.image_height, config.image_width)
    with torch.inference_mode():
        memory = model.encode(images)
    stride = config.encoder.output_stride
    cells = ceil_div(config.image_height, stride) * ceil_div(config.image_width, stride)
    assert tuple(memory.shape) == (batch, cells, config.d_model)
