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
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from dataclasses import astuple, dataclass
from typing import Any, Protocol

from celery import Celery

from engine.persistence.celery.app import STORAGE_QUEUE
from engine.persistence.celery.breaker import CircuitBreaker
from engine.persistence.celery.outbox import OutboxMessage, SqliteOutbox

log = logging.getLogger(__name__)

_FLUSH = object()
_IDLE_WAKE_S = 0.25
_RESEND_CHUNK = 50

#: publish after this long without a new record (the issue's "flush window of a few ms")
DEFAULT_FLUSH_INTERVAL_S = 0.005
#: ... or once this many saves are queued: a 1,000-node run saves ~2,000 times and is one
#: message of ~1,000 records (~0.5 MB); 200 published ~10 messages inside such a run
DEFAULT_FLUSH_MAX_RECORDS = 5000
#: ... or once its oldest record waited this long while records kept coming (bounds the
#: delay of a long run's records well inside the 2 s storage goal)
DEFAULT_MAX_DELAY_S = 0.25


@dataclass(frozen=True, slots=True)
class CallerContext:
    """Who saves the records: the trailing arguments of every storage task."""

    tenant_id: str | None = None
    app_id: str | None = None
    triggered_from: str | None = None
    creator_user_id: str | None = None
    creator_user_role: str | None = None


@dataclass(slots=True)
class FlusherStats:
    records_submitted: int = 0
    records_handled: int = 0
    tasks_published: int = 0
    tasks_to_outbox: int = 0
    tasks_resent: int = 0
    publish_failures: int = 0


class LiveRecord(Protocol):
    """A record the caller keeps mutating (``WorkflowExecution``, ``NodeExecution``)."""

    id: str
    seq: int

    def to_dict(self) -> dict[str, Any]: ...


#: a saved record: a ``to_dict()`` mapping, or a live record and its ``seq`` when saved
Saved = tuple[dict[str, Any] | LiveRecord, int]
#: a batch: the latest save (highest ``seq``, later wins on ties) per task, context and id
Batch = dict[tuple[str, CallerContext, Any], Saved]


def add_latest(batch: Batch, task_name: str, context: CallerContext, record: Any, seq: int) -> None:
    """Put the save in ``batch`` unless it already holds a newer one of the same id.

    Done as records are drained, so a node's "started" save is dropped as soon as its
    "ended" one arrives: one snapshot per record and batch.
    """
    key = (task_name, context, record["id"] if isinstance(record, dict) else record.id)
    current = batch.get(key)
    if current is None or seq >= current[1]:
        batch[key] = (record, seq)


def materialise(saved: Saved) -> dict[str, Any]:
    """The mapping to send: a live record is snapshotted now, labelled with its save-time ``seq``.

    The caller may be mutating a live record while this runs, so the snapshot can mix
    fields of two states.  It still carries the ``seq`` of the save that queued it,
    which is lower than the ``seq`` of the save that follows every mutation; the
    ``seq``-guarded upserts therefore always end on a snapshot taken after the last
    mutation (the last save is materialised after it was queued, so after the
    mutation that preceded it).
    """
    record, seq = saved
    if isinstance(record, dict):
        return record
    for _ in range(4):
        try:
            data = record.to_dict()
            break
        except RuntimeError:  # a dict changed size while it was copied: take it again
            continue
    else:
        data = record.to_dict()
    data["seq"] = seq
    return data


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
        self.app = app
        self.outbox = outbox
        self.flush_interval_s = flush_interval_s
        self.flush_max_records = flush_max_records
        self.max_delay_s = max_delay_s
        self.breaker = breaker or CircuitBreaker()
        self.durable_first = durable_first
        self.stats = FlusherStats()
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._submitted_lock = threading.Lock()
        self._done = threading.Condition()
        self._closing = threading.Event()
        self._flush_requested = threading.Event()
        self._in_hand: list[tuple[str, str, list[Any]]] = []
        # local backend: rows present at start belong to a process that died; re-send them once
        # remote backend: every row is waiting for the broker
        self._resend_upto: int | None = outbox.last_row_id() if durable_first else None
        self._outbox_pending = resend_existing_on_start and len(outbox) > 0
        self._resent: set[str] = set()  # local backend: re-sent rows waiting for acknowledge()
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
            leftovers = list(self._in_hand) + self._drain_to_messages()
            if leftovers:  # a duplicate of something published meanwhile is harmless (seq guard)
                self.outbox.add_many(leftovers)
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
                    self._deliver(self._to_messages(batch))
                if self._outbox_pending:
                    self._resend_outbox()
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

    def _to_messages(self, batch: Batch) -> list[tuple[str, str, list[Any]]]:
        groups: dict[tuple[str, CallerContext], list[dict[str, Any]]] = {}
        for (task_name, context, _id), saved in batch.items():
            groups.setdefault((task_name, context), []).append(materialise(saved))
        return [
            (uuid.uuid4().hex, task_name, [records, *astuple(context)])
            for (task_name, context), records in groups.items()
        ]

    def _drain_to_messages(self) -> list[tuple[str, str, list[Any]]]:
        batch: Batch = {}
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not _FLUSH:
                add_latest(batch, *item)
        return self._to_messages(batch) if batch else []

    def _publish(self, task_id: str, task_name: str, args: list[Any]) -> None:
        # argsrepr: otherwise Celery formats a saferepr of the whole batch for every message
        records = args[0] if args else ()
        self.app.send_task(
            task_name,
            args=args,
            task_id=task_id,
            queue=STORAGE_QUEUE,
            retry=False,
            argsrepr=f"<{len(records)} records>",
            kwargsrepr="{}",
        )

    def _deliver(self, messages: list[tuple[str, str, list[Any]]]) -> None:
        self._in_hand = messages
        if self.durable_first:
            self.outbox.add_many(messages)
        pending = list(messages)
        while pending and self.breaker.allow():
            task_id, name, args = pending[0]
            try:
                self._publish(task_id, name, args)
            except Exception as exc:  # kombu OperationalError is not a ConnectionError
                self.breaker.record_failure()
                self.stats.publish_failures += 1
                log.warning("broker did not take a storage task (%s); keeping it in the outbox", exc)
                break
            self.breaker.record_success()
            self.stats.tasks_published += 1
            pending.pop(0)
        if pending:
            if self.durable_first:  # already stored; let the re-send loop reach them
                self._resend_upto = self.outbox.last_row_id()
            else:
                self.outbox.add_many(pending)
            self.stats.tasks_to_outbox += len(pending)
            self._outbox_pending = True
        self._in_hand = []

    def _resend_outbox(self) -> None:
        while self.breaker.allow() and not self._closing.is_set():
            rows: list[OutboxMessage] = self.outbox.oldest(_RESEND_CHUNK, max_row_id=self._resend_upto)
            if self.durable_first:
                rows = [r for r in rows if r.task_id not in self._resent]
            if not rows:
                self._outbox_pending = False
                return
            sent: list[str] = []
            try:
                for row in rows:
                    self._publish(row.task_id, row.task_name, row.args)
                    sent.append(row.task_id)
                self.breaker.record_success()
            except Exception as exc:
                self.breaker.record_failure()
                self.stats.publish_failures += 1
                self.outbox.mark_attempt([r.task_id for r in rows if r.task_id not in sent])
                log.info("outbox re-send paused, broker unavailable: %s", exc)
            finally:
                self.stats.tasks_resent += len(sent)
                if self.durable_first:
                    self._resent.update(sent)  # removed by acknowledge() once written
                else:
                    self.outbox.remove(sent)
            if len(sent) < len(rows):
                return
