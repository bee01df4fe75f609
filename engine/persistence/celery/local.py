"""The ``local`` Celery backend: a worker inside this process on the in-memory transport.

No server is needed.  The memory transport itself is not durable, so the flusher runs
``durable_first``: every batch is written to the SQLite outbox before it is published,
and the row is dropped only when the in-process worker reports the task succeeded
(``task_success``).  After a crash, the next :class:`LocalCeleryBackend` on the same
outbox re-sends whatever was still there; the ``seq`` guard makes re-sends harmless.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from celery import Celery
from celery.signals import task_success
from celery.worker import WorkController

from engine.persistence.celery.app import create_celery_app
from engine.persistence.celery.breaker import CircuitBreaker
from engine.persistence.celery.flusher import (
    DEFAULT_FLUSH_INTERVAL_S,
    DEFAULT_FLUSH_MAX_RECORDS,
    DEFAULT_MAX_DELAY_S,
    RecordFlusher,
)
from engine.persistence.celery.names import STORAGE_QUEUE
from engine.persistence.celery.outbox import SqliteOutbox

log = logging.getLogger(__name__)

#: how often the in-memory consumer polls for new messages
MEMORY_POLLING_INTERVAL_S = 0.02


class _EmbeddedWorker(WorkController):
    """A worker that tells when its consumer is ready (it runs in a thread)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.ready = threading.Event()
        super().__init__(*args, **kwargs)

    def on_consumer_ready(self, consumer: Any) -> None:
        self.ready.set()


class LocalCeleryBackend:
    """An in-process Celery worker plus the durable flusher that feeds it."""

    def __init__(
        self,
        database_url: str,
        outbox_path: str | Path,
        *,
        flush_interval_s: float = DEFAULT_FLUSH_INTERVAL_S,
        flush_max_records: int = DEFAULT_FLUSH_MAX_RECORDS,
        max_delay_s: float = DEFAULT_MAX_DELAY_S,
        start_timeout_s: float = 15.0,
    ) -> None:
        self.app: Celery = create_celery_app("memory://localhost/", database_url, main="flowdeck-local")
        self.app.conf.broker_transport_options = {"polling_interval": MEMORY_POLLING_INTERVAL_S}
        self._storage_tasks = {name for name in self.app.tasks if not name.startswith("celery.")}
        self.outbox = SqliteOutbox(outbox_path)
        self._worker = _EmbeddedWorker(
            app=self.app,
            hostname=f"flowdeck-local-{id(self):x}@localhost",
            pool="solo",
            concurrency=1,
            queues=[STORAGE_QUEUE],
            loglevel="WARNING",
            without_heartbeat=True,
            without_mingle=True,
            without_gossip=True,
            ready_callback=None,
        )
        self._thread = threading.Thread(target=self._run_worker, name="flowdeck-local-worker", daemon=True)
        task_success.connect(self._on_task_success, weak=False)
        self._thread.start()
        if not self._worker.ready.wait(start_timeout_s):
            raise RuntimeError(f"the local Celery worker did not start within {start_timeout_s} s")
        self.flusher = RecordFlusher(
            self.app,
            self.outbox,
            flush_interval_s=flush_interval_s,
            flush_max_records=flush_max_records,
            max_delay_s=max_delay_s,
            breaker=CircuitBreaker(cooldown_s=0.2, max_cooldown_s=2.0),
            durable_first=True,
        )

    def _run_worker(self) -> None:
        # the solo pool runs tasks of the thread's current app; current_app is thread-local
        self.app.set_current()
        self._worker.start()

    def _on_task_success(self, sender: Any = None, **_: Any) -> None:
        request = getattr(sender, "request", None)
        if sender is None or request is None:
            return
        if sender.name in self._storage_tasks and request.id:
            self.outbox.remove([request.id])

    def pending(self) -> int:
        """Batches written to the outbox and not yet stored by the worker."""
        return len(self.outbox)

    def wait_stored(self, timeout: float) -> bool:
        """Flush, then wait until the worker has stored every batch (the outbox is empty)."""
        deadline = time.monotonic() + timeout
        if not self.flusher.flush(timeout):
            return False
        while time.monotonic() < deadline:
            if self.pending() == 0:
                return True
            time.sleep(0.01)
        return self.pending() == 0

    def close(self, timeout: float = 10.0) -> None:
        """Store what can be stored within ``timeout``; the rest stays in the outbox for next time."""
        self.wait_stored(timeout / 2)
        self.flusher.close(timeout / 4)
        task_success.disconnect(self._on_task_success)
        # stop() returns at once; the consumer thread then leaves its blocking poll
        # (up to 2 s on the memory transport) by itself: it is a daemon, don't wait for it
        self._worker.stop(in_sighandler=False)
        self._thread.join(0.05)
        self.outbox.close()
