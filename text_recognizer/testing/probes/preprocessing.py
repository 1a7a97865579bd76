"""Probes of the preprocessing stage: image modes to gray, page normalisation, line and paragraph
tensors, train-time augmentation, paper and pen effects, and line segmentation, on drawn images.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from text_recognizer.data import augment, paper
from text_recognizer.data.augment import AugmentConfig
from text_recognizer.data.handwriting import draw_style, margins
from text_recognizer.data.page import (
    is_inverted,
    normalize_page,
    paper_light,
    pixel_noise,
    quantiles,
    row_percentiles,
    scanner_edges,
    text_block,
)
from text_recognizer.data.preprocess import (
    Preprocessor,
    ink_tensor,
    input_tensor,
    line_width_for,
    model_input_image,
    open_image,
    page_of,
    paragraph_size_for,
    round_up,
    to_grayscale,
    validate_image_size,
)
from text_recognizer.data.transforms import ImageAugmentation
from text_recognizer.segmentation import (
    LineBox,
    crop_lines,
    segment_lines,
    segment_mask,
    text_row_cores,
)
from text_recognizer.testing.probes import image_summary, outcome, probe


def _line(height: int = 30, width: int = 120, paper_level: int = 220, ink: int = 40) -> np.ndarray:
    """A gray line: three "words" (blocks with a counter) on uniform paper."""
    gray = np.full((height, width), paper_level, dtype=np.uint8)
    top, bottom = height // 3, height - height // 4
    step = width // 4
    for left in range(step // 3, width - step, step + step // 6):
        gray[top:bottom, left : left + step - 4] = ink
        gray[top + 3 : bottom - 3, left + 4 : left + step - 8] = paper_level
    return gray


def _ink_extent(tensor: torch.Tensor) -> list[int]:
    """``[first row, last row, first column, last column]`` holding ink in a (1, H, W) tensor."""
    ink = tensor[0] > 0.02
    rows = torch.nonzero(ink.any(dim=1)).flatten()
    columns = torch.nonzero(ink.any(dim=0)).flatten()
    if rows.numel() == 0:
        return [-1, -1, -1, -1]
    return [int(rows[0]), int(rows[-1]), int(columns[0]), int(columns[-1])]


def _boxes(boxes: list[LineBox]) -> list[list[int]]:
    return [[box.top, box.bottom, box.left, box.right] for box in boxes] or [[-1, -1, -1, -1]]


def _white_margins(crop: Image.Image) -> list[int]:
    """Rows of pure paper above and below, and columns left and right, of a cropped line."""
    gray = np.asarray(crop)
    inked_rows = np.flatnonzero((gray < 255).any(axis=1))
    inked_columns = np.flatnonzero((gray < 255).any(axis=0))
    if inked_rows.size == 0:
        return [gray.shape[0], 0, gray.shape[1], 0]
    return [
        int(inked_rows[0]),
        int(gray.shape[0] - 1 - inked_rows[-1]),
        int(inked_columns[0]),
        int(gray.shape[1] - 1 - inked_columns[-1]),
    ]


# -- image modes -------------------------------------------------------------------------------


def _mode_images(gray: np.ndarray) -> dict[str, Image.Image]:
    """The same drawn line in every mode a caller may hand in."""
    base = Image.fromarray(gray)
    alpha = np.full(gray.shape, 255, dtype=np.uint8)
    alpha[:, : gray.shape[1] // 4] = 0  # the left quarter is transparent: white on paper
    la = Image.merge("LA", (base, Image.fromarray(alpha)))
    rgb = Image.merge("RGB", (base, base, Image.fromarray(np.maximum(gray, 120).astype(np.uint8))))
    rgba = rgb.copy()
    rgba.putalpha(Image.fromarray(alpha))
    with_transparency = base.convert("P")
    with_transparency.info["transparency"] = int(gray[0, 0])
    return {
        "1": base.point(lambda v: 255 if v > 128 else 0).convert("1"),
        "L": base,
        "LA": la,
        "La": la.convert("La"),
        "P": base.convert("P"),
        "P_transparency": with_transparency,
        "PA": la.convert("PA"),
        "RGB": rgb,
        "RGBA": rgba,
        "RGBa": rgba.convert("RGBa"),
        "CMYK": rgb.convert("CMYK"),
        "YCbCr": rgb.convert("YCbCr"),
        "LAB": rgb.convert("LAB"),
        "I;16": Image.fromarray(gray.astype(np.uint16) * 257),
        "I_8bit": Image.fromarray(gray.astype(np.int32)),
        "I_16bit": Image.fromarray(gray.astype(np.int32) * 257),
        "I_signed": Image.fromarray(gray.astype(np.int32) * 1000 - 90_000),
        "F_fraction": Image.fromarray(gray.astype(np.float32) / 255.0),
        "F_8bit": Image.fromarray(gray.astype(np.float32)),
        "F_wide": Image.fromarray(gray.astype(np.float32) * 10.0 - 500.0),
    }


@probe("preprocessing/to_grayscale_modes")
def to_grayscale_modes() -> dict[str, Any]:
    """to_grayscale of a drawn line in every PIL mode and polarity: range, mean, alpha on white."""
    # per mode: [min, max, mean, mean of the left quarter (transparent in alpha modes), is "L"]
    out: dict[str, Any] = {}
    for polarity, gray in (("dark_ink", _line()), ("light_ink", 255 - _line())):
        for name, image in _mode_images(gray).items():
            converted = to_grayscale(image)
            values = np.asarray(converted, dtype=np.float64)
            out[f"{polarity}.{name}"] = [
                float(values.min()),
                float(values.max()),
                round(float(values.mean()), 3),
                float(values[:, :5].mean()),
                float(converted.mode == "L"),
            ]
    nan = np.full((4, 6), np.nan, dtype=np.float32)
    out["nan"] = outcome(lambda: to_grayscale(Image.fromarray(nan)))
    hsv = Image.fromarray(np.stack([_line()] * 3, axis=-1)).convert("HSV")
    out["hsv"] = list(to_grayscale(hsv).getextrema())
    out["zero"] = outcome(lambda: to_grayscale(Image.new("L", (0, 4))))
    out["uniform_f"] = list(to_grayscale(Image.new("F", (3, 2), 7.5e5)).getextrema())
    out["uniform_i_negative"] = list(to_grayscale(Image.new("I", (3, 2), -4)).getextrema())
    return out


@probe("preprocessing/preprocess_line_modes")
def preprocess_line_modes() -> dict[str, Any]:
    """Preprocessor of a drawn line/paragraph in every mode and polarity: width, ink, inversion."""
    # lines: [width, mean ink, max ink, inverted]; paragraphs: [last ink row, column, mean ink]
    out: dict[str, Any] = {}
    processor = Preprocessor("lines")
    for polarity, gray in (("dark_ink", _line()), ("light_ink", 255 - _line())):
        for name, image in _mode_images(gray).items():
            page = page_of(image)
            tensor = processor(page)
            out[f"{polarity}.{name}"] = [
                float(tensor.shape[-1]),
                round(float(tensor.mean()), 4),
                round(float(tensor.max()), 4),
                float(page.inverted),
            ]
            if name in ("L", "RGBA", "I;16"):
                canvas = Preprocessor("paragraphs")(page)
                extent = _ink_extent(canvas)
                out[f"{polarity}.paragraph_{name}"] = [
                    float(extent[1]),
                    float(extent[3]),
                    round(float(canvas.mean()), 5),
                ]
    return out


# -- sizes and tensors -------------------------------------------------------------------------


@probe("preprocessing/line_sizes")
def line_sizes() -> dict[str, Any]:
    """Line tensors: 40 px high, width from the aspect ratio (capped at 1024), margin, blank page."""
    cases = {
        "block20": (60, 300, (20, 40, 20, 280)),
        "block40": (80, 420, (20, 60, 5, 405)),
        "touching_corner": (30, 200, (0, 12, 0, 150)),
        "very_wide": (40, 2400, (14, 26, 2, 2398)),
        "tall": (200, 60, (10, 190, 20, 40)),
        "odd": (37, 101, (11, 24, 13, 88)),
    }
    out: dict[str, Any] = {}
    for name, (height, width, (top, bottom, left, right)) in cases.items():
        gray = np.full((height, width), 230, dtype=np.uint8)
        gray[top:bottom, left:right] = 25
        gray[top + (bottom - top) // 3 : top + (bottom - top) // 2, left + 2 : right - 2] = 230
        page = normalize_page(gray)
        tensor = Preprocessor("lines")(Image.fromarray(gray))
        out[name] = {
            "box": list(page.box or (-1, -1, -1, -1)),
            "shape": list(tensor.shape),
            "extent": _ink_extent(tensor),
            "input_size": list(model_input_image(page, "lines").size),
            "mean": float(tensor.mean()),
        }
    blank = Preprocessor("lines")(Image.new("L", (80, 20), 255))
    out["blank"] = {"shape": list(blank.shape), "max": float(blank.max())}
    out["line_width_for"] = [
        line_width_for(w, h)
        for w, h in ((300, 60), (10_000, 40), (1024, 40), (1025, 40), (3, 80), (1, 1), (61, 120))
    ]
    out["round_up"] = [round_up(v) for v in (1, 15, 16, 17, 32, 1023, 1024)]
    return out


@probe("preprocessing/line_tensor")
def line_tensor_probe() -> dict[str, Any]:
    """The ink tensor of a drawn line: paper 0, ink 1, block map; input_tensor of its input image."""
    gray = _line(48, 200, paper_level=200, ink=60)
    page = normalize_page(gray)
    tensor = Preprocessor("lines")(Image.fromarray(gray))
    again = input_tensor(model_input_image(page, "lines"), "lines")
    return {
        "summary": image_summary(tensor),
        "min": float(tensor.min()),
        "max": float(tensor.max()),
        "same_as_input_tensor": bool(torch.equal(tensor, again)),
        "ink_tensor": ink_tensor(Image.fromarray(np.array([[0, 51, 255]], dtype=np.uint8)))[0],
    }


@probe("preprocessing/paragraph_sizes")
def paragraph_sizes() -> dict[str, Any]:
    """Paragraph tensors: the block fitted in 512x512 top-left, zero padding, aspect ratio kept."""
    out: dict[str, Any] = {
        "size_for": [
            list(paragraph_size_for(w, h))
            for w, h in ((1000, 2000), (2000, 1000), (512, 512), (100, 50), (3, 1500), (700, 699))
        ]
    }
    for name, (height, width) in {"tall": (300, 120), "wide": (90, 400), "small": (60, 60)}.items():
        gray = np.full((height, width), 235, dtype=np.uint8)
        for row in range(8, height - 12, 18):
            gray[row : row + 9, 10 : width - 10 - (row % 30)] = 30
        page = normalize_page(gray)
        tensor = Preprocessor("paragraphs")(Image.fromarray(gray))
        out[name] = {
            "box": list(page.box or (-1, -1, -1, -1)),
            "shape": list(tensor.shape),
            "extent": _ink_extent(tensor),
            "input_size": list(model_input_image(page, "paragraphs").size),
            "mean": float(tensor.mean()),
        }
    gray = np.full((300, 120), 235, dtype=np.uint8)
    gray[20:40, 10:110] = 30
    gray[200:220, 10:80] = 30
    out["summary"] = image_summary(Preprocessor("paragraphs")(Image.fromarray(gray)), grid=4)
    out["blank_shape"] = list(Preprocessor("paragraphs")(Image.new("L", (100, 50))).shape)
    out["bad_kind"] = outcome(lambda: Preprocessor("pages"))
    out["max_chars"] = [Preprocessor("lines").max_chars, Preprocessor("paragraphs").max_chars]
    return out


@probe("preprocessing/polarity")
def polarity() -> dict[str, Any]:
    """A line and its negative give the same tensor; the negative is flagged as inverted."""
    gray = _line(40, 160)
    dark, light = normalize_page(gray), normalize_page(255 - gray)
    a = Preprocessor("lines")(Image.fromarray(gray))
    b = Preprocessor("lines")(Image.fromarray(255 - gray))
    return {
        "inverted": [dark.inverted, light.inverted],
        "boxes": [list(dark.box or ()), list(light.box or ())],
        "shapes": [a.shape[-1], b.shape[-1]],
        "max_difference": float((a - b).abs().max()),
        "means": [float(a.mean()), float(b.mean())],
    }


@probe("preprocessing/validate_and_open")
def validate_and_open() -> dict[str, Any]:
    """validate_image_size at its limits; open_image of PNG bytes, EXIF rotation, garbage, slivers."""
    sizes = {
        "zero": (0, 10),
        "limit_pixels": (10_000, 5_000),
        "over_pixels": (10_001, 5_000),
        "ratio_200": (8_000, 40),
        "ratio_over": (8_001, 40),
        "tall_ratio_over": (1, 201),
    }
    out: dict[str, Any] = {
        name: outcome(functools.partial(validate_image_size, size[0], size[1], name="img"))
        for name, size in sizes.items()
    }
    image = Image.fromarray(_line(20, 50))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    png = buffer.getvalue()
    opened = open_image(png)
    out["png"] = {
        "mode": opened.mode,
        "size": list(opened.size),
        "sum": int(np.asarray(opened).astype(int).sum()),
    }
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: the viewer turns it 90 degrees clockwise
    rotated = io.BytesIO()
    image.save(rotated, format="PNG", exif=exif)
    upright = open_image(rotated.getvalue())
    out["exif_size"] = list(upright.size)
    out["exif_turned_clockwise"] = upright.tobytes() == image.transpose(Image.ROTATE_270).tobytes()
    out["garbage"] = outcome(lambda: open_image(b"not an image", name="upload"))
    out["truncated"] = outcome(lambda: open_image(png[: len(png) // 2], name="half"))
    sliver = io.BytesIO()
    Image.new("L", (402, 2), 255).save(sliver, format="PNG")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "line.png"
        image.save(path)
        out["load_shape"] = list(Preprocessor("lines").load(path).shape)
        missing = Path(folder) / "x.png"
        out["load_missing"] = outcome(lambda: Preprocessor("lines").load(missing)).split(":")[0]
    out["sliver"] = outcome(lambda: open_image(sliver.getvalue(), name="sliver"))
    return out


# -- train-time augmentation -------------------------------------------------------------------

_STILL: dict[str, Any] = dict(
    rotation_degrees=(0.0, 0.0),
    shear=(0.0, 0.0),
    stretch=(1.0, 1.0),
    contrast=(1.0, 1.0),
    brightness=(0.0, 0.0),
    blur_probability=0.0,
    noise_sigma=(0.0, 0.0),
)
_EFFECTS: dict[str, dict[str, Any]] = {
    "rotation": {"rotation_degrees": (-1.5, 1.5)},
    "shear": {"shear": (-0.25, 0.25)},
    "stretch": {"stretch": (0.9, 1.1)},
    "contrast": {"contrast": (0.6, 1.0)},
    "brightness": {"brightness": (-20.0, 10.0)},
    "blur": {"blur_probability": 1.0},
    "noise": {"noise_sigma": (0.0, 6.0)},
}


def _effect(name: str) -> ImageAugmentation:
    return ImageAugmentation(**{**_STILL, **_EFFECTS[name]})


@probe("preprocessing/augmentation_fixed_seed")
def augmentation_fixed_seed() -> dict[str, Any]:
    """ImageAugmentation: each effect alone, and all together, under torch.manual_seed(3)."""
    image = Image.fromarray(_line(24, 80))
    out: dict[str, Any] = {}
    for name in [*_EFFECTS, "default"]:
        augmentation = ImageAugmentation() if name == "default" else _effect(name)
        torch.manual_seed(3)
        result = augmentation(image)
        summary = image_summary(result, grid=4)
        out[name] = {"size": summary["size"], "mean": summary["mean"], "std": summary["std"]}
        out[name]["blocks"] = summary["blocks"]
        out[name]["paper"] = int(np.asarray(result).max())
    still = ImageAugmentation(**_STILL)
    out["still_identity"] = still(image).tobytes() == image.tobytes()
    out["not_l"] = outcome(lambda: ImageAugmentation()(image.convert("RGB")))
    return out


@probe("preprocessing/augmentation_rates")
def augmentation_rates() -> dict[str, Any]:
    """ImageAugmentation over 200 draws per effect: blur rate and each range's spread."""
    image = Image.fromarray(_line(12, 40))
    base = np.asarray(image, dtype=np.float64)
    draws = 200
    out: dict[str, Any] = {}
    torch.manual_seed(17)
    blur = _effect("blur")
    blur = dataclasses.replace(blur, blur_probability=0.2)
    out["blur_rate"] = float(
        np.mean([blur(image).tobytes() != image.tobytes() for _ in range(draws)])
    )
    for name in ("stretch", "shear", "rotation"):
        augmentation = _effect(name)
        sizes = np.array([augmentation(image).size for _ in range(draws)], dtype=np.float64)
        width, height = sizes[:, 0] / image.width, sizes[:, 1] / image.height
        out[name] = {
            "width": [width.mean(), width.min(), width.max()],
            "height": [height.mean(), height.min(), height.max()],
        }
    for name in ("contrast", "brightness", "noise"):
        augmentation = _effect(name)
        results = [np.asarray(augmentation(image), dtype=np.float64) for _ in range(draws)]
        ink = np.array([r.min() for r in results])
        shift = np.array([(r - base).mean() for r in results])
        spread = np.array([(r - base).std() for r in results])
        out[name] = {
            "ink": [ink.mean(), ink.min(), ink.max()],
            "shift": [shift.mean(), shift.min(), shift.max()],
            "spread": [spread.mean(), spread.max()],
        }
    return out


# -- page normalisation ------------------------------------------------------------------------


def _page_facts(gray: np.ndarray) -> dict[str, Any]:
    page = normalize_page(gray)
    return {
        "box": list(page.box or (-1, -1, -1, -1)),
        "inverted": page.inverted,
        "blank": page.blank,
        "ink": int(page.ink.sum()),
        "gray_mean": float(page.gray.mean()),
    }


def _words_page() -> np.ndarray:
    """A 60x300 light-grey page with three dark words in its middle."""
    gray = np.full((60, 300), 215, dtype=np.uint8)
    for left in (30, 110, 190):
        gray[22:40, left : left + 60] = 40
        gray[28:34, left + 10 : left + 50] = 215
    return gray


@probe("preprocessing/normalize_page")
def normalize_page_probe() -> dict[str, Any]:
    """normalize_page on a plain and a negative page: box, inversion, gray summary, crop margins."""
    gray = _words_page()
    page = normalize_page(gray)
    negative = normalize_page(255 - gray)
    return {
        "plain": _page_facts(gray),
        "negative": _page_facts(255 - gray),
        "gray": image_summary(page.gray, grid=4),
        "negative_max_difference": int(np.abs(page.gray.astype(int) - negative.gray).max()),
        "crop_shapes": [list(page.crop(m).shape) for m in (0.0, 0.12, 0.5, 1.0)],
        "crop_corner": int(page.crop(0.5)[0, 0]),
        "blank_crop": list(normalize_page(np.full((10, 20), 200, np.uint8)).crop(0.5).shape),
        "not_2d": outcome(lambda: normalize_page(np.zeros((4, 4, 3), dtype=np.uint8))),
    }


@probe("preprocessing/scanner_edges")
def scanner_edges_probe() -> dict[str, Any]:
    """Dark scanner edges of width 1, 2 and 8 on each side: box, inversion, ink left at the edge."""
    out: dict[str, Any] = {}
    for side in ("top", "bottom", "left", "right"):
        for width in (1, 2, 8):
            gray = _words_page()
            region = {
                "top": (slice(0, width), slice(None)),
                "bottom": (slice(-width, None), slice(None)),
                "left": (slice(None), slice(0, width)),
                "right": (slice(None), slice(-width, None)),
            }[side]
            gray[region] = 10
            page = normalize_page(gray)
            out[f"{side}{width}"] = list(page.box or (-1, -1, -1, -1)) + [
                int(page.inverted),
                int(page.ink[region].sum()),
            ]
    two = _words_page()
    two[:, -6:] = 10
    two[:5] = 10
    out["two_sides"] = list(normalize_page(two).box or ())
    mask = np.zeros((20, 30), dtype=bool)
    mask[8:12, 5:25] = True
    for name, rows in (("one_row", 1), ("two_rows", 2), ("three_rows", 3)):
        edged = mask.copy()
        edged[:rows] = True
        out[f"mask_{name}"] = int(scanner_edges(edged).sum())
    return out


@probe("preprocessing/shadows_and_specks")
def shadows_and_specks() -> dict[str, Any]:
    """Shadows and gradients become paper; specks away from the text do not widen the block."""
    gray = _words_page().astype(np.float64)
    gradient = (gray * np.linspace(1.0, 0.45, gray.shape[1])[None, :]).astype(np.uint8)
    falloff = np.clip(1.0 - np.arange(60) / 30.0, 0.0, 1.0) ** 2
    edge_shadow = (gray * (1.0 - 0.6 * falloff)[:, None]).astype(np.uint8)
    out: dict[str, Any] = {}
    for name, image in (("gradient", gradient), ("edge_shadow", edge_shadow)):
        page = normalize_page(image)
        out[name] = _page_facts(image)
        out[name]["corners"] = [int(page.gray[2, 2]), int(page.gray[2, -3]), int(page.gray[-3, -3])]
    page = np.full((200, 300), 230, dtype=np.uint8)
    page[70:80, 60:240] = 20
    page[95:105, 60:200] = 20
    specks = {
        "far": [(10, 10), (185, 285)],
        "near": [(60, 250)],
        "big": [(150, 20, 6)],
        "on_line": [(86, 120)],
    }
    for name, spots in specks.items():
        speckled = page.copy()
        for spot in spots:
            y, x, size = (*spot, 2) if len(spot) == 2 else spot
            speckled[y : y + size, x : x + size] = 20
        out[f"specks_{name}"] = _page_facts(speckled)["box"]
    return out


@probe("preprocessing/noise_and_faint_ink")
def noise_and_faint_ink() -> dict[str, Any]:
    """Faint ink on noisy paper is text; noisy blank sheets stay blank (the contrast thresholds)."""
    line = _words_page().astype(np.float64)
    out: dict[str, Any] = {}
    for sigma in (8, 12, 15):
        rng = np.random.default_rng(sigma)
        faint = 200 - (200 - line) * (5.3 * sigma / 175)
        noisy = np.clip(faint + rng.normal(0, sigma, size=line.shape), 0, 255).astype(np.uint8)
        out[f"faint{sigma}"] = _page_facts(noisy)
        out[f"faint{sigma}"]["noise"] = pixel_noise(noisy)
    for sigma in (2, 9, 25):
        rng = np.random.default_rng(100 + sigma)
        blank = np.clip(rng.normal(215, sigma, size=(60, 200)), 0, 255).astype(np.uint8)
        out[f"blank{sigma}"] = [float(normalize_page(blank).blank), pixel_noise(blank)]
    levels = list(range(170, 186, 2))
    blank_at = []
    for level in levels:
        weak = np.full((40, 100), 220, dtype=np.uint8)
        weak[15:25, 10:90] = level
        blank_at.append(normalize_page(weak).blank)
    out["contrast_sweep"] = {"ink_levels": levels, "blank": blank_at}
    return out


@probe("preprocessing/page_helpers")
def page_helpers() -> dict[str, Any]:
    """quantiles, row_percentiles, pixel_noise, is_inverted, paper_light and text_block."""
    rng = np.random.default_rng(5)
    rows = rng.integers(0, 256, size=(3, 11), dtype=np.uint8)
    lit = (_words_page() * np.linspace(0.6, 1.0, 300)[None, :]).astype(np.uint8)
    mask = np.zeros((40, 120), dtype=bool)
    mask[10:20, 10:40] = True
    mask[10:20, 50:100] = True
    mask[35:36, 115:117] = True  # a speck
    two_lines = np.zeros((40, 120), dtype=bool)
    two_lines[5:12, 10:110] = True
    two_lines[25:32, 10:60] = True
    solid = np.full((20, 40), 30, dtype=np.uint8)
    solid[8:12, 5:35] = 220
    return {
        "quantiles": quantiles(np.arange(256, dtype=np.uint8).reshape(16, 16), 0.0, 0.5, 0.999),
        "row_percentiles": row_percentiles(rows, 1, 50, 99),
        "numpy_percentiles": np.percentile(rows, [1, 50, 99], axis=1),
        "pixel_noise": [
            pixel_noise(np.full((5, 5), 9, np.uint8)),
            pixel_noise(np.tile(np.array([0, 10], np.uint8), (4, 8))),
            pixel_noise(np.zeros((4, 1), np.uint8)),
        ],
        "is_inverted": [
            is_inverted(solid),
            is_inverted(255 - solid),
            is_inverted(np.full((10, 10), 128, np.uint8)),
        ],
        "paper_light": image_summary(paper_light(lit), grid=2),
        "text_block": list(text_block(mask) or ()),
        "text_block_two_lines": list(text_block(two_lines) or ()),
        "text_block_empty": text_block(np.zeros((5, 5), bool)) is None,
    }


# -- paper, pen and handwriting effects (no fonts) ---------------------------------------------


def _stroke_mask() -> np.ndarray:
    mask = np.zeros((24, 60), dtype=np.uint8)
    mask[8:16, 5:55] = 255
    mask[10:14, 12:48] = 0
    mask[4:20, 28:31] = 255
    return mask


@probe("preprocessing/paper_effects")
def paper_effects() -> dict[str, Any]:
    """paper.py effects under fixed seeds: background, lighting, ink layer, noise, finish, scan."""
    config = AugmentConfig()
    mask = _stroke_mask()
    shape = mask.shape
    background = paper.paper_background(np.random.default_rng(1), shape, config)
    smooth = paper.paper_background(
        np.random.default_rng(1), shape, dataclasses.replace(config, paper_texture=(0.0, 0.0))
    )
    lit = dataclasses.replace(config, gradient_probability=1.0, shadow_probability=1.0)
    light = paper.lighting(np.random.default_rng(2), shape, lit)
    alpha = paper.ink_layer(mask, np.random.default_rng(3), config, 10.0)
    noisy = paper.add_noise(np.full(shape, 100.4, np.float32), np.random.default_rng(4), 5.0)
    rng0 = np.random.default_rng(0)
    finished = paper.finish(mask, np.random.default_rng(6), config)
    clean = paper.finish(mask, np.random.default_rng(6), config, clean=True)
    paged = dataclasses.replace(config, page_probability=1.0, edge_probability=1.0, specks=3.0)
    scanned = paper.scan_page(mask, np.random.default_rng(8), paged)
    return {
        "background": [float(background.mean()), float(background.std())],
        "background_smooth": [float(smooth.mean()), float(smooth.std())],
        "light": image_summary(light, grid=2),
        "ink_alpha": [float(alpha.max()), float(alpha[mask > 0].min()), float(alpha.sum())],
        "noise": [float(noisy.mean()), float(noisy.std()), int(noisy.dtype == np.uint8)],
        "rounding": paper.add_noise(np.array([[0.5, 1.5, 254.6, 300.0]]), rng0, 0.0),
        "finished": {"mode": finished.mode, **image_summary(np.asarray(finished.convert("L")), 4)},
        "clean": [clean.mode, *map(str, clean.getextrema())],
        "scanned": {"shape": list(scanned.shape), "ink": int(scanned.sum() // 255)},
        "box_blur": paper.box_blur(np.eye(5, dtype=np.float32), 1)[2],
    }


@probe("preprocessing/paper_rates")
def paper_rates() -> dict[str, Any]:
    """Shares of 200 draws in which each random paper/scanner effect struck."""
    config = AugmentConfig()
    draws = 200
    rng = np.random.default_rng(21)
    small = Image.fromarray(np.full((4, 6), 200, np.uint8))
    only_gradient = dataclasses.replace(config, shadow_probability=0.0)
    only_shadow = dataclasses.replace(config, gradient_probability=0.0)
    gradient = [paper.lighting(rng, (4, 6), only_gradient).min() < 1.0 for _ in range(draws)]
    shadow = [paper.lighting(rng, (4, 6), only_shadow).min() < 1.0 for _ in range(draws)]
    blur = [paper.blur(small, rng, config) is not small for _ in range(draws)]
    jpeg = [paper.jpeg(small, rng, config) is not small for _ in range(draws)]
    quick = dataclasses.replace(
        config, blur_probability=0.0, jpeg_probability=0.0, paper_texture=(0.0, 0.0)
    )
    mask = np.zeros((4, 6), np.uint8)
    finished = [paper.finish(mask, rng, quick) for _ in range(draws)]
    page_mask = np.zeros((6, 10), np.uint8)
    no_specks = dataclasses.replace(config, specks=0.0)
    scans = [paper.scan_page(page_mask, rng, no_specks) for _ in range(draws)]
    paged = [s for s in scans if s.shape != page_mask.shape]
    return {
        "gradient": float(np.mean(gradient)),
        "shadow": float(np.mean(shadow)),
        "blur": float(np.mean(blur)),
        "jpeg": float(np.mean(jpeg)),
        "colour": float(np.mean([f.mode == "RGB" for f in finished])),
        "invert": float(np.mean([np.asarray(f).mean() < 128 for f in finished])),
        "page": len(paged) / draws,
        "edge_given_page": float(np.mean([s.any() for s in paged])),
        "page_growth": [float(np.mean([s.shape[0] / 6 for s in paged])), float(len(paged))],
    }


@probe("preprocessing/pen_and_geometry")
def pen_and_geometry() -> dict[str, Any]:
    """augment.py: strokes thicker/thinner, warp sizes, ink boxes, fields, pen lifts, pen rates."""
    mask = _stroke_mask()
    config = AugmentConfig()
    rng = np.random.default_rng(9)
    warped = {
        "slant": augment.warp(mask, rng, 0.3, 0.0, 0.0, 8.0),
        "rotation": augment.warp(mask, rng, 0.0, 10.0, 0.0, 8.0),
        "elastic": augment.warp(mask, rng, 0.0, 0.0, 1.5, 8.0),
        "none": augment.warp(mask, rng, 0.0, 0.0, 0.0, 8.0),
    }
    crop, first_row = augment.crop_to_ink(mask, (2, 6, 3, 1))
    field = augment.smooth_field(np.random.default_rng(2), (10, 20), 5.0, 0.6, 1.0)
    lifted = augment.pen_lifts(mask, np.random.default_rng(3), 3, 1.5)
    changes = [augment.draw_pen_change(rng, config) for _ in range(200)]
    thin = np.zeros((12, 12), np.uint8)
    thin[6, 2:10] = 255
    return {
        "thickness": [augment.stroke_thickness(mask), augment.stroke_thickness(thin)],
        "dilate_erode_ink": [
            int(augment.dilate(mask).sum() // 255),
            int(augment.erode(mask).sum() // 255),
        ],
        "adjust": [
            int(augment.adjust_stroke(mask, c, t, 16.0).astype(np.int64).sum())
            for c, t in ((1, 1.0), (1, 3.0), (-1, 3.0), (-1, 1.0), (0, 1.0))
        ],
        "warp_shapes": {k: list(v.shape) for k, v in warped.items()},
        "warp_ink": [int(v.astype(np.int64).sum() // 255) for v in warped.values()],
        "ink_box": list(augment.ink_box(mask) or ()),
        "ink_box_threshold": list(augment.ink_box(mask // 10, threshold=24) or (-1,)),
        "crop_to_ink": [*crop.shape, first_row],
        "field": [float(field.min()), float(field.max()), float(field.mean())],
        "pen_lifts_removed": int((mask.astype(int) - lifted).sum() // 255),
        "pen_rates": [changes.count(1) / 200, changes.count(-1) / 200],
        "uniform": [augment.uniform(rng, (3.0, 3.0)), augment.uniform(rng, (5.0, 1.0))],
        "baseline": augment.baseline_offsets(
            np.random.default_rng(1), np.array([0.0, 50.0, 100.0]), 3.0, 0.5
        ),
    }


@probe("preprocessing/handwriting_style")
def handwriting_style() -> dict[str, Any]:
    """draw_style and margins (font-free): plain middles, seeded draws, tight-crop rate."""
    config = AugmentConfig()
    plain = draw_style(np.random.default_rng(0), config, augmented=False)
    drawn = draw_style(np.random.default_rng(0), config, augmented=True)
    rng = np.random.default_rng(4)
    cuts = [margins(rng, drawn, config, True) for _ in range(200)]
    return {
        "plain": [float(v) for v in dataclasses.astuple(plain)],
        "drawn": [float(v) for v in dataclasses.astuple(drawn)],
        "plain_margins": list(margins(rng, plain, config, False)),
        "cut_rate": float(np.mean([min(m) < 0 for m in cuts])),
        "margin_mean": np.mean(np.array(cuts, dtype=np.float64), axis=0),
    }


# -- segmentation ------------------------------------------------------------------------------


def _text_page(
    lines: list[tuple[int, int, int]], height: int = 150, width: int = 240
) -> np.ndarray:
    """Paper with "words" (blocks with gaps) on each ``(top, bottom, right end)`` line."""
    gray = np.full((height, width), 240, dtype=np.uint8)
    for top, bottom, end in lines:
        for left in range(12, end, 36):
            gray[top:bottom, left : min(left + 28, end)] = 25
    return gray


def _segmentation_facts(gray: np.ndarray | Image.Image) -> dict[str, Any]:
    crops = crop_lines(gray)
    return {
        "boxes": _boxes(segment_lines(gray)),
        "crop_sizes": [list(c.size) for c in crops] or [[0, 0]],
        "crop_margins": [_white_margins(c) for c in crops] or [[-1, -1, -1, -1]],
    }


@probe("preprocessing/segment_pages")
def segment_pages() -> dict[str, Any]:
    """segment_lines boxes and crop_lines sizes and margins on drawn pages of several layouts."""
    separate = _text_page([(20, 34, 220), (55, 69, 220), (90, 104, 220)])
    touching = _text_page([(20, 34, 220), (44, 58, 220)], height=90)
    touching[34:46, 50:53] = 25  # a descender of the first line reaching the second
    short_last = _text_page([(20, 34, 220), (50, 64, 220), (80, 94, 45)], height=120)
    dots = _text_page([(20, 34, 220), (60, 74, 220)], height=100)
    for x in (40, 90, 150):
        dots[46:48, x : x + 2] = 25
    ruled = _text_page([(22, 34, 220), (52, 64, 220), (82, 94, 220)], height=110)
    for row in (35, 65, 95):
        ruled[row, :] = 120
    return {
        "separate": _segmentation_facts(separate),
        "touching": _segmentation_facts(touching),
        "short_last": _segmentation_facts(short_last),
        "dots": _segmentation_facts(dots),
        "inverted": _segmentation_facts(255 - separate),
        "ruled": _segmentation_facts(ruled),
        "blank": len(segment_lines(np.full((80, 120), 230, np.uint8))),
    }


@probe("preprocessing/segment_inputs")
def segment_inputs() -> dict[str, Any]:
    """segment_lines on PIL, array, ink tensor and Page inputs; padding options; row cores."""
    gray = _text_page([(20, 34, 200), (55, 69, 120)], height=90, width=220)
    tensor = ink_tensor(Image.fromarray(gray))
    page = normalize_page(gray)
    mask = np.zeros((30, 10), dtype=bool)
    mask[2:8] = True
    mask[15:22] = True
    boxes = segment_lines(gray)
    return {
        "array": _boxes(boxes),
        "pil_rgb": _boxes(segment_lines(Image.fromarray(gray).convert("RGB"))),
        "tensor": _boxes(segment_lines(tensor)),
        "tensor_2d": _boxes(segment_lines(tensor[0])),
        "page": _boxes(segment_lines(page)),
        "float_array": _boxes(segment_lines(gray.astype(np.float64) + 30.0)),
        "padding0": _boxes(segment_lines(gray, padding=0.0)),
        "padding_half": _boxes(segment_lines(gray, padding=0.5)),
        "crop_padding_half": [list(c.size) for c in crop_lines(gray, padding=0.5)],
        "cores": [list(core) for core in text_row_cores(mask)],
        "cores_strict": [list(core) for core in text_row_cores(mask, threshold=0.9)],
        "mask_boxes": _boxes(segment_mask(mask)),
        "linebox": [boxes[0].height, boxes[0].width, *boxes[0].box],
        "bad_tensor": outcome(lambda: segment_lines(torch.zeros(2, 3, 4))),
        "bad_array": outcome(lambda: segment_lines(np.zeros((2, 3, 4), np.uint8))),
    }
