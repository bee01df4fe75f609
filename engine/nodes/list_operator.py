"""list-operator: filter, extract, order and limit an array (graphon 0.8 ``nodes/list_operator``).

Arrays of strings, numbers, booleans and files are supported (arrays of
objects fail, as in Dify).  The steps run in Dify's order: filter, extract
(1-based ``serial``, may be a ``{{#...#}}`` template), order, limit.
Outputs: ``result``, ``first_record``, ``last_record``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.errors import NodeError
from engine.nodes.base import BaseNodeData, Node, NodeContext, NodeResult
from engine.nodes.conditions import file_attribute, is_file, list_filter
from engine.variables import MISSING, Selector, VariablePool, as_selector, template_selectors

FilterOperator = Literal[
    "contains", "start with", "end with", "is", "in", "empty",
    "not contains", "is not", "not in", "not empty",
    "=", "≠", "<", ">", "≥", "≤",
]  # fmt: skip
_FILE_TEXT_KEYS = frozenset({"name", "extension", "mime_type", "url", "related_id"})
_FILE_CHOICE_KEYS = frozenset({"type", "transfer_method"})


class FilterCondition(BaseModel):
    model_config = ConfigDict(extra="allow")
    key: str = ""
    comparison_operator: FilterOperator = "contains"
    value: str | list[str] | bool = ""

    @field_validator("value", mode="before")
    @classmethod
    def _number_text(cls, value: Any) -> Any:
        if value is None:
            return ""
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


class FilterBy(BaseModel):
    enabled: bool = False
    conditions: list[FilterCondition] = Field(default_factory=list)


class OrderBy(BaseModel):
    enabled: bool = False
    key: str = ""
    value: Literal["asc", "desc"] = "asc"


class Limit(BaseModel):
    enabled: bool = False
    size: int = -1  # negative: no limit


class ExtractBy(BaseModel):
    enabled: bool = False
    serial: str = "1"

    @field_validator("serial", mode="before")
    @classmethod
    def _serial_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class ListOperatorNodeData(BaseNodeData):
    variable: list[str] = Field(min_length=2)
    filter_by: FilterBy = Field(default_factory=FilterBy)
    order_by: OrderBy = Field(default_factory=OrderBy)
    limit: Limit = Field(default_factory=Limit)
    extract_by: ExtractBy = Field(default_factory=ExtractBy)


def _element_kind(items: list[Any]) -> str | None:
    if all(isinstance(v, bool) for v in items):
        return "boolean"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in items):
        return "number"
    if all(isinstance(v, str) for v in items):
        return "string"
    if all(is_file(v) for v in items):
        return "file"
    return None


class ListOperatorNode(Node):
    type: ClassVar[str] = "list-operator"
    data_model: ClassVar[type[BaseNodeData]] = ListOperatorNodeData
    inline: ClassVar[bool] = True
    data: ListOperatorNodeData

    def selectors(self) -> list[Selector]:
        found = [as_selector(self.data.variable)]
        for condition in self.data.filter_by.conditions:
            if isinstance(condition.value, str):
                found.extend(template_selectors(condition.value))
        found.extend(template_selectors(self.data.extract_by.serial))
        return found

    def run(self, ctx: NodeContext) -> NodeResult:
        data = self.data
        value = ctx.pool.lookup(data.variable)
        if value is MISSING:
            raise NodeError(
                f"Variable not found for selector: {data.variable}", error_type="ListOperatorError"
            )
        if not value:
            return NodeResult(inputs={"variable": []}, process_data={"variable": []}, outputs=_outputs([]))
        kind = _element_kind(value) if isinstance(value, list) else None
        if kind is None:
            raise NodeError(
                f"Variable {data.variable} is not an array of strings, numbers, booleans or files",
                error_type="ListOperatorError",
            )
        items: list[Any] = list(value)
        try:
            if data.filter_by.enabled:
                for condition in data.filter_by.conditions:
                    keep = _predicate(kind, condition, ctx.pool)
                    items = [item for item in items if keep(item)]
            if data.extract_by.enabled:
                items = [items[_serial(data.extract_by.serial, ctx.pool, len(items)) - 1]]
            if data.order_by.enabled:
                items = _ordered(kind, items, data.order_by)
            if data.limit.enabled and data.limit.size >= 0:
                items = items[: data.limit.size]
        except (TypeError, ValueError) as exc:
            raise NodeError(str(exc), error_type="ListOperatorError") from exc
        return NodeResult(
            inputs={"variable": value}, process_data={"variable": value}, outputs=_outputs(items)
        )


def _outputs(items: list[Any]) -> dict[str, Any]:
    return {
        "result": items,
        "first_record": items[0] if items else None,
        "last_record": items[-1] if items else None,
    }


def _predicate(kind: str, condition: FilterCondition, pool: VariablePool) -> Callable[[Any], bool]:
    op, raw = condition.comparison_operator, condition.value
    if kind == "boolean":
        if not isinstance(raw, bool):
            raise TypeError(f"Boolean filter expects a boolean value, got {type(raw)}")
        return list_filter("boolean", op, raw)
    if kind in ("string", "number") and not isinstance(raw, str):
        raise ValueError(f"Invalid filter value: {raw}")
    if isinstance(raw, bool):
        raise TypeError(f"File filter expects a string value, got {type(raw)}")
    expected: Any = pool.render(raw) if isinstance(raw, str) else raw
    if kind == "string":
        return list_filter("string", op, expected)
    if kind == "number":
        return list_filter("number", op, _number(expected))
    key = condition.key
    if key in _FILE_TEXT_KEYS and isinstance(expected, str):
        text = list_filter("string", op, expected)
        return lambda f: text(file_attribute(f, key) or "")
    if key in _FILE_CHOICE_KEYS:
        if op not in ("in", "not in"):
            raise ValueError(f"Invalid condition: {op}")
        choose = list_filter("string", op, expected)
        return lambda f: choose(str(file_attribute(f, key) or ""))
    if key == "size" and isinstance(expected, str):
        size = list_filter("number", op, _number(expected))
        return lambda f: size(file_attribute(f, "size") or 0)
    raise ValueError(f"Invalid key: {key}")


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError as exc:
        raise ValueError(f"Cannot convert '{text}' to number") from exc


def _serial(template: str, pool: VariablePool, length: int) -> int:
    text = pool.render(template)
    try:
        index = int(text)
    except ValueError as exc:
        raise ValueError(f"Invalid serial index: {text!r} is not an integer") from exc
    if index < 1:
        raise ValueError(f"Invalid serial index: must be >= 1, got {index}")
    if index > length:
        raise ValueError(f"Invalid serial index: must be <= {length}, got {index}")
    return index


def _ordered(kind: str, items: list[Any], order: OrderBy) -> list[Any]:
    reverse = order.value == "desc"
    if kind != "file":
        return sorted(items, reverse=reverse)
    key = order.key
    if key == "size":
        return sorted(items, key=lambda f: file_attribute(f, "size") or 0, reverse=reverse)
    if key in _FILE_TEXT_KEYS or key in _FILE_CHOICE_KEYS:
        return sorted(items, key=lambda f: str(file_attribute(f, key) or ""), reverse=reverse)
    raise ValueError(f"Invalid key: {key}")
