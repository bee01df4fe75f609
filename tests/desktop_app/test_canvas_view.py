"""The canvas widget: positions, live colours of a real run, badges, edges, clicks, reuse, themes."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QWheelEvent
from PySide6.QtWidgets import QApplication

from desktop_app import theme
from desktop_app.canvas import GraphView
from desktop_app.run_state import NodeView, RunState
from engine import load_workflow
from engine.events import EngineEvent
from engine.graph import Workflow
from engine.service import Flowdeck
from tests.desktop_app.conftest import SAMPLE, SAMPLE_MOCKS
from tests.desktop_app.test_canvas_layout import bare_graph, corpus


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

    from engine.settings import Settings

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


def zoom_in(view: GraphView, notches: int, at: QPointF | None = None) -> None:
    """Turn the mouse wheel over the viewport (negative notches zoom out)."""
    at = at or QPointF(view.viewport().width() / 2, view.viewport().height() / 2)
    for _ in range(abs(notches)):
        event = QWheelEvent(
            at,
            view.viewport().mapToGlobal(at),
            QPoint(0, 0),
            QPoint(0, 120 if notches > 0 else -120),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QApplication.sendEvent(view.viewport(), event)


def test_wheel_zoom_is_anchored_under_the_mouse_and_clamped(view: GraphView) -> None:
    view.set_workflow(load_workflow(SAMPLE))
    view.resetTransform()
    at = QPointF(center_of(view, "summarise"))
    under = view.mapToScene(at.toPoint())
    zoom_in(view, 3, at)
    assert view.zoom() > 1.5
    assert (
        view.mapToScene(at.toPoint()) - under
    ).manhattanLength() < 4 / view.zoom() + 1  # the point stayed put
    zoom_in(view, 60)
    assert view.zoom() == pytest.approx(3.0)
    zoom_in(view, -200)
    assert view.zoom() == pytest.approx(0.03)


def test_fit_shows_the_whole_graph_and_hides_the_minimap(view: GraphView) -> None:
    view.set_workflow(load_workflow(SAMPLE))
    zoom_in(view, 10)
    view.fit()
    assert view.visible_scene_rect().contains(view.graph_scene.itemsBoundingRect())  # type: ignore[union-attr]
    assert not view.minimap.isVisible()  # everything is in sight
    view.resetTransform()
    view.minimap.sync()
    assert view.minimap.isVisible()


def test_the_running_border_animates_only_after_the_theme_delay(qtbot, view: GraphView) -> None:  # type: ignore[no-untyped-def]
    view.set_workflow(load_workflow(SAMPLE))
    item = view.graph_scene.nodes["summarise"]  # type: ignore[union-attr]
    started = time.monotonic()
    view.apply({"summarise": NodeView("summarise", state="running")}, "running")
    assert view.node_state("summarise") == "running" and item.phase < 0
    qtbot.waitUntil(lambda: item.phase >= 0, timeout=3000)
    assert time.monotonic() - started >= theme.RUNNING_ANIMATION_DELAY_MS / 1000
    view.apply({"summarise": NodeView("summarise", state="succeeded")}, "running")
    assert item.phase < 0 and not view.graph_scene.animator.items  # type: ignore[union-attr]


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


def _card_pixels(view: GraphView, node_id: str, scale: float) -> set[int]:
    """The colours painted over a node card when the scene is drawn at ``scale``."""
    item = view.graph_scene.nodes[node_id]  # type: ignore[union-attr]
    rect = item.mapRectToScene(QRectF(0, 0, item.w, item.h)).adjusted(8, 8, -8, -8)
    image = QImage(int(rect.width() * scale), int(rect.height() * scale), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    view.graph_scene.render(painter, QRectF(image.rect()), rect, Qt.AspectRatioMode.IgnoreAspectRatio)  # type: ignore[union-attr]
    painter.end()
    return {image.pixel(x, y) for x in range(image.width()) for y in range(image.height())}


def test_zoomed_out_cards_keep_only_their_title_then_become_plain_colour_blocks(view: GraphView) -> None:
    view.set_workflow(load_workflow(SAMPLE))
    view.apply({"publish": NodeView("publish", state="failed")}, "failed")
    fill = QColor(theme.LIGHT.state("failed").fill).rgb()
    near = _card_pixels(view, "publish", 1.0)
    titled = _card_pixels(view, "publish", (theme.TITLE_MIN_SCALE + theme.TEXT_MIN_SCALE) / 2)
    far = _card_pixels(view, "publish", theme.TITLE_MIN_SCALE * 0.8)
    assert len(near) > 20  # text, glyph, antialiased border
    assert fill in titled and len(titled) > 2  # the solid card and its title's (antialiased) text
    assert far == {fill}


def test_a_thousand_node_bare_graph_fits_in_view(view: GraphView) -> None:
    view.set_workflow(load_workflow(bare_graph(layers=111, width=9)))
    view.fit()
    QApplication.processEvents()
    assert view.zoom() < theme.TEXT_MIN_SCALE  # zoomed out: the level of detail hides text
    scene = view.graph_scene
    assert scene is not None
    assert view.visible_scene_rect().contains(scene.itemsBoundingRect())
    assert view.minimap.isHidden()
    assert view.zoom() < theme.EDGE_MIN_SCALE and not any(e.isVisible() for e in scene.edges.values())
    view.resetTransform()
    zoom_in(view, notches=1)
    assert all(e.isVisible() for e in scene.edges.values())  # 100 % and above: edges are drawn
    assert view.minimap.isVisible()  # most of the graph is out of sight


def test_the_minimap_shows_node_states_and_moves_the_view(qtbot, view: GraphView) -> None:  # type: ignore[no-untyped-def]
    view.set_workflow(load_workflow(SAMPLE))
    view.resetTransform()
    view.centerOn(view.graph_scene.nodes["start"])  # type: ignore[union-attr]
    zoom_in(view, 1)
    assert view.minimap.isVisible()
    view.apply({"publish": NodeView("publish", state="failed")}, "failed")
    failed = QColor(theme.LIGHT.state("failed").fill).rgb()
    qtbot.waitUntil(
        lambda: view.minimap._pixmap is not None and failed in _colours(view.minimap._pixmap.toImage())
    )
    before = view.visible_scene_rect().center()
    qtbot.mouseClick(view.minimap, Qt.MouseButton.LeftButton, pos=QPoint(view.minimap.width() - 12, 64))
    assert view.visible_scene_rect().center().x() > before.x() + 200  # jumped towards the end of the graph


def _colours(image: QImage) -> set[int]:
    return {image.pixel(x, y) for x in range(image.width()) for y in range(image.height())}


def test_dragging_pans_without_selecting_and_unknown_ids_read_empty(qtbot, view: GraphView) -> None:  # type: ignore[no-untyped-def]
    assert view.node_state("publish") == "" and view.edge_style("e-start-load") == ""  # no workflow yet
    view.set_workflow(load_workflow(SAMPLE))
    view.resetTransform()
    view.centerOn(view.graph_scene.nodes["summarise"])  # type: ignore[union-attr]
    before = view.visible_scene_rect().center()
    start = center_of(view, "summarise")
    with qtbot.assertNotEmitted(view.node_selected):
        qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
        for step in range(1, 11):
            qtbot.mouseMove(view.viewport(), start + QPoint(-20 * step, 0))
        qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=start + QPoint(-200, 0))
    assert view.visible_scene_rect().center().x() == pytest.approx(before.x() + 200, abs=2)
    assert not view.graph_scene.nodes["summarise"].selected  # type: ignore[union-attr]
    assert view.node_state("no-such-node") == "" and view.node_badge("no-such-node") == ""
