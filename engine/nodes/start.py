"""start: the run's entry; its outputs are the user inputs (and system values)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from engine.nodes.base import BaseNodeData, Node, NodeContext, NodeResult
from engine.nodes.fields import NoneAsEmptyList, NoneAsEmptyText
from engine.variables import SYSTEM


class StartVariable(BaseModel):
    """A user input declared by the start node (Dify's ``VariableEntity``)."""

    model_config = ConfigDict(extra="allow")
    variable: str
    type: str = "text-input"
    label: NoneAsEmptyText = ""
    required: bool = False
    default: Any = None
    options: NoneAsEmptyList[str] = Field(default_factory=list)
    max_length: int | None = None


class StartNodeData(BaseNodeData):
    variables: NoneAsEmptyList[StartVariable] = Field(default_factory=list)


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
