"""The variable assigner's operations and type rules (graphon 0.8 ``variable_assigner/v2/helpers.py``).

Types are Dify segment type names inferred from plain values: ``string``,
``number``, ``boolean``, ``object``, ``file``, ``none`` and ``array[...]``.
"""

from __future__ import annotations

from typing import Any, Literal

from engine.nodes.conditions import is_file

Operation = Literal[
    "over-write", "clear", "append", "extend", "set", "+=", "-=", "*=", "/=", "remove-first", "remove-last"
]
NO_VALUE_OPERATIONS = frozenset({"clear", "remove-first", "remove-last"})
_ARITHMETIC = frozenset({"+=", "-=", "*=", "/="})
_ARRAY_OPERATIONS = frozenset({"append", "extend", "remove-first", "remove-last"})
_SCALAR_SET = frozenset({"object", "string", "number", "boolean"})
_ITEM_TYPES: dict[str, tuple[type, ...]] = {
    "array[string]": (str,),
    "array[number]": (int, float),
    "array[object]": (dict,),
    "array[boolean]": (bool,),
    "array[any]": (str, float, int, dict),
}


def segment_type(value: Any) -> str:
    """Dify's segment type name for a plain value."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "file" if is_file(value) else "object"
    if isinstance(value, list | tuple):
        return _array_type(value)
    return "file" if is_file(value) else "object"


def _array_type(items: list[Any] | tuple[Any, ...]) -> str:
    if not items:
        return "array[any]"
    if all(isinstance(v, bool) for v in items):
        return "array[boolean]"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in items):
        return "array[number]"
    if all(isinstance(v, str) for v in items):
        return "array[string]"
    if all(is_file(v) for v in items):
        return "array[file]"
    if all(isinstance(v, dict) for v in items):
        return "array[object]"
    return "array[any]"


def zero_value(kind: str) -> Any:
    if kind.startswith("array"):
        return []
    return {"string": "", "number": 0, "boolean": False, "object": {}}.get(kind)


def check_operation(kind: str, operation: str, input_type: str) -> tuple[str, str] | None:
    """``(message, error type)`` when ``operation`` cannot apply to a ``kind`` variable."""
    if operation in ("over-write", "clear"):
        supported = True
    elif operation == "set":
        supported = kind in _SCALAR_SET
    elif operation in _ARITHMETIC:
        supported = kind == "number"
    else:
        supported = kind.startswith("array")
    if not supported:
        return f"Operation {operation} is not supported for type {kind}", "OperationNotSupportedError"
    if operation in NO_VALUE_OPERATIONS:
        return None  # Flowdeck: the input type of a no-value operation is not used, so not checked
    if input_type == "variable":
        if operation in _ARITHMETIC or operation == "set":
            return _input_type_error(input_type, operation)
        return None
    if kind == "none":  # type unknown (Dify knows the declared type): accept a plain write
        allowed = operation == "over-write"
    elif kind in ("string", "object", "boolean"):
        allowed = operation in ("over-write", "set")
    elif kind == "number":
        allowed = operation in ("over-write", "set") or operation in _ARITHMETIC
    else:
        allowed = False
    return None if allowed else _input_type_error(input_type, operation)


def _input_type_error(input_type: str, operation: str) -> tuple[str, str]:
    return f"Input type {input_type} is not supported for operation {operation}", "InputTypeNotSupportedError"


def _valid_input(kind: str, operation: str, value: Any) -> bool:
    if operation in NO_VALUE_OPERATIONS or (kind == "none" and operation == "over-write"):
        return True
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not (operation == "/=" and value == 0)
    if kind == "object":
        return isinstance(value, dict)
    item_types = _ITEM_TYPES.get(kind)
    if item_types is None:
        return False
    if operation == "append":
        return isinstance(value, item_types)
    if operation in ("extend", "over-write"):
        return isinstance(value, list) and all(isinstance(v, item_types) for v in value)
    return False


def apply_operation(kind: str, operation: str, current: Any, value: Any) -> Any:
    """The new value of a ``kind`` variable holding ``current`` after ``operation`` with ``value``."""
    if not _valid_input(kind, operation, value):
        raise ValueError(f"Invalid input value {value!r} for {operation} on a {kind} variable")
    if operation in ("over-write", "set"):
        return value
    if operation == "clear":
        return zero_value(kind)
    if operation == "append":
        return [*current, value]
    if operation in ("extend", "+="):
        return current + value
    if operation == "-=":
        return current - value
    if operation == "*=":
        return current * value
    if operation == "/=":
        return current / value
    if operation == "remove-first":
        return list(current[1:])
    if operation == "remove-last":
        return list(current[:-1])
    raise ValueError(f"unknown operation {operation!r}")
