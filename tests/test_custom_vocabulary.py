"""A vocabulary other than the package's reaches every step that turns text into indices or
indices into text: collation encodes labels with it and the line module decodes with it.

The vocabulary used here holds the default characters in reverse order: the same size (so the
models fit it) but every character at another index, so a step that quietly falls back to the
default vocabulary reads or writes other characters.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from text_recognizer.data.fake import render_fake
from text_recognizer.data.preprocess import Preprocessor, Sample
from text_recognizer.lit_models import LineCTCLitModel
from text_recognizer.vocab import DEFAULT_VOCABULARY, Vocabulary

REVERSED = Vocabulary(characters=DEFAULT_VOCABULARY.characters[::-1])


class Spelling(nn.Module):
    """A stand-in line model whose frames spell ``text`` in ``vocab``, a blank between letters."""

    def __init__(self, vocab: Vocabulary, text: str) -> None:
        super().__init__()
        self.vocab, self.text = vocab, text
        self.anchor = nn.Parameter(torch.zeros(1))

    def forward(self, images, widths):
        frames = [int(self.vocab.encode(char)[0]) for char in self.text]
        frames = [index for frame in frames for index in (frame, self.vocab.blank_index)]
        logits = torch.zeros(1, len(frames), len(self.vocab))
        logits[0, torch.arange(len(frames)), torch.tensor(frames)] = 8.0
        return torch.log_softmax(logits + self.anchor, dim=-1), torch.tensor([len(frames)])


def test_the_reversed_vocabulary_puts_characters_at_other_indices():
    assert len(REVERSED) == len(DEFAULT_VOCABULARY)
    assert not torch.equal(REVERSED.encode("ab1"), DEFAULT_VOCABULARY.encode("ab1"))


@pytest.mark.parametrize("kind", ["lines", "paragraphs"])
def test_collating_with_a_custom_vocabulary_encodes_the_labels_with_it(kind):
    preprocessor = Preprocessor(kind)
    image, text = render_fake(kind, 0)
    sample = Sample(image=preprocessor(image), text=text, id="s0")
    batch = preprocessor.collate([sample], REVERSED)
    assert REVERSED.decode(batch["targets"][0]) == text


@pytest.mark.parametrize("decoding", ["greedy", "beam"])
def test_a_line_module_with_a_custom_vocabulary_decodes_with_it(decoding):
    lit = LineCTCLitModel("tiny", vocabulary=REVERSED.characters, decoding=decoding)
    lit.model = Spelling(REVERSED, "ab1")
    (decoded,) = lit.decode_batch({"images": None, "widths": None})
    assert decoded.text == "ab1"
