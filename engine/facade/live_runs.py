"""The runs executing in this process, forgotten once they ended (bounded memory).

A handle stays in :class:`LiveRuns` while its run runs.  When the run has ended
and its result is built (its records stored, for a synchronous store) the handle
moves to a short ring of recently ended ones, so that a watcher arriving just
after the end still reads its events; past ``recent_limit`` it is dropped.  Only
the final status of the last ``ended_limit`` runs is remembered beyond that: a
control call for one of them answers "already ended" even before an asynchronous
store has written the final record.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from engine.run_handle import RunHandle
from engine.status import RunStatus

RECENT_LIMIT = 16
ENDED_LIMIT = 1024


class LiveRuns:
    def __init__(self, *, recent_limit: int = RECENT_LIMIT, ended_limit: int = ENDED_LIMIT) -> None:
        self.recent_limit = recent_limit
        self._ended_limit = ended_limit
        self._live: dict[str, RunHandle] = {}
        self._recent: OrderedDict[str, RunHandle] = OrderedDict()
        self._ended: OrderedDict[str, RunStatus] = OrderedDict()
        self._on_end: list[Callable[[str], None]] = []
        self._lock = threading.Lock()

    def add(self, handle: RunHandle) -> None:
        with self._lock:
            self._live[handle.run_id] = handle
        handle.add_done_callback(self._ended_run)  # at once if it already ended

    def on_end(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(run_id)`` whenever a run of this process ends (on the run's thread)."""
        self._on_end.append(callback)

    def running(self, run_id: str) -> RunHandle | None:
        """The handle of ``run_id`` while it runs (or is paused) here."""
        with self._lock:
            return self._live.get(run_id)

    def get(self, run_id: str) -> RunHandle | None:
        """The handle of ``run_id``: running here, or among the recently ended."""
        with self._lock:
            return self._live.get(run_id) or self._recent.get(run_id)

    def ended_status(self, run_id: str) -> RunStatus | None:
        """How ``run_id`` ended, if it ran here recently."""
        with self._lock:
            return self._ended.get(run_id)

    def live(self) -> list[RunHandle]:
        """The handles of the runs running (or paused) here."""
        with self._lock:
            return list(self._live.values())

    def _ended_run(self, handle: RunHandle) -> None:
        run_id = handle.run_id
        with self._lock:
            self._live.pop(run_id, None)
            self._recent[run_id] = handle
            self._ended[run_id] = handle.status
            while len(self._recent) > self.recent_limit:
                self._recent.popitem(last=False)
            while len(self._ended) > self._ended_limit:
                self._ended.popitem(last=False)
        for callback in self._on_end:
            callback(run_id)
