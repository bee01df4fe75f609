"""`flowdeck check WORKFLOW`: models, tools and retrievers a workflow needs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from engine.cli import app


def workflow_file(tmp_path: Path, *nodes: dict[str, Any]) -> Path:
    start = {"id": "start", "data": {"type": "start", "title": "Start", "variables": []}}
    all_nodes = [start, *({"id": n.pop("id"), "data": n} for n in nodes)]
    edges = [
        {"id": f"e{i}", "source": all_nodes[i]["id"], "target": all_nodes[i + 1]["id"]}
        for i in range(len(all_nodes) - 1)
    ]
    document = {"kind": "app", "version": "0.3.0", "app": {"name": "needs", "mode": "workflow"},
                "workflow": {"graph": {"nodes": all_nodes, "edges": edges}}}  # fmt: skip
    path = tmp_path / "wf.yml"
    path.write_text(yaml.safe_dump(document))
    return path


def llm(node_id: str, provider: str, name: str) -> dict[str, Any]:
    return {
        "id": node_id,
        "type": "llm",
        "model": {"provider": provider, "name": name},
        "prompt_template": [],
    }


def tool(node_id: str, provider: str, name: str) -> dict[str, Any]:
    return {"id": node_id, "type": "tool", "provider_id": provider, "tool_name": name}


def retrieval(node_id: str) -> dict[str, Any]:
    return {"id": node_id, "type": "knowledge-retrieval-v2", "query_variable_selector": ["sys", "query"],
            "control_space_ids": ["space-9"]}  # fmt: skip


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"FLOWDECK_CONFIG_FILE": str(tmp_path / "none.toml"), "FLOWDECK_MODELS": "[]", "COLUMNS": "200"}


def test_everything_available_exits_0(tmp_path: Path, env: dict[str, str]) -> None:
    env["FLOWDECK_MODELS"] = json.dumps([{"provider": "openai", "name": "gpt-4o", "kind": "mock"}])
    path = workflow_file(
        tmp_path, llm("a", "langgenius/openai/openai", "gpt-4o"), tool("t", "time", "current_time")
    )
    result = CliRunner().invoke(app, ["check", str(path)], env=env)
    assert result.exit_code == 0, result.output
    assert "langgenius/openai/openai/gpt-4o" in result.stdout and "time/current_time" in result.stdout
    assert "missing" not in result.stdout


def test_missing_model_tool_and_retriever_exit_1_and_are_listed(tmp_path: Path, env: dict[str, str]) -> None:
    path = workflow_file(
        tmp_path,
        llm("a", "openai", "gpt-4o"),
        llm("b", "openai", "gpt-4o"),
        tool("t", "acme", "frobnicate"),
        retrieval("r"),
    )
    result = CliRunner().invoke(app, ["check", str(path)], env=env)
    assert result.exit_code == 1
    out = result.stdout
    assert "openai/gpt-4o" in out and "a, b" in out and "[[models]]" in out
    assert "acme/frobnicate" in out and "not registered" in out
    assert "space-9" in out and "no retriever configured" in out
    assert out.count("missing") == 3
    assert "3 of 3 requirement(s) missing" in result.stderr


def test_a_workflow_without_external_needs_exits_0(tmp_path: Path, env: dict[str, str]) -> None:
    path = workflow_file(tmp_path, {"id": "end", "type": "end", "outputs": []})
    result = CliRunner().invoke(app, ["check", str(path)], env=env)
    assert result.exit_code == 0
    assert "needs no models, tools or retrievers" in result.stdout


@pytest.mark.parametrize("content", ["a: [unclosed", "kind: app\napp: {mode: workflow}\n"])
def test_a_bad_dsl_file_exits_2_with_the_error_on_stderr(
    tmp_path: Path, env: dict[str, str], content: str
) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(content)
    result = CliRunner().invoke(app, ["check", str(path)], env=env)
    assert result.exit_code == 2
    assert result.stderr.startswith("cannot load workflow: ")
    assert str(path) in result.stderr
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
