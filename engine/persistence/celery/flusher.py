"""The background flusher: batches records and publishes one storage task per batch.

:meth:`RecordFlusher.submit` only puts the record on an in-memory queue, so the engine
thread never touches the broker.  A daemon thread collects records into a batch and
publishes it once any of these holds:

- a flush window (``flush_interval_s``, a few ms) passed without a new record: the
  producer paused or the run ended;
- the batch holds ``flush_max_records`` records;
- its oldest record waited ``max_delay_s`` (records keep flowing during a long run);
- :meth:`flush` or :meth:`close` asks for it.

While an engine keeps saving, the batch therefore keeps growing instead of being
published every few ms: snapshotting, publishing (kombu JSON: ~12 us per node record,
mostly float reprs; base64; socket I/O; a uuid4 per task) all run in the engine's
process and take the GIL from the engine thread, so they are done once per record in
few, large messages, in the pauses (measured: a 1,000-node run costs ~25 ms of
publishing, which used to land inside the run).  During a burst the thread only
compares queue sizes once per window.  The batch keeps the latest save per record id
(:func:`add_latest`), is grouped per task and caller context, and each group is one
task with ``argsrepr="<N records>"`` (Celery would otherwise format a repr of the
batch), published behind bounded sockets and a :class:`CircuitBreaker`.  What the broker does
not take goes to the :class:`SqliteOutbox` and is re-sent when the breaker lets a
probe through; nothing is lost and no caller ever sees the failure.

``durable_first`` (the local backend) writes every batch to the outbox *before*
publishing; the row is removed by :meth:`acknowledge` once the task has written it.

Nothing is dropped: a record that cannot be snapshotted or serialised goes to the
outbox with its error (:mod:`.failed_records`) and the rest of its batch is sent.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any

from celery import Celery

from engine.persistence.celery.batching import (
    Batch,
    CallerContext,
    FlusherStats,
    LiveRecord,
    Message,
    add_latest,
    materialise,
    to_messages,
)
from engine.persistence.celery.breaker import CircuitBreaker
from engine.persistence.celery.delivery import MessageDelivery
from engine.persistence.celery.outbox import SqliteOutbox

__all__ = [
    "DEFAULT_FLUSH_INTERVAL_S",
    "DEFAULT_FLUSH_MAX_RECORDS",
    "DEFAULT_MAX_DELAY_S",
    "CallerContext",
    "FlusherStats",
    "LiveRecord",
    "RecordFlusher",
    "add_latest",
    "materialise",
]

log = logging.getLogger(__name__)

_FLUSH = object()
_IDLE_WAKE_S = 0.25

#: publish after this long without a new record (the issue's "flush window of a few ms")
DEFAULT_FLUSH_INTERVAL_S = 0.005
#: ... or once this many saves are queued: a 1,000-node run saves ~2,000 times and is one
#: message of ~1,000 records (~0.5 MB); 200 published ~10 messages inside such a run
DEFAULT_FLUSH_MAX_RECORDS = 5000
#: ... or once its oldest record waited this long while records kept coming (bounds the
#: delay of a long run's records well inside the 2 s storage goal)
DEFAULT_MAX_DELAY_S = 0.25


class RecordFlusher:
    def __init__(
        self,
        app: Celery,
        outbox: SqliteOutbox,
        *,
        flush_interval_s: float = DEFAULT_FLUSH_INTERVAL_S,
        flush_max_records: int = DEFAULT_FLUSH_MAX_RECORDS,
        max_delay_s: float = DEFAULT_MAX_DELAY_S,
        breaker: CircuitBreaker | None = None,
        durable_first: bool = False,
        resend_existing_on_start: bool = True,
    ) -> None:
        self.outbox = outbox
        self.flush_interval_s = flush_interval_s
        self.flush_max_records = flush_max_records
        self.max_delay_s = max_delay_s
        self.stats = FlusherStats()
        self._delivery = MessageDelivery(
            app,
            outbox,
            breaker or CircuitBreaker(),
            self.stats,
            durable_first=durable_first,
            resend_existing_on_start=resend_existing_on_start,
        )
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._submitted_lock = threading.Lock()
        self._done = threading.Condition()
        self._closing = threading.Event()
        self._flush_requested = threading.Event()
        self._thread = threading.Thread(target=self._run, name="flowdeck-record-flusher", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------ caller side
    def submit(self, task_name: str, context: CallerContext, record: dict[str, Any]) -> None:
        """Queue one serialised record; never blocks and never raises for broker trouble."""
        with self._submitted_lock:
            self.stats.records_submitted += 1
        self._queue.put((task_name, context, record, int(record.get("seq") or 0)))

    def submit_live(self, task_name: str, context: CallerContext, record: LiveRecord) -> None:
        """Queue a live record; it is snapshotted off the caller's thread (see :func:`materialise`)."""
        with self._submitted_lock:
            self.stats.records_submitted += 1
        self._queue.put((task_name, context, record, record.seq))

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every record submitted so far is published or in the outbox."""
        with self._submitted_lock:
            target = self.stats.records_submitted
        self._queue.put(_FLUSH)
        self._flush_requested.set()
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._done:
            while self.stats.records_handled < target:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._done.wait(remaining)
        return True

    def acknowledge(self, task_ids: list[str]) -> None:
        """The tasks were written (local backend): drop their outbox rows."""
        self.outbox.remove(task_ids)

    def close(self, timeout: float = 5.0) -> bool:
        """Flush, stop the thread; whatever is still not published is put in the outbox."""
        flushed = self.flush(timeout)
        self._closing.set()
        self._queue.put(_FLUSH)
        self._flush_requested.set()
        self._thread.join(max(0.1, timeout / 4))
        if not flushed or self._thread.is_alive():
            leftovers = list(self._delivery.in_hand) + self._drain_to_messages()
            if leftovers:  # a duplicate of something published meanwhile is harmless (seq guard)
                self._delivery.store(leftovers)
                log.warning("%d storage task(s) kept in the outbox at shutdown", len(leftovers))
        return flushed

    # ---------------------------------------------------------- flusher thread
    def _run(self) -> None:
        while not self._closing.is_set():
            try:
                first = self._queue.get(timeout=_IDLE_WAKE_S)
            except queue.Empty:
                first = None
            batch: Batch = {}
            taken = 0
            if first is not None and first is not _FLUSH:
                add_latest(batch, *first)
                taken = 1 + self._collect(batch)
            try:
                if batch:
                    self._delivery.deliver(self._to_messages(batch))
                if self._delivery.outbox_pending:
                    self._delivery.resend(self._closing)
            except Exception:  # the flusher must survive anything
                log.exception("record flusher error")
            finally:
                if taken:
                    with self._done:
                        self.stats.records_handled += taken
                        self._done.notify_all()

    def _collect(self, batch: Batch) -> int:
        """Wait until a window brings nothing new, N records queued, the delay or a flush; drain.

        Returns how many records were taken off the queue.  While records keep coming
        the thread only compares queue sizes (no draining, no snapshots), so the engine
        thread loses the GIL for a few microseconds per window, not per save.
        """
        deadline = time.monotonic() + self.max_delay_s
        seen = self._queue.qsize()
        while True:
            flushing = self._flush_requested.wait(self.flush_interval_s)
            if flushing:
                self._flush_requested.clear()
            size = self._queue.qsize()
            if (
                flushing
                or size == seen
                or size + len(batch) >= self.flush_max_records
                or self._closing.is_set()
                or time.monotonic() >= deadline
            ):
                return self._take(batch)
            seen = size

    def _take(self, batch: Batch) -> int:
        """Move queued records into ``batch`` (up to ``flush_max_records`` ids); how many were taken."""
        taken = 0
        get = self._queue.get_nowait
        while len(batch) < self.flush_max_records:
            try:
                item = get()
            except queue.Empty:
                break
            if item is not _FLUSH:
                add_latest(batch, *item)
                taken += 1
        return taken

    def _to_messages(self, batch: Batch) -> list[Message]:
        messages, failed = to_messages(batch)
        self._delivery.keep_failed(failed)
        return messages

    def _drain_to_messages(self) -> list[Message]:
        batch: Batch = {}
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not _FLUSH:
                add_latest(batch, *item)
        return self._to_messages(batch) if batch else []
