"""The runs list's page cache: which pages of a query are loaded, pending or evicted (pure Python, no Qt).

A list of 100,000 runs holds only a few pages of records at once.  Rows are
addressed by their position in the query's order (newest first); page ``p``
holds rows ``p * page_size`` to ``(p + 1) * page_size - 1``.  Pages are kept in
least-recently-used order and the oldest is dropped past ``max_pages``.

:func:`plan_shift` tells how a fresh first page relates to the one shown: how
many runs appeared at the top and how many fell off the bottom, or ``None``
when the two cannot be lined up (the list must be re-read).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from engine.api import WorkflowExecution


@dataclass(frozen=True, slots=True)
class Shift:
    """Rows inserted at the top, then rows removed at the bottom, to go from the old list to the new."""

    inserted_top: int
    removed_bottom: int


def plan_shift(
    old_top: Sequence[str], fresh_top: Sequence[str], old_total: int, new_total: int
) -> Shift | None:
    """Line up the old first page (run ids) with a freshly read one.

    New runs start later than every run listed, so they come first: the old
    first row is found at position ``k`` of the fresh page and ``k`` rows were
    inserted at the top.  Runs that left the query (aged out of a time window)
    leave from the bottom.  ``None`` when the old first row is not in the fresh
    page or the counts disagree (runs deleted or inserted in the middle).
    """
    if not old_top:
        return Shift(new_total, 0) if old_total == 0 else None
    try:
        k = list(fresh_top).index(old_top[0])
    except ValueError:
        return None
    removed = old_total + k - new_total
    if removed < 0:
        return None
    # the rows below the old first one must still follow it in the same order
    overlap = min(len(old_top), len(fresh_top) - k)
    if list(old_top[:overlap]) != list(fresh_top[k : k + overlap]):
        return None
    return Shift(k, removed)


class PageCache:
    """Loaded pages of one query, least recently used first out."""

    def __init__(self, page_size: int = 200, max_pages: int = 12) -> None:
        if page_size < 1:
            raise ValueError(f"PageCache.page_size must be >= 1, got {page_size}")
        if max_pages < 2:
            raise ValueError(f"PageCache.max_pages must be >= 2, got {max_pages}")
        self.page_size = page_size
        self.max_pages = max_pages
        self.total = 0
        self.pages_fetched = 0  # pages stored since creation (a measure of laziness)
        self._pages: OrderedDict[int, list[WorkflowExecution]] = OrderedDict()
        self._pending: set[int] = set()

    # ------------------------------------------------------------- reading
    def page_of(self, row: int) -> int:
        return row // self.page_size

    def row(self, row: int) -> WorkflowExecution | None:
        """The run at ``row`` if its page is loaded (the page becomes the most recently used)."""
        page = self._pages.get(row // self.page_size)
        if page is None:
            return None
        self._pages.move_to_end(row // self.page_size)
        offset = row % self.page_size
        return page[offset] if offset < len(page) else None

    def peek(self, row: int) -> WorkflowExecution | None:
        """Like :meth:`row` without touching the LRU order."""
        page = self._pages.get(row // self.page_size)
        offset = row % self.page_size
        return page[offset] if page is not None and offset < len(page) else None

    def is_loaded(self, page: int) -> bool:
        return page in self._pages

    def loaded_pages(self) -> list[int]:
        return sorted(self._pages)

    @property
    def loaded_rows(self) -> int:
        return sum(len(p) for p in self._pages.values())

    def top_ids(self) -> list[str]:
        first = self._pages.get(0)
        return [r.id for r in first] if first else []

    def find(self, run_id: str) -> int | None:
        """The row of a loaded run, or ``None``."""
        for number, page in self._pages.items():
            for offset, run in enumerate(page):
                if run.id == run_id:
                    return number * self.page_size + offset
        return None

    def rows(self) -> Iterable[tuple[int, WorkflowExecution]]:
        for number, page in self._pages.items():
            base = number * self.page_size
            for offset, run in enumerate(page):
                yield base + offset, run

    # ------------------------------------------------------------- loading
    def request(self, row: int) -> int | None:
        """The page to fetch for ``row``, or ``None`` when it is loaded or already on its way."""
        if not 0 <= row < self.total:
            return None
        page = row // self.page_size
        if page in self._pages or page in self._pending:
            return None
        self._pending.add(page)
        return page

    def abandon(self, page: int) -> None:
        """A fetch failed or went stale: the page may be requested again."""
        self._pending.discard(page)

    def put(self, page: int, items: list[WorkflowExecution]) -> None:
        self._pending.discard(page)
        self._pages[page] = items
        self._pages.move_to_end(page)
        self.pages_fetched += 1
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)

    def replace(self, row: int, run: WorkflowExecution) -> bool:
        """Put ``run`` at a loaded ``row``; ``False`` when that row is not loaded."""
        page = self._pages.get(row // self.page_size)
        offset = row % self.page_size
        if page is None or offset >= len(page):
            return False
        page[offset] = run
        return True

    def clear(self, total: int = 0) -> None:
        """Forget every page (their rows moved or the query changed)."""
        self._pages.clear()
        self._pending.clear()
        self.total = total
