"""Dify's condition language: one comparison implementation for if-else, loop breaks and list filters.

The operators themselves live in :mod:`engine.nodes.comparisons`
(``compare`` is re-exported here).

Mirrors graphon 0.8 ``utils/condition/processor.py`` (if-else, loop
``break_conditions``) and ``nodes/list_operator/node.py`` (list filters),
over the plain Python values the :class:`~engine.variables.VariablePool` holds.
Errors are ``ValueError``/``TypeError`` with Dify's messages; callers turn
them into a failed node.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from engine.nodes.comparisons import compare
from engine.variables import MISSING, VariablePool

ComparisonOperator = Literal[
    "contains", "not contains", "start with", "end with", "is", "is not", "empty", "not empty",
    "in", "not in", "all of",
    "=", "≠", ">", "<", "≥", "≤", "null", "not null",
    "exists", "not exists",
]  # fmt: skip
LogicalOperator = Literal["and", "or"]

__all__ = [
    "ComparisonOperator", "Condition", "ConditionCheck", "LogicalOperator", "SubCondition",
    "SubVariableCondition", "compare", "evaluate_conditions", "file_attribute", "is_file",
    "is_file_array", "is_object_array", "list_filter",
]  # fmt: skip

_EXISTENCE_OPERATORS = frozenset({"exists", "not exists"})
_SUB_CONDITION_OPERATORS = frozenset({"contains", "not contains", "all of"})
FILE_IDENTITY = "__dify__file__"


def _numbers_as_text(value: Any) -> Any:
    """The console saves numbers as strings; hand-written YAML often does not."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list):
        return [_numbers_as_text(v) for v in value]
    return value


_NUMBERS_AS_TEXT = BeforeValidator(_numbers_as_text)


class SubCondition(BaseModel):
    model_config = ConfigDict(extra="allow")
    key: str
    comparison_operator: ComparisonOperator
    value: Annotated[str | list[str] | None, _NUMBERS_AS_TEXT] = None


class SubVariableCondition(BaseModel):
    model_config = ConfigDict(extra="allow")
    logical_operator: LogicalOperator = "and"
    conditions: list[SubCondition] = Field(default_factory=list)


class Condition(BaseModel):
    model_config = ConfigDict(extra="allow")
    variable_selector: list[str] = Field(min_length=2)
    comparison_operator: ComparisonOperator
    value: Annotated[str | list[str] | bool | list[bool] | None, _NUMBERS_AS_TEXT] = None
    sub_variable_condition: SubVariableCondition | None = None


@dataclass(slots=True)
class ConditionCheck:
    inputs: list[dict[str, Any]] = field(default_factory=list)
    group_results: list[bool] = field(default_factory=list)
    final_result: bool = False


def evaluate_conditions(
    pool: VariablePool, conditions: Sequence[Condition], operator: LogicalOperator
) -> ConditionCheck:
    """Evaluate ``conditions`` joined by ``operator``, short-circuiting as Dify does."""
    check = ConditionCheck()
    for condition in conditions:
        actual = pool.lookup(condition.variable_selector)
        if actual is MISSING:
            raise ValueError(f"Variable {list(condition.variable_selector)} not found")
        op = condition.comparison_operator
        if op in _SUB_CONDITION_OPERATORS and is_file_array(actual):
            if not condition.sub_variable_condition:
                raise ValueError("Sub variable is required")
            sub = condition.sub_variable_condition
            result = _sub_conditions(actual, sub.conditions, sub.logical_operator)
        elif op in _EXISTENCE_OPERATORS:
            result = compare(op, actual, None)
        elif op in _SUB_CONDITION_OPERATORS and condition.sub_variable_condition and is_object_array(actual):
            sub = condition.sub_variable_condition  # Flowdeck: the same for arrays of objects
            result = _sub_conditions(actual, sub.conditions, sub.logical_operator)
        else:
            expected = _expected_value(actual, pool, condition.value)
            check.inputs.append(
                {"actual_value": actual, "expected_value": expected, "comparison_operator": op}
            )
            result = compare(op, actual, expected)
        check.group_results.append(result)
        if (operator == "and" and not result) or (operator == "or" and result):
            check.final_result = result
            return check
    results = check.group_results
    check.final_result = all(results) if operator == "and" else any(results)
    return check


# ----------------------------------------------------------------- values
def is_file(value: Any) -> bool:
    if isinstance(value, Mapping):
        return value.get("dify_model_identity") == FILE_IDENTITY
    return getattr(value, "dify_model_identity", None) == FILE_IDENTITY


def is_file_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(is_file(v) for v in value)


def is_object_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


_FILE_KEYS = {"name": ("filename", "name"), "url": ("remote_url", "url")}


def file_attribute(file: Any, key: str) -> Any:
    """A file's attribute by Dify's ``FileAttribute`` name (works for file dicts and plain objects)."""
    for name in _FILE_KEYS.get(key, (key,)):
        value = file.get(name) if isinstance(file, Mapping) else getattr(file, name, None)
        if value is not None:
            return value
    return None


def _to_bool(value: Any) -> bool:
    if isinstance(value, int):
        return bool(value)
    if isinstance(value, str):
        loaded = json.loads(value)
        if isinstance(loaded, int | bool):
            return bool(loaded)
    raise TypeError(f"unexpected value: type={type(value)}, value={value}")


def _expected_value(actual: Any, pool: VariablePool, expected: Any) -> Any:
    if isinstance(expected, str):
        expected = pool.render(expected)
    if expected is None:
        return None
    if isinstance(actual, bool) or (
        isinstance(actual, list) and actual and all(isinstance(v, bool) for v in actual)
    ):
        return [_to_bool(v) for v in expected] if isinstance(expected, list) else _to_bool(expected)
    if isinstance(expected, str | bool):
        return expected
    if isinstance(expected, list) and (
        all(isinstance(v, str) for v in expected) or all(isinstance(v, bool) for v in expected)
    ):
        return list(expected)
    raise TypeError(f"unexpected expected value: {expected!r}")


def _sub_conditions(items: list[Any], conditions: Sequence[SubCondition], operator: LogicalOperator) -> bool:
    results: list[bool] = []
    for condition in conditions:
        values = [file_attribute(item, condition.key) for item in items]
        expected: Any = condition.value
        if condition.key == "extension":
            if not isinstance(expected, str):
                raise TypeError("Expected value must be a string when key is FileAttribute.EXTENSION")
            if expected and not expected.startswith("."):
                expected = "." + expected
            values = [f".{v}" if v and isinstance(v, str) and not v.startswith(".") else v for v in values]
        item_results = [compare(condition.comparison_operator, v, expected) for v in values]
        results.append(all(item_results) if "not" in condition.comparison_operator else any(item_results))
    return all(results) if operator == "and" else any(results)


# ------------------------------------------------------------ list filters
def list_filter(kind: str, operator: str, expected: Any) -> Callable[[Any], bool]:
    """A list-operator filter predicate for elements of ``kind`` (string, number, boolean).

    The list operator compares elements more loosely than if-else: an empty
    element is an ordinary string, ``in`` on strings means "is a substring
    of", and number filters compare with ``float(value)``.
    """
    if kind == "string":
        if operator == "empty":
            return lambda x: not x
        if operator == "not empty":
            return bool
        text_tests: dict[str, Callable[[str], bool]] = {
            "contains": lambda x: expected in x,
            "not contains": lambda x: expected not in x,
            "start with": lambda x: x.startswith(expected),
            "end with": lambda x: x.endswith(expected),
            "is": lambda x: x == expected,
            "is not": lambda x: x != expected,
            "in": lambda x: x in expected,
            "not in": lambda x: x not in expected,
        }
        if operator in text_tests:
            return text_tests[operator]
    elif kind == "number" and operator in ("=", "≠", ">", "<", "≥", "≤"):
        return lambda x: compare(operator, float(x), expected)
    elif kind == "boolean" and operator in ("is", "is not"):
        return lambda x: (x == expected) == (operator == "is")
    raise ValueError(f"Invalid condition: {operator}")
