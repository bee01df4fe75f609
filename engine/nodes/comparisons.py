"""Dify's comparison operators over plain values (graphon 0.8 ``utils/condition/processor.py``).

``compare(operator, actual, expected)`` returns a bool or raises
``ValueError``/``TypeError`` with Dify's message when the values cannot be
compared (a number operator on text, ``in`` without a list...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def compare(operator: str, actual: Any, expected: Any) -> bool:
    """One Dify comparison (``actual <operator> expected``)."""
    func = _OPERATORS.get(operator)
    if func is None:
        raise ValueError(f"Unsupported operator: {operator}")
    return func(actual, expected)


def _contains(value: Any, expected: Any) -> bool:
    if not value:
        return False
    if isinstance(value, str):
        return (expected if isinstance(expected, str) else str(expected)) in value
    if isinstance(value, list):
        return expected in value
    raise ValueError("Invalid actual value type: string or array")


def _not_contains(value: Any, expected: Any) -> bool:
    if not value:
        return True
    if isinstance(value, str):
        return (expected if isinstance(expected, str) else str(expected)) not in value
    if isinstance(value, list):
        return expected not in value
    raise ValueError("Invalid actual value type: string or array")


def _affix(method: str) -> Callable[[Any, Any], bool]:
    def check(value: Any, expected: Any) -> bool:
        if not value:
            return False
        if not isinstance(value, str):
            raise TypeError("Invalid actual value type: string")
        if not isinstance(expected, str):
            raise TypeError(f"Expected value must be a string for {method}")
        return bool(getattr(value, method)(expected))

    return check


def _is(value: Any, expected: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str | bool):
        return value == expected
    raise ValueError("Invalid actual value type: string or boolean")


def _is_not(value: Any, expected: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str | bool):
        return value != expected
    raise ValueError("Invalid actual value type: string or boolean")


def _numeric_pair(value: int | float, expected: Any) -> tuple[int | float, int | float]:
    if isinstance(expected, str):
        try:
            number = float(expected)
        except ValueError as exc:
            raise ValueError(f"Cannot convert '{expected}' to number") from exc
        if isinstance(value, int):
            return (value, int(number)) if number.is_integer() else (float(value), number)
        return value, number
    if isinstance(expected, float):
        return (float(value) if isinstance(value, int) else value), expected
    if isinstance(expected, int):
        return value, expected
    raise ValueError(f"Cannot convert {type(expected)} to number")


def _equality_expected(value: Any, expected: Any) -> Any:
    if isinstance(value, bool):
        if isinstance(expected, bool | int | str):
            return bool(expected)
        raise ValueError(f"Cannot convert {type(expected)} to bool")
    if isinstance(value, int):
        if isinstance(expected, int | float | str):
            return int(expected)
        raise ValueError(f"Cannot convert {type(expected)} to int")
    if isinstance(value, float):
        if isinstance(expected, int | float | str):
            return float(expected)
        raise ValueError(f"Cannot convert {type(expected)} to float")
    raise ValueError("Invalid actual value type: number or boolean")


def _equal(value: Any, expected: Any) -> bool:
    return False if value is None else value == _equality_expected(value, expected)


def _not_equal(value: Any, expected: Any) -> bool:
    return False if value is None else value != _equality_expected(value, expected)


def _ordering(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def check(value: Any, expected: Any) -> bool:
        if value is None:
            return False
        if not isinstance(value, int | float):
            raise ValueError("Invalid actual value type: number")
        return test(*_numeric_pair(value, expected))

    return check


def _in(value: Any, expected: Any) -> bool:
    if value is None:
        return False
    if isinstance(expected, list):
        return value in expected
    raise ValueError("Invalid expected value type: array")


def _not_in(value: Any, expected: Any) -> bool:
    if value is None:
        return True
    if isinstance(expected, list):
        return value not in expected
    raise ValueError("Invalid expected value type: array")


def _all_of(value: Any, expected: Any) -> bool:
    strings = isinstance(expected, list) and all(isinstance(v, str) for v in expected)
    booleans = isinstance(expected, list) and all(isinstance(v, bool) for v in expected)
    if not (strings or booleans):
        raise ValueError("all of operator expects homogeneous list of strings or booleans")
    if not value:
        return False
    containers: tuple[type, ...] = (list, tuple, set, str) if strings else (list, tuple, set)
    return isinstance(value, containers) and all(item in value for item in expected)


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "contains": _contains,
    "not contains": _not_contains,
    "start with": _affix("startswith"),
    "end with": _affix("endswith"),
    "is": _is,
    "is not": _is_not,
    "empty": lambda v, _e: not v,
    "not empty": lambda v, _e: bool(v),
    "=": _equal,
    "≠": _not_equal,
    ">": _ordering(lambda a, b: a > b),
    "<": _ordering(lambda a, b: a < b),
    "≥": _ordering(lambda a, b: a >= b),
    "≤": _ordering(lambda a, b: a <= b),
    "null": lambda v, _e: v is None,
    "not null": lambda v, _e: v is not None,
    "in": _in,
    "not in": _not_in,
    "all of": _all_of,
    "exists": lambda v, _e: v is not None,
    "not exists": lambda v, _e: v is None,
}
