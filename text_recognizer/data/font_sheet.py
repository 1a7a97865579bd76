"""Contact sheet of the writer library: every font writing the same sentence, with its role.

A person should look at the writers before a model learns from them: a font that passed the
automatic vetting can still be unreadable, and the sheet is where that shows. Each cell is the
writer's name, style and role above a pangram with digits and punctuation, written by the
generator's own layout (unaugmented), so what the sheet shows is what the generator draws.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from text_recognizer.data.augment import AugmentConfig
from text_recognizer.data.fonts import HandwritingFont
from text_recognizer.data.handwriting import draw_style, render_mask

SAMPLE_TEXT = 'Quick brown fox, 1957: "jumps" (over) 24 lazy dogs?'
CELL = (620, 78)
COLUMNS = 3


def _writing(font: HandwritingFont, text: str) -> Image.Image:
    """``text`` in ``font`` as black ink on white, characters it cannot draw left out."""
    shown = "".join(char for char in text if char in font.coverage)
    style = draw_style(np.random.default_rng(0), AugmentConfig(), augmented=False)
    mask, _ = render_mask(shown, font, style, np.random.default_rng(0), AugmentConfig(), False)
    return Image.fromarray(255 - mask)


def writer_sheet(fonts: Sequence[HandwritingFont], text: str = SAMPLE_TEXT) -> Image.Image:
    """One cell per font, in ``COLUMNS`` columns, as a small-palette grey image."""
    rows = -(-len(fonts) // COLUMNS)
    sheet = Image.new("L", (CELL[0] * COLUMNS, CELL[1] * rows), 255)
    draw = ImageDraw.Draw(sheet)
    label_font = ImageFont.load_default()
    for number, font in enumerate(fonts):
        left, top = (number % COLUMNS) * CELL[0], (number // COLUMNS) * CELL[1]
        label = f"{font.name} ({font.style}, {font.role})"
        if font.dropped:
            label += f"; cannot draw {''.join(char for char, _ in font.dropped)!r}"
        draw.text((left + 6, top + 3), label, fill=0, font=label_font)
        writing = _writing(font, text)
        scale = min((CELL[0] - 12) / writing.width, (CELL[1] - 20) / writing.height, 1.0)
        size = (max(1, int(writing.width * scale)), max(1, int(writing.height * scale)))
        sheet.paste(writing.resize(size, Image.Resampling.LANCZOS), (left + 6, top + 17))
        draw.line((left, top + CELL[1] - 1, left + CELL[0], top + CELL[1] - 1), fill=200)
    return sheet.quantize(8)
