"""The tool registry: lookup by Dify's provider spellings and entry-point plugins."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator, Mapping
from importlib.metadata import EntryPoint
from typing import Any

import pytest

from engine.nodes.cancel import CancelToken
from engine.tools import ToolRegistry, default_registry, provider_candidates


class Shout:
    provider = "acme"
    name = "shout"

    def invoke(self, parameters: Mapping[str, Any], cancel: CancelToken) -> str:
        return str(parameters.get("text", "")).upper() + "!"


def register_many(registry: ToolRegistry) -> None:
    registry.register(Shout())


@pytest.fixture
def plugin_module() -> Iterator[str]:
    module = types.ModuleType("flowdeck_test_plugin")
    module.Shout = Shout  # type: ignore[attr-defined]
    module.register_many = register_many  # type: ignore[attr-defined]
    module.not_a_tool = 42  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    yield module.__name__
    del sys.modules[module.__name__]


def test_provider_candidates_include_the_last_path_part() -> None:
    assert provider_candidates("langgenius/time/time", "time", None) == ["langgenius/time/time", "time"]


def test_builtins_are_found_by_provider_and_by_builtin_fallback() -> None:
    registry = default_registry(entry_points_too=False)
    assert registry.find(["time"], "current_time") is not None
    assert registry.find(["builtin"], "json_parse") is None
    assert registry.find(["builtin"], "json_parse", builtin_fallback=True) is not None
    assert registry.find(["nobody"], "current_time") is None


@pytest.mark.parametrize("target", ["Shout", "register_many"])
def test_entry_points_register_tool_classes_and_register_functions(plugin_module: str, target: str) -> None:
    registry = ToolRegistry()
    registry.load_entry_points([EntryPoint("acme", f"{plugin_module}:{target}", "flowdeck.tools")])
    tool = registry.find(["acme"], "shout")
    assert tool is not None
    assert tool.invoke({"text": "hi"}, CancelToken()) == "HI!"
    assert registry.load_errors == []


def test_broken_entry_points_are_recorded_not_raised(plugin_module: str) -> None:
    registry = ToolRegistry()
    registry.load_entry_points(
        [
            EntryPoint("missing", "no_such_module_xyz:thing", "flowdeck.tools"),
            EntryPoint("odd", f"{plugin_module}:not_a_tool", "flowdeck.tools"),
        ]
    )
    assert len(registry.load_errors) == 2
    assert "no_such_module_xyz" in registry.load_errors[0]
    assert "neither a tool" in registry.load_errors[1]
