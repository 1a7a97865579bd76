"""The one image -> tensor path shared by training and inference, and batch collation.

Training and serving must see pixels the same way, or a model that scores well offline fails on
uploads. So every image, whatever its mode or bit depth, goes through :func:`to_grayscale`, then
:func:`text_recognizer.data.page.normalize_page` (polarity, light, contrast, text block), then
:func:`line_tensor` or :func:`paragraph_tensor`, which crop the text block with a fixed margin
and scale it. Tensors hold *ink* (``1 - gray / 255``): blank paper is 0, which makes zero
padding indistinguishable from more paper.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Sequence, TypedDict

import numpy as np
import torch
from PIL import ExifTags, Image, ImageOps

from text_recognizer.data.page import Page, normalize_page
from text_recognizer.errors import InvalidImageError, LabelTooLongError
from text_recognizer.vocab import DEFAULT_VOCABULARY, Vocabulary

LINE_HEIGHT = 40
LINE_MAX_WIDTH = 1024
PARAGRAPH_HEIGHT = 512
PARAGRAPH_WIDTH = 512
MAX_LINE_CHARS = 128
MAX_PARAGRAPH_CHARS = 512
WIDTH_MULTIPLE = 16

#: Larger than a 600 dpi A4 scan; anything bigger is a mistake or an attack on memory.
MAX_IMAGE_PIXELS = 50_000_000
#: Longest side over shortest side. Real lines reach ~40; 1-pixel-high slivers are not text.
MAX_ASPECT_RATIO = 200.0

#: Version of :func:`text_recognizer.data.page.normalize_page`'s behaviour that models are trained
#: with; a staged model records it, and a different one refuses to load.
PAGE_NORMALIZATION = "page-1: polarity, light, contrast, edges, text block"
#: Paper kept around the text block, as a share of its height: a constant margin, whatever the
#: input's, so the model sees every line at the same scale.
LINE_MARGIN = 0.12
PARAGRAPH_MARGIN = 0.02

KINDS = ("lines", "paragraphs")
_RESAMPLE = Image.Resampling.BILINEAR
_ALPHA_MODES = {"LA", "La", "PA", "RGBA", "RGBa"}


class Sample(TypedDict):
    """One preprocessed example: what a data set yields and :func:`split_batch` gives back."""

    image: torch.Tensor  # float32 (1, H, W), ink = 1, paper = 0
    text: str
    id: str


class Batch(TypedDict):
    """The batch contract between DataModules and LightningModules."""

    images: torch.Tensor  # float32 (B, 1, H, W)
    widths: torch.Tensor  # int64 (B,), unpadded widths after preprocessing
    targets: torch.Tensor  # int64 (B, T), padded with the vocabulary's pad index
    target_lengths: torch.Tensor  # int64 (B,)
    texts: list[str]
    ids: list[str]


def validate_image_size(width: int, height: int, name: str = "image") -> None:
    """Refuse sizes no real scan has, before any pixel is decoded or resized.

    >>> validate_image_size(0, 10)
    Traceback (most recent call last):
    ...
    text_recognizer.errors.InvalidImageError: image has zero size (0x10 pixels)
    """
    if width <= 0 or height <= 0:
        raise InvalidImageError(f"{name} has zero size ({width}x{height} pixels)")
    if width * height > MAX_IMAGE_PIXELS:
        raise InvalidImageError(
            f"{name} is too large: {width}x{height} = {width * height} pixels "
            f"(limit {MAX_IMAGE_PIXELS})"
        )
    ratio = max(width / height, height / width)
    if ratio > MAX_ASPECT_RATIO:
        raise InvalidImageError(
            f"{name} has an extreme aspect ratio: {width}x{height} pixels "
            f"(ratio {ratio:.0f}, limit {MAX_ASPECT_RATIO:.0f})"
        )


def open_image(
    source: str | os.PathLike | bytes | BinaryIO, name: str | None = None
) -> Image.Image:
    """Decode an image file or bytes, checking its size from the header before decoding pixels.

    EXIF orientation is applied, so phone photos are upright. Errors name ``name`` (or the path).
    """
    if name is None:
        name = str(source) if isinstance(source, (str, os.PathLike)) else "uploaded image"
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    try:
        image: Image.Image = Image.open(source)
    except FileNotFoundError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise InvalidImageError(f"cannot decode {name}: {error}") from None
    try:
        validate_image_size(image.width, image.height, name)
        image.load()
    except InvalidImageError:
        image.close()
        raise
    except (OSError, SyntaxError, ValueError) as error:
        image.close()
        raise InvalidImageError(f"cannot decode {name}: {error}") from None
    if image.getexif().get(ExifTags.Base.Orientation, 1) != 1:
        image = ImageOps.exif_transpose(image)
    return image


def _stretch(values: np.ndarray) -> np.ndarray:
    """Map an unknown numeric range onto 0..255 (white = max), as image viewers do."""
    low, high = float(values.min()), float(values.max())
    if high <= low:
        return np.full(values.shape, 255.0 if high > 0 else 0.0, dtype=np.float32)
    return (values.astype(np.float32) - low) * (255.0 / (high - low))


def _wide_to_gray(image: Image.Image) -> np.ndarray:
    """8-bit gray levels of 16-bit, 32-bit integer and float images.

    16-bit modes scale by 257. Modes that do not state their range are read by their values:
    floats within 0..1 as fractions, values within 0..255 as 8-bit, integers within 0..65535 as
    16-bit, anything else stretched from its minimum to its maximum.
    """
    values = np.asarray(image)
    if image.mode.startswith("I;16"):
        return values.astype(np.float32) / 257.0
    if image.mode == "F" and not np.isfinite(values).all():
        raise InvalidImageError("image has NaN or infinite pixel values")
    low, high = float(values.min()), float(values.max())
    if image.mode == "F" and low >= 0.0 and high <= 1.0:
        return values * 255.0
    if low >= 0.0 and high <= 255.0:
        return values.astype(np.float32)
    if image.mode == "I" and low >= 0 and high <= 65535:
        return values.astype(np.float32) / 257.0
    return _stretch(values)


def _composite_on_white(image: Image.Image) -> np.ndarray:
    """Gray levels of an image with alpha, as it looks on white paper."""
    if image.mode == "La":
        values = np.asarray(image).astype(np.float32)
        gray, alpha = values[..., 0], values[..., 1] / 255.0
        return gray + 255.0 * (1.0 - alpha)  # gray is already premultiplied
    if image.mode in ("PA", "RGBa"):
        image = image.convert("RGBA")
    alpha = np.asarray(image.getchannel("A"), dtype=np.float32) / 255.0
    gray = np.asarray(image.convert("L") if image.mode == "RGBA" else image.getchannel("L"))
    return gray * alpha + 255.0 * (1.0 - alpha)


def to_grayscale(image: Image.Image) -> Image.Image:
    """An 8-bit ``"L"`` image of any mode: alpha composited on white, wide depths scaled to 0..255.

    >>> to_grayscale(Image.new("RGBA", (3, 2), (0, 0, 0, 0))).getextrema()
    (255, 255)
    >>> to_grayscale(Image.new("I;16", (3, 2), 65535)).getextrema()
    (255, 255)
    """
    validate_image_size(image.width, image.height)
    mode = image.mode
    if mode == "L" and "transparency" not in image.info:
        return image
    if mode in ("L", "RGB", "P") and "transparency" in image.info:
        image, mode = image.convert("RGBA"), "RGBA"
    if mode in _ALPHA_MODES:
        values = _composite_on_white(image)
    elif mode.startswith("I") or mode == "F":
        values = _wide_to_gray(image)
    else:
        try:
            return (
                image.convert("L")
                if mode in ("1", "P", "RGB")
                else image.convert("RGB").convert("L")
            )
        except ValueError:
            raise InvalidImageError(f"unsupported image mode {mode!r}") from None
    return Image.fromarray(np.clip(values + 0.5, 0, 255).astype(np.uint8))


def ink_tensor(gray: Image.Image) -> torch.Tensor:
    """``(1, H, W)`` float32 ink of an ``"L"`` image: 1 - gray / 255 (paper 0, ink 1)."""
    values = np.asarray(gray, dtype=np.float32)
    return torch.from_numpy(1.0 - values * (1.0 / 255.0)).unsqueeze(0)


def line_width_for(width: int, height: int) -> int:
    """Width of a ``width x height`` line scaled to :data:`LINE_HEIGHT`, capped at the maximum.

    >>> line_width_for(300, 60), line_width_for(10_000, 40)
    (200, 1024)
    """
    return max(1, min(LINE_MAX_WIDTH, int(width * LINE_HEIGHT / height + 0.5)))


def paragraph_size_for(width: int, height: int) -> tuple[int, int]:
    """(width, height) of an image scaled to fit the paragraph canvas, aspect ratio kept.

    >>> paragraph_size_for(1000, 2000)
    (256, 512)
    """
    scale = min(PARAGRAPH_WIDTH / width, PARAGRAPH_HEIGHT / height)
    new_width = max(1, min(PARAGRAPH_WIDTH, int(width * scale + 0.5)))
    new_height = max(1, min(PARAGRAPH_HEIGHT, int(height * scale + 0.5)))
    return new_width, new_height


def _resized(gray: Image.Image, size: tuple[int, int]) -> Image.Image:
    if gray.size == size:
        return gray
    return gray.resize(size, _RESAMPLE, reducing_gap=3.0)


def page_of(image: Image.Image | Page) -> Page:
    """The normalised page of an image of any mode (a :class:`Page` passes through)."""
    if isinstance(image, Page):
        return image
    return normalize_page(np.asarray(to_grayscale(image)))


def model_input_image(page: Page, kind: str) -> Image.Image:
    """The 8-bit grey image whose ink the model reads: the text block of a normalised page with
    the kind's margin, at the model's input size (lines: :data:`LINE_HEIGHT` high, the width
    following the aspect ratio; paragraphs: fitted into the canvas). Frozen regression inputs
    are stored as this image, so :func:`input_tensor` of it is the model's input, bit for bit."""
    if kind == "lines":
        gray = Image.fromarray(page.crop(LINE_MARGIN))
        return _resized(gray, (line_width_for(*gray.size), LINE_HEIGHT))
    gray = Image.fromarray(page.crop(PARAGRAPH_MARGIN))
    return _resized(gray, paragraph_size_for(*gray.size))


def input_tensor(image: Image.Image, kind: str) -> torch.Tensor:
    """The model's input tensor of a :func:`model_input_image` (no normalisation again: a
    normalised, cropped and resized image is not a fixed point of that pipeline)."""
    content = ink_tensor(image)
    if kind == "lines":
        return content
    canvas = torch.zeros(1, PARAGRAPH_HEIGHT, PARAGRAPH_WIDTH)
    canvas[:, : content.shape[1], : content.shape[2]] = content
    return canvas


def line_tensor(page: Page) -> torch.Tensor:
    """``(1, LINE_HEIGHT, W)`` ink tensor of a normalised line: its text block with a
    :data:`LINE_MARGIN`, scaled to the line height; the width follows the aspect ratio.

    Lines wider than :data:`LINE_MAX_WIDTH` after scaling are squeezed horizontally rather
    than shrunk, so stroke heights stay what the model was trained on.
    """
    return input_tensor(model_input_image(page, "lines"), "lines")


def paragraph_tensor(page: Page) -> torch.Tensor:
    """``(1, PARAGRAPH_HEIGHT, PARAGRAPH_WIDTH)`` ink tensor of a normalised page: its text
    block with a :data:`PARAGRAPH_MARGIN`, fitted and pasted top-left."""
    return input_tensor(model_input_image(page, "paragraphs"), "paragraphs")


def preprocess_line(image: Image.Image | Page) -> torch.Tensor:
    """:func:`line_tensor` of any image.

    >>> image = Image.new("L", (300, 60), "white")
    >>> image.paste(0, (20, 20, 280, 40))
    >>> preprocess_line(image).shape
    torch.Size([1, 40, 440])
    """
    return line_tensor(page_of(image))


def preprocess_paragraph(image: Image.Image | Page) -> torch.Tensor:
    """:func:`paragraph_tensor` of any image.

    >>> preprocess_paragraph(Image.new("L", (100, 50))).shape
    torch.Size([1, 512, 512])
    """
    return paragraph_tensor(page_of(image))


def round_up(value: int, multiple: int = WIDTH_MULTIPLE) -> int:
    """Smallest multiple of ``multiple`` that is >= ``value``.

    >>> round_up(1), round_up(16), round_up(17)
    (16, 16, 32)
    """
    return -(-value // multiple) * multiple


def _collate(
    samples: Sequence[Sample],
    vocab: Vocabulary,
    max_chars: int,
    height: int,
    widths: tuple[int, int],
) -> Batch:
    if not samples:
        raise ValueError("cannot collate an empty list of samples")
    min_width, max_width = widths
    for sample in samples:
        shape = tuple(sample["image"].shape)
        if len(shape) != 3 or shape[:2] != (1, height) or not min_width <= shape[2] <= max_width:
            raise ValueError(
                f"sample {sample['id']!r} has image shape {shape}; expected (1, {height}, W) with "
                f"{min_width} <= W <= {max_width}: run it through the preprocessor first"
            )
        if len(sample["text"]) > max_chars:
            raise LabelTooLongError(
                f"sample {sample['id']!r} has a {len(sample['text'])}-character label; "
                f"the limit is {max_chars}"
            )
    sample_widths = torch.tensor(
        [sample["image"].shape[-1] for sample in samples], dtype=torch.long
    )
    padded_width = round_up(int(sample_widths.max()))
    images = torch.zeros(len(samples), 1, height, padded_width, dtype=samples[0]["image"].dtype)
    for row, sample in enumerate(samples):
        images[row, :, :, : sample["image"].shape[-1]] = sample["image"]
    targets, target_lengths = vocab.pad_batch([vocab.encode(sample["text"]) for sample in samples])
    return Batch(
        images=images,
        widths=sample_widths,
        targets=targets,
        target_lengths=target_lengths,
        texts=[sample["text"] for sample in samples],
        ids=[sample["id"] for sample in samples],
    )


def collate_lines(samples: Sequence[Sample], vocab: Vocabulary = DEFAULT_VOCABULARY) -> Batch:
    """Batch preprocessed lines, right-padded with paper to the max width rounded up to 16."""
    return _collate(samples, vocab, MAX_LINE_CHARS, LINE_HEIGHT, (1, LINE_MAX_WIDTH))


def collate_paragraphs(samples: Sequence[Sample], vocab: Vocabulary = DEFAULT_VOCABULARY) -> Batch:
    """Batch preprocessed paragraphs, all ``PARAGRAPH_HEIGHT x PARAGRAPH_WIDTH``.

    Their ``widths`` are all :data:`PARAGRAPH_WIDTH`: the canvas is the preprocessed image.
    """
    size = (PARAGRAPH_WIDTH, PARAGRAPH_WIDTH)
    return _collate(samples, vocab, MAX_PARAGRAPH_CHARS, PARAGRAPH_HEIGHT, size)


def split_batch(batch: Batch) -> list[Sample]:
    """Undo collation: per-sample images cropped to their widths, with their texts and ids."""
    return [
        Sample(image=batch["images"][row, :, :, :width].clone(), text=text, id=sample_id)
        for row, (width, text, sample_id) in enumerate(
            zip(batch["widths"].tolist(), batch["texts"], batch["ids"], strict=True)
        )
    ]


@dataclass(frozen=True)
class Preprocessor:
    """Everything kind-specific about turning images into model input, in one picklable object.

    >>> Preprocessor("lines")(Image.new("L", (80, 20), 255)).shape
    torch.Size([1, 40, 160])

    A blank image has no text block, so it is scaled whole.
    """

    kind: str = "lines"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}; expected one of {', '.join(KINDS)}")

    @property
    def max_chars(self) -> int:
        return MAX_LINE_CHARS if self.kind == "lines" else MAX_PARAGRAPH_CHARS

    def __call__(self, image: Image.Image | Page) -> torch.Tensor:
        if self.kind == "lines":
            return preprocess_line(image)
        return preprocess_paragraph(image)

    def collate(self, samples: Sequence[Sample], vocab: Vocabulary = DEFAULT_VOCABULARY) -> Batch:
        if self.kind == "lines":
            return collate_lines(samples, vocab)
        return collate_paragraphs(samples, vocab)

    def load(self, path: str | Path) -> torch.Tensor:
        """Decode and preprocess an image file (errors name the file)."""
        return self(open_image(path))
