"""Dify's variable value types (``SegmentType``): checking declared values and empty defaults."""

from __future__ import annotations

from typing import Any

SCALAR_TYPES = frozenset(
    {"string", "secret", "number", "integer", "float", "boolean", "object", "file", "none"}
)
ARRAY_TYPES = frozenset(
    {"array[any]", "array[string]", "array[number]", "array[object]", "array[boolean]", "array[file]"}
)
VALUE_TYPES = SCALAR_TYPES | ARRAY_TYPES


def empty_value(value_type: str) -> Any:
    """What a declared variable without a value starts as (string ``""``, number ``0``, ...)."""
    if value_type in ("string", "secret"):
        return ""
    if value_type in ("number", "integer"):
        return 0
    if value_type == "float":
        return 0.0
    if value_type == "boolean":
        return False
    if value_type == "object":
        return {}
    if value_type in ARRAY_TYPES:
        return []
    return None


def check_declared_value(value_type: Any, value: Any) -> Any:
    """``value`` checked (and numeric strings coerced) against ``value_type``.

    ``None`` stays ``None`` (the run fills in :func:`empty_value`).  Raises
    :class:`TypeError` for an unknown type and :class:`ValueError` for a value
    that does not fit.
    """
    if not isinstance(value_type, str) or value_type not in VALUE_TYPES:
        raise TypeError(f"unknown value type {value_type!r} (expected one of {sorted(VALUE_TYPES)})")
    if value is None:
        return None
    if value_type in ("string", "secret"):
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError(f"a {value_type} variable needs text, not {_describe(value)}")
        return value if isinstance(value, str) else str(value)
    if value_type in ("number", "integer", "float"):
        return _number(value, value_type)
    if value_type == "boolean":
        if not isinstance(value, bool):
            raise ValueError(f"a boolean variable needs true or false, not {_describe(value)}")
        return value
    if value_type == "object":
        if not isinstance(value, dict):
            raise ValueError(f"an object variable needs a mapping, not {_describe(value)}")
        return value
    if value_type in ARRAY_TYPES:
        if not isinstance(value, list):
            raise ValueError(f"an {value_type} variable needs a list, not {_describe(value)}")
        item_type = value_type[len("array[") : -1]
        for index, item in enumerate(value):
            if not _item_fits(item_type, item):
                raise ValueError(f"item {index} of an {value_type} variable is {_describe(item)}")
        return value
    return value


def _number(value: Any, value_type: str) -> int | float:
    if isinstance(value, bool):
        raise ValueError(f"a {value_type} variable needs a number, not {_describe(value)}")
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        number = parse_number(value)
        if number is not None:
            return number
    raise ValueError(f"a {value_type} variable needs a number, not {_describe(value)}")


def parse_number(text: str) -> int | float | None:
    """``"3"`` -> 3, ``"2.5"`` -> 2.5, anything else -> None (Dify's numeric-string rule)."""
    text = text.strip()
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return None


def _item_fits(item_type: str, item: Any) -> bool:
    if item_type == "string":
        return isinstance(item, str)
    if item_type == "number":
        return isinstance(item, int | float) and not isinstance(item, bool)
    if item_type == "boolean":
        return isinstance(item, bool)
    if item_type in ("object", "file"):
        return isinstance(item, dict)
    return True


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"a {type(value).__name__} ({text})"
