"""Fixtures for driving one node directly: build it from a data dict, run it in a hand-made context."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
import yaml

from engine.dsl import load_workflow
from engine.graph import Workflow
from engine.nodes.base import Node, NodeContext, NodeResult
from engine.nodes.cancel import CancelToken
from engine.nodes.registry import node_class
from engine.nodes.services import Services
from engine.settings import Settings
from engine.variables import VariablePool

MakeNode = Callable[..., Node]
RunNode = Callable[..., NodeResult]
LoadSingle = Callable[..., Workflow]


@pytest.fixture(autouse=True)
def _no_user_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWDECK_CONFIG_FILE", "/nonexistent")


def build(data: Mapping[str, Any], node_id: str = "node") -> Node:
    cls = node_class(str(data["type"]))
    assert cls is not None, data["type"]
    return cls(node_id, cls.data_model.model_validate(dict(data)))


def context(
    node_id: str = "node",
    pool: VariablePool | None = None,
    settings: Settings | None = None,
    cancel: CancelToken | None = None,
) -> NodeContext:
    return NodeContext(
        run_id="run-1",
        node_id=node_id,
        execution_id="exec-1",
        attempt=1,
        pool=pool if pool is not None else VariablePool(),
        cancel=cancel if cancel is not None else CancelToken(),
        services=Services(settings if settings is not None else Settings()),
        stream=lambda _name, _chunk: None,
    )


@pytest.fixture
def make_node() -> MakeNode:
    return build


@pytest.fixture
def run_node() -> RunNode:
    def run(
        node: Node,
        pool: VariablePool | None = None,
        *,
        settings: Settings | None = None,
        cancel: CancelToken | None = None,
    ) -> NodeResult:
        return node.run(context(node.id, pool, settings, cancel))

    return run


@pytest.fixture
def load_single() -> LoadSingle:
    """Load a YAML workflow ``start -> node -> end`` whose middle node has ``data``."""

    def load(
        data: Mapping[str, Any], node_id: str = "node", start_vars: list[dict[str, Any]] | None = None
    ) -> Workflow:
        document = {
            "app": {"name": "t", "mode": "workflow"},
            "kind": "app",
            "version": "0.3.0",
            "workflow": {
                "conversation_variables": [
                    {"name": "count", "value_type": "number", "value": 0, "id": "c1"},
                    {"name": "items", "value_type": "array[string]", "value": [], "id": "c2"},
                ],
                "environment_variables": [],
                "graph": {
                    "nodes": [
                        {
                            "id": "start",
                            "data": {"type": "start", "title": "Start", "variables": start_vars or []},
                        },
                        {"id": node_id, "data": dict(data)},
                        {"id": "end", "data": {"type": "end", "title": "End", "outputs": []}},
                    ],
                    "edges": [
                        {"id": "e1", "source": "start", "target": node_id},
                        {"id": "e2", "source": node_id, "target": "end"},
                    ],
                },
            },
        }
        return load_workflow(yaml.safe_dump(document, allow_unicode=True))

    return load
