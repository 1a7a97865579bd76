"""The declared data suites: what every data set must satisfy, by name, with stated thresholds.

A suite is a list of :class:`~text_recognizer.validation.suites.Check` s over the three tables
of :mod:`text_recognizer.validation.tables`. Each check names one great-expectations
expectation (built lazily: GX is imported only when a suite runs), and its stable ``name`` is
what a failure is reported by; the thresholds are the suite's
:class:`~text_recognizer.validation.suites.SuiteConfig`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from text_recognizer.data.manifest import SPLITS
from text_recognizer.data.preprocess import LINE_HEIGHT
from text_recognizer.validation.split_distances import TVD_NOISE_FACTOR
from text_recognizer.validation.suites import Check, SuiteConfig
from text_recognizer.validation.tables import IMAGE_DISTRIBUTIONS


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
