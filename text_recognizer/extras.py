"""Optional extras: which ``pip install 'text-recognizer[EXTRA]'`` brings which module, and one
helper that imports such a module or says which extra to install.

The core install trains, stages and predicts; an extra is needed only by the feature that
imports it, so each import of an optional module goes through :func:`require` and a user who
lacks it reads the install command instead of a ``ModuleNotFoundError`` traceback.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from text_recognizer.errors import TextRecognizerError

#: extra -> (purpose, top-level modules it provides). pyproject.toml's extras must match
#: (a test checks both directions).
EXTRAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "synth": ("synthetic handwriting (fonts and word lists)", ("wordfreq", "fontpkg")),
    "validation": ("data validation", ("great_expectations", "pandas")),
    "serve": ("the HTTP service", ("fastapi", "uvicorn", "python_multipart")),
    "export": ("ONNX export and inference", ("onnx", "onnxscript", "onnxruntime")),
}


class MissingExtraError(TextRecognizerError, ImportError):
    """An optional dependency is not installed; the message names the extra that installs it."""


def extra_for(module: str) -> str | None:
    """The extra that provides ``module`` (or a submodule of it), or None.

    >>> extra_for("great_expectations.expectations"), extra_for("numpy")
    ('validation', None)
    """
    root = module.split(".")[0]
    for extra, (_, modules) in EXTRAS.items():
        if root in modules:
            return extra
    return None


def install_hint(module: str) -> str:
    """What to run to get ``module``.

    >>> install_hint("fastapi")
    "pip install 'text-recognizer[serve]'"
    """
    extra = extra_for(module)
    return f"pip install 'text-recognizer[{extra}]'" if extra else f"pip install {module}"


def require(module: str, feature: str = "") -> ModuleType:
    """Import ``module``; if it is missing, raise :class:`MissingExtraError` naming the extra.

    >>> require("json").__name__
    'json'
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        missing = error.name or module
        if missing.split(".")[0] != module.split(".")[0]:
            raise  # the module is there but itself lacks something: not a missing extra
        extra = extra_for(module)
        purpose = feature or (EXTRAS[extra][0] if extra else module)
        raise MissingExtraError(
            f"{purpose} needs {module}, which is not installed: {install_hint(module)}"
        ) from None
