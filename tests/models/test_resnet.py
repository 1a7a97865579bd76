"""Residual blocks: identity shortcuts where the shape allows, projections where it changes."""

from __future__ import annotations

import pytest
import torch

from text_recognizer.models.resnet import BasicBlock


def silenced(block: BasicBlock) -> BasicBlock:
    """The block with both 3x3 convolutions zeroed, in eval mode: only its shortcut speaks."""
    with torch.no_grad():
        block.conv1.weight.zero_()
        block.conv2.weight.zero_()
    return block.eval()


@pytest.mark.parametrize("stride", [1, (1, 1)])
def test_a_shape_keeping_block_passes_its_input_through_the_shortcut(stride):
    """He et al.'s identity shortcut: any spelling of a unit stride adds no projection."""
    block = silenced(BasicBlock(6, 6, stride=stride))
    x = torch.rand(2, 6, 8, 12)  # non-negative, so the last ReLU keeps it
    assert torch.equal(block(x), x)


@pytest.mark.parametrize("channels, stride", [((6, 8), 1), ((6, 6), (2, 1)), ((6, 6), 2)])
def test_a_shape_changing_block_projects_its_shortcut(channels, stride):
    block = silenced(BasicBlock(*channels, stride=stride))
    out = block(torch.rand(2, channels[0], 8, 12))
    rows, columns = (stride, stride) if isinstance(stride, int) else stride
    assert out.shape == (2, channels[1], 8 // rows, 12 // columns)
