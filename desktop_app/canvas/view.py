"""GraphView: the canvas widget the main window embeds (zoom, pan, fit, select, live colours)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QFrame, QGraphicsView, QWidget

from desktop_app.canvas.items import NodeItem
from desktop_app.canvas.minimap import MiniMap
from desktop_app.canvas.scene import GraphScene
from desktop_app.canvas.styles import CanvasStyle, build_style
from desktop_app.run_state import NodeView
from engine.api import Workflow

MIN_SCALE = 0.03
MAX_SCALE = 3.0
WHEEL_STEP = 1.0015  # zoom factor per wheel angle unit (120 units = one notch = ~20 %)
SCENE_CACHE_SIZE = 8
_CLICK_SLOP = 4  # pixels a press may move and still be a click


class GraphView(QGraphicsView):
    node_selected = Signal(str)  # a node was clicked (node id); "" when the background was clicked

    def __init__(self, parent: QWidget | None = None, *, dark: bool = False) -> None:
        super().__init__(parent)
        self._styles: dict[bool, CanvasStyle] = {}
        self._dark = dark
        self._scenes: OrderedDict[str, GraphScene] = OrderedDict()
        self._graph: GraphScene | None = None
        self._selected: NodeItem | None = None
        self._press: QPoint | None = None
        self._pan_from: QPoint | None = None
        self.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, True)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.minimap = MiniMap(self, self)
        self._apply_palette()

    # ------------------------------------------------------------- public API
    def set_workflow(self, workflow: Workflow) -> None:
        """Show a workflow: laid out once per graph hash (later calls reuse the scene), all nodes pending."""
        scene = self._scenes.get(workflow.graph_hash)
        if scene is None:
            scene = GraphScene(workflow, self.canvas_style, self)
            self._scenes[workflow.graph_hash] = scene
            while len(self._scenes) > SCENE_CACHE_SIZE:
                _, old = self._scenes.popitem(last=False)
                if old is not self._graph:
                    old.deleteLater()
        else:
            self._scenes.move_to_end(workflow.graph_hash)
            scene.set_style(self.canvas_style)
        self._clear_selection()
        scene.reset_states()
        if scene is not self._graph:
            self._graph = scene
            self.setScene(scene)
            self.minimap.set_scene(scene)
            self.fit()

    @property
    def graph_scene(self) -> GraphScene | None:
        return self._graph

    def apply(self, views: Mapping[str, NodeView], run_status: str) -> None:
        if self._graph is not None:
            self._graph.apply(views, run_status)

    def reset_states(self) -> None:
        if self._graph is not None:
            self._graph.reset_states()

    def fit(self) -> None:
        if self._graph is None:
            return
        self.fitInView(
            self._graph.itemsBoundingRect().adjusted(-24, -24, 24, 24), Qt.AspectRatioMode.KeepAspectRatio
        )
        self._clamp_zoom()

    def select_node(self, node_id: str) -> None:
        item = self._graph.nodes.get(node_id) if self._graph is not None else None
        self._clear_selection()
        if item is not None:
            item.set_selected(True)
            self._selected = item
            self.ensureVisible(item, 40, 40)

    def set_dark(self, dark: bool) -> None:
        if dark == self._dark:
            return
        self._dark = dark
        self._apply_palette()
        if self._graph is not None:
            self._graph.set_style(self.canvas_style)

    def node_state(self, node_id: str) -> str:
        """The state the node is drawn in; "" when it is not on the canvas (no workflow yet, other graph)."""
        item = self._item(node_id)
        return item.state if item is not None else ""

    def node_badge(self, node_id: str) -> str:
        """The badge text shown on the node ("" if hidden or the node is not on the canvas)."""
        item = self._item(node_id)
        return item.badge.text if item is not None and item.badge.isVisible() else ""

    def edge_style(self, edge_id: str) -> str:
        """ "pending" | "taken" | "skipped"; "" when the edge is not on the canvas."""
        edge = self._graph.edges.get(edge_id) if self._graph is not None else None
        return edge.state if edge is not None else ""

    def zoom(self) -> float:
        return self.transform().m11()

    # ------------------------------------------------------------- internals
    @property
    def canvas_style(self) -> CanvasStyle:
        look = self._styles.get(self._dark)
        if look is None:
            look = self._styles[self._dark] = build_style(self._dark)
        return look

    def _apply_palette(self) -> None:
        self.setBackgroundBrush(self.canvas_style.background)
        self.minimap.set_style(self.canvas_style)

    def _item(self, node_id: str) -> NodeItem | None:
        return self._graph.nodes.get(node_id) if self._graph is not None else None

    def _clear_selection(self) -> None:
        if self._selected is not None:
            self._selected.set_selected(False)
            self._selected = None

    def _clamp_zoom(self) -> None:
        scale = self.zoom()
        if scale < MIN_SCALE or scale > MAX_SCALE:
            factor = min(MAX_SCALE, max(MIN_SCALE, scale)) / scale
            self.scale(factor, factor)
        self._zoom_changed()

    def _zoom_changed(self) -> None:
        if self._graph is not None:
            self._graph.set_zoom(self.zoom())
        self.minimap.sync()

    def _scale_at(self, factor: float, pos: QPoint) -> None:
        """Zoom keeping the scene point under ``pos`` (viewport coordinates) where it is."""
        anchored = self.mapToScene(pos)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.scale(factor, factor)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        drift = self.mapFromScene(anchored) - pos
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + drift.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + drift.y())

    def _node_at(self, pos: QPoint) -> NodeItem | None:
        for item in self.items(pos):
            while item is not None and not isinstance(item, NodeItem):
                item = item.parentItem()
            if isinstance(item, NodeItem):
                return item
        return None

    # ---------------------------------------------------------------- events
    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y()
        if not delta:
            return
        scale = self.zoom()
        target = min(MAX_SCALE, max(MIN_SCALE, scale * WHEEL_STEP**delta))
        factor = target / scale
        if abs(factor - 1.0) > 1e-6:
            self._scale_at(factor, event.position().toPoint())
            self._zoom_changed()
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            now = event.position().toPoint()
            delta = now - self._pan_from
            self._pan_from = now
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton and self._pan_from is not None:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)
        press, self._press = self._press, None
        if event.button() != Qt.MouseButton.LeftButton or press is None:
            return
        if (event.position().toPoint() - press).manhattanLength() > _CLICK_SLOP:
            return  # a drag panned the view
        item = self._node_at(press)
        self._clear_selection()
        if item is not None:
            item.set_selected(True)
            self._selected = item
        self.node_selected.emit(item.box.node_id if item is not None else "")

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        self.minimap.sync()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.minimap.place()

    # ------------------------------------------------ the minimap's Viewport
    def visible_scene_rect(self) -> QRectF:
        return self.mapToScene(self.viewport().rect()).boundingRect()

    def viewport_rect(self) -> QRect:
        return self.viewport().geometry()

    def center_on(self, point: QPointF) -> None:
        self.centerOn(point)
