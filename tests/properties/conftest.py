"""Tiny models shared by the property tests (built once per module, eval mode, seeded)."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(scope="module")
def tiny_line_model():
    from text_recognizer.models import build_model

    torch.manual_seed(0)
    return build_model("line_ctc", "tiny").eval()


@pytest.fixture(scope="module")
def tiny_paragraph_model():
    from text_recognizer.models import build_model

    torch.manual_seed(0)
    return build_model("paragraph_transformer", "tiny").eval()
