"""Tools by provider and name: the built-ins plus ``flowdeck.tools`` entry points.

A package adds tools by declaring an entry point in the ``flowdeck.tools``
group whose object is one of:

- a tool (anything with ``provider``, ``name`` and ``invoke(parameters, cancel)``),
- a tool class with a no-argument constructor,
- a function ``register(registry: ToolRegistry) -> None``.

Lookup accepts Dify's provider spellings: ``provider_id`` (``time``,
``langgenius/time/time``), ``provider_name``, and for ``builtin`` providers
the tool name alone.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any

from engine.tools.base import Tool
from engine.tools.builtin import builtin_tools

if TYPE_CHECKING:
    from engine.nodes.services import Services

ENTRY_POINT_GROUP = "flowdeck.tools"


def provider_candidates(*spellings: str | None) -> list[str]:
    """``langgenius/time/time`` -> [``langgenius/time/time``, ``time``]; order kept, no duplicates."""
    found: list[str] = []
    for spelling in spellings:
        if not spelling:
            continue
        for candidate in (spelling, spelling.rsplit("/", 1)[-1]):
            if candidate and candidate not in found:
                found.append(candidate)
    return found


class ToolRegistry:
    def __init__(self) -> None:
        self._tools: dict[tuple[str, str], Tool] = {}
        self._builtin: set[tuple[str, str]] = set()
        #: entry points that failed to load: "name: error"
        self.load_errors: list[str] = []

    def register(self, tool: Tool, *, builtin: bool = False) -> None:
        key = (tool.provider, tool.name)
        self._tools[key] = tool
        if builtin:
            self._builtin.add(key)

    def tools(self) -> list[tuple[str, str]]:
        return sorted(self._tools)

    def find(self, providers: Iterable[str], name: str, *, builtin_fallback: bool = False) -> Tool | None:
        for provider in providers:
            tool = self._tools.get((provider, name))
            if tool is not None:
                return tool
        if builtin_fallback:
            matches = [self._tools[k] for k in sorted(self._builtin) if k[1] == name]
            if matches:
                return matches[0]
        return None

    def load_entry_points(self, points: Iterable[EntryPoint] | None = None) -> None:
        for point in entry_points(group=ENTRY_POINT_GROUP) if points is None else points:
            try:
                self._register_object(point.load())
            except Exception as exc:
                self.load_errors.append(f"{point.name} ({point.value}): {type(exc).__name__}: {exc}")

    def _register_object(self, obj: Any) -> None:
        if inspect.isclass(obj):
            obj = obj()
        if hasattr(obj, "invoke") and hasattr(obj, "provider") and hasattr(obj, "name"):
            self.register(obj)
        elif callable(obj):
            obj(self)
        else:
            raise TypeError(f"{obj!r} is neither a tool nor a register(registry) function")


def default_registry(*, entry_points_too: bool = True) -> ToolRegistry:
    registry = ToolRegistry()
    for tool in builtin_tools():
        registry.register(tool, builtin=True)
    if entry_points_too:
        registry.load_entry_points()
    return registry


def build_registry(services: Services) -> ToolRegistry:
    """Service factory for ``tools`` (see engine/nodes/services.py)."""
    return default_registry()
