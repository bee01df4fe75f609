"""Qt pens, brushes and fonts of the canvas, built once per palette from desktop_app.theme.

Items never build a QPen/QBrush while painting or recolouring: they look theirs up here,
so a recolour is a dictionary lookup and an ``update()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPen

from desktop_app import theme
from engine.api import NodeStatus


class EdgeState(StrEnum):
    """How an edge is drawn: what its source chose (a console look, not a record status)."""

    PENDING = "pending"  # its source has not ended
    TAKEN = "taken"
    SKIPPED = "skipped"


#: node states drawn quietly (a thin border, a muted icon)
_QUIET = frozenset({NodeStatus.PENDING, NodeStatus.SKIPPED})


def _mix(a: str, b: str, amount: float) -> QColor:
    """``a`` moved ``amount`` (0..1) of the way towards ``b``."""
    ca, cb = QColor(a), QColor(b)
    return QColor(
        round(ca.red() + (cb.red() - ca.red()) * amount),
        round(ca.green() + (cb.green() - ca.green()) * amount),
        round(ca.blue() + (cb.blue() - ca.blue()) * amount),
    )


@dataclass(frozen=True, slots=True)
class NodeLook:
    body: QBrush  # card background (tinted by the state)
    border: QPen
    icon: QBrush  # the glyph square / overview fill
    icon_text: QColor
    solid: QBrush  # what a zoomed-out card is filled with


@dataclass(frozen=True, slots=True)
class CanvasStyle:
    palette: theme.Palette
    nodes: dict[str, NodeLook]
    edges: dict[str, QPen]
    edge_arrow: dict[str, QBrush]
    title_pen: QPen
    muted_pen: QPen
    selection_pen: QPen
    container_body: QBrush
    container_border: QPen
    port_brush: QBrush
    port_pen: QPen
    badge_brush: QBrush
    badge_pen: QPen
    badge_text: QColor
    label_pen: QPen
    label_brush: QBrush
    background: QBrush
    title_font: QFont
    meta_font: QFont
    glyph_font: QFont
    badge_font: QFont
    label_font: QFont

    def node(self, state: str) -> NodeLook:
        return self.nodes.get(state) or self.nodes[NodeStatus.PENDING]


def _font(size: float, *, bold: bool = False, mono: bool = False) -> QFont:
    font = QFont()
    font.setFamilies(
        [f.strip().strip("'") for f in (theme.MONO_FAMILY if mono else theme.FONT_FAMILY).split(",")]
    )
    font.setPointSizeF(size)
    if bold:
        font.setWeight(QFont.Weight.DemiBold)
    return font


def build_style(dark: bool) -> CanvasStyle:
    pal = theme.palette(dark)
    nodes: dict[str, NodeLook] = {}
    for name in theme.NODE_STATES:
        st = pal.state(name)
        tint = 0.0 if name == NodeStatus.PENDING else (0.10 if name == NodeStatus.SKIPPED else 0.16)
        border = QPen(QColor(st.border), 1.2 if name in _QUIET else 2.0)
        border.setCosmetic(False)
        if st.dashed:
            border.setStyle(Qt.PenStyle.DashLine)
        nodes[name] = NodeLook(
            body=QBrush(_mix(pal.panel, st.fill, tint)),
            border=border,
            icon=QBrush(QColor(st.border if name in _QUIET else st.fill)),
            icon_text=QColor(pal.panel if name in _QUIET else st.text),
            solid=QBrush(QColor(st.border if name in _QUIET else st.fill)),
        )
    taken = QPen(QColor(pal.edge), 2.0)
    pending = QPen(_mix(pal.edge, pal.canvas, 0.35), 1.2)
    skipped = QPen(QColor(pal.edge_skipped), 1.2, Qt.PenStyle.DashLine)
    edges = {EdgeState.TAKEN: taken, EdgeState.PENDING: pending, EdgeState.SKIPPED: skipped}
    selection = QPen(QColor(pal.selection), 3.0)
    return CanvasStyle(
        palette=pal,
        nodes=nodes,
        edges=edges,
        edge_arrow={k: QBrush(p.color()) for k, p in edges.items()},
        title_pen=QPen(QColor(pal.text)),
        muted_pen=QPen(QColor(pal.text_muted)),
        selection_pen=selection,
        container_body=QBrush(QColor(pal.container)),
        container_border=QPen(QColor(pal.container_border), 1.2, Qt.PenStyle.DashLine),
        port_brush=QBrush(QColor(pal.panel)),
        port_pen=QPen(QColor(pal.edge), 1.4),
        badge_brush=QBrush(QColor(pal.state(NodeStatus.RETRYING).fill)),
        badge_pen=QPen(QColor(pal.panel), 2.0),
        badge_text=QColor(pal.state(NodeStatus.RETRYING).text),
        label_pen=QPen(QColor(pal.text_muted)),
        label_brush=QBrush(QColor(pal.panel_alt)),
        background=QBrush(QColor(pal.canvas)),
        title_font=_font(9.5, bold=True),
        meta_font=_font(8.0),
        glyph_font=_font(9.0, bold=True),
        badge_font=_font(8.0, bold=True),
        label_font=_font(7.0, bold=True),
    )
