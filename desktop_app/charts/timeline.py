"""The Gantt timeline: one row per node execution, one bar per attempt, seconds since the run started.

Bars are grouped into one :class:`pyqtgraph.BarGraphItem` per state (a single brush
each, so Qt draws them with one ``drawRects``), plus a hatched overlay on the tries
that failed and were retried.  A redraw only calls ``setOpts`` on the series whose
bars changed, so a live run costs one update of its running bars per tick.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from desktop_app import theme
from desktop_app.charts.base import ChartView
from desktop_app.charts.data import Row, Segment, format_seconds, latest, timeline
from engine.api import NodeExecution, NodeStatus, WorkflowExecution

#: a bar is drawn at least this share of the visible span wide (a 1 ms node stays visible)
_MIN_BAR_SHARE = 0.003
_HATCH = "retried"


class TimelineChart(ChartView):
    node_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, dark: bool = False) -> None:
        super().__init__(parent, dark=dark, empty="No run selected")
        self._rows: list[Row] = []
        self._segments: list[Segment] = []
        self._by_row: dict[int, list[Segment]] = {}
        self._series: dict[str, pg.BarGraphItem] = {}
        self._drawn: dict[str, tuple[bytes, bytes]] = {}
        self._run_id: str | None = None
        self._labels: list[str] = []
        self._span = 0.0
        self._caption_html = ""
        self._total = 0
        self._selected: str | None = None

        self.view_box.invertY(True)
        self.view_box.setMouseEnabled(x=True, y=True)
        self.plot.showGrid(x=True, y=False, alpha=0.35)
        self.plot.setLabel("bottom", "seconds since the run started")
        self.plot.getAxis("left").setWidth(170)
        self._now_line = pg.InfiniteLine(angle=90, movable=False, label="now", labelOpts={"position": 0.02})
        self._now_line.setZValue(50)
        self._now_line.setVisible(False)
        self.plot.addItem(self._now_line, ignoreBounds=True)
        self._hover = pg.TextItem("", anchor=(0, 1))
        self._hover.setZValue(100)
        self._hover.setVisible(False)
        self.plot.addItem(self._hover, ignoreBounds=True)
        scene = self.plot_widget.scene()
        scene.sigMouseMoved.connect(self._on_mouse_moved)
        scene.sigMouseClicked.connect(self._on_mouse_clicked)
        self.apply_palette(dark)

    # ------------------------------------------------------------- data
    def show_run(
        self, run: WorkflowExecution | None, records: Sequence[NodeExecution], now: float | None = None
    ) -> None:
        if run is None:
            self._clear("No run selected")
            return
        shown, self._total = latest(records, theme.CHART_MAX_ROWS)
        rows, segments = timeline(run, shown, now)
        if not rows:
            self._clear("No node has started in this run yet")
            return
        self.show_plot()
        new_run = run.id != self._run_id
        self._run_id = run.id
        self._rows, self._segments = rows, segments
        self._by_row = {}
        for segment in segments:
            self._by_row.setdefault(segment.row, []).append(segment)
        self._span = max((s.end for s in segments), default=0.0)
        self._draw_bars()
        labels = [row.label for row in rows]
        if labels != self._labels:
            grew = len(labels) != len(self._labels)
            self._labels = labels
            self.set_row_ticks(labels)
            if grew or new_run:
                visible = min(len(labels), theme.CHART_MAX_VISIBLE_ROWS)
                self.view_box.setYRange(-0.6, visible - 0.4, padding=0)
        if new_run:
            self.view_box.enableAutoRange(x=True)
        live = any(s.live for s in segments)
        self._now_line.setVisible(live)
        if live:
            self._now_line.setValue(self._span)
        self._caption_for(run, rows, segments)
        self.select_node(self._selected)

    def select_node(self, node_id: str | None) -> None:
        """Highlight the rows of a node (every round of an iteration child)."""
        self._selected = node_id
        self.highlight_rows([i for i, row in enumerate(self._rows) if row.node_id == node_id])

    def _caption_for(self, run: WorkflowExecution, rows: list[Row], segments: list[Segment]) -> None:
        pal = self.palette_
        status = pal.state(run.status)
        elapsed = run.elapsed_time if run.finished_at is not None else self._span
        retried = sum(1 for s in segments if s.retried)
        tries = sum(1 for s in segments if not s.untried)
        head = (
            f'<b style="color:{status.fill}">{status.glyph} {html.escape(status.label)}</b>'
            f"&nbsp;&nbsp;{format_seconds(elapsed)} · {self._count(len(rows))} · {tries} attempts"
        )
        seen = list(dict.fromkeys(s.status for s in segments))
        hatch = "▨&nbsp;failed try, retried" if retried else ""
        caption = f"{head}&nbsp;&nbsp;&nbsp;&nbsp;{self.legend_html(seen, hatch)}"
        if caption != self._caption_html:
            self._caption_html = caption
            self.set_caption(caption)

    def _count(self, rows: int) -> str:
        if rows < self._total:
            return f"latest {rows:,} of {self._total:,} executions"
        return f"{rows} executions"

    def segments(self) -> list[tuple[str, int, float, float, str]]:
        return [s.as_tuple() for s in self._segments]

    @property
    def rows(self) -> list[Row]:
        return list(self._rows)

    def _clear(self, message: str) -> None:
        self._rows, self._segments, self._by_row = [], [], {}
        self._run_id = None
        self._labels = []
        self._draw_bars()
        self._hover.setVisible(False)
        self._now_line.setVisible(False)
        self._caption_html = ""
        self.set_caption("")
        self.highlight_rows([])
        self.show_message(message)

    def _draw_bars(self) -> None:
        groups: dict[str, list[Segment]] = {}
        for segment in self._segments:
            groups.setdefault(segment.status, []).append(segment)
            if segment.retried:
                groups.setdefault(_HATCH, []).append(segment)
        min_width = self._span * _MIN_BAR_SHARE
        for name in set(groups) | set(self._series):
            group = groups.get(name, [])
            x0 = np.fromiter((s.start for s in group), dtype=float, count=len(group))
            x1 = np.fromiter((s.end for s in group), dtype=float, count=len(group))
            y = np.fromiter((s.row for s in group), dtype=float, count=len(group))
            x1 = np.maximum(x1, x0 + min_width)
            key = (np.concatenate((x0, x1)).tobytes(), y.tobytes())
            if self._drawn.get(name) == key:
                continue  # nothing moved: no setOpts, no repaint
            self._drawn[name] = key
            item = self._series.get(name) or self._new_series(name)
            item.setOpts(x0=x0, x1=x1, y=y, height=theme.CHART_BAR_HEIGHT)

    def _new_series(self, name: str) -> pg.BarGraphItem:
        item = self._series[name] = self.new_bar_series(20 if name == _HATCH else 10)
        self._style_series(name, item)
        return item

    def _style_series(self, name: str, item: pg.BarGraphItem) -> None:
        pal = self.palette_
        if name == _HATCH:
            # failed tries that were retried: the failed fill with a hatch in the text colour on top
            hatch = self.styles.brush(pal.state(NodeStatus.FAILED).text, 150, Qt.BrushStyle.BDiagPattern)
            item.setOpts(brush=hatch, pen=self.styles.pen(pal.state(NodeStatus.FAILED).border))
            return
        style = pal.state(name)
        item.setOpts(brush=self.styles.brush(style.fill), pen=self.styles.pen(style.border))

    # ------------------------------------------------------------- theme
    def apply_palette(self, dark: bool) -> None:
        super().apply_palette(dark)
        if not hasattr(self, "_now_line"):
            return  # called by ChartView.__init__ before the items exist
        pal = self.palette_
        for name, item in self._series.items():
            self._style_series(name, item)
        self._now_line.setPen(self.styles.pen(pal.accent, 1.0, Qt.PenStyle.DashLine))
        self._now_line.label.setColor(QColor(pal.accent))
        self._hover.fill = self.styles.brush(pal.panel_alt, 240)
        self._hover.border = self.styles.pen(pal.grid)
        self._hover.setColor(QColor(pal.text))

    # ------------------------------------------------------------- mouse
    def segment_at(self, x: float, y: float) -> Segment | None:
        """The attempt drawn under a point in data coordinates (a tiny bar counts as its drawn width)."""
        row = round(y)
        if abs(y - row) > theme.CHART_BAR_HEIGHT / 2:
            return None
        slack = self._span * _MIN_BAR_SHARE
        for segment in self._by_row.get(row, []):
            if segment.start <= x <= max(segment.end, segment.start + slack):
                return segment
        return None

    def row_at(self, y: float) -> Row | None:
        row = round(y)
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def describe(self, segment: Segment) -> str:
        row = self._rows[segment.row]
        state = self.palette_.state(segment.status)
        lines = [
            f"{row.label} — attempt {segment.attempt + 1}",
            f"{state.glyph} {state.label}{' (retried)' if segment.retried else ''}"
            f"{' · still running' if segment.live else ''}",
            f"{format_seconds(segment.start)} → {format_seconds(segment.end)}"
            f"  ({format_seconds(segment.end - segment.start)})",
        ]
        if segment.error:
            error = segment.error if len(segment.error) <= 160 else segment.error[:157] + "…"
            lines.append(error)
        return "\n".join(lines)

    def _describe_html(self, segment: Segment) -> str:
        """The hover card: the same lines as :meth:`describe`, title bold, state and error coloured."""
        pal = self.palette_
        title, status, timing, *error = (html.escape(line) for line in self.describe(segment).split("\n"))
        colour = pal.state(segment.status).fill
        body = (
            f'<div style="margin:4px 6px"><b>{title}</b><br>'
            f'<span style="color:{colour}">{status}</span><br>'
            f'<span style="color:{pal.text_muted}">{timing}</span>'
        )
        if error:
            body += f'<br><span style="color:{pal.danger}">{error[0]}</span>'
        return body + "</div>"

    @property
    def hover_text(self) -> str:
        return self._hover.toPlainText() if self._hover.isVisible() else ""

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        if not self._segments or not self.view_box.sceneBoundingRect().contains(scene_pos):
            self._hover.setVisible(False)
            return
        point = self.view_box.mapSceneToView(scene_pos)
        segment = self.segment_at(point.x(), point.y())
        if segment is None:
            self._hover.setVisible(False)
            return
        self._hover.setHtml(self._describe_html(segment))
        (x_min, x_max), (y_min, y_max) = self.view_box.viewRange()
        right = point.x() > (x_min + x_max) / 2
        low = point.y() > (y_min + y_max) / 2  # y is inverted: larger is lower on screen
        self._hover.setAnchor((1.0 if right else 0.0, 1.0 if low else 0.0))
        self._hover.setPos(point)
        self._hover.setVisible(True)

    def _on_mouse_clicked(self, event: object) -> None:
        y = self.clicked_row(event)
        row = self.row_at(y) if y is not None else None
        if row is not None:
            self.select_node(row.node_id)
            self.node_selected.emit(row.node_id)
