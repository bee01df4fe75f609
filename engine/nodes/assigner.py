"""assigner (variable assigner v1 and v2): compute new values for existing variables.

The node never writes the pool: it returns ``variable_writes`` that the
dispatcher applies (conversation variables, loop variables).  Later items of a
v2 node see the values written by earlier ones, as in graphon 0.8.  A
variable's type is the type of its current value (Dify uses the declared
type; they agree except for an empty array, which accepts any item type).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from engine.errors import NodeError
from engine.nodes.assigner_ops import (
    NO_VALUE_OPERATIONS,
    Operation,
    apply_operation,
    check_operation,
    segment_type,
    zero_value,
)
from engine.nodes.base import BaseNodeData, Node, NodeContext, NodeResult
from engine.nodes.fields import NoneAsEmptyList
from engine.variables import MISSING, Selector, VariablePool

WriteMode = Literal["over-write", "append", "clear"]
_SKIP = object()


class OperationItem(BaseModel):
    model_config = ConfigDict(extra="allow")
    variable_selector: list[str] = Field(min_length=2)
    input_type: Literal["variable", "constant"] = "constant"
    operation: Operation
    value: Any = None

    @model_validator(mode="after")
    def _source_selector(self) -> OperationItem:
        if (
            self.input_type == "variable"
            and self.operation not in NO_VALUE_OPERATIONS
            and self.value is not None
        ):
            value = self.value
            if not (isinstance(value, list) and len(value) >= 2 and all(isinstance(p, str) for p in value)):
                raise ValueError(f"with input_type 'variable' the value must be a selector, got {value!r}")
        return self


class AssignerNodeData(BaseNodeData):
    version: str = "1"
    # v2
    items: NoneAsEmptyList[OperationItem] = Field(default_factory=list)
    # v1
    assigned_variable_selector: NoneAsEmptyList[str] = Field(default_factory=list)
    input_variable_selector: NoneAsEmptyList[str] = Field(default_factory=list)
    write_mode: WriteMode = "over-write"

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        return "1" if value is None else str(value)

    @model_validator(mode="after")
    def _v1_target(self) -> AssignerNodeData:
        if self.is_v2:
            return self
        if len(self.assigned_variable_selector) < 2:
            raise ValueError("assigned_variable_selector must name a variable ([namespace, name])")
        return self

    @property
    def is_v2(self) -> bool:
        return self.version == "2" or bool(self.items)


def _updated(selector: Selector, value: Any) -> dict[str, Any]:
    return {
        "name": selector[1],
        "selector": list(selector[:2]),
        "value_type": segment_type(value),
        "new_value": value,
    }


class AssignerNode(Node):
    type: ClassVar[str] = "assigner"
    data_model: ClassVar[type[BaseNodeData]] = AssignerNodeData
    inline: ClassVar[bool] = True
    data: AssignerNodeData

    def selectors(self) -> list[Selector]:
        data = self.data
        if not data.is_v2:
            found = [tuple(data.assigned_variable_selector)]
            if data.write_mode != "clear" and data.input_variable_selector:
                found.append(tuple(data.input_variable_selector))
            return found
        found = []
        for item in data.items:
            found.append(tuple(item.variable_selector))
            if _reads_variable(item):
                found.append(tuple(item.value))
        return found

    def run(self, ctx: NodeContext) -> NodeResult:
        return self._run_v2(ctx.pool) if self.data.is_v2 else self._run_v1(ctx.pool)

    # ------------------------------------------------------------------ v1
    def _run_v1(self, pool: VariablePool) -> NodeResult:
        data = self.data
        target = tuple(data.assigned_variable_selector)
        current = pool.lookup(target)
        if current is MISSING:
            raise NodeError("assigned variable not found", error_type="VariableOperatorNodeError")
        if data.write_mode == "clear":
            income = new_value = zero_value(segment_type(current))
        else:
            income = pool.lookup(data.input_variable_selector) if data.input_variable_selector else MISSING
            if income is MISSING:
                raise NodeError("input value not found", error_type="VariableOperatorNodeError")
            if data.write_mode == "over-write":
                new_value = income
            elif isinstance(current, list):
                new_value = [*current, income]
            else:
                raise NodeError(
                    "append mode requires an array variable", error_type="VariableOperatorNodeError"
                )
        return NodeResult(
            inputs={"value": income},
            process_data={"__updated_variables": [_updated(target, new_value)]},
            variable_writes=[(target, new_value)],
        )

    # ------------------------------------------------------------------ v2
    def _run_v2(self, pool: VariablePool) -> NodeResult:
        written: dict[Selector, Any] = {}

        def read(selector: Selector) -> Any:
            return written[selector] if selector in written else pool.lookup(selector)

        for item in self.data.items:
            target = tuple(item.variable_selector)
            current = read(target)
            if current is MISSING or len(target) != 2:
                raise _error(f"Variable {list(item.variable_selector)} not found", "VariableNotFoundError")
            kind = segment_type(current)
            problem = check_operation(kind, item.operation, item.input_type)
            if problem:
                raise _error(*problem)
            value = self._input_value(item, kind, read)
            if value is _SKIP:
                continue
            try:
                written[target] = apply_operation(kind, item.operation, current, value)
            except (TypeError, ValueError) as exc:
                raise _error(str(exc), "InvalidInputValueError") from exc
        process_data: dict[str, Any] = {selector[1]: value for selector, value in written.items()}
        process_data["__updated_variables"] = [_updated(s, v) for s, v in written.items()]
        return NodeResult(
            inputs=self.data.model_dump(mode="json", include={"version", "items", "type", "title"}),
            process_data=process_data,
            variable_writes=list(written.items()),
        )

    @staticmethod
    def _input_value(item: OperationItem, kind: str, read: Any) -> Any:
        value = item.value
        if _reads_variable(item):
            source = read(tuple(item.value))
            if source is MISSING:
                raise _error(f"Variable {list(item.value)} not found", "VariableNotFoundError")
            if source is None:
                return _SKIP  # Dify skips updates from a null source
            value = source
        if item.operation == "set" and kind == "object" and isinstance(value, str | bytes | bytearray):
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise _error(f"Invalid input value {value}", "InvalidInputValueError") from exc
        return value


def _reads_variable(item: OperationItem) -> bool:
    return (
        item.input_type == "variable" and item.operation not in NO_VALUE_OPERATIONS and item.value is not None
    )


def _error(message: str, error_type: str) -> NodeError:
    return NodeError(message, error_type=error_type)
