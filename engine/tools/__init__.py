"""Tools for the tool node: protocol, built-ins, registry (see registry.py for plugins)."""

from engine.tools.base import FunctionTool, Tool, ToolParameter, ToolResult, as_result
from engine.tools.registry import (
    ENTRY_POINT_GROUP,
    ToolRegistry,
    build_registry,
    default_registry,
    provider_candidates,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "FunctionTool",
    "Tool",
    "ToolParameter",
    "ToolRegistry",
    "ToolResult",
    "as_result",
    "build_registry",
    "default_registry",
    "provider_candidates",
]
