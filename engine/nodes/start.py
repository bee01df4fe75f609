"""start: the run's entry; its outputs are the user inputs (and system values)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.nodes.base import BaseNodeData, Node, NodeContext, NodeResult
from engine.variables import SYSTEM


class StartVariable(BaseModel):
    """A user input declared by the start node (Dify's ``VariableEntity``)."""

    model_config = ConfigDict(extra="allow")
    variable: str
    type: str = "text-input"
    label: str = ""
    required: bool = False
    default: Any = None
    options: list[str] = Field(default_factory=list)
    max_length: int | None = None

    @field_validator("options", mode="before")
    @classmethod
    def _none_options(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("label", mode="before")
    @classmethod
    def _label_text(cls, value: Any) -> Any:
        return "" if value is None else str(value) if not isinstance(value, str) else value


class StartNodeData(BaseNodeData):
    variables: list[StartVariable] = Field(default_factory=list)

    @field_validator("variables", mode="before")
    @classmethod
    def _none_variables(cls, value: Any) -> Any:
        return [] if value is None else value


class StartNode(Node):
    type: ClassVar[str] = "start"
    data_model: ClassVar[type[BaseNodeData]] = StartNodeData
    inline: ClassVar[bool] = True

    def run(self, ctx: NodeContext) -> NodeResult:
        inputs = ctx.pool.namespace(self.id)
        outputs = dict(inputs)
        for name, value in ctx.pool.namespace(SYSTEM).items():
            outputs[f"sys.{name}"] = value
        return NodeResult(inputs=inputs, outputs=outputs)
