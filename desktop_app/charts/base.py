"""What every chart of the panel shares: a themed PlotWidget with an empty-state message."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPen, QTextDocumentFragment
from PySide6.QtWidgets import QLabel, QStackedLayout, QVBoxLayout, QWidget

from desktop_app import theme


class StyleCache:
    """QBrush/QPen objects per colour, built once, so redraws hand Qt the same objects."""

    def __init__(self) -> None:
        self._brushes: dict[tuple[str, int, int], QBrush] = {}
        self._pens: dict[tuple[str, float, int], QPen] = {}

    def brush(
        self, colour: str, alpha: int = 255, pattern: Qt.BrushStyle = Qt.BrushStyle.SolidPattern
    ) -> QBrush:
        key = (colour, alpha, int(pattern.value))
        brush = self._brushes.get(key)
        if brush is None:
            qcolour = QColor(colour)
            qcolour.setAlpha(alpha)
            brush = self._brushes[key] = QBrush(qcolour, pattern)
        return brush

    def pen(self, colour: str, width: float = 1.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
        key = (colour, width, int(style.value))
        pen = self._pens.get(key)
        if pen is None:
            pen = QPen(QColor(colour), width, style)
            pen.setCosmetic(True)
            self._pens[key] = pen
        return pen


class ChartView(QWidget):
    """A PlotWidget, or a centred message when there is nothing to draw."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        dark: bool = False,
        empty: str = "No run selected",
        axis_items: dict[str, pg.AxisItem] | None = None,
    ) -> None:
        super().__init__(parent)
        self.palette_ = theme.palette(dark)
        self.styles = StyleCache()
        self.plot_widget = pg.PlotWidget(self, axisItems=axis_items)
        self.plot_widget.setAntialiasing(True)
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.view_box = self.plot.getViewBox()
        self.view_box.setZValue(1)  # above the axes (z 0.5): bars cover the grid lines, not the other way
        self._message = QLabel(empty, self)
        self._message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._message.setObjectName("chartEmptyMessage")

        body = QWidget(self)
        self._caption = QLabel("", body)
        self._caption.setObjectName("chartCaption")
        self._caption.setTextFormat(Qt.TextFormat.RichText)
        self._caption.setVisible(False)
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self._caption)
        column.addWidget(self.plot_widget, 1)

        self._stack = QStackedLayout(self)
        self._stack.addWidget(body)
        self._stack.addWidget(self._message)
        self._body = body
        self.show_message(empty)
        self.apply_palette(dark)

    # ------------------------------------------------------------- states
    def show_message(self, text: str) -> None:
        self._message.setText(text)
        self._stack.setCurrentWidget(self._message)

    def show_plot(self) -> None:
        self._stack.setCurrentWidget(self._body)

    @property
    def message(self) -> str:
        """The empty-state message on screen, or ``""`` while the chart is shown."""
        return self._message.text() if self._stack.currentWidget() is self._message else ""

    def set_caption(self, text: str) -> None:
        self._caption.setText(text)
        self._caption.setVisible(bool(text))

    @property
    def caption(self) -> str:
        """The caption as plain text."""
        return QTextDocumentFragment.fromHtml(self._caption.text()).toPlainText()

    def legend_html(self, names: list[str], extra: str = "") -> str:
        """Coloured squares with the theme's label of each state, for a caption."""
        pal = self.palette_
        parts = [
            f'<span style="color:{pal.state(n).fill}">■</span>&nbsp;{html.escape(pal.state(n).label)}'
            for n in names
        ]
        if extra:
            parts.append(extra)
        return f'<span style="color:{pal.text_muted}">{"&nbsp;&nbsp;&nbsp;".join(parts)}</span>'

    # ------------------------------------------------------------- theme
    def clicked_row(self, event: object) -> float | None:
        """The plot's y (row) under a left click inside the plot area, or None."""
        if getattr(event, "button", lambda: None)() != Qt.MouseButton.LeftButton:
            return None
        scene_pos = event.scenePos()  # type: ignore[attr-defined]
        if not self.view_box.sceneBoundingRect().contains(scene_pos):
            return None
        return float(self.view_box.mapSceneToView(scene_pos).y())

    def new_bar_series(self, z: float) -> pg.BarGraphItem:
        """An empty horizontal bar series on the plot (filled later with ``setOpts``)."""
        item = pg.BarGraphItem(x0=np.zeros(0), x1=np.zeros(0), y=np.zeros(0), height=theme.CHART_BAR_HEIGHT)
        item.setZValue(z)
        self.plot.addItem(item)
        return item

    def apply_palette(self, dark: bool) -> None:
        pal = self.palette_ = theme.palette(dark)
        self.plot_widget.setBackground(pal.panel)
        font = QFont()
        font.setPointSize(theme.CHART_FONT_PT)
        for name in ("left", "bottom", "right", "top"):
            axis = self.plot.getAxis(name)
            axis.setPen(self.styles.pen(pal.grid))
            axis.setTextPen(self.styles.pen(pal.text_muted))
            axis.setStyle(tickFont=font)
            axis.label.setDefaultTextColor(QColor(pal.text_muted))
        self._style_band()
        self._message.setStyleSheet(
            f"QLabel {{ background: {pal.panel}; color: {pal.text_muted}; font-size: 11pt; }}"
        )
        self._caption.setStyleSheet(
            f"QLabel {{ background: {pal.panel}; color: {pal.text}; padding: 6px 10px 2px 10px;"
            f" font-size: {theme.CHART_FONT_PT + 1}pt; }}"
        )

    # ------------------------------------------------------------- selection band
    def highlight_rows(self, rows: list[int]) -> None:
        """A band behind the given rows (the selected node); ``[]`` removes it."""
        band = getattr(self, "_band", None)
        if band is None:
            band = self._band = pg.BarGraphItem(x0=[], x1=[], y=[], height=1.0, pen=pg.mkPen(None))
            band.setZValue(2)
            self.plot.addItem(band, ignoreBounds=True)
            self._band_rows: list[int] = []
            self._style_band()
        if rows == self._band_rows:
            return
        self._band_rows = list(rows)
        n = len(rows)
        band.setOpts(x0=[-1e7] * n, x1=[1e7] * n, y=[float(r) for r in rows], height=1.0)

    @property
    def highlighted_rows(self) -> list[int]:
        return list(getattr(self, "_band_rows", []))

    def _style_band(self) -> None:
        band = getattr(self, "_band", None)
        if band is not None:
            band.setOpts(brush=self.styles.brush(self.palette_.selection, 46))

    def set_row_ticks(self, labels: list[str], axis: str = "left") -> None:
        self.plot.getAxis(axis).setTicks([list(enumerate(labels)), []])
