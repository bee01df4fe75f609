"""Iteration and loop items: a header card in the container's state over a body holding its children."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QStyleOptionGraphicsItem, QWidget

from desktop_app import theme
from desktop_app.canvas.items import RING, NodeItem, lod
from desktop_app.canvas.layout import CONTAINER_HEADER, NodeBox
from desktop_app.canvas.styles import CanvasStyle


class ContainerItem(NodeItem):
    """An iteration/loop: a header card coloured by its state over a body that holds its children."""

    ring_on_card = False

    def __init__(self, box: NodeBox, style: CanvasStyle) -> None:
        super().__init__(box, style)
        self.setZValue(theme.Z_CONTAINER)

    def set_selected(self, selected: bool) -> None:
        if selected != self.selected:
            self.selected = selected
            self.update()

    def _port_row_y(self) -> float:
        return CONTAINER_HEADER / 2

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        body = QRectF(0.0, 0.0, self.w, self.h)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(self.style.container_border)
        painter.setBrush(self.style.container_body)
        painter.drawRoundedRect(body, theme.NODE_RADIUS + 2, theme.NODE_RADIUS + 2)
        look = self.style.node(self.state)
        header = QRectF(0.0, 0.0, self.w, CONTAINER_HEADER)
        if lod(option, painter) < theme.TEXT_MIN_SCALE:
            painter.fillRect(header, look.solid)
            return
        saved_h, self.h = self.h, CONTAINER_HEADER
        try:
            self._paint_card(painter, header, look)
            self._paint_ports(painter)
        finally:
            self.h = saved_h
        if self.selected:
            painter.setPen(self.style.selection_pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(body.adjusted(-RING, -RING, RING, RING), 12, 12)
