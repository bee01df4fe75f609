"""code: run the user's ``main(...)`` (python3 or javascript) in a separate process.

Inputs are the selected variables (missing -> null); python3 calls
``main(**inputs)``, javascript ``main(inputs)`` as Dify does.  The child has
a wall-time limit (``settings.engine.code_timeout_s``) and a memory limit
(``settings.engine.code_memory_mb``) and is killed at once when the run is
terminated.  The result is checked against the declared outputs.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.nodes.base import BaseNodeData, Node, NodeContext, NodeResult
from engine.nodes.code_outputs import check_outputs
from engine.nodes.code_process import Limits, run_code
from engine.variables import MISSING, Selector, as_selector

OutputType = Literal[
    "string", "number", "object", "boolean",
    "array[string]", "array[number]", "array[object]", "array[boolean]",
]  # fmt: skip


class CodeOutput(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: OutputType
    children: dict[str, CodeOutput] | None = None


class CodeVariable(BaseModel):
    model_config = ConfigDict(extra="allow")
    variable: str = Field(min_length=1)
    value_selector: list[str] = Field(default_factory=list)

    @field_validator("value_selector", mode="before")
    @classmethod
    def _none_selector(cls, value: Any) -> Any:
        return [] if value is None else value


class CodeNodeData(BaseNodeData):
    code_language: Literal["python3", "javascript"] = "python3"
    code: str
    variables: list[CodeVariable] = Field(default_factory=list)
    outputs: dict[str, CodeOutput] = Field(default_factory=dict)

    @field_validator("variables", mode="before")
    @classmethod
    def _none_variables(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("outputs", mode="before")
    @classmethod
    def _none_outputs(cls, value: Any) -> Any:
        return {} if value in (None, []) else value


class CodeNode(Node):
    type: ClassVar[str] = "code"
    data_model: ClassVar[type[BaseNodeData]] = CodeNodeData
    data: CodeNodeData

    def __init__(self, node_id: str, data: BaseNodeData) -> None:
        super().__init__(node_id, data)
        self._bindings = [(v.variable, as_selector(v.value_selector)) for v in self.data.variables]

    def selectors(self) -> list[Selector]:
        return [selector for _, selector in self._bindings if selector]

    def run(self, ctx: NodeContext) -> NodeResult:
        inputs: dict[str, Any] = {}
        for name, selector in self._bindings:
            value = ctx.pool.lookup(selector) if selector else MISSING
            inputs[name] = None if value is MISSING else value
        engine_settings = ctx.services.settings.engine
        limits = Limits(timeout_s=engine_settings.code_timeout_s, memory_mb=engine_settings.code_memory_mb)
        result = run_code(self.data.code_language, self.data.code, inputs, limits, ctx.cancel)
        outputs = check_outputs(result, self.data.outputs)
        return NodeResult(inputs=inputs, outputs=outputs)
