"""Sinusoidal position encodings: stated shapes, bounded values, consistent offsets."""

from __future__ import annotations

import pytest
import torch

from text_recognizer.models.positional import (
    PositionalEncoding1D,
    PositionalEncoding2D,
    sinusoid_table,
)

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

EVEN = st.integers(1, 32).map(lambda half: 2 * half)


@given(st.integers(1, 300), EVEN)
def test_table_has_the_stated_shape_and_lies_within_minus_one_and_one(length, dim):
    table = sinusoid_table(length, dim)
    assert tuple(table.shape) == (length, dim)
    assert float(table.abs().max()) <= 1.0
    # each frequency is a point on the unit circle: sin^2 + cos^2 = 1
    torch.testing.assert_close(
        table[:, 0::2] ** 2 + table[:, 1::2] ** 2, torch.ones(length, dim // 2)
    )


@given(st.integers(1, 3), st.integers(1, 40), EVEN, st.integers(0, 60))
def test_1d_encoding_keeps_the_shape_and_adds_a_bounded_offset_table_slice(
    batch, steps, dim, offset
):
    encoding = PositionalEncoding1D(dim, max_length=128)
    x = torch.randn(batch, steps, dim)
    out = encoding(x, offset)
    assert out.shape == x.shape
    added = out - x
    assert float(added.abs().max()) <= 1.0 + 1e-6
    torch.testing.assert_close(added[0], sinusoid_table(128, dim)[offset : offset + steps])


@given(st.integers(2, 40), st.integers(1, 39), EVEN)
def test_1d_encoding_of_a_suffix_with_its_offset_equals_the_full_encoding(steps, split, dim):
    split = min(split, steps - 1)
    encoding = PositionalEncoding1D(dim, max_length=64)
    x = torch.randn(1, steps, dim)
    torch.testing.assert_close(encoding(x[:, split:], split), encoding(x)[:, split:])


@given(
    st.integers(1, 2),
    st.integers(1, 8).map(lambda quarter: 4 * quarter),
    st.integers(1, 20),
    st.integers(1, 20),
)
def test_2d_encoding_keeps_the_shape_is_bounded_and_tells_cells_apart(batch, dim, height, width):
    encoding = PositionalEncoding2D(dim, max_size=32)
    x = torch.zeros(batch, dim, height, width)
    out = encoding(x)
    assert out.shape == x.shape
    assert float(out.abs().max()) <= 1.0
    cells = out[0].flatten(1).t()  # (height * width, dim)
    assert torch.cdist(cells, cells).add(torch.eye(len(cells))).min() > 1e-4


@given(EVEN)
def test_column_pairs_turn_by_geometrically_falling_frequencies_from_one_radian_per_position(dim):
    """The Transformer's encoding: pair ``i`` turns ``10000 ** (-2i / dim)`` radians per
    position. The first pair tells neighbours apart, the slowest still separates positions
    thousands apart; frequencies that grow (or do not fall) make every position look random."""
    table = sinusoid_table(2, dim).double()
    turned = torch.atan2(table[1, 0::2], table[1, 1::2])  # the angle one position moves
    assert float(turned[0]) == pytest.approx(1.0)
    if dim > 2:
        ratios = turned[1:] / turned[:-1]
        expected = torch.full_like(ratios, 10000.0 ** (-2 / dim))
        torch.testing.assert_close(ratios, expected, rtol=1e-4, atol=0.0)  # a float32 table
    assert float(turned.min()) >= 1e-4
