"""Run blocking work (database reads, broker calls, file parsing) off the GUI thread.

:class:`TaskRunner` runs a callable on a small thread pool and hands its result (or
its exception) to a callback in the GUI thread, through a queued signal.  With a
``key``, only the newest submission of that key delivers: a slow read that an
operator has already superseded (a new filter, another run selected) is dropped.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class TaskRunner(QObject):
    """``submit(fn, on_done, on_error, key=...)``; callbacks run in the GUI thread."""

    _finished = Signal(int, object, object)  # ticket, result, exception

    def __init__(self, parent: QObject | None = None, *, workers: int = 3) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="flowdeck-gui-io")
        self._tickets = itertools.count(1)
        self._callbacks: dict[int, tuple[str | None, Done, Failed | None]] = {}
        self._newest: dict[str, int] = {}
        self._pending = 0
        self._closed = False
        self._finished.connect(self._deliver)

    @property
    def pending(self) -> int:
        """Submissions whose callbacks have not run yet."""
        return self._pending

    def submit(
        self, fn: Callable[[], Any], on_done: Done, on_error: Failed | None = None, *, key: str | None = None
    ) -> int:
        if self._closed:
            return 0
        ticket = next(self._tickets)
        self._callbacks[ticket] = (key, on_done, on_error)
        if key is not None:
            self._newest[key] = ticket
        self._pending += 1
        self._pool.submit(self._work, ticket, fn)
        return ticket

    def _work(self, ticket: int, fn: Callable[[], Any]) -> None:
        try:
            result = fn()
        except BaseException as exc:  # handed to the GUI thread, never lost
            self._emit(ticket, None, exc)
        else:
            self._emit(ticket, result, None)

    def _emit(self, ticket: int, result: Any, exc: BaseException | None) -> None:
        # RuntimeError: the runner was deleted while the task ran (application closing)
        with contextlib.suppress(RuntimeError):
            self._finished.emit(ticket, result, exc)

    @Slot(int, object, object)
    def _deliver(self, ticket: int, result: Any, exc: BaseException | None) -> None:
        self._pending -= 1
        key, on_done, on_error = self._callbacks.pop(ticket, (None, None, None))
        if on_done is None or self._closed:
            return
        if key is not None:
            if self._newest.get(key) != ticket:
                return  # superseded by a newer submission of the same key
            del self._newest[key]
        try:
            if exc is None:
                on_done(result)
            elif on_error is not None:
                on_error(exc)
            else:
                log.error("background task failed: %s", exc, exc_info=exc)
        except Exception:  # a callback bug must not take the window down
            log.exception("callback of a background task failed")

    def close(self) -> None:
        self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)
