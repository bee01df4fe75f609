"""tool: call a registered tool by provider and name.

The tool is looked up at run time in the ``tools`` service
(:mod:`engine.tools`), so a workflow naming an unknown tool still loads and
its node fails with a clear error (mocks and error strategies still apply).
Parameters come from ``tool_configurations`` then ``tool_parameters``; each is
``{type: mixed|variable|constant, value}`` (a bare value counts as mixed text
or a constant).  Outputs: ``text``, ``files``, ``json`` plus the tool's own
variables.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from engine.errors import FlowdeckError, NodeError
from engine.nodes.base import BaseNodeData, Node, NodeContext, NodeResult
from engine.nodes.fields import NoneAsEmptyStr
from engine.tools import ToolRegistry, as_result, default_registry, provider_candidates
from engine.variables import Selector, VariablePool, as_selector, template_selectors


class ToolInput(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: Literal["mixed", "variable", "constant"] = "constant"
    value: Any = None

    @model_validator(mode="after")
    def _check(self) -> ToolInput:
        if self.type == "variable" and not (
            isinstance(self.value, list) and self.value and all(isinstance(p, str) for p in self.value)
        ):
            raise ValueError("a variable input needs a selector list as value, e.g. ['node', 'output']")
        if self.type == "mixed" and not isinstance(self.value, str | None):
            raise ValueError("a mixed input needs a text template as value")
        return self

    def selectors(self) -> list[Selector]:
        if self.type == "variable":
            return [as_selector(self.value)]
        if self.type == "mixed" and self.value:
            return template_selectors(self.value)
        return []

    def resolve(self, pool: VariablePool) -> Any:
        if self.type == "variable":
            return pool.get(as_selector(self.value))
        if self.type == "mixed":
            return pool.render(self.value or "")
        return self.value


def _as_input(value: Any) -> Any:
    if isinstance(value, dict) and "type" in value and "value" in value:
        return value
    if isinstance(value, str):
        return {"type": "mixed", "value": value}
    return {"type": "constant", "value": value}


class ToolNodeData(BaseNodeData):
    provider_id: NoneAsEmptyStr = ""
    provider_type: NoneAsEmptyStr = "builtin"
    provider_name: NoneAsEmptyStr = ""
    tool_name: str = Field(min_length=1)
    tool_label: NoneAsEmptyStr = ""
    tool_parameters: dict[str, ToolInput] = Field(default_factory=dict)
    tool_configurations: dict[str, ToolInput] = Field(default_factory=dict)

    @field_validator("tool_parameters", "tool_configurations", mode="before")
    @classmethod
    def _inputs(cls, value: Any) -> Any:
        if value is None:
            return {}
        if isinstance(value, dict):
            return {str(k): _as_input(v) for k, v in value.items()}
        return value

    @property
    def providers(self) -> list[str]:
        return provider_candidates(self.provider_id, self.provider_name)

    @property
    def provider_label(self) -> str:
        return self.provider_id or self.provider_name or self.provider_type


def find_tool(registry: ToolRegistry, data: ToolNodeData) -> Any:
    return registry.find(
        data.providers,
        data.tool_name,
        builtin_fallback=data.provider_type == "builtin" or "builtin" in data.providers,
    )


class ToolNode(Node):
    type: ClassVar[str] = "tool"
    data_model: ClassVar[type[BaseNodeData]] = ToolNodeData
    data: ToolNodeData

    def selectors(self) -> list[Selector]:
        inputs = [*self.data.tool_configurations.values(), *self.data.tool_parameters.values()]
        return [sel for item in inputs for sel in item.selectors()]

    def parameters(self, pool: VariablePool) -> dict[str, Any]:
        values = {name: item.resolve(pool) for name, item in self.data.tool_configurations.items()}
        values.update({name: item.resolve(pool) for name, item in self.data.tool_parameters.items()})
        return values

    def run(self, ctx: NodeContext) -> NodeResult:
        data = self.data
        registry = ctx.services.get("tools") or default_registry()
        tool = find_tool(registry, data)
        if tool is None:
            raise NodeError(
                f"tool {data.tool_name!r} of provider {data.provider_label!r} is not registered: "
                "install a package that provides it (entry point group 'flowdeck.tools') "
                "or register it in code",
                "ToolNotFoundError",
            )
        parameters = self.parameters(ctx.pool)
        ctx.cancel.raise_if_cancelled()
        try:
            result = as_result(tool.invoke(parameters, ctx.cancel))
        except FlowdeckError:
            raise
        except Exception as exc:
            raise NodeError(
                f"tool {data.provider_label}/{data.tool_name} failed: {exc}", "ToolInvokeError"
            ) from exc
        return NodeResult(
            inputs=parameters,
            process_data={"tool": f"{tool.provider}/{tool.name}"},
            outputs=result.outputs(),
        )
