"""The records table's derived quantities (the text-rows check's tolerance) and the split-pair
limits (each floor of the suite config governs its own distances).

A paragraph's ink rows may miss its label's line count by a little (a descender row, two short
lines merged by the profile): the check allows ``rows_tolerance`` of the label's lines, but at
least one row, so a 2-line paragraph is not refused for an off-by-one count that a 20-line one
would be allowed.
"""

from __future__ import annotations

import dataclasses

import pytest

pytest.importorskip("pandas")

from text_recognizer.validation.image_stats import ImageStats  # noqa: E402
from text_recognizer.validation.suites import SuiteConfig, suite_config  # noqa: E402
from text_recognizer.validation.tables import (  # noqa: E402
    IMAGE_DISTRIBUTIONS,
    records_table,
    split_pairs_table,
)


def rows_beyond(label_lines: int, text_rows: int) -> int:
    config = suite_config("paragraphs", "paragraphs")
    text = "\n".join(["a few words"] * label_lines)
    raw = {"id": "p-1", "split": "train", "writer": "w", "text": text, "width": 400, "height": 300}
    stats = ImageStats(True, "0" * 64, True, None, 400, 300, "L", 8, 0.9, 0.2, 0.05, 0.0, text_rows)
    return int(records_table(config, [raw], [stats], frozenset())["rows_beyond_tolerance"][0])


@pytest.mark.parametrize("label_lines", [1, 2, 3])
def test_a_short_paragraph_may_miss_its_line_count_by_one_row(label_lines):
    assert rows_beyond(label_lines, label_lines + 1) <= 0
    assert rows_beyond(label_lines, label_lines - 1) <= 0


@pytest.mark.parametrize("label_lines", [1, 2, 3])
def test_a_short_paragraph_two_rows_off_is_beyond_the_tolerance(label_lines):
    assert rows_beyond(label_lines, label_lines + 2) > 0


def test_a_long_paragraph_gets_its_share_of_rows_as_tolerance():
    tolerance = suite_config("paragraphs", "paragraphs").rows_tolerance
    allowed = round(tolerance * 20)
    assert rows_beyond(20, 20 + allowed) <= 0 < rows_beyond(20, 20 + allowed + 1)


# -- the split-pair limits: each floor governs its own columns and no others --

FLOOR_COLUMNS = {
    "label_length_ks_floor": ["label_length_ks_limit"],
    "char_tvd_floor": ["char_tvd_limit"],
    "image_ks_floor": [f"{name}_ks_limit" for name in IMAGE_DISTRIBUTIONS],
}


@pytest.fixture(scope="module")
def split_records():
    """200 training and 100 validation rows: many enough that each limit is its floor when the
    floor is high."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    splits = ["train"] * 200 + ["val"] * 100
    texts = ["".join(rng.choice(list("abcdef"), size=int(n))) for n in rng.integers(3, 30, 300)]
    return pd.DataFrame(
        {
            "split": splits,
            "text": texts,
            "text_length": [len(text) for text in texts],
            "mean_intensity": rng.uniform(150, 250, 300),
            "ink_fraction": rng.uniform(0.01, 0.2, 300),
            "chars_per_pixel": rng.uniform(0.01, 0.05, 300),
        }
    )


def test_every_floor_of_the_suite_config_is_listed_here():
    floors = {
        field.name for field in dataclasses.fields(SuiteConfig) if field.name.endswith("_floor")
    }
    assert floors == set(FLOOR_COLUMNS)


@pytest.mark.parametrize("floor", sorted(FLOOR_COLUMNS))
def test_a_floor_sets_the_limits_of_its_own_distances_only(floor, split_records):
    config = dataclasses.replace(suite_config("lines", "lines"), **{floor: 0.9})
    row = split_pairs_table(config, split_records).iloc[0]
    limits = [column for columns in FLOOR_COLUMNS.values() for column in columns]
    at_floor = sorted(column for column in limits if row[column] == 0.9)
    assert at_floor == sorted(FLOOR_COLUMNS[floor])
