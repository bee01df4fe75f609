"""Elapsed time of a workflow's recent runs: points coloured by status, the selected run ringed, p50/p95."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from desktop_app import theme
from desktop_app.charts.base import ChartView
from desktop_app.charts.data import format_seconds, percentiles
from engine.api import DurationPoint, NodeStatus


class TrendChart(ChartView):
    def __init__(self, parent: QWidget | None = None, *, dark: bool = False) -> None:
        super().__init__(
            parent,
            dark=dark,
            empty="No run selected",
            axis_items={"bottom": pg.DateAxisItem(orientation="bottom")},
        )
        self._points: list[DurationPoint] = []
        self._percentiles: tuple[float, float] | None = None
        self._selected: DurationPoint | None = None
        self._series: dict[str, pg.PlotDataItem] = {}
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("left", "elapsed (s)")
        self.view_box.setMouseEnabled(x=True, y=False)
        self._line = pg.PlotDataItem()
        self._line.setClipToView(True)
        self._line.setDownsampling(auto=True, method="peak")
        self._line.setZValue(1)
        self.plot.addItem(self._line)
        self._ring = pg.PlotDataItem(symbol="o", symbolSize=theme.CHART_TREND_SELECTED_SYMBOL, pen=None)
        self._ring.setZValue(30)
        self.plot.addItem(self._ring)
        self._p50 = self._level_line()
        self._p95 = self._level_line()
        self.apply_palette(dark)

    def _level_line(self) -> pg.InfiniteLine:
        line = pg.InfiniteLine(
            angle=0, movable=False, label="", labelOpts={"position": 0.02, "anchors": [(0, 1), (0, 1)]}
        )
        line.setZValue(5)
        line.setVisible(False)
        self.plot.addItem(line, ignoreBounds=True)
        return line

    # ------------------------------------------------------------- data
    def show_trend(self, points: Sequence[DurationPoint], selected_run_started_at: float | None) -> None:
        self._points = sorted(points, key=lambda p: p.started_at)
        if not self._points:
            self._percentiles = None
            self._selected = None
            self.show_message("No runs of this workflow yet")
            return
        self.show_plot()
        x = np.fromiter((p.started_at for p in self._points), dtype=float, count=len(self._points))
        y = np.fromiter((p.elapsed_time for p in self._points), dtype=float, count=len(self._points))
        self._line.setData(x, y)
        by_status: dict[str, list[int]] = {}
        for i, point in enumerate(self._points):
            by_status.setdefault(point.status, []).append(i)
        for status in set(by_status) | set(self._series):
            index = np.asarray(by_status.get(status, []), dtype=int)
            item = self._series.get(status) or self._new_series(status)
            item.setData(x[index], y[index])
        self._selected = None
        if selected_run_started_at is not None:
            nearest = int(np.argmin(np.abs(x - selected_run_started_at)))
            if abs(x[nearest] - selected_run_started_at) < 1e-3:
                self._selected = self._points[nearest]
        if self._selected is not None:
            self._ring.setData([self._selected.started_at], [self._selected.elapsed_time])
        else:
            self._ring.setData([], [])
        self._percentiles = percentiles(self._points)
        for line, value, name in zip(
            (self._p50, self._p95), self._percentiles or (None, None), ("p50", "p95"), strict=True
        ):
            line.setVisible(value is not None)
            if value is not None:
                line.setValue(value)
                line.label.setFormat(f"{name} {format_seconds(value)}")
        statuses = list(dict.fromkeys(p.status for p in self._points))
        stats = (
            f"p50 {format_seconds(self._percentiles[0])} · p95 {format_seconds(self._percentiles[1])}"
            if self._percentiles
            else "no finished run yet"
        )
        self.set_caption(
            f"{len(self._points)} runs · {stats}&nbsp;&nbsp;&nbsp;&nbsp;"
            + self.legend_html(statuses, "◯&nbsp;selected run" if self._selected is not None else "")
        )
        top = max(float(y.max()), self._percentiles[1] if self._percentiles else 0.0)
        self.view_box.setYRange(0.0, top * 1.15 if top > 0 else 1.0, padding=0)
        span = float(x[-1] - x[0])
        pad = max(span * 0.04, 30.0)
        self.view_box.setXRange(float(x[0]) - pad, float(x[-1]) + pad, padding=0)

    def points(self) -> list[tuple[float, float, str]]:
        return [(p.started_at, p.elapsed_time, p.status) for p in self._points]

    def percentile_lines(self) -> tuple[float, float] | None:
        """The p50 and p95 drawn (``None`` without finished runs)."""
        if not self._p50.isVisible():
            return None
        return float(self._p50.value()), float(self._p95.value())

    @property
    def selected(self) -> tuple[float, float] | None:
        """The ringed point (started_at, elapsed)."""
        x, y = self._ring.getData()
        if x is None or len(x) == 0:
            return None
        return float(x[0]), float(y[0])

    def _new_series(self, status: str) -> pg.PlotDataItem:
        item = pg.PlotDataItem(pen=None, symbol="o", symbolSize=theme.CHART_TREND_SYMBOL, name=status)
        item.setClipToView(True)
        item.setZValue(10)
        self._style_series(status, item)
        self.plot.addItem(item)
        self._series[status] = item
        return item

    def _style_series(self, status: str, item: pg.PlotDataItem) -> None:
        style = self.palette_.state(status)
        item.setSymbolBrush(self.styles.brush(style.fill))
        item.setSymbolPen(self.styles.pen(self.palette_.panel, 1.0))

    # ------------------------------------------------------------- theme
    def apply_palette(self, dark: bool) -> None:
        super().apply_palette(dark)
        if not hasattr(self, "_p95"):
            return
        pal = self.palette_
        self._line.setPen(self.styles.pen(pal.edge_skipped, 1.0))
        self._ring.setSymbolBrush(None)
        self._ring.setSymbolPen(self.styles.pen(pal.selection, 2.5))
        for status, item in self._series.items():
            self._style_series(status, item)
        for line, colour, style in (
            (self._p50, pal.text_muted, Qt.PenStyle.DashLine),
            (self._p95, pal.state(NodeStatus.EXCEPTION).border, Qt.PenStyle.DashDotLine),
        ):
            line.setPen(self.styles.pen(colour, 1.0, style))
            line.label.setColor(QColor(colour))
