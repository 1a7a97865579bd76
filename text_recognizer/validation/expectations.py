"""The declared data suites: what every data set must satisfy, by name, with stated thresholds.

A suite is a list of :class:`Check` s over three derived tables, each built once in pandas:

* ``records`` — one row per manifest row: its fields, its image's statistics
  (:mod:`text_recognizer.validation.image_stats`) and derived OCR quantities;
* ``splits`` — one row per split: its share of the records against the configured share;
* ``split_pairs`` — one row per (train, other split): distances between their distributions.

Each check names one great-expectations expectation (built lazily: GX is imported only when a
suite runs), and its stable ``name`` is what a failure is reported by. Thresholds come from the
synthetic generator's data (400 lines and 92 paragraphs of seed 0, 10,000 lines of seed 1) with
a margin, and from the model's input geometry; each constant below says where it comes from.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from text_recognizer.data.manifest import COLUMNS, SPLITS
from text_recognizer.data.preprocess import (
    LINE_HEIGHT,
    MAX_LINE_CHARS,
    MAX_PARAGRAPH_CHARS,
    line_width_for,
)
from text_recognizer.errors import TextRecognizerError
from text_recognizer.validation.image_stats import STAT_COLUMNS, ImageStats
from text_recognizer.vocab import CHARACTERS, NEWLINE

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

SUITE_NAMES = ("lines", "paragraphs", "iam")
#: Critical value c(alpha) of the two-sample Kolmogorov-Smirnov test at alpha = 0.001.
KS_C_ALPHA = 1.949
#: How many standard errors of sampling noise a total-variation distance may reach.
TVD_NOISE_FACTOR = 3.0


class SuiteError(TextRecognizerError, ValueError):
    """A suite name or a suite/data-set combination that does not exist."""


@dataclass(frozen=True)
class Check:
    """One named expectation: the GX class, its arguments and the table it runs on."""

    name: str
    table: str  # "records" | "splits" | "split_pairs"
    expectation: str  # class name in great_expectations.expectations
    kwargs: dict[str, Any]
    description: str

    def build(self, gxe: Any, number: int) -> Any:
        """The GX expectation (``gxe`` is ``great_expectations.expectations``); ``number``
        identifies it among the suite's checks in the results."""
        meta = {"name": self.name, "check": number}
        return getattr(gxe, self.expectation)(**self.kwargs, meta=meta)


@dataclass(frozen=True)
class SuiteConfig:
    """Thresholds of one suite. Defaults are the synthetic lines' ones."""

    name: str = "lines"
    kind: str = "lines"
    max_chars: int = MAX_LINE_CHARS
    #: Characters per pixel of width once the text line is scaled to the model's 40 px height.
    #: Generated lines and paragraph lines span 0.053-0.148 (400 lines, 80 paragraphs), IAM
    #: lines sit near 0.07. The band [0.025, 0.2] means a character 5-40 px wide at 40 px high;
    #: a model with a stride-8 CTC head cannot emit more than 0.125 characters per pixel
    #: anyway, so 0.2 flags labels that cannot be read from their image.
    chars_per_pixel: tuple[float, float] = (0.025, 0.2)
    image_width: tuple[int, int] = (16, 8000)
    image_height: tuple[int, int] = (16, 400)
    #: Mean gray level over 0..1: paper dominates every text image (generated: 0.65-0.95).
    mean_intensity: tuple[float, float] = (0.35, 1.0)
    #: Ink pixels (>= 64 levels under the paper): generated 0.031-0.31; a blank page is 0.
    min_ink_fraction: float = 0.005
    #: Pixels at gray <= 32: generated at most 0.11; large black areas mean a bad scan.
    max_black_fraction: float = 0.35
    #: Stored images must be 8-bit gray or RGB; RGBA (undefined paper under transparency) and
    #: 16-bit (a skipped conversion) are refused in data sets even though inference accepts them.
    supported_modes: tuple[str, ...] = ("L", "RGB")
    characters: str = CHARACTERS
    #: Allowed |estimated rows - label lines| is max(1, this * label lines): generated
    #: paragraphs miss by at most 2 of 8 (77 of 80 exact).
    rows_tolerance: float = 0.25
    #: Split shares may deviate by max(this, 3 binomial standard errors) from the configured.
    split_tolerance: float = 0.02
    #: KS distances between train and another split: limit max(floor, KS critical value at
    #: alpha=0.001). Floors: label lengths come from one sampler (10,000 generated lines: 0.018
    #: train~val, 0.030 train~test); image statistics differ more because test is written in
    #: held-out fonts (train~test: intensity 0.08, ink 0.19, character width 0.21; val < 0.03).
    label_length_ks_floor: float = 0.1
    image_ks_floor: float = 0.3
    #: Total-variation distance of character frequencies: limit max(floor, 3 x its expected
    #: value under sampling noise). 10,000 generated lines: 0.012 train~val, 0.010 train~test.
    char_tvd_floor: float = 0.1
    #: Held-out writers: from manifest.json's "held_out_writers" (synthetic); when absent and
    #: this is set, the test split's writers (IAM's splits are writer-independent).
    writers_disjoint_by_split: bool = False


LINES_SUITE = SuiteConfig()
PARAGRAPHS_SUITE = SuiteConfig(
    name="paragraphs",
    kind="paragraphs",
    max_chars=MAX_PARAGRAPH_CHARS,
    image_width=(32, 8000),
    image_height=(32, 8000),
    characters=CHARACTERS + NEWLINE,
)


def suite_config(name: str, kind: str, sources: frozenset[str] = frozenset()) -> SuiteConfig:
    """The suite ``name`` ("auto", "lines", "paragraphs" or "iam") for a data set of ``kind``
    whose records come from ``sources`` ("auto" picks "iam" for IAM data, else the kind).

    >>> suite_config("auto", "paragraphs").max_chars
    512
    """
    if kind not in ("lines", "paragraphs"):
        raise SuiteError(f"data set kind {kind!r} is neither lines nor paragraphs")
    if name == "auto":
        name = "iam" if sources == {"iam"} else kind
    if name not in SUITE_NAMES:
        raise SuiteError(
            f"unknown suite {name!r}; expected auto or one of {', '.join(SUITE_NAMES)}"
        )
    if name == "iam":
        base = PARAGRAPHS_SUITE if kind == "paragraphs" else LINES_SUITE
        height = (16, 8000) if kind == "paragraphs" else (16, 600)
        return replace(base, name="iam", image_height=height, writers_disjoint_by_split=True)
    if name != kind:
        raise SuiteError(
            f"suite {name!r} checks {name}, but the data set holds {kind} (manifest.json "
            f"kind); use --suite {kind} or auto"
        )
    return LINES_SUITE if name == "lines" else PARAGRAPHS_SUITE


# -- statistics between splits ----------------------------------------------------------------


def ks_statistic(first: Sequence[float], second: Sequence[float]) -> float:
    """Two-sample Kolmogorov-Smirnov distance: the largest gap between the empirical CDFs.

    >>> ks_statistic([1, 2, 3], [1, 2, 3]), ks_statistic([0, 0], [1, 1])
    (0.0, 1.0)
    """
    a, b = np.sort(np.asarray(first, float)), np.sort(np.asarray(second, float))
    values = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, values, side="right") / len(a)
    cdf_b = np.searchsorted(b, values, side="right") / len(b)
    return float(np.abs(cdf_a - cdf_b).max())


def ks_limit(n: int, m: int, floor: float) -> float:
    """Largest KS distance accepted between samples of sizes ``n`` and ``m``.

    >>> round(ks_limit(4, 32, 0.1), 2), ks_limit(100_000, 100_000, 0.1)
    (1.03, 0.1)
    """
    return max(floor, KS_C_ALPHA * math.sqrt((n + m) / (n * m)))


def total_variation(first: Counter, second: Counter) -> float:
    """Total-variation distance between two frequency tables (0 = equal, 1 = disjoint).

    >>> total_variation(Counter("aab"), Counter("abb"))
    0.3333333333333333
    """
    n, m = sum(first.values()), sum(second.values())
    keys = set(first) | set(second)
    return 0.5 * sum(abs(first[k] / n - second[k] / m) for k in keys)


def tvd_limit(first: Counter, second: Counter, floor: float) -> float:
    """Largest accepted TVD: ``TVD_NOISE_FACTOR`` times its expectation under pure sampling
    noise (each frequency's normal approximation, pooled proportions), or ``floor``."""
    n, m = sum(first.values()), sum(second.values())
    pooled = first + second
    total = n + m
    spread = sum(math.sqrt(c / total * (1 - c / total) * (1 / n + 1 / m)) for c in pooled.values())
    return max(floor, TVD_NOISE_FACTOR * 0.5 * math.sqrt(2 / math.pi) * spread)


# -- tables -----------------------------------------------------------------------------------


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


# -- the suite --------------------------------------------------------------------------------


def _in_set(column: str, values: list) -> dict[str, Any]:
    return {"column": column, "value_set": values}


def _within(name: str, column: str, bounds: tuple[float, float], description: str) -> Check:
    """Every record's ``column`` lies within ``bounds`` (inclusive)."""
    return Check(
        name,
        "records",
        "ExpectColumnValuesToBeBetween",
        {"column": column, "min_value": bounds[0], "max_value": bounds[1]},
        f"{description} within {bounds}",
    )


def _at_most(limit_column: str, value_column: str) -> dict[str, Any]:
    return {
        "column_A": limit_column,
        "column_B": value_column,
        "or_equal": True,
        "ignore_row_if": "either_value_is_missing",
    }


def vocabulary_regex(characters: str) -> str:
    """Regex matching strings made only of ``characters`` (whole string, newlines included).

    >>> bool(re.search(vocabulary_regex("ab"), "abba")), bool(re.search(vocabulary_regex("ab"), "abc"))
    (True, False)
    """
    return r"\A[" + "".join(re.escape(char) for char in characters) + r"]*\Z"


@dataclass(frozen=True)
class Suite:
    """A suite's config and its checks, grouped by table."""

    config: SuiteConfig
    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def names(self) -> list[str]:
        """Check names in declaration order, without repeats."""
        return list(dict.fromkeys(check.name for check in self.checks))


def build_suite(config: SuiteConfig, with_split_shares: bool = True) -> Suite:
    """Every check of ``config``'s suite (split shares only when the data set configures them)."""
    c = config
    pair = "ExpectColumnPairValuesToBeEqual"
    either = "either_value_is_missing"
    checks = [
        Check(
            "ids_unique",
            "records",
            "ExpectColumnValuesToBeUnique",
            {"column": "id"},
            "no two rows share an id",
        ),
        Check(
            "ids_present",
            "records",
            "ExpectColumnValuesToMatchRegex",
            {"column": "id", "regex": r"\A[^\s/\\]+\Z"},
            "ids are non-empty, without spaces or slashes",
        ),
        Check(
            "paths_inside_dataset",
            "records",
            "ExpectColumnValuesToMatchRegex",
            {"column": "path", "regex": r"\A(?!/)(?!.*(?:^|/)\.\.(?:/|$))[^\\]+\Z"},
            "image paths are relative and stay inside the data set folder",
        ),
        Check(
            "sizes_are_integers",
            "records",
            "ExpectColumnValuesToMatchRegex",
            {"column": "width", "regex": r"\A[1-9][0-9]*\Z"},
            "width is a positive integer",
        ),
        Check(
            "sizes_are_integers",
            "records",
            "ExpectColumnValuesToMatchRegex",
            {"column": "height", "regex": r"\A[1-9][0-9]*\Z"},
            "height is a positive integer",
        ),
        Check(
            "sha256_well_formed",
            "records",
            "ExpectColumnValuesToMatchRegex",
            {"column": "sha256", "regex": r"\A[0-9a-f]{64}\Z"},
            "sha256 is 64 lowercase hex digits",
        ),
        Check(
            "split_names_known",
            "records",
            "ExpectColumnValuesToBeInSet",
            _in_set("split", list(SPLITS)),
            "split is train, val or test",
        ),
        Check(
            "files_exist",
            "records",
            "ExpectColumnValuesToBeInSet",
            _in_set("file_exists", [True]),
            "every image file exists",
        ),
        Check(
            "images_decode",
            "records",
            "ExpectColumnValuesToBeInSet",
            _in_set("decodable", [True]),
            "every existing image decodes completely",
        ),
        Check(
            "sha256_matches",
            "records",
            pair,
            {"column_A": "sha256", "column_B": "file_sha256", "ignore_row_if": either},
            "the file's SHA-256 is the manifest's",
        ),
        Check(
            "manifest_size_matches_image",
            "records",
            pair,
            {"column_A": "width_px", "column_B": "image_width", "ignore_row_if": either},
            "manifest width is the image's",
        ),
        Check(
            "manifest_size_matches_image",
            "records",
            pair,
            {"column_A": "height_px", "column_B": "image_height", "ignore_row_if": either},
            "manifest height is the image's",
        ),
        Check(
            "image_mode_supported",
            "records",
            "ExpectColumnValuesToBeInSet",
            _in_set("mode", list(c.supported_modes)),
            f"images are stored as {' or '.join(c.supported_modes)} (8-bit, no alpha)",
        ),
        Check(
            "labels_in_vocabulary",
            "records",
            "ExpectColumnValuesToMatchRegex",
            {"column": "text", "regex": vocabulary_regex(c.characters)},
            "every label character is in the model's vocabulary"
            + (" (newline only in paragraphs)" if c.kind == "lines" else ""),
        ),
        Check(
            "labels_non_empty",
            "records",
            "ExpectColumnValuesToMatchRegex",
            {"column": "text", "regex": r"\S"},
            "every label has a visible character",
        ),
        Check(
            "label_length_within_model_max",
            "records",
            "ExpectColumnValuesToBeBetween",
            {"column": "text_length", "min_value": 0, "max_value": c.max_chars},
            f"labels have at most {c.max_chars} characters (the model's output limit)",
        ),
        Check(
            "chars_per_pixel_plausible",
            "records",
            "ExpectColumnValuesToBeBetween",
            {
                "column": "chars_per_pixel",
                "min_value": c.chars_per_pixel[0],
                "max_value": c.chars_per_pixel[1],
            },
            f"characters per pixel of width at {LINE_HEIGHT} px line height within "
            f"[{c.chars_per_pixel[0]}, {c.chars_per_pixel[1]}]",
        ),
        Check(
            "ink_present",
            "records",
            "ExpectColumnValuesToBeBetween",
            {"column": "ink_fraction", "min_value": c.min_ink_fraction},
            f"at least {c.min_ink_fraction:.1%} of the pixels are ink (not blank)",
        ),
        Check(
            "not_saturated",
            "records",
            "ExpectColumnValuesToBeBetween",
            {"column": "black_fraction", "max_value": c.max_black_fraction},
            f"at most {c.max_black_fraction:.0%} of the pixels are black",
        ),
        _within("image_size_in_range", "image_width", c.image_width, "image width"),
        _within("image_size_in_range", "image_height", c.image_height, "image height"),
        _within(
            "mean_intensity_in_range",
            "mean_intensity",
            c.mean_intensity,
            "mean gray level (paper dominates)",
        ),
        Check(
            "no_duplicate_images_within_split",
            "records",
            "ExpectCompoundColumnsToBeUnique",
            {"column_list": ["split", "sha256"]},
            "no image hash twice in one split",
        ),
        Check(
            "no_duplicate_images_across_splits",
            "records",
            "ExpectColumnValuesToBeInSet",
            _in_set("hash_in_other_split", [False]),
            "no image hash in two splits",
        ),
        Check(
            "held_out_writers_only_in_test",
            "records",
            "ExpectColumnValuesToBeInSet",
            _in_set("held_out_writer_outside_test", [False]),
            "writers held out for testing appear in no other split",
        ),
    ]
    if c.kind == "paragraphs":
        checks.append(
            Check(
                "text_lines_match_rows",
                "records",
                "ExpectColumnValuesToBeBetween",
                {"column": "rows_beyond_tolerance", "max_value": 0},
                f"label lines within max(1, {c.rows_tolerance:.0%}) of the text rows seen "
                "in the image's horizontal projection profile",
            )
        )
    if with_split_shares:
        checks.append(
            Check(
                "split_proportions_as_configured",
                "splits",
                "ExpectColumnValuesToBeBetween",
                {"column": "share_beyond_tolerance", "max_value": 0},
                f"split shares within max({c.split_tolerance}, 3 standard errors) of the "
                "configured ones",
            )
        )
    checks += [
        Check(
            "label_length_distribution_matches",
            "split_pairs",
            "ExpectColumnPairValuesAToBeGreaterThanB",
            _at_most("label_length_ks_limit", "label_length_ks"),
            f"label-length KS distance train~other <= max({c.label_length_ks_floor}, "
            "critical value at alpha=0.001)",
        ),
        Check(
            "character_frequencies_match",
            "split_pairs",
            "ExpectColumnPairValuesAToBeGreaterThanB",
            _at_most("char_tvd_limit", "char_tvd"),
            f"character-frequency TVD train~other <= max({c.char_tvd_floor}, "
            f"{TVD_NOISE_FACTOR:g} x its sampling-noise expectation)",
        ),
    ]
    for name, column in IMAGE_DISTRIBUTIONS.items():
        checks.append(
            Check(
                name,
                "split_pairs",
                "ExpectColumnPairValuesAToBeGreaterThanB",
                _at_most(f"{name}_ks_limit", f"{name}_ks"),
                f"{column} KS distance train~other <= max({c.image_ks_floor}, critical value "
                "at alpha=0.001)",
            )
        )
    return Suite(config=config, checks=tuple(checks))


#: The column whose values identify offending rows, per table.
TABLE_KEYS = {"records": "id", "splits": "split", "split_pairs": "pair"}
