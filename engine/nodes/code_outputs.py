"""Check a code node's result against its declared outputs (graphon 0.8 ``CodeNode._transform_result``).

Same rules as Dify: every declared output must be present and nothing else;
numbers within int64 and at most 20 decimal places (booleans become 0/1);
strings at most 400,000 characters (NUL bytes dropped); objects at most 5
levels deep; ``null`` is accepted for any output.  Flowdeck also checks that
a ``boolean`` output is a boolean (Dify does not check it).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from engine.errors import NodeError

MAX_STRING_LENGTH = 400_000
MAX_NUMBER = 9_223_372_036_854_775_807
MIN_NUMBER = -9_223_372_036_854_775_808
MAX_PRECISION = 20
MAX_DEPTH = 5


class OutputValidationError(NodeError):
    def __init__(self, message: str) -> None:
        super().__init__(message, error_type="OutputValidationError")


def _type_name(value: Any) -> str:
    return {
        dict: "object",
        list: "array",
        str: "string",
        bool: "boolean",
        int: "number",
        float: "number",
    }.get(type(value), type(value).__name__)


def _path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def check_outputs(
    result: Any, schema: Mapping[str, Any] | None, prefix: str = "", depth: int = 1
) -> dict[str, Any]:
    """The validated (normalised) outputs; ``schema`` maps names to objects with ``type`` and ``children``."""
    if depth > MAX_DEPTH:
        raise NodeError(f"Depth limit {MAX_DEPTH} reached, object too deep.", error_type="DepthLimitError")
    if not isinstance(result, dict):
        where = f"Output {prefix}" if prefix else "main()"
        raise OutputValidationError(f"{where} must return an object (dict), got {_type_name(result)}")
    if schema is None:
        for name, value in result.items():
            _check_untyped(value, _path(prefix, name), depth)
        return result
    checked: dict[str, Any] = {}
    for name, spec in schema.items():
        path = _path(prefix, name)
        if name not in result:
            raise OutputValidationError(f"Output {path} is missing.")
        checked[name] = _check_typed(result[name], spec.type, spec.children, path, depth)
    extra = [name for name in result if name not in schema]
    if extra:
        raise OutputValidationError(
            f"main() returned outputs that are not declared: {', '.join(_path(prefix, n) for n in extra)}"
        )
    return checked


def _check_typed(value: Any, kind: str, children: Mapping[str, Any] | None, path: str, depth: int) -> Any:
    if value is None:
        return None
    if kind == "string":
        if not isinstance(value, str):
            raise OutputValidationError(f"Output {path} must be a string, got {_type_name(value)} instead.")
        return _string(value, path)
    if kind == "number":
        if not isinstance(value, int | float):
            raise OutputValidationError(f"Output {path} must be a number, got {_type_name(value)} instead.")
        return _number(value, path)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise OutputValidationError(f"Output {path} must be a boolean, got {_type_name(value)} instead.")
        return value
    if kind == "object":
        if not isinstance(value, dict):
            raise OutputValidationError(f"Output {path} must be an object, got {_type_name(value)} instead.")
        return check_outputs(value, children, path, depth + 1)
    if not isinstance(value, list):
        raise OutputValidationError(f"Output {path} must be an {kind}, got {_type_name(value)} instead.")
    if kind == "array[number]":
        for i, item in enumerate(value):
            if not isinstance(item, int | float):
                raise OutputValidationError(
                    f"Output {path}[{i}] must be a number, got {_type_name(item)} instead."
                )
        return [_number(item, f"{path}[{i}]") for i, item in enumerate(value)]
    item_kind = {"array[string]": "string", "array[boolean]": "boolean", "array[object]": "object"}[kind]
    return [_check_typed(item, item_kind, children, f"{path}[{i}]", depth) for i, item in enumerate(value)]


def _string(value: str, path: str) -> str:
    if len(value) > MAX_STRING_LENGTH:
        raise OutputValidationError(
            f"The length of output variable `{path}` must be less than {MAX_STRING_LENGTH} characters"
        )
    return value.replace("\x00", "")


def _number(value: int | float, path: str) -> int | float:
    if isinstance(value, bool):
        return int(value)
    if value > MAX_NUMBER or value < MIN_NUMBER:
        raise OutputValidationError(
            f"Output variable `{path}` is out of range, it must be between {MIN_NUMBER} and {MAX_NUMBER}."
        )
    if isinstance(value, float):
        exponent = Decimal(str(value)).normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > MAX_PRECISION:
            raise OutputValidationError(
                f"Output variable `{path}` has too high precision,"
                f" it must be less than {MAX_PRECISION} digits."
            )
    return value


def _check_untyped(value: Any, path: str, depth: int) -> None:
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, dict):
        check_outputs(value, None, path, depth + 1)
    elif isinstance(value, int | float):
        _number(value, path)
    elif isinstance(value, str):
        _string(value, path)
    elif isinstance(value, list):
        _check_untyped_list(value, path, depth)
    else:
        raise OutputValidationError(f"Output {path} is not a valid type.")


def _check_untyped_list(items: list[Any], path: str, depth: int) -> None:
    first = items[0] if items else None
    if first is None:
        return
    for kinds in ((int, float), (str,), (dict,), (list,)):
        if isinstance(first, kinds) and all(v is None or isinstance(v, kinds) for v in items):
            for i, item in enumerate(items):
                if item is None:
                    continue
                if kinds == (list,):
                    if depth + 1 > MAX_DEPTH:
                        raise NodeError(
                            f"Depth limit {MAX_DEPTH} reached, object too deep.", "DepthLimitError"
                        )
                    _check_untyped_list(item, f"{path}[{i}]", depth + 1)
                else:
                    _check_untyped(item, f"{path}[{i}]", depth)
            return
    raise OutputValidationError(
        f"Output {path} is not a valid array. make sure all elements are of the same type."
    )
