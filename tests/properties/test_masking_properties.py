"""Padding and batch composition never change a sample's output (masking is correct).

The line model masks padded columns after every convolution and reverses each sample within
its own length for the backward LSTM; these properties fail if either is lost. The paragraph
decoder's causal mask and KV cache are held to the same standard.
"""

from __future__ import annotations

import pytest
import torch

from text_recognizer.data.preprocess import LINE_HEIGHT, collate_lines
from text_recognizer.decoding import ctc_greedy

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from text_recognizer.testing.strategies import sample_lists, samples  # noqa: E402

ATOL = 1e-5


def run_line(model, images, widths):
    with torch.inference_mode():
        return model(images, widths)


@given(samples("lines", max_width=160), st.integers(1, 48), st.integers(0, 2**31 - 1))
def test_garbage_in_the_padding_changes_no_output_of_a_line(tiny_line_model, sample, extra, seed):
    image = sample["image"].unsqueeze(0)
    width = image.shape[-1]
    garbage = torch.rand(1, 1, LINE_HEIGHT, extra, generator=torch.Generator().manual_seed(seed))
    padded = torch.cat([image, garbage], dim=-1)
    alone, alone_lengths = run_line(tiny_line_model, image, torch.tensor([width]))
    inside, lengths = run_line(tiny_line_model, padded, torch.tensor([width]))
    assert torch.equal(lengths, alone_lengths)
    frames = int(lengths[0])
    torch.testing.assert_close(inside[:, :frames], alone[:, :frames], atol=ATOL, rtol=0)
    assert ctc_greedy(inside, lengths)[0].text == ctc_greedy(alone, alone_lengths)[0].text


@given(sample_lists("lines", max_size=4, max_width=160), st.data())
def test_a_line_alone_gives_the_same_output_as_inside_any_batch(
    tiny_line_model, batch_samples, data
):
    row = data.draw(st.integers(0, len(batch_samples) - 1))
    batch = collate_lines(batch_samples)
    together, lengths = run_line(tiny_line_model, batch["images"], batch["widths"])
    single = collate_lines([batch_samples[row]])
    alone, alone_lengths = run_line(tiny_line_model, single["images"], single["widths"])
    frames = int(alone_lengths[0])
    assert int(lengths[row]) == frames
    torch.testing.assert_close(together[row, :frames], alone[0, :frames], atol=ATOL, rtol=0)


@given(st.integers(1, 3), st.integers(1, 12), st.integers(0, 12), st.integers(0, 2**31 - 1))
def test_appending_tokens_never_changes_earlier_paragraph_logits(
    tiny_paragraph_model, batch, length, extra, seed
):
    model = tiny_paragraph_model
    generator = torch.Generator().manual_seed(seed)
    memory = torch.randn(batch, 6, model.config.d_model, generator=generator)
    tokens = torch.randint(0, model.config.vocab_size, (batch, length + extra), generator=generator)
    with torch.inference_mode():
        full = model.decode(tokens, memory)
        prefix = model.decode(tokens[:, :length], memory)
    torch.testing.assert_close(full[:, :length], prefix, atol=ATOL, rtol=0)


@given(st.integers(1, 2), st.integers(1, 8), st.integers(0, 2**31 - 1))
def test_cached_decoding_steps_equal_the_full_decoder(tiny_paragraph_model, batch, length, seed):
    model = tiny_paragraph_model
    generator = torch.Generator().manual_seed(seed)
    memory = torch.randn(batch, 6, model.config.d_model, generator=generator)
    tokens = torch.randint(0, model.config.vocab_size, (batch, length), generator=generator)
    with torch.inference_mode():
        full = model.decode(tokens, memory)
        cross, past, steps = model.memory_keys_values(memory), None, []
        for position in range(length):
            logits, past = model.decode_step(tokens[:, position], position, cross, past)
            steps.append(logits)
    torch.testing.assert_close(torch.stack(steps, dim=1), full, atol=ATOL, rtol=0)
