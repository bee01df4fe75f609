"""Fixtures for the DSL loader tests: small valid documents and container node stand-ins."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from pydantic import Field

from engine.dsl import nodes as dsl_nodes
from engine.nodes.base import BaseNodeData, Node, NodeContext, NodeResult
from engine.nodes.registry import node_class
from engine.variables import Selector, as_selector

START = {
    "id": "start",
    "type": "custom",
    "position": {"x": 0, "y": 0},
    "data": {
        "type": "start",
        "title": "Start",
        "variables": [{"variable": "q", "label": "Question", "type": "text-input", "required": False}],
    },
}
ANSWER = {"id": "answer", "data": {"type": "answer", "title": "Answer", "answer": "You said {{#start.q#}}"}}
END = {
    "id": "end",
    "data": {
        "type": "end",
        "title": "End",
        "outputs": [{"variable": "out", "value_selector": ["start", "q"]}],
    },
}


def app_document(
    nodes: list[dict[str, Any]] | None = None,
    edges: list[dict[str, Any]] | None = None,
    *,
    mode: str = "workflow",
    version: Any = "0.3.1",
    **workflow: Any,
) -> dict[str, Any]:
    """A Dify app export (start -> end by default) as a mapping."""
    nodes = copy.deepcopy(nodes if nodes is not None else [START, END])
    edges = copy.deepcopy(
        edges
        if edges is not None
        else [{"id": "start-source-end-target", "source": "start", "sourceHandle": "source", "target": "end"}]
    )
    return {
        "app": {"name": "fixture app", "mode": mode, "icon": "🤖"},
        "kind": "app",
        "version": version,
        "workflow": {
            "conversation_variables": [],
            "environment_variables": [],
            "features": {},
            **workflow,
            "graph": {"nodes": nodes, "edges": edges},
        },
    }


@pytest.fixture
def app_doc() -> Callable[..., dict[str, Any]]:
    return app_document


@pytest.fixture
def node_lib() -> dict[str, dict[str, Any]]:
    """Fresh copies of the fixture nodes by id."""
    return {n["id"]: copy.deepcopy(n) for n in (START, ANSWER, END)}


class _ContainerData(BaseNodeData):
    start_node_id: str = ""
    iterator_selector: list[str] = Field(default_factory=list)
    output_selector: list[str] = Field(default_factory=list)
    loop_variables: list[dict[str, Any]] | None = None


class _FakeContainer(Node):
    """Stands in for iteration/loop until their modules exist; reads the same fields."""

    type: ClassVar[str] = "iteration"
    data_model: ClassVar[type[BaseNodeData]] = _ContainerData
    data: _ContainerData

    def selectors(self) -> list[Selector]:
        return [as_selector(s) for s in (self.data.iterator_selector, self.data.output_selector) if s]

    def run(self, ctx: NodeContext) -> NodeResult:  # pragma: no cover - never run here
        raise NotImplementedError


@pytest.fixture
def containers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``iteration`` and ``loop`` loadable even while their node modules are being written."""
    real = node_class

    def lookup(node_type: str) -> type[Node] | None:
        cls = real(node_type)
        if cls is None and node_type in ("iteration", "loop"):
            return _FakeContainer
        return cls

    monkeypatch.setattr(dsl_nodes, "node_class", lookup)


def iteration_document(*, with_start_node: bool = True) -> dict[str, Any]:
    """start -> iteration(over start.items; body: [iteration-start ->] echo) -> end."""
    body_entry = "iter-start" if with_start_node else "echo"
    nodes: list[dict[str, Any]] = [
        {
            "id": "start",
            "data": {
                "type": "start",
                "title": "Start",
                "variables": [{"variable": "q", "label": "Q", "type": "text-input"}],
            },
        },
        {
            "id": "iter",
            "data": {
                "type": "iteration",
                "title": "Iteration",
                "start_node_id": body_entry,
                "iterator_selector": ["sys", "files"],
                "output_selector": ["echo", "answer"],
                "output_type": "array[string]",
            },
        },
        {
            "id": "echo",
            "parentId": "iter",
            "data": {
                "type": "answer",
                "title": "Echo",
                "answer": "{{#iter.item#}} at {{#iter.index#}} for {{#start.q#}}",
                "isInIteration": True,
                "iteration_id": "iter",
            },
        },
        {
            "id": "end",
            "data": {
                "type": "end",
                "title": "End",
                "outputs": [{"variable": "all", "value_selector": ["iter", "output"]}],
            },
        },
    ]
    edges = [
        {"source": "start", "target": "iter"},
        {"source": "iter", "target": "end"},
    ]
    if with_start_node:
        nodes.append(
            {
                "id": "iter-start",
                "type": "custom-iteration-start",
                "parentId": "iter",
                "data": {"type": "iteration-start", "title": "", "isInIteration": True},
            }
        )
        edges.append({"source": "iter-start", "target": "echo", "data": {"isInIteration": True}})
    return app_document(nodes, edges)


@pytest.fixture
def iteration_doc() -> Callable[..., dict[str, Any]]:
    return iteration_document
