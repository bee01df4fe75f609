"""Node durations: horizontal bars, slowest first, queue wait and run time stacked.

Queue wait is ``NodeExecution.queue_wait`` (ready -> started, from the engine's
``NodeStartedEvent.ready_at``); run time is started -> finished (``elapsed_time``,
retry delays included), growing to ``now`` while the node runs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from desktop_app import theme
from desktop_app.charts.base import ChartView
from desktop_app.charts.data import DurationBar, durations, format_seconds
from engine.api import NodeExecution, NodeStatus, WorkflowExecution

_WAIT = "queue-wait"
_MIN_BAR_SHARE = 0.003


class DurationsChart(ChartView):
    node_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, dark: bool = False) -> None:
        super().__init__(parent, dark=dark, empty="No run selected")
        self._bars: list[DurationBar] = []
        self._total = 0  # executions of the run that did work (more than the bars of a big run)
        self._series: dict[str, pg.BarGraphItem] = {}
        self._drawn: dict[str, bytes] = {}
        self._labels: list[str] = []
        self._selected: str | None = None
        self.view_box.invertY(True)
        self.view_box.setMouseEnabled(x=True, y=True)
        self.plot.showGrid(x=True, y=False, alpha=0.35)
        self.plot.setLabel("bottom", "seconds")
        self.plot.getAxis("left").setWidth(200)
        self.plot_widget.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self._ready = True
        self.apply_palette(dark)

    def show_run(
        self, run: WorkflowExecution | None, records: Sequence[NodeExecution], now: float | None = None
    ) -> None:
        if run is None:
            self._set([], "No run selected")
            return
        bars = durations(run, records, now, limit=theme.CHART_MAX_ROWS)
        worked = (r for r in records if r.status != NodeStatus.SKIPPED and not r.metadata.get("reused_from"))
        self._total = sum(1 for _ in worked)
        self._set(bars, "" if bars else "No node has run in this run yet")

    def bars(self) -> list[tuple[str, float, float]]:
        return [(b.node_id, b.queue_wait, b.run) for b in self._bars]

    def _set(self, bars: list[DurationBar], message: str) -> None:
        self._bars = bars
        groups: dict[str, list[tuple[int, float, float]]] = {_WAIT: []}
        # a 1 ms node still shows a sliver (drawn width only; bars() keeps the true numbers)
        sliver = (bars[0].total if bars else 0.0) * _MIN_BAR_SHARE
        for row, bar in enumerate(bars):
            groups[_WAIT].append((row, 0.0, bar.queue_wait))
            groups.setdefault(bar.state, []).append(
                (row, bar.queue_wait, max(bar.total, bar.queue_wait + sliver))
            )
        for name in set(groups) | set(self._series):
            group = np.asarray(groups.get(name, []), dtype=float).reshape(-1, 3)
            key = group.tobytes()
            if self._drawn.get(name) == key:
                continue
            self._drawn[name] = key
            item = self._series.get(name) or self._new_series(name)
            item.setOpts(x0=group[:, 1], x1=group[:, 2], y=group[:, 0], height=theme.CHART_BAR_HEIGHT)
        labels = [f"{b.label}   {format_seconds(b.total)}" for b in bars]
        if labels != self._labels:
            grew = len(labels) != len(self._labels)
            self._labels = labels
            self.set_row_ticks(labels)
            if grew and labels:
                visible = min(len(labels), theme.CHART_MAX_VISIBLE_ROWS)
                self.view_box.setYRange(-0.6, visible - 0.4, padding=0)
                self.view_box.enableAutoRange(x=True)
        self._caption_for(bars)
        self.select_node(self._selected)
        if message:
            self.show_message(message)
        else:
            self.show_plot()

    def select_node(self, node_id: str | None) -> None:
        self._selected = node_id
        self.highlight_rows([i for i, bar in enumerate(self._bars) if bar.node_id == node_id])

    def _caption_for(self, bars: list[DurationBar]) -> None:
        if not bars:
            self.set_caption("")
            return
        pal = self.palette_
        wait = max(b.queue_wait for b in bars)
        busy = sum(b.run for b in bars)
        wait_key = (
            f'<span style="color:{pal.text_muted}">▭</span>&nbsp;queue wait (max {format_seconds(wait)})'
        )
        states = list(dict.fromkeys(b.state for b in bars))
        shown = f"{len(bars)} executions"
        if self._total > len(bars):
            shown = f"slowest {len(bars):,} of {self._total:,} executions"
        self.set_caption(
            f"{shown} · {format_seconds(busy)} of node time&nbsp;&nbsp;&nbsp;&nbsp;"
            + self.legend_html(states, wait_key)
        )

    def _new_series(self, name: str) -> pg.BarGraphItem:
        item = self._series[name] = self.new_bar_series(5 if name == _WAIT else 10)
        self._style_series(name, item)
        return item

    def _style_series(self, name: str, item: pg.BarGraphItem) -> None:
        pal = self.palette_
        if name == _WAIT:
            item.setOpts(brush=self.styles.brush(pal.text_muted, 90), pen=self.styles.pen(pal.text_muted))
            return
        style = pal.state(name)
        item.setOpts(brush=self.styles.brush(style.fill), pen=self.styles.pen(style.border))

    def apply_palette(self, dark: bool) -> None:
        super().apply_palette(dark)
        if getattr(self, "_ready", False):
            for name, item in self._series.items():
                self._style_series(name, item)

    def _on_mouse_clicked(self, event: object) -> None:
        y = self.clicked_row(event)
        row = round(y) if y is not None else -1
        if 0 <= row < len(self._bars):
            self.select_node(self._bars[row].node_id)
            self.node_selected.emit(self._bars[row].node_id)
