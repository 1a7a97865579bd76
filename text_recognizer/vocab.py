"""The token set shared by data, models and decoding, and string <-> index conversion.

Index 0 is the CTC blank so that the line model's blank is the conventional one; the
autoregressive paragraph model uses the start, end and padding tokens.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import torch

from text_recognizer.errors import VocabularyError

BLANK = "<blank>"
PAD = "<pad>"
START = "<start>"
END = "<end>"
SPECIAL_TOKENS: tuple[str, ...] = (BLANK, PAD, START, END)

#: IAM's punctuation, space included; newline separates the lines of a paragraph.
PUNCTUATION = " !\"#&'()*+,-./:;?"
NEWLINE = "\n"
CHARACTERS: str = string.digits + string.ascii_uppercase + string.ascii_lowercase + PUNCTUATION


@dataclass(frozen=True)
class Vocabulary:
    """An ordered token set: special tokens first, then one token per character."""

    characters: str = CHARACTERS + NEWLINE
    specials: tuple[str, ...] = SPECIAL_TOKENS
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(set(self.characters)) != len(self.characters):
            raise VocabularyError("vocabulary characters must be unique")
        tokens = list(self.specials) + list(self.characters)
        object.__setattr__(self, "_index", {token: i for i, token in enumerate(tokens)})

    def __len__(self) -> int:
        return len(self.specials) + len(self.characters)

    @property
    def tokens(self) -> list[str]:
        return list(self.specials) + list(self.characters)

    @property
    def blank_index(self) -> int:
        return self._index[BLANK]

    @property
    def pad_index(self) -> int:
        return self._index[PAD]

    @property
    def start_index(self) -> int:
        return self._index[START]

    @property
    def end_index(self) -> int:
        return self._index[END]

    @property
    def num_specials(self) -> int:
        return len(self.specials)

    def unknown_characters(self, text: str) -> list[str]:
        """Characters of ``text`` outside the vocabulary, in order of first appearance.

        >>> Vocabulary().unknown_characters("café ok")
        ['é']
        """
        seen: dict[str, None] = {}
        for char in text:
            if char not in self._index or char in self.specials:
                seen.setdefault(char, None)
        return list(seen)

    def check(self, text: str) -> None:
        """Raise :class:`VocabularyError` naming every character of ``text`` we cannot encode."""
        unknown = self.unknown_characters(text)
        if unknown:
            first = min(text.index(char) for char in unknown)
            shown = ", ".join(repr(char) for char in unknown)
            raise VocabularyError(
                f"text has {len(unknown)} character(s) outside the vocabulary: {shown} "
                f"(first at position {first} of {text[:40]!r})"
            )

    def encode(self, text: str) -> torch.Tensor:
        """Indices of ``text``'s characters (no special tokens) as a 1-D int64 tensor.

        >>> Vocabulary().decode(Vocabulary().encode("Hi!"))
        'Hi!'
        """
        self.check(text)
        return torch.tensor([self._index[char] for char in text], dtype=torch.long)

    def decode(self, indices: Iterable[int] | torch.Tensor) -> str:
        """Text of ``indices``, skipping special tokens (blank, padding, start, end)."""
        if isinstance(indices, torch.Tensor):
            indices = indices.tolist()
        tokens = self.tokens
        out = []
        for raw in indices:
            index = int(raw)
            if not 0 <= index < len(tokens):
                raise VocabularyError(f"index {index} is outside the vocabulary (size {len(self)})")
            if index >= self.num_specials:
                out.append(tokens[index])
        return "".join(out)

    def encode_with_bounds(self, text: str) -> torch.Tensor:
        """``<start> text <end>``: the target sequence of an autoregressive decoder."""
        body = self.encode(text)
        start = torch.tensor([self.start_index])
        end = torch.tensor([self.end_index])
        return torch.cat([start, body, end])

    def pad_batch(
        self, sequences: Sequence[torch.Tensor], length: int | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Stack 1-D index tensors into ``(batch, length)`` padded with ``<pad>``, plus lengths."""
        lengths = torch.tensor([len(seq) for seq in sequences], dtype=torch.long)
        width = int(lengths.max().item()) if length is None and len(sequences) else (length or 0)
        if len(sequences) and width < int(lengths.max().item()):
            raise VocabularyError(f"a sequence of length {int(lengths.max())} exceeds {width}")
        batch = torch.full((len(sequences), width), self.pad_index, dtype=torch.long)
        for row, seq in enumerate(sequences):
            batch[row, : len(seq)] = seq
        return batch, lengths


#: The vocabulary of every model in this package.
DEFAULT_VOCABULARY = Vocabulary()
