"""``text-recognizer train --config lines_base [...]``: train a model from a YAML config."""

from __future__ import annotations

import argparse


def handle(args: argparse.Namespace) -> int:
    from text_recognizer.training.experiment import run_from_args

    return run_from_args(args)


def register(subparsers: argparse._SubParsersAction) -> None:
    from text_recognizer.training.experiment import add_arguments

    parser = subparsers.add_parser(
        "train",
        help="train a line or paragraph model from a YAML config",
        description=(
            "Train a recognizer from a YAML config: a path or a shipped name (lines_tiny, ...). "
            "Outputs go to --out."
        ),
    )
    add_arguments(parser)
    parser.set_defaults(func=handle)
