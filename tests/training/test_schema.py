"""The config schema checker, hint by hint: each kind of type hint accepts what fits it and
refuses what does not, naming the key path (the shipped configs use only some of these hints,
so a checker bug on the others would pass every config test)."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any, Callable, Mapping, TypeVar

import pytest

from text_recognizer.training.schema import (
    SchemaError,
    check_mapping,
    check_type,
    describe,
    signature_schema,
)


@dataclasses.dataclass
class Box:
    width: int
    label: str = ""


def test_a_hint_that_cannot_be_resolved_checks_nothing_rather_than_everything():
    def make(size: "NoSuchType", name: str = "x"):  # noqa: F821 - unresolvable on purpose
        ...

    assert signature_schema(make) == {"size": Any, "name": Any}


def test_a_section_that_is_not_a_mapping_is_named():
    with pytest.raises(SchemaError, match=r"^trainer: expected a mapping of keys, got list \[1\]"):
        check_mapping([1], {"max_steps": int}, "trainer")


@pytest.mark.parametrize("hint", [Any, inspect.Parameter.empty])
def test_an_unhinted_key_takes_any_value(hint):
    check_type(object(), hint, "free")


def test_a_typed_mapping_checks_each_value_under_its_key():
    check_type({"a": 1.5, "b": 2}, dict[str, float], "weights")
    with pytest.raises(SchemaError, match=r"^weights\.b: expected float, got str 'x'"):
        check_type({"a": 1.5, "b": "x"}, dict[str, float], "weights")


@pytest.mark.parametrize(
    ("hint", "words"), [(dict, "dict"), (Mapping, "mapping"), (dict[str, Any], "mapping")]
)
def test_a_mapping_hint_refuses_a_list(hint, words):
    check_type({"anything": [1]}, hint, "extra")
    with pytest.raises(SchemaError, match=rf"^extra: expected {words}, got list"):
        check_type([1], hint, "extra")


@pytest.mark.parametrize("hint", [Callable, Callable[[int], int]])
def test_a_callable_hint_takes_functions_and_refuses_data(hint):
    check_type(len, hint, "hook")
    with pytest.raises(SchemaError, match=r"^hook: expected"):
        check_type("len", hint, "hook")


def test_a_dataclass_hint_takes_an_instance_as_it_is():
    check_type(Box(3), Box, "box")


def test_a_dataclass_hint_checks_a_mapping_against_its_fields():
    check_type({"width": 3}, Box, "box")
    with pytest.raises(SchemaError, match=r"^box\.width: expected int, got str"):
        check_type({"width": "3"}, Box, "box")
    with pytest.raises(SchemaError, match=r"^box\.widths: unknown key; did you mean width\?"):
        check_type({"widths": 3}, Box, "box")


def test_a_class_hint_takes_only_its_instances():
    check_type(b"raw", bytes, "payload")
    with pytest.raises(SchemaError, match=r"^payload: expected bytes, got str"):
        check_type("raw", bytes, "payload")


def test_a_construct_the_checker_does_not_know_is_left_to_its_consumer():
    check_type(object(), TypeVar("T"), "generic")


def test_a_bare_list_hint_takes_items_of_any_type():
    check_type([1, "a", None], list, "items")


def test_a_fixed_length_tuple_checks_each_position():
    check_type([1, "a"], tuple[int, str], "pair")
    with pytest.raises(SchemaError, match=r"^pair\[1\]: expected str, got int 2"):
        check_type([1, 2], tuple[int, str], "pair")


@pytest.mark.parametrize("value", [[1], [1, "a", "b"]])
def test_a_fixed_length_tuple_refuses_another_length(value):
    with pytest.raises(SchemaError, match=r"^pair: expected a list of 2 \(int, str\)"):
        check_type(value, tuple[int, str], "pair")


@pytest.mark.parametrize(
    ("hint", "words"),
    [
        (dict[str, int], "mapping"),
        (Mapping[str, Any], "mapping"),
        (Box, "mapping"),
        (bytes, "bytes"),
        (tuple[int, ...], "list of int"),
    ],
)
def test_hints_are_described_in_words(hint, words):
    assert describe(hint) == words


def test_an_unknown_construct_is_described_as_python_writes_it():
    assert describe(TypeVar("T")) == "~T"
