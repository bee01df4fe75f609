"""The charts panel the main window embeds: Timeline · Node durations · Retries · Trend."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QTabWidget, QWidget

from desktop_app.charts.durations import DurationsChart
from desktop_app.charts.retries import RetriesChart
from desktop_app.charts.timeline import TimelineChart
from desktop_app.charts.trend import TrendChart
from desktop_app.theme import CHART_FONT_PT, palette
from engine.api import DurationPoint, NodeExecution, WorkflowExecution

_RunArgs = tuple[WorkflowExecution | None, Sequence[NodeExecution], float | None]


class ChartsPanel(QTabWidget):
    """Charts of one run (and its workflow's history); fed data by the main window, never reads it."""

    node_selected = Signal(str)  # a bar or row was clicked: the node id

    def __init__(self, parent: QWidget | None = None, *, dark: bool = False) -> None:
        super().__init__(parent)
        self.setDocumentMode(True)
        self.tabBar().setDrawBase(False)
        self.timeline = TimelineChart(self, dark=dark)
        self.durations = DurationsChart(self, dark=dark)
        self.retries = RetriesChart(self, dark=dark)
        self.trend = TrendChart(self, dark=dark)
        self.addTab(self.timeline, "Timeline")
        self.addTab(self.durations, "Node durations")
        self.addTab(self.retries, "Retries")
        self.addTab(self.trend, "Trend")
        for chart in (self.timeline, self.durations, self.retries):
            chart.node_selected.connect(self._on_node_selected)
        self._dark = dark
        self._style_tabs()
        self._last_run: _RunArgs = (None, [], None)
        self._last_trend: tuple[Sequence[DurationPoint], float | None] | None = None
        self._stale: set[QWidget] = set()  # run charts not redrawn since the last show_run
        self.currentChanged.connect(self._on_tab_changed)

    # ------------------------------------------------------------- feeding
    def show_run(
        self, run: WorkflowExecution | None, records: Sequence[NodeExecution], now: float | None = None
    ) -> None:
        """(Re)draw timeline, durations and retries; running attempts grow up to ``now``.

        Only the chart on screen is drawn now; the others when their tab is shown (or read).
        """
        self._last_run = (run, records, now)
        self._stale = {self.timeline, self.durations, self.retries}
        self._draw(self.currentWidget())

    def _draw(self, chart: QWidget | None) -> None:
        if chart not in self._stale:
            return
        self._stale.discard(chart)
        run, records, now = self._last_run
        if chart is self.retries:
            self.retries.show_run(run, records)
        elif chart is self.timeline:
            self.timeline.show_run(run, records, now)
        elif chart is self.durations:
            self.durations.show_run(run, records, now)

    @Slot(int)
    def _on_tab_changed(self, index: int) -> None:
        self._draw(self.widget(index))

    def show_trend(self, points: Sequence[DurationPoint], selected_run_started_at: float | None) -> None:
        self._last_trend = (points, selected_run_started_at)
        self.trend.show_trend(points, selected_run_started_at)

    def set_dark(self, dark: bool) -> None:
        if dark == self._dark:
            return
        self._dark = dark
        self._style_tabs()
        for chart in (self.timeline, self.durations, self.retries, self.trend):
            chart.apply_palette(dark)
        self.show_run(*self._last_run)  # captions carry colours: redraw them in the new palette
        if self._last_trend is not None:
            self.show_trend(*self._last_trend)

    def select_node(self, node_id: str | None) -> None:
        """Highlight a node's rows (the inspector's selection); ``None`` clears it. Emits nothing."""
        self.timeline.select_node(node_id)
        self.durations.select_node(node_id)

    def _style_tabs(self) -> None:
        pal = palette(self._dark)
        self.setStyleSheet(
            f"QTabWidget::pane {{ border: none; background: {pal.panel}; }}"
            f"QTabBar {{ background: {pal.panel_alt}; }}"
            f"QTabBar::tab {{ background: {pal.panel_alt}; color: {pal.text_muted}; padding: 5px 14px;"
            f" border: none; border-bottom: 2px solid transparent; font-size: {CHART_FONT_PT + 1}pt; }}"
            f"QTabBar::tab:selected {{ color: {pal.text}; border-bottom: 2px solid {pal.accent}; }}"
            f"QTabBar::tab:hover {{ color: {pal.text}; }}"
        )

    @property
    def dark(self) -> bool:
        return self._dark

    # ------------------------------------------------------------- what is drawn (for tests)
    def timeline_segments(self) -> list[tuple[str, int, float, float, str]]:
        """(node_id, attempt index, start s since run start, end s, status) per drawn bar."""
        self._draw(self.timeline)
        return self.timeline.segments()

    def duration_bars(self) -> list[tuple[str, float, float]]:
        """(node_id, queue wait s, run s), slowest first."""
        self._draw(self.durations)
        return self.durations.bars()

    def retry_bars(self) -> list[tuple[str, int]]:
        """(node_id, retries) for the executions that were retried."""
        self._draw(self.retries)
        return self.retries.bars()

    @Slot(str)
    def _on_node_selected(self, node_id: str) -> None:
        self.select_node(node_id)
        self.node_selected.emit(node_id)
