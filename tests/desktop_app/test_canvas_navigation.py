"""The canvas as an operator moves around it: zoom, fit, level of detail, minimap, panning."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QWheelEvent
from PySide6.QtWidgets import QApplication

from desktop_app import theme
from desktop_app.canvas import GraphView
from desktop_app.run_state import NodeView
from engine import load_workflow
from tests.desktop_app.conftest import SAMPLE
from tests.desktop_app.test_canvas_layout import bare_graph
from tests.desktop_app.test_canvas_view import center_of


@pytest.fixture
def view(qtbot) -> GraphView:  # type: ignore[no-untyped-def]
    widget = GraphView()
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


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
