"""The background flusher: batches records and publishes one storage task per batch.

:meth:`RecordFlusher.submit` only puts the record on an in-memory queue, so the engine
thread never touches the broker.  A daemon thread collects records for one flush window
(``flush_interval_s`` or ``flush_max_records``, whichever comes first), groups them per
task and caller context, keeps the highest ``seq`` per record id, and publishes one
task per group behind bounded sockets and a :class:`CircuitBreaker`.  What the broker
does not take goes to the :class:`SqliteOutbox` and is re-sent when the breaker lets a
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
from typing import Any

from celery import Celery

from engine.persistence.celery.app import STORAGE_QUEUE
from engine.persistence.celery.breaker import CircuitBreaker
from engine.persistence.celery.outbox import OutboxMessage, SqliteOutbox

log = logging.getLogger(__name__)

_FLUSH = object()
_IDLE_WAKE_S = 0.25
_RESEND_CHUNK = 50


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


def latest_per_id(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per ``id``: the one with the highest ``seq`` (later wins on ties)."""
    best: dict[Any, dict[str, Any]] = {}
    for record in records:
        key = record.get("id")
        current = best.get(key)
        if current is None or int(record.get("seq") or 0) >= int(current.get("seq") or 0):
            best[key] = record
    return list(best.values())


class RecordFlusher:
    def __init__(
        self,
        app: Celery,
        outbox: SqliteOutbox,
        *,
        flush_interval_s: float = 0.005,
        flush_max_records: int = 200,
        breaker: CircuitBreaker | None = None,
        durable_first: bool = False,
        resend_existing_on_start: bool = True,
    ) -> None:
        self.app = app
        self.outbox = outbox
        self.flush_interval_s = flush_interval_s
        self.flush_max_records = flush_max_records
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
        self._queue.put((task_name, context, record))

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
            batch: list[tuple[str, CallerContext, dict[str, Any]]] = []
            if first is not None and first is not _FLUSH:
                batch.append(first)
                self._collect(batch)
            try:
                if batch:
                    self._deliver(self._to_messages(batch))
                if self._outbox_pending:
                    self._resend_outbox()
            except Exception:  # the flusher must survive anything
                log.exception("record flusher error")
            finally:
                if batch:
                    with self._done:
                        self.stats.records_handled += len(batch)
                        self._done.notify_all()

    def _collect(self, batch: list[tuple[str, CallerContext, dict[str, Any]]]) -> None:
        # Sleep through the window instead of waking on every put: a wake-up per record
        # would make the engine thread hand the GIL over once per save.
        if self._flush_requested.wait(self.flush_interval_s):
            self._flush_requested.clear()
        while len(batch) < self.flush_max_records:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not _FLUSH:
                batch.append(item)

    def _to_messages(
        self, batch: list[tuple[str, CallerContext, dict[str, Any]]]
    ) -> list[tuple[str, str, list[Any]]]:
        groups: dict[tuple[str, CallerContext], list[dict[str, Any]]] = {}
        for task_name, context, record in batch:
            groups.setdefault((task_name, context), []).append(record)
        return [
            (uuid.uuid4().hex, task_name, [latest_per_id(records), *astuple(context)])
            for (task_name, context), records in groups.items()
        ]

    def _drain_to_messages(self) -> list[tuple[str, str, list[Any]]]:
        batch = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not _FLUSH:
                batch.append(item)
        return self._to_messages(batch) if batch else []

    def _publish(self, task_id: str, task_name: str, args: list[Any]) -> None:
        self.app.send_task(task_name, args=args, task_id=task_id, queue=STORAGE_QUEUE, retry=False)

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
