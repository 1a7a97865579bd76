"""Tiny models shared by the property tests (built once per module, eval mode, seeded)."""

from __future__ import annotations

import pytest
import torch
from torch import nn


def with_trained_looking_norms(model: nn.Module) -> nn.Module:
    """Give every BatchNorm random scales, shifts and running statistics, as training would.

    A fresh model's residual branches start at zero (``bn2`` scale 0) and its BatchNorms shift
    nothing, so a padded column that escapes its mask stays zero and masking bugs go unseen
    (the planted bug ``line_block_output_not_masked`` survived the untrained model).
    """
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for norm in model.modules():
            if isinstance(norm, nn.BatchNorm2d):
                size = norm.num_features
                norm.weight.copy_(torch.rand(size, generator=generator) + 0.5)
                norm.bias.copy_(torch.randn(size, generator=generator) * 0.5)
                norm.running_mean.copy_(torch.randn(size, generator=generator) * 0.1)
                norm.running_var.copy_(torch.rand(size, generator=generator) + 0.5)
    return model


@pytest.fixture(scope="module")
def tiny_line_model():
    from text_recognizer.models import build_model

    torch.manual_seed(0)
    return with_trained_looking_norms(build_model("line_ctc", "tiny")).eval()


@pytest.fixture(scope="module")
def tiny_paragraph_model():
    from text_recognizer.models import build_model

    torch.manual_seed(0)
    return build_model("paragraph_transformer", "tiny").eval()
