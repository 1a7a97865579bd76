"""``text-recognizer train --config training/configs/lines_base.yaml [...]``: train a model."""

from __future__ import annotations

import argparse


def handle(args: argparse.Namespace) -> int:
    from training.run_experiment import run_from_args

    return run_from_args(args)


def register(subparsers: argparse._SubParsersAction) -> None:
    from training.run_experiment import add_arguments

    parser = subparsers.add_parser(
        "train",
        help="train a line or paragraph model from a YAML config",
        description="Train a recognizer; see training/configs/ for configs. Outputs go to --out.",
    )
    add_arguments(parser)
    parser.set_defaults(func=handle)
