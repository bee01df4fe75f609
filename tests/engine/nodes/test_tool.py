"""tool node: parameter inputs, registry lookup, run-time errors."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from engine.dsl import load_workflow
from engine.errors import NodeError
from engine.nodes.cancel import CancelToken
from engine.nodes.tool import ToolNodeData
from engine.tools import ToolRegistry, ToolResult, default_registry
from engine.variables import VariablePool
from tests.conftest import require_corpus
from tests.engine.nodes.external_node_support import Harness, build_node

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "dify-dsl"


class Recorder:
    provider = "acme"
    name = "record"

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def invoke(self, parameters: Mapping[str, Any], cancel: CancelToken) -> ToolResult:
        self.calls.append(dict(parameters))
        return ToolResult(text="done", json=[{"ok": True}], variables={"extra": 1})


def tool_data(**extra: Any) -> dict[str, Any]:
    return {
        "type": "tool",
        "title": "T",
        "provider_id": "acme",
        "provider_type": "plugin",
        "tool_name": "record",
        **extra,
    }


def harness_with(tool: Any, pool: VariablePool | None = None) -> Harness:
    h = Harness(pool=pool or VariablePool())
    registry = ToolRegistry()
    registry.register(tool)
    h.services.set("tools", registry)
    return h


def test_parameters_of_every_input_type_reach_the_tool() -> None:
    pool = VariablePool()
    pool.add(("start", "name"), "Ada")
    pool.add(("start", "items"), [1, 2])
    recorder = Recorder()
    data = tool_data(
        tool_configurations={"mode": {"type": "constant", "value": "fast"}, "limit": 3},
        tool_parameters={
            "greeting": {"type": "mixed", "value": "Hi {{#start.name#}}"},
            "items": {"type": "variable", "value": ["start", "items"]},
            "flag": {"type": "constant", "value": True},
            "legacy": "plain {{#start.name#}}",
        },
    )
    node = build_node(data)
    assert set(node.selectors()) == {("start", "name"), ("start", "items")}
    result = harness_with(recorder, pool).run(node)
    assert recorder.calls == [
        {
            "mode": "fast",
            "limit": 3,
            "greeting": "Hi Ada",
            "items": [1, 2],
            "flag": True,
            "legacy": "plain Ada",
        }
    ]
    assert result.outputs == {"text": "done", "files": [], "json": [{"ok": True}], "extra": 1}


def test_unregistered_tool_fails_at_run_time_naming_provider_and_tool() -> None:
    node = build_node(tool_data(provider_id="langgenius/weather/weather", tool_name="forecast"))
    with pytest.raises(NodeError) as info:
        Harness().run(node)
    assert "'forecast'" in str(info.value) and "'langgenius/weather/weather'" in str(info.value)
    assert "flowdeck.tools" in str(info.value)
    assert info.value.error_type == "ToolNotFoundError"


def test_tool_exceptions_become_node_errors() -> None:
    class Broken(Recorder):
        def invoke(self, parameters: Mapping[str, Any], cancel: CancelToken) -> ToolResult:
            raise RuntimeError("quota exceeded")

    with pytest.raises(NodeError, match="tool acme/record failed: quota exceeded") as info:
        harness_with(Broken()).run(build_node(tool_data()))
    assert info.value.error_type == "ToolInvokeError"


def test_builtin_time_tool_runs_from_the_corpus_shape() -> None:
    h = Harness()
    h.services.set("tools", default_registry(entry_points_too=False))
    data = tool_data(
        provider_id="time",
        provider_name="time",
        provider_type="builtin",
        tool_name="current_time",
        tool_configurations={
            "format": {"type": "mixed", "value": "%Y"},
            "timezone": {"type": "constant", "value": "UTC"},
        },
        tool_parameters={},
    )
    out = h.run(build_node(data)).outputs
    assert out["text"].isdigit() and len(out["text"]) == 4


def test_json_parse_on_an_http_body_gives_result() -> None:
    pool = VariablePool()
    pool.add(("http_node", "body"), '{"name": "dify", "stars": 100}')
    h = Harness(pool=pool)  # default services: the tools service is built from DEFAULT_FACTORIES
    data = tool_data(
        provider_id="builtin", tool_name="json_parse", tool_parameters={"json_string": "{{#http_node.body#}}"}
    )
    assert h.run(build_node(data)).outputs["result"] == {"name": "dify", "stars": 100}


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"tool_name": ""}, "tool_name"),
        ({"tool_parameters": {"x": {"type": "variable", "value": "not-a-list"}}}, "tool_parameters.x"),
        ({"tool_parameters": {"x": {"type": "mixed", "value": 3}}}, "tool_parameters.x"),
        ({"tool_parameters": {"x": {"type": "magic", "value": 1}}}, "tool_parameters.x.type"),
    ],
)
def test_bad_configuration_names_the_field(patch: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        ToolNodeData.model_validate(tool_data(**patch))
    locs = [".".join(str(p) for p in e["loc"]) for e in info.value.errors()]
    assert any(loc.startswith(field) for loc in locs), locs


@pytest.mark.parametrize(
    "name", ["chatflow_time_tool_static_output_workflow.yml", "http_request_with_json_tool_workflow.yml"]
)
def test_corpus_tool_workflows_load(name: str) -> None:
    require_corpus(CORPUS)
    workflow = load_workflow(CORPUS / name)
    assert any(spec.type == "tool" for spec in workflow.all_nodes().values())
