"""Specification of the one preprocessing path shared by training and inference."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import ExifTags, Image, ImageDraw

from text_recognizer.data import preprocess
from text_recognizer.data.preprocess import (
    LINE_HEIGHT,
    LINE_MAX_WIDTH,
    MAX_LINE_CHARS,
    PARAGRAPH_HEIGHT,
    PARAGRAPH_WIDTH,
    WIDTH_MULTIPLE,
    Preprocessor,
    Sample,
    collate_lines,
    collate_paragraphs,
    line_width_for,
    open_image,
    paragraph_size_for,
    preprocess_line,
    preprocess_paragraph,
    split_batch,
    to_grayscale,
)
from text_recognizer.errors import InvalidImageError, LabelTooLongError
from text_recognizer.vocab import DEFAULT_VOCABULARY

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402

from text_recognizer.testing import strategies  # noqa: E402


@pytest.fixture
def black_bar_line() -> Image.Image:
    """A 300x60 white RGB line with a 240x20 black bar (the "text") in its middle."""
    image = Image.new("RGB", (300, 60), "white")
    ImageDraw.Draw(image).rectangle((30, 20, 269, 39), fill="black")
    return image


#: The bar with the line margin (12 % of its 20 px height) on every side.
BAR_WITH_MARGIN = (240 + 2 * 2, 20 + 2 * 2)


def line_sample(width: int, text: str = "ab", sample_id: str = "s") -> Sample:
    return Sample(image=torch.rand(1, LINE_HEIGHT, width), text=text, id=sample_id)


def test_the_text_block_is_scaled_to_line_height_keeping_aspect_ratio(black_bar_line):
    tensor = preprocess_line(black_bar_line)
    assert tensor.shape == (1, LINE_HEIGHT, line_width_for(*BAR_WITH_MARGIN))
    assert tensor.dtype == torch.float32


def test_margins_around_the_text_do_not_change_the_line_tensor(black_bar_line):
    wider = Image.new("RGB", (500, 160), "white")
    wider.paste(black_bar_line, (120, 50))
    assert torch.allclose(preprocess_line(wider), preprocess_line(black_bar_line), atol=0.02)


def test_ink_is_one_and_paper_is_zero(black_bar_line):
    tensor = preprocess_line(black_bar_line)
    assert tensor[0, 6:34, 6:-6].min() > 0.99  # the black bar
    assert tensor[0, :2].max() < 0.01 and tensor[0, -2:].max() < 0.01  # the paper margin


def test_light_ink_on_dark_paper_gives_the_same_tensor_as_its_inverse(black_bar_line):
    inverted = Image.eval(black_bar_line, lambda value: 255 - value)
    assert torch.allclose(preprocess_line(inverted), preprocess_line(black_bar_line), atol=0.02)


def test_overlong_line_is_squeezed_to_max_width():
    assert preprocess_line(Image.new("L", (5000, 40), 255)).shape == (
        1,
        LINE_HEIGHT,
        LINE_MAX_WIDTH,
    )


def test_paragraph_is_fitted_and_pasted_top_left():
    tensor = preprocess_paragraph(Image.new("L", (100, 50), 0))  # all ink, twice as wide as high
    assert tensor.shape == (1, PARAGRAPH_HEIGHT, PARAGRAPH_WIDTH)
    assert tensor[0, :255].min() > 0.99
    assert tensor[0, 257:].max() == 0.0


@pytest.mark.parametrize("mode", strategies.IMAGE_MODES)
def test_every_image_mode_becomes_8bit_gray_of_the_same_size(mode):
    image = strategies.image_of_mode(mode, 7, 5, seed=1)
    gray = to_grayscale(image)
    assert (gray.mode, gray.size) == ("L", (7, 5))


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        (Image.new("I;16", (4, 4), 65535), 255),
        (Image.new("I;16", (4, 4), 0), 0),
        (Image.new("I;16B", (4, 4), 65535), 255),
        (Image.new("I", (4, 4), 65535), 255),
        (Image.new("I", (4, 4), 200), 200),
        (Image.new("F", (4, 4), 1.0), 255),
        (Image.new("F", (4, 4), 0.5), 128),
        (Image.new("1", (4, 4), 1), 255),
    ],
    ids=[
        "16bit-white",
        "16bit-black",
        "16bit-big-endian",
        "int32-16bit",
        "int32-8bit",
        "float-1",
        "float-half",
        "bilevel",
    ],
)
def test_wide_and_narrow_depths_map_onto_8bit_levels(image, expected):
    assert to_grayscale(image).getextrema() == (expected, expected)


@pytest.mark.parametrize("mode", ["RGBA", "LA", "PA", "RGBa", "La"])
def test_transparent_pixels_become_white_paper(mode):
    transparent_black = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    image = (
        transparent_black.convert(mode)
        if mode != "La"
        else transparent_black.convert("LA").convert("La")
    )
    assert to_grayscale(image).getextrema() == (255, 255)


def test_opaque_ink_survives_alpha_compositing():
    image = Image.new("RGBA", (4, 4), (0, 0, 0, 255))
    assert to_grayscale(image).getextrema() == (0, 0)


def test_palette_transparency_is_composited_on_white():
    image = Image.new("P", (4, 4), 0)
    image.putpalette([0, 0, 0] * 256)
    image.info["transparency"] = 0
    assert to_grayscale(image).getextrema() == (255, 255)


@pytest.mark.parametrize(
    ("size", "problem"),
    [
        ((0, 10), "zero size"),
        ((10, 0), "zero size"),
        ((1000, 2), "aspect ratio"),
        ((3, 900), "aspect ratio"),
    ],
)
def test_absurd_sizes_are_refused_naming_the_problem(size, problem):
    with pytest.raises(InvalidImageError, match=problem):
        preprocess_line(Image.new("L", size))


def test_huge_image_is_refused_before_its_pixels_are_decoded(monkeypatch):
    buffer = io.BytesIO()
    Image.new("L", (20, 20)).save(buffer, format="PNG")
    monkeypatch.setattr(preprocess, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(InvalidImageError, match="too large: 20x20"):
        open_image(buffer.getvalue())


def test_exif_rotated_photo_is_made_upright():
    image = Image.new("L", (30, 10))
    exif = image.getexif()
    exif[ExifTags.Base.Orientation] = 6  # "rotate 90 degrees clockwise to view"
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    assert open_image(buffer.getvalue()).size == (10, 30)


def test_preprocessor_loads_and_preprocesses_a_file(tmp_path, black_bar_line):
    black_bar_line.save(tmp_path / "line.png")
    assert torch.equal(
        Preprocessor("lines").load(tmp_path / "line.png"), preprocess_line(black_bar_line)
    )


def test_nan_pixels_are_refused():
    image = Image.fromarray(np.full((4, 4), np.nan, dtype=np.float32))
    with pytest.raises(InvalidImageError, match="NaN"):
        to_grayscale(image)


def test_undecodable_bytes_give_an_error_naming_the_source():
    with pytest.raises(InvalidImageError, match="cannot decode upload.png"):
        open_image(b"certainly not a PNG", name="upload.png")


def test_truncated_file_gives_an_error_naming_the_file(tmp_path):
    buffer = io.BytesIO()
    Image.new("L", (50, 50)).save(buffer, format="PNG")
    path = tmp_path / "cut.png"
    path.write_bytes(buffer.getvalue()[:60])
    with pytest.raises(InvalidImageError, match="cut.png"):
        open_image(path)


@given(strategies.image_sizes(max_width=4000, max_height=400))
def test_line_width_keeps_aspect_ratio_within_rounding(size):
    width, height = size
    exact = width * LINE_HEIGHT / height
    scaled = line_width_for(width, height)
    if exact <= LINE_MAX_WIDTH:
        assert abs(scaled - exact) <= 0.5 or scaled == 1
    else:
        assert scaled == LINE_MAX_WIDTH


@given(strategies.image_sizes(max_width=3000, max_height=3000))
def test_paragraph_fits_the_canvas_keeping_aspect_ratio_within_rounding(size):
    width, height = size
    new_width, new_height = paragraph_size_for(width, height)
    scale = min(PARAGRAPH_WIDTH / width, PARAGRAPH_HEIGHT / height)
    assert new_width <= PARAGRAPH_WIDTH and new_height <= PARAGRAPH_HEIGHT
    assert PARAGRAPH_WIDTH in (new_width, new_height) or PARAGRAPH_HEIGHT in (new_width, new_height)
    assert abs(new_width - width * scale) <= 0.5 or new_width == 1
    assert abs(new_height - height * scale) <= 0.5 or new_height == 1


@given(strategies.pil_images(max_width=300, max_height=80))
def test_any_image_preprocesses_to_a_bounded_line_tensor(image):
    tensor = preprocess_line(image)
    assert tensor.shape[:2] == (1, LINE_HEIGHT) and 1 <= tensor.shape[2] <= LINE_MAX_WIDTH
    assert 0.0 <= tensor.min() and tensor.max() <= 1.0


def test_preprocessor_dispatches_on_kind(black_bar_line):
    assert torch.equal(Preprocessor("lines")(black_bar_line), preprocess_line(black_bar_line))
    assert torch.equal(
        Preprocessor("paragraphs")(black_bar_line), preprocess_paragraph(black_bar_line)
    )


def test_preprocessor_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="unknown kind 'words'"):
        Preprocessor("words")


@given(strategies.sample_lists("lines"))
def test_line_batch_width_is_the_max_width_rounded_up_to_the_multiple(samples):
    batch = collate_lines(samples)
    widest = max(sample["image"].shape[-1] for sample in samples)
    assert batch["images"].shape[-1] % WIDTH_MULTIPLE == 0
    assert widest <= batch["images"].shape[-1] < widest + WIDTH_MULTIPLE
    assert batch["widths"].tolist() == [sample["image"].shape[-1] for sample in samples]


def test_padding_is_blank_paper_and_targets_use_the_pad_index():
    batch = collate_lines([line_sample(5, "abc", "a"), line_sample(20, "d", "b")])
    assert batch["images"].shape == (2, 1, LINE_HEIGHT, 32)
    assert batch["images"][0, :, :, 5:].abs().sum() == 0
    assert (
        batch["targets"].tolist()[1]
        == [DEFAULT_VOCABULARY.encode("d").item()] + [DEFAULT_VOCABULARY.pad_index] * 2
    )
    assert batch["target_lengths"].tolist() == [3, 1]


@given(strategies.sample_lists("lines"))
def test_targets_decode_back_to_the_labels(samples):
    batch = collate_lines(samples)
    decoded = [DEFAULT_VOCABULARY.decode(row) for row in batch["targets"]]
    assert decoded == [sample["text"] for sample in samples]
    assert batch["target_lengths"].tolist() == [len(sample["text"]) for sample in samples]


def test_targets_carry_no_start_or_end_tokens():
    batch = collate_lines([line_sample(8, "hi")])
    assert batch["targets"].tolist() == [DEFAULT_VOCABULARY.encode("hi").tolist()]


@given(strategies.sample_lists("lines"))
def test_collate_then_split_returns_the_original_lines(samples):
    restored = split_batch(collate_lines(samples))
    assert [(s["text"], s["id"]) for s in restored] == [(s["text"], s["id"]) for s in samples]
    assert all(torch.equal(a["image"], b["image"]) for a, b in zip(restored, samples))


@settings(max_examples=15)  # each example moves megabytes; 15 cover 1..3 samples well
@given(strategies.sample_lists("paragraphs", max_size=3))
def test_collate_then_split_returns_the_original_paragraphs(samples):
    restored = split_batch(collate_paragraphs(samples))
    assert [(s["text"], s["id"]) for s in restored] == [(s["text"], s["id"]) for s in samples]
    assert all(torch.equal(a["image"], b["image"]) for a, b in zip(restored, samples))


@given(strategies.sample_lists("lines", max_size=4))
def test_split_then_collate_rebuilds_the_batch(samples):
    batch = collate_lines(samples)
    rebuilt = collate_lines(split_batch(batch))
    for key in ("images", "widths", "targets", "target_lengths"):
        assert torch.equal(rebuilt[key], batch[key])


def test_overlong_label_is_refused_naming_the_sample():
    with pytest.raises(LabelTooLongError, match=f"'long'.*limit is {MAX_LINE_CHARS}"):
        collate_lines([line_sample(8, "x" * (MAX_LINE_CHARS + 1), "long")])


def test_unpreprocessed_image_is_refused_by_collate():
    sample = Sample(image=torch.rand(1, 64, 64), text="a", id="raw")
    with pytest.raises(ValueError, match="'raw' has image shape"):
        collate_lines([sample])


def test_empty_batch_is_refused():
    with pytest.raises(ValueError, match="empty"):
        collate_lines([])


def test_paragraph_collate_refuses_a_canvas_of_another_size():
    sample = Sample(image=torch.rand(1, PARAGRAPH_HEIGHT, 300), text="a", id="narrow")
    with pytest.raises(ValueError, match="'narrow' has image shape"):
        collate_paragraphs([sample])


@pytest.mark.parametrize("ink, alpha", [(100, 128), (30, 200), (180, 64)])
def test_premultiplied_la_composites_like_its_straight_la_twin(ink, alpha):
    """'La' stores gray already multiplied by alpha: multiplying again darkens half-transparent
    ink (only black ink, 0 either way, would hide that)."""
    straight = Image.new("LA", (4, 4), (ink, alpha))
    premultiplied = straight.convert("La")
    got = np.asarray(to_grayscale(premultiplied), dtype=float)
    want = np.asarray(to_grayscale(straight), dtype=float)
    assert np.abs(got - want).max() <= 2


@pytest.mark.parametrize("wrap", [bytes, bytearray, io.BytesIO])
def test_an_encoded_image_opens_the_same_from_bytes_a_bytearray_or_a_stream(wrap):
    buffer = io.BytesIO()
    Image.new("L", (12, 5), 77).save(buffer, format="PNG")
    image = open_image(wrap(buffer.getvalue()))
    assert image.size == (12, 5) and image.getextrema() == (77, 77)
