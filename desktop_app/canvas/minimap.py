"""A small overview of the whole graph in the canvas' bottom-right corner.

The scene is rendered into a pixmap at most a few times a second (scene changes are
coalesced by a single-shot timer), so a minimap costs nothing per recolour; only the
frame of the visible area is drawn live.  Clicking or dragging in it moves the view.

It knows the view only as a :class:`Viewport` (what part of the scene is visible,
where its viewport sits, how to centre it), so the view owns the minimap and not
the other way round.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, QTimer, Slot
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from desktop_app.canvas.layout import CONTAINER_HEADER
from desktop_app.canvas.styles import CanvasStyle

if TYPE_CHECKING:
    from desktop_app.canvas.scene import GraphScene

MINIMAP_SIZE = (200, 128)
MINIMAP_MARGIN = 12
REFRESH_MS = 250


class Viewport(Protocol):
    """The view a minimap overviews."""

    def visible_scene_rect(self) -> QRectF: ...
    def viewport_rect(self) -> QRect: ...
    def center_on(self, point: QPointF) -> None: ...


class MiniMap(QWidget):
    def __init__(self, parent: QWidget, view: Viewport) -> None:
        super().__init__(parent)
        self._view = view
        self._scene: GraphScene | None = None
        self._pixmap: QPixmap | None = None
        self._source = QRectF()
        self._target = QRectF()
        self._style: CanvasStyle | None = None
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(REFRESH_MS)
        self._refresh.timeout.connect(self._render)
        self.resize(*MINIMAP_SIZE)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.hide()

    def set_style(self, style: CanvasStyle) -> None:
        self._style = style
        self._render()

    def set_scene(self, scene: GraphScene) -> None:
        if self._scene is not None:
            self._scene.changed.disconnect(self._schedule)
        self._scene = scene
        scene.changed.connect(self._schedule)
        self._render()
        self.place()
        self.sync()

    def sync(self) -> None:
        """Shown only while part of the graph is out of sight; repaints the visible-area frame."""
        if self._scene is None:
            self.hide()
            return
        whole = self._scene.itemsBoundingRect()
        hidden = not self._view.visible_scene_rect().adjusted(-2, -2, 2, 2).contains(whole)
        if hidden != self.isVisible():
            self.setVisible(hidden)
        if hidden:
            self.update()

    def place(self) -> None:
        port = self._view.viewport_rect()
        self.move(
            port.right() - self.width() - MINIMAP_MARGIN, port.bottom() - self.height() - MINIMAP_MARGIN
        )

    @Slot()
    def _schedule(self) -> None:
        if not self._refresh.isActive():
            self._refresh.start()

    @Slot()
    def _render(self) -> None:
        if self._scene is None or self._style is None:
            return
        source = self._scene.itemsBoundingRect()
        if source.isEmpty():
            return
        pixmap = QPixmap(self.size() * self.devicePixelRatioF())
        pixmap.setDevicePixelRatio(self.devicePixelRatioF())
        pixmap.fill(QColor(self._style.palette.panel))
        box = QRectF(4, 4, self.width() - 8, self.height() - 8)
        scale = min(box.width() / source.width(), box.height() / source.height())
        w, h = source.width() * scale, source.height() * scale
        target = QRectF(box.x() + (box.width() - w) / 2, box.y() + (box.height() - h) / 2, w, h)
        painter = QPainter(pixmap)
        painter.fillRect(target, self._style.background)
        self._draw_nodes(painter, source, target)
        painter.end()
        self._pixmap, self._source, self._target = pixmap, source, target
        self.update()

    def _draw_nodes(self, painter: QPainter, source: QRectF, target: QRectF) -> None:
        """Every node as a block of its state's colour (containers as their body) -- not scene.render,
        which would scale the cards' cached pixmaps down to a grey blur."""
        assert self._scene is not None and self._style is not None
        scale = target.width() / source.width()
        painter.setPen(Qt.PenStyle.NoPen)
        items = sorted(self._scene.nodes.values(), key=lambda item: item.zValue())
        for item in items:
            box = item.box.rect
            rect = QRectF(
                target.x() + (box.x - source.x()) * scale,
                target.y() + (box.y - source.y()) * scale,
                max(box.w * scale, 1.5),
                max(box.h * scale, 1.5),
            )
            if item.box.is_container:
                painter.fillRect(rect, self._style.container_body)
                rect.setHeight(max(CONTAINER_HEADER * scale, 1.5))
            painter.fillRect(rect, self._style.node(item.state).solid)

    def _to_map(self, rect: QRectF) -> QRectF:
        scale = self._target.width() / self._source.width()
        return QRectF(
            self._target.x() + (rect.x() - self._source.x()) * scale,
            self._target.y() + (rect.y() - self._source.y()) * scale,
            rect.width() * scale,
            rect.height() * scale,
        )

    def _to_scene(self, point: QPointF) -> QPointF:
        scale = self._source.width() / self._target.width()
        return QPointF(
            self._source.x() + (point.x() - self._target.x()) * scale,
            self._source.y() + (point.y() - self._target.y()) * scale,
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._pixmap is None or self._style is None:
            return
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._pixmap)
        painter.setPen(QPen(QColor(self._style.palette.container_border), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))
        visible = self._to_map(self._view.visible_scene_rect()).intersected(QRectF(self.rect()))
        accent = QColor(self._style.palette.accent)
        painter.setPen(QPen(accent, 1.5))
        accent.setAlpha(28)
        painter.setBrush(accent)
        painter.drawRect(visible)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._jump(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._jump(event)

    def _jump(self, event: QMouseEvent) -> None:
        if self._pixmap is not None:
            self._view.center_on(self._to_scene(event.position()))
            self.update()
        event.accept()
