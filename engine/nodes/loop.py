"""loop: run the body until a break condition holds, a loop-end node is reached
or ``loop_count`` rounds are done.

A description the scheduler drives (scheduler.containers): each round is a
frame of the dispatcher on the loop's pool.  Loop variables live under
``[loop, name]`` and persist across rounds; break conditions are checked
before every round, the first included.  Outputs are the loop variables plus
``loop_round``; variables written inside (loop and conversation) are visible
after the loop.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.errors import NodeError
from engine.nodes.base import BaseNodeData, Node, NodeContext, NodeResult
from engine.nodes.conditions import Condition, evaluate_conditions
from engine.nodes.container_support import CONTAINER_NOT_RUNNABLE
from engine.nodes.fields import NoneAsEmptyList
from engine.variables import MISSING, Selector, VariablePool, as_selector


class LoopVariable(BaseModel):
    model_config = ConfigDict(extra="allow")
    label: str
    var_type: str = "string"
    value_type: Literal["constant", "variable"] = "constant"
    value: Any = None


class LoopNodeData(BaseNodeData):
    loop_count: int = Field(default=10, ge=0, le=100_000)
    break_conditions: NoneAsEmptyList[Condition] = Field(default_factory=list)
    logical_operator: Literal["and", "or"] = "and"
    loop_variables: NoneAsEmptyList[LoopVariable] = Field(default_factory=list)
    start_node_id: str | None = None
    error_handle_mode: str = "terminated"


class LoopNode(Node):
    type: ClassVar[str] = "loop"
    data_model: ClassVar[type[BaseNodeData]] = LoopNodeData
    data: LoopNodeData

    def selectors(self) -> list[Selector]:
        selectors = [as_selector(c.variable_selector) for c in self.data.break_conditions]
        selectors += [
            as_selector(v.value) for v in self.data.loop_variables if v.value_type == "variable" and v.value
        ]
        return selectors

    def run(self, ctx: NodeContext) -> NodeResult:
        raise NodeError(CONTAINER_NOT_RUNNABLE, "ContainerError")

    # ---------------------------------------------------- what the scheduler asks
    def initial_variables(self, pool: VariablePool) -> dict[str, Any]:
        """The loop variables before the first round (raises NodeError for a bad constant)."""
        return {v.label: self._initial(v, pool) for v in self.data.loop_variables}

    def may_start_round(self, rounds: int, pool: VariablePool) -> bool:
        """Checked before every round, the first included."""
        return rounds < self.data.loop_count and not self._should_break(pool)

    def outputs(self, pool: VariablePool, names: list[str], rounds: int) -> dict[str, Any]:
        outputs = {name: pool.get((self.id, name)) for name in names}
        outputs["loop_round"] = rounds
        return outputs

    def _should_break(self, pool: VariablePool) -> bool:
        if not self.data.break_conditions:
            return False
        try:
            return evaluate_conditions(
                pool, self.data.break_conditions, self.data.logical_operator
            ).final_result
        except ValueError as exc:
            raise NodeError(f"break condition: {exc}", "LoopNodeError") from None

    def _initial(self, variable: LoopVariable, pool: VariablePool) -> Any:
        if variable.value_type == "variable":
            value = pool.lookup(as_selector(variable.value or []))
            return None if value is MISSING else value
        return _coerce(variable.var_type, variable.value, self.id, variable.label)


def _coerce(var_type: str, value: Any, node_id: str, label: str) -> Any:
    if value is None or value == "":
        return {"number": 0, "string": "", "boolean": False, "object": {}}.get(
            var_type, [] if var_type.startswith("array") else None
        )
    if var_type == "number" and isinstance(value, str):
        try:
            return float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            raise NodeError(f"loop variable {label!r}: {value!r} is not a number", "LoopNodeError") from None
    if var_type == "boolean" and isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    if (var_type == "object" or var_type.startswith("array")) and isinstance(value, str):
        import json

        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise NodeError(f"loop variable {label!r}: {value!r} is not JSON", "LoopNodeError") from None
    return value
