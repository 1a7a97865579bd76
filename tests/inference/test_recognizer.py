"""The recognizer: any input image in, a Prediction out; clear errors for bad input."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from text_recognizer.data.fake import render_fake
from text_recognizer.errors import InvalidImageError, ModelInputError, StagedModelError
from text_recognizer.prediction import Prediction
from text_recognizer.recognizer import Recognizer, choose_kind, text_rows

PARAGRAPH_TOKENS = 12


@pytest.fixture(scope="module")
def line_image() -> Image.Image:
    return render_fake("lines", 1, split="test")[0]


def converted(image: Image.Image, mode: str) -> Image.Image:
    """``image`` (mode "L") in another PIL mode, keeping how it looks on white paper."""
    if mode == "I;16":
        return Image.fromarray(np.asarray(image).astype(np.uint16) * 257)
    if mode == "F":
        return Image.fromarray(np.asarray(image).astype(np.float32) / 255.0)
    return image.convert(mode)


@pytest.mark.parametrize("mode", ["1", "L", "P", "RGB", "RGBA", "LA", "I", "I;16", "F", "CMYK"])
def test_predict_reads_every_image_mode(line_recognizer, line_image, mode):
    prediction = line_recognizer.predict(converted(line_image, mode))
    assert isinstance(prediction, Prediction)
    assert prediction.kind == "lines"
    assert 0.0 <= prediction.confidence <= 1.0
    assert len(prediction.char_confidences) == len(prediction.text)


def test_modes_that_look_alike_read_alike(line_recognizer, line_image):
    gray = line_recognizer.predict(line_image)
    for mode in ("RGB", "I;16", "F"):
        assert line_recognizer.predict(converted(line_image, mode)).text == gray.text, mode


def test_path_bytes_file_and_array_inputs_agree(line_recognizer, line_image, tmp_path):
    path = tmp_path / "line.png"
    line_image.save(path)
    data = path.read_bytes()
    expected = line_recognizer.predict(line_image).text
    for source in (path, str(path), data, io.BytesIO(data), np.asarray(line_image)):
        assert line_recognizer.predict(source).text == expected, type(source).__name__


def test_predict_batch_equals_predictions_one_by_one(line_recognizer):
    images = [render_fake("lines", index, split="test")[0] for index in range(5)]
    assert len({image.width for image in images}) > 1  # padding really happens
    batched = line_recognizer.predict_batch(images)
    for image, prediction in zip(images, batched):
        alone = line_recognizer.predict(image)
        assert prediction.text == alone.text
        assert prediction.confidence == pytest.approx(alone.confidence, rel=1e-4)


@pytest.mark.parametrize(
    "source, problem",
    [
        (b"", "empty"),
        (b"not an image at all", "cannot decode"),
        (np.zeros((0, 10), dtype=np.uint8), "zero size"),
        (np.zeros((2, 1000), dtype=np.uint8), "aspect ratio"),
        (np.full((20, 60), np.nan, dtype=np.float32), "NaN"),
        (np.zeros((2, 20, 60, 3), dtype=np.uint8), "shape"),
        (np.zeros((20, 60), dtype=complex), "dtype"),
        (12345, "cannot read an image from a int"),
    ],
    ids=["empty", "garbage", "zero", "sliver", "nan", "4d", "complex", "int"],
)
def test_bad_input_raises_invalid_image_error_naming_the_problem(line_recognizer, source, problem):
    with pytest.raises(InvalidImageError, match=problem):
        line_recognizer.predict(source)


def test_missing_file_is_named(line_recognizer, tmp_path):
    with pytest.raises(InvalidImageError, match="no such file"):
        line_recognizer.predict(tmp_path / "absent.png")


def test_truncated_png_is_invalid(line_recognizer, line_image):
    buffer = io.BytesIO()
    line_image.save(buffer, format="PNG")
    with pytest.raises(InvalidImageError, match="cannot decode"):
        line_recognizer.predict(buffer.getvalue()[:60])


def test_unknown_mode_is_refused(line_recognizer, line_image):
    with pytest.raises(ModelInputError, match="unknown mode"):
        line_recognizer.predict(line_image, mode="words")


def test_asking_for_a_kind_that_is_not_staged_names_what_is(line_recognizer, line_image):
    with pytest.raises(StagedModelError, match="only lines"):
        line_recognizer.predict(line_image, mode="paragraphs")


def test_ink_profile_counts_text_rows():
    line = render_fake("lines", 2)[0]
    paragraph = next(
        image
        for image, text in (render_fake("paragraphs", i) for i in range(20))
        if text.count("\n") >= 2
    )
    assert text_rows(line) == 1
    assert text_rows(paragraph) >= 2


@pytest.mark.slow
def test_auto_mode_sends_lines_and_paragraphs_to_their_models(both_folder):
    recognizer = Recognizer.load(both_folder, max_tokens=PARAGRAPH_TOKENS)
    line = render_fake("lines", 3)[0]
    paragraph = Image.new("L", (400, 300), 255)
    predictions = recognizer.predict_batch([line, paragraph, line])
    assert [p.kind for p in predictions] == ["lines", "paragraphs", "lines"]
    assert choose_kind(line, ["paragraphs"]) == "paragraphs"


@pytest.mark.slow
def test_paragraph_batch_equals_predictions_one_by_one(both_folder):
    recognizer = Recognizer.load(both_folder, max_tokens=PARAGRAPH_TOKENS)
    images = [render_fake("paragraphs", index)[0] for index in range(3)]
    batched = recognizer.predict_batch(images, mode="paragraphs")
    assert [p.text for p in batched] == [
        recognizer.predict(image, mode="paragraphs").text for image in images
    ]


def assert_backend_agrees(folder, backend: str, kind: str) -> None:
    if backend == "onnx":
        pytest.importorskip("onnxruntime")
    eager = Recognizer.load(folder, max_tokens=PARAGRAPH_TOKENS)
    exported = Recognizer.load(folder, backend=backend, max_tokens=PARAGRAPH_TOKENS)
    for index in range(2):
        image = render_fake(kind, index + 4)[0]
        want, got = eager.predict(image, kind), exported.predict(image, kind)
        assert got.text == want.text
        assert got.confidence == pytest.approx(want.confidence, abs=1e-4)


@pytest.mark.parametrize("backend", ["torchscript", "onnx"])
def test_exported_line_backends_predict_what_eager_predicts(staged_lines, backend):
    assert_backend_agrees(staged_lines.folder, backend, "lines")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["torchscript", "onnx"])
def test_exported_paragraph_backends_predict_what_eager_predicts(both_folder, backend):
    assert_backend_agrees(both_folder, backend, "paragraphs")


def test_loading_a_missing_folder_names_it(tmp_path):
    with pytest.raises(StagedModelError, match="does not exist"):
        Recognizer.load(tmp_path / "nowhere")
