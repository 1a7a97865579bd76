"""Choosing a backend: the exported paragraph decoders read what eager reads, and a backend
that cannot run says why before anything is decoded.

The full-length paragraph comparison is in the slow lane (test_recognizer.py); here a few
decoder steps are enough to run the exported encoder and both branches of the step (no cache
yet, then the cache the previous step returned).
"""

from __future__ import annotations

import io
import shutil

import numpy as np
import pytest
from PIL import Image

from text_recognizer.data.fake import render_fake
from text_recognizer.data.page import normalize_page
from text_recognizer.errors import InvalidImageError, StagedModelError
from text_recognizer.export import ONNX_DECODER_FILE, ONNX_FILE, TORCHSCRIPT_FILE
from text_recognizer.recognizer import Recognizer, choose_kind, image_bytes, load_image

#: Enough decoder steps for the step's cache to be written and read back several times.
FIRST_TOKENS = 5


@pytest.mark.parametrize("backend", ["torchscript", "onnx"])
def test_exported_paragraph_backends_read_the_first_tokens_as_eager_does(
    staged_paragraphs, backend
):
    if backend == "onnx":
        pytest.importorskip("onnxruntime")
    folder = staged_paragraphs.folder
    eager = Recognizer.load(folder, max_tokens=FIRST_TOKENS)
    exported = Recognizer.load(folder, backend=backend, max_tokens=FIRST_TOKENS)
    image = render_fake("paragraphs", 5)[0]
    want, got = eager.predict(image, "paragraphs"), exported.predict(image, "paragraphs")
    assert len(want.char_confidences) > 1  # several steps decoded, so the cache was used
    assert got.text == want.text
    assert got.char_confidences == pytest.approx(want.char_confidences, abs=1e-4)


@pytest.fixture
def staged_copy(staged_lines, staged_paragraphs, tmp_path):
    """A writable copy of a staged folder (the session's folders must stay intact)."""

    def copy(kind: str):
        source = staged_lines if kind == "lines" else staged_paragraphs
        return shutil.copytree(source.folder, tmp_path / kind)

    return copy


def test_torchscript_backend_without_its_file_names_the_file(staged_copy):
    folder = staged_copy("lines")
    (folder / TORCHSCRIPT_FILE).unlink()
    with pytest.raises(StagedModelError, match=f"has no {TORCHSCRIPT_FILE}; re-stage"):
        Recognizer.load(folder, backend="torchscript")


@pytest.mark.parametrize("missing", [ONNX_FILE, ONNX_DECODER_FILE])
def test_onnx_backend_without_a_paragraph_file_names_that_file(staged_copy, missing):
    folder = staged_copy("paragraphs")
    (folder / missing).unlink()
    with pytest.raises(StagedModelError, match=f"lacks {missing}; re-stage"):
        Recognizer.load(folder, backend="onnx")


def test_an_unknown_backend_is_refused_naming_the_known_ones(staged_lines):
    with pytest.raises(StagedModelError, match="unknown backend 'tensorrt'.*eager, torchscript"):
        Recognizer.load(staged_lines.folder, backend="tensorrt")


@pytest.mark.parametrize("backend", ["torchscript", "onnx"])
def test_exported_backends_refuse_a_gpu_device_before_loading(staged_lines, backend):
    with pytest.raises(StagedModelError, match=f"the {backend} backend runs on the CPU only"):
        Recognizer.load(staged_lines.folder, backend=backend, device="cuda")


def test_a_recognizer_without_models_is_refused():
    with pytest.raises(StagedModelError, match="at least one staged model"):
        Recognizer({})


def test_line_log_probabilities_need_a_line_model(staged_paragraphs):
    recognizer = Recognizer.load(staged_paragraphs.folder)
    with pytest.raises(StagedModelError, match="need a staged line model"):
        recognizer.line_log_probs([render_fake("lines", 0)[0]])


def test_a_recognizer_with_one_kind_reads_every_page_as_that_kind():
    paragraph = normalize_page(render_fake("paragraphs", 0)[0])
    assert choose_kind(paragraph, ["lines"]) == "lines"
    assert choose_kind(paragraph, ["paragraphs"]) == "paragraphs"


def test_a_memoryview_of_the_files_bytes_reads_as_the_bytes_do():
    image = render_fake("lines", 0)[0]
    encoded = image_bytes(image)
    from_view = load_image(memoryview(encoded))
    assert np.array_equal(np.asarray(from_view), np.asarray(load_image(encoded)))
    assert np.array_equal(np.asarray(from_view), np.asarray(image))


def test_image_bytes_encode_in_the_format_asked_for():
    image = render_fake("lines", 0)[0]
    assert Image.open(io.BytesIO(image_bytes(image, "JPEG"))).format == "JPEG"
    assert Image.open(io.BytesIO(image_bytes(image))).format == "PNG"


def test_a_folder_given_as_an_image_path_is_named(tmp_path):
    with pytest.raises(InvalidImageError, match=f"{tmp_path} is not a file"):
        load_image(tmp_path)
