"""A small ResNet written here (no torchvision), configurable in depth and width.

The paragraph model uses :class:`ResNetEncoder` as its image encoder; the line model reuses
:class:`BasicBlock` with a width mask so that right-padding never leaks into a line's features.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch
from torch import nn


def conv3x3(in_channels: int, out_channels: int, stride: tuple[int, int] | int = 1) -> nn.Conv2d:
    """3x3 convolution with padding 1 and no bias (a BatchNorm follows)."""
    return nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with a residual connection (He et al., 2016).

    ``mask`` (broadcastable to the block's output, 1 = real pixel, 0 = padding) zeroes padded
    columns after every convolution, so padded positions look exactly like a convolution's
    own zero padding and a sample's features do not depend on how much padding it got.

    >>> BasicBlock(8, 16, stride=2)(torch.zeros(1, 8, 10, 10)).shape
    torch.Size([1, 16, 5, 5])
    """

    def __init__(self, in_channels: int, out_channels: int, stride: tuple[int, int] | int = 1):
        super().__init__()
        self.conv1 = conv3x3(in_channels, out_channels, stride)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = conv3x3(out_channels, out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        needs_projection = stride not in (1, (1, 1)) or in_channels != out_channels
        self.shortcut = (
            nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )
            if needs_projection
            else nn.Identity()
        )

    def forward(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        if mask is not None:
            out = out * mask
        out = self.relu(self.bn2(self.conv2(out)) + self.shortcut(x))
        if mask is not None:
            out = out * mask
        return out


@dataclass(frozen=True)
class ResNetConfig:
    """Shape of a :class:`ResNetEncoder`.

    ``widths[i]``/``blocks[i]``: channels and number of blocks of stage ``i``. The stem divides
    the resolution by 4 and every stage after the first by 2 more, so the output stride is
    ``4 * 2 ** (len(widths) - 1)`` (32 for four stages).
    """

    in_channels: int = 1
    stem_channels: int = 32
    widths: tuple[int, ...] = (32, 64, 128, 256)
    blocks: tuple[int, ...] = (2, 2, 2, 2)

    def __post_init__(self) -> None:
        if len(self.widths) != len(self.blocks) or not self.widths:
            raise ValueError("ResNetConfig needs one block count per stage width")
        # Accept lists (from YAML / checkpoints) but store tuples so configs stay hashable.
        object.__setattr__(self, "widths", tuple(self.widths))
        object.__setattr__(self, "blocks", tuple(self.blocks))

    @property
    def output_stride(self) -> int:
        return 4 * 2 ** (len(self.widths) - 1)

    @property
    def out_channels(self) -> int:
        return self.widths[-1]


class ResNetEncoder(nn.Module):
    """Image ``(B, C, H, W)`` -> feature map ``(B, widths[-1], H / stride, W / stride)``.

    >>> encoder = ResNetEncoder(ResNetConfig(widths=(8, 16), blocks=(1, 1), stem_channels=8))
    >>> encoder(torch.zeros(1, 1, 64, 64)).shape
    torch.Size([1, 16, 8, 8])
    """

    def __init__(self, config: ResNetConfig) -> None:
        super().__init__()
        self.config = config
        stem = config.stem_channels
        self.stem = nn.Sequential(
            nn.Conv2d(config.in_channels, stem, 3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(stem),
            nn.ReLU(inplace=True),
            conv3x3(stem, stem, stride=2),
            nn.BatchNorm2d(stem),
            nn.ReLU(inplace=True),
        )
        stages = []
        in_channels = stem
        for index, (width, count) in enumerate(zip(config.widths, config.blocks)):
            blocks = []
            for block_index in range(count):
                stride = 2 if index > 0 and block_index == 0 else 1
                blocks.append(BasicBlock(in_channels, width, stride))
                in_channels = width
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.Sequential(*stages)
        init_weights(self)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.stages(self.stem(images))


def init_weights(module: nn.Module) -> None:
    """He initialisation for convolutions and a zero last BatchNorm per residual block.

    Zeroing ``bn2`` makes every block start as the identity, which trains deep stacks stably.
    """
    for sub in module.modules():
        if isinstance(sub, nn.Conv2d):
            nn.init.kaiming_normal_(sub.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(sub, nn.BatchNorm2d):
            nn.init.ones_(sub.weight)
            nn.init.zeros_(sub.bias)
    for sub in module.modules():
        if isinstance(sub, BasicBlock):
            nn.init.zeros_(sub.bn2.weight)
