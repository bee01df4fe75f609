"""Write-behind batching: the engine thread queues, one background thread writes.

:meth:`WriteBehindWriter.submit` costs a dict insert under a lock.  Records of
the same id waiting in the queue are coalesced (the highest ``seq`` wins), and
each batch is written in one transaction with the guarded upserts.

The thread writes when someone waits in :meth:`~WriteBehindWriter.flush` (the
end of a run), when ``max_pending`` records wait, or when the oldest waiting
record is ``max_delay_s`` old: a short run is written once, at its end, and a
long one every ``max_delay_s``.  Writing while the engine runs costs more than
it saves: the two threads trade the GIL back and forth, and a node's record is
usually replaced by a newer one before it would have been written.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine

from engine.persistence.sql.upserts import upsert_node_rows, upsert_runs

log = logging.getLogger(__name__)

RUN = "run"  # payload: WorkflowExecution.to_dict()
NODE = "node"  # payload: a row_encoding.node_record_row(...) tuple, or an object whose row() makes one


class WriteBehindWriter:
    def __init__(
        self,
        engine: Engine,
        *,
        max_delay_s: float = 0.1,
        max_pending: int = 2000,
        retry_delays: Sequence[float] = (0.05, 0.25, 1.0),
        name: str = "flowdeck-record-writer",
    ) -> None:
        self._engine = engine
        self._max_delay = max_delay_s
        self._max_pending = max(1, max_pending)
        self._retry_delays = tuple(retry_delays)
        self._name = name
        self._cond = threading.Condition()
        # kind -> record id -> (seq, payload)
        self._pending: dict[str, dict[str, tuple[int, Any]]] = {RUN: {}, NODE: {}}
        self._count = 0  # len of both pending dicts
        self._oldest = 0.0  # monotonic time of the first record waiting
        self._submitted = 0
        self._written = 0  # submissions covered by finished batches
        self._flush_waiters = 0
        self._closed = False
        self._thread: threading.Thread | None = None
        self._stored_graphs: set[str] = set()  # graph snapshots already in the database
        self.batches = 0
        self.dropped = 0
        self.last_error: str | None = None

    def submit(self, kind: str, record_id: str, seq: int, payload: Any) -> None:
        """Queue a serialised record (``kind`` is ``RUN`` or ``NODE``, see above)."""
        with self._cond:
            if self._closed:
                raise RuntimeError("the record writer is closed")
            pending = self._pending[kind]
            seen = pending.get(record_id)
            if seen is None:
                pending[record_id] = (seq, payload)
                self._count += 1
                if self._count == 1:
                    self._oldest = time.monotonic()
                    self._wake()
                elif self._count == self._max_pending:
                    self._cond.notify_all()
            elif seq > seen[0]:
                pending[record_id] = (seq, payload)
            self._submitted += 1

    def _wake(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
            self._thread.start()
        else:
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
    def _due(self) -> float:
        """Seconds until the pending records must be written (0: now)."""
        if self._flush_waiters or self._closed or self._count >= self._max_pending:
            return 0.0
        return max(0.0, self._oldest + self._max_delay - time.monotonic())

    def _take(self) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]], int] | None:
        with self._cond:
            while True:
                if not self._count:
                    if self._closed:
                        return None
                    self._cond.wait()
                    continue
                wait = self._due()
                if wait <= 0.0:
                    break
                self._cond.wait(wait)
            runs = [payload for _, payload in self._pending[RUN].values()]
            nodes = [payload for _, payload in self._pending[NODE].values()]
            self._pending = {RUN: {}, NODE: {}}
            self._count = 0
            return runs, nodes, self._submitted

    def _loop(self) -> None:
        while True:
            taken = self._take()
            if taken is None:
                return
            runs, nodes, covered = taken
            rows = [n if isinstance(n, tuple) else n.row() for n in nodes]  # snapshots, outside the lock
            dropped = self._write(runs, rows)
            with self._cond:
                self.dropped += dropped
                self._written = covered
                self.batches += 1
                self._cond.notify_all()

    def _write(self, runs: list[dict[str, Any]], nodes: list[tuple[Any, ...]]) -> int:
        """Write one batch in one transaction; returns how many records were dropped."""
        for attempt, delay in enumerate((0.0, *self._retry_delays)):
            if delay:
                time.sleep(delay)
            try:
                with self._engine.begin() as conn:
                    if runs:
                        upsert_runs(conn, runs, validate=False, known_graphs=self._stored_graphs)
                    if nodes:
                        upsert_node_rows(conn, nodes)
                self._stored_graphs.update(
                    r["graph_hash"] for r in runs if r.get("graph_hash") and r.get("graph")
                )
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
