"""Edge items and how an edge's state follows from the states of its two nodes."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from desktop_app import theme
from desktop_app.canvas.styles import CanvasStyle, EdgeState
from engine.api import NodeStatus

#: a node in one of these states has ended and taken the edges of the handle it chose
ENDED_STATES = frozenset({NodeStatus.SUCCEEDED, NodeStatus.EXCEPTION, NodeStatus.REUSED})
_ARROW = 7.0


def edge_state(handle: str, source_state: str, source_handle: str | None, target_state: str) -> str:
    """``taken`` | ``skipped`` | ``pending`` for an edge leaving ``handle`` of its source.

    ``source_handle`` is the handle the source ended on (``None`` while it has not ended).
    """
    if source_state in ENDED_STATES and source_handle is not None:
        return EdgeState.TAKEN if source_handle == handle else EdgeState.SKIPPED
    if NodeStatus.SKIPPED in (source_state, target_state):
        return EdgeState.SKIPPED
    return EdgeState.PENDING


class EdgeItem(QGraphicsItem):
    """A cubic curve from a source port (right side) to a target's left port, with an arrow head."""

    def __init__(self, edge_id: str, start: QPointF, end: QPointF, style: CanvasStyle) -> None:
        super().__init__()
        self.edge_id = edge_id
        self.state = EdgeState.PENDING
        self.style = style
        self.setZValue(theme.Z_EDGE)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.path = self._curve(start, end)
        self.arrow = QPolygonF(
            [
                end,
                QPointF(end.x() - _ARROW * 1.3, end.y() - _ARROW / 1.6),
                QPointF(end.x() - _ARROW * 1.3, end.y() + _ARROW / 1.6),
            ]
        )
        self._bounds = self.path.boundingRect().united(self.arrow.boundingRect()).adjusted(-3, -3, 3, 3)

    @staticmethod
    def _curve(start: QPointF, end: QPointF) -> QPainterPath:
        path = QPainterPath(start)
        reach = max(40.0, abs(end.x() - start.x()) / 2)
        stop = QPointF(end.x() - _ARROW * 1.2, end.y())
        path.cubicTo(QPointF(start.x() + reach, start.y()), QPointF(stop.x() - reach, stop.y()), stop)
        return path

    def set_state(self, state: str) -> bool:
        if state == self.state:
            return False
        self.state = state
        self.update()
        return True

    def set_style(self, style: CanvasStyle) -> None:
        self.style = style
        self.update()

    def pen(self) -> QPen:
        return self.style.edges[self.state]

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(self.style.edges[self.state])
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.path)
        if option.levelOfDetailFromTransform(painter.worldTransform()) >= theme.TEXT_MIN_SCALE:
            painter.setPen(self.style.edges[self.state].color())
            painter.setBrush(self.style.edge_arrow[self.state])
            painter.drawPolygon(self.arrow)
