"""Write-behind batching: the engine thread queues, one background thread writes.

:meth:`WriteBehindWriter.submit` costs a dict insert under a lock.  Records of
the same id waiting in the queue are coalesced (the highest ``seq`` wins), and
each batch is written in one transaction with the guarded upserts, so the
database sees a handful of statements per run instead of one commit per event.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine

from engine.persistence.sql.upserts import upsert_node_executions, upsert_runs

log = logging.getLogger(__name__)

RUN = "run"
NODE = "node"


class WriteBehindWriter:
    def __init__(
        self,
        engine: Engine,
        *,
        linger_s: float = 0.002,
        retry_delays: Sequence[float] = (0.05, 0.25, 1.0),
        name: str = "flowdeck-record-writer",
    ) -> None:
        self._engine = engine
        self._linger = linger_s
        self._retry_delays = tuple(retry_delays)
        self._name = name
        self._cond = threading.Condition()
        self._pending: dict[str, dict[str, dict[str, Any]]] = {RUN: {}, NODE: {}}
        self._submitted = 0
        self._written = 0  # submissions covered by finished batches
        self._flush_waiters = 0
        self._closed = False
        self._thread: threading.Thread | None = None
        self.batches = 0
        self.dropped = 0
        self.last_error: str | None = None

    def submit(self, kind: str, data: dict[str, Any]) -> None:
        """Queue a serialised record (``kind`` is ``"run"`` or ``"node"``)."""
        with self._cond:
            if self._closed:
                raise RuntimeError("the record writer is closed")
            was_idle = not (self._pending[RUN] or self._pending[NODE])
            pending = self._pending[kind]
            seen = pending.get(data["id"])
            if seen is None or data["seq"] > seen["seq"]:
                pending[data["id"]] = data
            self._submitted += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
            elif was_idle:
                self._cond.notify_all()

    def flush(self, timeout: float | None = None) -> bool:
        """Block until everything submitted so far is written.

        ``False`` on timeout, or when a batch had to be dropped meanwhile
        (see :attr:`dropped` and :attr:`last_error`).
        """
        with self._cond:
            target = self._submitted
            dropped_before = self.dropped
            if self._written >= target:
                return True
            self._flush_waiters += 1
            self._cond.notify_all()
            try:
                done = self._cond.wait_for(lambda: self._written >= target, timeout)
            finally:
                self._flush_waiters -= 1
            return done and self.dropped == dropped_before

    def close(self, timeout: float | None = 10.0) -> bool:
        """Write what is queued, then stop the thread."""
        ok = self.flush(timeout)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return ok

    # ------------------------------------------------------------ the thread
    def _take(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int] | None:
        with self._cond:
            while not (self._pending[RUN] or self._pending[NODE]):
                if self._closed:
                    return None
                self._cond.wait()
            if self._linger and not self._flush_waiters and not self._closed:
                self._cond.wait(self._linger)  # let a burst of events gather
            runs = list(self._pending[RUN].values())
            nodes = list(self._pending[NODE].values())
            self._pending = {RUN: {}, NODE: {}}
            return runs, nodes, self._submitted

    def _loop(self) -> None:
        while True:
            taken = self._take()
            if taken is None:
                return
            runs, nodes, covered = taken
            dropped = self._write(runs, nodes)
            with self._cond:
                self.dropped += dropped
                self._written = covered
                self.batches += 1
                self._cond.notify_all()

    def _write(self, runs: list[dict[str, Any]], nodes: list[dict[str, Any]]) -> int:
        """Write one batch in one transaction; returns how many records were dropped."""
        for attempt, delay in enumerate((0.0, *self._retry_delays)):
            if delay:
                time.sleep(delay)
            try:
                with self._engine.begin() as conn:
                    if runs:
                        upsert_runs(conn, runs, validate=False)
                    if nodes:
                        upsert_node_executions(conn, nodes, validate=False)
                return 0
            except ValueError as exc:  # a malformed record: retrying cannot help
                self.last_error = str(exc)
                log.error("dropping a batch of run records: %s", exc)
                break
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("writing run records failed (try %d): %s", attempt + 1, self.last_error)
        log.error("dropped %d run records: %s", len(runs) + len(nodes), self.last_error)
        return len(runs) + len(nodes)
