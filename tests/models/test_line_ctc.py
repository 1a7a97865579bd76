"""Line model: output shapes, frame lengths, and independence from batch padding."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from text_recognizer.errors import ModelInputError
from text_recognizer.models import build_model
from text_recognizer.models.line_ctc import MaskedBiLSTM, reverse_within_lengths
from text_recognizer.vocab import DEFAULT_VOCABULARY


@pytest.mark.parametrize("batch, width", [(1, 16), (3, 96), (2, 1024)])
def test_log_probs_have_one_frame_per_four_pixels(tiny_line_model, batch, width):
    images = torch.rand(batch, 1, 40, width)
    log_probs, lengths = tiny_line_model(images, torch.full((batch,), width))
    assert log_probs.shape == (batch, width // 4, len(DEFAULT_VOCABULARY))
    assert lengths.tolist() == [width // 4] * batch


def test_log_probs_are_normalised_distributions(tiny_line_model):
    log_probs, _ = tiny_line_model(torch.rand(2, 1, 40, 64), torch.tensor([64, 40]))
    assert torch.allclose(log_probs.exp().sum(-1), torch.ones(2, 16), atol=1e-5)


def test_output_lengths_follow_unpadded_widths(tiny_line_model):
    _, lengths = tiny_line_model(torch.rand(3, 1, 40, 128), torch.tensor([128, 50, 3]))
    assert lengths.tolist() == [32, 13, 1]


def test_a_lines_outputs_do_not_depend_on_its_padding(tiny_line_model):
    line = torch.rand(1, 1, 40, 72)
    alone, alone_lengths = tiny_line_model(line, torch.tensor([72]))
    padded = torch.zeros(2, 1, 40, 256)
    padded[0, :, :, :72] = line[0]
    padded[1] = torch.rand(1, 40, 256)  # a wide neighbour forces the padding
    batched, lengths = tiny_line_model(padded, torch.tensor([72, 256]))
    frames = int(alone_lengths[0])
    assert int(lengths[0]) == frames
    assert torch.allclose(batched[0, :frames], alone[0, :frames], atol=1e-5)


def test_garbage_in_the_padding_is_ignored(tiny_line_model):
    clean = torch.zeros(1, 1, 40, 96)
    clean[..., :60] = torch.rand(1, 1, 40, 60)
    noisy = clean.clone()
    noisy[..., 60:] = torch.rand(1, 1, 40, 36)
    a, _ = tiny_line_model(clean, torch.tensor([60]))
    b, _ = tiny_line_model(noisy, torch.tensor([60]))
    assert torch.allclose(a[:, :15], b[:, :15], atol=1e-5)


def test_wrong_line_height_is_refused_with_the_expected_shape(tiny_line_model):
    with pytest.raises(ModelInputError, match=r"\(B, 1, 40, W\)"):
        tiny_line_model(torch.rand(1, 1, 32, 64), torch.tensor([64]))


def test_reversing_within_lengths_twice_is_the_identity():
    x = torch.randn(3, 7, 2)
    lengths = torch.tensor([7, 4, 1])
    assert torch.equal(reverse_within_lengths(reverse_within_lengths(x, lengths), lengths), x)


def test_every_parameter_gets_a_gradient(tiny_line_model):
    tiny_line_model.train()
    log_probs, _ = tiny_line_model(torch.rand(2, 1, 40, 64), torch.tensor([64, 48]))
    log_probs.sum().backward()
    missing = [n for n, p in tiny_line_model.named_parameters() if p.grad is None]
    assert missing == []


@settings(max_examples=10)
@given(widths=st.lists(st.integers(1, 200), min_size=1, max_size=3))
def test_any_batch_of_widths_gets_ceil_quarter_frames_and_padding_invariance(widths):
    model = build_model("line_ctc", "tiny").eval()
    padded = max(widths) + 16
    images = torch.zeros(len(widths), 1, 40, padded)
    for row, width in enumerate(widths):
        images[row, :, :, :width] = torch.rand(1, 40, width)
    log_probs, lengths = model(images, torch.tensor(widths))
    assert lengths.tolist() == [-(-w // 4) for w in widths]
    assert log_probs.shape[:2] == (len(widths), -(-padded // 4))
    for row, width in enumerate(widths):
        alone, _ = model(images[row : row + 1, :, :, :width], torch.tensor([width]))
        frames = int(lengths[row])
        assert torch.allclose(log_probs[row, :frames], alone[0, :frames], atol=1e-5)


def test_lstm_dropout_falls_between_layers_only():
    """As ``nn.LSTM(dropout=...)``: a one-layer stack sees its input whole even in training."""
    x, lengths = torch.rand(2, 7, 5), torch.tensor([7, 4])
    one_layer = MaskedBiLSTM(5, 4, layers=1, dropout=0.5).train()
    assert torch.equal(one_layer(x, lengths), one_layer(x, lengths))
    two_layers = MaskedBiLSTM(5, 4, layers=2, dropout=0.5).train()
    assert not torch.equal(two_layers(x, lengths), two_layers(x, lengths))
