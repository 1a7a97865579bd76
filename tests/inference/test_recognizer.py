"""The recognizer: any input image in, a Prediction out; clear errors for bad input."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image

from text_recognizer.data.fake import render_fake
from text_recognizer.data.synthetic import SyntheticConfig, render_sample
from text_recognizer.errors import InvalidImageError, ModelInputError, StagedModelError
from text_recognizer.prediction import Prediction
from text_recognizer.recognizer import (
    SEGMENTATION_ROUTE,
    Recognizer,
    choose_kind,
    load_image,
    text_rows,
)
from text_recognizer.testing.probes.inference import MarkCounter
from text_recognizer.testing.probes.inference import marks_page as probe_marks_page
from text_recognizer.vocab import DEFAULT_VOCABULARY

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


@pytest.mark.parametrize("dtype, scale", [(np.uint16, 257), (np.int32, 1), (np.float32, 1.0)])
def test_a_gray_array_of_any_pixel_type_reads_like_its_8_bit_page(
    line_recognizer, line_image, dtype, scale
):
    """16-bit scans come as uint16 arrays: they read like the 8-bit page they scale to."""
    gray = np.asarray(line_image.convert("L"))
    expected = line_recognizer.predict(gray)
    array = (gray.astype(np.float64) * scale).astype(dtype)
    assert line_recognizer.predict(array).text == expected.text


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_colour_float_array_from_0_to_1_reads_as_its_8_bit_page_white_included(line_image, dtype):
    """Colour float images usually come scaled to 0..1; white paper is exactly 1.0 there."""
    gray = np.asarray(line_image.convert("L"))
    gray = np.where(gray > 200, 255, gray).astype(np.uint8)  # white paper, ink below
    assert gray.min() < 128
    colour = np.stack([gray] * 3, axis=-1) / 255.0
    loaded = np.asarray(load_image(colour.astype(dtype)).convert("L"))
    assert np.abs(loaded.astype(int) - gray.astype(int)).max() <= 1


@pytest.mark.parametrize(
    "dtype, scale",
    [(np.uint16, 1), (np.uint16, 257), (np.int32, 1)],
    ids=["8-bit", "16-bit", "int"],
)
def test_a_colour_integer_array_reads_as_its_8_bit_page_white_included(line_image, dtype, scale):
    """An 8-bit page stored in a wider type (white paper exactly 255) is not a dark 16-bit one."""
    gray = np.asarray(line_image.convert("L"))
    gray = np.where(gray > 200, 255, gray).astype(np.uint8)  # white paper, ink below
    colour = np.stack([gray] * 3, axis=-1).astype(dtype) * scale
    loaded = np.asarray(load_image(colour).convert("L"))
    assert np.abs(loaded.astype(int) - gray.astype(int)).max() <= 1


def test_loading_with_max_tokens_caps_every_paragraph_at_that_many_tokens(staged_paragraphs):
    capped = Recognizer.load(staged_paragraphs.folder, max_tokens=2)
    assert capped.max_tokens == 2
    image = render_fake("paragraphs", 0)[0]
    uncapped = Recognizer.load(staged_paragraphs.folder).predict(image, mode="paragraphs")
    reading = capped.predict(image, mode="paragraphs")
    assert len(reading.text) <= 2 and len(uncapped.text) > 2


def test_missing_file_is_named(line_recognizer, tmp_path):
    with pytest.raises(InvalidImageError, match="no such file"):
        line_recognizer.predict(tmp_path / "absent.png")


def test_truncated_png_is_invalid(line_recognizer, line_image):
    buffer = io.BytesIO()
    line_image.save(buffer, format="PNG")
    with pytest.raises(InvalidImageError, match="cannot decode"):
        line_recognizer.predict(buffer.getvalue()[:60])


@pytest.mark.parametrize("spelling", ["line", "LINES", " Line "])
def test_every_spelling_of_a_mode_reads_as_the_documented_one(
    line_recognizer, line_image, spelling
):
    read = line_recognizer.predict(line_image, mode=spelling)
    documented = line_recognizer.predict(line_image, mode="lines")
    assert (read.kind, read.text, read.confidence) == (
        documented.kind,
        documented.text,
        documented.confidence,
    )


def test_unknown_mode_is_refused(line_recognizer, line_image):
    with pytest.raises(ModelInputError, match="unknown mode"):
        line_recognizer.predict(line_image, mode="words")


def test_asking_for_a_kind_that_is_not_staged_names_what_is(line_image):
    from text_recognizer.models import build_model

    paragraph_only = Recognizer.from_models(
        {"paragraphs": build_model("paragraph_transformer", "tiny")}
    )
    with pytest.raises(StagedModelError, match="only paragraphs"):
        paragraph_only.predict(line_image, mode="lines")


def marks_page(marks_per_line: list[int]) -> Image.Image:
    """White page with rows of black strokes: row ``k`` has ``marks_per_line[k]`` of them."""
    return Image.fromarray(probe_marks_page(marks_per_line))


@pytest.fixture(scope="module")
def counting_recognizer() -> Recognizer:
    return Recognizer.from_models({"lines": MarkCounter()}, version="counter")


def test_a_line_model_reads_a_paragraph_line_by_line_top_to_bottom(counting_recognizer):
    prediction = counting_recognizer.predict(marks_page([3, 1, 5, 2]), mode="paragraphs")
    assert prediction.text == "3\n1\n5\n2"
    assert prediction.kind == "paragraphs"
    assert prediction.model_version == "lines-counter" + SEGMENTATION_ROUTE
    assert len(prediction.char_confidences) == len(prediction.text)
    read = [c for c, char in zip(prediction.char_confidences, prediction.text) if char != "\n"]
    assert len(set(read)) == 4  # the stand-in is surer of fewer marks
    assert prediction.confidence == pytest.approx(sum(read) / len(read))


def test_auto_mode_sends_paragraph_looking_images_through_segmentation(counting_recognizer):
    line = marks_page([4])
    predictions = counting_recognizer.predict_batch([line, marks_page([2, 3]), line])
    assert [p.text for p in predictions] == ["4", "2\n3", "4"]
    assert [p.kind for p in predictions] == ["lines", "paragraphs", "lines"]
    assert predictions[0].model_version == "lines-counter"


@pytest.mark.parametrize("lines", [[6, 6], [6, 5, 6]])
def test_auto_mode_reads_a_wide_page_of_several_lines_as_a_paragraph(counting_recognizer, lines):
    """Wider than a line's aspect, so only its text rows can tell: two rows already make a
    paragraph."""
    prediction = counting_recognizer.predict(marks_page(lines))
    assert prediction.kind == "paragraphs"
    assert prediction.text == "\n".join(map(str, lines))


def test_a_blank_page_reads_as_no_text(counting_recognizer):
    prediction = counting_recognizer.predict(Image.new("L", (300, 300), 255), mode="paragraphs")
    assert (prediction.text, prediction.kind) == ("", "paragraphs")


def test_segmented_paragraph_lines_are_read_in_one_batch(counting_recognizer, monkeypatch):
    calls = []
    run = counting_recognizer._run
    monkeypatch.setattr(
        counting_recognizer,
        "_run",
        lambda kind, grays: calls.append(len(grays)) or run(kind, grays),
    )
    counting_recognizer.predict_batch([marks_page([1, 2]), marks_page([3, 1, 1])], "paragraphs")
    assert calls == [5]


def test_a_staged_line_model_reads_generated_paragraphs_as_its_lines(line_recognizer):
    sample = render_sample(SyntheticConfig(kind="paragraphs", seed=3), 0)
    prediction = line_recognizer.predict(sample.image, mode="paragraphs")
    assert prediction.model_version.endswith(SEGMENTATION_ROUTE)
    assert prediction.text.count("\n") == sample.text.count("\n")
    assert 0.0 <= prediction.confidence <= 1.0


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


def test_an_image_without_ink_reads_as_nothing_with_no_confidence(counting_recognizer):
    rng = np.random.default_rng(0)
    for blank in (
        Image.new("L", (400, 60), 240),
        Image.fromarray(np.clip(rng.normal(200, 8, (200, 300)), 0, 255).astype(np.uint8)),
        Image.new("L", (400, 60), 20),  # a black frame is not text either
    ):
        prediction = counting_recognizer.predict(blank)
        assert (prediction.text, prediction.confidence) == ("", 0.0)
        assert prediction.char_confidences == []


def test_light_ink_on_dark_paper_reads_like_its_inverse(counting_recognizer):
    for marks in ([3], [2, 4], [1, 5, 2]):
        page = marks_page(marks)
        inverted = Image.eval(page, lambda value: 255 - value)
        assert counting_recognizer.predict(inverted).text == counting_recognizer.predict(page).text


def test_margins_and_a_scanner_edge_change_no_reading(counting_recognizer):
    page = marks_page([2, 4, 3])
    scanned = Image.new("L", (page.width + 300, page.height + 200), 235)
    scanned.paste(page, (150, 100))
    edge = np.asarray(scanned).copy()
    edge[:, :12] = 25  # the scanner lid's dark edge
    assert counting_recognizer.predict(Image.fromarray(edge)).text == "2\n4\n3"


def test_a_pages_confidence_is_the_mean_of_all_its_characters_not_of_its_lines():
    from text_recognizer.decoding import Decoded
    from text_recognizer.recognizer import _join_lines

    long = Decoded("abc", 1.0, 0.0, (1.0, 1.0, 1.0), (10, 11, 12))
    short = Decoded("d", 0.2, -1.6, (0.2,), (13,))
    page = _join_lines([long, short])
    assert page.text == "abc\nd"
    assert page.confidence == pytest.approx(3.2 / 4)


@pytest.mark.parametrize("beam_width", [1, 4])
def test_the_staged_temperature_scales_the_confidence_of_greedy_and_beam_readings(beam_width):
    """Calibration is fitted once at staging; every decoding must apply it."""
    import dataclasses

    from text_recognizer import decoding
    from text_recognizer.models import build_model

    torch.manual_seed(3)
    recognizer = Recognizer.from_models(
        {"lines": build_model("line_ctc", "tiny")}, beam_width=beam_width
    )
    loaded = recognizer.models["lines"]
    loaded.staged = dataclasses.replace(loaded.staged, calibration={"temperature": 2.5})
    line = marks_page([3])
    (frames,) = recognizer.line_log_probs([line])
    decode = decoding.ctc_greedy if beam_width == 1 else decoding.ctc_beam_search
    (expected,) = decode(frames[None], temperature=2.5)
    assert recognizer.predict(line, mode="lines").confidence == pytest.approx(
        expected.confidence, abs=1e-4
    )


@pytest.mark.parametrize("max_tokens", [1, 4])
def test_max_tokens_caps_a_never_ending_paragraph_at_exactly_that_many_tokens(max_tokens):
    """<start> takes a decoder position of its own, so max_tokens generated tokens need
    max_tokens + 1 positions; a model that never ends reads exactly max_tokens characters."""
    from text_recognizer.models import build_model

    torch.manual_seed(0)
    model = build_model("paragraph_transformer", "tiny")
    with torch.no_grad():
        model.head.bias[DEFAULT_VOCABULARY.encode("a")[0]] += 1000.0  # always "a", never <end>
    recognizer = Recognizer.from_models({"paragraphs": model}, max_tokens=max_tokens)
    prediction = recognizer.predict(marks_page([2, 3]), mode="paragraphs")
    assert prediction.text == "a" * max_tokens


@pytest.mark.parametrize("cpus, threads", [(1, 1), (2, 1), (3, 1), (4, 2), (8, 4), (64, 4)])
def test_inference_takes_half_the_cpus_and_at_most_four_threads(monkeypatch, cpus, threads):
    """Spinning threads that contend for the cores a server's other workers use made a line
    10x slower; half the machine leaves them room."""
    from text_recognizer import recognizer

    monkeypatch.setattr(recognizer, "available_cpus", lambda: cpus)
    assert recognizer.default_threads() == threads


def test_a_boolean_array_reads_true_as_white_paper_and_false_as_black_ink():
    """Binarised scans come as bool arrays; 0 and 1 as grey levels would be a black page."""

    mask = np.ones((40, 200), dtype=bool)
    mask[15:25, 20:180] = False
    assert np.array_equal(np.asarray(load_image(mask)), mask.astype(np.uint8) * 255)
