"""The canvas widget: positions, live colours of a real run, badges, edges, clicks, reuse, themes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QColor

from desktop_app import theme
from desktop_app.canvas import GraphView
from desktop_app.run_state import NodeView, RunState
from engine import load_workflow
from engine.api import EngineEvent, Flowdeck, Workflow
from tests.desktop_app.conftest import SAMPLE, SAMPLE_MOCKS
from tests.desktop_app.test_canvas_layout import corpus


@pytest.fixture
def view(qtbot) -> GraphView:  # type: ignore[no-untyped-def]
    widget = GraphView()
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture(scope="module")
def sample_run() -> tuple[Workflow, RunState]:
    """A real run of the sample, followed live: its events turned into the views the console draws."""
    import tempfile

    from engine.api import Settings

    with tempfile.TemporaryDirectory() as tmp:
        deck = Flowdeck(Settings(database_url=f"sqlite:///{tmp}/runs.db"))
        events: list[EngineEvent] = []
        try:
            handle = deck.start(
                SAMPLE, {"region": "us", "days": 7}, mocks=SAMPLE_MOCKS, listeners=[events.append]
            )
            handle.wait(30)
        finally:
            deck.close()
    workflow = load_workflow(SAMPLE)
    state = RunState(handle.run_id, workflow=workflow)
    state.apply_events(sorted(events, key=lambda e: e.seq))
    assert state.status == "failed"
    return workflow, state


def center_of(view: GraphView, node_id: str) -> QPoint:
    item = view.graph_scene.nodes[node_id]  # type: ignore[union-attr]
    return view.mapFromScene(item.mapToScene(item.boundingRect().center()))


def test_items_stand_where_the_dify_export_puts_them(view: GraphView) -> None:
    workflow = corpus("iteration_contains_answer.yml")
    view.set_workflow(workflow)
    scene = view.graph_scene
    assert scene is not None
    container = scene.nodes["iteration_node"]
    assert (container.pos().x(), container.pos().y()) == workflow.node("iteration_node").position
    body = container.sceneBoundingRect()
    for child_id in workflow.subgraphs["iteration_node"].nodes:
        child = scene.nodes[child_id]
        rx, ry = workflow.node(child_id).position
        assert child.pos() == container.pos() + QPointF(rx, ry)
        assert body.contains(child.mapRectToScene(QRectF(0, 0, child.w, child.h)))
    assert all(view.node_state(n) == "pending" for n in workflow.all_nodes())


def test_a_real_run_colours_nodes_badges_and_edges_as_its_records_say(
    view: GraphView, sample_run: tuple[Workflow, RunState]
) -> None:
    workflow, state = sample_run
    view.set_workflow(workflow)
    view.apply({n: state.view(n) for n in state.nodes}, state.status)
    assert view.node_state("publish") == "failed"
    assert view.node_state("fx_rates") == "exception"
    assert view.node_state("flag_large") == "skipped"
    assert view.node_state("summarise") == "succeeded"
    assert view.node_state("end") == "pending"  # never reached
    assert view.node_badge("summarise") == "\u00d72"  # a failed attempt, then the good one
    assert view.node_badge("fx_rates") == "\u00d73"
    assert view.node_badge("load_orders") == ""
    assert view.edge_style("e-large-clear") == "taken"  # the if-else ended on "false"
    assert view.edge_style("e-large-flag") == "skipped"
    assert view.edge_style("e-flag-note") == "skipped"
    assert view.edge_style("e-fx-build") == "taken"  # a default-value exception goes on
    assert view.edge_style("e-publish-end") == "pending"
    scene = view.graph_scene
    assert scene is not None
    assert scene.edges["e-large-flag"].pen().style() == Qt.PenStyle.DashLine
    assert scene.edges["e-large-clear"].pen().style() == Qt.PenStyle.SolidLine
    assert scene.nodes["summarise"].elapsed.endswith(" s")  # elapsed time shown once known
    view.reset_states()
    assert view.node_state("publish") == "pending" and view.node_badge("summarise") == ""
    assert view.edge_style("e-large-flag") == "pending"


def test_a_fail_branch_exception_takes_the_fail_branch_edge(view: GraphView) -> None:
    workflow = load_workflow(
        {
            "nodes": [
                {"id": "start", "data": {"type": "start", "title": "Start", "variables": []}},
                {
                    "id": "call",
                    "data": {
                        "type": "template-transform",
                        "title": "Call",
                        "template": "x",
                        "variables": [],
                        "error_strategy": "fail-branch",
                    },
                },
                {"id": "ok", "data": {"type": "end", "title": "Ok", "outputs": []}},
                {"id": "bad", "data": {"type": "end", "title": "Bad", "outputs": []}},
            ],
            "edges": [
                {"id": "a", "source": "start", "target": "call"},
                {"id": "ok-edge", "source": "call", "target": "ok"},
                {"id": "fail-edge", "source": "call", "sourceHandle": "fail-branch", "target": "bad"},
            ],
        }
    )
    view.set_workflow(workflow)
    view.apply(
        {"call": NodeView("call", state="exception"), "ok": NodeView("ok", state="skipped")}, "running"
    )
    assert view.edge_style("fail-edge") == "taken"
    assert view.edge_style("ok-edge") == "skipped"
    scene = view.graph_scene
    assert scene is not None
    ports = scene.nodes["call"].box.handles
    assert ports == ("source", "fail-branch")
    starts = {e: scene.edges[e].path.elementAt(0) for e in ("ok-edge", "fail-edge")}
    assert starts["ok-edge"].y < starts["fail-edge"].y  # each handle leaves from its own port


def test_clicking_a_node_emits_its_id_and_the_background_emits_empty(qtbot, view: GraphView) -> None:  # type: ignore[no-untyped-def]
    view.set_workflow(load_workflow(SAMPLE))
    with qtbot.waitSignal(view.node_selected, timeout=2000) as clicked:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=center_of(view, "summarise"))
    assert clicked.args == ["summarise"]
    assert view.graph_scene.nodes["summarise"].selected  # type: ignore[union-attr]
    with qtbot.waitSignal(view.node_selected, timeout=2000) as cleared:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(4, 4))
    assert cleared.args == [""]
    assert not view.graph_scene.nodes["summarise"].selected  # type: ignore[union-attr]


def test_select_node_highlights_and_scrolls_it_into_view(view: GraphView) -> None:
    view.set_workflow(load_workflow(SAMPLE))
    view.resetTransform()
    view.centerOn(0, 0)
    view.select_node("end")
    item = view.graph_scene.nodes["end"]  # type: ignore[union-attr]
    assert item.selected
    assert view.visible_scene_rect().contains(item.sceneBoundingRect())
    view.select_node("start")
    assert not item.selected and view.graph_scene.nodes["start"].selected  # type: ignore[union-attr]


def test_the_same_graph_twice_reuses_its_laid_out_scene(
    view: GraphView, sample_run: tuple[Workflow, RunState]
) -> None:
    workflow, state = sample_run
    view.set_workflow(workflow)
    scene, item = view.graph_scene, view.graph_scene.nodes["publish"]  # type: ignore[union-attr]
    view.apply({n: state.view(n) for n in state.nodes}, state.status)
    view.set_workflow(load_workflow(SAMPLE))  # a new load of the same file: same graph hash
    assert view.graph_scene is scene and scene.nodes["publish"] is item  # type: ignore[union-attr]
    assert view.node_state("publish") == "pending"  # states reset for the next run
    view.set_workflow(corpus("loop_contains_answer.yml"))
    assert view.graph_scene is not scene
    view.set_workflow(workflow)
    assert view.graph_scene is scene


def test_dark_theme_recolours_the_same_items(view: GraphView, sample_run: tuple[Workflow, RunState]) -> None:
    workflow, state = sample_run
    view.set_workflow(workflow)
    view.apply({n: state.view(n) for n in state.nodes}, state.status)
    item = view.graph_scene.nodes["publish"]  # type: ignore[union-attr]
    light = item.style.node("failed").border.color()
    view.set_dark(True)
    assert (
        item.style.node("failed").border.color()
        == QColor(theme.palette(True).state("failed").border)
        != light
    )
    assert view.backgroundBrush().color() == QColor(theme.DARK.canvas)
    assert view.node_state("publish") == "failed"
