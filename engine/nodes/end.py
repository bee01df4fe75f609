"""end: the workflow's outputs, read from the pool (a skipped producer reads as null)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from engine.nodes.base import BaseNodeData, Node, NodeContext, NodeResult
from engine.nodes.fields import NoneAsEmptyList, NoneAsEmptyStrList
from engine.variables import Selector, as_selector


class OutputVariable(BaseModel):
    model_config = ConfigDict(extra="allow")
    variable: str
    value_selector: NoneAsEmptyStrList = Field(default_factory=list)
    value_type: str | None = None


class EndNodeData(BaseNodeData):
    outputs: NoneAsEmptyList[OutputVariable] = Field(default_factory=list)


class EndNode(Node):
    type: ClassVar[str] = "end"
    data_model: ClassVar[type[BaseNodeData]] = EndNodeData
    inline: ClassVar[bool] = True
    data: EndNodeData

    def output_selectors(self) -> list[tuple[str, Selector]]:
        return [(o.variable, as_selector(o.value_selector)) for o in self.data.outputs]

    def selectors(self) -> list[Selector]:
        return [sel for _, sel in self.output_selectors() if sel]

    def run(self, ctx: NodeContext) -> NodeResult:
        outputs = {name: ctx.pool.get(sel) if sel else None for name, sel in self.output_selectors()}
        return NodeResult(inputs=dict(outputs), outputs=outputs)
