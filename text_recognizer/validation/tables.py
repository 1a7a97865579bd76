"""The three tables a suite runs on, each built once in pandas (imported lazily):

* ``records`` — one row per manifest row: its fields, its image's statistics
  (:mod:`text_recognizer.validation.image_stats`) and derived OCR quantities;
* ``splits`` — one row per split: its share of the records against the configured share;
* ``split_pairs`` — one row per (train, other split): distances between their distributions.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING, Any, Sequence

from text_recognizer.data.manifest import COLUMNS, SPLITS
from text_recognizer.data.preprocess import LINE_HEIGHT, line_width_for
from text_recognizer.validation.image_stats import STAT_COLUMNS, ImageStats
from text_recognizer.validation.split_distances import (
    ks_limit,
    ks_statistic,
    total_variation,
    tvd_limit,
)
from text_recognizer.validation.suites import SuiteConfig
from text_recognizer.vocab import NEWLINE

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: The column whose values identify offending rows, per table.
TABLE_KEYS = {"records": "id", "splits": "split", "split_pairs": "pair"}


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _label_geometry(text: str) -> tuple[int, int]:
    """(number of label lines, length of the longest one)."""
    lines = text.split(NEWLINE) if text else [""]
    return len(lines), max(len(line) for line in lines)


def _chars_per_pixel(config: SuiteConfig, row: dict[str, Any]) -> float | None:
    """Characters per pixel of width with each text row scaled to the model's line height."""
    width, height = row["image_width"], row["image_height"]
    if not row["text_length"] or not width or not height:
        return None
    if config.kind == "lines":
        return row["text_length"] / line_width_for(width, height)
    rows = row["text_rows"]
    if not rows:
        return None
    return row["longest_line"] / (width * LINE_HEIGHT * rows / height)


def records_table(
    config: SuiteConfig,
    rows: Sequence[dict[str, Any]],
    stats: Sequence[ImageStats],
    held_out: frozenset[str],
) -> "pd.DataFrame":
    """One row per manifest row: raw fields, image statistics and the derived OCR quantities."""
    import pandas as pd

    table_rows = []
    for raw, image in zip(rows, stats, strict=True):
        row: dict[str, Any] = {column: raw.get(column) for column in COLUMNS}
        row.update({column: getattr(image, column) for column in STAT_COLUMNS})
        text = row["text"] or ""
        label_lines, longest = _label_geometry(text)
        row["width_px"], row["height_px"] = _as_int(row["width"]), _as_int(row["height"])
        row["text_length"] = len(text)
        row["label_lines"] = label_lines
        row["longest_line"] = longest
        row["chars_per_pixel"] = _chars_per_pixel(config, row)
        if config.kind == "paragraphs" and row["text_rows"] is not None and text:
            allowed = max(1, round(config.rows_tolerance * label_lines))
            row["rows_beyond_tolerance"] = abs(row["text_rows"] - label_lines) - allowed
        else:
            row["rows_beyond_tolerance"] = None
        row["held_out_writer_outside_test"] = row["writer"] in held_out and row["split"] != "test"
        table_rows.append(row)
    table = pd.DataFrame(table_rows)
    splits_of_hash = table.groupby("sha256")["split"].nunique()
    table["hash_in_other_split"] = table["sha256"].map(splits_of_hash).fillna(1).astype(int) > 1
    return table


def splits_table(config: SuiteConfig, records: "pd.DataFrame", fractions: dict) -> "pd.DataFrame":
    """One row per configured split: its share of records against the configured share."""
    import pandas as pd

    total = max(len(records), 1)
    counts = records["split"].value_counts()
    rows = []
    for split in SPLITS:
        expected = float(fractions.get(split, 0.0))
        share = int(counts.get(split, 0)) / total
        noise = 3 * math.sqrt(expected * (1 - expected) / total)
        tolerance = max(config.split_tolerance, noise)
        rows.append(
            {
                "split": split,
                "count": int(counts.get(split, 0)),
                "share": share,
                "expected_share": expected,
                "tolerance": tolerance,
                "share_beyond_tolerance": abs(share - expected) - tolerance,
            }
        )
    return pd.DataFrame(rows)


IMAGE_DISTRIBUTIONS = {
    "intensity_distribution_matches": "mean_intensity",
    "ink_distribution_matches": "ink_fraction",
    "character_width_distribution_matches": "chars_per_pixel",
}


def split_pairs_table(config: SuiteConfig, records: "pd.DataFrame") -> "pd.DataFrame":
    """One row per (train, other split) pair: distribution distances and their limits."""
    import pandas as pd

    groups = {name: part for name, part in records.groupby("split")}
    rows = []
    for other in SPLITS[1:]:
        if "train" not in groups or other not in groups:
            continue
        train, part = groups["train"], groups[other]
        row: dict[str, Any] = {"pair": f"train~{other}"}
        n, m = len(train), len(part)
        row["label_length_ks"] = ks_statistic(train["text_length"], part["text_length"])
        row["label_length_ks_limit"] = ks_limit(n, m, config.label_length_ks_floor)
        train_chars = Counter("".join(train["text"].fillna("")))
        part_chars = Counter("".join(part["text"].fillna("")))
        if train_chars and part_chars:
            row["char_tvd"] = total_variation(train_chars, part_chars)
            row["char_tvd_limit"] = tvd_limit(train_chars, part_chars, config.char_tvd_floor)
        for name, column in IMAGE_DISTRIBUTIONS.items():
            a, b = train[column].dropna(), part[column].dropna()
            if len(a) and len(b):
                row[f"{name}_ks"] = ks_statistic(a, b)
                row[f"{name}_ks_limit"] = ks_limit(len(a), len(b), config.image_ks_floor)
        rows.append(row)
    columns = ["pair", "label_length_ks", "label_length_ks_limit", "char_tvd", "char_tvd_limit"]
    for name in IMAGE_DISTRIBUTIONS:
        columns += [f"{name}_ks", f"{name}_ks_limit"]
    return pd.DataFrame(rows, columns=columns)
