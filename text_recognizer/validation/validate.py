"""Run a data suite over a data set folder and report each failed expectation by name.

The folder is only read: the manifest is parsed leniently (malformed fields become expectation
failures, not crashes), every image is hashed and measured once, the derived tables are checked
by great-expectations in an ephemeral context (nothing is written to disk), and the result is a
:class:`~text_recognizer.validation.report.ValidationReport` (which can also be written as
an HTML page).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Sequence

from text_recognizer.data.manifest import MANIFEST_CSV, read_manifest_files
from text_recognizer.errors import ManifestError
from text_recognizer.extras import require
from text_recognizer.validation.expectations import Suite, build_suite
from text_recognizer.validation.image_stats import DEFAULT_WORKERS, compute_all_stats
from text_recognizer.validation.report import Outcome, ValidationReport, write_html_report
from text_recognizer.validation.suites import Check, suite_config
from text_recognizer.validation.tables import (
    TABLE_KEYS,
    records_table,
    split_pairs_table,
    splits_table,
)

#: Offending ids (and values) kept per failed expectation.
SAMPLE_SIZE = 5


# -- reading ----------------------------------------------------------------------------------


def read_raw_manifest(root: Path) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """manifest.json and manifest.csv's rows as strings, so bad fields reach the suite."""
    metadata, _, rows = read_manifest_files(root)
    if not rows:
        raise ManifestError(f"{root / MANIFEST_CSV} has no rows")
    return metadata, rows


def image_file(base: str, relative: str | None) -> str:
    """Where a manifest path points under the absolute folder ``base``; a path that leaves the
    folder (absolute, or through ``..``) points nowhere, so it is never read.

    >>> image_file("/data", "images/a.png"), image_file("/data", "../etc/passwd")
    ('/data/images/a.png', '/data/\\x00outside')
    """
    target = os.path.normpath(os.path.join(base, relative or "\0missing"))
    return target if target.startswith(base + os.sep) else os.path.join(base, "\0outside")


def held_out_writers(metadata: dict[str, Any], rows: Sequence[dict], disjoint: bool) -> frozenset:
    """Writers that must stay in the test split: the generator's list, else (for writer-
    independent splits such as IAM's) every writer of the test split."""
    if "held_out_writers" in metadata:
        return frozenset(metadata["held_out_writers"] or ())
    if disjoint:
        return frozenset(row.get("writer") for row in rows if row.get("split") == "test")
    return frozenset()


# -- running GX -------------------------------------------------------------------------------


def _quiet_great_expectations() -> None:
    """No analytics, no progress bars: set before GX is imported."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("TQDM_DISABLE", "1")


def _context() -> Any:
    _quiet_great_expectations()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def _key_of(index_row: dict, key: str) -> str:
    return str(index_row.get(key, "?"))


def _error_of(exception_info: Any) -> str | None:
    """The first exception message in GX's (flat or per-metric nested) exception info."""
    if not isinstance(exception_info, dict):
        return None
    infos = [exception_info] if "raised_exception" in exception_info else exception_info.values()
    for info in infos:
        if isinstance(info, dict) and info.get("raised_exception"):
            return str(info.get("exception_message") or "exception while computing a metric")
    return None


def _outcome_parts(check: Check, result: Any, key: str) -> dict[str, Any]:
    details = result.result or {}
    error = _error_of(result.exception_info)
    count = details.get("unexpected_count")
    if count is None:
        count = 0 if result.success else 1
    ids = [_key_of(row, key) for row in details.get("partial_unexpected_index_list") or []]
    values = [repr(value) for value in details.get("partial_unexpected_list") or []]
    return {
        "success": bool(result.success) and error is None,
        "count": int(count),
        "elements": int(details.get("element_count") or 0),
        "ids": ids,
        "values": values,
        "error": error,
    }


def run_checks(suite: Suite, tables: dict[str, Any]) -> tuple[list[Outcome], list[str]]:
    """Validate each table against its checks; merge results of checks sharing a name."""
    _quiet_great_expectations()
    import great_expectations as gx

    context = _context()
    source = context.data_sources.add_pandas("dataset")
    parts: dict[str, list[tuple[Check, dict[str, Any]]]] = {}
    skipped: list[str] = []
    for table_name, key in TABLE_KEYS.items():
        checks = [check for check in suite.checks if check.table == table_name]
        table = tables.get(table_name)
        if not checks:
            continue
        if table is None or len(table) == 0:
            skipped += [check.name for check in checks]
            continue
        import great_expectations.expectations as gxe

        gx_suite = gx.ExpectationSuite(
            name=f"{suite.config.name}-{table_name}",
            expectations=[check.build(gxe, number) for number, check in enumerate(checks)],
        )
        asset = source.add_dataframe_asset(table_name)
        batch = asset.add_batch_definition_whole_dataframe("all").get_batch(
            batch_parameters={"dataframe": table}
        )
        result_format = {
            "result_format": "SUMMARY",
            "partial_unexpected_count": SAMPLE_SIZE,
            "unexpected_index_column_names": [key],
        }
        results = batch.validate(gx_suite, result_format=result_format).results
        if len(results) != len(checks):
            raise RuntimeError(f"GX returned {len(results)} results for {len(checks)} checks")
        for result in sorted(results, key=lambda r: r.expectation_config.meta["check"]):
            check = checks[result.expectation_config.meta["check"]]
            parts.setdefault(check.name, []).append((check, _outcome_parts(check, result, key)))
    outcomes = []
    for name, items in parts.items():
        ids = list(dict.fromkeys(i for _, part in items for i in part["ids"]))[:SAMPLE_SIZE]
        values = [v for _, part in items for v in part["values"]][:SAMPLE_SIZE]
        errors = [part["error"] for _, part in items if part["error"]]
        outcomes.append(
            Outcome(
                name=name,
                table=items[0][0].table,
                success=all(part["success"] for _, part in items),
                unexpected_count=sum(part["count"] for _, part in items),
                element_count=max(part["elements"] for _, part in items),
                sample_ids=tuple(ids),
                sample_values=tuple(values),
                description="; ".join(dict.fromkeys(check.description for check, _ in items)),
                error=errors[0] if errors else None,
            )
        )
    return outcomes, list(dict.fromkeys(skipped))


# -- the entry point --------------------------------------------------------------------------


def validate_dataset(
    root: str | os.PathLike,
    suite: str = "auto",
    report: str | os.PathLike | None = None,
    workers: int = DEFAULT_WORKERS,
) -> ValidationReport:
    """Check the data set folder ``root`` against a suite ("auto" picks it from the manifest).

    Raises :class:`~text_recognizer.errors.ManifestError` when there is no readable manifest,
    and :class:`~text_recognizer.validation.suites.SuiteError` for an unknown suite.
    """
    for module in ("great_expectations", "pandas"):
        require(module, "data validation")
    start = time.perf_counter()
    root = Path(root)
    if report is not None and Path(report).resolve().is_relative_to(root.resolve()):
        raise ManifestError(f"the report {report} would be written inside the data set {root}")
    metadata, rows = read_raw_manifest(root)
    kind = str(metadata.get("kind", "lines"))
    sources = frozenset(row.get("source") or "" for row in rows)
    config = suite_config(suite, kind, sources)
    base = str(root.resolve())
    paths = [image_file(base, row.get("path")) for row in rows]
    stats = compute_all_stats(paths, rows=config.kind == "paragraphs", workers=workers)
    held_out = held_out_writers(metadata, rows, config.writers_disjoint_by_split)
    records = records_table(config, rows, stats, held_out)
    fractions = metadata.get("split_fractions")
    tables = {
        "records": records,
        "splits": splits_table(config, records, fractions) if fractions else None,
        "split_pairs": split_pairs_table(config, records),
    }
    checks = build_suite(config, with_split_shares=bool(fractions))
    outcomes, skipped = run_checks(checks, tables)
    result = ValidationReport(
        root=root,
        suite=config.name,
        kind=config.kind,
        num_records=len(rows),
        outcomes=tuple(outcomes),
        seconds=time.perf_counter() - start,
        skipped=tuple(skipped),
    )
    if report is not None:
        write_html_report(result, report)
    return result
