"""Where the canvas puts nodes: Dify exports as their authors drew them, bare graphs in layers."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from desktop_app import theme
from desktop_app.canvas.edges import edge_state
from desktop_app.canvas.layout import CanvasLayout, Rect, layout_workflow
from engine import load_workflow
from engine.api import Workflow
from tests.conftest import require_corpus
from tests.desktop_app.conftest import SAMPLE


def corpus(name: str) -> Workflow:
    """A Dify export of the compatibility corpus (skips without it; fails under CI=true)."""
    return load_workflow(require_corpus() / name)


def bare_graph(layers: int, width: int, *, shuffle: bool = False) -> dict[str, Any]:
    """start -> ``layers`` x ``width`` aggregators (each fed by one node of the layer before) -> end."""
    nodes: list[dict[str, Any]] = [
        {"id": "start", "data": {"type": "start", "title": "Start", "variables": []}}
    ]
    edges: list[dict[str, str]] = []
    previous = ["start"]
    for layer in range(layers):
        current = [f"n{layer}_{i}" for i in range(width)]
        order = current[::-1] if shuffle and layer % 2 else current
        for node_id in order:
            nodes.append(
                {"id": node_id, "data": {"type": "variable-aggregator", "title": node_id, "variables": []}}
            )
        for i, node_id in enumerate(current):
            source = previous[min(i, len(previous) - 1)]
            edges.append({"id": f"{source}->{node_id}", "source": source, "target": node_id})
        previous = current
    nodes.append({"id": "end", "data": {"type": "end", "title": "End", "outputs": []}})
    for node_id in previous:
        edges.append({"id": f"{node_id}->end", "source": node_id, "target": "end"})
    return {"nodes": nodes, "edges": edges}


def crossings(layout: CanvasLayout) -> int:
    segments = [(layout.nodes[e.source].rect, layout.nodes[e.target].rect) for e in layout.edges.values()]
    count = 0
    for (a_src, a_dst), (b_src, b_dst) in itertools.combinations(segments, 2):
        same_layers = a_src.x == b_src.x and a_dst.x == b_dst.x and a_src is not b_src and a_dst is not b_dst
        if same_layers and (a_src.y - b_src.y) * (a_dst.y - b_dst.y) < 0:
            count += 1
    return count


def test_a_dify_export_keeps_every_position() -> None:
    workflow = load_workflow(SAMPLE)
    layout = layout_workflow(workflow)
    assert not layout.laid_out
    for node_id, spec in workflow.all_nodes().items():
        box = layout.nodes[node_id]
        assert (box.rect.x, box.rect.y) == spec.position, node_id
    assert layout.nodes["large_orders"].handles == ("true", "false")
    assert layout.nodes["large_orders"].handle_labels == ("IF", "ELSE")


@pytest.mark.parametrize("name", ["iteration_contains_answer.yml", "loop_contains_answer.yml"])
def test_container_children_sit_inside_their_container_at_their_relative_position(name: str) -> None:
    workflow = corpus(name)
    layout = layout_workflow(workflow)
    raw = {n["id"]: n for n in workflow.graph_dict["nodes"]}
    containers = [b for b in layout.nodes.values() if b.is_container]
    assert containers, "the export has an iteration/loop"
    for container in containers:
        assert container.rect.w >= raw[container.node_id]["width"]
        assert container.rect.h >= raw[container.node_id]["height"]
        children = [b for b in layout.nodes.values() if b.parent_id == container.node_id]
        assert len(children) == len(workflow.subgraphs[container.node_id].nodes) >= 2
        for child in children:
            rx, ry = workflow.node(child.node_id).position
            assert (child.rect.x, child.rect.y) == (container.rect.x + rx, container.rect.y + ry)
            assert container.rect.contains(child.rect), child.node_id


def test_complex_branch_export_keeps_positions_and_branch_ports() -> None:
    workflow = corpus("test_complex_branch.yml")
    layout = layout_workflow(workflow)
    for node_id, spec in workflow.all_nodes().items():
        assert (layout.nodes[node_id].rect.x, layout.nodes[node_id].rect.y) == spec.position
    branches = [b for b in layout.nodes.values() if b.node_type == "if-else"]
    assert branches and all(b.handles[-1] == "false" and len(b.handles) >= 2 for b in branches)


def test_a_bare_graph_is_laid_out_in_layers_left_to_right_without_overlaps() -> None:
    workflow = load_workflow(bare_graph(layers=111, width=9))  # 1,001 nodes
    assert len(workflow.graph.nodes) == 1 + 111 * 9 + 1
    layout = layout_workflow(workflow)
    assert layout.laid_out
    for edge in layout.edges.values():
        assert (
            layout.nodes[edge.source].rect.right + theme.LAYER_GAP_X
            <= layout.nodes[edge.target].rect.x + 1e-6
        )
    rects = sorted((b.rect for b in layout.nodes.values()), key=lambda r: (r.x, r.y))
    by_column: dict[float, list[Rect]] = {}
    for rect in rects:
        by_column.setdefault(rect.x, []).append(rect)
    assert len(by_column) == 113  # start, 111 layers, end
    for column in by_column.values():
        for upper, lower in itertools.pairwise(column):
            assert not upper.overlaps(lower)
            assert lower.y - upper.bottom >= theme.ROW_GAP_Y - 1e-6
    end, start = layout.nodes["end"].rect, layout.nodes["start"].rect
    assert end.x > start.x


def test_barycentric_ordering_untangles_rows_given_in_a_crossing_order() -> None:
    layout = layout_workflow(load_workflow(bare_graph(layers=6, width=4, shuffle=True)))
    assert crossings(layout) == 0


def test_a_bare_iteration_body_is_laid_out_inside_its_sized_container() -> None:
    workflow = load_workflow(
        {
            "nodes": [
                {"id": "start", "data": {"type": "start", "title": "Start", "variables": []}},
                {
                    "id": "it",
                    "data": {
                        "type": "iteration",
                        "title": "Each item",
                        "iterator_selector": ["start", "items"],
                        "output_selector": ["inner", "output"],
                        "start_node_id": "it_start",
                    },
                },
                {
                    "id": "it_start",
                    "parentId": "it",
                    "data": {"type": "iteration-start", "isInIteration": True},
                },
                {
                    "id": "inner",
                    "parentId": "it",
                    "data": {
                        "type": "template-transform",
                        "title": "Inner",
                        "template": "x",
                        "variables": [],
                        "isInIteration": True,
                        "iteration_id": "it",
                    },
                },
                {"id": "end", "data": {"type": "end", "title": "End", "outputs": []}},
            ],
            "edges": [
                {"id": "a", "source": "start", "target": "it"},
                {"id": "b", "source": "it_start", "target": "inner"},
                {"id": "c", "source": "it", "target": "end"},
            ],
        }
    )
    layout = layout_workflow(workflow)
    container = layout.nodes["it"].rect
    for child in ("it_start", "inner"):
        assert container.contains(layout.nodes[child].rect)
    assert layout.nodes["it_start"].rect.right < layout.nodes["inner"].rect.x
    assert container.right + theme.LAYER_GAP_X <= layout.nodes["end"].rect.x + 1e-6


@pytest.mark.parametrize(
    ("handle", "source", "ended_on", "target", "expected"),
    [
        ("source", "succeeded", "source", "running", "taken"),
        ("true", "succeeded", "false", "skipped", "skipped"),
        ("false", "succeeded", "false", "succeeded", "taken"),
        ("fail-branch", "exception", "fail-branch", "running", "taken"),
        ("source", "exception", "fail-branch", "skipped", "skipped"),
        ("source", "reused", "source", "pending", "taken"),
        ("source", "skipped", None, "skipped", "skipped"),
        ("source", "failed", None, "pending", "pending"),
        ("source", "running", None, "pending", "pending"),
        ("source", "pending", None, "pending", "pending"),
    ],
)
def test_edge_state_follows_the_handle_its_source_ended_on(
    handle: str, source: str, ended_on: str | None, target: str, expected: str
) -> None:
    assert edge_state(handle, source, ended_on, target) == expected
