"""Node and badge items of the canvas (containers: desktop_app.canvas.container).

Items paint themselves from the cached pens/brushes of :mod:`desktop_app.canvas.styles`; a
recolour changes a state key and calls ``update()`` only when something the item shows
changed.  Below ``theme.TEXT_MIN_SCALE`` a card is one filled rectangle and no text is drawn.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from desktop_app import theme
from desktop_app.canvas.layout import PORT_SPACING, PORTS_TOP, START_MARKER_TYPES, NodeBox
from desktop_app.canvas.styles import CanvasStyle, NodeLook
from engine.api import NodeStatus

TYPE_LABELS: dict[str, tuple[str, str]] = {  # node type -> (glyph, label)
    "start": ("▶", "Start"),
    "end": ("■", "End"),
    "answer": ("↩", "Answer"),
    "llm": ("✦", "LLM"),
    "code": ("{}", "Code"),
    "http-request": ("⇄", "HTTP request"),
    "if-else": ("◇", "If / else"),
    "question-classifier": ("≡", "Classifier"),
    "template-transform": ("T", "Template"),
    "variable-aggregator": ("⊕", "Aggregator"),
    "variable-assigner": ("⊕", "Aggregator"),
    "assigner": ("=", "Assigner"),
    "iteration": ("⟳", "Iteration"),
    "loop": ("↻", "Loop"),
    "iteration-start": ("▶", "Iteration start"),
    "loop-start": ("▶", "Loop start"),
    "knowledge-retrieval": ("⌕", "Knowledge"),
    "tool": ("⚙", "Tool"),
    "parameter-extractor": ("⋯", "Extractor"),
    "document-extractor": ("⎘", "Documents"),
    "list-operator": ("☰", "List"),
}
RING = 4.0  # selection ring outside the card
_PORT = 4.0


def format_elapsed(seconds: float) -> str:
    if seconds < 1.0:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60.0:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} m {rest:02d} s"


def lod(option: QStyleOptionGraphicsItem, painter: QPainter) -> float:
    return option.levelOfDetailFromTransform(painter.worldTransform())


class BadgeItem(QGraphicsItem):
    """A pill on a card's top-right corner (the attempts of a retried node); hidden when empty."""

    def __init__(self, parent: NodeItem) -> None:
        super().__init__(parent)
        self.text = ""
        self.setZValue(theme.Z_BADGE - theme.Z_NODE)
        self.setVisible(False)
        self._style = parent.style

    def set_text(self, text: str) -> None:
        if text != self.text:
            self.text = text
            self.update()
        visible = bool(text)
        if visible != self.isVisible():
            self.setVisible(visible)

    def set_style(self, style: CanvasStyle) -> None:
        self._style = style
        self.update()

    def boundingRect(self) -> QRectF:
        r = theme.BADGE_RADIUS
        return QRectF(-r * 1.6, -r, r * 3.2, r * 2)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        painter.setPen(self._style.badge_pen)
        painter.setBrush(self._style.badge_brush)
        rect = self.boundingRect().adjusted(1, 1, -1, -1)
        painter.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)
        if lod(option, painter) >= theme.TEXT_MIN_SCALE:
            painter.setPen(self._style.badge_text)
            painter.setFont(self._style.badge_font)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.text)


class NodeItem(QGraphicsItem):
    """One node card: type glyph, elided title, type · elapsed line, state colours, ports."""

    ring_on_card = True

    def __init__(self, box: NodeBox, style: CanvasStyle) -> None:
        super().__init__()
        self.box = box
        self.style = style
        self.state = NodeStatus.PENDING
        self.elapsed = ""
        self.selected = False
        self.running_since: float | None = None  # monotonic seconds, for the delayed animation
        self.phase = -1.0  # dash offset of the running border; < 0 = not animating
        self.w, self.h = box.rect.w, box.rect.h
        m = RING + 2.0
        self._bounds = QRectF(-m, -m, self.w + 2 * m, self.h + 2 * m)
        self.setPos(box.rect.x, box.rect.y)
        self.setZValue(theme.Z_NODE)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)  # clicks and drags go to the view
        # a card is small: caching its pixels means a repaint of the scene only re-runs paint()
        # for the cards whose state changed (measured in benchmarks/gui_canvas.py)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        glyph, label = TYPE_LABELS.get(box.node_type, ("•", box.node_type))
        self.glyph, self.type_label = glyph, label
        self._title = self._elided_title()
        self.badge = BadgeItem(self)
        self.badge.setPos(self.w - 8.0, -3.0)

    # ------------------------------------------------------------- updates
    def set_view(self, state: str, elapsed: str, badge: str) -> bool:
        """Show a state; returns True when anything drawn changed."""
        self.badge.set_text(badge)
        if state == self.state and elapsed == self.elapsed:
            return False
        self.state, self.elapsed = state, elapsed
        self.update()
        return True

    def set_selected(self, selected: bool) -> None:
        if selected != self.selected:
            self.selected = selected
            self.setZValue(theme.Z_NODE + (1.0 if selected else 0.0))
            self.update()

    def set_style(self, style: CanvasStyle) -> None:
        self.style = style
        self.badge.set_style(style)
        self._title = self._elided_title()
        self.update()

    # ----------------------------------------------------------- geometry
    def in_port(self) -> QPointF:
        return self.mapToScene(QPointF(0.0, self._port_row_y()))

    def out_port(self, handle: str) -> QPointF:
        return self.mapToScene(QPointF(self.w, self._handle_y(handle)))

    def _port_row_y(self) -> float:
        return self.h / 2

    def _handle_y(self, handle: str) -> float:
        handles = self.box.handles
        if len(handles) < 2:
            return self._port_row_y()
        index = handles.index(handle) if handle in handles else 0
        return PORTS_TOP + index * PORT_SPACING

    def boundingRect(self) -> QRectF:
        return self._bounds

    def _meta(self) -> str:
        parts = [self.type_label] if not self.box.title.lower().startswith(self.type_label.lower()) else []
        if self.elapsed:
            parts.append(self.elapsed)
        return "  ·  ".join(parts) or self.type_label

    def _elided_title(self) -> str:
        if self.box.node_type in START_MARKER_TYPES:
            return ""
        room = self.w - 52.0 - 28.0
        return QFontMetricsF(self.style.title_font).elidedText(
            self.box.title, Qt.TextElideMode.ElideRight, room
        )

    # ------------------------------------------------------------- paint
    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        look = self.style.node(self.state)
        card = QRectF(0.0, 0.0, self.w, self.h)
        scale = lod(option, painter)
        if scale < theme.TEXT_MIN_SCALE:
            painter.fillRect(card, look.solid)
            if self.selected:
                painter.setPen(self.style.selection_pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(card.adjusted(-RING, -RING, RING, RING))
            if scale >= theme.TITLE_MIN_SCALE:
                self._paint_overview_title(painter, card, look, scale)
            return
        self._paint_card(painter, card, look)
        self._paint_ports(painter)

    def _paint_overview_title(self, painter: QPainter, card: QRectF, look: NodeLook, scale: float) -> None:
        """Zoomed out: the title alone, at a size that still reads on screen (semantic zoom)."""
        font = QFont(self.style.title_font)
        font.setPointSizeF(theme.TITLE_SCREEN_PT / scale)
        painter.setFont(font)
        light_fill = look.solid.color().lightnessF() > 0.62  # pending, skipped: dark text reads there
        painter.setPen(QColor(self.style.palette.text) if light_fill else look.icon_text)
        inner = card.adjusted(6.0, 2.0, -6.0, -2.0)
        text = QFontMetricsF(font).elidedText(self.box.title, Qt.TextElideMode.ElideRight, inner.width())
        painter.drawText(inner, Qt.AlignmentFlag.AlignCenter, text)

    def _border_pen(self, base: QPen) -> QPen:
        if self.phase < 0:
            return base
        pen = QPen(base)
        pen.setWidthF(2.4)
        pen.setStyle(Qt.PenStyle.DashLine)
        pen.setDashOffset(self.phase)
        return pen

    def _paint_card(self, painter: QPainter, card: QRectF, look: NodeLook) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        radius = theme.NODE_RADIUS
        if self.selected and self.ring_on_card:
            painter.setPen(self.style.selection_pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            ring = card.adjusted(-RING, -RING, RING, RING)
            painter.drawRoundedRect(ring, radius + RING, radius + RING)
        painter.setPen(self._border_pen(look.border))
        painter.setBrush(look.body)
        if self.box.node_type in START_MARKER_TYPES:
            painter.drawEllipse(card.adjusted(4, 4, -4, -4))
            pending = self.state == NodeStatus.PENDING
            painter.setPen(self.style.muted_pen.color() if pending else look.icon_text)
            painter.setFont(self.style.glyph_font)
            painter.drawText(card, Qt.AlignmentFlag.AlignCenter, self.glyph)
            return
        painter.drawRoundedRect(card, radius, radius)
        top = max(0.0, (card.height() - 46.0) / 2) if len(self.box.handles) < 2 else 0.0
        icon = QRectF(10.0, top + 11.0, 28.0, 28.0)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(look.icon)
        painter.drawRoundedRect(icon, 6.0, 6.0)
        painter.setPen(look.icon_text)
        painter.setFont(self.style.glyph_font)
        painter.drawText(icon, Qt.AlignmentFlag.AlignCenter, self.glyph)
        painter.setPen(self.style.title_pen)
        painter.setFont(self.style.title_font)
        painter.drawText(
            QRectF(48.0, top + 9.0, self.w - 80.0, 18.0), Qt.AlignmentFlag.AlignVCenter, self._title
        )
        painter.setPen(self.style.muted_pen)
        painter.setFont(self.style.meta_font)
        meta_room = self.w - (96.0 if len(self.box.handles) > 1 else 60.0)
        painter.drawText(
            QRectF(48.0, top + 28.0, meta_room, 16.0), Qt.AlignmentFlag.AlignVCenter, self._meta()
        )
        if self.state != NodeStatus.PENDING:
            painter.setPen(look.border.color())
            painter.setFont(self.style.glyph_font)
            painter.drawText(
                QRectF(self.w - 30.0, top + 9.0, 20.0, 18.0),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                self.style.palette.state(self.state).glyph,
            )

    def _paint_ports(self, painter: QPainter) -> None:
        painter.setPen(self.style.port_pen)
        painter.setBrush(self.style.port_brush)
        if self.box.node_type != "start" and self.box.node_type not in START_MARKER_TYPES:
            painter.drawEllipse(QPointF(0.0, self._port_row_y()), _PORT, _PORT)
        labelled = len(self.box.handles) > 1
        for handle, label in zip(self.box.handles, self.box.handle_labels, strict=True):
            if not labelled and handle not in self.box.wired:
                continue  # a node nothing follows shows no out-port
            y = self._handle_y(handle)
            painter.drawEllipse(QPointF(self.w, y), _PORT, _PORT)
            if labelled and label:
                painter.setPen(self.style.label_pen)
                painter.setFont(self.style.label_font)
                rect = QRectF(self.w - 62.0, y - 8.0, 54.0, 16.0)
                painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
                painter.setPen(self.style.port_pen)
