"""Tiny models (eval mode) shared by the model and decoding tests."""

from __future__ import annotations

import pytest

from text_recognizer.models import build_model


@pytest.fixture
def tiny_line_model():
    return build_model("line_ctc", "tiny").eval()


@pytest.fixture
def tiny_paragraph_model():
    return build_model("paragraph_transformer", "tiny").eval()
