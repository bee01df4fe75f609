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

from engine.nodes.base import BaseNodeData, NodeContext, NodeResult
from engine.nodes.code_outputs import check_outputs
from engine.nodes.code_process import Limits, run_code
from engine.nodes.fields import BoundVariablesNode, NoneAsEmptyList, VariableBinding

OutputType = Literal[
    "string", "number", "object", "boolean",
    "array[string]", "array[number]", "array[object]", "array[boolean]",
]  # fmt: skip


class CodeOutput(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: OutputType
    children: dict[str, CodeOutput] | None = None


class CodeVariable(VariableBinding):
    variable: str = Field(min_length=1)


class CodeNodeData(BaseNodeData):
    code_language: Literal["python3", "javascript"] = "python3"
    code: str
    variables: NoneAsEmptyList[CodeVariable] = Field(default_factory=list)
    outputs: dict[str, CodeOutput] = Field(default_factory=dict)

    @field_validator("outputs", mode="before")
    @classmethod
    def _none_outputs(cls, value: Any) -> Any:
        return {} if value in (None, []) else value


class CodeNode(BoundVariablesNode):
    type: ClassVar[str] = "code"
    data_model: ClassVar[type[BaseNodeData]] = CodeNodeData
    data: CodeNodeData

    def run(self, ctx: NodeContext) -> NodeResult:
        inputs = self._variables.read(ctx.pool)
        engine_settings = ctx.services.settings.engine
        limits = Limits(timeout_s=engine_settings.code_timeout_s, memory_mb=engine_settings.code_memory_mb)
        result = run_code(self.data.code_language, self.data.code, inputs, limits, ctx.cancel)
        outputs = check_outputs(result, self.data.outputs)
        return NodeResult(inputs=inputs, outputs=outputs)
