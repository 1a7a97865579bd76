"""``text-recognizer data …``: generate, validate, inspect and fetch data sets.

Each action's arguments and handler live in the module that owns the work; this module only
groups them under ``data``.
"""

from __future__ import annotations

import argparse

from text_recognizer.cli.common import import_subcommand

#: Modules whose ``register(data_subparsers)`` adds ``data`` actions, in help order.
DATA_ACTION_MODULES: tuple[str, ...] = (
    "text_recognizer.cli.data_synthetic",  # generate, stats, contact-sheet
    "text_recognizer.cli.data_fonts",  # fonts
    "text_recognizer.cli.data_validate",  # validate
    "text_recognizer.cli.data_real",  # download, prepare (IAM, EMNIST)
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("data", help="generate, validate and inspect data sets")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    for name in DATA_ACTION_MODULES:
        import_subcommand(name).register(actions)
    parser.set_defaults(func=lambda args: parser.print_help() or 2)
