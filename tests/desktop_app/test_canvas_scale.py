"""A 1,000-node graph recoloured 20,000 times: no crash, and the work per call is only its own nodes."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtWidgets import QApplication

from desktop_app.canvas import GraphView
from desktop_app.canvas.edges import EdgeItem
from desktop_app.canvas.items import NodeItem
from desktop_app.run_state import NodeView
from engine import load_workflow
from engine.api import NodeExecution
from tests.desktop_app.test_canvas_layout import bare_graph

CALLS = 20_000
FRAME_EVERY = 333  # process events (paint) as often as the bridge would at ~30 Hz under load
RECORDED = frozenset({"running", "succeeded", "exception", "failed"})
STATES = ("running", "retrying", "succeeded", "exception", "failed", "skipped", "reused", "paused")


def test_twenty_thousand_applies_touch_only_the_given_nodes_and_their_edges(
    qtbot,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    view = GraphView()
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.show()
    qtbot.waitExposed(view)
    workflow = load_workflow(bare_graph(layers=111, width=9))
    view.set_workflow(workflow)
    scene = view.graph_scene
    assert scene is not None and len(scene.nodes) == 1001

    work = {"views": 0, "edges": 0, "repaints": 0}
    set_view, set_state, update = NodeItem.set_view, EdgeItem.set_state, NodeItem.update

    def counted_view(self: NodeItem, *args: str) -> bool:
        work["views"] += 1
        return set_view(self, *args)

    def counted_edge(self: EdgeItem, state: str) -> bool:
        work["edges"] += 1
        return set_state(self, state)

    def counted_update(self: NodeItem, *args: object) -> None:
        work["repaints"] += 1
        update(self, *args)

    monkeypatch.setattr(NodeItem, "set_view", counted_view)
    monkeypatch.setattr(EdgeItem, "set_state", counted_edge)
    monkeypatch.setattr(NodeItem, "update", counted_update)

    node_ids = list(workflow.graph.nodes)
    degree = {n: len(scene._in[n]) + len(scene._out[n]) for n in node_ids}
    states = itertools.cycle(STATES)
    expected = {"views": 0, "edges": 0}
    halves: list[dict[str, int]] = []
    last: dict[str, str] = {}
    last_badge: dict[str, str] = {}
    for call in range(CALLS):
        batch = [node_ids[(call * 7 + k * 331) % len(node_ids)] for k in range(1 + call % 3)]
        views = {}
        for node_id in batch:
            state = next(states)
            if state in RECORDED:  # the state comes from a record, as in a live run
                record = NodeExecution(
                    f"{node_id}-{call}",
                    "run",
                    call,
                    node_id,
                    "variable-aggregator",
                    0.0,
                    status=state,
                    retry_count=call % 4,
                    finished_at=None if state == "running" else 1.0,
                )
                views[node_id] = NodeView(node_id, state=state, retries=call % 4, record=record)
                last_badge[node_id] = f"\u00d7{call % 4 + 1}" if call % 4 else ""
            else:
                views[node_id] = NodeView(node_id, state=state)
                last_badge[node_id] = ""
            last[node_id] = state
        view.apply(views, "running")
        expected["views"] += len(views)
        expected["edges"] += len({e for n in views for e in (*scene._in[n], *scene._out[n])})
        if call % FRAME_EVERY == 0:
            if call == 0:
                view.fit()
            QApplication.processEvents()
        if call + 1 in (CALLS // 2, CALLS):
            halves.append(dict(work))
    QApplication.processEvents()

    assert work["views"] == expected["views"]  # one per given node, never a sweep over the graph
    assert work["edges"] == expected["edges"]  # only the edges of those nodes
    assert expected["edges"] <= 3 * max(degree.values()) * CALLS
    assert work["repaints"] <= work["views"]  # repaint requested only for a real change
    first, total = halves
    assert total["views"] - first["views"] == pytest.approx(first["views"], rel=0.01)  # steady, not growing
    for node_id, state in last.items():
        assert view.node_state(node_id) == state
    assert {n: view.node_badge(n) for n in last} == last_badge  # retried nodes show their attempts
    assert any(last_badge.values())
