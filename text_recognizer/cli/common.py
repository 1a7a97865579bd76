"""What subcommands share: argument types, and loading the module of a subcommand.

A subcommand module that fails to import is an error naming the module and, when an optional
dependency is what is missing, the extra to install; never a subcommand silently left out.
"""

from __future__ import annotations

import argparse
import importlib
from types import ModuleType
from typing import Callable

from text_recognizer.errors import ModelInputError, TextRecognizerError
from text_recognizer.extras import install_hint
from text_recognizer.modes import MODES, normalize_mode


class SubcommandImportError(TextRecognizerError, ImportError):
    """A subcommand's module cannot be imported; the message says which and how to fix it."""


def import_subcommand(name: str) -> ModuleType:
    """Import the subcommand module ``name`` (a dotted path), or raise SubcommandImportError.

    >>> import_subcommand("text_recognizer.cli.train").__name__
    'text_recognizer.cli.train'
    """
    try:
        return importlib.import_module(name)
    except ImportError as error:
        missing = getattr(error, "name", None)
        hint = f"; {install_hint(missing)}" if missing and missing != name else ""
        raise SubcommandImportError(
            f"cannot load subcommand module {name}: {error}{hint}"
        ) from error


def int_at_least(minimum: int) -> Callable[[str], int]:
    """An ``argparse`` type: an integer >= ``minimum``, else a usage error naming the value.

    >>> int_at_least(1)("3")
    3
    """

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {value}")
        return value

    return parse


positive_int = int_at_least(1)
non_negative_int = int_at_least(0)


def add_mode_option(
    parser: argparse.ArgumentParser,
    flag: str,
    allowed: tuple[str, ...] = MODES,
    default: str | None = "auto",
    help: str = "",
) -> None:
    """``flag`` taking one of ``allowed`` in the documented spelling (``lines``/``paragraphs``);
    the singular is accepted too and stored as the documented spelling."""

    def parse(text: str) -> str:
        try:
            return normalize_mode(text, allowed)
        except ModelInputError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    parser.add_argument(
        flag, type=parse, default=default, metavar="{" + ",".join(allowed) + "}", help=help
    )
