"""RunsPanel: the filter bar over the live, paged list of runs.

The panel turns the filter bar's choice into a :class:`RunQuery`, keeps the list
live with a 1 s timer while it is visible (the model re-reads the first page and
the pages in view off the GUI thread), counts runs per status for the chips every
few seconds, and keeps the operator's selection and scroll position while rows
move.  Every database read goes through the :class:`TaskRunner`.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QVBoxLayout, QWidget

from desktop_app.runs.cells import COLUMNS, ELAPSED, REPLAY_OF, STARTED, STATUS, TOKENS, TRIGGERED, WORKFLOW
from desktop_app.runs.filters import CHIP_STATUSES, FilterBar
from desktop_app.runs.model import RunsModel
from desktop_app.runs.panel_style import panel_stylesheet
from desktop_app.tasks import TaskRunner
from engine.api import Flowdeck, RunPage, RunQuery, WorkflowExecution

REFRESH_MS = 1000
COUNTS_EVERY_TICKS = 1  # one GROUP BY per refresh: as cheap as the count the page read makes anyway
ROW_HEIGHT = 24
_WIDTHS = {STATUS: 124, WORKFLOW: 150, STARTED: 86, ELAPSED: 72, TOKENS: 62, TRIGGERED: 92, REPLAY_OF: 78}
_DEFAULT_WIDTH = 54


class RunsPanel(QWidget):
    run_selected = Signal(str)  # run id ("" when the selection is cleared)
    runs_selected = Signal(list)  # every selected run id (Compare takes two)

    def __init__(
        self,
        flowdeck: Flowdeck,
        tasks: TaskRunner,
        parent: QWidget | None = None,
        *,
        dark: bool = False,
        page_size: int = 200,
        max_pages: int = 12,
    ) -> None:
        super().__init__(parent)
        self._flowdeck = flowdeck
        self._tasks = tasks
        self._dark = dark
        self._wanted: str | None = None  # select_run() of a run whose row is not loaded yet
        self._selected_before_reset: list[str] = []
        self._current_id = ""
        self._scroll_before_insert = 0
        self._ticks = 0

        self.filters = FilterBar(self, dark=dark)
        self.model = RunsModel(
            self._read_page, tasks, self, page_size=page_size, max_pages=max_pages, dark=dark
        )
        self.table = QTableView(self)
        self.table.setObjectName("runs-table")
        self.table.setModel(self.model)
        self._setup_table()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.filters)
        layout.addWidget(self.table, 1)

        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._tick)
        self._soon = QTimer(self)  # coalesces refreshes asked for by pushed runs
        self._soon.setSingleShot(True)
        self._soon.setInterval(150)
        self._soon.timeout.connect(self.refresh)

        self.filters.changed.connect(self._filters_changed)
        self.model.loaded.connect(self._select_wanted)
        self.model.modelAboutToBeReset.connect(self._remember_selection)
        self.model.modelReset.connect(self._restore_selection)
        self.model.rowsAboutToBeInserted.connect(self._remember_scroll)
        self.model.rowsInserted.connect(self._keep_scroll)
        selection = self.table.selectionModel()
        selection.selectionChanged.connect(self._selection_changed)
        selection.currentRowChanged.connect(self._current_changed)
        self._apply_style()
        self.model.set_query(self.current_query())
        self._count_statuses()

    # ------------------------------------------------------------ public API
    def refresh(self) -> None:
        """Re-read the first page and the pages in view now (F5)."""
        first, last = self._visible_rows()
        page_of = self.model.cache.page_of
        self.model.refresh(range(page_of(first), page_of(last) + 1) if last >= 0 else ())

    def note_run_changed(self, run: WorkflowExecution) -> None:
        """A live record from the bridge: update its row in place, or refresh soon to show a new run."""
        if not self.model.update_run(run) and not self._soon.isActive():
            self._soon.start()

    def select_run(self, run_id: str) -> None:
        row = self.model.row_of(run_id)
        if row is None:
            self._wanted = run_id
            self.refresh()
            return
        self._wanted = None
        index = self.model.index(row, 0)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.table.selectionModel().setCurrentIndex(index, flags)
        self.table.scrollTo(index)

    def focus_search(self) -> None:
        self.filters.focus_search()

    def set_dark(self, dark: bool) -> None:
        if dark == self._dark:
            return
        self._dark = dark
        self.filters.set_dark(dark)
        self.model.set_dark(dark)
        self._apply_style()

    def current_query(self) -> RunQuery:
        chosen = self.filters.selection()
        since = None if chosen.since_seconds is None else time.time() - chosen.since_seconds
        return RunQuery(
            status=chosen.statuses or None,
            workflow_name=chosen.workflow_name,
            started_from=since,
            text=chosen.text,
            limit=self.model.cache.page_size,
        )

    def selected_run_ids(self) -> list[str]:
        ids: list[str] = []
        for index in self.table.selectionModel().selectedRows():
            run = self.model.run_at(index.row())
            if run is not None:
                ids.append(run.id)
        return ids

    # ------------------------------------------------------------ events
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._timer.stop()

    # ------------------------------------------------------------ internals
    def _read_page(self, query: RunQuery) -> RunPage:
        # called on the task runner's threads only (the model submits every read there)
        return self._flowdeck.queries.list_runs(query)

    def _setup_table(self) -> None:
        table = self.table
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.setAlternatingRowColors(True)
        table.setSortingEnabled(False)  # the database orders (newest first): no client sort
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        rows = table.verticalHeader()
        rows.setVisible(False)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # uniform row heights
        rows.setDefaultSectionSize(ROW_HEIGHT)
        rows.setMinimumSectionSize(ROW_HEIGHT)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionsClickable(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setMinimumSectionSize(40)
        for column in range(len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, _WIDTHS.get(column, _DEFAULT_WIDTH))
        header.setSectionResizeMode(WORKFLOW, QHeaderView.ResizeMode.Stretch)

    def _apply_style(self) -> None:
        self.setStyleSheet(panel_stylesheet(self._dark))
        self.filters.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)

    def _visible_rows(self) -> tuple[int, int]:
        count = self.model.rowCount()
        if count == 0:
            return 0, -1
        first = self.table.rowAt(0)
        last = self.table.rowAt(max(0, self.table.viewport().height() - 1))
        first = 0 if first < 0 else first
        last = count - 1 if last < 0 else last
        return first, last

    @Slot()
    def _tick(self) -> None:
        self._ticks += 1
        if self.filters.selection().since_seconds is not None:
            self.model.retarget(self.current_query())  # the time window slides with the clock
        self.refresh()
        first, last = self._visible_rows()
        self.model.touch_time_columns(first, last)
        if self._ticks % COUNTS_EVERY_TICKS == 0:
            self._count_statuses()

    @Slot()
    def _filters_changed(self) -> None:
        self.model.set_query(self.current_query())
        self._count_statuses()

    def _count_statuses(self) -> None:
        base = self.current_query()
        fetch = self._flowdeck.queries

        def count() -> tuple[dict[str, int], list[str]]:
            counts = fetch.status_counts(base)  # one GROUP BY, the status filter ignored
            return {s: counts.get(s, 0) for s in CHIP_STATUSES}, fetch.workflow_names()

        def show(result: tuple[dict[str, int], list[str]]) -> None:
            counts, names = result
            self.filters.set_counts(counts)
            self.filters.set_workflow_names(names)

        self._tasks.submit(count, show, lambda _exc: None, key=f"runs-counts-{id(self)}")

    @Slot()
    def _select_wanted(self) -> None:
        if self._wanted is not None and self.model.row_of(self._wanted) is not None:
            self.select_run(self._wanted)

    @Slot()
    def _remember_selection(self) -> None:
        self._selected_before_reset = self.selected_run_ids()

    @Slot()
    def _restore_selection(self) -> None:
        ids, self._selected_before_reset = self._selected_before_reset, []
        selection = QItemSelection()
        rows = [r for r in (self.model.row_of(i) for i in ids) if r is not None]
        for row in rows:
            selection.select(self.model.index(row, 0), self.model.index(row, len(COLUMNS) - 1))
        if ids and not rows:
            self._wanted = ids[0]  # not loaded at its new place yet: selected once it is
        if rows:
            model = self.table.selectionModel()
            model.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            model.setCurrentIndex(self.model.index(rows[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate)
        self._selection_changed()

    @Slot(QModelIndex, int, int)
    def _remember_scroll(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        self._scroll_before_insert = self.table.verticalScrollBar().value()

    @Slot(QModelIndex, int, int)
    def _keep_scroll(self, _parent: QModelIndex, first: int, last: int) -> None:
        if first == 0 and self._scroll_before_insert > 0:
            # the operator looks further down: keep the same runs in view
            bar = self.table.verticalScrollBar()
            bar.setMaximum(max(bar.maximum(), self._scroll_before_insert + last + 1))
            bar.setValue(self._scroll_before_insert + last + 1)

    @Slot()
    def _selection_changed(self, *_args: object) -> None:
        ids = self.selected_run_ids()
        self.runs_selected.emit(ids)
        current = self.table.selectionModel().currentIndex()
        run = self.model.run_at(current.row()) if current.isValid() else None
        run_id = run.id if run is not None and run.id in ids else (ids[0] if ids else "")
        self._emit_current(run_id)

    @Slot(QModelIndex, QModelIndex)
    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        run = self.model.run_at(current.row()) if current.isValid() else None
        if run is not None and run.id in self.selected_run_ids():
            self._emit_current(run.id)

    def _emit_current(self, run_id: str) -> None:
        if run_id != self._current_id:
            self._current_id = run_id
            self.run_selected.emit(run_id)


def _fields(query: RunQuery) -> dict[str, object]:
    return {
        "workflow_id": query.workflow_id,
        "workflow_name": query.workflow_name,
        "started_from": query.started_from,
        "started_to": query.started_to,
        "text": query.text,
    }
