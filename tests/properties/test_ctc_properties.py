"""CTC greedy decoding laws.

Literal idempotence ``collapse(collapse(x)) == collapse(x)`` is *false* for CTC (``a - a``
collapses to ``a a``, which collapses to ``a``); what holds, and what decoding relies on, is
that decoding the canonical alignment of a decoded labelling gives the labelling back.
"""

from __future__ import annotations

import pytest
import torch

from text_recognizer.decoding import ctc_collapse, ctc_greedy
from text_recognizer.vocab import DEFAULT_VOCABULARY

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

BLANK = DEFAULT_VOCABULARY.blank_index
#: Frame labels from a few classes with the blank among them, so repeats and blanks are common.
FRAMES = st.lists(st.sampled_from([BLANK, 4, 5, 6]), max_size=40)
LABELLINGS = st.lists(st.sampled_from([4, 5, 6]), max_size=20)


def canonical_alignment(labels: list[int], stretch: list[int]) -> list[int]:
    """Frames that spell ``labels``: each label repeated ``stretch[i]`` times, blank-separated."""
    frames: list[int] = []
    for index, label in enumerate(labels):
        frames += [label] * stretch[index % len(stretch)] + [BLANK]
    return frames


@given(FRAMES)
def test_collapse_never_emits_blanks(frames):
    assert BLANK not in ctc_collapse(frames, BLANK)


@given(FRAMES, st.lists(st.integers(1, 3), min_size=1, max_size=5))
def test_decoding_the_alignment_of_a_decoding_returns_it(frames, stretch):
    decoded = ctc_collapse(frames, BLANK)
    assert ctc_collapse(canonical_alignment(decoded, stretch), BLANK) == decoded


@st.composite
def any_alignment(draw, labellings=LABELLINGS) -> tuple[list[int], list[int]]:
    """(labels, frames): any CTC alignment of ``labels``. Blanks before, between and after the
    labels (at least one between two equal labels, which would otherwise merge), and each
    label held for one or more frames."""
    labels = draw(labellings)
    blanks = st.integers(0, 3)
    frames = [BLANK] * draw(blanks)
    for index, label in enumerate(labels):
        if index:
            frames += [BLANK] * (
                draw(st.integers(1, 3)) if label == labels[index - 1] else draw(blanks)
            )
        frames += [label] * draw(st.integers(1, 3))
    frames += [BLANK] * draw(blanks)
    return labels, frames


@given(any_alignment())
def test_every_alignment_of_a_labelling_decodes_to_it(labelled):
    labels, frames = labelled
    assert ctc_collapse(frames, BLANK) == labels


@given(FRAMES, st.integers(1, 3))
def test_stretching_time_does_not_change_the_decoding(frames, factor):
    stretched = [label for label in frames for _ in range(factor)]
    assert ctc_collapse(stretched, BLANK) == ctc_collapse(frames, BLANK)


@given(
    st.lists(st.sampled_from([4, 5]), min_size=1, max_size=12),
    st.lists(st.integers(1, 3), min_size=1, max_size=5),
    st.floats(0.3, 0.99),
    st.integers(0, 2**31 - 1),
)
def test_greedy_decoding_is_the_collapsed_best_path_and_has_no_blanks(labels, stretch, top, seed):
    """Log-probs whose best path aligns ``labels`` (two classes: repeats are common)."""
    path = canonical_alignment(labels, stretch)
    generator = torch.Generator().manual_seed(seed)
    probs = torch.rand(len(path), len(DEFAULT_VOCABULARY), generator=generator)
    probs = probs / probs.sum(-1, keepdim=True) * (1 - top)
    probs[torch.arange(len(path)), torch.tensor(path)] = top + (1 - top) / 2
    log_probs = (probs / probs.sum(-1, keepdim=True)).log().unsqueeze(0)
    (decoded,) = ctc_greedy(log_probs)
    assert list(decoded.indices) == ctc_collapse(path, BLANK) == labels
    assert BLANK not in decoded.indices
    assert decoded.text == DEFAULT_VOCABULARY.decode(decoded.indices)
    assert len(decoded.char_confidences) == len(decoded.text)
