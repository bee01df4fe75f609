"""RunsModel: every run of a query, newest first, paged from the database off the GUI thread.

``rowCount`` is the query's total.  ``data()`` for a row whose page is not loaded
answers a placeholder and asks the :class:`~desktop_app.tasks.TaskRunner` for that
page; the answer arrives in the GUI thread and fills the rows with one
``dataChanged``.  :meth:`refresh` re-reads the first page and the pages in view in
one background task and applies the difference: runs that appeared at the top are
inserted with ``beginInsertRows`` (selection follows its runs), changed rows are
updated in place, a list that cannot be lined up is reset.  Nothing here calls the
database in the GUI thread.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from desktop_app.runs.cells import (
    ALIGN_LEFT,
    ALIGN_RIGHT,
    COLUMNS,
    DISPLAY,
    ELAPSED,
    RIGHT_ALIGNED,
    ROLES,
    STARTED,
    RunCells,
)
from desktop_app.runs.paging import PageCache, plan_shift
from desktop_app.tasks import TaskRunner
from engine.api import RunPage, RunQuery, WorkflowExecution

log = logging.getLogger(__name__)

Fetch = Callable[[RunQuery], RunPage]
Index = QModelIndex | QPersistentModelIndex


class RunsModel(QAbstractTableModel):
    """The runs of ``query``; ``fetch`` (``Flowdeck.list_runs``) runs only on the task runner's threads."""

    loaded = Signal()  # pages arrived (rows may now be found by id)
    workflow_names_changed = Signal(list)  # sorted distinct workflow names seen so far
    load_failed = Signal(str)  # a read failed: what went wrong

    def __init__(
        self,
        fetch: Fetch,
        tasks: TaskRunner,
        parent: Any = None,
        *,
        page_size: int = 200,
        max_pages: int = 12,
        dark: bool = False,
    ) -> None:
        super().__init__(parent)
        self._fetch = fetch
        self._tasks = tasks
        self._cache = PageCache(page_size, max_pages)
        self._query = RunQuery(limit=page_size)
        self._generation = 0  # bumped whenever row positions move: older answers are dropped
        self._retries: dict[str, int] = {}  # run id -> retries of its nodes (RunPage.retries)
        self._cells = RunCells(dark, self._retries)
        self._names: set[str] = set()
        self._refreshing = False
        self._started = False
        self.refreshes = 0  # refresh answers applied (for tests and the status bar)

    # ------------------------------------------------------------ public API
    @property
    def cache(self) -> PageCache:
        return self._cache

    @property
    def query(self) -> RunQuery:
        return self._query

    def set_query(self, query: RunQuery) -> None:
        """Show another query: the rows are re-read from its first page."""
        query = dataclasses.replace(query, page=1, limit=self._cache.page_size)
        if query == self._query and self._started:
            return
        self._query = query
        self._generation += 1
        self._started = True
        self._refreshing = False
        self.beginResetModel()
        self._cache.clear(0)
        self.endResetModel()
        self.refresh([0])

    def retarget(self, query: RunQuery) -> None:
        """Change the query without re-reading (a time window sliding): the next refresh lines rows up."""
        self._query = dataclasses.replace(query, page=1, limit=self._cache.page_size)

    def set_dark(self, dark: bool) -> None:
        self._cells = RunCells(dark, self._retries)
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, len(COLUMNS) - 1))

    def run_at(self, row: int) -> WorkflowExecution | None:
        return self._cache.peek(row)

    def row_of(self, run_id: str) -> int | None:
        return self._cache.find(run_id)

    @property
    def workflow_names(self) -> list[str]:
        return sorted(self._names)

    def refresh(self, pages: Iterable[int] = (0,)) -> None:
        """Re-read page 0 and ``pages`` in one background task (skipped while one is on its way)."""
        if self._refreshing:
            return
        wanted = sorted({0, *pages})
        if self._cache.total:
            last = self._cache.page_of(self._cache.total - 1)
            wanted = [p for p in wanted if p <= last] or [0]
        self._refreshing = True
        generation, query, fetch = self._generation, self._query, self._fetch

        def read() -> list[RunPage]:
            return [fetch(dataclasses.replace(query, page=p + 1)) for p in wanted]

        self._tasks.submit(
            read,
            lambda result: self._refreshed(generation, wanted, result),
            lambda exc: self._refresh_failed(generation, exc),
            key=f"runs-refresh-{id(self)}",
        )

    def update_run(self, run: WorkflowExecution) -> bool:
        """Apply a pushed record to its row if loaded (never moves a record backwards); ``True`` if shown."""
        row = self._cache.find(run.id)
        if row is None:
            return False
        current = self._cache.peek(row)
        if current is not None and current.seq > run.seq:
            return True
        if run.graph:
            run = dataclasses.replace(run, graph={})
        self._cache.replace(row, run)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        return True

    def touch_time_columns(self, first: int, last: int) -> None:
        """Repaint started/elapsed of rows ``first..last`` (relative times and live elapsed move on)."""
        last = min(last, self.rowCount() - 1)
        if first <= last:
            self.dataChanged.emit(self.index(first, STARTED), self.index(last, ELAPSED), [DISPLAY])

    # ------------------------------------------------------------ Qt model
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else self._cache.total

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.DisplayRole:
            return COLUMNS[section]
        if role == Qt.TextAlignmentRole:
            return ALIGN_RIGHT if section in RIGHT_ALIGNED else ALIGN_LEFT
        return None

    def data(self, index: Index, role: int = Qt.DisplayRole) -> Any:
        # called for every visible cell and role on each paint: plain ints, no enum arithmetic
        role = int(role)
        if role not in ROLES or not index.isValid():
            return None
        run = self._cache.row(index.row())
        if run is None:
            if role == DISPLAY:
                self._request(index.row())
            return self._cells.placeholder(index.column(), role)
        return self._cells.data(run, index.column(), role)

    # ------------------------------------------------------------ internals
    def _put(self, page: int, result: RunPage) -> None:
        self._cache.put(page, result.items)
        for run in result.items:
            if run.id in result.retries:
                self._retries[run.id] = result.retries[run.id]
            else:
                self._retries.pop(run.id, None)

    def _request(self, row: int) -> None:
        page = self._cache.request(row)
        if page is None:
            return
        generation, query, fetch = self._generation, self._query, self._fetch
        self._tasks.submit(
            lambda: fetch(dataclasses.replace(query, page=page + 1)),
            lambda result: self._page_arrived(generation, page, result),
            lambda exc: self._page_failed(generation, page, exc),
        )

    def _page_arrived(self, generation: int, page: int, result: RunPage) -> None:
        if generation != self._generation:
            return
        if result.total != self._cache.total:
            # the list moved since this page was asked for: line it up through a refresh
            self._cache.abandon(page)
            self.refresh([page])
            return
        self._put(page, result)
        self._note_names(result.items)
        self._emit_page_changed(page, len(result.items))
        self.loaded.emit()

    def _page_failed(self, generation: int, page: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._cache.abandon(page)
        self.load_failed.emit(f"reading runs page {page + 1} failed: {exc}")

    def _refresh_failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._refreshing = False
        self.load_failed.emit(f"refreshing the runs list failed: {exc}")

    def _refreshed(self, generation: int, pages: list[int], result: list[RunPage]) -> None:
        if generation != self._generation:
            return
        self._refreshing = False
        self.refreshes += 1
        fresh = dict(zip(pages, result, strict=True))
        total = fresh[0].total
        old_total = self._cache.total
        shift = plan_shift(self._cache.top_ids(), [r.id for r in fresh[0].items], old_total, total)
        if shift is None:
            self._reset(total, fresh)
        elif shift.inserted_top or shift.removed_bottom:
            self._generation += 1  # pages on their way were read at the old positions
            self._cache.clear(old_total)
            self._store(fresh, emit=False)  # at the new positions, shown once the rows have moved
            if shift.inserted_top:
                self.beginInsertRows(QModelIndex(), 0, shift.inserted_top - 1)
                self._cache.total = old_total + shift.inserted_top
                self.endInsertRows()
            if shift.removed_bottom:
                self.beginRemoveRows(QModelIndex(), total, self._cache.total - 1)
                self._cache.total = total
                self.endRemoveRows()
            for page, fresh_page in fresh.items():
                self._emit_page_changed(page, len(fresh_page.items))
        else:
            self._apply_in_place(fresh)
        self.loaded.emit()

    def _reset(self, total: int, fresh: dict[int, RunPage]) -> None:
        self._generation += 1
        self.beginResetModel()
        self._cache.clear(total)
        self._store(fresh, emit=False)
        self.endResetModel()

    def _store(self, fresh: dict[int, RunPage], *, emit: bool) -> None:
        for page, result in fresh.items():
            self._put(page, result)
            self._note_names(result.items)
            if emit:
                self._emit_page_changed(page, len(result.items))

    def _apply_in_place(self, fresh: dict[int, RunPage]) -> None:
        """Same rows at the same places: emit ``dataChanged`` only for the rows that changed."""
        base_size = self._cache.page_size
        for page, result in fresh.items():
            changed: list[int] = []
            for offset, run in enumerate(result.items):
                old = self._cache.peek(page * base_size + offset)
                if old != run:
                    changed.append(page * base_size + offset)
            self._put(page, result)
            self._note_names(result.items)
            if changed:
                self.dataChanged.emit(self.index(changed[0], 0), self.index(changed[-1], len(COLUMNS) - 1))

    def _emit_page_changed(self, page: int, count: int) -> None:
        if count:
            first = page * self._cache.page_size
            last = min(first + count, self.rowCount()) - 1
            if first <= last:
                self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))

    def _note_names(self, runs: list[WorkflowExecution]) -> None:
        before = len(self._names)
        self._names.update(r.workflow_name or r.workflow_id for r in runs)
        if len(self._names) != before:
            self.workflow_names_changed.emit(sorted(self._names))
