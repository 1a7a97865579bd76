"""``data fonts``: the writer library — what is installed, vetted, held out; install; look at it."""

from __future__ import annotations

import argparse
from collections import Counter


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "fonts",
        help="list the handwriting writers (vetting, roles), install npm fonts, draw a sheet",
        description="One row per catalogue writer: its style, role (train/val/test by the "
        "writer rule) and status (used, restricted, rejected, excluded by eye, not installed).",
    )
    parser.add_argument(
        "--install",
        action="store_true",
        help="first unpack the missing npm @fontsource fonts into the font cache (needs npm)",
    )
    parser.add_argument("--sheet", metavar="PNG", help="also draw every usable writer into PNG")
    parser.add_argument(
        "--quiet", action="store_true", help="print the summary only, not a row per writer"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from text_recognizer.data.fonts import WRITER_RULE, discover_fonts, library_report

    if args.install:
        from text_recognizer.data.font_install import install_npm_fonts

        print(install_npm_fonts().summary())
    rows = library_report()
    if not args.quiet:
        width = max(len(row.name) for row in rows)
        for row in rows:
            print(
                f"{row.name:<{width}}  {row.style:<7}  {row.role or '-':<5}  {row.status:<13}  "
                f"{row.detail}"
            )
    usable = [row for row in rows if row.status in ("used", "restricted")]
    roles = Counter(row.role for row in usable)
    statuses = Counter(row.status for row in rows)
    print(
        f"{len(usable)} usable writers: {roles['train']} train, {roles['val']} validation-only, "
        f"{roles['test']} test-only; "
        + ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
    )
    print(f"rule: {WRITER_RULE}")
    if args.sheet:
        from text_recognizer.data.font_sheet import writer_sheet
        from text_recognizer.io import atomic_open

        with atomic_open(args.sheet, "wb") as handle:
            writer_sheet(discover_fonts()).save(handle, format="PNG", optimize=True)
        print(f"wrote {args.sheet}")
    return 0
