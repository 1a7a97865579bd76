"""How validation reads what it is given and what great-expectations returns: tables with no
rows are skipped by name rather than passed, an exception inside a metric is an error rather
than a pass, and a manifest that is not CSV is named."""

from __future__ import annotations

import json

import pandas as pd
import pytest

pytest.importorskip("great_expectations")

from text_recognizer.data.manifest import MANIFEST_CSV, MANIFEST_JSON  # noqa: E402
from text_recognizer.errors import ManifestError  # noqa: E402
from text_recognizer.validation.expectations import build_suite  # noqa: E402
from text_recognizer.validation.suites import suite_config  # noqa: E402
from text_recognizer.validation.tables import TABLE_KEYS  # noqa: E402
from text_recognizer.validation.validate import (  # noqa: E402
    _error_of,
    read_raw_manifest,
    run_checks,
)


@pytest.fixture(scope="module")
def line_suite():
    return build_suite(suite_config("lines", "lines"))


@pytest.mark.parametrize("empty", [None, pd.DataFrame()])
def test_checks_of_a_table_with_no_rows_are_skipped_by_name_not_passed(line_suite, empty):
    outcomes, skipped = run_checks(line_suite, dict.fromkeys(TABLE_KEYS, empty))
    wanted = [c.name for table in TABLE_KEYS for c in line_suite.checks if c.table == table]
    assert outcomes == []
    assert skipped == list(dict.fromkeys(wanted))


@pytest.mark.parametrize(
    ("info", "error"),
    [
        (None, None),
        ({"raised_exception": False, "exception_message": None}, None),
        ({"raised_exception": True, "exception_message": "division by zero"}, "division by zero"),
        ({"raised_exception": True, "exception_message": ""}, "exception while computing a metric"),
        (
            {"m1": {"raised_exception": False}, "m2": {"raised_exception": True}},
            "exception while computing a metric",
        ),
        ({"m1": {"raised_exception": True, "exception_message": "bad column"}}, "bad column"),
    ],
)
def test_an_exception_inside_a_metric_is_reported_with_its_message(info, error):
    assert _error_of(info) == error


def test_a_manifest_csv_that_is_not_utf8_is_named(tmp_path):
    (tmp_path / MANIFEST_JSON).write_text(json.dumps({"kind": "lines"}), encoding="utf-8")
    (tmp_path / MANIFEST_CSV).write_bytes(b"id,path\n\xff\xfe,broken.png\n")
    with pytest.raises(ManifestError, match=f"{MANIFEST_CSV} is not a readable UTF-8 CSV file"):
        read_raw_manifest(tmp_path)
