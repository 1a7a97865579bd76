"""How to read an image: as ``lines``, as ``paragraphs``, or ``auto`` (decide by its shape).

The documented spelling is the plural, the name of the model kind everywhere else (data sets,
staged folders, manifests); the singular ``line``/``paragraph`` is accepted as well, in any
case, by the CLI, the Python API and the HTTP API alike, so no user is refused for a letter.
"""

from __future__ import annotations

from text_recognizer.errors import ModelInputError

KINDS = ("lines", "paragraphs")
MODES = ("auto",) + KINDS
#: Other accepted spellings -> the documented one.
ALIASES = {"line": "lines", "paragraph": "paragraphs"}


def normalize_mode(mode: object, allowed: tuple[str, ...] = MODES) -> str:
    """The documented spelling of ``mode``; a ModelInputError naming the choices otherwise.

    >>> normalize_mode("Line"), normalize_mode("paragraphs"), normalize_mode(" auto ")
    ('lines', 'paragraphs', 'auto')
    >>> normalize_mode("auto", allowed=KINDS)
    Traceback (most recent call last):
    ...
    text_recognizer.errors.ModelInputError: unknown mode 'auto'; expected one of lines, paragraphs
    """
    text = mode.strip().lower() if isinstance(mode, str) else ""
    normalized = ALIASES.get(text, text)
    if normalized not in allowed:
        raise ModelInputError(f"unknown mode {mode!r}; expected one of {', '.join(allowed)}")
    return normalized
