"""The ``text-recognizer`` console script: parse arguments, then call the package.

Each subcommand lives in its own module with a ``register(subparsers)`` function; handlers
import their heavy dependencies lazily so ``text-recognizer --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from text_recognizer import __version__
from text_recognizer.cli.common import SubcommandImportError, import_subcommand
from text_recognizer.errors import TextRecognizerError

#: Modules under ``text_recognizer.cli`` that contribute subcommands, in help order.
COMMAND_MODULES: tuple[str, ...] = (
    "demo",
    "data",
    "train",
    "evaluate",
    "predict",
    "stage",
    "bench",
    "serve",
    "regress",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="text-recognizer",
        description="Handwritten-text recognition: data, training, inference.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        import_subcommand(f"text_recognizer.cli.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code (0 success, 1 check failed, 2 usage/input)."""
    try:
        parser = build_parser()
    except SubcommandImportError as error:
        print(f"text-recognizer: error: {error}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except TextRecognizerError as error:
        print(f"text-recognizer {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
