"""A reliability diagram people can look at: accuracy per confidence bin against the diagonal.

Drawn with Pillow (no plotting library): one panel for lines (accuracy: the character accuracy)
and one for characters, each bar the mean accuracy of its bin, its outline the mean confidence,
the diagonal where a calibrated model's bars end, and the ECE in the title.
"""

from __future__ import annotations

import io
from typing import Sequence

from PIL import Image, ImageDraw, ImageFont

from text_recognizer.calibration import CalibrationReport, ReliabilityBin

PANEL = 320
MARGIN = 44


def _panel(bins: Sequence[ReliabilityBin], title: str) -> Image.Image:
    image = Image.new("RGB", (PANEL + 2 * MARGIN, PANEL + 2 * MARGIN), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    left, top, size = MARGIN, MARGIN, PANEL

    def point(x: float, y: float) -> tuple[float, float]:
        return left + x * size, top + (1.0 - y) * size

    draw.rectangle((left, top, left + size, top + size), outline=(0, 0, 0))
    draw.line((*point(0, 0), *point(1, 1)), fill=(150, 150, 150), width=1)
    total = max(1, sum(item.count for item in bins))
    for item in bins:
        if not item.count:
            continue
        x0, _ = point(item.low, 0)
        x1, _ = point(item.high, 0)
        _, y_accuracy = point(0, item.accuracy)
        _, y_confidence = point(0, item.confidence)
        _, y_zero = point(0, 0)
        shade = int(200 - 150 * min(1.0, 4 * item.count / total))
        draw.rectangle((x0 + 2, y_accuracy, x1 - 2, y_zero), fill=(shade, shade, 255))
        draw.line((x0 + 2, y_confidence, x1 - 2, y_confidence), fill=(200, 0, 0), width=2)
    for tick in (0.0, 0.5, 1.0):
        x, y = point(tick, tick)
        draw.text((x - 8, top + size + 6), f"{tick:.1f}", fill=(0, 0, 0), font=font)
        draw.text((left - 28, y - 5), f"{tick:.1f}", fill=(0, 0, 0), font=font)
    draw.text((left, 12), title, fill=(0, 0, 0), font=font)
    draw.text((left, top + size + 22), "confidence (red: bin mean)", fill=(0, 0, 0), font=font)
    return image


def reliability_diagram(report: CalibrationReport, caption: str = "") -> bytes:
    """PNG bytes of the line and character reliability diagrams of ``report``."""
    lines = _panel(
        report.line_bins, f"lines: ECE {report.line_ece:.3f} (n={report.lines:,}) {caption}"
    )
    chars = _panel(
        report.char_bins, f"characters: ECE {report.char_ece:.3f} (n={report.characters:,})"
    )
    sheet = Image.new("RGB", (lines.width + chars.width, lines.height), "white")
    sheet.paste(lines, (0, 0))
    sheet.paste(chars, (lines.width, 0))
    buffer = io.BytesIO()
    sheet.convert("P", palette=Image.Palette.ADAPTIVE, colors=32).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
