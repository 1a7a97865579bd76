"""Fixed sinusoidal position encodings: 1-D for token sequences, 2-D for image feature maps.

Fixed (not learned) encodings need no parameters, extrapolate to any length or map size, and
export to TorchScript/ONNX as plain tensor arithmetic.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def sinusoid_table(length: int, dim: int) -> torch.Tensor:
    """``(length, dim)`` table of sines (even columns) and cosines (odd columns).

    >>> sinusoid_table(3, 4).shape
    torch.Size([3, 4])
    """
    if dim % 2:
        raise ValueError(f"sinusoidal encodings need an even dimension, got {dim}")
    position = torch.arange(length, dtype=torch.float32).unsqueeze(1)
    frequency = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
    table = torch.zeros(length, dim)
    table[:, 0::2] = torch.sin(position * frequency)
    table[:, 1::2] = torch.cos(position * frequency)
    return table


class PositionalEncoding1D(nn.Module):
    """Adds the sinusoid of each token's position; ``offset`` supports incremental decoding."""

    def __init__(self, dim: int, max_length: int = 1024) -> None:
        super().__init__()
        self.register_buffer("table", sinusoid_table(max_length, dim), persistent=False)

    def forward(self, x: torch.Tensor, offset: int = 0) -> torch.Tensor:
        """``x``: (B, T, dim); positions ``offset .. offset + T - 1``."""
        return x + self.table[offset : offset + x.shape[1]].to(x.dtype)


class PositionalEncoding2D(nn.Module):
    """Half the channels encode the row, half the column, so attention can tell lines apart.

    >>> PositionalEncoding2D(8)(torch.zeros(1, 8, 2, 3)).shape
    torch.Size([1, 8, 2, 3])
    """

    def __init__(self, dim: int, max_size: int = 256) -> None:
        super().__init__()
        if dim % 4:
            raise ValueError(f"2-D sinusoidal encodings need a dimension divisible by 4, got {dim}")
        self.register_buffer("table", sinusoid_table(max_size, dim // 2), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: (B, dim, H, W) feature map."""
        height, width = x.shape[-2:]
        rows = self.table[:height].t().unsqueeze(2).expand(-1, height, width)
        cols = self.table[:width].t().unsqueeze(1).expand(-1, height, width)
        return x + torch.cat([rows, cols], dim=0).unsqueeze(0).to(x.dtype)
