"""Looking at a data set: summary statistics and a contact sheet of samples with their labels.

People should look at their data before training on it; these work on any manifest (synthetic
or real), so the same picture and numbers are available for every data set.
"""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from text_recognizer.data.manifest import SPLITS, Manifest, ManifestRecord
from text_recognizer.errors import ManifestError


def _summary(values: list[int]) -> dict[str, float]:
    if not values:
        return {"min": 0, "median": 0, "mean": 0.0, "max": 0}
    return {
        "min": min(values),
        "median": statistics.median(values),
        "mean": round(statistics.fmean(values), 2),
        "max": max(values),
    }


def dataset_stats(manifest: Manifest) -> dict[str, Any]:
    """Counts per split and writer, label lengths and image sizes of a manifest."""
    records = manifest.records
    writers: dict[str, Counter] = {split: Counter() for split in SPLITS}
    for record in records:
        writers.setdefault(record.split, Counter())[record.writer] += 1
    return {
        "kind": manifest.kind,
        "records": len(records),
        "splits": {split: len(manifest.split(split)) for split in SPLITS},
        "writers": {split: dict(sorted(counts.items())) for split, counts in writers.items()},
        "label_chars": _summary([len(record.text) for record in records]),
        "label_lines": _summary([record.text.count("\n") + 1 for record in records]),
        "width": _summary([record.width for record in records]),
        "height": _summary([record.height for record in records]),
        "characters": "".join(sorted({char for record in records for char in record.text})),
    }


def format_stats(stats: dict[str, Any]) -> str:
    """The statistics as a short, readable report."""
    lines = [f"{stats['records']} {stats['kind']}"]
    for split, count in stats["splits"].items():
        writers = stats["writers"].get(split, {})
        shown = ", ".join(f"{name} {n}" for name, n in writers.items())
        lines.append(f"  {split:<5} {count:>7}  writers: {len(writers)} ({shown})")
    for key, title in (
        ("label_chars", "label length"),
        ("label_lines", "lines/label"),
        ("width", "width px"),
        ("height", "height px"),
    ):
        s = stats[key]
        lines.append(
            f"  {title:<13} min {s['min']}  median {s['median']}  mean {s['mean']}  max {s['max']}"
        )
    lines.append(f"  characters ({len(stats['characters'])}): {stats['characters']!r}")
    return "\n".join(lines)


def _fit(image: Image.Image, box: tuple[int, int]) -> Image.Image:
    scale = min(box[0] / image.width, box[1] / image.height, 1.0)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image if size == image.size else image.resize(size, Image.Resampling.LANCZOS)


def _pick(manifest: Manifest, n: int, seed: int) -> list[ManifestRecord]:
    if not manifest.records:
        raise ManifestError(f"{manifest.root} has no records to show")
    rng = np.random.default_rng(seed)
    count = min(n, len(manifest.records))
    chosen = rng.choice(len(manifest.records), size=count, replace=False)
    return [manifest.records[int(i)] for i in sorted(chosen)]


def contact_sheet(manifest: Manifest, n: int = 24, seed: int = 0) -> Image.Image:
    """A grid of ``n`` random samples (fixed by ``seed``), each above its label, writer and split.

    Lines go one per row at readable size; paragraphs three per row.
    """
    if n <= 0:
        raise ManifestError(f"a contact sheet needs n >= 1 samples, got {n}")
    records = _pick(manifest, n, seed)
    paragraphs = manifest.kind == "paragraphs"
    columns, thumb = (3, (420, 330)) if paragraphs else (1, (900, 72))
    font = ImageFont.load_default(size=15)
    small = ImageFont.load_default(size=12)
    line_height = 18
    cells = []
    for record in records:
        with Image.open(manifest.image_path(record)) as raw:
            image = _fit(raw.convert("L"), thumb)
        label_lines = record.text.split("\n")
        height = image.height + 16 + line_height * len(label_lines) + 8
        cells.append((record, image, label_lines, height))
    cell_w = thumb[0] + 20
    rows = [cells[i : i + columns] for i in range(0, len(cells), columns)]
    total_h = sum(max(cell[3] for cell in row) for row in rows) + 10
    sheet = Image.new("RGB", (cell_w * columns + 10, total_h), "white")
    draw = ImageDraw.Draw(sheet)
    y = 10
    for row in rows:
        row_h = max(cell[3] for cell in row)
        for column, (record, image, label_lines, _) in enumerate(row):
            x = 10 + column * cell_w
            draw.text(
                (x, y), f"{record.id}  {record.split}  {record.writer}", font=small, fill="grey"
            )
            sheet.paste(image.convert("RGB"), (x, y + 14))
            draw.rectangle(
                (x - 1, y + 13, x + image.width, y + 14 + image.height), outline=(200, 200, 200)
            )
            text_y = y + 16 + image.height
            for number, text in enumerate(label_lines):
                draw.text((x, text_y + number * line_height), text, font=font, fill=(0, 0, 160))
        y += row_h
        draw.line((0, y - 3, sheet.width, y - 3), fill=(230, 230, 230))
    # A 64-colour palette keeps a sheet of noisy, coloured scans a few hundred KB, small enough
    # to commit, and looks the same to a person.
    return sheet.quantize(64, method=Image.Quantize.MEDIANCUT)
