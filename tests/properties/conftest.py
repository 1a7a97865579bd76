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


def with_trained_looking_layer_norms(model: nn.Module, seed: int = 0) -> nn.Module:
    """Random LayerNorm scales and shifts: a fresh model's (1, 0) hide bugs that only show
    when a layer's statistics matter, as they do after training."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for norm in model.modules():
            if isinstance(norm, nn.LayerNorm):
                size = norm.normalized_shape[0]
                norm.weight.copy_(torch.rand(size, generator=generator) + 0.5)
                norm.bias.copy_(torch.randn(size, generator=generator) * 0.5)
    return model


def random_paragraph_config(layers: int, heads: int, head_dim: int, image: int = 64):
    """A paragraph model's shape of any depth and width on ``image`` x ``image`` pages."""
    from text_recognizer.models import ParagraphTransformerConfig, ResNetConfig

    return ParagraphTransformerConfig(
        image_height=image,
        image_width=image,
        encoder=ResNetConfig(stem_channels=8, widths=(8, 16), blocks=(1, 1)),
        d_model=heads * head_dim,
        heads=heads,
        layers=layers,
        ffn=2 * heads * head_dim,
        max_length=64,
    )


def trained_looking(model: nn.Module, seed: int) -> nn.Module:
    """``model`` in eval mode with random, trained-looking BatchNorms and LayerNorms."""
    with_trained_looking_norms(model)
    return with_trained_looking_layer_norms(model, seed).eval()


def random_paragraph_model(layers: int, heads: int, head_dim: int, seed: int, image: int = 64):
    """An eval-mode paragraph model of the drawn shape with random, trained-looking weights."""
    from text_recognizer.models import build_model

    torch.manual_seed(seed)
    model = build_model(
        "paragraph_transformer", random_paragraph_config(layers, heads, head_dim, image)
    )
    return trained_looking(model, seed)
