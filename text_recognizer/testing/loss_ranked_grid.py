"""The loss-ranked suite as one PNG grid people look at: image, ground truth, prediction.

Each panel shows a frozen example as the model reads it, its rank, id, loss, CER and tags,
with the ground truth in green and the frozen prediction in red; paragraphs show every line.
"""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image

from text_recognizer.errors import GoldenError
from text_recognizer.io import atomic_write_bytes, encode_png
from text_recognizer.testing.loss_ranked import load_frozen_images, read_suite

TRUTH, PREDICTION = (0, 110, 0), (180, 0, 0)


def shade(channel: int, step: int) -> int:
    """Step ``step`` of 15 from white towards ``channel``."""
    return round(255 + (channel - 255) * step / 15)


def _palette() -> Image.Image:
    """64 greys plus white-to-colour ramps of the two label colours (anti-aliased text).

    Mapping onto a fixed palette keeps the ink grey (an adaptive one tints it) and makes the
    committed PNG about a third of its RGB size.
    """
    colours = [(v, v, v) for v in range(0, 256, 4)] + [(255, 255, 255)]
    for red, green, blue in (TRUTH, PREDICTION):
        colours += [
            (shade(red, step), shade(green, step), shade(blue, step)) for step in range(1, 16)
        ]
    palette = Image.new("P", (1, 1))
    palette.putpalette([c for colour in colours for c in colour])
    return palette


def render_grid(
    suite_path: str | os.PathLike,
    out: str | os.PathLike,
    columns: int = 2,
    panel_width: int = 720,
) -> Path:
    """Draw every frozen example (image, ground truth, prediction, loss, CER, tags) as a PNG."""
    from PIL import ImageDraw, ImageFont

    suite = read_suite(suite_path)
    images = load_frozen_images(suite_path, suite)
    try:
        font = ImageFont.load_default(size=14)
    except (ImportError, OSError):  # pragma: no cover - Pillow without FreeType
        font = ImageFont.load_default()
    line_height = 18
    panels = []
    for rank, (example, image) in enumerate(zip(suite.examples, images), start=1):
        scale = min(
            panel_width / image.width, (120 if suite.kind == "lines" else 360) / image.height, 2.0
        )
        shown = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))))
        text_lines = [
            (
                f"#{rank} {example.id}  loss {example.loss:.3f}  CER {example.cer:.2f}  "
                f"[{', '.join(example.tags) or 'untagged'}]",
                (40, 40, 40),
            ),
        ]
        text_lines += [(f"truth: {line}", TRUTH) for line in example.text.split("\n")]
        text_lines += [(f"pred:  {line}", PREDICTION) for line in example.prediction.split("\n")]
        height = 8 + line_height + shown.height + 4 + line_height * (len(text_lines) - 1) + 10
        panel = Image.new("RGB", (panel_width + 16, height), "white")
        draw = ImageDraw.Draw(panel)
        draw.text((8, 4), text_lines[0][0], fill=text_lines[0][1], font=font)
        panel.paste(shown.convert("RGB"), (8, 8 + line_height))
        y = 8 + line_height + shown.height + 4
        for text, colour in text_lines[1:]:
            draw.text((8, y), text[:110], fill=colour, font=font)
            y += line_height
        draw.rectangle((0, 0, panel.width - 1, panel.height - 1), outline=(200, 200, 200))
        panels.append(panel)
    if not panels:
        raise GoldenError(f"{suite_path} has no frozen examples to draw")
    columns = max(1, min(columns, len(panels)))
    rows = [panels[i : i + columns] for i in range(0, len(panels), columns)]
    title = (
        f"{len(panels)} highest-loss {suite.split} {suite.kind} of {suite.scored} "
        f"({suite.data}), model {suite.model_version}"
    )
    width = columns * (panel_width + 16)
    height = 30 + sum(max(p.height for p in row) for row in rows)
    grid = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(grid).text((8, 8), title, fill=(0, 0, 0), font=font)
    y = 30
    for row in rows:
        for column, panel in enumerate(row):
            grid.paste(panel, (column * (panel_width + 16), y))
        y += max(p.height for p in row)
    out = Path(out)
    indexed = grid.quantize(palette=_palette(), dither=Image.Dither.NONE)
    atomic_write_bytes(out, encode_png(indexed, optimize=True))
    return out
