"""Strict checking of plain YAML data against a schema: unknown keys and wrong types are named.

A schema maps each allowed key to a type hint. Hints come from the code that consumes the data
(the keyword parameters of a constructor, or a config dataclass's fields), so a config accepts
exactly what the code takes: a new argument needs no second edit here, and a removed one is
refused instead of silently ignored. Errors name the key path, e.g.
``lit.learnign_rate: unknown key; expected one of ...``.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import difflib
import inspect
import types
import typing
from typing import Any, Callable, Iterable, Mapping

from text_recognizer.errors import TextRecognizerError

Schema = Mapping[str, Any]


class SchemaError(TextRecognizerError, ValueError):
    """A config key is unknown, missing or has a value of the wrong type; the message names it."""


def signature_schema(*functions: Callable[..., Any]) -> dict[str, Any]:
    """Keyword parameters of ``functions`` (``self`` and ``*args``/``**kwargs`` excluded) and
    their type hints (``Any`` where a hint is missing or cannot be resolved).

    >>> def f(a: int, *args, b: "str | None" = None, **kwargs): ...
    >>> signature_schema(f)
    {'a': <class 'int'>, 'b': str | None}
    """
    schema: dict[str, Any] = {}
    for function in functions:
        try:
            hints = typing.get_type_hints(function)
        except Exception:  # noqa: BLE001 - an unresolvable hint checks nothing, not everything
            hints = {}
        for name, parameter in inspect.signature(function).parameters.items():
            if name == "self" or parameter.kind in (
                parameter.VAR_POSITIONAL,
                parameter.VAR_KEYWORD,
            ):
                continue
            schema.setdefault(name, hints.get(name, Any))
    return schema


def dataclass_schema(cls: type) -> dict[str, Any]:
    """Fields of the dataclass ``cls`` and their type hints."""
    hints = typing.get_type_hints(cls)
    return {field.name: hints.get(field.name, Any) for field in dataclasses.fields(cls)}


def check_mapping(
    value: Any,
    schema: Schema,
    path: str,
    required: Iterable[str] = (),
    reserved: Mapping[str, str] | None = None,
) -> None:
    """Check that ``value`` is a mapping whose keys are in ``schema`` and whose values have the
    hinted types; ``reserved`` keys are refused with their reason."""
    if not isinstance(value, Mapping):
        raise SchemaError(f"{path}: expected a mapping of keys, got {_shown(value)}")
    for key in required:
        if key not in value:
            raise SchemaError(f"{_join(path, key)}: missing")
    for key, item in value.items():
        where = _join(path, str(key))
        if reserved and key in reserved:
            raise SchemaError(f"{where}: not allowed here; {reserved[key]}")
        if key not in schema:
            raise SchemaError(f"{where}: unknown key; {_suggest(str(key), schema)}")
        check_type(item, schema[key], where)


def check_type(value: Any, hint: Any, path: str) -> None:
    """Raise :class:`SchemaError` naming ``path`` unless ``value`` fits ``hint``."""
    if not _fits(value, hint, path):
        raise SchemaError(f"{path}: expected {describe(hint)}, got {_shown(value)}")


def describe(hint: Any) -> str:
    """A type hint in words.

    >>> describe(typing.Optional[int]), describe(list[float]), describe(typing.Literal["a", 1])
    ('int or None', 'list of float', "one of 'a', 1")
    """
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is type(None):
        return "None"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(describe(arg) for arg in args)
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(arg) for arg in args)
    if origin is tuple and args and args[-1] is not Ellipsis:
        return f"a list of {len(args)} ({', '.join(describe(arg) for arg in args)})"
    if origin in _SEQUENCES:
        return f"list of {describe(args[0])}" if args else "list"
    if origin in _MAPPINGS:
        return "mapping"
    if isinstance(hint, type):
        return "mapping" if dataclasses.is_dataclass(hint) else hint.__name__
    return str(hint)


_SEQUENCES = (
    list,
    tuple,
    collections.abc.Sequence,
    collections.abc.Iterable,
    collections.abc.Collection,
)
_MAPPINGS = (dict, collections.abc.Mapping)


def _fits(value: Any, hint: Any, path: str) -> bool:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any or hint is inspect.Parameter.empty:
        return True
    if hint is type(None) or hint is None:
        return value is None
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, arg, path) for arg in args)
    if origin is typing.Literal:
        return any(value == arg and type(value) is type(arg) for arg in args)
    if origin in _SEQUENCES:
        return isinstance(value, (list, tuple)) and _items_fit(value, origin, args, path)
    if origin in _MAPPINGS:
        if not isinstance(value, Mapping):
            return False
        if len(args) == 2:
            for key, item in value.items():
                check_type(item, args[1], _join(path, str(key)))
        return True
    if origin is collections.abc.Callable or hint is collections.abc.Callable:
        return callable(value)
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if isinstance(value, hint):
            return True
        check_mapping(value, dataclass_schema(hint), path)
        return True
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True  # a construct this checker does not know (TypeVar, ...): the consumer checks


def _items_fit(value: list | tuple, origin: Any, args: tuple, path: str) -> bool:
    if not args:
        return True
    if origin is not tuple or args[-1] is Ellipsis:
        hints = [args[0]] * len(value)
    elif len(args) != len(value):
        return False
    else:
        hints = list(args)
    for index, (item, hint) in enumerate(zip(value, hints)):
        check_type(item, hint, f"{path}[{index}]")
    return True


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _shown(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 40 else text[:37] + '...'}"


def _suggest(key: str, schema: Schema) -> str:
    close = difflib.get_close_matches(key, list(schema), n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]}?"
    return "expected one of " + ", ".join(sorted(schema))
