"""Line recognizer: a masked convolutional encoder, a bidirectional LSTM and a CTC head.

Lines arrive right-padded to a common width. Two measures keep every sample's output
independent of the padding its batch gave it: the encoder zeroes padded columns after every
convolution, and the backward LSTM reads each sample reversed *within its own length*
(instead of ``pack_padded_sequence``, which TorchScript/ONNX export does not handle), so a
real frame never sees a padded one. BatchNorm uses running statistics in eval mode, so
inference is per-sample; in train mode its batch statistics are the only cross-sample path.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from text_recognizer.errors import ModelInputError
from text_recognizer.models.resnet import BasicBlock, init_weights
from text_recognizer.vocab import DEFAULT_VOCABULARY


@dataclass(frozen=True)
class LineCTCConfig:
    """Shape of a :class:`LineCTC`.

    ``widths[i]``/``strides[i]``: channels and (height, width) stride of residual block ``i``
    after a stride-2 stem. The product of the width strides (stem included) is the number of
    pixels per output frame; CTC needs at least one frame per character (two for a repeat).
    """

    vocab_size: int = len(DEFAULT_VOCABULARY)
    line_height: int = 40
    stem_channels: int = 32
    widths: tuple[int, ...] = (64, 128, 128)
    strides: tuple[tuple[int, int], ...] = ((2, 2), (2, 1), (1, 1))
    rnn_hidden: int = 128
    rnn_layers: int = 2
    dropout: float = 0.1

    def __post_init__(self) -> None:
        object.__setattr__(self, "widths", tuple(int(w) for w in self.widths))
        object.__setattr__(self, "strides", tuple((int(h), int(w)) for h, w in self.strides))
        if len(self.widths) != len(self.strides):
            raise ModelInputError("LineCTCConfig needs one stride per block width")
        if self.line_height % self.height_stride:
            raise ModelInputError(
                f"line_height {self.line_height} is not divisible by the encoder's height "
                f"stride {self.height_stride}"
            )

    @property
    def height_stride(self) -> int:
        stride = 2
        for height, _ in self.strides:
            stride *= height
        return stride

    @property
    def width_strides(self) -> tuple[int, ...]:
        return (2,) + tuple(width for _, width in self.strides)

    @property
    def frame_width(self) -> int:
        """Pixels of input width per output frame."""
        out = 1
        for stride in self.width_strides:
            out *= stride
        return out


def output_lengths(widths: torch.Tensor, width_strides: tuple[int, ...]) -> torch.Tensor:
    """Frames a line of ``widths`` pixels yields: ``ceil`` division by each stride in turn.

    >>> output_lengths(torch.tensor([1, 7, 8, 9]), (2, 2)).tolist()
    [1, 2, 2, 3]
    """
    lengths = widths.long()
    for stride in width_strides:
        lengths = torch.div(lengths + stride - 1, stride, rounding_mode="floor")
    return lengths


def column_mask(lengths: torch.Tensor, width: int, dtype: torch.dtype) -> torch.Tensor:
    """``(B, 1, 1, width)`` mask: 1 for the first ``lengths[b]`` columns of sample ``b``."""
    columns = torch.arange(width, device=lengths.device).unsqueeze(0)
    return (columns < lengths.unsqueeze(1)).to(dtype)[:, None, None, :]


def reverse_within_lengths(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse each ``(T, D)`` sequence of ``x`` over its first ``lengths[b]`` steps only.

    Padding stays where it is, so applying this twice is the identity.

    >>> x = torch.arange(4.0).view(1, 4, 1)
    >>> reverse_within_lengths(x, torch.tensor([3])).flatten().tolist()
    [2.0, 1.0, 0.0, 3.0]
    """
    steps = torch.arange(x.shape[1], device=x.device).unsqueeze(0)
    limit = lengths.unsqueeze(1)
    index = torch.where(steps < limit, limit - 1 - steps, steps)
    return x.gather(1, index.unsqueeze(-1).expand_as(x))


class MaskedBiLSTM(nn.Module):
    """Stacked bidirectional LSTM whose outputs for a sample never depend on its padding."""

    def __init__(self, input_size: int, hidden: int, layers: int, dropout: float) -> None:
        super().__init__()
        self.forward_layers = nn.ModuleList()
        self.backward_layers = nn.ModuleList()
        for index in range(layers):
            size = input_size if index == 0 else 2 * hidden
            self.forward_layers.append(nn.LSTM(size, hidden, batch_first=True))
            self.backward_layers.append(nn.LSTM(size, hidden, batch_first=True))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        for index, (forward_lstm, backward_lstm) in enumerate(
            zip(self.forward_layers, self.backward_layers)
        ):
            if index > 0:
                x = self.dropout(x)
            ahead, _ = forward_lstm(x)
            behind, _ = backward_lstm(reverse_within_lengths(x, lengths))
            x = torch.cat([ahead, reverse_within_lengths(behind, lengths)], dim=-1)
        return x


class LineCTC(nn.Module):
    """``(images (B, 1, H, W), widths (B,))`` -> ``(log_probs (B, T, C), lengths (B,))``.

    >>> model = LineCTC(LineCTCConfig(widths=(8,), strides=((2, 2),), rnn_hidden=8)).eval()
    >>> log_probs, lengths = model(torch.zeros(2, 1, 40, 32), torch.tensor([32, 9]))
    >>> tuple(log_probs.shape), lengths.tolist()
    ((2, 8, 84), [8, 3])
    """

    def __init__(self, config: LineCTCConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or LineCTCConfig()
        self.stem = nn.Sequential(
            nn.Conv2d(1, config.stem_channels, 3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(config.stem_channels),
            nn.ReLU(inplace=True),
        )
        blocks = []
        in_channels = config.stem_channels
        for width, stride in zip(config.widths, config.strides):
            blocks.append(BasicBlock(in_channels, width, stride))
            in_channels = width
        self.blocks = nn.ModuleList(blocks)
        features = in_channels * (config.line_height // config.height_stride)
        self.project = nn.Sequential(nn.Linear(features, 2 * config.rnn_hidden), nn.ReLU())
        self.rnn = MaskedBiLSTM(
            2 * config.rnn_hidden, config.rnn_hidden, config.rnn_layers, config.dropout
        )
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(2 * config.rnn_hidden, config.vocab_size)
        init_weights(self)

    def forward(
        self, images: torch.Tensor, widths: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if images.dim() != 4 or images.shape[1] != 1 or images.shape[2] != self.config.line_height:
            raise ModelInputError(
                f"line images must be (B, 1, {self.config.line_height}, W), "
                f"got {tuple(images.shape)}"
            )
        strides = self.config.width_strides
        lengths = widths.to(images.device).long().clamp(min=1, max=images.shape[-1])
        x = images * column_mask(lengths, images.shape[-1], images.dtype)
        lengths = output_lengths(lengths, strides[:1])
        x = self.stem(x)
        x = x * column_mask(lengths, x.shape[-1], x.dtype)
        for block, stride in zip(self.blocks, strides[1:]):
            lengths = output_lengths(lengths, (stride,))
            width = (x.shape[-1] + stride - 1) // stride
            x = block(x, column_mask(lengths, width, x.dtype))
        batch, channels, height, frames = x.shape
        x = x.permute(0, 3, 1, 2).reshape(batch, frames, channels * height)
        x = self.rnn(self.project(x), lengths)
        logits = self.head(self.dropout(x))
        return torch.log_softmax(logits.float(), dim=-1), lengths
