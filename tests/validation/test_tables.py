"""The records table's derived quantities: the text-rows check's tolerance.

A paragraph's ink rows may miss its label's line count by a little (a descender row, two short
lines merged by the profile): the check allows ``rows_tolerance`` of the label's lines, but at
least one row, so a 2-line paragraph is not refused for an off-by-one count that a 20-line one
would be allowed.
"""

from __future__ import annotations

import pytest

pytest.importorskip("pandas")

from text_recognizer.validation.image_stats import ImageStats  # noqa: E402
from text_recognizer.validation.suites import suite_config  # noqa: E402
from text_recognizer.validation.tables import records_table  # noqa: E402


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
