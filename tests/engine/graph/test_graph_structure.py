"""Graph adjacency and Workflow lookups the scheduler relies on."""

from __future__ import annotations

from typing import Any

import pytest

from engine.dsl import load_workflow
from engine.graph import FAIL_BRANCH_HANDLE, SOURCE_HANDLE, Edge, Graph, Workflow


def _document(mode: str = "workflow", title: str = "Shout") -> dict[str, Any]:
    def node(node_id: str, node_type: str, **data: Any) -> dict[str, Any]:
        return {"id": node_id, "data": {"type": node_type, "title": data.pop("title", node_id), **data}}

    return {
        "kind": "app",
        "version": "0.4.0",
        "app": {"name": "diamond", "mode": mode},
        "workflow": {
            "graph": {
                "nodes": [
                    node("start", "start", variables=[{"variable": "q", "type": "text-input", "label": "Q"}]),
                    node(
                        "left",
                        "template-transform",
                        title=title,
                        template="{{ q }}!",
                        variables=[{"variable": "q", "value_selector": ["start", "q"]}],
                    ),
                    node(
                        "right",
                        "template-transform",
                        title="",
                        template="{{ q }}?",
                        variables=[{"variable": "q", "value_selector": ["start", "q"]}],
                    ),
                    node(
                        "end",
                        "end",
                        outputs=[
                            {"variable": "a", "value_selector": ["left", "output"]},
                            {"variable": "b", "value_selector": ["right", "output"]},
                        ],
                    ),
                ],
                "edges": [
                    {"id": "e1", "source": "start", "target": "left"},
                    {"id": "e2", "source": "start", "target": "right"},
                    {"id": "e3", "source": "left", "target": "end"},
                    {"id": "e4", "source": "right", "target": "end", "sourceHandle": FAIL_BRANCH_HANDLE},
                ],
            }
        },
    }


@pytest.fixture(scope="module")
def workflow() -> Workflow:
    return load_workflow(_document())


def test_adjacency(workflow: Workflow) -> None:
    graph = workflow.graph
    assert graph.root_id == "start"
    assert [e.id for e in graph.out_edges["start"]] == ["e1", "e2"]
    assert [e.id for e in graph.in_edges["end"]] == ["e3", "e4"]
    assert graph.in_edges["start"] == [] and graph.out_edges["end"] == []
    assert graph.predecessors("end") == ["left", "right"]
    assert graph.successors("start") == ["left", "right"]
    assert graph.out_edges["right"][0].source_handle == FAIL_BRANCH_HANDLE
    assert graph.out_edges["left"][0].source_handle == SOURCE_HANDLE


def test_node_specs(workflow: Workflow) -> None:
    left = workflow.node("left")
    assert (left.id, left.type, left.parent_id) == ("left", "template-transform", None)
    assert left.title == "Shout"
    assert workflow.node("right").title == "right"  # an empty title falls back to the id
    assert left.node.id == "left" and left.data.type == "template-transform"
    with pytest.raises(KeyError):
        workflow.node("ghost")


def test_workflow_properties(workflow: Workflow) -> None:
    assert workflow.start_node_id == "start"
    assert not workflow.is_chatflow
    assert set(workflow.all_nodes()) == {"start", "left", "right", "end"}
    assert workflow.subgraphs == {}
    assert workflow.graph_dict["edges"][3]["sourceHandle"] == FAIL_BRANCH_HANDLE


def test_identity_follows_the_graph_not_the_title_of_the_app() -> None:
    a, b = load_workflow(_document()), load_workflow(_document(mode="workflow"))
    changed = load_workflow(_document(title="Whisper"))
    assert a.id == b.id and a.version == b.version
    assert changed.id != a.id


def test_graph_built_by_hand(workflow: Workflow) -> None:
    nodes = {k: workflow.node(k) for k in ("start", "left")}
    graph = Graph(nodes, [Edge("x", "start", "left")], "start")
    assert graph.successors("start") == ["left"]
    assert graph.in_edges["left"][0] == Edge("x", "start", "left", SOURCE_HANDLE)
