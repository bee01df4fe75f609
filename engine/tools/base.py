"""The tool seam: a tool has a provider, a name and ``invoke(parameters, cancel)``.

``invoke`` returns a :class:`ToolResult` or something easy to wrap: a string
(text), a dict or list (json), ``None`` (nothing).  The tool node's outputs
are ``text``, ``files``, ``json`` plus the result's ``variables``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from engine.nodes.cancel import CancelToken


@dataclass(frozen=True, slots=True)
class ToolParameter:
    name: str
    type: str = "string"  # string | number | boolean | object | array | file
    required: bool = False
    default: Any = None
    description: str = ""


@dataclass(slots=True)
class ToolResult:
    text: str = ""
    files: list[dict[str, Any]] = field(default_factory=list)
    json: list[Any] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)

    def outputs(self) -> dict[str, Any]:
        return {**self.variables, "text": self.text, "files": list(self.files), "json": list(self.json)}


@runtime_checkable
class Tool(Protocol):
    provider: str
    name: str

    def invoke(self, parameters: Mapping[str, Any], cancel: CancelToken) -> Any: ...


def as_result(value: Any) -> ToolResult:
    """Wrap whatever a tool returned into a :class:`ToolResult`."""
    if isinstance(value, ToolResult):
        return value
    if value is None:
        return ToolResult()
    if isinstance(value, str):
        return ToolResult(text=value)
    if isinstance(value, dict | list):
        items = value if isinstance(value, list) else [value]
        return ToolResult(text=json.dumps(value, ensure_ascii=False), json=list(items))
    return ToolResult(text=str(value))


class FunctionTool:
    """A tool made from a plain function ``func(**parameters) -> result``."""

    def __init__(
        self,
        provider: str,
        name: str,
        func: Callable[..., Any],
        parameters: list[ToolParameter] | None = None,
        description: str = "",
    ) -> None:
        self.provider = provider
        self.name = name
        self.func = func
        self.parameters = parameters or []
        doc_lines = (func.__doc__ or "").strip().splitlines()
        self.description = description or (doc_lines[0] if doc_lines else "")

    def invoke(self, parameters: Mapping[str, Any], cancel: CancelToken) -> Any:
        values = {p.name: p.default for p in self.parameters if p.default is not None}
        values.update({k: v for k, v in parameters.items() if v is not None and v != ""})
        missing = [p.name for p in self.parameters if p.required and p.name not in values]
        if missing:
            raise ValueError(f"tool {self.provider}/{self.name} needs parameter(s) {', '.join(missing)}")
        known = {p.name for p in self.parameters}
        if known:
            values = {k: v for k, v in values.items() if k in known}
        return self.func(**values)
