"""``text-recognizer data validate DIR``: check a data set against its expectation suite.

Exit codes: 0 every expectation holds, 1 at least one fails (each printed with its count and a
few offending ids), 2 usage errors (no such folder, no manifest, unknown suite).
"""

from __future__ import annotations

import argparse

from text_recognizer.cli.common import add_mode_option
from text_recognizer.modes import MODES


def register(actions: argparse._SubParsersAction) -> None:
    parser = actions.add_parser(
        "validate",
        help="check a data set folder against its expectation suite",
        description=(
            "Run the declared expectations (schema, files, hashes, labels, OCR consistency, "
            "split leakage and distributions) over a data set folder. Never modifies it."
        ),
    )
    parser.add_argument("dir", help="data set folder (manifest.csv + manifest.json + images)")
    add_mode_option(
        parser,
        "--suite",
        MODES + ("iam",),
        help="which suite to run (default: from the manifest's kind and source)",
    )
    parser.add_argument("--report", help="also write an HTML report to this file")
    parser.add_argument(
        "--workers", type=int, default=2, help="processes measuring images (default 2)"
    )
    parser.set_defaults(func=run_validate)


def run_validate(args: argparse.Namespace) -> int:
    from text_recognizer.validation.validate import validate_dataset

    report = validate_dataset(args.dir, suite=args.suite, report=args.report, workers=args.workers)
    for line in report.summary_lines():
        print(line)
    verdict = "ok" if report.ok else f"{len(report.failures)} expectation(s) failed"
    print(
        f"{report.root}: {report.num_records} records, suite {report.suite}, "
        f"{len(report.outcomes)} expectations: {verdict} ({report.seconds:.1f} s)"
    )
    if args.report:
        print(f"report written to {args.report}")
    return 0 if report.ok else 1
