"""Position reaches the paragraph model: without it a Transformer cannot tell where it is.

A decoder that silently stops receiving its 1-D encoding, or a memory that loses its 2-D one,
still trains and even memorizes a tiny batch (the content of the tokens and of the image is
enough to tell a handful of samples apart), so only these laws notice: identical inputs at
different places must give different outputs. They hold for random weights of any depth.
"""

from __future__ import annotations

import pytest
import torch

from tests.properties.conftest import random_paragraph_model

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

#: Distances below this are float noise: two outputs that differ only by it are the same.
SAME = 1e-3


def closest_pair(rows: torch.Tensor) -> float:
    """The smallest distance between two different rows of ``rows`` (N, D)."""
    distances = torch.cdist(rows, rows).masked_fill(torch.eye(len(rows), dtype=torch.bool), 1e9)
    return float(distances.min())


@settings(max_examples=15)
@given(
    st.integers(1, 3),
    st.integers(1, 2),
    st.sampled_from([4, 8]),
    st.integers(2, 12),
    st.integers(0, 2**31 - 1),
)
def test_a_repeated_token_gets_different_logits_at_every_position(
    layers, heads, head_dim, length, seed
):
    model = random_paragraph_model(layers, heads, head_dim, seed)
    generator = torch.Generator().manual_seed(seed)
    token = int(torch.randint(4, model.config.vocab_size, (1,), generator=generator))
    memory = torch.randn(1, 5, model.config.d_model, generator=generator)
    with torch.inference_mode():
        logits = model.decode(torch.full((1, length), token), memory)[0]
    assert closest_pair(logits) > SAME, "the decoder cannot tell positions apart"


@settings(max_examples=10)
@given(
    st.integers(1, 2),
    st.sampled_from([4, 8]),
    st.sampled_from([64, 96]),
    st.floats(0.0, 1.0),
    st.integers(0, 2**31 - 1),
)
def test_every_memory_cell_of_a_uniform_page_is_distinct(heads, head_dim, size, level, seed):
    model = random_paragraph_model(1, heads, head_dim, seed, image=size)
    with torch.inference_mode():
        memory = model.encode(torch.full((1, 1, size, size), level))[0]
    assert closest_pair(memory) > SAME, "cells with the same content share a memory vector"
