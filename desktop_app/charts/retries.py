"""Retries per node execution, with a caption: total retries and time spent in the tries that failed."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from desktop_app import theme
from desktop_app.charts.base import ChartView
from desktop_app.charts.data import RetryBar, format_seconds, retries
from engine.api import NodeExecution, NodeStatus, WorkflowExecution


class RetriesChart(ChartView):
    node_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, dark: bool = False) -> None:
        super().__init__(parent, dark=dark, empty="No run selected")
        self._bars: list[RetryBar] = []
        self._drawn: bytes | None = None
        self._labels: list[str] = []
        self.view_box.invertY(True)
        self.view_box.setMouseEnabled(x=False, y=True)
        self.plot.showGrid(x=True, y=False, alpha=0.35)
        self.plot.setLabel("bottom", "retries")
        self.plot.getAxis("left").setWidth(200)
        self._item = pg.BarGraphItem(
            x0=np.zeros(0), x1=np.zeros(0), y=np.zeros(0), height=theme.CHART_BAR_HEIGHT
        )
        self._item.setZValue(10)
        self.plot.addItem(self._item)
        self.plot_widget.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self.apply_palette(dark)

    def show_run(self, run: WorkflowExecution | None, records: Sequence[NodeExecution]) -> None:
        if run is None:
            self._set([], "No run selected")
            return
        bars = retries(records)
        self._set(bars, "" if bars else "No retries in this run")

    def bars(self) -> list[tuple[str, int]]:
        return [(b.node_id, b.retries) for b in self._bars]

    def summary(self) -> tuple[int, float]:
        """Total retries and total seconds spent in the tries that failed and were retried."""
        return sum(b.retries for b in self._bars), sum(b.failed_time for b in self._bars)

    def _set(self, bars: list[RetryBar], message: str) -> None:
        self._bars = bars
        counts = np.fromiter((b.retries for b in bars), dtype=float, count=len(bars))
        rows = np.arange(len(bars), dtype=float)
        key = counts.tobytes()
        if key != self._drawn:
            self._drawn = key
            self._item.setOpts(x0=np.zeros(len(bars)), x1=counts, y=rows, height=theme.CHART_BAR_HEIGHT)
            top = float(counts.max()) if len(bars) else 1.0
            self.view_box.setXRange(-0.03 * (top + 0.5), top + 0.5, padding=0)
            self.plot.getAxis("bottom").setTickSpacing(major=max(1.0, np.ceil(top / 8)), minor=1.0)
        labels = [f"{b.label}   ×{b.retries} · {format_seconds(b.failed_time)}" for b in bars]  # noqa: RUF001
        if labels != self._labels:
            self._labels = labels
            self.set_row_ticks(labels)
            visible = min(max(len(labels), 1), theme.CHART_MAX_VISIBLE_ROWS)
            self.view_box.setYRange(-0.6, max(visible, 4) - 0.4, padding=0)
        total, failed = self.summary()
        nodes = len(bars)
        self.set_caption(
            f"{total} {'retry' if total == 1 else 'retries'} in {nodes} {'node' if nodes == 1 else 'nodes'}"
            f"  ·  {format_seconds(failed)} spent in failed attempts"
            if bars
            else ""
        )
        if message:
            self.show_message(message)
        else:
            self.show_plot()

    def apply_palette(self, dark: bool) -> None:
        super().apply_palette(dark)
        if hasattr(self, "_item"):
            style = self.palette_.state(NodeStatus.RETRYING)
            self._item.setOpts(brush=self.styles.brush(style.fill), pen=self.styles.pen(style.border))

    def _on_mouse_clicked(self, event: object) -> None:
        y = self.clicked_row(event)
        row = round(y) if y is not None else -1
        if 0 <= row < len(self._bars):
            self.node_selected.emit(self._bars[row].node_id)
