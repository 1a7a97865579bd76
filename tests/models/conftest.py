"""Tiny models (eval mode) shared by the model and decoding tests."""

from __future__ import annotations

import pytest
import torch

from text_recognizer.models import build_model


@pytest.fixture
def tiny_line_model():
    return build_model("line_ctc", "tiny").eval()


@pytest.fixture
def tiny_paragraph_model():
    return build_model("paragraph_transformer", "tiny").eval()


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tiny models gain nothing from intra-op threads, and on a shared 2-core runner their
    thread barriers cost 10x; restore the setting so other tests are unaffected."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
