"""variable-aggregator (and legacy variable-assigner): the first variable that has a value.

As graphon 0.8: without groups the output is ``output``; with
``advanced_settings.group_enabled`` each group yields ``{group_name: {"output": v}}``.
A variable that is missing or null (a skipped branch) is passed over.
The engine benchmark chains 1,000 of these, so ``run`` does as little as it can.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.nodes.base import BaseNodeData, Node, NodeContext, NodeResult
from engine.nodes.fields import NoneAsEmptyList
from engine.variables import MISSING, Selector

SegmentTypeName = Literal[
    "string", "number", "integer", "float", "boolean", "object", "secret", "file", "none", "group", "any",
    "array[any]", "array[string]", "array[number]", "array[object]", "array[file]", "array[boolean]",
]  # fmt: skip


class Group(BaseModel):
    model_config = ConfigDict(extra="allow")
    group_name: str = Field(min_length=1)
    output_type: SegmentTypeName = "any"
    variables: NoneAsEmptyList[list[str]] = Field(default_factory=list)


class AdvancedSettings(BaseModel):
    model_config = ConfigDict(extra="allow")
    group_enabled: bool = False
    groups: NoneAsEmptyList[Group] = Field(default_factory=list)


class VariableAggregatorNodeData(BaseNodeData):
    output_type: SegmentTypeName = "any"
    variables: NoneAsEmptyList[list[str]] = Field(default_factory=list)
    advanced_settings: AdvancedSettings | None = None


Candidates = tuple[tuple[Selector, str], ...]  # (selector, input key)


def _candidates(selectors: list[list[str]]) -> Candidates:
    return tuple((tuple(s), ".".join(s[1:])) for s in selectors if s)


class VariableAggregatorNode(Node):
    type: ClassVar[str] = "variable-aggregator"
    data_model: ClassVar[type[BaseNodeData]] = VariableAggregatorNodeData
    inline: ClassVar[bool] = True
    data: VariableAggregatorNodeData

    def __init__(self, node_id: str, data: BaseNodeData) -> None:
        super().__init__(node_id, data)
        settings = self.data.advanced_settings
        self._grouped = bool(settings and settings.group_enabled)
        self._plain = _candidates(self.data.variables)
        self._groups: tuple[tuple[str, Candidates], ...] = (
            tuple((g.group_name, _candidates(g.variables)) for g in settings.groups)
            if settings and self._grouped
            else ()
        )

    def selectors(self) -> list[Selector]:
        if self._grouped:
            return [sel for _, candidates in self._groups for sel, _ in candidates]
        return [sel for sel, _ in self._plain]

    def run(self, ctx: NodeContext) -> NodeResult:
        lookup = ctx.pool.lookup
        if not self._grouped:
            for selector, key in self._plain:
                value = lookup(selector)
                if value is not MISSING and value is not None:
                    return NodeResult(outputs={"output": value}, inputs={key: value})
            return NodeResult()
        outputs: dict[str, Any] = {}
        inputs: dict[str, Any] = {}
        for name, candidates in self._groups:
            for selector, key in candidates:
                value = lookup(selector)
                if value is not MISSING and value is not None:
                    outputs[name] = {"output": value}
                    inputs[key] = value
                    break
        return NodeResult(outputs=outputs, inputs=inputs)
