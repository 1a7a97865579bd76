"""The behavioural suites as one PNG people look at: each suite's worst lines, as read.

One panel per suite: its CER change (or CER) against the tolerance, then its worst lines as
the model saw them (perturbed), with the truth in green and the reading in red (and the clean
reading in grey where a perturbation changed it).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from PIL import Image, ImageDraw, ImageFont

from text_recognizer.io import atomic_write_bytes, encode_png
from text_recognizer.testing.behaviour import PERTURBATIONS, SuiteResult, _load
from text_recognizer.testing.loss_ranked_grid import PREDICTION, TRUTH, _palette

GREY = (110, 110, 110)


def _font() -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=14)
    except (ImportError, OSError):  # pragma: no cover - Pillow without FreeType
        return ImageFont.load_default()


def _panel(result: SuiteResult, folder: Path, worst: int, width: int) -> Image.Image:
    font = _font()
    readings = sorted(result.readings, key=lambda r: (r.change, r.line.id), reverse=True)[:worst]
    measure = "CER change" if result.kind == "invariance" else "CER"
    limit = "none" if result.tolerance is None else f"{result.tolerance.limit:.3f}"
    verdict = "ok" if result.passed else "FAILED"
    rows: list[tuple[str | Image.Image, tuple[int, int, int]]] = [
        (
            f"{result.name}: {result.description}  {measure} {result.value:+.3f} "
            f"(tolerance {limit}) {verdict}",
            (0, 0, 0),
        )
    ]
    for reading in readings:
        image = _load(folder / reading.line.file)
        if result.kind == "invariance":
            image = PERTURBATIONS[result.name][0](image)
        image = image.resize((max(1, int(image.width * 56 / image.height)), 56))
        if image.width > width:
            image = image.crop((0, 0, width, image.height))
        rows.append((image, (0, 0, 0)))
        rows.append((f"truth: {reading.line.text}", TRUTH))
        rows.append((f"read:  {reading.prediction}   (CER {reading.cer:.2f})", PREDICTION))
        if result.kind == "invariance" and reading.clean_prediction != reading.prediction:
            rows.append((f"clean: {reading.clean_prediction}", GREY))
    height = 8 + sum(row.height + 4 if isinstance(row, Image.Image) else 18 for row, _ in rows)
    panel = Image.new("RGB", (width + 16, height), "white")
    draw = ImageDraw.Draw(panel)
    y = 4
    for row, colour in rows:
        if isinstance(row, Image.Image):
            panel.paste(row.convert("RGB"), (8, y))
            y += row.height + 4
        else:
            draw.text((8, y), row[:120], fill=colour, font=font)
            y += 18
    draw.rectangle((0, 0, panel.width - 1, panel.height - 1), outline=(200, 200, 200))
    return panel


def render_report(
    results: Sequence[SuiteResult],
    folder: str | os.PathLike,
    out: str | os.PathLike,
    model_version: str,
    worst: int = 2,
    width: int = 900,
) -> Path:
    """Draw each suite's ``worst`` lines into one PNG at ``out``."""
    panels = [_panel(result, Path(folder), worst, width) for result in results]
    title = f"Behavioural suites, model {model_version}: each suite's worst lines as read"
    grid = Image.new("RGB", (width + 16, 30 + sum(p.height for p in panels)), "white")
    ImageDraw.Draw(grid).text((8, 8), title, fill=(0, 0, 0), font=_font())
    y = 30
    for panel in panels:
        grid.paste(panel, (0, y))
        y += panel.height
    out = Path(out)
    indexed = grid.quantize(palette=_palette(), dither=Image.Dither.NONE)
    atomic_write_bytes(out, encode_png(indexed, optimize=True))
    return out
