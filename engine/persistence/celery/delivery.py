"""Delivery of task messages: publish behind the circuit breaker, keep what the broker did not take.

:class:`MessageDelivery` is the flusher's second half (the flusher batches, this
sends).  A message goes to the broker while the :class:`CircuitBreaker` allows it;
what the broker does not take goes to the :class:`SqliteOutbox` and is re-sent by
:meth:`~MessageDelivery.resend` once a probe gets through.  ``durable_first`` (the
local backend) stores every message in the outbox *before* publishing; its row is
removed when the in-process worker has written it.

Nothing is dropped: a message that does not serialise is split
(:func:`~.failed_records.split_message`), its records that cannot be sent are kept in
the outbox with their error, and the rest is sent.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import Celery

from engine.persistence.celery.batching import FlusherStats, Message
from engine.persistence.celery.breaker import CircuitBreaker
from engine.persistence.celery.failed_records import ENCODING_ERRORS, FailedRecord, describe, split_message
from engine.persistence.celery.names import STORAGE_QUEUE
from engine.persistence.celery.outbox import OutboxMessage, SqliteOutbox

log = logging.getLogger(__name__)

_RESEND_CHUNK = 50


class MessageDelivery:
    def __init__(
        self,
        app: Celery,
        outbox: SqliteOutbox,
        breaker: CircuitBreaker,
        stats: FlusherStats,
        *,
        durable_first: bool = False,
        resend_existing_on_start: bool = True,
    ) -> None:
        self.app = app
        self.outbox = outbox
        self.breaker = breaker
        self.stats = stats
        self.durable_first = durable_first
        self.in_hand: list[Message] = []  # being delivered (kept in the outbox if the flusher must stop)
        # local backend: rows present at start belong to a process that died; re-send them once
        # remote backend: every row is waiting for the broker
        self._resend_upto: int | None = outbox.last_row_id() if durable_first else None
        self.outbox_pending = resend_existing_on_start and len(outbox) > 0
        self._resent: set[str] = set()  # local backend: re-sent rows waiting for acknowledge()

    # ------------------------------------------------------------- publishing
    def publish(self, task_id: str, task_name: str, args: list[Any]) -> None:
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

    def deliver(self, messages: list[Message]) -> None:
        self.in_hand = messages
        if self.durable_first:
            messages = self.store(messages)
        pending = list(messages)
        while pending and self.breaker.allow():
            task_id, name, args = pending[0]
            try:
                self.publish(task_id, name, args)
            except ENCODING_ERRORS as exc:  # not the broker's fault: send the rest of the batch
                clean = self._without_failed(pending[0], describe(exc))
                if clean is None:
                    pending.pop(0)
                else:
                    pending[0] = clean
                continue
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
                self.store(pending)
            self.stats.tasks_to_outbox += len(pending)
            self.outbox_pending = True
        self.in_hand = []

    def resend(self, closing: threading.Event) -> None:
        """Re-send outbox rows while the breaker allows (the oldest first)."""
        while self.breaker.allow() and not closing.is_set():
            rows: list[OutboxMessage] = self.outbox.oldest(_RESEND_CHUNK, max_row_id=self._resend_upto)
            if self.durable_first:
                rows = [r for r in rows if r.task_id not in self._resent]
            if not rows:
                self.outbox_pending = False
                return
            sent: list[str] = []
            try:
                for row in rows:
                    self.publish(row.task_id, row.task_name, row.args)
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

    # ---------------------------------------------------- the outbox, splitting
    def store(self, messages: list[Message]) -> list[Message]:
        """Put ``messages`` in the outbox (those that do not serialise split first); the stored ones."""
        unencodable = {m[0] for m in self.outbox.add_many(messages)}
        if not unencodable:
            return messages
        stored: list[Message] = []
        for message in messages:
            if message[0] not in unencodable:
                stored.append(message)
                continue
            clean = self._without_failed(message, "the batch could not be serialised")
            if clean is not None and not self.outbox.add_many([clean]):
                stored.append(clean)
        return stored

    def keep_failed(self, failed: list[FailedRecord]) -> None:
        """Records that cannot be sent: into the outbox with their error (never dropped, never re-sent)."""
        if not failed:
            return
        self.outbox.add_failed(failed)
        self.stats.records_failed += len(failed)
        for record in failed:
            log.error(
                "run record %s (%s) cannot be serialised; kept in the outbox %s: %s",
                record.record_id,
                record.task_name,
                self.outbox.path,
                record.error,
            )

    def _without_failed(self, message: Message, error: str) -> Message | None:
        """``message`` without its records that do not serialise (kept apart); None if none is left."""
        task_id, name, args = message
        clean, failed = split_message(task_id, name, args)
        if not failed:  # no single record is to blame: keep them all, with the message's error
            records = args[0] if isinstance(args[0], list) else [args[0]]
            failed = [FailedRecord(name, str(_record_id(r)), r, list(args[1:]), error) for r in records]
            clean = None
        self.keep_failed(failed)
        return None if clean is None else (task_id, name, clean)


def _record_id(record: Any) -> Any:
    return record.get("id") if isinstance(record, dict) else getattr(record, "id", None)
